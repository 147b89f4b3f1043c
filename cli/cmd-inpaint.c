/* cmd-inpaint.c — `rectify inpaint`: regenerate the white part of a mask.
 *
 *   rectify inpaint IMAGE --mask MASK -o OUT [-p TEXT] [--method auto|fill|blend]
 *                   [--strength S] [--resample N] [--allow-full-mask] [shared options]
 *
 * FLUX.1 Fill when its file is found, else the base model with latent
 * blending. Only the mask's neighbourhood is processed; outside the mask
 * the output is the input, pixel for pixel. --strength below 1 runs only
 * the schedule's last steps from the input noised to their time, so the
 * masked part keeps the input's layout (metadata then says "strength:").
 */
#include <glib/gi18n-lib.h>
#include <string.h>

#include "cli-job.h"
#include "rectify-cli.h"

static int
inpaint (RfCliJob *cj, int argc, char **argv)
{
  char *prompt = NULL, *mask_path = NULL, *method = NULL;
  int resample = 0;
  double strength = 1.0;
  gboolean allow_full = FALSE;
  GOptionEntry spec[] = {
    { "mask", 0, 0, G_OPTION_ARG_FILENAME, &mask_path,
      N_("white where the image is regenerated, black where it is kept, grey feathers; the "
         "image's size"), "MASK" },
    { "prompt", 'p', 0, G_OPTION_ARG_FILENAME, &prompt,
      N_("what to put there (default: empty)"), "TEXT" },
    { "method", 0, 0, G_OPTION_ARG_STRING, &method,
      N_("auto (Fill when found), fill (FLUX.1 Fill) or blend (the base model)"), "NAME" },
    { "strength", 0, 0, G_OPTION_ARG_DOUBLE, &strength,
      N_("how much of the masked part is regenerated: 1 from pure noise (default), lower "
         "keeps more of the input and runs that share of the steps (above 0, at most 1)"), "S" },
    { "resample", 0, 0, G_OPTION_ARG_INT, &resample,
      N_("blend: RePaint resamplings per step (0-20; each costs a step)"), "N" },
    { "fill", 0, 0, G_OPTION_ARG_FILENAME, &cj->fill, N_("FLUX.1 Fill transformer file"),
      "FILE" },
    { "allow-full-mask", 0, 0, G_OPTION_ARG_NONE, &allow_full,
      N_("accept a mask that keeps nothing"), NULL },
    { NULL }
  };
  g_autofree GOptionEntry *entries = rf_cli_job_entries (cj, spec);
  g_autoptr (GOptionContext) ctx = g_option_context_new (
    _("IMAGE — regenerate the masked part of an image"));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (ctx, _("Example:\n  rectify inpaint examples/landscape.png "
                                           "--mask examples/landscape-mask.png \\\n"
                                           "      -p \"a red hot air balloon\" -o balloon.png\n"));
  g_autoptr (GError) error = NULL;
  gboolean parsed = g_option_context_parse (ctx, &argc, &argv, &error);
  g_autofree char *p = rf_cli_job_prompt (prompt);
  g_autofree char *mp = mask_path, *m = method;
  if (!parsed)
    return rf_cli_fail ("inpaint", error);
  if (argc != 2 || mp == NULL)
    {
      g_printerr (_("Usage: rectify inpaint IMAGE --mask MASK -o OUT [OPTIONS...]\n"));
      return 2;
    }
  RfInpaintMethod kind = RF_INPAINT_AUTO;
  if (m && strcmp (m, "fill") == 0)
    kind = RF_INPAINT_FILL;
  else if (m && strcmp (m, "blend") == 0)
    kind = RF_INPAINT_BLEND;
  else if (m && strcmp (m, "auto") != 0)
    {
      g_printerr (_("rectify inpaint: --method takes auto, fill or blend\n"));
      return 2;
    }
  if (resample < 0 || resample > 20)
    {
      g_printerr (_("rectify inpaint: --resample takes 0 to 20\n"));
      return 2;
    }
  if (!(strength > 0 && strength <= 1))
    {
      g_printerr (_("rectify inpaint: --strength takes a number above 0 and at most 1\n"));
      return 2;
    }
  RfJobParams params;
  rf_job_params_init (&params, RF_JOB_INPAINT);
  if (!rf_cli_job_params (cj, &params))
    return 2;
  g_autoptr (RfImage) image = rf_image_load (argv[1], &error);
  g_autoptr (RfImage) mask = image ? rf_image_load_mask (mp, &error) : NULL;
  if (mask == NULL)
    return rf_cli_fail ("inpaint", error);
  params.image = image;
  params.mask = mask;
  params.prompt = p;
  params.inpaint_method = kind;
  params.resample = resample;
  params.strength = strength;
  params.allow_full_mask = allow_full;
  return rf_cli_job_run (cj, &params);
}

int
rf_cmd_inpaint (int argc, char **argv)
{
  RfCliJob cj;
  rf_cli_job_init (&cj, "inpaint", RF_CLI_OUTPUT_IMAGE);
  int status = inpaint (&cj, argc, argv);
  rf_cli_job_clear (&cj);
  return status;
}
