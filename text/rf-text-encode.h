/* rf-text-encode.h — a prompt to FLUX's two text conditionings:
 *   txt [1, max_length, d_model]  T5's last hidden state (padded ids)
 *   y   [1, D]                    CLIP's pooled output (77 padded ids)
 * with tokenizers found next to the encoders (or given), vocabulary
 * checks, truncation warnings and the embedding cache.
 */
#pragma once

#include "rf-backend.h"
#include "rf-clip-text.h"
#include "rf-t5-encoder.h"
#include "rf-tokenizer.h"

G_BEGIN_DECLS

typedef struct {
  const char *clip_path;        /* CLIP text model file */
  const char *t5_path;          /* T5 encoder file */
  const char *clip_tokenizer;   /* NULL: next to the model (see below) */
  const char *t5_tokenizer;     /* NULL: next to the model or in its GGUF metadata */
  const char *clip_device;      /* backend name for CLIP; NULL "auto" */
  const char *t5_device;        /* backend name for T5; NULL "cpu" (spares VRAM) */
  guint max_length;             /* T5 ids; 0 = 512 (dev), use 256 for schnell */
  const char *cache_dir;        /* NULL: rf_embed_cache_default_dir() */
  gboolean no_cache;
  /* Encoders loaded by the caller (the engine service keeps them
   * resident), used instead of opening clip_path / t5_path: the model,
   * its open file (which must be the one at the path: the embedding cache
   * keys on it) and the backend to run it on. All borrowed; NULL: opened,
   * and backends made from the device names, per call. */
  RfClipText *clip_model;
  const RfModelFile *clip_file;
  RfBackend *clip_backend;
  RfT5Encoder *t5_model;
  const RfModelFile *t5_file;
  RfBackend *t5_backend;
} RfTextEncodeOptions;

typedef struct {
  float *txt;                   /* [1, txt_len, txt_dim] */
  gint64 txt_len, txt_dim;
  float *y;                     /* [1, y_dim] */
  gint64 y_dim;
  gboolean txt_cached, y_cached;
  GPtrArray *warnings;          /* strings for the user: truncation, damaged cache entries */
} RfTextEmbeddings;

void rf_text_embeddings_free (RfTextEmbeddings *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfTextEmbeddings, rf_text_embeddings_free)

/* The tokenizer of @kind for the encoder at @model_path when none is
 * given: the file's GGUF metadata, then the model's folder
 * (tokenizer.json, spiece.model, vocab.json + merges.txt), then a
 * diffusers sibling folder (tokenizer/ for text_encoder/, tokenizer_2/
 * for text_encoder_2/); candidates of the other kind are skipped.
 * Errors: RF_TEXT_ERROR_IO naming @option when nothing fits. */
RfTokenizer *rf_text_find_tokenizer (const char *model_path, RfTokenizerKind kind,
                                     const char *option, GError **error);

/* Encodes @prompt (UTF-8). Errors: any tokenizer, model, backend or cache
 * I/O error; RF_TEXT_ERROR_MISMATCH when a tokenizer does not fit its
 * encoder. */
RfTextEmbeddings *rf_text_encode (const RfTextEncodeOptions *opt, const char *prompt,
                                  GError **error);

G_END_DECLS
