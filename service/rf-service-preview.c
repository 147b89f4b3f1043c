/* rf-service-preview.c — latent previews: TAEF1 or a fitted projection. */
#include <glib/gi18n-lib.h>
#include <string.h>

#include "rf-service-error.h"
#include "rf-service-preview.h"
#include "rf-taef1.h"

/* Mean colour of the decode of a constant 2×2 latent with @z per channel. */
static gboolean
decode_mean (RfAe *ae, RfBackend *be, const float *z, int channels, float rgb[3], GError **error)
{
  float lat[32 * 4];
  for (int c = 0; c < channels; c++)
    for (int i = 0; i < 4; i++)
      lat[c * 4 + i] = z[c];
  g_autoptr (RfTensor) t = rf_tensor_new_4d (be, RF_DTYPE_F32, 4, 1, channels, 2, 2, error);
  if (t == NULL || !rf_tensor_write_f32 (t, lat, channels * 4, error))
    return FALSE;
  g_autoptr (RfTensor) img = rf_ae_decode (ae, t, error);
  g_autofree float *px = img ? rf_tensor_read_f32 (img, error) : NULL;
  if (px == NULL)
    return FALSE;
  gint64 n = img->shape[2] * img->shape[3];
  for (int k = 0; k < 3; k++)
    {
      double sum = 0;
      for (gint64 i = 0; i < n; i++)
        sum += px[k * n + i];
      rgb[k] = (float) (sum / (double) n);
    }
  return TRUE;
}

gboolean
rf_latent_rgb_fit (RfAe *ae, RfBackend *be, RfLatentRgb *out, GError **error)
{
  const RfAeParams *p = rf_ae_get_config (ae);
  int channels = p->z_channels;
  if (channels < 1 || channels > 32)
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                   _("cannot fit a preview map to %d latent channels"), channels);
      return FALSE;
    }
  memset (out, 0, sizeof *out);
  out->channels = channels;
  float z[32] = { 0 };
  if (!decode_mean (ae, be, z, channels, out->b, error))
    return FALSE;
  for (int c = 0; c < channels; c++)
    {
      float plus[3], minus[3];
      z[c] = 0.5f;
      if (!decode_mean (ae, be, z, channels, plus, error))
        return FALSE;
      z[c] = -0.5f;
      if (!decode_mean (ae, be, z, channels, minus, error))
        return FALSE;
      z[c] = 0;
      for (int k = 0; k < 3; k++)
        out->m[k][c] = plus[k] - minus[k]; /* (f(+h) − f(−h)) / 2h, h = 0.5 */
    }
  return TRUE;
}

RfServiceBuffer *
rf_latent_rgb_apply (const RfLatentRgb *map, const char *name, const RfTensor *latent,
                     GError **error)
{
  if (latent->ndim != 4 || latent->shape[0] != 1 || latent->shape[1] != map->channels)
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                   _("a preview latent must be [1, %d, h, w]"), map->channels);
      return NULL;
    }
  gint64 h = latent->shape[2], w = latent->shape[3], n = h * w;
  g_autofree float *z = rf_tensor_read_f32 (latent, error);
  if (z == NULL)
    return NULL;
  g_autoptr (RfBackend) cpu = rf_backend_new_cpu (1);
  g_autoptr (RfTensor) img = rf_tensor_new_4d (cpu, RF_DTYPE_F32, 4, 1, 3, h, w, error);
  if (img == NULL)
    return NULL;
  g_autofree float *rgb = g_new (float, 3 * n);
  for (int k = 0; k < 3; k++)
    for (gint64 i = 0; i < n; i++)
      {
        float v = map->b[k];
        for (int c = 0; c < map->channels; c++)
          v += map->m[k][c] * z[c * n + i];
        rgb[k * n + i] = v;
      }
  if (!rf_tensor_write_f32 (img, rgb, 3 * n, error))
    return NULL;
  return rf_service_buffer_new_rgb8 (name, img, error);
}

gboolean
rf_service_job_preview_latent (RfServiceJob *job, int step, const RfTensor *latent,
                               const char *taef1_path, const char *device,
                               const RfLatentRgb *map, GError **error)
{
  RfServiceBuffer *b = NULL;
  if (taef1_path != NULL)
    {
      RfTaef1 *tae = rf_service_job_get_model (job, &rf_service_model_taef1, taef1_path, device,
                                               error);
      RfBackend *be = tae ? rf_service_models_get_backend (rf_service_job_get_models (job),
                                                           device, error) : NULL;
      g_autoptr (RfTensor) z = be ? rf_tensor_to_backend (latent, be, error) : NULL;
      g_autoptr (RfTensor) img = z ? rf_taef1_decode (tae, z, error) : NULL;
      b = img ? rf_service_buffer_new_rgb8 ("preview", img, error) : NULL;
    }
  else if (map != NULL)
    b = rf_latent_rgb_apply (map, "preview", latent, error);
  else
    g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                 _("a preview needs a TAEF1 decoder or a latent map"));
  if (b == NULL)
    return FALSE;
  rf_service_job_preview (job, step, b);
  return TRUE;
}
