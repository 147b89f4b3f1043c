/* rf-conditioner.h — prompt → the text conditioning FLUX takes.
 *
 * A conditioner turns a UTF-8 prompt into txt [1, Lt, context_in_dim]
 * (T5 hidden states) and y [1, vec_in_dim] (CLIP pooled vector), f32 on
 * a backend. Implementations:
 *   npy    fixed embeddings read from txt.npy / y.npy (made by
 *          `rectify encode`, or any tool); the prompt is not used
 *   test   the tiny test model set only: the prompt's bytes hashed into
 *          deterministic Gaussian embeddings, so equal prompts give equal
 *          conditioning and different prompts different conditioning.
 *          It understands nothing; it exists so the pipeline can be
 *          checked end to end without a text encoder
 *   text   CLIP-L + T5 (text/), when that module is built in
 * Results are cached per prompt, so an edit's two prompts or repeated
 * jobs do not re-encode.
 */
#pragma once

#include <glib.h>

#include "rf-backend.h"

G_BEGIN_DECLS

typedef struct _RfConditioner RfConditioner;

typedef struct {
  /* Fills new host arrays: *txt (n_tokens · ctx floats), *y (vec floats). */
  gboolean (*encode) (RfConditioner *self, const char *prompt, float **txt, gint64 *n_tokens,
                      float **y, GError **error);
  void (*finalize) (RfConditioner *self);
} RfConditionerClass;

struct _RfConditioner {
  const RfConditionerClass *klass;
  char *description;      /* "precomputed embeddings from DIR", ... */
  gboolean uses_prompt;   /* FALSE for npy: any prompt gives the same result */
  gint64 ctx_dim, vec_dim;
  GHashTable *cache;      /* prompt → cached entry (rf-conditioner.c) */
};

/* Precomputed embeddings: @txt_path [1, Lt, ctx] (or [Lt, ctx]) and
 * @y_path [1, vec] (or [vec]), f32 or f16 .npy. Errors: RF_MODEL_ERROR_IO
 * / _FORMAT from the files, RF_PIPELINE_ERROR_INVALID for bad shapes. */
RfConditioner *rf_conditioner_new_npy (const char *txt_path, const char *y_path, GError **error);

/* The same from DIR/txt.npy and DIR/y.npy. */
RfConditioner *rf_conditioner_new_npy_dir (const char *dir, GError **error);

/* The test conditioner (see above) for a model with @ctx_dim / @vec_dim
 * inputs, @n_tokens text tokens. */
RfConditioner *rf_conditioner_new_test (gint64 ctx_dim, gint64 vec_dim, gint64 n_tokens);

void rf_conditioner_free (RfConditioner *cond);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfConditioner, rf_conditioner_free)

/* Checks that @prompt (NULL means "") is valid UTF-8 without control
 * characters other than tab and newline: RF_PIPELINE_ERROR_PROMPT
 * otherwise, naming the byte offset. */
gboolean rf_conditioner_check_prompt (const char *prompt, GError **error);

/* Encodes @prompt into new tensors on @backend, checking the sizes
 * against @ctx_dim / @vec_dim (the transformer's; 0 skips the check). */
gboolean rf_conditioner_encode (RfConditioner *cond, const char *prompt, RfBackend *backend,
                                gint64 ctx_dim, gint64 vec_dim, RfTensor **txt, RfTensor **y,
                                GError **error);

G_END_DECLS
