/* rf-unigram.c — SentencePiece's unigram tokenizer (T5), bit for bit.
 *
 * Follows google/sentencepiece (normalizer.cc Normalizer::Normalize and
 * NormalizePrefix, unigram_model.cc Model::EncodeOptimized,
 * sentencepiece_processor.cc PopulateSentencePieceText):
 *
 * 1. Normalization. The model carries a "precompiled charsmap": a
 *    little-endian u32 byte size, a Darts-clone double-array trie of that
 *    size, then a pool of NUL-terminated replacement strings. At each
 *    position the longest key (at most the first 32 matches) is replaced
 *    by its string; without a match one UTF-8 character is copied.
 *    User-defined pieces are copied unnormalized. Leading spaces are
 *    dropped, runs of spaces collapse, trailing spaces go
 *    (remove_extra_whitespaces), "▁" is prepended (add_dummy_prefix) and
 *    every space becomes "▁" (escape_whitespaces).
 * 2. Viterbi over the bytes of the normalized text: every piece (normal,
 *    user-defined; unused pieces are skipped) that starts at a character
 *    boundary is a lattice edge scored by its log-probability (user-
 *    defined: length·max_score − 0.1); a character no single-character
 *    piece covers gets an <unk> edge scored min_score − 10. Scores add in
 *    float and ties keep the first candidate, as the reference does.
 * 3. Runs of unknown pieces become one <unk>, or with byte fallback the
 *    pieces <0xXX> of their bytes.
 */
#include <float.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rf-tokenizer-private.h"

#define UNK_PENALTY 10.0f
#define MAX_TRIE_RESULTS 32   /* sentencepiece's kMaxTrieResultsSize */

typedef struct {
  gint32 child;     /* first child, -1 none */
  gint32 sibling;   /* next sibling, -1 none */
  gint32 value;     /* piece id ending here, -1 none */
  guint8 label;
} TrieNode;

struct _RfUnigram {
  guint n_pieces;
  float *scores;
  guint8 *types;
  GArray *nodes;            /* TrieNode; node 0 is the root */
  gint32 root_child[256];   /* direct index for the root's children */
  guint32 *darts;           /* charsmap trie units, NULL without one */
  gsize n_darts;
  char *pool;               /* replacement strings */
  gsize pool_size;
  gboolean add_dummy_prefix, remove_extra_whitespaces, escape_whitespaces, byte_fallback;
  gboolean has_user_defined;
  gint unk_id;
  gint byte_ids[256];       /* <0xXX> pieces, -1 when absent */
  float min_score, max_score;
};

static const char SPACE_SYMBOL[] = "\xe2\x96\x81";   /* U+2581 ▁ */

void
rf_unigram_free (RfUnigram *u)
{
  if (u == NULL)
    return;
  g_free (u->scores);
  g_free (u->types);
  if (u->nodes)
    g_array_unref (u->nodes);
  g_free (u->darts);
  g_free (u->pool);
  g_free (u);
}

/* --- piece trie ------------------------------------------------------ */

static gint32
trie_child (const RfUnigram *u, gint32 node, guint8 label)
{
  if (node == 0)
    return u->root_child[label];
  const TrieNode *n = &g_array_index (u->nodes, TrieNode, node);
  for (gint32 c = n->child; c >= 0;)
    {
      const TrieNode *cn = &g_array_index (u->nodes, TrieNode, c);
      if (cn->label == label)
        return c;
      c = cn->sibling;
    }
  return -1;
}

/* Returns FALSE when @piece is already in the trie. */
static gboolean
trie_insert (RfUnigram *u, const char *piece, gint32 id)
{
  gint32 node = 0;
  for (const guint8 *p = (const guint8 *) piece; *p; p++)
    {
      gint32 c = trie_child (u, node, *p);
      if (c < 0)
        {
          TrieNode nn = { -1, -1, -1, *p };
          c = (gint32) u->nodes->len;
          if (node == 0)
            u->root_child[*p] = c;
          else
            {
              TrieNode *parent = &g_array_index (u->nodes, TrieNode, node);
              nn.sibling = parent->child;
              parent->child = c;
            }
          g_array_append_val (u->nodes, nn);
        }
      node = c;
    }
  TrieNode *n = &g_array_index (u->nodes, TrieNode, node);
  if (n->value >= 0)
    return FALSE;
  n->value = id;
  return TRUE;
}

/* --- precompiled charsmap (Darts-clone double array) ------------------- */

static gboolean
charsmap_load (RfUnigram *u, const guint8 *blob, gsize size, GError **error)
{
  if (blob == NULL || size == 0)
    return TRUE;   /* identity normalization */
  guint32 trie_size;
  if (size <= 4)
    goto bad;
  memcpy (&trie_size, blob, 4);
  trie_size = GUINT32_FROM_LE (trie_size);
  if (trie_size == 0 || trie_size % 4 != 0 || trie_size > size - 4)
    goto bad;
  u->n_darts = trie_size / 4;
  u->darts = g_new (guint32, u->n_darts);
  for (gsize i = 0; i < u->n_darts; i++)
    {
      guint32 v;
      memcpy (&v, blob + 4 + 4 * i, 4);
      u->darts[i] = GUINT32_FROM_LE (v);
    }
  u->pool_size = size - 4 - trie_size;
  u->pool = g_memdup2 (blob + 4 + trie_size, u->pool_size);
  return TRUE;

bad:
  g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
               _("the normalizer's precompiled charsmap is malformed (%zu"
                 " bytes)"), size);
  return FALSE;
}

static inline guint32 darts_offset (guint32 unit) { return (unit >> 10) << ((unit & (1u << 9)) >> 6); }
static inline guint32 darts_label (guint32 unit) { return unit & ((1u << 31) | 0xFF); }
static inline gboolean darts_has_leaf (guint32 unit) { return (unit >> 8) & 1; }
static inline guint32 darts_value (guint32 unit) { return unit & ((1u << 31) - 1); }

/* Longest charsmap key at @s (among the first 32 prefixes found, as
 * sentencepiece looks); sets *@repl to its replacement. 0 when none. An
 * index outside the arrays (a hostile file) ends the search. */
static gsize
charsmap_match (const RfUnigram *u, const guint8 *s, gsize len, const char **repl)
{
  if (u->darts == NULL)
    return 0;
  gsize best = 0, n_found = 0;
  gsize pos = darts_offset (u->darts[0]);
  for (gsize i = 0; i < len; i++)
    {
      pos ^= s[i];
      if (pos >= u->n_darts)
        break;
      guint32 unit = u->darts[pos];
      if (darts_label (unit) != s[i])
        break;
      pos ^= darts_offset (unit);
      if (pos >= u->n_darts)
        break;
      if (darts_has_leaf (unit))
        {
          if (n_found++ >= MAX_TRIE_RESULTS)
            continue;
          guint32 value = darts_value (u->darts[pos]);
          if (value >= u->pool_size || memchr (u->pool + value, 0, u->pool_size - value) == NULL)
            continue;
          best = i + 1;
          *repl = u->pool + value;
        }
    }
  return best;
}

/* --- normalization ---------------------------------------------------- */

static gsize
utf8_char_len (const guint8 *s, gsize len)
{
  static const guint8 lead[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4 };
  return MIN ((gsize) lead[s[0] >> 4], len);
}

/* Longest user-defined piece at @s, 0 when none. */
static gsize
user_defined_match (const RfUnigram *u, const guint8 *s, gsize len)
{
  gsize best = 0;
  gint32 node = 0;
  for (gsize i = 0; i < len; i++)
    {
      node = trie_child (u, node, s[i]);
      if (node < 0)
        break;
      gint32 v = g_array_index (u->nodes, TrieNode, node).value;
      if (v >= 0 && u->types[v] == RF_PIECE_USER_DEFINED)
        best = i + 1;
    }
  return best;
}

/* NormalizePrefix: the normalized form of the text's first unit and how
 * many input bytes it took. */
static gsize
normalize_prefix (const RfUnigram *u, const guint8 *s, gsize len, const char **out, gsize *out_len)
{
  gsize n;
  if (u->has_user_defined && (n = user_defined_match (u, s, len)) > 0)
    {
      *out = (const char *) s;
      *out_len = n;
      return n;
    }
  const char *repl = NULL;
  n = charsmap_match (u, s, len, &repl);
  if (n > 0)
    {
      *out = repl;
      *out_len = strlen (repl);
      return n;
    }
  n = utf8_char_len (s, len);
  *out = (const char *) s;
  *out_len = n;
  return n;
}

char *
rf_unigram_normalize (RfUnigram *u, const char *text, gsize len)
{
  const guint8 *s = (const guint8 *) text;
  GString *out = g_string_sized_new (len + 16);
  const char *piece;
  gsize plen;

  if (u->remove_extra_whitespaces)
    while (len > 0)
      {
        gsize n = normalize_prefix (u, s, len, &piece, &plen);
        if (!(plen == 1 && piece[0] == ' '))
          break;
        s += n;
        len -= n;
      }
  if (len == 0)
    return g_string_free (out, FALSE);

  const char *space = u->escape_whitespaces ? SPACE_SYMBOL : " ";
  if (u->add_dummy_prefix)
    g_string_append (out, space);
  gboolean prev_space = u->remove_extra_whitespaces;
  while (len > 0)
    {
      gsize n = normalize_prefix (u, s, len, &piece, &plen);
      while (prev_space && plen > 0 && piece[0] == ' ')
        piece++, plen--;
      if (plen > 0)
        {
          for (gsize i = 0; i < plen; i++)
            {
              if (u->escape_whitespaces && piece[i] == ' ')
                g_string_append (out, SPACE_SYMBOL);
              else
                g_string_append_c (out, piece[i]);
            }
          prev_space = piece[plen - 1] == ' ';
        }
      s += n;
      len -= n;
      if (!u->remove_extra_whitespaces)
        prev_space = FALSE;
    }
  if (u->remove_extra_whitespaces)
    {
      gsize sl = strlen (space);
      while (out->len >= sl && memcmp (out->str + out->len - sl, space, sl) == 0)
        g_string_truncate (out, out->len - sl);
    }
  return g_string_free (out, FALSE);
}

/* --- Viterbi ----------------------------------------------------------- */

typedef struct {
  gint id;             /* piece id (unk for unknown) */
  float score;         /* best path score ending here */
  gint64 starts_at;    /* -1: not reached */
} BestNode;

void
rf_unigram_encode (RfUnigram *u, const char *text, gsize len, GArray *ids)
{
  g_autofree char *norm = rf_unigram_normalize (u, text, len);
  const guint8 *s = (const guint8 *) norm;
  const gsize size = strlen (norm);
  if (size == 0)
    return;

  const float unk_score = u->min_score - UNK_PENALTY;
  g_autofree BestNode *best = g_new (BestNode, size + 1);
  for (gsize i = 0; i <= size; i++)
    best[i] = (BestNode) { -1, 0.0f, -1 };

  for (gsize start = 0; start < size;)
    {
      const float here = best[start].score;
      const gsize mblen = utf8_char_len (s + start, size - start);
      gboolean has_single = FALSE;
      gint32 node = 0;
      for (gsize end = start; end < size;)
        {
          node = trie_child (u, node, s[end]);
          end++;
          if (node < 0)
            break;
          gint32 id = g_array_index (u->nodes, TrieNode, node).value;
          if (id < 0 || u->types[id] == RF_PIECE_UNUSED)
            continue;
          const gsize length = end - start;
          const float score = u->types[id] == RF_PIECE_USER_DEFINED
                              ? (float) length * u->max_score - 0.1f : u->scores[id];
          const float cand = score + here;
          if (best[end].starts_at < 0 || cand > best[end].score)
            best[end] = (BestNode) { id, cand, (gint64) start };
          if (length == mblen)
            has_single = TRUE;
        }
      if (!has_single)
        {
          const float cand = unk_score + here;
          BestNode *t = &best[start + mblen];
          if (t->starts_at < 0 || cand > t->score)
            *t = (BestNode) { u->unk_id, cand, (gint64) start };
        }
      start += mblen;
    }

  /* backtrack into (start, end, id) triples, then emit in order */
  GArray *path = g_array_new (FALSE, FALSE, sizeof (gint64) * 2);
  for (gint64 end = (gint64) size; end > 0;)
    {
      gint64 e[2] = { end, best[end].starts_at };
      g_array_append_val (path, e);
      end = best[end].starts_at;
    }
  gboolean prev_unk = FALSE;
  for (guint k = path->len; k-- > 0;)
    {
      const gint64 *e = &g_array_index (path, gint64, 2 * k);
      gint32 id = best[e[0]].id;
      gboolean is_unk = id == u->unk_id;
      if (is_unk && u->byte_fallback)
        {
          for (gint64 b = e[1]; b < e[0]; b++)
            {
              gint32 bid = u->byte_ids[s[b]];
              g_array_append_val (ids, bid);
            }
          is_unk = FALSE;
        }
      else if (!(is_unk && prev_unk))
        g_array_append_val (ids, id);
      prev_unk = is_unk;
    }
  g_array_unref (path);
}

/* --- construction ------------------------------------------------------ */

static gboolean
check_id (gint id, guint n, gboolean required, const char *what, const char *label,
          GError **error)
{
  if ((id < 0 && !required) || (id >= 0 && (guint) id < n))
    return TRUE;
  g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
               id < 0 ? _("%s: the tokenizer has no %s token")
                      : _("%s: the %s token id is out of range"), label, what);
  return FALSE;
}

RfTokenizer *
rf_unigram_tokenizer_new (const RfUnigramSpec *spec, const char *label, GError **error)
{
  g_return_val_if_fail (spec != NULL, NULL);
  const guint n = spec->n_pieces;
  if (n == 0 || n > RF_TOKENIZER_MAX_VOCAB)
    {
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
                   _("%s: %u pieces is not a usable vocabulary"), label, n);
      return NULL;
    }
  RfUnigram *u = g_new0 (RfUnigram, 1);
  u->n_pieces = n;
  u->scores = g_memdup2 (spec->scores, n * sizeof (float));
  u->types = g_memdup2 (spec->types, n);
  u->nodes = g_array_new (FALSE, FALSE, sizeof (TrieNode));
  TrieNode root = { -1, -1, -1, 0 };
  g_array_append_val (u->nodes, root);
  memset (u->root_child, 0xff, sizeof u->root_child);
  memset (u->byte_ids, 0xff, sizeof u->byte_ids);
  u->add_dummy_prefix = spec->add_dummy_prefix;
  u->remove_extra_whitespaces = spec->remove_extra_whitespaces;
  u->escape_whitespaces = spec->escape_whitespaces;
  u->byte_fallback = spec->byte_fallback;
  u->unk_id = spec->unk_id;
  u->min_score = FLT_MAX;
  u->max_score = FLT_MIN;   /* sic: sentencepiece's initial value */

  g_autoptr (RfTokenizer) tok = g_new0 (RfTokenizer, 1);
  tok->kind = RF_TOKENIZER_UNIGRAM;
  tok->source = g_strdup (label);
  tok->unigram = u;
  tok->vocab_size = n;
  tok->bos_id = spec->bos_id;
  tok->eos_id = spec->eos_id;
  tok->pad_id = spec->pad_id >= 0 ? spec->pad_id : spec->eos_id;

  if (!charsmap_load (u, spec->charsmap, spec->charsmap_size, error)
      || !check_id (spec->unk_id, n, TRUE, "<unk>", label, error)
      || !check_id (spec->eos_id, n, TRUE, "</s>", label, error)
      || !check_id (spec->pad_id, n, FALSE, "<pad>", label, error)
      || !check_id (spec->bos_id, n, FALSE, "<s>", label, error))
    return NULL;

  for (guint i = 0; i < n; i++)
    {
      const char *p = spec->pieces[i];
      const guint8 t = spec->types[i];
      gsize plen = p ? strlen (p) : 0;
      if (plen == 0 || plen > RF_TOKENIZER_MAX_PIECE_BYTES || !g_utf8_validate (p, plen, NULL)
          || t < RF_PIECE_NORMAL || t > RF_PIECE_BYTE)
        {
          g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
                       _("%s: piece %u is empty, too long, not UTF-8 or of unknown type %u"),
                       label, i, t);
          return NULL;
        }
      if (!isfinite (spec->scores[i]))
        {
          g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
                       _("%s: piece %u has a score that is not a finite number"), label, i);
          return NULL;
        }
      if (t == RF_PIECE_NORMAL)
        {
          u->min_score = MIN (u->min_score, spec->scores[i]);
          u->max_score = MAX (u->max_score, spec->scores[i]);
        }
      if (t == RF_PIECE_USER_DEFINED)
        u->has_user_defined = TRUE;
      if (t == RF_PIECE_BYTE)
        {
          unsigned b;
          char tail;
          if (plen == 6 && sscanf (p, "<0x%2X%c", &b, &tail) == 2 && tail == '>' && b < 256)
            u->byte_ids[b] = (gint) i;
          continue;
        }
      if (t == RF_PIECE_NORMAL || t == RF_PIECE_USER_DEFINED || t == RF_PIECE_UNUSED)
        if (!trie_insert (u, p, (gint32) i))
          {
            g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
                         _("%s: piece %u (\"%s\") is defined twice"), label, i, p);
            return NULL;
          }
    }
  if (u->min_score == FLT_MAX)
    u->min_score = 0.0f;   /* no normal piece: every character is unknown */
  if (u->types[u->unk_id] != RF_PIECE_UNKNOWN)
    {
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
                   _("%s: the <unk> id %d is not an unknown-type piece"), label, u->unk_id);
      return NULL;
    }
  if (u->byte_fallback)
    for (int b = 0; b < 256; b++)
      if (u->byte_ids[b] < 0)
        {
          g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
                       _("%s: byte fallback is on but the piece <0x%02X> is missing"), label, b);
          return NULL;
        }
  return g_steal_pointer (&tok);
}
