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
 *   text   CLIP-L + T5 (text/)
 * Results are cached per prompt, so an edit's two prompts or repeated
 * jobs do not re-encode.
 */
#pragma once

#include <glib.h>

#include "rf-backend.h"
#include "rf-model-file.h"

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
  GPtrArray *warnings;    /* messages for the user from the last encodes (strings) */
};

/* For implementations: sets up the shared fields. */
void rf_conditioner_init (RfConditioner *cond, const RfConditionerClass *klass, gint64 ctx_dim,
                          gint64 vec_dim);

/* Precomputed embeddings: @txt_path [1, Lt, ctx] (or [Lt, ctx]) and
 * @y_path [1, vec] (or [vec]), f32 or f16 .npy. Errors: RF_MODEL_ERROR_IO
 * / _FORMAT from the files, RF_PIPELINE_ERROR_INVALID for bad shapes. */
RfConditioner *rf_conditioner_new_npy (const char *txt_path, const char *y_path, GError **error);

/* The same from DIR/txt.npy and DIR/y.npy. */
RfConditioner *rf_conditioner_new_npy_dir (const char *dir, GError **error);

/* The test conditioner (see above) for a model with @ctx_dim / @vec_dim
 * inputs, @n_tokens text tokens. */
RfConditioner *rf_conditioner_new_test (gint64 ctx_dim, gint64 vec_dim, gint64 n_tokens);

/* CLIP-L + T5 through text/ (rf-text-encode.h): tokenizers found next
 * to the encoders unless given, T5 ids padded to @max_length (512 for
 * dev, 256 for schnell), embeddings cached on disk. CLIP runs on
 * @device (a backend name; NULL = auto), T5 on the CPU unless @device is
 * "cpu" too. Nothing is loaded until the first prompt. */
RfConditioner *rf_conditioner_new_text (const char *clip_path, const char *t5_path,
                                        const char *clip_tokenizer, const char *t5_tokenizer,
                                        guint max_length, const char *device);

/* A text encoder someone else keeps loaded: the CLIP (@t5 FALSE) or T5
 * model in @path (borrowed), its open file and the backend to run it on
 * (both borrowed); NULL with @error. */
typedef gpointer (*RfConditionerTextLoadFunc) (gboolean t5, const char *path,
                                               const RfModelFile **file, RfBackend **backend,
                                               gpointer data, GError **error);

/* Makes a text conditioner (rf_conditioner_new_text) take its encoders
 * from @load instead of opening them for every new prompt. No effect on
 * other conditioners. */
void rf_conditioner_text_set_loader (RfConditioner *cond, RfConditionerTextLoadFunc load,
                                     gpointer data);

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
