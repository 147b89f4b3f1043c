/* rf-service-jobs-model.c — the model job types: vae-encode, vae-decode
 * and dit. They do exactly what `rectify vae` and `rectify dit` do in
 * process (same calls, same tiling rule), so their outputs are
 * bit-identical to the CLI's.
 *
 *   vae-encode / vae-decode
 *     params: model (s), device (s, optional), tile (i, 64), overlap (i, 8)
 *     inputs: in  — image [1, 3, H, W] or latent [1, z, h, w]
 *     outputs: out
 *   dit  (one FLUX velocity evaluation)
 *     params: model (s), t (d in [0, 1]), guidance (d, 3.5), rows, cols (i),
 *             device (s, optional)
 *     inputs: img [1, rows·cols, in], txt [1, Lt, ctx], y [1, vec]
 *     outputs: out [1, rows·cols, out]
 */
#include <glib/gi18n-lib.h>

#include "rf-ae-tiled.h"
#include "rf-model-load.h"
#include "rf-service-error.h"
#include "rf-service-job.h"

static gboolean
tile_progress (gpointer data, int done, int total, GError **error)
{
  return rf_service_job_progress (data, "tile", done, total, error);
}

static gboolean
run_vae (RfServiceJob *job, GVariant *params, GPtrArray *inputs, gboolean encode,
         GError **error)
{
  const char *model = NULL, *device = NULL;
  int tile = 64, overlap = 8;
  RfServiceBuffer *in_buf;
  if (!rf_service_param_string (params, "model", TRUE, &model, error)
      || !rf_service_param_string (params, "device", FALSE, &device, error)
      || !rf_service_param_int (params, "tile", FALSE, 0, 1 << 16, &tile, error)
      || !rf_service_param_int (params, "overlap", FALSE, 0, 1 << 16, &overlap, error)
      || (in_buf = rf_service_input (inputs, "in", error)) == NULL)
    return FALSE;
  if (tile > 0 && overlap >= tile)
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                   _("tile must be 0 or larger than overlap"));
      return FALSE;
    }
  RfAe *ae = rf_service_job_get_model (job, &rf_service_model_ae, model, device, error);
  RfBackend *be = ae ? rf_service_models_get_backend (rf_service_job_get_models (job), device,
                                                      error) : NULL;
  g_autoptr (RfTensor) in = be ? rf_service_buffer_to_tensor (in_buf, be, error) : NULL;
  if (in == NULL)
    return FALSE;
  int f = rf_ae_get_factor (ae);
  gint64 latent_h = in->ndim == 4 ? (encode ? in->shape[2] / f : in->shape[2]) : 0;
  gint64 latent_w = in->ndim == 4 ? (encode ? in->shape[3] / f : in->shape[3]) : 0;
  gboolean tiled = tile > 0 && (latent_h > tile || latent_w > tile);
  g_autoptr (RfTensor) out = NULL;
  if (!rf_service_job_progress (job, encode ? "encode" : "decode", 0, 1, error))
    return FALSE;
  if (encode)
    out = tiled ? rf_ae_encode_tiled (ae, in, tile, overlap, tile_progress, job, error)
                : rf_ae_encode (ae, in, error);
  else
    out = tiled ? rf_ae_decode_tiled (ae, in, tile, overlap, tile_progress, job, error)
                : rf_ae_decode (ae, in, error);
  if (out == NULL)
    return FALSE;
  RfServiceBuffer *ob = rf_service_buffer_new_from_tensor ("out", out, error);
  if (ob == NULL)
    return FALSE;
  rf_service_job_add_output (job, ob);
  rf_service_job_set_result (job, "device", g_variant_new_string (rf_backend_description (be)));
  return rf_service_job_progress (job, encode ? "encode" : "decode", 1, 1, error);
}

static gboolean
run_vae_encode (RfServiceJob *job, GVariant *params, GPtrArray *inputs, GError **error)
{
  return run_vae (job, params, inputs, TRUE, error);
}

static gboolean
run_vae_decode (RfServiceJob *job, GVariant *params, GPtrArray *inputs, GError **error)
{
  return run_vae (job, params, inputs, FALSE, error);
}

static gboolean
run_dit (RfServiceJob *job, GVariant *params, GPtrArray *inputs, GError **error)
{
  const char *model = NULL, *device = NULL;
  double t = 0, guidance = 3.5;
  int rows = 0, cols = 0;
  RfServiceBuffer *img_b, *txt_b, *y_b;
  if (!rf_service_param_string (params, "model", TRUE, &model, error)
      || !rf_service_param_string (params, "device", FALSE, &device, error)
      || !rf_service_param_double (params, "t", TRUE, 0, 1, &t, error)
      || !rf_service_param_double (params, "guidance", FALSE, -1e6, 1e6, &guidance, error)
      || !rf_service_param_int (params, "rows", TRUE, 1, 4096, &rows, error)
      || !rf_service_param_int (params, "cols", TRUE, 1, 4096, &cols, error)
      || (img_b = rf_service_input (inputs, "img", error)) == NULL
      || (txt_b = rf_service_input (inputs, "txt", error)) == NULL
      || (y_b = rf_service_input (inputs, "y", error)) == NULL)
    return FALSE;
  RfFlux *flux = rf_service_job_get_model (job, &rf_service_model_flux, model, device, error);
  RfBackend *be = flux ? rf_flux_get_backend (flux) : NULL;
  g_autoptr (RfTensor) img = be ? rf_service_buffer_to_tensor (img_b, be, error) : NULL;
  g_autoptr (RfTensor) txt = img ? rf_service_buffer_to_tensor (txt_b, be, error) : NULL;
  g_autoptr (RfTensor) y = txt ? rf_service_buffer_to_tensor (y_b, be, error) : NULL;
  if (y == NULL || !rf_service_job_progress (job, "forward", 0, 1, error))
    return FALSE;
  const RfFluxParams *p = rf_flux_get_params (flux);
  g_autoptr (RfTensor) out = rf_tensor_new_4d (be, RF_DTYPE_F32, 3, 1, (gint64) rows * cols,
                                               p->out_channels, 0, error);
  if (out == NULL
      || !rf_flux_forward (flux, img, txt, y, (float) t, (float) guidance, rows, cols, out,
                           error)
      || !rf_backend_synchronize (be, error))
    return FALSE;
  RfServiceBuffer *ob = rf_service_buffer_new_from_tensor ("out", out, error);
  if (ob == NULL)
    return FALSE;
  rf_service_job_add_output (job, ob);
  rf_service_job_set_result (job, "device", g_variant_new_string (rf_backend_description (be)));
  return rf_service_job_progress (job, "forward", 1, 1, error);
}

static const RfServiceJobType builtin_types[] = {
  { "vae-encode", "encode an image to latents with the autoencoder", run_vae_encode },
  { "vae-decode", "decode latents to an image with the autoencoder", run_vae_decode },
  { "dit", "one velocity evaluation of a FLUX transformer", run_dit },
};

void
rf_service_register_builtin_job_types (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (builtin_types); i++)
    rf_service_register_job_type (&builtin_types[i]);
}
