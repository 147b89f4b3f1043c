/* rf-text-weights.h — moving text-encoder weights from a model file to a
 * backend, and embedding lookups on the host.
 *
 * Text encoders run once per prompt, so their layers are uploaded when
 * they are used and freed right after: peak memory is one layer plus the
 * activations, whatever the encoder's size (T5-XXL: 9.5 GB in bf16).
 */
#pragma once

#include "rf-backend.h"
#include "rf-weights.h"

G_BEGIN_DECLS

/* The weights of the first component of @family in @mf, checked (every
 * missing or mis-shaped tensor is reported). Errors: RF_MODEL_ERROR_MISMATCH,
 * or _NOT_FOUND when @mf holds no such encoder. */
RfWeights *rf_text_weights_load (const RfModelFile *mf, RfModelFamily family, GError **error);

/* A new tensor on @be holding canonical weight @name of @w. Matrices
 * (@keep_dtype) stay in their stored dtype when the backend takes it as a
 * linear weight; everything else is decoded to f32. */
RfTensor *rf_text_upload (RfBackend *be, const RfWeights *w, const char *name,
                          gboolean keep_dtype, GError **error);

/* Decodes rows @ids[0..n) of the 2-D weight @name into @out (n × cols
 * floats). Errors: RF_CORE_ERROR_INVALID for an id outside the table. */
gboolean rf_text_gather_rows (const RfWeights *w, const char *name, const gint32 *ids,
                              guint n, float *out, GError **error);

G_END_DECLS
