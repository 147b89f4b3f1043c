/* replay-main.c — runs a fuzz target over files and folders given on the
 * command line (the committed corpus), without libFuzzer: the corpus
 * becomes a regular test in every build, ASan/UBSan builds included. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
run_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len;
  if (!g_file_get_contents (path, &data, &len, NULL))
    {
      printf ("FAIL cannot read %s\n", path);
      return 1;
    }
  LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
  return 0;
}

int
main (int argc, char **argv)
{
  int failures = 0, files = 0;
  for (int i = 1; i < argc; i++)
    {
      if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          failures += run_file (argv[i]);
          files++;
          continue;
        }
      g_autoptr (GDir) dir = g_dir_open (argv[i], 0, NULL);
      const char *name;
      while (dir && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *p = g_build_filename (argv[i], name, NULL);
          failures += run_file (p);
          files++;
        }
    }
  printf ("%s %d corpus inputs replayed\n", failures || files == 0 ? "FAIL" : "ok  ", files);
  return failures || files == 0;
}
