/* rf-gguf.c — GGUF v2/v3 reader (ggml-org/ggml docs/gguf.md).
 *
 * Layout, all little-endian:
 *   u32 magic "GGUF", u32 version (2 or 3), u64 n_tensors, u64 n_kv
 *   n_kv × { string key, u32 type, value }
 *   n_tensors × { string name, u32 n_dims, u64 dims[n_dims], u32 ggml_type,
 *                 u64 offset }
 *   padding to `general.alignment` (u32, default 32), then tensor data;
 *   each offset is relative to the data start and a multiple of the
 *   alignment.
 *   string = u64 length + bytes (no NUL); array = u32 elem type, u64 count,
 *   elements (arrays may nest).
 * dims[0] is the fastest-varying dimension (ggml ne[0]); we present
 * shapes reversed, in PyTorch order.
 *
 * Every count and length is checked against the bytes that remain before
 * anything is allocated: an element takes at least its minimum encoded
 * size, so a count larger than remaining / min_size is a lie. Nesting is
 * limited, strings must be UTF-8 without NUL, bools 0 or 1, keys and
 * tensor names unique, the alignment a power of two in [8, 64 KiB], every
 * dimension in [1, 2^40] with a checked product, and every tensor inside
 * the file without overlapping another (the CVE list in
 * notes/models.md §6.3 is the test plan).
 */
#include "rf-model-file-private.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#define GGUF_MAX_KV           (1u << 20)
#define GGUF_MAX_KEY_LEN      65535
#define GGUF_MAX_STRING_LEN   (64u << 20)
#define GGUF_MAX_ARRAY_DEPTH  4
#define GGUF_DEFAULT_ALIGN    32
#define GGUF_MAX_ALIGN        65536

#define FAIL(code, ...) \
  G_STMT_START { g_set_error (error, RF_MODEL_ERROR, code, __VA_ARGS__); return FALSE; } G_STMT_END

typedef struct {
  const guint8 *data;
  gsize size;
  gsize pos;
  const char *label;
  RfModelFile *mf;
} Reader;

static gsize
remaining (const Reader *r)
{
  return r->size - r->pos;
}

static gboolean
need (Reader *r, gsize n, const char *what, GError **error)
{
  if (n > remaining (r))
    FAIL (RF_MODEL_ERROR_FORMAT,
          _("%s: truncated: %s at byte %zu runs past the end of the file"),
          r->label, what, r->pos);
  return TRUE;
}

static gboolean
read_bytes (Reader *r, void *out, gsize n, const char *what, GError **error)
{
  if (!need (r, n, what, error))
    return FALSE;
  memcpy (out, r->data + r->pos, n);
  r->pos += n;
  return TRUE;
}

static gboolean
read_u32 (Reader *r, guint32 *v, const char *what, GError **error)
{
  if (!read_bytes (r, v, 4, what, error))
    return FALSE;
  *v = GUINT32_FROM_LE (*v);
  return TRUE;
}

static gboolean
read_u64 (Reader *r, guint64 *v, const char *what, GError **error)
{
  if (!read_bytes (r, v, 8, what, error))
    return FALSE;
  *v = GUINT64_FROM_LE (*v);
  return TRUE;
}

/* A string as a pointer into the file; validated UTF-8 without NUL. */
static gboolean
read_string (Reader *r, gsize max_len, const char **s, gsize *len, const char *what,
             GError **error)
{
  guint64 n;
  if (!read_u64 (r, &n, what, error))
    return FALSE;
  if (n > max_len)
    FAIL (RF_MODEL_ERROR_FORMAT,
          _("%s: %s at byte %zu claims %" PRIu64
            " bytes (limit %zu)"), r->label, what, r->pos - 8, n, max_len);
  if (!need (r, n, what, error))
    return FALSE;
  *s = (const char *) r->data + r->pos;
  if (!g_utf8_validate_len (*s, n, NULL))
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: %s at byte %zu is not valid UTF-8"),
          r->label, what, r->pos);
  *len = n;
  r->pos += n;
  return TRUE;
}

static const guint type_size[RF_META_N_TYPES] = {
  [RF_META_U8] = 1, [RF_META_I8] = 1, [RF_META_U16] = 2, [RF_META_I16] = 2,
  [RF_META_U32] = 4, [RF_META_I32] = 4, [RF_META_F32] = 4, [RF_META_BOOL] = 1,
  [RF_META_STRING] = 0, [RF_META_ARRAY] = 0,
  [RF_META_U64] = 8, [RF_META_I64] = 8, [RF_META_F64] = 8,
};

/* Smallest encoding of one element: a string is at least its u64 length.
 * An array is at least its type and count (12 bytes), but each decoded
 * one costs an RfMetaValue, so arrays of arrays are bounded by that
 * instead: memory stays within the size of the file. */
static gsize
min_encoded_size (RfMetaType t)
{
  return t == RF_META_STRING ? 8 : t == RF_META_ARRAY ? sizeof (RfMetaValue) : type_size[t];
}

static gboolean read_value (Reader *r, RfMetaType type, RfMetaValue *out, int depth,
                            GError **error);

static gboolean
read_scalar (Reader *r, RfMetaType type, RfMetaValue *out, GError **error)
{
  guint8 b[8] = { 0 };
  guint n = type_size[type];
  if (!read_bytes (r, b, n, _("a metadata value"), error))
    return FALSE;
  guint64 u = 0;
  for (guint i = 0; i < n; i++)
    u |= (guint64) b[i] << (8 * i);
  out->type = type;
  switch (type)
    {
    case RF_META_U8: case RF_META_U16: case RF_META_U32: case RF_META_U64:
      out->v.u = u;
      break;
    case RF_META_I8: out->v.i = (gint8) u; break;
    case RF_META_I16: out->v.i = (gint16) u; break;
    case RF_META_I32: out->v.i = (gint32) u; break;
    case RF_META_I64: out->v.i = (gint64) u; break;
    case RF_META_F32:
      {
        guint32 u32 = (guint32) u;
        float f;
        memcpy (&f, &u32, 4);
        out->v.f = f;
        break;
      }
    case RF_META_F64:
      memcpy (&out->v.f, &u, 8);
      break;
    case RF_META_BOOL:
      if (u > 1)
        FAIL (RF_MODEL_ERROR_FORMAT, _("%s: a bool at byte %zu is %u, not 0 or 1"),
              r->label, r->pos - 1, (guint) u);
      out->v.b = u != 0;
      break;
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

static gboolean
read_array (Reader *r, RfMetaValue *out, int depth, GError **error)
{
  guint32 elem;
  guint64 count;
  if (depth >= GGUF_MAX_ARRAY_DEPTH)
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: metadata arrays nest deeper than %d levels"),
          r->label, GGUF_MAX_ARRAY_DEPTH);
  if (!read_u32 (r, &elem, _("an array type"), error)
      || !read_u64 (r, &count, _("an array length"), error))
    return FALSE;
  if (elem >= RF_META_N_TYPES)
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: an array at byte %zu"
                                   " has unknown element type %u"), r->label, r->pos - 12, elem);
  if (count > remaining (r) / min_encoded_size (elem))
    FAIL (RF_MODEL_ERROR_FORMAT,
          _("%s: an array at byte %zu claims %" PRIu64
            " elements, more than the rest of the file can hold"),
          r->label, r->pos - 12, count);
  out->type = RF_META_ARRAY;
  out->v.arr.elem_type = elem;
  out->v.arr.count = count;
  out->v.arr.raw = r->data + r->pos;
  if (elem == RF_META_STRING)
    {
      /* one pointer per element (8 bytes) for at least 8 bytes of file */
      const char **strv = rf_model_file_alloc (r->mf, (count + 1) * sizeof (char *));
      for (guint64 i = 0; i < count; i++)
        {
          const char *s;
          gsize len;
          if (!read_string (r, GGUF_MAX_STRING_LEN, &s, &len, _("a string in an array"), error))
            return FALSE;
          strv[i] = rf_model_file_strndup (r->mf, s, len);
        }
      out->v.arr.strv = strv;
    }
  else if (elem == RF_META_ARRAY)
    {
      RfMetaValue *items = rf_model_file_alloc (r->mf, count * sizeof (RfMetaValue));
      for (guint64 i = 0; i < count; i++)
        if (!read_value (r, RF_META_ARRAY, &items[i], depth + 1, error))
          return FALSE;
      out->v.arr.items = items;
    }
  else
    {
      gsize bytes = count * type_size[elem]; /* ≤ remaining, checked above */
      if (elem == RF_META_BOOL)
        for (gsize i = 0; i < bytes; i++)
          if (r->data[r->pos + i] > 1)
            FAIL (RF_MODEL_ERROR_FORMAT, _("%s: a bool at byte %zu"
                                           " is not 0 or 1"), r->label, r->pos + i);
      r->pos += bytes;
    }
  return TRUE;
}

static gboolean
read_value (Reader *r, RfMetaType type, RfMetaValue *out, int depth, GError **error)
{
  if (type == RF_META_STRING)
    {
      const char *s;
      gsize len;
      if (!read_string (r, GGUF_MAX_STRING_LEN, &s, &len, _("a string value"), error))
        return FALSE;
      out->type = RF_META_STRING;
      out->v.str = rf_model_file_strndup (r->mf, s, len);
      return TRUE;
    }
  if (type == RF_META_ARRAY)
    return read_array (r, out, depth, error);
  return read_scalar (r, type, out, error);
}

/* ggml type ids (ggml.h enum ggml_type) */
static gboolean
map_ggml_type (guint32 id, RfDType *out, const char **unsupported_name)
{
  static const struct { guint32 id; RfDType dtype; } map[] = {
    { 0, RF_DTYPE_F32 },  { 1, RF_DTYPE_F16 },   { 2, RF_DTYPE_Q4_0 },
    { 3, RF_DTYPE_Q4_1 }, { 6, RF_DTYPE_Q5_0 },  { 7, RF_DTYPE_Q5_1 },
    { 8, RF_DTYPE_Q8_0 }, { 12, RF_DTYPE_Q4_K }, { 13, RF_DTYPE_Q5_K },
    { 14, RF_DTYPE_Q6_K }, { 24, RF_DTYPE_I8 },  { 25, RF_DTYPE_I16 },
    { 26, RF_DTYPE_I32 }, { 27, RF_DTYPE_I64 },  { 28, RF_DTYPE_F64 },
    { 30, RF_DTYPE_BF16 },
  };
  static const char *known[40] = {
    [9] = "Q8_1", [10] = "Q2_K", [11] = "Q3_K", [15] = "Q8_K", [16] = "IQ2_XXS",
    [17] = "IQ2_XS", [18] = "IQ3_XXS", [19] = "IQ1_S", [20] = "IQ4_NL",
    [21] = "IQ3_S", [22] = "IQ2_S", [23] = "IQ4_XS", [29] = "IQ1_M",
    [34] = "TQ1_0", [35] = "TQ2_0", [39] = "MXFP4",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
    if (map[i].id == id)
      {
        *out = map[i].dtype;
        return TRUE;
      }
  *unsupported_name = id < G_N_ELEMENTS (known) ? known[id] : NULL;
  return FALSE;
}

static gboolean
read_header_kvs (Reader *r, guint64 n_kv, GError **error)
{
  for (guint64 k = 0; k < n_kv; k++)
    {
      const char *key;
      gsize key_len;
      guint32 type;
      if (!read_string (r, GGUF_MAX_KEY_LEN, &key, &key_len, _("a metadata key"), error))
        return FALSE;
      if (key_len == 0)
        FAIL (RF_MODEL_ERROR_FORMAT, _("%s: an empty metadata key at byte %zu"),
              r->label, r->pos);
      char *k_copy = rf_model_file_strndup (r->mf, key, key_len);
      if (!read_u32 (r, &type, _("a metadata type"), error))
        return FALSE;
      if (type >= RF_META_N_TYPES)
        FAIL (RF_MODEL_ERROR_FORMAT, _("%s: metadata '%s' has unknown type %u"),
              r->label, k_copy, type);
      RfMetaValue *v = rf_model_file_alloc (r->mf, sizeof *v);
      if (!read_value (r, type, v, 0, error)
          || !rf_model_file_add_metadata (r->mf, k_copy, v, r->label, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
get_alignment (Reader *r, guint64 *align, GError **error)
{
  const RfMetaValue *v = rf_model_file_get_metadata (r->mf, "general.alignment");
  *align = GGUF_DEFAULT_ALIGN;
  if (v == NULL)
    return TRUE;
  if (v->type != RF_META_U32)
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: general.alignment must be a u32, not %s"),
          r->label, rf_meta_type_name (v->type));
  *align = v->v.u;
  if (*align < 8 || *align > GGUF_MAX_ALIGN || (*align & (*align - 1)) != 0)
    FAIL (RF_MODEL_ERROR_FORMAT,
          _("%s: general.alignment %" PRIu64
            " is not a power of two between 8 and 65536"), r->label, *align);
  return TRUE;
}

static gboolean
read_tensor_info (Reader *r, RfFileTensor *t, guint64 *offset, GError **error)
{
  const char *name;
  gsize name_len;
  guint32 n_dims, type;
  if (!read_string (r, RF_MODEL_MAX_NAME_LEN, &name, &name_len, _("a tensor name"), error))
    return FALSE;
  if (name_len == 0)
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: an empty tensor name at byte %zu"),
          r->label, r->pos);
  g_autofree char *n = g_strndup (name, name_len);
  if (!read_u32 (r, &n_dims, _("a tensor's dimension count"), error))
    return FALSE;
  if (n_dims < 1 || n_dims > RF_MODEL_MAX_DIMS)
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: tensor '%s' has %u dimensions (1 to %d allowed)"),
          r->label, n, n_dims, RF_MODEL_MAX_DIMS);
  t->ndim = (int) n_dims;
  for (guint d = 0; d < n_dims; d++)
    {
      guint64 ne;
      if (!read_u64 (r, &ne, _("a tensor dimension"), error))
        return FALSE;
      if (ne == 0 || ne > (guint64) RF_MODEL_MAX_DIM)
        FAIL (RF_MODEL_ERROR_FORMAT,
              _("%s: tensor '%s': dimension %u is %" PRIu64 ", outside [1, 2^40]"),
              r->label, n, d, ne);
      t->shape[n_dims - 1 - d] = (gint64) ne;   /* ne[0] is innermost */
    }
  if (!read_u32 (r, &type, _("a tensor type"), error))
    return FALSE;
  const char *unsupported = NULL;
  if (!map_ggml_type (type, &t->dtype, &unsupported))
    {
      if (unsupported)
        FAIL (RF_MODEL_ERROR_UNSUPPORTED,
              _("%s: tensor '%s' uses ggml type %s, which Rectify does not read"),
              r->label, n, unsupported);
      FAIL (RF_MODEL_ERROR_FORMAT, _("%s: tensor '%s' has unknown ggml type %u"),
            r->label, n, type);
    }
  if (!rf_model_tensor_nbytes (t->dtype, t->ndim, t->shape, &t->nbytes, r->label, n, error))
    return FALSE;
  if (!read_u64 (r, offset, _("a tensor offset"), error))
    return FALSE;
  t->name = g_steal_pointer (&n);
  return TRUE;
}

gboolean
rf_gguf_parse (RfModelFile *mf, const guint8 *data, gsize size, const char *label,
               GError **error)
{
  Reader r = { data, size, 0, label, mf };
  guint32 magic, version;
  guint64 n_tensors, n_kv;

  if (!read_u32 (&r, &magic, _("the GGUF magic"), error)
      || !read_u32 (&r, &version, _("the GGUF version"), error))
    return FALSE;
  if (magic != 0x46554747u)
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: not a GGUF file"), label);
  if (version == 1)
    FAIL (RF_MODEL_ERROR_UNSUPPORTED, _("%s: GGUF version 1 is not supported (convert to v3)"),
          label);
  if (version != 2 && version != 3)
    {
      if (GUINT32_SWAP_LE_BE (version) == 2 || GUINT32_SWAP_LE_BE (version) == 3)
        FAIL (RF_MODEL_ERROR_UNSUPPORTED, _("%s: big-endian GGUF files are not supported"), label);
      FAIL (RF_MODEL_ERROR_UNSUPPORTED, _("%s: unknown GGUF version %u"), label, version);
    }
  if (!read_u64 (&r, &n_tensors, _("the tensor count"), error)
      || !read_u64 (&r, &n_kv, _("the metadata count"), error))
    return FALSE;
  /* a key/value takes ≥ 8+1+4+1 bytes, a tensor info ≥ 8+1+4+8+4+8 */
  if (n_kv > GGUF_MAX_KV || n_kv > remaining (&r) / 14)
    FAIL (RF_MODEL_ERROR_FORMAT,
          _("%s: the header claims %" PRIu64 " metadata entries, more than the file can hold"),
          label, n_kv);
  if (n_tensors > RF_MODEL_MAX_TENSORS || n_tensors > remaining (&r) / 33)
    FAIL (RF_MODEL_ERROR_FORMAT,
          _("%s: the header claims %" PRIu64 " tensors, more than the file can hold"),
          label, n_tensors);
  if (!read_header_kvs (&r, n_kv, error))
    return FALSE;

  guint64 align;
  if (!get_alignment (&r, &align, error))
    return FALSE;

  g_autofree guint64 *offsets = g_new (guint64, n_tensors ? n_tensors : 1);
  guint first = mf->tensors->len;
  for (guint64 i = 0; i < n_tensors; i++)
    {
      RfFileTensor t = { 0 };
      if (!read_tensor_info (&r, &t, &offsets[i], error))
        return FALSE;
      if (offsets[i] % align != 0)
        {
          g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_FORMAT,
                       _("%s: tensor '%s': offset %" PRIu64
                         " is not a multiple of the alignment %" PRIu64),
                       label, t.name, offsets[i], align);
          g_free (t.name);
          return FALSE;
        }
      if (!rf_model_file_add_tensor (mf, &t, label, error))
        return FALSE;
    }

  /* r.pos ≤ size, align ≤ 64 KiB: no overflow */
  guint64 data_start = (r.pos + align - 1) / align * align;
  if (n_tensors > 0 && data_start > size)
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: truncated: the tensor data section is missing"), label);
  guint64 data_len = data_start <= size ? size - data_start : 0;
  for (guint64 i = 0; i < n_tensors; i++)
    {
      RfFileTensor *t = &g_array_index (mf->tensors, RfFileTensor, first + i);
      if (offsets[i] > data_len || t->nbytes > data_len - offsets[i])
        FAIL (RF_MODEL_ERROR_FORMAT,
              _("%s: tensor '%s': %" PRIu64 " bytes at offset %" PRIu64
                " run past the end of the %" PRIu64 "-byte data section (truncated?)"),
              label, t->name, t->nbytes, offsets[i], data_len);
      t->data = data + data_start + offsets[i];
    }
  return rf_model_file_check_overlaps (mf, 0, first, label, error);
}
