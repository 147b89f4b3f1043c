/* rf-text-ops.h — op compositions the two text encoders share. Each
 * returns a new contiguous tensor on the inputs' backend (NULL + error
 * on failure); the inputs are not modified. */
#pragma once

#include "rf-ops.h"

G_BEGIN_DECLS

/* x [1, L, K] · w[N, K]ᵀ (+ b[N]) → [1, L, N]. */
RfTensor *rf_text_linear (const RfTensor *x, const RfTensor *w, const RfTensor *b,
                          GError **error);
/* a + b (same shape). */
RfTensor *rf_text_add (const RfTensor *a, const RfTensor *b, GError **error);
/* LayerNorm over the last dim with weight and bias [D]. */
RfTensor *rf_text_layernorm (const RfTensor *x, const RfTensor *w, const RfTensor *b,
                             float eps, GError **error);
/* quick-GELU x·σ(1.702x) from scale, sigmoid and mul. */
RfTensor *rf_text_quick_gelu (const RfTensor *x, GError **error);
/* Multi-head self-attention: q, k, v [1, L, H·d] split into @heads heads
 * of d, softmax(q·kᵀ·scale + bias, causal)·v, heads joined back into
 * [1, L, H·d]. @bias is [1, H, L, L] or NULL. */
RfTensor *rf_text_attention (const RfTensor *q, const RfTensor *k, const RfTensor *v,
                             int heads, const RfTensor *bias, float scale, gboolean causal,
                             GError **error);

G_END_DECLS
