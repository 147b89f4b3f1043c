/* cmd-vae.c — `rectify vae encode|decode`: the autoencoder on .npy
 * arrays (a stable interface: external checks use it).
 *
 *   rectify vae encode --model FILE --in IMAGE.npy --out LATENT.npy
 *   rectify vae decode --model FILE --in LATENT.npy --out IMAGE.npy
 *               [--device cpu|vulkan] [--tile N] [--overlap N]
 *               [--service | --local]
 *
 * Images are [1, 3, H, W] in [-1, 1]; latents [1, z, H/f, W/f], scaled
 * and shifted as the model family defines. Large inputs are processed in
 * overlapping tiles (--tile latent pixels, default 64; 0 = never tile).
 * --service runs the same work in the engine service (started if needed;
 * bit-identical output); --local, the default, runs in this process.
 */
#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "cli-service.h"
#include "cli-tensors.h"
#include "rectify-cli.h"
#include "rf-ae-tiled.h"
#include "rf-error.h"
#include "rf-model-load.h"

int
rf_cmd_vae (int argc, char **argv)
{
  g_autofree char *model = NULL, *in_path = NULL, *out_path = NULL, *device = NULL;
  int tile = 64, overlap = 8;
  gboolean service = FALSE, local = FALSE;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model, N_("autoencoder file (or a checkpoint holding one)"), "FILE" },
    { "in", 0, 0, G_OPTION_ARG_FILENAME, &in_path, N_("input array"), "IN.npy" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out_path, N_("output array"), "OUT.npy" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device, N_("cpu, vulkan or vulkan:<device>"), "DEVICE" },
    { "tile", 0, 0, G_OPTION_ARG_INT, &tile, N_("tile size in latent pixels (0: no tiling)"), "N" },
    { "overlap", 0, 0, G_OPTION_ARG_INT, &overlap, N_("tile overlap in latent pixels"), "N" },
    { "service", 0, 0, G_OPTION_ARG_NONE, &service, N_("run in the engine service (models stay loaded)"), NULL },
    { "local", 0, 0, G_OPTION_ARG_NONE, &local, N_("run in this process (the default)"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("encode|decode — run the autoencoder"));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return rf_cli_fail ("vae", error);
  gboolean encode = argc == 2 && strcmp (argv[1], "encode") == 0;
  gboolean decode = argc == 2 && strcmp (argv[1], "decode") == 0;
  if ((!encode && !decode) || model == NULL || in_path == NULL || out_path == NULL)
    {
      g_printerr (_("Usage: rectify vae encode|decode --model FILE --in IN.npy --out OUT.npy\n"));
      return 2;
    }
  if (tile < 0 || overlap < 0 || (tile > 0 && overlap >= tile))
    {
      g_printerr (_("rectify vae: --tile must be 0 or larger than --overlap\n"));
      return 2;
    }
  if (service && local)
    {
      g_printerr (_("rectify vae: --service and --local exclude each other\n"));
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
      g_variant_dict_insert (&d, "tile", "i", tile);
      g_variant_dict_insert (&d, "overlap", "i", overlap);
      const char *names[] = { "in", NULL }, *paths[] = { in_path, NULL };
      return rf_cli_service_run ("vae", encode ? "vae-encode" : "vae-decode",
                                 g_variant_dict_end (&d), names, paths, out_path);
    }

  g_autoptr (RfBackend) be = rf_cli_backend (device, &error);
  g_autoptr (RfModelFile) mf = be ? rf_model_file_open (model, &error) : NULL;
  g_autoptr (RfAe) ae = mf ? rf_ae_load (be, mf, &error) : NULL;
  g_autoptr (RfTensor) in = ae ? rf_cli_load_npy (be, in_path, &error) : NULL;
  if (in == NULL)
    return rf_cli_fail ("vae", error);
  int f = rf_ae_get_factor (ae);
  gint64 latent_h = in->ndim == 4 ? (encode ? in->shape[2] / f : in->shape[2]) : 0;
  gint64 latent_w = in->ndim == 4 ? (encode ? in->shape[3] / f : in->shape[3]) : 0;
  gboolean tiled = tile > 0 && (latent_h > tile || latent_w > tile);
  g_autoptr (RfTensor) out = NULL;
  if (encode)
    out = tiled ? rf_ae_encode_tiled (ae, in, tile, overlap, NULL, NULL, &error)
                : rf_ae_encode (ae, in, &error);
  else
    out = tiled ? rf_ae_decode_tiled (ae, in, tile, overlap, NULL, NULL, &error)
                : rf_ae_decode (ae, in, &error);
  if (out == NULL || !rf_cli_save_npy (out, out_path, &error))
    return rf_cli_fail ("vae", error);
  return 0;
}
