/* rf-tokenizer-gguf.c — a T5 tokenizer from GGUF metadata, as llama.cpp's
 * convert_hf_to_gguf.py writes it for T5 encoders (city96's t5-v1_1-xxl
 * GGUFs):
 *   tokenizer.ggml.model                    "t5"
 *   tokenizer.ggml.tokens                   string[n]
 *   tokenizer.ggml.scores                   f32[n]
 *   tokenizer.ggml.token_type               i32[n] (1 normal, 2 unknown, 3 control,
 *                                           4 user-defined, 5 unused, 6 byte)
 *   tokenizer.ggml.precompiled_charsmap     u8[] or i8[] (SentencePiece's blob)
 *   tokenizer.ggml.add_space_prefix         bool (default true)
 *   tokenizer.ggml.remove_extra_whitespaces bool (default true)
 *   tokenizer.ggml.{eos,unknown,padding,bos}_token_id  u32
 * Every array's element type is checked before it is read.
 */
#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "rf-tokenizer-private.h"

static gboolean
get_bool (const RfModelFile *mf, const char *key, gboolean dflt)
{
  const RfMetaValue *v = rf_model_file_get_metadata (mf, key);
  if (v == NULL)
    return dflt;
  if (v->type == RF_META_BOOL)
    return v->v.b;
  gint64 i;
  return rf_meta_value_get_int (v, &i) ? i != 0 : dflt;
}

static gint
get_id (const RfModelFile *mf, const char *key, gint dflt)
{
  gint64 i;
  if (!rf_meta_value_get_int (rf_model_file_get_metadata (mf, key), &i))
    return dflt;
  return i >= 0 && i < G_MAXINT ? (gint) i : G_MAXINT;   /* G_MAXINT fails the range check */
}

RfTokenizer *
rf_tokenizer_from_gguf_metadata (const RfModelFile *mf, GError **error)
{
  const char *label = rf_model_file_get_path (mf);
  const char *model = rf_model_file_get_metadata_string (mf, "tokenizer.ggml.model");
  if (model == NULL)
    {
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
                   _("%s: the file holds no tokenizer (no tokenizer.ggml.model)"), label);
      return NULL;
    }
  if (strcmp (model, "t5") != 0)
    {
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_UNSUPPORTED,
                   _("%s: GGUF tokenizer \"%s\" is not supported (only T5's unigram, \"t5\")"),
                   label, model);
      return NULL;
    }
  const RfMetaValue *tokens = rf_model_file_get_metadata (mf, "tokenizer.ggml.tokens");
  const RfMetaValue *scores = rf_model_file_get_metadata (mf, "tokenizer.ggml.scores");
  const RfMetaValue *types = rf_model_file_get_metadata (mf, "tokenizer.ggml.token_type");
  guint64 n = rf_meta_array_get_length (tokens);
  if (tokens == NULL || tokens->type != RF_META_ARRAY || tokens->v.arr.elem_type != RF_META_STRING
      || n == 0 || n > RF_TOKENIZER_MAX_VOCAB
      || rf_meta_array_get_length (scores) != n || rf_meta_array_get_length (types) != n)
    {
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
                   _("%s: tokenizer.ggml.tokens, .scores and .token_type must be arrays of "
                     "one length (strings, floats, integers)"), label);
      return NULL;
    }
  g_autofree float *sc = g_new (float, n);
  g_autofree guint8 *ty = g_new (guint8, n);
  for (guint64 i = 0; i < n; i++)
    {
      double s;
      gint64 t;
      if (!rf_meta_array_get_float (scores, i, &s) || !rf_meta_array_get_int (types, i, &t)
          || t < RF_PIECE_NORMAL || t > RF_PIECE_BYTE)
        {
          g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
                       _("%s: token %" PRIu64 " has no valid score or type"), label, i);
          return NULL;
        }
      sc[i] = (float) s;
      ty[i] = (guint8) t;
    }

  const guint8 *charsmap = NULL;
  gsize charsmap_size = 0;
  const RfMetaValue *cm = rf_model_file_get_metadata (mf, "tokenizer.ggml.precompiled_charsmap");
  if (cm != NULL)
    {
      if (cm->type != RF_META_ARRAY
          || (cm->v.arr.elem_type != RF_META_U8 && cm->v.arr.elem_type != RF_META_I8))
        {
          g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
                       _("%s: tokenizer.ggml.precompiled_charsmap must be an array of bytes"),
                       label);
          return NULL;
        }
      charsmap = cm->v.arr.raw;
      charsmap_size = cm->v.arr.count;
    }

  /* token strings are decoded by the reader; the array holds n of them */
  RfUnigramSpec spec = {
    .n_pieces = (guint) n,
    .pieces = (char **) tokens->v.arr.strv,
    .scores = sc,
    .types = ty,
    .charsmap = charsmap,
    .charsmap_size = charsmap_size,
    .add_dummy_prefix = get_bool (mf, "tokenizer.ggml.add_space_prefix", TRUE),
    .remove_extra_whitespaces = get_bool (mf, "tokenizer.ggml.remove_extra_whitespaces", TRUE),
    .escape_whitespaces = TRUE,
    .unk_id = get_id (mf, "tokenizer.ggml.unknown_token_id", -1),
    .eos_id = get_id (mf, "tokenizer.ggml.eos_token_id", -1),
    .pad_id = get_id (mf, "tokenizer.ggml.padding_token_id", -1),
    .bos_id = get_id (mf, "tokenizer.ggml.bos_token_id", -1),
  };
  /* byte fallback is implied by byte pieces (llama.cpp has no flag) */
  for (guint64 i = 0; i < n; i++)
    spec.byte_fallback |= ty[i] == RF_PIECE_BYTE;
  if (spec.unk_id == -1)
    for (guint64 i = 0; i < n && spec.unk_id < 0; i++)
      if (ty[i] == RF_PIECE_UNKNOWN)
        spec.unk_id = (gint) i;
  return rf_unigram_tokenizer_new (&spec, label, error);
}
