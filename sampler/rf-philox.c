/* rf-philox.c — Philox4x32-10 and Box-Muller noise. */
#include <math.h>

#include "rf-philox.h"

/* Round multipliers and Weyl key increments of Philox4x32 (Random123). */
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static inline void
mulhilo (guint32 a, guint32 b, guint32 *hi, guint32 *lo)
{
  guint64 p = (guint64) a * b;
  *hi = (guint32) (p >> 32);
  *lo = (guint32) p;
}

void
rf_philox4x32_10 (const guint32 ctr[4], const guint32 key[2], guint32 out[4])
{
  guint32 c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
  guint32 k0 = key[0], k1 = key[1];

  for (int r = 0; r < 10; r++)
    {
      if (r > 0)
        {
          k0 += PHILOX_W0;
          k1 += PHILOX_W1;
        }
      guint32 hi0, lo0, hi1, lo1;
      mulhilo (PHILOX_M0, c0, &hi0, &lo0);
      mulhilo (PHILOX_M1, c2, &hi1, &lo1);
      guint32 n0 = hi1 ^ c1 ^ k0;
      guint32 n2 = hi0 ^ c3 ^ k1;
      c0 = n0;
      c1 = lo1;
      c2 = n2;
      c3 = lo0;
    }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

static void
block_words (guint64 seed, guint64 stream, guint64 block, guint32 w[4])
{
  const guint32 key[2] = { (guint32) seed, (guint32) (seed >> 32) };
  const guint32 ctr[4] = { (guint32) block, (guint32) (block >> 32),
                           (guint32) stream, (guint32) (stream >> 32) };
  rf_philox4x32_10 (ctr, key, w);
}

static inline double
word_to_unit (guint32 w)
{
  /* (w + 0.5) / 2^32: never 0 (log stays finite), never 1. */
  return ((double) w + 0.5) * (1.0 / 4294967296.0);
}

void
rf_philox_uniform (guint64 seed, guint64 stream, guint64 offset, double *out, gsize n)
{
  gsize j = 0;
  while (j < n)
    {
      guint64 i = offset + j;
      guint32 w[4];
      block_words (seed, stream, i / 4, w);
      for (guint k = (guint) (i % 4); k < 4 && j < n; k++, j++)
        out[j] = word_to_unit (w[k]);
    }
}

void
rf_philox_normal (guint64 seed, guint64 stream, guint64 offset, float *out, gsize n)
{
  gsize j = 0;
  while (j < n)
    {
      guint64 i = offset + j;
      guint32 w[4];
      double z[4];
      block_words (seed, stream, i / 4, w);
      for (int p = 0; p < 4; p += 2)
        {
          double r = sqrt (-2.0 * log (word_to_unit (w[p])));
          double a = 2.0 * G_PI * word_to_unit (w[p + 1]);
          z[p] = r * cos (a);
          z[p + 1] = r * sin (a);
        }
      for (guint k = (guint) (i % 4); k < 4 && j < n; k++, j++)
        out[j] = (float) z[k];
    }
}
