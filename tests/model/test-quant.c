/* test-quant.c — CPU (de)quantization: hand-built blocks with known
 * values for every block type (layouts written out again here, from
 * ggml-common.h), quantize → dequantize within each type's error bound,
 * and the f8 encoders against every code. */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rf-quant.h"

static int failures;

#define CHECK(cond, ...)                                           \
  G_STMT_START {                                                   \
    gboolean ok_ = (cond);                                         \
    printf ("%s ", ok_ ? "ok  " : "FAIL");                         \
    printf (__VA_ARGS__);                                          \
    printf ("\n");                                                 \
    failures += !ok_;                                              \
  } G_STMT_END

static void
put16 (guint8 *p, guint16 v)
{
  p[0] = v & 0xff;
  p[1] = v >> 8;
}

static int
count_mismatch (const float *got, const float *want, int n)
{
  int bad = 0;
  for (int i = 0; i < n; i++)
    if (got[i] != want[i])
      {
        if (bad < 3)
          printf ("     [%d] got %g want %g\n", i, got[i], want[i]);
        bad++;
      }
  return bad;
}

static void
known_blocks (void)
{
  guint8 b[256];
  float y[256], want[256];

  /* Q8_0 {f16 d; i8 q[32]}: d = 0.5 */
  put16 (b, 0x3800);
  for (int j = 0; j < 32; j++)
    {
      b[2 + j] = (guint8) (gint8) (j * 8 - 128);
      want[j] = (float) (j * 8 - 128) * 0.5f;
    }
  rf_quant_dequantize (RF_DTYPE_Q8_0, b, y, 32);
  CHECK (count_mismatch (y, want, 32) == 0, "q8_0 known block");

  /* Q4_0 {f16 d; u8 qs[16]}: low nibbles are elements 0..15 */
  put16 (b, 0x4000); /* 2.0 */
  for (int j = 0; j < 16; j++)
    {
      b[2 + j] = (guint8) (j | (15 - j) << 4);
      want[j] = (float) (j - 8) * 2.0f;
      want[j + 16] = (float) (7 - j) * 2.0f;
    }
  rf_quant_dequantize (RF_DTYPE_Q4_0, b, y, 32);
  CHECK (count_mismatch (y, want, 32) == 0, "q4_0 known block");

  /* Q4_1 {f16 d; f16 m; u8 qs[16]}: d = 1, m = -3 */
  put16 (b, 0x3c00);
  put16 (b + 2, 0xc200);
  for (int j = 0; j < 16; j++)
    {
      b[4 + j] = (guint8) (j | (15 - j) << 4);
      want[j] = (float) j - 3.0f;
      want[j + 16] = (float) (15 - j) - 3.0f;
    }
  rf_quant_dequantize (RF_DTYPE_Q4_1, b, y, 32);
  CHECK (count_mismatch (y, want, 32) == 0, "q4_1 known block");

  /* Q5_0 {f16 d; u32 qh; u8 qs[16]}: fifth bits only for elements 16..31 */
  put16 (b, 0x3c00);
  b[2] = 0; b[3] = 0; b[4] = 0xff; b[5] = 0xff;
  for (int j = 0; j < 16; j++)
    {
      b[6 + j] = (guint8) (j | j << 4);
      want[j] = (float) (j - 16);
      want[j + 16] = (float) ((j | 16) - 16);
    }
  rf_quant_dequantize (RF_DTYPE_Q5_0, b, y, 32);
  CHECK (count_mismatch (y, want, 32) == 0, "q5_0 known block");

  /* Q5_1 {f16 d; f16 m; u32 qh; u8 qs[16]}: d = 0.5, m = 1, fifth bits for 0..15 */
  put16 (b, 0x3800);
  put16 (b + 2, 0x3c00);
  b[4] = 0xff; b[5] = 0xff; b[6] = 0; b[7] = 0;
  for (int j = 0; j < 16; j++)
    {
      b[8 + j] = (guint8) (j | j << 4);
      want[j] = (float) (j | 16) * 0.5f + 1.0f;
      want[j + 16] = (float) j * 0.5f + 1.0f;
    }
  rf_quant_dequantize (RF_DTYPE_Q5_1, b, y, 32);
  CHECK (count_mismatch (y, want, 32) == 0, "q5_1 known block");

  /* Q4_K/Q5_K {f16 d; f16 dmin; u8 scales[12]; [u8 qh[32];] u8 qs[128]}:
   * 8 six-bit scales/mins; j < 4 in the low 6 bits of bytes j / j+4,
   * j ≥ 4 split: low 4 bits in byte j+4 (scale low, min high nibble),
   * top 2 bits in the top of bytes j−4 (scale) and j (min). */
  int sc[8], mn[8];
  for (int j = 0; j < 8; j++)
    {
      sc[j] = 8 * j + 3;
      mn[j] = 63 - 7 * j;
    }
  for (int pass = 0; pass < 2; pass++)
    {
      gboolean q5 = pass == 1;
      memset (b, 0, sizeof b);
      put16 (b, 0x3c00);     /* d = 1 */
      put16 (b + 2, 0x3800); /* dmin = 0.5 */
      guint8 *s = b + 4;
      for (int j = 0; j < 4; j++)
        {
          s[j] = (guint8) ((sc[j] & 63) | (sc[j + 4] >> 4) << 6);
          s[j + 4] = (guint8) ((mn[j] & 63) | (mn[j + 4] >> 4) << 6);
          s[j + 8] = (guint8) ((sc[j + 4] & 15) | (mn[j + 4] & 15) << 4);
        }
      guint8 *qh = b + 16, *qs = q5 ? b + 48 : b + 16;
      for (int l = 0; l < 32; l++)
        qh[l] = q5 ? (l % 2 ? 0x55 : 0xaa) : qh[l];
      for (int g = 0; g < 4; g++)
        for (int l = 0; l < 32; l++)
          {
            int lo = l & 15, hi = 15 - (l & 15);
            qs[32 * g + l] = (guint8) (lo | hi << 4);
            int hb_lo = q5 && (qh[l] >> (2 * g) & 1) ? 16 : 0;
            int hb_hi = q5 && (qh[l] >> (2 * g + 1) & 1) ? 16 : 0;
            want[64 * g + l] = (float) sc[2 * g] * (float) (lo + hb_lo) - 0.5f * (float) mn[2 * g];
            want[64 * g + 32 + l] = (float) sc[2 * g + 1] * (float) (hi + hb_hi)
                                    - 0.5f * (float) mn[2 * g + 1];
          }
      rf_quant_dequantize (q5 ? RF_DTYPE_Q5_K : RF_DTYPE_Q4_K, b, y, 256);
      CHECK (count_mismatch (y, want, 256) == 0, "%s known block", q5 ? "q5_k" : "q4_k");
    }

  /* Q6_K {u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}: element k of each
   * 128-half (l = k % 32, group k / 32): low 4 bits from ql[l] (groups
   * 0, 1: low nibble of ql[l], ql[l+32]; groups 2, 3: high nibbles), top
   * 2 bits from qh[l] bits 2*group; value (q − 32) * d * scale[k/16]. */
  memset (b, 0, sizeof b);
  put16 (b + 208, 0x3400); /* 0.25 */
  for (int i = 0; i < 16; i++)
    b[192 + i] = (guint8) (gint8) (i - 8);
  for (int k = 0; k < 256; k++)
    {
      int q = (k * 7) % 64, half = k / 128, kk = k % 128, grp = kk / 32, l = kk % 32;
      guint8 *ql = b + 64 * half, *qh = b + 128 + 32 * half;
      int ql_idx = l + (grp & 1) * 32;
      ql[ql_idx] |= (guint8) ((q & 15) << (grp >= 2 ? 4 : 0));
      qh[l] |= (guint8) ((q >> 4) << (2 * grp));
      want[k] = 0.25f * (float) (k / 16 - 8) * (float) (q - 32);
    }
  rf_quant_dequantize (RF_DTYPE_Q6_K, b, y, 256);
  CHECK (count_mismatch (y, want, 256) == 0, "q6_k known block");

  CHECK (!rf_quant_dequantize (RF_DTYPE_Q8_0, b, y, 31), "a partial block is refused");
  CHECK (!rf_quant_dequantize (RF_DTYPE_I32, b, y, 4), "an integer dtype is refused");
}

static void
round_trips (void)
{
  enum { N = 4096 };
  static float x[N], y[N];
  static guint8 q[N * 4];
  GRand *rand = g_rand_new_with_seed (7);
  for (int i = 0; i < N; i++)
    {
      /* gaussian-ish with an outlier now and then, like real weights */
      double u = g_rand_double_range (rand, -1, 1) + g_rand_double_range (rand, -1, 1);
      x[i] = (float) (u * (i % 97 == 0 ? 8.0 : 1.0));
    }
  g_rand_free (rand);

  static const struct {
    RfDType dtype;
    int block;
    double steps;     /* error bound = range(block) / steps */
    gboolean amax;    /* range is max|x| (symmetric types) instead of max − min */
  } cases[] = {
    { RF_DTYPE_Q8_0, 32, 127, TRUE },  { RF_DTYPE_Q4_0, 32, 7.9, TRUE },
    { RF_DTYPE_Q4_1, 32, 15, FALSE },  { RF_DTYPE_Q5_0, 32, 15.9, TRUE },
    { RF_DTYPE_Q5_1, 32, 31, FALSE },  { RF_DTYPE_Q4_K, 256, 15, FALSE },
    { RF_DTYPE_Q5_K, 256, 31, FALSE }, { RF_DTYPE_Q6_K, 256, 31, TRUE },
  };
  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      CHECK (rf_quant_quantize (cases[c].dtype, x, q, N) && rf_quant_dequantize (cases[c].dtype, q, y, N),
             "%s quantize + dequantize", rf_dtype_name (cases[c].dtype));
      double worst = 0;
      for (int b0 = 0; b0 < N; b0 += cases[c].block)
        {
          float mn = x[b0], mx = x[b0], amax = 0;
          for (int i = b0; i < b0 + cases[c].block; i++)
            {
              mn = MIN (mn, x[i]);
              mx = MAX (mx, x[i]);
              amax = MAX (amax, fabsf (x[i]));
            }
          double range = cases[c].amax ? amax : mx - MIN (mn, 0.0f);
          for (int i = b0; i < b0 + cases[c].block; i++)
            worst = MAX (worst, fabs (y[i] - x[i]) / (range / cases[c].steps));
        }
      CHECK (worst <= 1.0, "%s: worst error is %.2f of the bound range/%.0f",
             rf_dtype_name (cases[c].dtype), worst, cases[c].steps);
    }

  static const struct { RfDType dtype; double rel; } floats[] = {
    { RF_DTYPE_F16, 1.0 / 2048 }, { RF_DTYPE_BF16, 1.0 / 256 },
    { RF_DTYPE_F8_E4M3, 1.0 / 16 }, { RF_DTYPE_F8_E5M2, 1.0 / 8 },
  };
  for (gsize c = 0; c < G_N_ELEMENTS (floats); c++)
    {
      rf_quant_quantize (floats[c].dtype, x, q, N);
      rf_quant_dequantize (floats[c].dtype, q, y, N);
      double worst = 0;
      for (int i = 0; i < N; i++)
        if (fabsf (x[i]) > 0.02f) /* stay in the normal range of every format */
          worst = MAX (worst, fabs (y[i] - x[i]) / fabs (x[i]));
      CHECK (worst <= floats[c].rel, "%s: relative error %.5f ≤ %.5f", rf_dtype_name (floats[c].dtype),
             worst, floats[c].rel);
    }

  float zeros[256] = { 0 };
  CHECK (rf_quant_quantize (RF_DTYPE_Q4_K, zeros, q, 256) && rf_quant_dequantize (RF_DTYPE_Q4_K, q, y, 256)
         && y[0] == 0 && y[255] == 0, "all-zero block stays zero");
  float weird[32];
  for (int i = 0; i < 32; i++)
    weird[i] = i == 3 ? NAN : i == 5 ? INFINITY : 1e30f;
  CHECK (rf_quant_quantize (RF_DTYPE_Q8_0, weird, q, 32), "NaN/inf/huge inputs make some block (no UB)");
}

static void
f8_codes (void)
{
  int bad = 0;
  for (int c = 0; c < 256; c++)
    {
      if ((c & 0x7f) == 0x7f)
        continue; /* NaN */
      float v = rf_f8_e4m3_to_f32 ((guint8) c);
      bad += rf_f32_to_f8_e4m3 (v) != c;
    }
  CHECK (bad == 0, "e4m3: every finite code round-trips (%d bad)", bad);
  bad = 0;
  for (int c = 0; c < 256; c++)
    {
      if ((c & 0x7c) == 0x7c && (c & 0x03))
        continue; /* NaN */
      bad += rf_f32_to_f8_e5m2 (rf_f8_e5m2_to_f32 ((guint8) c)) != c;
    }
  CHECK (bad == 0, "e5m2: every non-NaN code round-trips (%d bad)", bad);
  /* 1.0625 is halfway between 1.0 (0x38) and 1.125 (0x39): ties to even */
  CHECK (rf_f32_to_f8_e4m3 (1.0625f) == 0x38 && rf_f32_to_f8_e4m3 (1.1875f) == 0x3a,
         "e4m3 ties to even");
  CHECK (rf_f32_to_f8_e4m3 (1000.0f) == 0x7e && rf_f32_to_f8_e4m3 (-1000.0f) == 0xfe,
         "e4m3 saturates at ±448");
  CHECK (isnan (rf_f8_e4m3_to_f32 (rf_f32_to_f8_e4m3 (NAN)))
         && isnan (rf_f8_e5m2_to_f32 (rf_f32_to_f8_e5m2 (NAN))), "NaN stays NaN");
  CHECK (rf_f32_to_f8_e5m2 (1e6f) == 0x7c, "e5m2 overflows to infinity");
}

int
main (void)
{
  known_blocks ();
  round_trips ();
  f8_codes ();
  printf ("%d failures\n", failures);
  return failures ? 1 : 0;
}
