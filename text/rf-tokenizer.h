/* rf-tokenizer.h — the tokenizers of FLUX's text encoders, read from the
 * files users already have.
 *
 * Two kinds:
 *   CLIP_BPE  CLIP's byte-level BPE (openai/CLIP simple_tokenizer.py;
 *             transformers CLIPTokenizer): NFC, whitespace runs to one
 *             space, lowercase, CLIP's token pattern, BPE with a </w>
 *             end-of-word suffix; ids = <|startoftext|> … <|endoftext|>,
 *             77 positions, padded with <|endoftext|>. Files: vocab.json +
 *             merges.txt, or a tokenizer.json whose model is BPE.
 *   UNIGRAM   SentencePiece unigram (T5): the model's precompiled
 *             normalizer, dummy prefix, whitespace cleanup, Viterbi over
 *             piece scores, runs of unknown characters as one <unk> (or
 *             bytes with byte fallback); ids = pieces … </s>, padded with
 *             <pad>. Files: spiece.model, a tokenizer.json whose model is
 *             Unigram, or GGUF tokenizer metadata (tokenizer.ggml.*).
 */
#pragma once

#include <glib.h>

#include "rf-model-file.h"
#include "rf-text-error.h"

G_BEGIN_DECLS

typedef enum {
  RF_TOKENIZER_CLIP_BPE,
  RF_TOKENIZER_UNIGRAM,
} RfTokenizerKind;

#define RF_CLIP_MAX_LENGTH 77
#define RF_T5_MAX_LENGTH_DEV 512
#define RF_T5_MAX_LENGTH_SCHNELL 256

typedef struct _RfTokenizer RfTokenizer;

/* Loads a tokenizer from @path: a folder (tokenizer.json, spiece.model,
 * or vocab.json + merges.txt inside it, in that order), vocab.json or
 * merges.txt (the other is taken from the same folder), tokenizer.json,
 * a SentencePiece model, or a GGUF file with tokenizer metadata.
 * Errors: RF_TEXT_ERROR_IO, _FORMAT (with the reason), _UNSUPPORTED. */
RfTokenizer *rf_tokenizer_load (const char *path, GError **error);

/* The tokenizer stored in a GGUF file's metadata (tokenizer.ggml.model
 * "t5"). Errors as rf_tokenizer_load(); RF_TEXT_ERROR_FORMAT when the
 * file has no tokenizer. */
RfTokenizer *rf_tokenizer_new_from_model_file (const RfModelFile *mf, GError **error);

/* Parsers of file contents held in memory (used by the loaders above,
 * the fuzzers and tests). @label names the data in errors. */
RfTokenizer *rf_tokenizer_new_from_spm (const guint8 *data, gsize size,
                                        const char *label, GError **error);
RfTokenizer *rf_tokenizer_new_from_json (const char *data, gsize size,
                                         const char *label, GError **error);
RfTokenizer *rf_tokenizer_new_from_bpe_files (const char *vocab_json, gsize vocab_size,
                                              const char *merges_txt, gsize merges_size,
                                              const char *label, GError **error);

/* Drops a reference (the last one frees). */
void rf_tokenizer_free (RfTokenizer *tok);
/* Another reference to @tok (tokenizers are immutable: share freely). */
RfTokenizer *rf_tokenizer_ref (RfTokenizer *tok);
/* Drops the tokenizers rf_tokenizer_load keeps for reuse (tests). */
void rf_tokenizer_cache_clear (void);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfTokenizer, rf_tokenizer_free)

RfTokenizerKind rf_tokenizer_get_kind (const RfTokenizer *tok);
/* "clip-bpe" or "unigram". */
const char *rf_tokenizer_kind_name (RfTokenizerKind kind);
/* Number of ids (largest id + 1). */
guint rf_tokenizer_get_vocab_size (const RfTokenizer *tok);
/* Special ids; -1 when the tokenizer has none (only bos for unigram). */
gint rf_tokenizer_get_bos_id (const RfTokenizer *tok);
gint rf_tokenizer_get_eos_id (const RfTokenizer *tok);
gint rf_tokenizer_get_pad_id (const RfTokenizer *tok);
/* 77 for CLIP, 512 for unigram (FLUX dev's T5 length). */
guint rf_tokenizer_get_default_max_length (const RfTokenizer *tok);
/* e.g. "unigram, 32000 pieces (spiece.model)"; g_free it. */
char *rf_tokenizer_describe (const RfTokenizer *tok);

/* Tokenizes @len bytes of @text (-1: NUL-terminated) with the special
 * tokens. With @max_length > 0 the content is truncated so that the ids
 * fit (*@n_dropped, may be NULL, says how many content tokens were
 * dropped) and, when @pad, padded to exactly @max_length. Returns an
 * array of gint32. Errors: RF_TEXT_ERROR_INVALID_TEXT naming the byte
 * offset of invalid UTF-8 (or a NUL byte); RF_TEXT_ERROR_INVALID when
 * @max_length is too small for the special tokens, or @pad without a
 * @max_length. */
GArray *rf_tokenizer_encode (const RfTokenizer *tok, const char *text, gssize len,
                             guint max_length, gboolean pad, guint *n_dropped,
                             GError **error);

/* Checks that @tok fits an encoder whose embedding has @encoder_vocab
 * rows: CLIP needs exactly as many ids as rows; T5 checkpoints pad the
 * embedding beyond the tokenizer (32000 pieces, 32128 rows), so unigram
 * needs vocab ≤ rows < vocab + 256. RF_TEXT_ERROR_MISMATCH otherwise. */
gboolean rf_tokenizer_check_vocab (const RfTokenizer *tok, gint64 encoder_vocab,
                                   const char *encoder_name, GError **error);

G_END_DECLS
