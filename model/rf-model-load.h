/* rf-model-load.h — FLUX transformers and autoencoders from model files
 * in any layout (BFL, ComfyUI, diffusers, GGUF), onto a backend. */
#pragma once

#include "rf-ae.h"
#include "rf-flux.h"
#include "rf-model-file.h"

G_BEGIN_DECLS

/* Finds the FLUX transformer in @mf, checks every tensor, infers the
 * hyper-parameters and uploads the weights: linear weights keep their
 * file dtype where @backend can use it (bf16, f8, quantized stay
 * compact), everything else becomes f32. RoPE axes: 16,56,56 for
 * 128-dim heads, else the `rectify.axes_dim` metadata ("4,6,6").
 * Errors: RF_MODEL_ERROR_NOT_FOUND when the file holds no FLUX
 * transformer (saying what it holds), _MISMATCH listing bad tensors. */
RfFlux *rf_flux_load (RfBackend *backend, const RfModelFile *mf, GError **error);

/* The same for the autoencoder. Scale and shift: SD3's when the VAE sits
 * under the `first_stage_model.` prefix of an SD3 checkpoint or the
 * metadata says `rectify.ae_family=sd3`, else FLUX's. */
RfAe *rf_ae_load (RfBackend *backend, const RfModelFile *mf, GError **error);

G_END_DECLS
