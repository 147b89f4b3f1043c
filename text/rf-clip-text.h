/* rf-clip-text.h — the CLIP text transformer (transformers CLIPTextModel;
 * FLUX's "vec" conditioning is its pooled output).
 *
 *   x = token_embedding[ids] + position_embedding[0..L)
 *   per layer: x += out_proj(attn(LN1(x)), causal, scale d^-½)
 *              x += fc2(quick_gelu(fc1(LN2(x))))
 *   hidden = final_layer_norm(x)        [1, L, D]
 *   pooled = hidden[argmax(ids)]        [1, D]  (the first end token)
 */
#pragma once

#include "rf-backend.h"
#include "rf-weights.h"

G_BEGIN_DECLS

typedef struct _RfClipText RfClipText;

/* The CLIP text model in @mf (which must outlive the result). The head
 * count comes from the known models (12 for CLIP-L) or, for test models,
 * from the metadata key "rectify.clip.heads". Errors: RF_MODEL_ERROR_*. */
RfClipText *rf_clip_text_new (const RfModelFile *mf, GError **error);
void rf_clip_text_free (RfClipText *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfClipText, rf_clip_text_free)

const RfClipConfig *rf_clip_text_get_config (const RfClipText *m);

/* Runs @n ids (1 ≤ n ≤ positions) on @be. *@hidden [1, n, D] and
 * *@pooled [1, D] are new tensors on @be (either pointer may be NULL). */
gboolean rf_clip_text_forward (RfClipText *m, RfBackend *be, const gint32 *ids, guint n,
                               RfTensor **hidden, RfTensor **pooled, GError **error);

G_END_DECLS
