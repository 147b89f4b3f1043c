/* rf-model-set.h — which files make up a FLUX.1 model set.
 *
 * A job needs a transformer (dev or schnell; FLUX.1 Fill for
 * inpainting when present), the autoencoder and text encoders (CLIP-L
 * and T5-XXL) or precomputed embeddings; a TAEF1 decoder, when present,
 * makes the per-step previews cheap. Parts may share a file
 * (ComfyUI all-in-one checkpoints). Parts not given explicitly are
 * looked for in the transformer's file, its folder, then the search
 * folders (rf-model-search.h: --model-dir, $RECTIFY_MODELS,
 * ~/.local/share/rectify/models, config.ini's extra_dirs).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *flux;          /* transformer, dev or schnell */
  char *fill;          /* FLUX.1 Fill transformer (optional) */
  char *ae;            /* autoencoder */
  char *clip;          /* CLIP-L text encoder (optional) */
  char *t5;            /* T5 encoder (optional) */
  char *taef1;         /* TAEF1 preview decoder (optional: previews use the
                          autoencoder without it) */
  char *clip_tokenizer; /* NULL: found next to the CLIP file */
  char *t5_tokenizer;  /* NULL: next to the T5 file or in its GGUF */
  gboolean test_model; /* the tiny test set (rectify.test_model metadata) */
} RfModelSet;

RfModelSet *rf_model_set_new (void);
RfModelSet *rf_model_set_copy (const RfModelSet *set);
void rf_model_set_free (RfModelSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfModelSet, rf_model_set_free)

/* Fills the parts still NULL from the files in @dirs (NULL-terminated;
 * searched recursively a few levels, each file's header opened and its
 * components recognised), the explicit files' own contents first. A
 * transformer is only taken from @dirs when @set->flux is NULL; among
 * several, a dev one is preferred over schnell. Unreadable files are
 * skipped. Never fails: missing parts stay NULL (see rf_model_set_check). */
void rf_model_set_complete (RfModelSet *set, const char *const *dirs);

/* The set a job runs with, as every front-end (CLI, plug-in, service)
 * resolves it: @set (taken; NULL = empty) holds the parts given
 * explicitly; @model, when not NULL or "", is a transformer file whose
 * kind decides whether it is the base or the Fill one (an explicit Fill
 * in @set wins); the rest comes from @dirs (rf_model_set_complete).
 * Without any transformer: the tiny test set when @allow_test
 * (*@used_test TRUE; @used_test may be NULL), else
 * RF_PIPELINE_ERROR_MODEL_MISSING with the install hint. */
RfModelSet *rf_model_set_resolve (RfModelSet *set, const char *model, const char *const *dirs,
                                  gboolean allow_test, gboolean *used_test, GError **error);

/* Whether @path is a transformer, and whether it is a Fill one; FALSE
 * with an error when the file cannot be read or holds no transformer. */
gboolean rf_model_set_classify_flux (const char *path, gboolean *is_fill, GError **error);

/* The tiny test set's folder (tests/data/pipeline in the source tree,
 * or its installed copy), or NULL when neither exists. */
const char *rf_model_set_test_dir (void);

/* The tiny test set from rf_model_set_test_dir(), or NULL. */
RfModelSet *rf_model_set_new_test (void);

/* A multi-line description: each part and its file, or "missing". */
char *rf_model_set_describe (const RfModelSet *set);

/* What a user should do to get real FLUX.1 files: which ones, where from,
 * where to put them (translated, several lines). */
const char *rf_model_set_install_hint (void);

G_END_DECLS
