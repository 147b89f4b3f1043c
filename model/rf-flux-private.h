/* rf-flux-private.h — shared between the FLUX model files. */
#pragma once

#include "rf-flux.h"
#include "rf-error.h"

struct _RfFlux {
  RfBackend *backend;
  RfBackend *host;          /* holds streamed block weights; NULL when resident */
  guint64 resident_bytes, streamed_bytes;
  RfFluxParams config;
  RfFluxWeights w;
  RfFluxAttnHook hook;
  gpointer hook_data;
};

RfTensor *rf_flux_tensor (RfBackend *be, int ndim, gint64 d0, gint64 d1, gint64 d2,
                          gint64 d3, GError **error);
RfTensor *rf_flux_linear (const RfLinear *l, const RfTensor *x, GError **error);
RfTensor *rf_flux_mod_chunk (const RfTensor *mod, int i, int hidden, GError **error);
RfTensor *rf_flux_modulation (const RfLinear *l, const RfTensor *silu_vec, GError **error);
RfTensor *rf_flux_norm_modulate (const RfTensor *x, const RfTensor *shift,
                                 const RfTensor *scale, GError **error);

/* Updates @img [1, N, H] and @txt [1, Lt, H] in place. */
gboolean rf_flux_double_block (RfFlux *flux, const RfFluxDoubleBlock *b, RfTensor *img,
                               RfTensor *txt, const RfTensor *silu_vec,
                               const RfTensor *pe, GError **error);
/* Updates @x [1, L, H] in place; @index is the block's number (RF-Edit). */
gboolean rf_flux_single_block (RfFlux *flux, int index, const RfFluxSingleBlock *b,
                               RfTensor *x, const RfTensor *silu_vec,
                               const RfTensor *pe, GError **error);
