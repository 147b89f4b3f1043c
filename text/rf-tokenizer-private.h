/* rf-tokenizer-private.h — what the tokenizer files share inside text/. */
#pragma once

#include "rf-tokenizer.h"

G_BEGIN_DECLS

/* SentencePiece piece types (sentencepiece_model.proto), also llama.cpp's
 * tokenizer.ggml.token_type values. */
typedef enum {
  RF_PIECE_NORMAL = 1,
  RF_PIECE_UNKNOWN = 2,
  RF_PIECE_CONTROL = 3,
  RF_PIECE_USER_DEFINED = 4,
  RF_PIECE_UNUSED = 5,
  RF_PIECE_BYTE = 6,
} RfPieceType;

/* Limits that keep hostile files from asking for absurd memory. */
#define RF_TOKENIZER_MAX_VOCAB (1u << 22)
#define RF_TOKENIZER_MAX_PIECE_BYTES 4096

typedef struct _RfBpe RfBpe;
typedef struct _RfUnigram RfUnigram;

struct _RfTokenizer {
  RfTokenizerKind kind;
  char *source;          /* file name or label, for messages */
  guint vocab_size;
  gint bos_id, eos_id, pad_id;
  RfBpe *bpe;            /* CLIP_BPE */
  RfUnigram *unigram;    /* UNIGRAM */
  gint extra_refs;       /* references beyond the first (rf_tokenizer_ref) */
};

/* --- the cache of loaded files (rf-tokenizer-cache.c) ------------------ */

/* A new reference to the tokenizer read from @a (and @b, NULL for one
 * file) when the files are unchanged since, else NULL. */
RfTokenizer *rf_tokenizer_cache_lookup (const char *a, const char *b);
/* Keeps a reference to @tok for @a (and @b). */
void rf_tokenizer_cache_insert (const char *a, const char *b, RfTokenizer *tok);

/* --- CLIP BPE (rf-clip-bpe.c) ---------------------------------------- */

/* Takes ownership of @vocab (piece → GINT_TO_POINTER(id + 1)) and of
 * @merges (array of "a b" strings in rank order). */
RfTokenizer *rf_bpe_tokenizer_new (GHashTable *vocab, GPtrArray *merges,
                                   const char *unk_token, const char *label,
                                   GError **error);
void rf_bpe_free (RfBpe *bpe);
/* Appends the content ids of valid UTF-8 @text (no start/end tokens). */
void rf_bpe_encode (RfBpe *bpe, const char *text, GArray *ids);

/* --- SentencePiece unigram (rf-unigram.c) ---------------------------- */

typedef struct {
  guint n_pieces;
  char **pieces;           /* borrowed; valid UTF-8 */
  const float *scores;
  const guint8 *types;     /* RfPieceType */
  const guint8 *charsmap;  /* precompiled normalizer blob, may be NULL */
  gsize charsmap_size;
  gboolean add_dummy_prefix;
  gboolean remove_extra_whitespaces;
  gboolean escape_whitespaces;
  gboolean byte_fallback;
  gint unk_id, eos_id, pad_id, bos_id;   /* -1: none (unk and eos required) */
} RfUnigramSpec;

/* Builds a unigram tokenizer from @spec (everything is copied). Errors:
 * RF_TEXT_ERROR_FORMAT for a malformed charsmap, empty/duplicate/invalid
 * pieces, a missing or out-of-range special id. */
RfTokenizer *rf_unigram_tokenizer_new (const RfUnigramSpec *spec, const char *label,
                                       GError **error);
void rf_unigram_free (RfUnigram *u);
/* Appends the ids of valid UTF-8 @text (no </s>). */
void rf_unigram_encode (RfUnigram *u, const char *text, gsize len, GArray *ids);
/* SentencePiece's normalization alone (exposed for tests). g_free it. */
char *rf_unigram_normalize (RfUnigram *u, const char *text, gsize len);

/* --- file readers ---------------------------------------------------- */

/* rf-tokenizer-gguf.c: the tokenizer.ggml.* keys of a GGUF file. */
RfTokenizer *rf_tokenizer_from_gguf_metadata (const RfModelFile *mf, GError **error);

G_END_DECLS
