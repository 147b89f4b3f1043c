/* rf-ae.h — the FLUX / SD3 autoencoder (KL-f8, 16 latent channels).
 *
 * As Black Forest Labs' src/flux/modules/autoencoder.py: ResNet blocks
 * with GroupNorm(32, 1e-6) and swish, single-head attention in the
 * middle, asymmetric-pad stride-2 downsampling, nearest ×2 upsampling.
 * encode() returns the scaled, shifted posterior mean; decode() undoes
 * the scaling. Images are [1, 3, H, W] in [-1, 1]. */
#pragma once

#include "rf-ops.h"

G_BEGIN_DECLS

typedef struct {
  int ch;                 /* 128 */
  int n_levels;           /* len(ch_mult) = 4 */
  int ch_mult[8];         /* 1, 2, 4, 4 */
  int num_res_blocks;     /* 2 */
  int z_channels;         /* 16 */
  int in_channels;        /* 3 */
  int out_channels;       /* 3 */
  float scale_factor;     /* FLUX 0.3611, SD3 1.5305 */
  float shift_factor;     /* FLUX 0.1159, SD3 0.0609 */
  gboolean has_encoder, has_decoder;
} RfAeParams;

typedef RfTensor *(*RfAeTensorFunc) (gpointer user_data, const char *name,
                                     RfBackend *backend, GError **error);

typedef struct _RfAe RfAe;

RfAe *rf_ae_new (RfBackend *backend, const RfAeParams *config, RfAeTensorFunc get,
                 gpointer user_data, GError **error);
void rf_ae_free (RfAe *ae);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfAe, rf_ae_free)

const RfAeParams *rf_ae_get_config (const RfAe *ae);
/* Spatial downsampling factor, 2^(n_levels − 1) = 8. */
int rf_ae_get_factor (const RfAe *ae);

/* image [1, 3, H, W] (H, W multiples of the factor) → latent
 * [1, z, H/f, W/f], scaled and shifted. Returns a new tensor. */
RfTensor *rf_ae_encode (RfAe *ae, const RfTensor *image, GError **error);
/* latent [1, z, h, w] → image [1, 3, h·f, w·f]. Returns a new tensor. */
RfTensor *rf_ae_decode (RfAe *ae, const RfTensor *latent, GError **error);

G_END_DECLS
