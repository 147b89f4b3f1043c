/* cmd-invert.c — `rectify invert` and `rectify reconstruct`: the two
 * commands that take one image and a source prompt.
 *
 *   rectify invert IMAGE -o NOISE.npy [--source-prompt TEXT] [shared options]
 *     image → the noise latent that samples back to it (RF-Solver
 *     inversion at guidance 1 with the source prompt); `rectify generate
 *     --noise NOISE.npy` (same prompt, --guidance 1, --solver rf2, the
 *     same --steps) samples it back.
 *
 *   rectify reconstruct IMAGE [-o OUT] [--source-prompt TEXT] [shared options]
 *     invert and sample back with the same prompt; prints the PSNR of the
 *     round trip (and its latent error, which leaves the autoencoder out).
 */
#include <glib/gi18n-lib.h>

#include "cli-job.h"
#include "rectify-cli.h"

typedef struct {
  const char *name;
  RfJobKind kind;
  RfCliOutputKind output;
  const char *summary;   /* N_() */
  const char *example;   /* N_() */
  const char *usage;     /* N_() */
} SourceCommand;

static const SourceCommand invert_command = {
  "invert", RF_JOB_INVERT, RF_CLI_OUTPUT_LATENT,
  N_("IMAGE — invert an image to noise"),
  N_("Example:\n  rectify invert photo.png -s \"a cat on a sofa\" -o noise.npy\n"),
  N_("Usage: rectify invert IMAGE -o NOISE.npy [OPTIONS...]\n"),
};

static const SourceCommand reconstruct_command = {
  "reconstruct", RF_JOB_RECONSTRUCT, RF_CLI_OUTPUT_OPTIONAL,
  N_("IMAGE — invert an image and sample it back; print the PSNR"),
  N_("Example:\n  rectify reconstruct photo.png --steps 30 --solver rf2 -o roundtrip.png\n"),
  N_("Usage: rectify reconstruct IMAGE [-o OUT] [OPTIONS...]\n"),
};

static int
parse_and_run (const SourceCommand *sc, RfCliJob *cj, int argc, char **argv)
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
  g_autoptr (GOptionContext) ctx = g_option_context_new (_(sc->summary));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (ctx, _(sc->example));
  g_autoptr (GError) error = NULL;
  gboolean parsed = g_option_context_parse (ctx, &argc, &argv, &error);
  g_autofree char *src = rf_cli_job_prompt (source);
  if (!parsed)
    return rf_cli_fail (sc->name, error);
  if (argc != 2)
    {
      g_printerr ("%s", _(sc->usage));
      return 2;
    }
  RfJobParams params;
  rf_job_params_init (&params, sc->kind);
  if (!rf_cli_job_params (cj, &params))
    return 2;
  g_autoptr (RfImage) image = rf_image_load (argv[1], &error);
  if (image == NULL)
    return rf_cli_fail (sc->name, error);
  params.image = image;
  params.source_prompt = src;
  return rf_cli_job_run (cj, &params);
}

static int
source_command (const SourceCommand *sc, int argc, char **argv)
{
  RfCliJob cj;
  rf_cli_job_init (&cj, sc->name, sc->output);
  int status = parse_and_run (sc, &cj, argc, argv);
  rf_cli_job_clear (&cj);
  return status;
}

int
rf_cmd_invert (int argc, char **argv)
{
  return source_command (&invert_command, argc, argv);
}

int
rf_cmd_reconstruct (int argc, char **argv)
{
  return source_command (&reconstruct_command, argc, argv);
}
