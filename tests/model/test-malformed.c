/* test-malformed.c — every file in tests/data/model/malformed/ must fail
 * to open with the error code and message listed in expected.txt (made
 * by tools/make-model-test-files.py), and a directory must be refused.
 * Run under ASan/UBSan this is also the "no crash, no bad read" check. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "rf-error.h"
#include "rf-model-file.h"

static int
code_from_name (const char *s)
{
  if (strcmp (s, "FORMAT") == 0) return RF_MODEL_ERROR_FORMAT;
  if (strcmp (s, "UNSUPPORTED") == 0) return RF_MODEL_ERROR_UNSUPPORTED;
  if (strcmp (s, "IO") == 0) return RF_MODEL_ERROR_IO;
  return -1;
}

int
main (void)
{
  const char *src = g_getenv ("RECTIFY_SOURCE_DIR");
  g_autofree char *dir = g_build_filename (src ? src : ".", "tests", "data", "model", "malformed", NULL);
  g_autofree char *list = g_build_filename (dir, "expected.txt", NULL);
  g_autofree char *text = NULL;
  int failures = 0, cases = 0;
  if (!g_file_get_contents (list, &text, NULL, NULL))
    {
      printf ("FAIL cannot read %s\n", list);
      return 1;
    }
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      if (**l == '\0' || **l == '#')
        continue;
      g_auto (GStrv) f = g_strsplit (*l, "\t", 3);
      if (g_strv_length (f) != 3)
        {
          printf ("FAIL bad line '%s'\n", *l);
          failures++;
          continue;
        }
      cases++;
      g_autofree char *path = g_build_filename (dir, f[0], NULL);
      GError *error = NULL;
      RfModelFile *mf = rf_model_file_open (path, &error);
      int want = code_from_name (f[1]);
      gboolean ok = mf == NULL && error && error->domain == RF_MODEL_ERROR
                    && error->code == want && strstr (error->message, f[2]) != NULL;
      printf ("%s %s: %s\n", ok ? "ok  " : "FAIL", f[0], error ? error->message : "opened without error");
      if (!ok)
        {
          printf ("     wanted %s containing '%s'\n", f[1], f[2]);
          failures++;
        }
      rf_model_file_free (mf);
      g_clear_error (&error);

      /* the same bytes through the in-memory entry point used by fuzzers */
      g_autofree char *bytes = NULL;
      gsize len;
      if (g_file_get_contents (path, &bytes, &len, NULL))
        {
          mf = rf_model_file_new_from_data ((const guint8 *) bytes, len, f[0], &error);
          if (mf != NULL || error == NULL || error->code != want)
            {
              printf ("FAIL %s: in-memory parse disagrees\n", f[0]);
              failures++;
            }
          rf_model_file_free (mf);
          g_clear_error (&error);
        }
    }

  /* a directory given as a file */
  g_autofree char *tmp = g_dir_make_tmp ("rectify-malformed-XXXXXX", NULL);
  g_autofree char *fake = g_build_filename (tmp, "model.safetensors", NULL);
  g_mkdir (fake, 0700);
  GError *error = NULL;
  RfModelFile *mf = rf_model_file_open (fake, &error);
  gboolean ok = mf == NULL && g_error_matches (error, RF_MODEL_ERROR, RF_MODEL_ERROR_IO)
                && strstr (error->message, "directory");
  printf ("%s directory as a file: %s\n", ok ? "ok  " : "FAIL", error ? error->message : "opened");
  failures += !ok;
  g_clear_error (&error);
  mf = rf_model_file_open (tmp, &error);
  failures += mf != NULL;
  g_clear_error (&error);
  mf = rf_model_file_open ("/nonexistent/rectify.gguf", &error);
  ok = mf == NULL && g_error_matches (error, RF_MODEL_ERROR, RF_MODEL_ERROR_NOT_FOUND);
  printf ("%s missing file: %s\n", ok ? "ok  " : "FAIL", error ? error->message : "opened");
  failures += !ok;
  g_clear_error (&error);
  g_rmdir (fake);
  g_rmdir (tmp);

  if (cases < 60)
    {
      printf ("FAIL only %d cases listed\n", cases);
      failures++;
    }
  printf ("%d cases, %d failures\n", cases, failures);
  return failures ? 1 : 0;
}
