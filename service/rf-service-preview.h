/* rf-service-preview.h — preview images of latents for jobs that sample
 * (the pipelines): either the TAEF1 tiny decoder, or a linear latent→RGB
 * projection fitted once to the job's own autoencoder (no constants
 * copied from elsewhere, so it fits FLUX's and SD3's alike).
 *
 * Latents are in the transformer's space ([1, C, h, w], what samplers
 * integrate), as rf_ae_decode() and rf_taef1_decode() take them.
 */
#pragma once

#include "rf-ae.h"
#include "rf-service-job.h"

G_BEGIN_DECLS

/* A linear map from C latent channels to RGB in [-1, 1]: rgb = m·z + b. */
typedef struct {
  int channels;
  float m[3][32];
  float b[3];
} RfLatentRgb;

/* Fits the map to @ae (whose weights live on @backend): decodes small constant latents (zero and ±0.5 on
 * each channel) and takes the mean colour, so the map is the decoder's
 * central-difference linearisation around zero. Costs 2C+1 decodes of a
 * 2×2 latent. Errors: the decoder's. */
gboolean rf_latent_rgb_fit (RfAe *ae, RfBackend *backend, RfLatentRgb *out, GError **error);

/* An rgb8 image buffer (rf-service-buffer.h) of @latent's h × w pixels. */
RfServiceBuffer *rf_latent_rgb_apply (const RfLatentRgb *map, const char *name,
                                      const RfTensor *latent, GError **error);

/* Sends a preview of @latent for @step: decoded with the TAEF1 decoder in
 * @taef1_path (resident through the job's model cache) when it is not
 * NULL, else projected with @map. A preview is a courtesy: failures to
 * make one are returned but callers usually just log them. */
gboolean rf_service_job_preview_latent (RfServiceJob *job, int step, const RfTensor *latent,
                                        const char *taef1_path, const char *device,
                                        const RfLatentRgb *map, GError **error);

G_END_DECLS
