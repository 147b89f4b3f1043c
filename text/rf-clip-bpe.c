/* rf-clip-bpe.c — CLIP's byte-level BPE tokenizer.
 *
 * From openai/CLIP clip/simple_tokenizer.py and transformers'
 * CLIPTokenizerFast tokenizer.json:
 * 1. cleanup: NFC, every run of Unicode White_Space becomes one space,
 *    leading/trailing space goes, then lowercase;
 * 2. the token pattern (first alternative that matches, left to right)
 *      <|startoftext|> | <|endoftext|> | 's|'t|'re|'ve|'m|'ll|'d
 *      | \p{L}+ | \p{N} | [^\s\p{L}\p{N}]+
 *    with whitespace skipped between tokens;
 * 3. each token's UTF-8 bytes are spelt with bytes_to_unicode()'s 256
 *    printable stand-ins, the last one suffixed with "</w>", and the
 *    lowest-ranked adjacent pair in merges.txt is merged everywhere
 *    (left to right, non-overlapping) until no pair has a rank;
 * 4. pieces map to ids through vocab.json (a piece that is missing maps
 *    to the unknown token, <|endoftext|> for CLIP).
 * tools/reference/clip_tokenizer_ref.py is the same algorithm in Python,
 * the oracle of tests/text/test-tokenizers.c.
 */
#include <glib/gi18n-lib.h>
#include <string.h>

#include "rf-tokenizer-private.h"

#define START_TOKEN "<|startoftext|>"
#define END_TOKEN "<|endoftext|>"

struct _RfBpe {
  GHashTable *vocab;        /* piece → GINT_TO_POINTER (id + 1) */
  GHashTable *ranks;        /* "a b" → GINT_TO_POINTER (rank + 1) */
  char byte_sym[256][4];    /* UTF-8 of each byte's stand-in (≤ 2 bytes + NUL) */
  gint unk_id, bos_id, eos_id;
};

void
rf_bpe_free (RfBpe *bpe)
{
  if (bpe == NULL)
    return;
  g_clear_pointer (&bpe->vocab, g_hash_table_unref);
  g_clear_pointer (&bpe->ranks, g_hash_table_unref);
  g_free (bpe);
}

/* bytes_to_unicode(): printable Latin-1 bytes stand for themselves, the
 * others for U+0100 onwards in byte order. */
static void
init_byte_symbols (RfBpe *bpe)
{
  int n = 0;
  for (int b = 0; b < 256; b++)
    {
      gboolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      gunichar c = printable ? (gunichar) b : (gunichar) (256 + n++);
      int len = g_unichar_to_utf8 (c, bpe->byte_sym[b]);
      bpe->byte_sym[b][len] = '\0';
    }
}

static gint
vocab_id (const RfBpe *bpe, const char *piece)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (bpe->vocab, piece)) - 1;
}

/* --- cleanup and pre-tokenization -------------------------------------- */

/* Unicode White_Space: what the `regex` module's \s matches. */
static gboolean
is_ws (gunichar c)
{
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
         || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F
         || c == 0x205F || c == 0x3000;
}

static gboolean
is_letter (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_LOWERCASE_LETTER:
    case G_UNICODE_MODIFIER_LETTER:
    case G_UNICODE_OTHER_LETTER:
    case G_UNICODE_TITLECASE_LETTER:
    case G_UNICODE_UPPERCASE_LETTER:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
is_number (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_DECIMAL_NUMBER:
    case G_UNICODE_LETTER_NUMBER:
    case G_UNICODE_OTHER_NUMBER:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
is_cased (gunichar c)
{
  GUnicodeType t = g_unichar_type (c);
  return t == G_UNICODE_UPPERCASE_LETTER || t == G_UNICODE_LOWERCASE_LETTER
         || t == G_UNICODE_TITLECASE_LETTER;
}

static gboolean
is_case_ignorable (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_NON_SPACING_MARK:
    case G_UNICODE_ENCLOSING_MARK:
    case G_UNICODE_FORMAT:
    case G_UNICODE_MODIFIER_LETTER:
    case G_UNICODE_MODIFIER_SYMBOL:
      return TRUE;
    default:
      /* Word_Break MidLetter, MidNumLet and Single_Quote */
      return c == 0x27 || c == 0x2E || c == 0x3A || c == 0xB7 || c == 0x387 || c == 0x5F4
             || c == 0x2018 || c == 0x2019 || c == 0x2024 || c == 0x2027 || c == 0xFE13
             || c == 0xFE52 || c == 0xFE55 || c == 0xFF07 || c == 0xFF0E || c == 0xFF1A;
    }
}

/* Python's str.lower(), which the reference uses. g_utf8_strdown() differs
 * in two places: it lowercases letters only (Python also maps the Roman
 * numerals Ⅰ–Ⅿ and the circled letters Ⓐ–Ⓩ), and it calls a capital
 * sigma final whenever no letter follows, where Unicode's Final_Sigma
 * (and Python) also needs a cased letter before it. */
static char *
lowercase (const char *text)
{
  glong n = 0;
  g_autofree gunichar *u = g_utf8_to_ucs4_fast (text, -1, &n);
  for (glong i = 0; i < n; i++)
    {
      gunichar c = u[i];
      if (c >= 0x2160 && c <= 0x216F)
        u[i] = c + 0x10;
      else if (c >= 0x24B6 && c <= 0x24CF)
        u[i] = c + 26;
      else if (c == 0x3A3)
        {
          glong j = i - 1;
          while (j >= 0 && is_case_ignorable (u[j]))
            j--;
          gboolean final = j >= 0 && is_cased (u[j]);
          if (final)
            {
              j = i + 1;
              while (j < n && is_case_ignorable (u[j]))
                j++;
              final = j == n || !is_cased (u[j]);
            }
          u[i] = final ? 0x3C2 : 0x3C3;
        }
    }
  g_autofree char *mapped = g_ucs4_to_utf8 (u, n, NULL, NULL, NULL);
  return g_utf8_strdown (mapped, -1);
}

static char *
clean_text (const char *text)
{
  g_autofree char *nfc = g_utf8_normalize (text, -1, G_NORMALIZE_NFC);
  GString *s = g_string_new (NULL);
  gboolean in_ws = FALSE;
  for (const char *p = nfc; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (is_ws (c))
        {
          if (!in_ws)
            g_string_append_c (s, ' ');
          in_ws = TRUE;
        }
      else
        {
          g_string_append_unichar (s, c);
          in_ws = FALSE;
        }
    }
  g_autofree char *collapsed = g_string_free (s, FALSE);
  g_strstrip (collapsed);
  return lowercase (collapsed);
}

/* Length in bytes of the pattern's match at @p (never 0 at a
 * non-whitespace character), or 0 at whitespace. */
static gsize
match_token (const char *p)
{
  static const char *const literals[] = {
    START_TOKEN, END_TOKEN, "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"
  };
  for (gsize i = 0; i < G_N_ELEMENTS (literals); i++)
    if (g_str_has_prefix (p, literals[i]))
      return strlen (literals[i]);
  gunichar c = g_utf8_get_char (p);
  const char *q = g_utf8_next_char (p);
  if (is_ws (c))
    return 0;
  if (is_letter (c))
    while (*q && is_letter (g_utf8_get_char (q)))
      q = g_utf8_next_char (q);
  else if (!is_number (c))
    while (*q)
      {
        gunichar d = g_utf8_get_char (q);
        if (is_ws (d) || is_letter (d) || is_number (d))
          break;
        q = g_utf8_next_char (q);
      }
  return (gsize) (q - p);
}

/* --- BPE ------------------------------------------------------------------ */

static gint
pair_rank (const RfBpe *bpe, const char *a, const char *b, GString *key)
{
  g_string_assign (key, a);
  g_string_append_c (key, ' ');
  g_string_append (key, b);
  return GPOINTER_TO_INT (g_hash_table_lookup (bpe->ranks, key->str)) - 1;
}

/* Appends the ids of one pre-token (raw UTF-8 bytes, @len of them). */
static void
bpe_token (const RfBpe *bpe, const guint8 *tok, gsize len, GArray *ids)
{
  GPtrArray *word = g_ptr_array_new_with_free_func (g_free);
  for (gsize i = 0; i < len; i++)
    g_ptr_array_add (word, i + 1 < len ? g_strdup (bpe->byte_sym[tok[i]])
                                       : g_strconcat (bpe->byte_sym[tok[i]], "</w>", NULL));
  GString *key = g_string_new (NULL);
  while (word->len > 1)
    {
      gint best = -1;
      guint best_at = 0;
      for (guint i = 0; i + 1 < word->len; i++)
        {
          gint r = pair_rank (bpe, word->pdata[i], word->pdata[i + 1], key);
          if (r >= 0 && (best < 0 || r < best))
            best = r, best_at = i;
        }
      if (best < 0)
        break;
      const char *first = word->pdata[best_at], *second = word->pdata[best_at + 1];
      g_autofree char *a = g_strdup (first), *b = g_strdup (second);
      GPtrArray *next = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < word->len;)
        {
          if (i + 1 < word->len && strcmp (word->pdata[i], a) == 0
              && strcmp (word->pdata[i + 1], b) == 0)
            {
              g_ptr_array_add (next, g_strconcat (a, b, NULL));
              i += 2;
            }
          else
            g_ptr_array_add (next, g_strdup (word->pdata[i++]));
        }
      g_ptr_array_unref (word);
      word = next;
    }
  for (guint i = 0; i < word->len; i++)
    {
      gint32 id = vocab_id (bpe, word->pdata[i]);
      if (id < 0)
        id = bpe->unk_id;
      g_array_append_val (ids, id);
    }
  g_string_free (key, TRUE);
  g_ptr_array_unref (word);
}

void
rf_bpe_encode (RfBpe *bpe, const char *text, GArray *ids)
{
  g_autofree char *clean = clean_text (text);
  for (const char *p = clean; *p;)
    {
      gsize n = match_token (p);
      if (n == 0)
        {
          p = g_utf8_next_char (p);
          continue;
        }
      if (n == strlen (START_TOKEN) && strncmp (p, START_TOKEN, n) == 0)
        g_array_append_val (ids, bpe->bos_id);
      else if (n == strlen (END_TOKEN) && strncmp (p, END_TOKEN, n) == 0)
        g_array_append_val (ids, bpe->eos_id);
      else
        bpe_token (bpe, (const guint8 *) p, n, ids);
      p += n;
    }
}

RfTokenizer *
rf_bpe_tokenizer_new (GHashTable *vocab, GPtrArray *merges, const char *unk_token,
                      const char *label, GError **error)
{
  RfBpe *bpe = g_new0 (RfBpe, 1);
  bpe->vocab = vocab;
  bpe->ranks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  init_byte_symbols (bpe);
  g_autoptr (RfTokenizer) tok = g_new0 (RfTokenizer, 1);
  tok->kind = RF_TOKENIZER_CLIP_BPE;
  tok->source = g_strdup (label);
  tok->bpe = bpe;

  for (guint i = 0; i < merges->len; i++)
    g_hash_table_insert (bpe->ranks, g_strdup (merges->pdata[i]), GINT_TO_POINTER ((gint) i + 1));
  g_ptr_array_unref (merges);

  GHashTableIter it;
  gpointer k, v;
  gint max_id = -1;
  g_hash_table_iter_init (&it, vocab);
  while (g_hash_table_iter_next (&it, &k, &v))
    max_id = MAX (max_id, GPOINTER_TO_INT (v) - 1);
  tok->vocab_size = (guint) (max_id + 1);
  bpe->bos_id = vocab_id (bpe, START_TOKEN);
  bpe->eos_id = vocab_id (bpe, END_TOKEN);
  bpe->unk_id = unk_token ? vocab_id (bpe, unk_token) : bpe->eos_id;
  if (bpe->unk_id < 0)
    bpe->unk_id = bpe->eos_id;
  tok->bos_id = bpe->bos_id;
  tok->eos_id = bpe->eos_id;
  tok->pad_id = bpe->eos_id;   /* FLUX's CLIPTokenizer pads with <|endoftext|> */
  if (bpe->bos_id < 0 || bpe->eos_id < 0)
    {
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
                   _("%s: the vocabulary has no %s or %s token (not a CLIP tokenizer)"),
                   label, START_TOKEN, END_TOKEN);
      return NULL;
    }
  /* every byte must be spellable, or unknown text has no ids at all */
  for (int b = 0; b < 256; b++)
    {
      g_autofree char *eow = g_strconcat (bpe->byte_sym[b], "</w>", NULL);
      if (vocab_id (bpe, bpe->byte_sym[b]) < 0 || vocab_id (bpe, eow) < 0)
        {
          g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
                       _("%s: the vocabulary lacks the byte symbol for 0x%02x (not a "
                         "byte-level CLIP vocabulary)"), label, b);
          return NULL;
        }
    }
  return g_steal_pointer (&tok);
}
