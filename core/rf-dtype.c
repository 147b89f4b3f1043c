/* rf-dtype.c — dtype table and scalar float conversions. */
#include "rf-dtype.h"

#include <math.h>
#include <string.h>

static const RfDTypeInfo dtype_table[RF_DTYPE_COUNT] = {
  [RF_DTYPE_F32]     = { "f32",     1,   4, TRUE,  FALSE },
  [RF_DTYPE_F16]     = { "f16",     1,   2, TRUE,  FALSE },
  [RF_DTYPE_BF16]    = { "bf16",    1,   2, TRUE,  FALSE },
  [RF_DTYPE_F8_E4M3] = { "f8_e4m3", 1,   1, TRUE,  FALSE },
  [RF_DTYPE_F8_E5M2] = { "f8_e5m2", 1,   1, TRUE,  FALSE },
  [RF_DTYPE_I8]      = { "i8",      1,   1, FALSE, FALSE },
  [RF_DTYPE_U8]      = { "u8",      1,   1, FALSE, FALSE },
  [RF_DTYPE_I16]     = { "i16",     1,   2, FALSE, FALSE },
  [RF_DTYPE_I32]     = { "i32",     1,   4, FALSE, FALSE },
  [RF_DTYPE_I64]     = { "i64",     1,   8, FALSE, FALSE },
  [RF_DTYPE_F64]     = { "f64",     1,   8, TRUE,  FALSE },
  [RF_DTYPE_BOOL]    = { "bool",    1,   1, FALSE, FALSE },
  /* block sizes: ggml-common.h (QK8_0 = 32, QK_K = 256) */
  [RF_DTYPE_Q8_0]    = { "q8_0",   32,  34, TRUE,  TRUE },
  [RF_DTYPE_Q4_0]    = { "q4_0",   32,  18, TRUE,  TRUE },
  [RF_DTYPE_Q4_1]    = { "q4_1",   32,  20, TRUE,  TRUE },
  [RF_DTYPE_Q5_0]    = { "q5_0",   32,  22, TRUE,  TRUE },
  [RF_DTYPE_Q5_1]    = { "q5_1",   32,  24, TRUE,  TRUE },
  [RF_DTYPE_Q4_K]    = { "q4_k",  256, 144, TRUE,  TRUE },
  [RF_DTYPE_Q5_K]    = { "q5_k",  256, 176, TRUE,  TRUE },
  [RF_DTYPE_Q6_K]    = { "q6_k",  256, 210, TRUE,  TRUE },
};

const RfDTypeInfo *
rf_dtype_info (RfDType dtype)
{
  if ((int) dtype < 0 || dtype >= RF_DTYPE_COUNT)
    return NULL;
  return &dtype_table[dtype];
}

const char *
rf_dtype_name (RfDType dtype)
{
  const RfDTypeInfo *info = rf_dtype_info (dtype);
  return info ? info->name : "invalid";
}

gboolean
rf_dtype_from_name (const char *name, RfDType *out)
{
  for (int i = 0; i < RF_DTYPE_COUNT; i++)
    if (g_ascii_strcasecmp (name, dtype_table[i].name) == 0)
      {
        *out = (RfDType) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
rf_dtype_bytes_for (RfDType dtype, guint64 n_elems, guint64 *out_bytes)
{
  const RfDTypeInfo *info = rf_dtype_info (dtype);
  if (info == NULL || n_elems % info->block_elems != 0)
    return FALSE;
  guint64 blocks = n_elems / info->block_elems;
  if (blocks != 0 && info->block_bytes > G_MAXUINT64 / blocks)
    return FALSE;
  *out_bytes = blocks * info->block_bytes;
  return TRUE;
}

static inline guint32
f32_bits (float f)
{
  guint32 u;
  memcpy (&u, &f, 4);
  return u;
}

static inline float
bits_f32 (guint32 u)
{
  float f;
  memcpy (&f, &u, 4);
  return f;
}

float
rf_f16_to_f32 (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exp = (h >> 10) & 0x1f;
  guint32 mant = h & 0x3ff;
  if (exp == 0)
    {
      /* zero or subnormal: mant * 2^-24 is exact in f32 */
      float v = (float) mant * 0x1p-24f;
      return sign ? -v : v;
    }
  if (exp == 31)
    return bits_f32 (sign | 0x7f800000u | (mant << 13));
  return bits_f32 (sign | ((exp + 112) << 23) | (mant << 13));
}

guint16
rf_f32_to_f16 (float f)
{
  guint32 u = f32_bits (f);
  guint16 sign = (u >> 16) & 0x8000;
  guint32 au = u & 0x7fffffffu;
  if (au >= 0x7f800000u) /* inf or nan; keep nan quiet */
    return sign | 0x7c00 | (au > 0x7f800000u ? 0x200 : 0);
  if (au >= 0x477ff000u) /* rounds to >= 65520: overflow to inf */
    return sign | 0x7c00;
  if (au < 0x38800000u)
    {
      /* result is subnormal or zero: let the FPU round a scaled value */
      float a = bits_f32 (au);
      float scaled = a * 0x1p24f; /* in units of the f16 subnormal step */
      guint32 m = (guint32) nearbyintf (scaled);
      return sign | (guint16) m;
    }
  guint32 mant = au & 0x7fffff;
  guint32 exp = (au >> 23) - 112;
  guint32 h = (exp << 10) | (mant >> 13);
  guint32 rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
    h++; /* carry into the exponent is the correct result */
  return sign | (guint16) h;
}

float
rf_bf16_to_f32 (guint16 b)
{
  return bits_f32 ((guint32) b << 16);
}

guint16
rf_f32_to_bf16 (float f)
{
  guint32 u = f32_bits (f);
  if ((u & 0x7fffffffu) > 0x7f800000u)
    return (guint16) ((u >> 16) | 0x40); /* quiet nan */
  u += 0x7fff + ((u >> 16) & 1);
  return (guint16) (u >> 16);
}

float
rf_f8_e4m3_to_f32 (guint8 v)
{
  /* E4M3FN: bias 7, no infinities, S.1111.111 is NaN */
  guint32 sign = v & 0x80;
  guint32 exp = (v >> 3) & 0xf;
  guint32 mant = v & 0x7;
  float r;
  if (exp == 0xf && mant == 0x7)
    return NAN;
  if (exp == 0)
    r = (float) mant * 0x1p-9f;
  else
    r = ldexpf (1.0f + (float) mant / 8.0f, (int) exp - 7);
  return sign ? -r : r;
}

float
rf_f8_e5m2_to_f32 (guint8 v)
{
  /* E5M2 is the upper byte of an f16 */
  return rf_f16_to_f32 ((guint16) v << 8);
}
