/* rf-quant.c — f32 ↔ stored dtypes on the CPU (see rf-quant.h).
 *
 * All multi-byte fields are little-endian; blocks are read byte by byte
 * so the source may be unaligned. "half" is an IEEE f16.
 */
#include "rf-quant.h"

#include <math.h>
#include <string.h>

#define QK 32     /* elements per block of the _0/_1 types */
#define QK_K 256  /* elements per super-block of the K types */

static inline float
half_at (const guint8 *p)
{
  return rf_f16_to_f32 ((guint16) (p[0] | p[1] << 8));
}

static inline void
put_half (guint8 *p, float f)
{
  guint16 h = rf_f32_to_f16 (f);
  p[0] = h & 0xff;
  p[1] = h >> 8;
}

/* Round to nearest (even) with the value clamped first, so the int
 * conversion is defined for any input, NaN included. */
static inline int
nearest_clamped (float v, int lo, int hi)
{
  if (!(v == v))
    v = 0.0f;
  if (v < (float) lo)
    return lo;
  if (v > (float) hi)
    return hi;
  return (int) lrintf (v);
}

/* ---- Q8_0: { half d; int8 qs[32]; } = 34 bytes.  x[j] = qs[j] * d ---- */

static void
dequant_q8_0 (const guint8 *b, float *y)
{
  const float d = half_at (b);
  for (int j = 0; j < QK; j++)
    y[j] = (float) (gint8) b[2 + j] * d;
}

static void
quant_q8_0 (const float *x, guint8 *b)
{
  float amax = 0.0f;
  for (int j = 0; j < QK; j++)
    amax = MAX (amax, fabsf (x[j]));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  put_half (b, d);
  for (int j = 0; j < QK; j++)
    b[2 + j] = (guint8) (gint8) nearest_clamped (roundf (x[j] * id), -127, 127);
}

/* ---- Q4_0: { half d; u8 qs[16]; } = 18 bytes.
 * Element j < 16 is the low nibble of qs[j], element j + 16 the high
 * nibble; x = (nibble − 8) * d. ---- */

static void
dequant_q4_0 (const guint8 *b, float *y)
{
  const float d = half_at (b);
  for (int j = 0; j < QK / 2; j++)
    {
      y[j] = (float) ((b[2 + j] & 0x0f) - 8) * d;
      y[j + QK / 2] = (float) ((b[2 + j] >> 4) - 8) * d;
    }
}

/* ggml's reference: the largest-magnitude value maps to −8 exactly. */
static void
quant_q4_0 (const float *x, guint8 *b)
{
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < QK; j++)
    if (amax < fabsf (x[j]))
      {
        amax = fabsf (x[j]);
        max = x[j];
      }
  const float d = max / -8.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  put_half (b, d);
  for (int j = 0; j < QK / 2; j++)
    {
      int q0 = MIN (15, nearest_clamped (floorf (x[j] * id + 8.5f), 0, 15));
      int q1 = MIN (15, nearest_clamped (floorf (x[j + QK / 2] * id + 8.5f), 0, 15));
      b[2 + j] = (guint8) (q0 | q1 << 4);
    }
}

/* ---- Q4_1: { half d; half m; u8 qs[16]; } = 20 bytes.
 * Nibbles as Q4_0; x = nibble * d + m. ---- */

static void
dequant_q4_1 (const guint8 *b, float *y)
{
  const float d = half_at (b), m = half_at (b + 2);
  for (int j = 0; j < QK / 2; j++)
    {
      y[j] = (float) (b[4 + j] & 0x0f) * d + m;
      y[j + QK / 2] = (float) (b[4 + j] >> 4) * d + m;
    }
}

static void
minmax (const float *x, int n, float *mn, float *mx)
{
  *mn = G_MAXFLOAT;
  *mx = -G_MAXFLOAT;
  for (int j = 0; j < n; j++)
    {
      *mn = MIN (*mn, x[j]);
      *mx = MAX (*mx, x[j]);
    }
}

static void
quant_q4_1 (const float *x, guint8 *b)
{
  float min, max;
  minmax (x, QK, &min, &max);
  const float d = (max - min) / 15.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  put_half (b, d);
  put_half (b + 2, min);
  for (int j = 0; j < QK / 2; j++)
    {
      int q0 = nearest_clamped (floorf ((x[j] - min) * id + 0.5f), 0, 15);
      int q1 = nearest_clamped (floorf ((x[j + QK / 2] - min) * id + 0.5f), 0, 15);
      b[4 + j] = (guint8) (q0 | q1 << 4);
    }
}

/* ---- Q5_0: { half d; u8 qh[4]; u8 qs[16]; } = 22 bytes.
 * qh is a u32 (LE) holding the 5th bit: bit j for element j, bit j + 16
 * for element j + 16. Low 4 bits as Q4_0. x = (q − 16) * d. ---- */

static inline guint32
u32_at (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

static void
dequant_q5_0 (const guint8 *b, float *y)
{
  const float d = half_at (b);
  const guint32 qh = u32_at (b + 2);
  for (int j = 0; j < QK / 2; j++)
    {
      const guint8 xh0 = ((qh >> j) << 4) & 0x10;
      const guint8 xh1 = (qh >> (j + 12)) & 0x10;
      y[j] = (float) (((b[6 + j] & 0x0f) | xh0) - 16) * d;
      y[j + QK / 2] = (float) (((b[6 + j] >> 4) | xh1) - 16) * d;
    }
}

static void
pack_q5 (const int *q, guint8 *qh_out, guint8 *qs)
{
  guint32 qh = 0;
  for (int j = 0; j < QK / 2; j++)
    {
      qs[j] = (guint8) ((q[j] & 0x0f) | (q[j + QK / 2] & 0x0f) << 4);
      qh |= (guint32) ((q[j] & 0x10) >> 4) << j;
      qh |= (guint32) ((q[j + QK / 2] & 0x10) >> 4) << (j + QK / 2);
    }
  for (int i = 0; i < 4; i++)
    qh_out[i] = (qh >> (8 * i)) & 0xff;
}

static void
quant_q5_0 (const float *x, guint8 *b)
{
  float amax = 0.0f, max = 0.0f;
  int q[QK];
  for (int j = 0; j < QK; j++)
    if (amax < fabsf (x[j]))
      {
        amax = fabsf (x[j]);
        max = x[j];
      }
  const float d = max / -16.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  put_half (b, d);
  for (int j = 0; j < QK; j++)
    q[j] = nearest_clamped (floorf (x[j] * id + 16.5f), 0, 31);
  pack_q5 (q, b + 2, b + 6);
}

/* ---- Q5_1: { half d; half m; u8 qh[4]; u8 qs[16]; } = 24 bytes.
 * Bits as Q5_0; x = q * d + m. ---- */

static void
dequant_q5_1 (const guint8 *b, float *y)
{
  const float d = half_at (b), m = half_at (b + 2);
  const guint32 qh = u32_at (b + 4);
  for (int j = 0; j < QK / 2; j++)
    {
      const guint8 xh0 = ((qh >> j) << 4) & 0x10;
      const guint8 xh1 = (qh >> (j + 12)) & 0x10;
      y[j] = (float) ((b[8 + j] & 0x0f) | xh0) * d + m;
      y[j + QK / 2] = (float) ((b[8 + j] >> 4) | xh1) * d + m;
    }
}

static void
quant_q5_1 (const float *x, guint8 *b)
{
  float min, max;
  int q[QK];
  minmax (x, QK, &min, &max);
  const float d = (max - min) / 31.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  put_half (b, d);
  put_half (b + 2, min);
  for (int j = 0; j < QK; j++)
    q[j] = nearest_clamped (floorf ((x[j] - min) * id + 0.5f), 0, 31);
  pack_q5 (q, b + 4, b + 8);
}

/* ---- K-quant scales (Q4_K, Q5_K): 8 sub-blocks of 32, each with a 6-bit
 * scale sc and a 6-bit min m packed into 12 bytes:
 *   j < 4:  sc = s[j] & 63,            m = s[j+4] & 63
 *   j ≥ 4:  sc = (s[j+4] & 15) | (s[j-4] >> 6) << 4,
 *           m  = (s[j+4] >> 4) | (s[j]   >> 6) << 4
 * x = d*sc * q − dmin*m.  (ggml get_scale_min_k4) ---- */

static inline void
get_scale_min_k4 (int j, const guint8 *s, guint8 *sc, guint8 *m)
{
  if (j < 4)
    {
      *sc = s[j] & 63;
      *m = s[j + 4] & 63;
    }
  else
    {
      *sc = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
      *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

static void
put_scale_min_k4 (const int *sc, const int *m, guint8 *s)
{
  memset (s, 0, 12);
  for (int j = 0; j < 8; j++)
    {
      if (j < 4)
        {
          s[j] |= (guint8) sc[j];
          s[j + 4] |= (guint8) m[j];
        }
      else
        {
          s[j + 4] = (guint8) ((sc[j] & 0x0f) | (m[j] & 0x0f) << 4);
          s[j - 4] |= (guint8) ((sc[j] >> 4) << 6);
          s[j] |= (guint8) ((m[j] >> 4) << 6);
        }
    }
}

/* Q4_K: { half d; half dmin; u8 scales[12]; u8 qs[128]; } = 144 bytes.
 * For each 64 elements (sub-blocks 2i, 2i+1): 32 bytes of qs; the low
 * nibbles are sub-block 2i, the high nibbles sub-block 2i+1. */
static void
dequant_q4_k (const guint8 *b, float *y)
{
  const float d = half_at (b), min = half_at (b + 2);
  const guint8 *scales = b + 4;
  const guint8 *q = b + 16;
  int is = 0;
  for (int j = 0; j < QK_K; j += 64)
    {
      guint8 sc, m;
      get_scale_min_k4 (is + 0, scales, &sc, &m);
      const float d1 = d * sc, m1 = min * m;
      get_scale_min_k4 (is + 1, scales, &sc, &m);
      const float d2 = d * sc, m2 = min * m;
      for (int l = 0; l < 32; l++)
        *y++ = d1 * (q[l] & 0x0f) - m1;
      for (int l = 0; l < 32; l++)
        *y++ = d2 * (q[l] >> 4) - m2;
      q += 32;
      is += 2;
    }
}

/* Q5_K: { half d; half dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]; } =
 * 176 bytes. As Q4_K plus a 5th bit: for the 64 elements starting at
 * 64*i, bit 2i of qh[l] belongs to the low-nibble element l and bit
 * 2i+1 to the high-nibble one. */
static void
dequant_q5_k (const guint8 *b, float *y)
{
  const float d = half_at (b), min = half_at (b + 2);
  const guint8 *scales = b + 4;
  const guint8 *qh = b + 16;
  const guint8 *ql = b + 48;
  int is = 0;
  guint8 u1 = 1, u2 = 2;
  for (int j = 0; j < QK_K; j += 64)
    {
      guint8 sc, m;
      get_scale_min_k4 (is + 0, scales, &sc, &m);
      const float d1 = d * sc, m1 = min * m;
      get_scale_min_k4 (is + 1, scales, &sc, &m);
      const float d2 = d * sc, m2 = min * m;
      for (int l = 0; l < 32; l++)
        *y++ = d1 * ((ql[l] & 0x0f) + (qh[l] & u1 ? 16 : 0)) - m1;
      for (int l = 0; l < 32; l++)
        *y++ = d2 * ((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
      ql += 32;
      is += 2;
      u1 <<= 2;
      u2 <<= 2;
    }
}

/* Q6_K: { u8 ql[128]; u8 qh[64]; int8 scales[16]; half d; } = 210 bytes.
 * 16 sub-blocks of 16 with signed 8-bit scales; 6-bit values q − 32.
 * Per 128 elements (ql += 64, qh += 32, sc += 8), for l < 32:
 *   x[l]    = ql[l]    low  | qh[l] bits 0-1
 *   x[l+32] = ql[l+32] low  | qh[l] bits 2-3
 *   x[l+64] = ql[l]    high | qh[l] bits 4-5
 *   x[l+96] = ql[l+32] high | qh[l] bits 6-7
 * and x = d * sc[l/16 + 2k] * (q − 32) for the k-th group of 32. */
static void
dequant_q6_k (const guint8 *b, float *y)
{
  const guint8 *ql = b;
  const guint8 *qh = b + 128;
  const gint8 *sc = (const gint8 *) (b + 192);
  const float d = half_at (b + 208);
  for (int n = 0; n < QK_K; n += 128)
    {
      for (int l = 0; l < 32; l++)
        {
          int is = l / 16;
          const gint8 q1 = (gint8) ((ql[l + 0] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32;
          const gint8 q2 = (gint8) ((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32;
          const gint8 q3 = (gint8) ((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
          const gint8 q4 = (gint8) ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
          y[l + 0] = d * sc[is + 0] * q1;
          y[l + 32] = d * sc[is + 2] * q2;
          y[l + 64] = d * sc[is + 4] * q3;
          y[l + 96] = d * sc[is + 6] * q4;
        }
      y += 128;
      ql += 64;
      qh += 32;
      sc += 8;
    }
}

/* One-pass fit for Q4_K/Q5_K: per sub-block of 32, min' = min(0, min)
 * and scale = (max − min') / nmax; super-block d and dmin quantize those
 * to 6 bits; each value then rounds against the scale and min it will
 * actually be decoded with. Error ≤ about scale/2 + dmin/2 per value. */
static void
fit_k_scales (const float *x, int nmax, guint8 *b, int *L)
{
  float scale[8], mins[8], max_scale = 0.0f, max_min = 0.0f;
  int sc[8], m[8];
  for (int j = 0; j < 8; j++)
    {
      float mn, mx;
      minmax (x + 32 * j, 32, &mn, &mx);
      if (mn > 0.0f)
        mn = 0.0f;
      scale[j] = (mx - mn) / (float) nmax;
      mins[j] = -mn;
      max_scale = MAX (max_scale, scale[j]);
      max_min = MAX (max_min, mins[j]);
    }
  /* sub-block scales and mins round up (ceil) so each still covers its
   * sub-block's range */
  float d = max_scale / 63.0f, dmin = max_min / 63.0f;
  put_half (b, d);
  put_half (b + 2, dmin);
  d = half_at (b);
  dmin = half_at (b + 2);
  for (int j = 0; j < 8; j++)
    {
      sc[j] = d > 0.0f ? nearest_clamped (ceilf (scale[j] / d), 0, 63) : 0;
      m[j] = dmin > 0.0f ? nearest_clamped (ceilf (mins[j] / dmin), 0, 63) : 0;
    }
  put_scale_min_k4 (sc, m, b + 4);
  for (int j = 0; j < 8; j++)
    {
      const float dl = d * sc[j], ml = dmin * m[j];
      for (int l = 0; l < 32; l++)
        L[32 * j + l] = dl > 0.0f ? nearest_clamped ((x[32 * j + l] + ml) / dl, 0, nmax) : 0;
    }
}

static void
quant_q4_k (const float *x, guint8 *b)
{
  int L[QK_K];
  fit_k_scales (x, 15, b, L);
  guint8 *q = b + 16;
  for (int j = 0; j < QK_K; j += 64)
    {
      for (int l = 0; l < 32; l++)
        q[l] = (guint8) (L[j + l] | L[j + l + 32] << 4);
      q += 32;
    }
}

static void
quant_q5_k (const float *x, guint8 *b)
{
  int L[QK_K];
  fit_k_scales (x, 31, b, L);
  guint8 *qh = b + 16, *ql = b + 48;
  memset (qh, 0, 32);
  guint8 m1 = 1, m2 = 2;
  for (int n = 0; n < QK_K; n += 64)
    {
      for (int j = 0; j < 32; j++)
        {
          int l1 = L[n + j], l2 = L[n + j + 32];
          if (l1 > 15)
            {
              l1 -= 16;
              qh[j] |= m1;
            }
          if (l2 > 15)
            {
              l2 -= 16;
              qh[j] |= m2;
            }
          ql[j] = (guint8) (l1 | l2 << 4);
        }
      m1 <<= 2;
      m2 <<= 2;
      ql += 32;
    }
}

/* Q6_K: each sub-block of 16 gets scale = v/−32 where v is its
 * largest-magnitude value; d = max|scale| / 127 and the 8-bit scales
 * round against it. Error ≤ about |scale|/2 per value. */
static void
quant_q6_k (const float *x, guint8 *b)
{
  float scales[16], max_abs_scale = 0.0f;
  int L[QK_K];
  for (int ib = 0; ib < 16; ib++)
    {
      float amax = 0.0f, max = 0.0f;
      for (int l = 0; l < 16; l++)
        if (amax < fabsf (x[16 * ib + l]))
          {
            amax = fabsf (x[16 * ib + l]);
            max = x[16 * ib + l];
          }
      scales[ib] = max / -32.0f;
      max_abs_scale = MAX (max_abs_scale, fabsf (scales[ib]));
    }
  put_half (b + 208, max_abs_scale / 127.0f);
  const float d = half_at (b + 208);
  gint8 *sc = (gint8 *) (b + 192);
  for (int ib = 0; ib < 16; ib++)
    {
      int s = d > 0.0f ? nearest_clamped (scales[ib] / d, -127, 127) : 0;
      sc[ib] = (gint8) s;
      const float dl = d * s;
      for (int l = 0; l < 16; l++)
        L[16 * ib + l] = dl != 0.0f ? nearest_clamped (x[16 * ib + l] / dl, -32, 31) + 32 : 32;
    }
  guint8 *ql = b, *qh = b + 128;
  for (int j = 0; j < QK_K; j += 128)
    {
      for (int l = 0; l < 32; l++)
        {
          const int q1 = L[j + l] & 0x0f, q2 = L[j + l + 32] & 0x0f;
          const int q3 = L[j + l + 64] & 0x0f, q4 = L[j + l + 96] & 0x0f;
          ql[l] = (guint8) (q1 | q3 << 4);
          ql[l + 32] = (guint8) (q2 | q4 << 4);
          qh[l] = (guint8) ((L[j + l] >> 4) | (L[j + l + 32] >> 4) << 2
                            | (L[j + l + 64] >> 4) << 4 | (L[j + l + 96] >> 4) << 6);
        }
      ql += 64;
      qh += 32;
    }
}

/* ---- f8 encoders ---- */

guint8
rf_f32_to_f8_e5m2 (float f)
{
  /* E5M2 is the top byte of an f16: round the f16 to 8 bits, ties to even */
  guint16 h = rf_f32_to_f16 (f);
  if ((h & 0x7c00) == 0x7c00)
    return (guint8) ((h >> 8) | ((h & 0x3ff) ? 0x02 : 0)); /* inf stays, nan stays nan */
  guint16 rest = h & 0xff;
  guint16 top = h >> 8;
  if (rest > 0x80 || (rest == 0x80 && (top & 1)))
    top++; /* a carry into the exponent is right, up to infinity */
  return (guint8) top;
}

guint8
rf_f32_to_f8_e4m3 (float f)
{
  static float table[127]; /* codes 0x00..0x7e, increasing */
  static gsize init = 0;
  if (g_once_init_enter (&init))
    {
      for (int i = 0; i < 127; i++)
        table[i] = rf_f8_e4m3_to_f32 ((guint8) i);
      g_once_init_leave (&init, 1);
    }
  if (isnan (f))
    return 0x7f;
  guint8 sign = signbit (f) ? 0x80 : 0;
  float a = fabsf (f);
  if (a >= table[126])
    return sign | 126;
  int lo = 0, hi = 126; /* table[lo] ≤ a < table[hi] */
  while (hi - lo > 1)
    {
      int mid = (lo + hi) / 2;
      if (table[mid] <= a)
        lo = mid;
      else
        hi = mid;
    }
  float dlo = a - table[lo], dhi = table[hi] - a;
  int code = dlo < dhi ? lo : dhi < dlo ? hi : (lo & 1 ? hi : lo);
  return sign | (guint8) code;
}

/* ---- dispatch ---- */

typedef void (*BlockDecode) (const guint8 *b, float *y);
typedef void (*BlockEncode) (const float *x, guint8 *b);

static BlockDecode
block_decoder (RfDType dtype)
{
  switch (dtype)
    {
    case RF_DTYPE_Q8_0: return dequant_q8_0;
    case RF_DTYPE_Q4_0: return dequant_q4_0;
    case RF_DTYPE_Q4_1: return dequant_q4_1;
    case RF_DTYPE_Q5_0: return dequant_q5_0;
    case RF_DTYPE_Q5_1: return dequant_q5_1;
    case RF_DTYPE_Q4_K: return dequant_q4_k;
    case RF_DTYPE_Q5_K: return dequant_q5_k;
    case RF_DTYPE_Q6_K: return dequant_q6_k;
    default: return NULL;
    }
}

static BlockEncode
block_encoder (RfDType dtype)
{
  switch (dtype)
    {
    case RF_DTYPE_Q8_0: return quant_q8_0;
    case RF_DTYPE_Q4_0: return quant_q4_0;
    case RF_DTYPE_Q4_1: return quant_q4_1;
    case RF_DTYPE_Q5_0: return quant_q5_0;
    case RF_DTYPE_Q5_1: return quant_q5_1;
    case RF_DTYPE_Q4_K: return quant_q4_k;
    case RF_DTYPE_Q5_K: return quant_q5_k;
    case RF_DTYPE_Q6_K: return quant_q6_k;
    default: return NULL;
    }
}

gboolean
rf_quant_dequantize (RfDType dtype, const void *src, float *dst, gint64 n)
{
  const RfDTypeInfo *info = rf_dtype_info (dtype);
  const guint8 *s = src;
  if (info == NULL || !info->is_float || n < 0 || n % info->block_elems != 0)
    return FALSE;
  if (n == 0)
    return TRUE; /* src and dst may be NULL */
  switch (dtype)
    {
    case RF_DTYPE_F32:
      memcpy (dst, src, (gsize) n * 4);
      return TRUE;
    case RF_DTYPE_F64:
      for (gint64 i = 0; i < n; i++)
        {
          double v;
          memcpy (&v, s + 8 * i, 8);
          dst[i] = (float) v;
        }
      return TRUE;
    case RF_DTYPE_F16:
      for (gint64 i = 0; i < n; i++)
        dst[i] = half_at (s + 2 * i);
      return TRUE;
    case RF_DTYPE_BF16:
      for (gint64 i = 0; i < n; i++)
        dst[i] = rf_bf16_to_f32 ((guint16) (s[2 * i] | s[2 * i + 1] << 8));
      return TRUE;
    case RF_DTYPE_F8_E4M3:
      for (gint64 i = 0; i < n; i++)
        dst[i] = rf_f8_e4m3_to_f32 (s[i]);
      return TRUE;
    case RF_DTYPE_F8_E5M2:
      for (gint64 i = 0; i < n; i++)
        dst[i] = rf_f8_e5m2_to_f32 (s[i]);
      return TRUE;
    default:
      break;
    }
  BlockDecode dec = block_decoder (dtype);
  if (dec == NULL)
    return FALSE;
  for (gint64 blk = 0; blk < n / info->block_elems; blk++)
    dec (s + blk * info->block_bytes, dst + blk * info->block_elems);
  return TRUE;
}

gboolean
rf_quant_can_quantize (RfDType dtype)
{
  return dtype == RF_DTYPE_F32 || dtype == RF_DTYPE_F16 || dtype == RF_DTYPE_BF16
         || dtype == RF_DTYPE_F8_E4M3 || dtype == RF_DTYPE_F8_E5M2
         || block_encoder (dtype) != NULL;
}

gboolean
rf_quant_quantize (RfDType dtype, const float *src, void *dst, gint64 n)
{
  const RfDTypeInfo *info = rf_dtype_info (dtype);
  guint8 *d = dst;
  if (info == NULL || !rf_quant_can_quantize (dtype) || n < 0 || n % info->block_elems != 0)
    return FALSE;
  if (n == 0)
    return TRUE;
  switch (dtype)
    {
    case RF_DTYPE_F32:
      memcpy (dst, src, (gsize) n * 4);
      return TRUE;
    case RF_DTYPE_F16:
    case RF_DTYPE_BF16:
      for (gint64 i = 0; i < n; i++)
        {
          guint16 h = dtype == RF_DTYPE_F16 ? rf_f32_to_f16 (src[i]) : rf_f32_to_bf16 (src[i]);
          d[2 * i] = h & 0xff;
          d[2 * i + 1] = h >> 8;
        }
      return TRUE;
    case RF_DTYPE_F8_E4M3:
      for (gint64 i = 0; i < n; i++)
        d[i] = rf_f32_to_f8_e4m3 (src[i]);
      return TRUE;
    case RF_DTYPE_F8_E5M2:
      for (gint64 i = 0; i < n; i++)
        d[i] = rf_f32_to_f8_e5m2 (src[i]);
      return TRUE;
    default:
      break;
    }
  BlockEncode enc = block_encoder (dtype);
  for (gint64 blk = 0; blk < n / info->block_elems; blk++)
    enc (src + blk * info->block_elems, d + blk * info->block_bytes);
  return TRUE;
}
