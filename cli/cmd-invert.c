/* cmd-invert.c — `rectify invert`: image → the noise latent that samples
 * back to it (RF-Solver inversion at guidance 1 with the source prompt).
 *
 *   rectify invert IMAGE -o NOISE.npy [--source-prompt TEXT] [shared options]
 *
 * `rectify generate --noise NOISE.npy` (same prompt, --guidance 1,
 * --solver rf2, the same --steps) samples it back.
 */
#include <glib/gi18n-lib.h>

#include "cli-job.h"
#include "rectify-cli.h"

static int
invert (RfCliJob *cj, int argc, char **argv)
{
  char *source = NULL;
  GOptionEntry spec[] = {
    { "source-prompt", 's', 0, G_OPTION_ARG_FILENAME, &source,
      N_("what the image shows (default: empty)"), "TEXT" },
    { "source-cond-dir", 0, 0, G_OPTION_ARG_FILENAME, &cj->source_cond_dir,
      N_("precomputed embeddings of the source prompt"), "DIR" },
    { NULL }
  };
  g_autofree GOptionEntry *entries = rf_cli_job_entries (cj, spec);
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("IMAGE — invert an image to noise"));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (ctx, _("Example:\n  rectify invert photo.png -s \"a cat on "
                                           "a sofa\" -o noise.npy\n"));
  g_autoptr (GError) error = NULL;
  gboolean parsed = g_option_context_parse (ctx, &argc, &argv, &error);
  g_autofree char *src = rf_cli_job_prompt (source);
  if (!parsed)
    return rf_cli_fail ("invert", error);
  if (argc != 2)
    {
      g_printerr (_("Usage: rectify invert IMAGE -o NOISE.npy [OPTIONS...]\n"));
      return 2;
    }
  RfJobParams params;
  rf_job_params_init (&params, RF_JOB_INVERT);
  if (!rf_cli_job_params (cj, &params))
    return 2;
  g_autoptr (RfImage) image = rf_image_load (argv[1], &error);
  if (image == NULL)
    return rf_cli_fail ("invert", error);
  params.image = image;
  params.source_prompt = src;
  return rf_cli_job_run (cj, &params);
}

int
rf_cmd_invert (int argc, char **argv)
{
  RfCliJob cj;
  rf_cli_job_init (&cj, "invert", RF_CLI_OUTPUT_LATENT);
  int status = invert (&cj, argc, argv);
  rf_cli_job_clear (&cj);
  return status;
}
