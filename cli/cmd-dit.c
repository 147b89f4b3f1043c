/* cmd-dit.c — `rectify dit`: one velocity evaluation of a FLUX
 * transformer on .npy inputs (a stable interface: external checks use it).
 *
 *   rectify dit --model FILE --img IMG.npy --txt TXT.npy --y Y.npy --t T
 *               [--guidance G] --grid RxC --out OUT.npy
 *               [--device cpu|vulkan] [--bench N] [--plan]
 *               [--service | --local]
 *
 * --service runs the forward in the engine service (started if needed;
 * bit-identical output); --local, the default, runs in this process.
 */
#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli-service.h"
#include "cli-tensors.h"
#include "rectify-cli.h"
#include "rf-error.h"
#include "rf-model-load.h"

static gboolean
parse_grid (const char *s, int *rows, int *cols)
{
  char *end = NULL;
  long r = s ? strtol (s, &end, 10) : 0;
  if (end == NULL || (*end != 'x' && *end != 'X'))
    return FALSE;
  char *end2 = NULL;
  long c = strtol (end + 1, &end2, 10);
  if (*end2 != '\0' || r < 1 || c < 1 || r > 4096 || c > 4096)
    return FALSE;
  *rows = (int) r;
  *cols = (int) c;
  return TRUE;
}

/* Prints what a forward at this size needs, before it runs. */
static void
print_plan (const RfFlux *flux, const RfBackend *be, int rows, int cols, gint64 n_txt)
{
  const RfFluxParams *p = rf_flux_get_params (flux);
  gint64 l = n_txt + (gint64) rows * cols;
  /* live at the peak of a single block: x, the modulated copy, linear1's
   * output, q/k/v and their roped copies, the attention output, the
   * concatenation and linear2's output (f32) */
  gint64 floats = l * ((gint64) 2 * p->hidden + ((gint64) 3 * p->hidden + p->mlp_hidden) * 2
                       + (gint64) 7 * p->hidden);
  guint64 resident, streamed, budget = rf_backend_memory_budget (be);
  rf_flux_get_memory (flux, &resident, &streamed);
  printf (_("plan: FLUX transformer (hidden %d, %d+%d blocks) on %s\n"), p->hidden, p->depth,
          p->depth_single, rf_backend_description (be));
  printf (_("  tokens          %" PRId64 " (%d x %d image + %" PRId64 " text)\n"),
          l, rows, cols, n_txt);
  printf (_("  weights         %.1f MiB resident, %.1f MiB streamed per step\n"),
          resident / 1048576.0, streamed / 1048576.0);
  printf (_("  activations     %.1f MiB at the peak\n"), floats * 4 / 1048576.0);
  if (budget)
    printf (_("  device budget   %.1f MiB\n"), budget / 1048576.0);
}

int
rf_cmd_dit (int argc, char **argv)
{
  g_autofree char *model = NULL, *img_path = NULL, *txt_path = NULL, *y_path = NULL;
  g_autofree char *out_path = NULL, *grid = NULL, *device = NULL;
  double t = -1, guidance = 3.5;
  int bench = 0;
  gboolean plan = FALSE, service = FALSE, local = FALSE;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model, N_("FLUX transformer file"), "FILE" },
    { "img", 0, 0, G_OPTION_ARG_FILENAME, &img_path, N_("packed image tokens [1, R*C, in]"), "IMG.npy" },
    { "txt", 0, 0, G_OPTION_ARG_FILENAME, &txt_path, N_("text tokens [1, Lt, context]"), "TXT.npy" },
    { "y", 0, 0, G_OPTION_ARG_FILENAME, &y_path, N_("pooled vector [1, vec]"), "Y.npy" },
    { "t", 0, 0, G_OPTION_ARG_DOUBLE, &t, N_("time in [0, 1]"), "T" },
    { "guidance", 0, 0, G_OPTION_ARG_DOUBLE, &guidance, N_("guidance (dev models; default 3.5)"), "G" },
    { "grid", 0, 0, G_OPTION_ARG_STRING, &grid, N_("token grid, rows x columns"), "RxC" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out_path, N_("velocity [1, R*C, out]"), "OUT.npy" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device, N_("cpu, vulkan or vulkan:<device>"), "DEVICE" },
    { "bench", 0, 0, G_OPTION_ARG_INT, &bench, N_("run N more forwards and print the median time"), "N" },
    { "plan", 0, 0, G_OPTION_ARG_NONE, &plan, N_("print the memory plan first"), NULL },
    { "service", 0, 0, G_OPTION_ARG_NONE, &service, N_("run in the engine service (models stay loaded)"), NULL },
    { "local", 0, 0, G_OPTION_ARG_NONE, &local, N_("run in this process (the default)"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("— one velocity evaluation of a FLUX transformer"));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return rf_cli_fail ("dit", error);
  int rows = 0, cols = 0;
  if (model == NULL || img_path == NULL || txt_path == NULL || y_path == NULL
      || (out_path == NULL && !plan))
    {
      g_printerr (_("rectify dit: --model, --img, --txt, --y, --t, --grid and --out are required\n"));
      return 2;
    }
  if (!parse_grid (grid, &rows, &cols))
    {
      g_printerr (_("rectify dit: --grid must be ROWSxCOLS with positive sizes, e.g. 64x64\n"));
      return 2;
    }
  if (!(t >= 0 && t <= 1))
    {
      g_printerr (_("rectify dit: --t must be in [0, 1]\n"));
      return 2;
    }
  if (bench < 0 || bench > 1000)
    {
      g_printerr (_("rectify dit: --bench takes 0 to 1000\n"));
      return 2;
    }
  if (service && (local || bench > 0 || plan || out_path == NULL))
    {
      g_printerr (_("rectify dit: --service needs --out and excludes --local, --bench and --plan\n"));
      return 2;
    }
  if (service)
    {
      g_autofree char *abs_model = g_canonicalize_filename (model, NULL);
      GVariantDict d;
      g_variant_dict_init (&d, NULL);
      g_variant_dict_insert (&d, "model", "s", abs_model);
      if (device)
        g_variant_dict_insert (&d, "device", "s", device);
      g_variant_dict_insert (&d, "t", "d", t);
      g_variant_dict_insert (&d, "guidance", "d", guidance);
      g_variant_dict_insert (&d, "rows", "i", rows);
      g_variant_dict_insert (&d, "cols", "i", cols);
      const char *names[] = { "img", "txt", "y", NULL };
      const char *paths[] = { img_path, txt_path, y_path, NULL };
      return rf_cli_service_run ("dit", "dit", g_variant_dict_end (&d), names, paths, out_path);
    }

  g_autoptr (RfBackend) be = rf_cli_backend (device, &error);
  g_autoptr (RfModelFile) mf = be ? rf_model_file_open (model, &error) : NULL;
  g_autoptr (RfTensor) img = mf ? rf_cli_load_npy (be, img_path, &error) : NULL;
  g_autoptr (RfTensor) txt = img ? rf_cli_load_npy (be, txt_path, &error) : NULL;
  g_autoptr (RfTensor) y = txt ? rf_cli_load_npy (be, y_path, &error) : NULL;
  if (y == NULL)
    return rf_cli_fail ("dit", error);
  g_autoptr (RfFlux) flux = rf_flux_load (be, mf, &error);
  if (flux == NULL)
    return rf_cli_fail ("dit", error);
  if (plan)
    print_plan (flux, be, rows, cols, txt->ndim == 3 ? txt->shape[1] : 0);
  if (out_path == NULL)
    return 0;
  const RfFluxParams *p = rf_flux_get_params (flux);
  g_autoptr (RfTensor) out = rf_tensor_new_4d (be, RF_DTYPE_F32, 3, 1, (gint64) rows * cols,
                                               p->out_channels, 0, &error);
  if (out == NULL || !rf_flux_forward (flux, img, txt, y, (float) t, (float) guidance, rows, cols,
                                       out, &error)
      || !rf_backend_synchronize (be, &error))
    return rf_cli_fail ("dit", error);
  if (bench > 0)
    {
      g_autofree double *ms = g_new (double, bench);
      for (int i = 0; i < bench; i++)
        {
          gint64 t0 = g_get_monotonic_time ();
          if (!rf_flux_forward (flux, img, txt, y, (float) t, (float) guidance, rows, cols, out,
                                &error)
              || !rf_backend_synchronize (be, &error))
            return rf_cli_fail ("dit", error);
          ms[i] = (g_get_monotonic_time () - t0) / 1000.0;
        }
      printf ("forward_ms: %.3f\n", rf_cli_median (ms, bench));
    }
  if (!rf_cli_save_npy (out, out_path, &error))
    return rf_cli_fail ("dit", error);
  return 0;
}
