/* rf-meta.c — typed access to model-file metadata values (RfMetaValue).
 * Numeric array elements stay packed little-endian in the file; these
 * accessors decode one element at a time with memcpy (no alignment). */
#include "rf-model-file.h"

#include <string.h>

static const struct {
  const char *name;
  guint size;          /* packed element size; 0 for string/array */
} meta_types[RF_META_N_TYPES] = {
  [RF_META_U8] = { "u8", 1 },     [RF_META_I8] = { "i8", 1 },
  [RF_META_U16] = { "u16", 2 },   [RF_META_I16] = { "i16", 2 },
  [RF_META_U32] = { "u32", 4 },   [RF_META_I32] = { "i32", 4 },
  [RF_META_F32] = { "f32", 4 },   [RF_META_BOOL] = { "bool", 1 },
  [RF_META_STRING] = { "string", 0 }, [RF_META_ARRAY] = { "array", 0 },
  [RF_META_U64] = { "u64", 8 },   [RF_META_I64] = { "i64", 8 },
  [RF_META_F64] = { "f64", 8 },
};

const char *
rf_meta_type_name (RfMetaType type)
{
  if ((int) type < 0 || type >= RF_META_N_TYPES)
    return "invalid";
  return meta_types[type].name;
}

static gboolean
is_unsigned (RfMetaType t)
{
  return t == RF_META_U8 || t == RF_META_U16 || t == RF_META_U32 || t == RF_META_U64;
}

static gboolean
is_signed (RfMetaType t)
{
  return t == RF_META_I8 || t == RF_META_I16 || t == RF_META_I32 || t == RF_META_I64;
}

gboolean
rf_meta_value_get_int (const RfMetaValue *v, gint64 *out)
{
  if (v == NULL)
    return FALSE;
  if (is_signed (v->type))
    {
      *out = v->v.i;
      return TRUE;
    }
  if (is_unsigned (v->type) && v->v.u <= G_MAXINT64)
    {
      *out = (gint64) v->v.u;
      return TRUE;
    }
  return FALSE;
}

gboolean
rf_meta_value_get_float (const RfMetaValue *v, double *out)
{
  if (v == NULL || (v->type != RF_META_F32 && v->type != RF_META_F64))
    return FALSE;
  *out = v->v.f;
  return TRUE;
}

const char *
rf_meta_value_get_string (const RfMetaValue *v)
{
  return v && v->type == RF_META_STRING ? v->v.str : NULL;
}

guint64
rf_meta_array_get_length (const RfMetaValue *v)
{
  return v && v->type == RF_META_ARRAY ? v->v.arr.count : 0;
}

/* Decodes packed element @i into a scalar RfMetaValue. */
static gboolean
array_scalar (const RfMetaValue *v, guint64 i, RfMetaValue *out)
{
  if (v == NULL || v->type != RF_META_ARRAY || i >= v->v.arr.count)
    return FALSE;
  RfMetaType t = v->v.arr.elem_type;
  guint size = meta_types[t].size;
  if (size == 0)
    return FALSE;
  const guint8 *p = v->v.arr.raw + i * size;
  guint8 b[8] = { 0 };
  memcpy (b, p, size);
  out->type = t;
  switch (t)
    {
    case RF_META_U8: out->v.u = b[0]; break;
    case RF_META_I8: out->v.i = (gint8) b[0]; break;
    case RF_META_BOOL: out->v.b = b[0] != 0; break;
    case RF_META_U16: out->v.u = (guint16) (b[0] | b[1] << 8); break;
    case RF_META_I16: out->v.i = (gint16) (b[0] | b[1] << 8); break;
    case RF_META_U32:
    case RF_META_I32:
    case RF_META_F32:
      {
        guint32 u;
        memcpy (&u, b, 4);
        u = GUINT32_FROM_LE (u);
        if (t == RF_META_U32)
          out->v.u = u;
        else if (t == RF_META_I32)
          out->v.i = (gint32) u;
        else
          {
            float f;
            memcpy (&f, &u, 4);
            out->v.f = f;
          }
        break;
      }
    default:
      {
        guint64 u;
        memcpy (&u, b, 8);
        u = GUINT64_FROM_LE (u);
        if (t == RF_META_U64)
          out->v.u = u;
        else if (t == RF_META_I64)
          out->v.i = (gint64) u;
        else
          memcpy (&out->v.f, &u, 8);
        break;
      }
    }
  return TRUE;
}

gboolean
rf_meta_array_get_int (const RfMetaValue *v, guint64 i, gint64 *out)
{
  RfMetaValue e;
  return array_scalar (v, i, &e) && rf_meta_value_get_int (&e, out);
}

gboolean
rf_meta_array_get_float (const RfMetaValue *v, guint64 i, double *out)
{
  RfMetaValue e;
  return array_scalar (v, i, &e) && rf_meta_value_get_float (&e, out);
}

const char *
rf_meta_array_get_string (const RfMetaValue *v, guint64 i)
{
  if (v == NULL || v->type != RF_META_ARRAY || v->v.arr.elem_type != RF_META_STRING
      || i >= v->v.arr.count)
    return NULL;
  return v->v.arr.strv[i];
}

const RfMetaValue *
rf_meta_array_get_array (const RfMetaValue *v, guint64 i)
{
  if (v == NULL || v->type != RF_META_ARRAY || v->v.arr.elem_type != RF_META_ARRAY
      || i >= v->v.arr.count)
    return NULL;
  return &v->v.arr.items[i];
}
