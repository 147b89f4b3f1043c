/* rf-safetensors.c — safetensors reader.
 *
 * Layout (huggingface/safetensors README):
 *   u64 LE  N                    header length
 *   N bytes UTF-8 JSON           { name: {"dtype", "shape", "data_offsets": [b, e]},
 *                                  "__metadata__": {string: string} }
 *   data                         offsets are relative to byte 8 + N
 *
 * Rules enforced here (notes/models.md §6.2/6.4, performance-reliability
 * B5): N ≤ 100 MB and N ≤ size − 8; header valid UTF-8 without NUL,
 * starting with '{', nesting ≤ 8, integers ≤ 18 digits (json-glib wraps
 * larger ones silently), no duplicate keys at any level; dtype from a
 * whitelist; rank ≤ 4; dims in [0, 2^40] with a checked product;
 * 0 ≤ begin ≤ end ≤ data length and end − begin = the size the dtype
 * and shape need; no two non-empty tensors overlap. Gaps between tensors
 * are allowed (they are harmless), overlaps are not.
 */
#include "rf-model-file-private.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#define HEADER_MAX (100u * 1000u * 1000u)
#define JSON_MAX_DEPTH 8
#define JSON_MAX_DIGITS 18

#define FAIL(code, ...) \
  G_STMT_START { g_set_error (error, RF_MODEL_ERROR, code, __VA_ARGS__); return FALSE; } G_STMT_END

static const struct {
  const char *name;
  RfDType dtype;
  gboolean supported;
} st_dtypes[] = {
  { "F32", RF_DTYPE_F32, TRUE },        { "F16", RF_DTYPE_F16, TRUE },
  { "BF16", RF_DTYPE_BF16, TRUE },      { "F8_E4M3", RF_DTYPE_F8_E4M3, TRUE },
  { "F8_E5M2", RF_DTYPE_F8_E5M2, TRUE }, { "I8", RF_DTYPE_I8, TRUE },
  { "U8", RF_DTYPE_U8, TRUE },          { "I16", RF_DTYPE_I16, TRUE },
  { "I32", RF_DTYPE_I32, TRUE },        { "I64", RF_DTYPE_I64, TRUE },
  { "F64", RF_DTYPE_F64, TRUE },        { "BOOL", RF_DTYPE_BOOL, TRUE },
  /* valid safetensors dtypes we do not read */
  { "U16", 0, FALSE }, { "U32", 0, FALSE }, { "U64", 0, FALSE },
  { "F8_E8M0", 0, FALSE }, { "F4", 0, FALSE }, { "F6_E2M3", 0, FALSE },
  { "F6_E3M2", 0, FALSE }, { "C64", 0, FALSE },
};

/* The one thing json-glib cannot be told: limits. A lexical pre-scan
 * (strings and escapes skipped) bounds nesting and integer length. */
static gboolean
prescan_json (const char *s, gsize len, const char *label, GError **error)
{
  int depth = 0;
  gsize digits = 0;
  gboolean in_string = FALSE;
  for (gsize i = 0; i < len; i++)
    {
      char c = s[i];
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (g_ascii_isdigit (c))
        {
          if (++digits > JSON_MAX_DIGITS)
            FAIL (RF_MODEL_ERROR_FORMAT,
                  _("%s: a number in the header has more than %d digits"), label,
                  JSON_MAX_DIGITS);
          continue;
        }
      digits = 0;
      if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          if (++depth > JSON_MAX_DEPTH)
            FAIL (RF_MODEL_ERROR_FORMAT,
                  _("%s: the JSON header nests deeper than %d levels"), label,
                  JSON_MAX_DEPTH);
        }
      else if (c == '}' || c == ']')
        depth--;
    }
  return TRUE;
}

/* json-glib keeps the last of duplicate members silently. Count the
 * members the parser reports for the object being parsed (a stack, for
 * nesting) against what the object kept, while the object is alive. */
typedef struct {
  GArray *stack;        /* guint: members seen, per open object */
  gboolean duplicate;
} DupCheck;

static void
on_object_start (JsonParser *parser, DupCheck *dc)
{
  guint zero = 0;
  g_array_append_val (dc->stack, zero);
}

static void
on_object_member (JsonParser *parser, JsonObject *object, const char *name, DupCheck *dc)
{
  if (dc->stack->len == 0)
    return;
  guint *seen = &g_array_index (dc->stack, guint, dc->stack->len - 1);
  if (++*seen != json_object_get_size (object))
    dc->duplicate = TRUE;
}

static void
on_object_end (JsonParser *parser, JsonObject *object, DupCheck *dc)
{
  if (dc->stack->len)
    g_array_set_size (dc->stack, dc->stack->len - 1);
}

/* A non-negative JSON integer, or FALSE. */
static gboolean
node_get_uint (JsonNode *node, gint64 *out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return *out >= 0;
}

static gboolean
parse_dtype (JsonObject *entry, const char *name, RfDType *dtype,
             const char *label, GError **error)
{
  JsonNode *node = json_object_get_member (entry, "dtype");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: tensor '%s' has no \"dtype\" string"), label, name);
  const char *s = json_node_get_string (node);
  for (gsize i = 0; i < G_N_ELEMENTS (st_dtypes); i++)
    if (strcmp (s, st_dtypes[i].name) == 0)
      {
        if (!st_dtypes[i].supported)
          FAIL (RF_MODEL_ERROR_UNSUPPORTED,
                _("%s: tensor '%s' has dtype %s, which Rectify does not read"),
                label, name, s);
        *dtype = st_dtypes[i].dtype;
        return TRUE;
      }
  FAIL (RF_MODEL_ERROR_FORMAT, _("%s: tensor '%s' has an unknown dtype '%s'"), label,
        name, s);
}

static gboolean
parse_tensor (RfModelFile *mf, const char *name, JsonNode *node,
              const guint8 *buf, guint64 buf_len, guint shard, const char *label,
              GError **error)
{
  if (*name == '\0' || strlen (name) > RF_MODEL_MAX_NAME_LEN)
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: a tensor name is empty or too long"), label);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: tensor '%s' is not a JSON object"), label, name);
  JsonObject *entry = json_node_get_object (node);

  RfFileTensor t = { 0 };
  t.shard = shard;
  if (!parse_dtype (entry, name, &t.dtype, label, error))
    return FALSE;

  JsonNode *shape_node = json_object_get_member (entry, "shape");
  if (shape_node == NULL || !JSON_NODE_HOLDS_ARRAY (shape_node))
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: tensor '%s' has no \"shape\" array"), label, name);
  JsonArray *shape = json_node_get_array (shape_node);
  guint ndim = json_array_get_length (shape);
  if (ndim > RF_MODEL_MAX_DIMS)
    FAIL (RF_MODEL_ERROR_UNSUPPORTED, _("%s: tensor '%s' has %u dimensions; at most %d are supported"),
          label, name, ndim, RF_MODEL_MAX_DIMS);
  t.ndim = (int) ndim;
  for (guint d = 0; d < ndim; d++)
    if (!node_get_uint (json_array_get_element (shape, d), &t.shape[d]))
      FAIL (RF_MODEL_ERROR_FORMAT,
            _("%s: tensor '%s': shape entries must be non-negative integers"), label, name);
  if (!rf_model_tensor_nbytes (t.dtype, t.ndim, t.shape, &t.nbytes, label, name, error))
    return FALSE;

  JsonNode *off_node = json_object_get_member (entry, "data_offsets");
  gint64 begin, end;
  if (off_node == NULL || !JSON_NODE_HOLDS_ARRAY (off_node)
      || json_array_get_length (json_node_get_array (off_node)) != 2
      || !node_get_uint (json_array_get_element (json_node_get_array (off_node), 0), &begin)
      || !node_get_uint (json_array_get_element (json_node_get_array (off_node), 1), &end))
    FAIL (RF_MODEL_ERROR_FORMAT,
          _("%s: tensor '%s' needs \"data_offsets\": [begin, end] with non-negative integers"),
          label, name);
  /* compare before subtracting: no unsigned wrap-around */
  if (begin > end || (guint64) end > buf_len)
    FAIL (RF_MODEL_ERROR_FORMAT,
          _("%s: tensor '%s': data_offsets [%" PRId64 ", %" PRId64
            "] lie outside the %" PRIu64 "-byte data section"),
          label, name, begin, end, buf_len);
  if ((guint64) (end - begin) != t.nbytes)
    FAIL (RF_MODEL_ERROR_FORMAT,
          _("%s: tensor '%s': data_offsets cover %" PRId64
            " bytes but %s of this shape needs %" PRIu64),
          label, name, end - begin, rf_dtype_name (t.dtype), t.nbytes);
  t.data = buf + begin;
  t.name = g_strdup (name);
  return rf_model_file_add_tensor (mf, &t, label, error);
}

static gboolean
parse_metadata (RfModelFile *mf, JsonNode *node, const char *label, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: \"__metadata__\" is not an object"), label);
  JsonObject *obj = json_node_get_object (node);
  g_autoptr (GList) members = json_object_get_members (obj);
  for (GList *l = members; l; l = l->next)
    {
      const char *key = l->data;
      JsonNode *v = json_object_get_member (obj, key);
      if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
        FAIL (RF_MODEL_ERROR_FORMAT, _("%s: metadata value '%s' is not a string"), label, key);
      const char *s = json_node_get_string (v);
      RfMetaValue *mv = rf_model_file_alloc (mf, sizeof *mv);
      mv->type = RF_META_STRING;
      mv->v.str = rf_model_file_strndup (mf, s, strlen (s));
      if (!rf_model_file_add_metadata (mf, rf_model_file_strndup (mf, key, strlen (key)),
                                       mv, label, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
rf_safetensors_parse (RfModelFile *mf, const guint8 *data, gsize size, guint shard,
                      const char *label, GError **error)
{
  if (size < 8)
    FAIL (RF_MODEL_ERROR_FORMAT,
          _("%s: only %zu bytes; not a safetensors or GGUF file"), label, size);
  guint64 n;
  memcpy (&n, data, 8);
  n = GUINT64_FROM_LE (n);
  if (n > HEADER_MAX)
    FAIL (RF_MODEL_ERROR_FORMAT,
          _("%s: not a model file (safetensors header length %" PRIu64
            " exceeds the 100 MB limit)"), label, n);
  if (n > size - 8)
    FAIL (RF_MODEL_ERROR_FORMAT,
          _("%s: the safetensors header length %" PRIu64
            " runs past the end of the %zu-byte file (truncated?)"),
          label, n, size);
  const char *header = (const char *) data + 8;
  if (n < 2 || header[0] != '{')
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: the safetensors header does not start with '{'"), label);
  if (!g_utf8_validate_len (header, n, NULL))
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: the safetensors header is not valid UTF-8"), label);
  if (!prescan_json (header, n, label, error))
    return FALSE;

  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  DupCheck dc = { g_array_new (FALSE, FALSE, sizeof (guint)), FALSE };
  g_signal_connect (parser, "object-start", G_CALLBACK (on_object_start), &dc);
  g_signal_connect (parser, "object-member", G_CALLBACK (on_object_member), &dc);
  g_signal_connect (parser, "object-end", G_CALLBACK (on_object_end), &dc);
  GError *local = NULL;
  gboolean parsed = json_parser_load_from_data (parser, header, (gssize) n, &local);
  gboolean unique = !dc.duplicate;
  g_array_unref (dc.stack);
  if (!parsed)
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_FORMAT,
                   _("%s: the safetensors header is not valid JSON: %s"), label,
                   local->message);
      g_error_free (local);
      return FALSE;
    }
  if (!unique)
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: the JSON header has a duplicate key"), label);
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: the safetensors header is not a JSON object"), label);

  const guint8 *buf = data + 8 + n;
  guint64 buf_len = size - 8 - n;
  guint first = mf->tensors->len;
  JsonObject *obj = json_node_get_object (root);
  if (json_object_get_size (obj) > RF_MODEL_MAX_TENSORS)
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: too many tensors"), label);
  g_autoptr (GList) members = json_object_get_members (obj);
  for (GList *l = members; l; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (obj, name);
      gboolean ok;
      if (strcmp (name, "__metadata__") == 0)
        /* shards of one checkpoint repeat their metadata: keep the first */
        ok = shard > 0 || parse_metadata (mf, node, label, error);
      else
        ok = parse_tensor (mf, name, node, buf, buf_len, shard, label, error);
      if (!ok)
        return FALSE;
    }
  return rf_model_file_check_overlaps (mf, shard, first, label, error);
}
