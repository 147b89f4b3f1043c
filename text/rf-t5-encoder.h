/* rf-t5-encoder.h — the T5 v1.1 encoder (transformers T5EncoderModel;
 * FLUX's "txt" conditioning is its last hidden state).
 *
 *   x = shared[ids]
 *   bias[h, i, j] = relative_attention_bias[bucket(j − i), h]   (block 0's,
 *                   used by every block; computed on the host)
 *   per block: x += o(attn(rmsnorm(x), scale 1, + bias))
 *              x += wo(gelu_tanh(wi_0 · rmsnorm(x)) ⊙ wi_1 · rmsnorm(x))
 *   out = rmsnorm(x)                    [1, L, d_model]
 * Activations stay f32 throughout: T5 v1.1 overflows fp16.
 */
#pragma once

#include "rf-backend.h"
#include "rf-weights.h"

G_BEGIN_DECLS

#define RF_T5_MAX_DISTANCE 128

typedef struct _RfT5Encoder RfT5Encoder;

/* The T5 encoder in @mf (which must outlive the result). Errors:
 * RF_MODEL_ERROR_*. */
RfT5Encoder *rf_t5_encoder_new (const RfModelFile *mf, GError **error);
void rf_t5_encoder_free (RfT5Encoder *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfT5Encoder, rf_t5_encoder_free)

const RfT5Config *rf_t5_encoder_get_config (const RfT5Encoder *m);

/* T5's bidirectional relative-position bucket of @rel = key − query
 * (transformers _relative_position_bucket, float32 like PyTorch). */
int rf_t5_relative_bucket (gint64 rel, int num_buckets, int max_distance);

/* Runs @n ≥ 1 ids on @be; *@out is a new [1, n, d_model] tensor on @be. */
gboolean rf_t5_encoder_forward (RfT5Encoder *m, RfBackend *be, const gint32 *ids, guint n,
                                RfTensor **out, GError **error);

G_END_DECLS
