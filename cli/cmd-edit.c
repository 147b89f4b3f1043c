/* cmd-edit.c — `rectify edit`: RF-Edit. The image is inverted with the
 * source prompt while the attention values of the last single-stream
 * blocks are kept for the first --inject (high-noise) steps, then sampled
 * with the target prompt reusing them, so layout and identity stay.
 *
 *   rectify edit IMAGE -s "a cat" -p "a tiger" -o OUT [--inject N]
 *                [--v-blocks N] [shared options]
 */
#include <glib/gi18n-lib.h>

#include "cli-job.h"
#include "rectify-cli.h"

static int
edit (RfCliJob *cj, int argc, char **argv)
{
  char *source = NULL, *prompt = NULL;
  int inject = RF_DEFAULT_INT, v_blocks = RF_DEFAULT_INT;
  GOptionEntry spec[] = {
    { "prompt", 'p', 0, G_OPTION_ARG_FILENAME, &prompt, N_("what the image should show"),
      "TEXT" },
    { "source-prompt", 's', 0, G_OPTION_ARG_FILENAME, &source,
      N_("what the image shows now (default: empty)"), "TEXT" },
    { "inject", 0, 0, G_OPTION_ARG_INT, &inject,
      N_("steps that share the source's attention values (default 3; 2-5 typical, more "
         "keeps more of the input)"), "N" },
    { "v-blocks", 0, 0, G_OPTION_ARG_INT, &v_blocks,
      N_("share in the last N single-stream blocks (default 18 of 38)"), "N" },
    { "source-cond-dir", 0, 0, G_OPTION_ARG_FILENAME, &cj->source_cond_dir,
      N_("precomputed embeddings of the source prompt"), "DIR" },
    { NULL }
  };
  g_autofree GOptionEntry *entries = rf_cli_job_entries (cj, spec);
  g_autoptr (GOptionContext) ctx = g_option_context_new (
    _("IMAGE — change an image to match a prompt (RF-Edit)"));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (
    ctx, _("Defaults follow RF-Edit: 25 steps of RF-Solver, guidance 2 (inversion at 1), "
           "inject 3.\nThe attention values are kept in host memory as f16; the size is "
           "printed before the run.\n\nExample:\n  rectify edit cat.png -s \"a cat\" -p "
           "\"a tiger\" -o tiger.png\n"));
  g_autoptr (GError) error = NULL;
  gboolean parsed = g_option_context_parse (ctx, &argc, &argv, &error);
  g_autofree char *src = rf_cli_job_prompt (source);
  g_autofree char *dst = rf_cli_job_prompt (prompt);
  if (!parsed)
    return rf_cli_fail ("edit", error);
  if (argc != 2)
    {
      g_printerr (_("Usage: rectify edit IMAGE -p TEXT -o OUT [OPTIONS...]\n"));
      return 2;
    }
  if ((inject != RF_DEFAULT_INT && inject < 0) || (v_blocks != RF_DEFAULT_INT && v_blocks < 0))
    {
      g_printerr (_("rectify edit: --inject and --v-blocks take 0 or more\n"));
      return 2;
    }
  RfJobParams params;
  rf_job_params_init (&params, RF_JOB_EDIT);
  if (!rf_cli_job_params (cj, &params))
    return 2;
  g_autoptr (RfImage) image = rf_image_load (argv[1], &error);
  if (image == NULL)
    return rf_cli_fail ("edit", error);
  params.image = image;
  params.source_prompt = src;
  params.prompt = dst;
  params.inject = inject;
  params.v_blocks = v_blocks;
  return rf_cli_job_run (cj, &params);
}

int
rf_cmd_edit (int argc, char **argv)
{
  RfCliJob cj;
  rf_cli_job_init (&cj, "edit", RF_CLI_OUTPUT_IMAGE);
  int status = edit (&cj, argc, argv);
  rf_cli_job_clear (&cj);
  return status;
}
