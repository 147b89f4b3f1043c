/* rf-tokenizer-json.c — transformers' tokenizer.json (BPE for CLIP,
 * Unigram for T5) and CLIP's vocab.json + merges.txt.
 *
 * tokenizer.json, the parts read:
 *   model.type "BPE": vocab {piece: id}, merges ["a b", ...] or [["a","b"], ...],
 *     unk_token, end_of_word_suffix (must be "</w>": CLIP's BPE)
 *   model.type "Unigram": vocab [[piece, score], ...], unk_id, byte_fallback
 *   added_tokens [{id, content, special}]: special → control pieces,
 *     others → user-defined pieces (SpmConverter's mapping)
 *   normalizer: a "Precompiled" entry (alone or in a Sequence) carries
 *     SentencePiece's charsmap in base64; a Replace of " {2,}" means
 *     remove_extra_whitespaces
 *   pre_tokenizer: "Metaspace" add_prefix_space / prepend_scheme gives the
 *     dummy prefix; a "WhitespaceSplit" also means remove_extra_whitespaces
 * merges.txt: an optional "#version" header line, then "a b" per line.
 */
#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "rf-tokenizer-private.h"

static void
set_format_error (GError **error, const char *label, const char *what)
{
  g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT, _("%s: %s"), label, what);
}

static JsonObject *
member_object (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonArray *
member_array (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static const char *
member_string (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
         ? json_node_get_string (n) : NULL;
}

static gboolean
member_int (JsonObject *o, const char *name, gint64 *out)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (n);
  return TRUE;
}

static gboolean
member_bool (JsonObject *o, const char *name, gboolean dflt)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_BOOLEAN
         ? json_node_get_boolean (n) : dflt;
}

/* Calls @fn on @o and, for a Sequence, on each of its elements. */
typedef void (*VisitFunc) (JsonObject *o, gpointer data);

static void
visit_sequence (JsonObject *o, const char *list_name, VisitFunc fn, gpointer data)
{
  if (o == NULL)
    return;
  fn (o, data);
  JsonArray *a = member_array (o, list_name);
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      JsonNode *n = json_array_get_element (a, i);
      if (JSON_NODE_HOLDS_OBJECT (n))
        visit_sequence (json_node_get_object (n), list_name, fn, data);
    }
}

static JsonParser *
parse_json (const char *data, gsize size, const char *label, GError **error)
{
  JsonParser *parser = json_parser_new_immutable ();
  GError *e = NULL;
  if (size > G_MAXSSIZE || !json_parser_load_from_data (parser, data, (gssize) size, &e))
    {
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT, _("%s: not valid JSON: %s"),
                   label, e ? e->message : _("too large"));
      g_clear_error (&e);
      g_object_unref (parser);
      return NULL;
    }
  return parser;
}

/* --- BPE ------------------------------------------------------------------- */

/* {piece: id} → piece → id + 1. */
static GHashTable *
read_bpe_vocab (JsonObject *vocab, const char *label, GError **error)
{
  g_autoptr (GHashTable) h = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GList) members = json_object_get_members (vocab);
  for (GList *l = members; l; l = l->next)
    {
      JsonNode *n = json_object_get_member (vocab, l->data);
      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64
          || json_node_get_int (n) < 0 || json_node_get_int (n) >= RF_TOKENIZER_MAX_VOCAB)
        {
          g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
                       _("%s: the vocabulary entry \"%s\" has no valid id"), label,
                       (const char *) l->data);
          return NULL;
        }
      g_hash_table_insert (h, g_strdup (l->data), GINT_TO_POINTER ((gint) json_node_get_int (n) + 1));
    }
  if (g_hash_table_size (h) == 0)
    {
      set_format_error (error, label, _("the vocabulary is empty"));
      return NULL;
    }
  return g_steal_pointer (&h);
}

static gboolean
valid_merge (const char *m)
{
  const char *sp = strchr (m, ' ');
  return sp && sp != m && sp[1] != '\0' && strchr (sp + 1, ' ') == NULL;
}

static RfTokenizer *
bpe_from_json (JsonObject *model, const char *label, GError **error)
{
  const char *suffix = member_string (model, "end_of_word_suffix");
  if (suffix == NULL || strcmp (suffix, "</w>") != 0)
    {
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_UNSUPPORTED,
                   _("%s: a BPE tokenizer without CLIP's \"</w>\" end-of-word suffix "
                     "(only CLIP's BPE is supported)"), label);
      return NULL;
    }
  JsonObject *vocab = member_object (model, "vocab");
  JsonArray *merges = member_array (model, "merges");
  if (vocab == NULL || merges == NULL)
    {
      set_format_error (error, label, _("model.vocab or model.merges is missing"));
      return NULL;
    }
  GHashTable *h = read_bpe_vocab (vocab, label, error);
  if (h == NULL)
    return NULL;
  GPtrArray *m = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (merges); i++)
    {
      JsonNode *n = json_array_get_element (merges, i);
      char *merge = NULL;
      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
        merge = g_strdup (json_node_get_string (n));
      else if (JSON_NODE_HOLDS_ARRAY (n) && json_array_get_length (json_node_get_array (n)) == 2)
        {
          JsonArray *pair = json_node_get_array (n);
          const char *a = json_array_get_string_element (pair, 0);
          const char *b = json_array_get_string_element (pair, 1);
          if (a && b)
            merge = g_strconcat (a, " ", b, NULL);
        }
      if (merge == NULL || !valid_merge (merge))
        {
          g_free (merge);
          g_ptr_array_unref (m);
          g_hash_table_unref (h);
          g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
                       _("%s: merge %u is not a pair of symbols"), label, i);
          return NULL;
        }
      g_ptr_array_add (m, merge);
    }
  return rf_bpe_tokenizer_new (h, m, member_string (model, "unk_token"), label, error);
}

RfTokenizer *
rf_tokenizer_new_from_bpe_files (const char *vocab_json, gsize vocab_size,
                                 const char *merges_txt, gsize merges_size,
                                 const char *label, GError **error)
{
  g_autoptr (JsonParser) parser = parse_json (vocab_json, vocab_size, label, error);
  if (parser == NULL)
    return NULL;
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      set_format_error (error, label, _("vocab.json is not a JSON object"));
      return NULL;
    }
  if (!g_utf8_validate_len (merges_txt, merges_size, NULL))
    {
      set_format_error (error, label, _("merges.txt is not UTF-8 text"));
      return NULL;
    }
  GHashTable *h = read_bpe_vocab (json_node_get_object (root), label, error);
  if (h == NULL)
    return NULL;
  g_autofree char *text = g_strndup (merges_txt, merges_size);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *m = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; lines[i]; i++)
    {
      char *ln = lines[i];
      gsize n = strlen (ln);
      if (n > 0 && ln[n - 1] == '\r')
        ln[n - 1] = '\0';
      if (ln[0] == '\0' || (i == 0 && ln[0] == '#'))
        continue;
      if (!valid_merge (ln))
        {
          g_ptr_array_unref (m);
          g_hash_table_unref (h);
          g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
                       _("%s: merges.txt line %u is not two symbols separated by a space"),
                       label, i + 1);
          return NULL;
        }
      g_ptr_array_add (m, g_strdup (ln));
    }
  return rf_bpe_tokenizer_new (h, m, "<|endoftext|>", label, error);
}

/* --- Unigram ---------------------------------------------------------------- */

typedef struct {
  const char *charsmap_b64;
  gboolean replace_spaces;   /* Replace " {2,}" → " " */
  gboolean whitespace_split;
  gboolean has_metaspace, metaspace_prefix;
} JsonNormInfo;

static void
visit_normalizer (JsonObject *o, gpointer data)
{
  JsonNormInfo *info = data;
  const char *type = member_string (o, "type");
  if (type == NULL)
    return;
  if (strcmp (type, "Precompiled") == 0)
    info->charsmap_b64 = member_string (o, "precompiled_charsmap");
  else if (strcmp (type, "Replace") == 0)
    {
      const char *re = member_string (member_object (o, "pattern"), "Regex");
      const char *content = member_string (o, "content");
      if (re && content && strcmp (re, " {2,}") == 0 && strcmp (content, " ") == 0)
        info->replace_spaces = TRUE;
    }
}

static void
visit_pre_tokenizer (JsonObject *o, gpointer data)
{
  JsonNormInfo *info = data;
  const char *type = member_string (o, "type");
  if (type == NULL)
    return;
  if (strcmp (type, "WhitespaceSplit") == 0)
    info->whitespace_split = TRUE;
  else if (strcmp (type, "Metaspace") == 0)
    {
      const char *scheme = member_string (o, "prepend_scheme");
      info->has_metaspace = TRUE;
      info->metaspace_prefix = scheme ? strcmp (scheme, "never") != 0
                                      : member_bool (o, "add_prefix_space", TRUE);
    }
}

static RfTokenizer *
unigram_from_json (JsonObject *root, JsonObject *model, const char *label, GError **error)
{
  JsonArray *vocab = member_array (model, "vocab");
  guint n = vocab ? json_array_get_length (vocab) : 0;
  if (n == 0 || n > RF_TOKENIZER_MAX_VOCAB)
    {
      set_format_error (error, label, _("model.vocab must be a non-empty array"));
      return NULL;
    }
  g_autofree char **pieces = g_new0 (char *, n + 1);
  g_autofree float *scores = g_new (float, n);
  g_autofree guint8 *types = g_new (guint8, n);
  gboolean byte_fallback = member_bool (model, "byte_fallback", FALSE);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (vocab, i);
      JsonArray *pair = JSON_NODE_HOLDS_ARRAY (e) ? json_node_get_array (e) : NULL;
      JsonNode *p = pair && json_array_get_length (pair) == 2 ? json_array_get_element (pair, 0) : NULL;
      JsonNode *s = p ? json_array_get_element (pair, 1) : NULL;
      if (p == NULL || !JSON_NODE_HOLDS_VALUE (p) || json_node_get_value_type (p) != G_TYPE_STRING
          || !JSON_NODE_HOLDS_VALUE (s)
          || (json_node_get_value_type (s) != G_TYPE_DOUBLE
              && json_node_get_value_type (s) != G_TYPE_INT64))
        {
          g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
                       _("%s: model.vocab entry %u is not [piece, score]"), label, i);
          return NULL;
        }
      pieces[i] = (char *) json_node_get_string (p);
      scores[i] = (float) json_node_get_double (s);
      unsigned b;
      char tail;
      types[i] = byte_fallback && strlen (pieces[i]) == 6
                 && sscanf (pieces[i], "<0x%2X%c", &b, &tail) == 2 && tail == '>'
                 ? RF_PIECE_BYTE : RF_PIECE_NORMAL;
    }
  gint64 unk = -1;
  member_int (model, "unk_id", &unk);
  JsonArray *added = member_array (root, "added_tokens");
  for (guint i = 0; added && i < json_array_get_length (added); i++)
    {
      JsonNode *e = json_array_get_element (added, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
      gint64 id;
      if (o && member_int (o, "id", &id) && id >= 0 && id < n)
        types[id] = member_bool (o, "special", FALSE) ? RF_PIECE_CONTROL : RF_PIECE_USER_DEFINED;
    }
  if (unk >= 0 && unk < n)
    types[unk] = RF_PIECE_UNKNOWN;

  JsonNormInfo info = { 0 };
  visit_sequence (member_object (root, "normalizer"), "normalizers", visit_normalizer, &info);
  visit_sequence (member_object (root, "pre_tokenizer"), "pretokenizers", visit_pre_tokenizer, &info);
  g_autofree guchar *charsmap = NULL;
  gsize charsmap_size = 0;
  if (info.charsmap_b64)
    charsmap = g_base64_decode (info.charsmap_b64, &charsmap_size);

  RfUnigramSpec spec = {
    .n_pieces = n,
    .pieces = pieces,
    .scores = scores,
    .types = types,
    .charsmap = charsmap,
    .charsmap_size = charsmap_size,
    .add_dummy_prefix = info.has_metaspace && info.metaspace_prefix,
    .remove_extra_whitespaces = info.replace_spaces || info.whitespace_split,
    .escape_whitespaces = TRUE,
    .byte_fallback = byte_fallback,
    .unk_id = (gint) (unk >= 0 && unk < n ? unk : -1),
    .eos_id = -1, .pad_id = -1, .bos_id = -1,
  };
  for (guint i = 0; i < n; i++)
    if (types[i] == RF_PIECE_CONTROL)
      {
        if (strcmp (pieces[i], "</s>") == 0 && spec.eos_id < 0)
          spec.eos_id = (gint) i;
        else if (strcmp (pieces[i], "<pad>") == 0 && spec.pad_id < 0)
          spec.pad_id = (gint) i;
        else if (strcmp (pieces[i], "<s>") == 0 && spec.bos_id < 0)
          spec.bos_id = (gint) i;
      }
  return rf_unigram_tokenizer_new (&spec, label, error);
}

RfTokenizer *
rf_tokenizer_new_from_json (const char *data, gsize size, const char *label, GError **error)
{
  g_autoptr (JsonParser) parser = parse_json (data, size, label, error);
  if (parser == NULL)
    return NULL;
  JsonNode *root = json_parser_get_root (parser);
  JsonObject *obj = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  JsonObject *model = member_object (obj, "model");
  const char *type = member_string (model, "type");
  if (type == NULL)
    {
      set_format_error (error, label, _("not a tokenizer.json (no model.type)"));
      return NULL;
    }
  if (strcmp (type, "BPE") == 0)
    return bpe_from_json (model, label, error);
  if (strcmp (type, "Unigram") == 0)
    return unigram_from_json (obj, model, label, error);
  g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_UNSUPPORTED,
               _("%s: tokenizer model \"%s\" is not supported (BPE for CLIP, Unigram for T5)"),
               label, type);
  return NULL;
}
