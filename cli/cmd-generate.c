/* cmd-generate.c — `rectify generate`: text → image.
 *
 *   rectify generate -p "a lighthouse at dusk" -o out.png [--width W --height H]
 *                    [--noise NOISE.npy] [shared options: see cli-job.c]
 */
#include <glib/gi18n-lib.h>

#include "cli-job.h"
#include "rectify-cli.h"
#include "rf-npy.h"

static RfLatent *
load_noise (const char *path, GError **error)
{
  g_autoptr (RfNpy) npy = rf_npy_load (path, error);
  if (npy == NULL)
    return NULL;
  int off = npy->ndim == 4 && npy->shape[0] == 1 ? 1 : 0;
  if (npy->ndim - off != 3)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID,
                   _("%s: a noise latent is [1, channels, height, width]"), path);
      return NULL;
    }
  RfLatent *l = g_new0 (RfLatent, 1);
  l->channels = (int) npy->shape[off];
  l->height = (int) npy->shape[off + 1];
  l->width = (int) npy->shape[off + 2];
  l->data = rf_npy_dup_f32 (npy);
  return l;
}

static int
generate (RfCliJob *cj, int argc, char **argv)
{
  char *prompt = NULL, *noise_path = NULL;
  int width = 0, height = 0;
  GOptionEntry spec[] = {
    { "prompt", 'p', 0, G_OPTION_ARG_FILENAME, &prompt, N_("what to draw (UTF-8 text)"), "TEXT" },
    { "width", 'W', 0, G_OPTION_ARG_INT, &width, N_("output width (default: the budget's square)"),
      "PX" },
    { "height", 'H', 0, G_OPTION_ARG_INT, &height, N_("output height"), "PX" },
    { "noise", 0, 0, G_OPTION_ARG_FILENAME, &noise_path,
      N_("start from this latent (from 'rectify invert') instead of seeded noise"), "NOISE.npy" },
    { NULL }
  };
  g_autofree GOptionEntry *entries = rf_cli_job_entries (cj, spec);
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("— make an image from a prompt"));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (ctx, _("Example:\n  rectify generate -p \"a lighthouse at "
                                           "dusk\" --seed 7 -o lighthouse.png\n"));
  g_autoptr (GError) error = NULL;
  gboolean parsed = g_option_context_parse (ctx, &argc, &argv, &error);
  g_autofree char *p = rf_cli_job_prompt (prompt);
  g_autofree char *np = noise_path;
  if (!parsed)
    return rf_cli_fail ("generate", error);
  if (argc > 1)
    {
      g_printerr (_("rectify generate: unexpected argument '%s'\n"), argv[1]);
      return 2;
    }
  if (width < 0 || height < 0 || width > 16384 || height > 16384)
    {
      g_printerr (_("rectify generate: --width and --height take 8 to 16384\n"));
      return 2;
    }
  RfJobParams params;
  rf_job_params_init (&params, RF_JOB_GENERATE);
  if (!rf_cli_job_params (cj, &params))
    return 2;
  params.prompt = p;
  params.width = width;
  params.height = height;
  g_autoptr (RfLatent) noise = np ? load_noise (np, &error) : NULL;
  if (np && noise == NULL)
    return rf_cli_fail ("generate", error);
  params.noise = noise;
  return rf_cli_job_run (cj, &params);
}

int
rf_cmd_generate (int argc, char **argv)
{
  RfCliJob cj;
  rf_cli_job_init (&cj, "generate", RF_CLI_OUTPUT_IMAGE);
  int status = generate (&cj, argc, argv);
  rf_cli_job_clear (&cj);
  return status;
}
