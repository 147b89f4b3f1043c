/* cmd-models.c — `rectify models info PATH` and `rectify models list`. */
#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "rectify-cli.h"
#include "rf-model-info.h"
#include "rf-model-search.h"

static int
models_info (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("PATH — describe and check a model file or folder"));
  GError *error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      int rc = rf_cli_fail ("models info", error);
      g_error_free (error);
      return rc;
    }
  if (argc != 2)
    {
      g_printerr ("%s", _("Usage: rectify models info PATH\n"));
      return 2;
    }
  g_autoptr (RfModelInfo) info = rf_model_info_gather (argv[1], &error);
  if (info == NULL)
    {
      int rc = rf_cli_fail ("models info", error);
      g_error_free (error);
      return rc;
    }
  g_autofree char *text = rf_model_info_format (info);
  gboolean ok = rf_model_info_is_ok (info);
  fputs (text, stdout);
  if (!ok)
    {
      /* errors also go to stderr, one line each, for scripts */
      for (guint i = 0; i < info->parts->len; i++)
        {
          const RfModelPart *p = g_ptr_array_index (info->parts, i);
          if (p->error)
            g_printerr ("rectify models info: %s\n", p->error);
        }
      return 1;
    }
  return 0;
}

static int
models_list (int argc, char **argv)
{
  g_auto (GStrv) dirs = NULL;
  GOptionEntry entries[] = {
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME_ARRAY, &dirs, N_("Also search DIR (repeatable)"), "DIR" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("— list the models on the search path"));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (ctx,
    _("Searched: --dir folders, $RECTIFY_MODELS, ~/.local/share/rectify/models and the\n"
      "extra_dirs= list in the [models] group of ~/.config/rectify/config.ini."));
  GError *error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      int rc = rf_cli_fail ("models list", error);
      g_error_free (error);
      return rc;
    }
  g_autofree char *warning = NULL;
  g_auto (GStrv) search = rf_model_search_dirs ((const char *const *) dirs, &warning);
  if (warning)
    g_printerr ("rectify models list: %s\n", warning);
  if (search[0] == NULL)
    {
      g_printerr ("%s", _("rectify models list: no model folders found; set RECTIFY_MODELS or "
                          "use --dir\n"));
      return 1;
    }
  g_autoptr (GPtrArray) found = rf_model_search ((const char *const *) search);
  for (char **d = search; *d; d++)
    printf ("# %s\n", *d);
  for (guint i = 0; i < found->len; i++)
    {
      const RfModelEntry *e = g_ptr_array_index (found, i);
      printf ("%s\n    %s\n", e->path, e->summary);
    }
  if (found->len == 0)
    printf ("%s", _("no model files found\n"));
  return 0;
}

int
rf_cmd_models (int argc, char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "info") == 0)
    return models_info (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "list") == 0)
    return models_list (argc - 1, argv + 1);
  FILE *out = argc >= 2 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
                ? stdout : stderr;
  fprintf (out, "%s", _("Usage: rectify models info PATH   describe and check a model file or folder\n"
                        "       rectify models list        list the models on the search path\n"));
  return out == stdout ? 0 : 2;
}
