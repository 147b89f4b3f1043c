/* rf-taef1.h — TAEF1, the tiny decoder for cheap per-step previews.
 *
 * madebyollin/taesd's Decoder: Clamp (tanh(x/3)·3), conv, ReLU,
 * 3 × [3 Blocks, nearest ×2, conv without bias], Block, conv; a Block is
 * conv-ReLU-conv-ReLU-conv plus the input, then ReLU. It decodes the
 * transformer-space latents directly (no scale/shift) with ~1.2 M
 * parameters instead of the full decoder's 49.5 M. Reads the diffusers
 * AutoencoderTiny names (`decoder.layers.N...`) and the original
 * `taef1_decoder` names (`N...`, shifted by the Clamp layer). */
#pragma once

#include "rf-model-file.h"
#include "rf-ops.h"

G_BEGIN_DECLS

typedef struct _RfTaef1 RfTaef1;

/* Errors: RF_MODEL_ERROR_NOT_FOUND when @mf holds no TAE decoder,
 * _MISMATCH for a tensor of the wrong shape. */
RfTaef1 *rf_taef1_load (RfBackend *backend, const RfModelFile *mf, GError **error);
void rf_taef1_free (RfTaef1 *tae);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfTaef1, rf_taef1_free)

/* latent [1, C, h, w] → image [1, 3, 8h, 8w] in [-1, 1] (new tensor). */
RfTensor *rf_taef1_decode (RfTaef1 *tae, const RfTensor *latent, GError **error);

G_END_DECLS
