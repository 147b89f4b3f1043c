/* cmd-reconstruct.c — `rectify reconstruct`: invert and sample back with
 * the same prompt; prints the PSNR of the round trip (and its latent
 * error, which leaves the autoencoder out).
 *
 *   rectify reconstruct IMAGE [-o OUT] [--source-prompt TEXT] [shared options]
 */
#include <glib/gi18n-lib.h>

#include "cli-job.h"
#include "rectify-cli.h"

static int
reconstruct (RfCliJob *cj, int argc, char **argv)
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
  g_autoptr (GOptionContext) ctx = g_option_context_new (
    _("IMAGE — invert an image and sample it back; print the PSNR"));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (ctx, _("Example:\n  rectify reconstruct photo.png --steps 30 "
                                           "--solver rf2 -o roundtrip.png\n"));
  g_autoptr (GError) error = NULL;
  gboolean parsed = g_option_context_parse (ctx, &argc, &argv, &error);
  g_autofree char *src = rf_cli_job_prompt (source);
  if (!parsed)
    return rf_cli_fail ("reconstruct", error);
  if (argc != 2)
    {
      g_printerr (_("Usage: rectify reconstruct IMAGE [-o OUT] [OPTIONS...]\n"));
      return 2;
    }
  RfJobParams params;
  rf_job_params_init (&params, RF_JOB_RECONSTRUCT);
  if (!rf_cli_job_params (cj, &params))
    return 2;
  g_autoptr (RfImage) image = rf_image_load (argv[1], &error);
  if (image == NULL)
    return rf_cli_fail ("reconstruct", error);
  params.image = image;
  params.source_prompt = src;
  return rf_cli_job_run (cj, &params);
}

int
rf_cmd_reconstruct (int argc, char **argv)
{
  RfCliJob cj;
  rf_cli_job_init (&cj, "reconstruct", RF_CLI_OUTPUT_OPTIONAL);
  int status = reconstruct (&cj, argc, argv);
  rf_cli_job_clear (&cj);
  return status;
}
