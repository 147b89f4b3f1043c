/* rf-latent.c — latents on the host: packing into FLUX tokens, seeded
 * noise, and the autoencoder passes of a job. */
#include <string.h>

#include "rf-ae-tiled.h"
#include "rf-error.h"
#include "rf-philox.h"
#include "rf-pipeline-private.h"

/* Latent tiles for the autoencoder: larger latents go through
 * rf-ae-tiled.h (bounded memory on big images), as `rectify vae` does. */
#define AE_TILE 64
#define AE_OVERLAP 8

void
rf_latent_pack (const float *latent, int z, int h, int w, float *tokens)
{
  int rows = h / 2, cols = w / 2;
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++)
      {
        float *tok = tokens + ((gsize) r * cols + c) * 4 * z;
        for (int ch = 0; ch < z; ch++)
          for (int ph = 0; ph < 2; ph++)
            for (int pw = 0; pw < 2; pw++)
              tok[ch * 4 + ph * 2 + pw] =
                latent[((gsize) ch * h + 2 * r + ph) * w + 2 * c + pw];
      }
}

void
rf_latent_unpack (const float *tokens, int z, int h, int w, float *latent)
{
  int rows = h / 2, cols = w / 2;
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++)
      {
        const float *tok = tokens + ((gsize) r * cols + c) * 4 * z;
        for (int ch = 0; ch < z; ch++)
          for (int ph = 0; ph < 2; ph++)
            for (int pw = 0; pw < 2; pw++)
              latent[((gsize) ch * h + 2 * r + ph) * w + 2 * c + pw] =
                tok[ch * 4 + ph * 2 + pw];
      }
}

void
rf_latent_noise (guint64 seed, guint64 stream, float *out, gsize n)
{
  rf_philox_normal (seed, stream, 0, out, n);
}

typedef struct {
  RfJob *job;
  RfJobPhase phase;
} TileProgress;

static gboolean
tile_progress (gpointer user_data, int done, int total, GError **error)
{
  TileProgress *tp = user_data;
  rf_job_progress (tp->job, tp->phase, (guint) done, (guint) total);
  return !rf_job_check_cancel (tp->job, error);
}

RfLatent *
rf_job_encode (RfJob *job, const RfImage *image, GError **error)
{
  RfAe *ae = rf_pipeline_get_ae (job->pipe, error);
  if (ae == NULL)
    return NULL;
  if (!rf_ae_get_config (ae)->has_encoder)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MODEL_MISSING,
                   _("The autoencoder file %s has no encoder, which this job needs"),
                   job->pipe->set->ae);
      return NULL;
    }
  int f = job->factor;
  g_autoptr (RfTensor) x = rf_image_to_tensor (image, job->pipe->backend, error);
  if (x == NULL)
    return NULL;
  TileProgress tp = { job, RF_PHASE_ENCODE };
  gboolean tiled = image->height / f > AE_TILE || image->width / f > AE_TILE;
  rf_job_progress (job, RF_PHASE_ENCODE, 0, 1);
  g_autoptr (RfTensor) z = tiled ? rf_ae_encode_tiled (ae, x, AE_TILE, AE_OVERLAP, tile_progress,
                                                       &tp, error)
                                 : rf_ae_encode (ae, x, error);
  if (z == NULL)
    return NULL;
  g_autofree float *host = rf_tensor_read_f32 (z, error);
  if (host == NULL)
    return NULL;
  if (!tiled)
    rf_job_progress (job, RF_PHASE_ENCODE, 1, 1);
  RfLatent *l = g_new0 (RfLatent, 1);
  l->channels = (int) z->shape[1];
  l->height = (int) z->shape[2];
  l->width = (int) z->shape[3];
  l->data = g_steal_pointer (&host);
  return l;
}

/* @latent as a [1, C, H, W] tensor on the pipeline's backend. */
static RfTensor *
latent_upload (RfJob *job, const RfLatent *latent, GError **error)
{
  g_autoptr (RfTensor) z = rf_tensor_new_4d (job->pipe->backend, RF_DTYPE_F32, 4, 1,
                                             latent->channels, latent->height, latent->width,
                                             error);
  if (z == NULL
      || !rf_tensor_write_f32 (z, latent->data,
                               (gint64) latent->channels * latent->height * latent->width, error))
    return NULL;
  return g_steal_pointer (&z);
}

RfImage *
rf_job_decode (RfJob *job, const RfLatent *latent, gboolean report, GError **error)
{
  RfAe *ae = rf_pipeline_get_ae (job->pipe, error);
  if (ae == NULL)
    return NULL;
  if (!rf_ae_get_config (ae)->has_decoder)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MODEL_MISSING,
                   _("The autoencoder file %s has no decoder, which this job needs"),
                   job->pipe->set->ae);
      return NULL;
    }
  g_autoptr (RfTensor) z = latent_upload (job, latent, error);
  if (z == NULL)
    return NULL;
  TileProgress tp = { job, RF_PHASE_DECODE };
  gboolean tiled = latent->height > AE_TILE || latent->width > AE_TILE;
  if (report)
    rf_job_progress (job, RF_PHASE_DECODE, 0, 1);
  g_autoptr (RfTensor) x = tiled ? rf_ae_decode_tiled (ae, z, AE_TILE, AE_OVERLAP,
                                                       report ? tile_progress : NULL,
                                                       report ? &tp : NULL, error)
                                 : rf_ae_decode (ae, z, error);
  if (x == NULL)
    return NULL;
  RfImage *im = rf_image_from_tensor (x, error);
  if (im != NULL && report && !tiled)
    rf_job_progress (job, RF_PHASE_DECODE, 1, 1);
  return im;
}

/* The TAEF1 decoder, loaded on first use; NULL (quietly) when the set has
 * none or it does not load, and then never tried again. */
static RfTaef1 *
preview_decoder (RfJob *job)
{
  RfPipeline *pipe = job->pipe;
  if (pipe->taef1 || pipe->taef1_failed || pipe->set->taef1 == NULL)
    return pipe->taef1;
  g_autoptr (GError) error = NULL;
  if (pipe->loader != NULL)
    {
      pipe->taef1 = rf_pipeline_borrow (pipe, RF_PIPELINE_PART_TAEF1, pipe->set->taef1, &error);
      pipe->borrowed_taef1 = pipe->taef1 != NULL;
    }
  else
    {
      g_autoptr (RfModelFile) mf = rf_model_file_open (pipe->set->taef1, &error);
      pipe->taef1 = mf ? rf_taef1_load (pipe->backend, mf, &error) : NULL;
    }
  if (pipe->taef1 == NULL)
    {
      rf_job_notice (job, _("The TAEF1 preview decoder %s does not load (%s); previews use "
                            "the autoencoder"), pipe->set->taef1, error->message);
      pipe->taef1_failed = TRUE;
    }
  return pipe->taef1;
}

RfImage *
rf_job_decode_preview (RfJob *job, const RfLatent *latent, GError **error)
{
  RfTaef1 *tae = preview_decoder (job);
  if (tae == NULL)
    {
      job->result->preview_decoder = "autoencoder";
      return rf_job_decode (job, latent, FALSE, error);
    }
  g_autoptr (RfTensor) z = latent_upload (job, latent, error);
  if (z == NULL)
    return NULL;
  g_autoptr (RfTensor) x = rf_taef1_decode (tae, z, error);
  g_autoptr (RfImage) im = x ? rf_image_from_tensor (x, error) : NULL;
  if (im == NULL)
    return NULL;
  job->result->preview_decoder = "taef1";
  int w = latent->width * job->factor, h = latent->height * job->factor;
  if (im->width == w && im->height == h)
    return g_steal_pointer (&im);
  return rf_image_resize (im, w, h);
}
