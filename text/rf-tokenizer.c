/* rf-tokenizer.c — loading by file kind, special tokens, truncation and
 * padding, the vocabulary check. The algorithms are in rf-clip-bpe.c and
 * rf-unigram.c, the file readers in rf-spm-model.c, rf-tokenizer-json.c
 * and rf-tokenizer-gguf.c. */
#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "rf-tokenizer-private.h"

/* Tokenizer files are small (T5's tokenizer.json is 2.4 MB); anything
 * far larger is not one. */
#define MAX_TOKENIZER_FILE (256u << 20)

RfTokenizer *
rf_tokenizer_ref (RfTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, NULL);
  g_atomic_int_inc (&tok->extra_refs);
  return tok;
}

void
rf_tokenizer_free (RfTokenizer *tok)
{
  if (tok == NULL)
    return;
  for (;;)
    {
      gint refs = g_atomic_int_get (&tok->extra_refs);
      if (refs == 0)
        break;
      if (g_atomic_int_compare_and_exchange (&tok->extra_refs, refs, refs - 1))
        return;
    }
  rf_bpe_free (tok->bpe);
  rf_unigram_free (tok->unigram);
  g_free (tok->source);
  g_free (tok);
}

RfTokenizerKind rf_tokenizer_get_kind (const RfTokenizer *tok) { return tok->kind; }
guint rf_tokenizer_get_vocab_size (const RfTokenizer *tok) { return tok->vocab_size; }
gint rf_tokenizer_get_bos_id (const RfTokenizer *tok) { return tok->bos_id; }
gint rf_tokenizer_get_eos_id (const RfTokenizer *tok) { return tok->eos_id; }
gint rf_tokenizer_get_pad_id (const RfTokenizer *tok) { return tok->pad_id; }

const char *
rf_tokenizer_kind_name (RfTokenizerKind kind)
{
  return kind == RF_TOKENIZER_CLIP_BPE ? "clip-bpe" : "unigram";
}

guint
rf_tokenizer_get_default_max_length (const RfTokenizer *tok)
{
  return tok->kind == RF_TOKENIZER_CLIP_BPE ? RF_CLIP_MAX_LENGTH : RF_T5_MAX_LENGTH_DEV;
}

char *
rf_tokenizer_describe (const RfTokenizer *tok)
{
  g_autofree char *base = g_path_get_basename (tok->source);
  return g_strdup_printf ("%s, %u ids (%s)", rf_tokenizer_kind_name (tok->kind),
                          tok->vocab_size, base);
}

GArray *
rf_tokenizer_encode (const RfTokenizer *tok, const char *text, gssize len,
                     guint max_length, gboolean pad, guint *n_dropped, GError **error)
{
  g_return_val_if_fail (tok != NULL && (text != NULL || len == 0), NULL);
  gsize n = len < 0 ? strlen (text) : (gsize) len;
  const char *end = NULL;
  if (!g_utf8_validate_len (text ? text : "", n, &end))
    {
      gsize off = (gsize) (end - text);
      if (text[off] == '\0')
        g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_INVALID_TEXT,
                     _("the prompt contains a NUL byte at byte offset %zu"), off);
      else
        g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_INVALID_TEXT,
                     _("the prompt is not valid UTF-8: byte 0x%02x at byte offset %zu"
                       " does not start a valid character"),
                     (guint8) text[off], off);
      return NULL;
    }
  const guint n_special = tok->kind == RF_TOKENIZER_CLIP_BPE ? 2 : 1;
  if (pad && max_length == 0)
    {
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_INVALID,
                   _("padding needs a maximum length"));
      return NULL;
    }
  if (max_length > 0 && max_length < n_special)
    {
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_INVALID,
                   _("a maximum length of %u leaves no room for the special tokens"), max_length);
      return NULL;
    }

  GArray *content = g_array_new (FALSE, FALSE, sizeof (gint32));
  if (tok->kind == RF_TOKENIZER_CLIP_BPE)
    {
      /* the BPE side works on NUL-terminated text */
      g_autofree char *copy = g_strndup (text ? text : "", n);
      rf_bpe_encode (tok->bpe, copy, content);
    }
  else
    rf_unigram_encode (tok->unigram, text ? text : "", n, content);

  guint keep = content->len;
  if (max_length > 0 && keep > max_length - n_special)
    keep = max_length - n_special;
  if (n_dropped)
    *n_dropped = content->len - keep;

  GArray *ids = g_array_sized_new (FALSE, FALSE, sizeof (gint32), MAX (max_length, keep + 2));
  if (tok->kind == RF_TOKENIZER_CLIP_BPE)
    {
      gint32 bos = tok->bos_id;
      g_array_append_val (ids, bos);
    }
  g_array_append_vals (ids, content->data, keep);
  gint32 eos = tok->eos_id, padv = tok->pad_id;
  g_array_append_val (ids, eos);
  while (pad && ids->len < max_length)
    g_array_append_val (ids, padv);
  g_array_unref (content);
  return ids;
}

gboolean
rf_tokenizer_check_vocab (const RfTokenizer *tok, gint64 encoder_vocab,
                          const char *encoder_name, GError **error)
{
  const gint64 n = tok->vocab_size;
  gboolean ok = tok->kind == RF_TOKENIZER_CLIP_BPE
                ? encoder_vocab == n
                : encoder_vocab >= n && encoder_vocab < n + 256;
  if (!ok)
    g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_MISMATCH,
                 _("the tokenizer (%s, %" PRId64 " ids) does not match %s, whose "
                   "embedding has %" PRId64 " rows: use the tokenizer that came "
                   "with this encoder"),
                 tok->source, n, encoder_name, encoder_vocab);
  return ok;
}

/* --- loading ------------------------------------------------------------ */

static gboolean
has_gguf_magic (const char *path)
{
  char magic[4] = { 0 };
  FILE *f = g_fopen (path, "rb");
  if (f == NULL)
    return FALSE;
  gboolean yes = fread (magic, 1, 4, f) == 4 && memcmp (magic, "GGUF", 4) == 0;
  fclose (f);
  return yes;
}

static gboolean
read_file (const char *path, char **data, gsize *size, GError **error)
{
  GStatBuf st;
  if (g_stat (path, &st) == 0 && (guint64) st.st_size > MAX_TOKENIZER_FILE)
    {
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
                   _("%s: %" PRIu64 " bytes is too large for a tokenizer file"),
                   path, (guint64) st.st_size);
      return FALSE;
    }
  GError *e = NULL;
  if (!g_file_get_contents (path, data, size, &e))
    {
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_IO, "%s", e->message);
      g_error_free (e);
      return FALSE;
    }
  return TRUE;
}

static RfTokenizer *
load_bpe_pair (const char *vocab_path, const char *merges_path, GError **error)
{
  RfTokenizer *hit = rf_tokenizer_cache_lookup (vocab_path, merges_path);
  if (hit != NULL)
    return hit;
  g_autofree char *v = NULL, *m = NULL;
  gsize vn, mn;
  if (!read_file (vocab_path, &v, &vn, error) || !read_file (merges_path, &m, &mn, error))
    return NULL;
  RfTokenizer *tok = rf_tokenizer_new_from_bpe_files (v, vn, m, mn, vocab_path, error);
  if (tok != NULL)
    rf_tokenizer_cache_insert (vocab_path, merges_path, tok);
  return tok;
}

static RfTokenizer *
load_gguf (const char *path, GError **error)
{
  GError *e = NULL;
  g_autoptr (RfModelFile) mf = rf_model_file_open (path, &e);
  if (mf == NULL)
    {
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT, "%s", e->message);
      g_error_free (e);
      return NULL;
    }
  return rf_tokenizer_new_from_model_file (mf, error);
}

RfTokenizer *
rf_tokenizer_new_from_model_file (const RfModelFile *mf, GError **error)
{
  return rf_tokenizer_from_gguf_metadata (mf, error);
}

/* One file: GGUF metadata, tokenizer.json or spiece.model. */
static RfTokenizer *
load_single (const char *path, GError **error)
{
  /* A GGUF tokenizer is usually inside the encoder's own file (gigabytes):
   * its metadata is read through the model reader, never the whole file. */
  if (has_gguf_magic (path))
    return load_gguf (path, error);
  g_autofree char *data = NULL;
  gsize size = 0;
  if (!read_file (path, &data, &size, error))
    return NULL;
  gsize i = 0;
  while (i < size && g_ascii_isspace (data[i]))
    i++;
  if (i < size && data[i] == '{')
    return rf_tokenizer_new_from_json (data, size, path, error);
  return rf_tokenizer_new_from_spm ((const guint8 *) data, size, path, error);
}

RfTokenizer *
rf_tokenizer_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      static const char *const singles[] = { "tokenizer.json", "spiece.model" };
      for (gsize i = 0; i < G_N_ELEMENTS (singles); i++)
        {
          g_autofree char *p = g_build_filename (path, singles[i], NULL);
          if (g_file_test (p, G_FILE_TEST_IS_REGULAR))
            return rf_tokenizer_load (p, error);
        }
      g_autofree char *v = g_build_filename (path, "vocab.json", NULL);
      g_autofree char *m = g_build_filename (path, "merges.txt", NULL);
      if (g_file_test (v, G_FILE_TEST_IS_REGULAR) && g_file_test (m, G_FILE_TEST_IS_REGULAR))
        return load_bpe_pair (v, m, error);
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_IO,
                   _("%s: no tokenizer.json, spiece.model or vocab.json + merges.txt in this "
                     "folder"), path);
      return NULL;
    }

  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *dir = g_path_get_dirname (path);
  if (g_str_has_suffix (base, "vocab.json") || g_str_has_suffix (base, "merges.txt"))
    {
      gboolean is_vocab = g_str_has_suffix (base, "vocab.json");
      g_autofree char *other = g_build_filename (dir, is_vocab ? "merges.txt" : "vocab.json", NULL);
      if (!g_file_test (other, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_IO,
                       _("%s: a CLIP BPE tokenizer needs vocab.json and merges.txt side by "
                         "side; %s is missing"), path, other);
          return NULL;
        }
      return is_vocab ? load_bpe_pair (path, other, error) : load_bpe_pair (other, path, error);
    }

  RfTokenizer *hit = rf_tokenizer_cache_lookup (path, NULL);
  if (hit != NULL)
    return hit;
  RfTokenizer *tok = load_single (path, error);
  if (tok != NULL)
    rf_tokenizer_cache_insert (path, NULL, tok);
  return tok;
}
