/* test-philox.c — Philox4x32-10 known answers (Random123's kat_vectors) and
 * the Gaussian noise built on it: addressing invariants and statistics. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rf-philox.h"

static int failures;

static void
expect (gboolean ok, const char *what)
{
  printf ("%-64s %s\n", what, ok ? "ok" : "FAIL");
  failures += !ok;
}

static void
test_kat (void)
{
  /* Random123 tests/kat_vectors, "philox4x32 10" lines: counter, key, result. */
  static const struct { guint32 ctr[4], key[2], out[4]; } kat[] = {
    { { 0, 0, 0, 0 }, { 0, 0 }, { 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8 } },
    { { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff }, { 0xffffffff, 0xffffffff },
      { 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd } },
    { { 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344 }, { 0xa4093822, 0x299f31d0 },
      { 0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1 } },
  };
  for (guint i = 0; i < G_N_ELEMENTS (kat); i++)
    {
      guint32 out[4];
      rf_philox4x32_10 (kat[i].ctr, kat[i].key, out);
      char what[96];
      g_snprintf (what, sizeof what, "philox4x32-10 known answer %u (%08x %08x %08x %08x)",
                  i, out[0], out[1], out[2], out[3]);
      expect (memcmp (out, kat[i].out, sizeof out) == 0, what);
    }
}

static void
test_addressing (void)
{
  enum { N = 1001 };
  float all[N], part[N];
  rf_philox_normal (42, 7, 0, all, N);

  /* Any slicing gives the same elements: noise is a function of the index. */
  gsize pos = 0, len = 1;
  while (pos < N)
    {
      gsize l = MIN (len, N - pos);
      rf_philox_normal (42, 7, pos, part + pos, l);
      pos += l;
      len = len * 3 % 11 + 1;
    }
  expect (memcmp (all, part, sizeof all) == 0, "noise is identical under any slicing");

  float other[N];
  rf_philox_normal (42, 8, 0, other, N);
  int same = 0;
  for (int i = 0; i < N; i++)
    same += other[i] == all[i];
  expect (same == 0, "another stream gives other noise");
  rf_philox_normal (43, 7, 0, other, N);
  same = 0;
  for (int i = 0; i < N; i++)
    same += other[i] == all[i];
  expect (same == 0, "another seed gives other noise");

  /* 64-bit seeds and streams: the high words matter. */
  rf_philox_normal (42 | (G_GUINT64_CONSTANT (1) << 40), 7, 0, other, N);
  expect (memcmp (other, all, sizeof all) != 0, "the high word of the seed is used");
  rf_philox_normal (42, 7 | (G_GUINT64_CONSTANT (1) << 40), 0, other, N);
  expect (memcmp (other, all, sizeof all) != 0, "the high word of the stream is used");
}

static void
test_statistics (void)
{
  const gsize n = 1 << 21;
  float *z = g_new (float, n);
  rf_philox_normal (2025, 1, 0, z, n);
  double m1 = 0, m2 = 0, m4 = 0, lag = 0, tail = 0;
  for (gsize i = 0; i < n; i++)
    {
      double v = z[i];
      m1 += v;
      m2 += v * v;
      m4 += v * v * v * v;
      tail += fabs (v) > 3.0;
      if (i + 1 < n)
        lag += v * z[i + 1];
    }
  m1 /= n;
  m2 /= n;
  m4 /= n;
  lag /= n - 1;
  tail /= n;
  /* Five standard errors each: Var(z) = 1, Var(z^2) = 2, Var(z^4) = 96. */
  char what[96];
  g_snprintf (what, sizeof what, "normal mean %.5f", m1);
  expect (fabs (m1) < 5.0 / sqrt (n), what);
  g_snprintf (what, sizeof what, "normal variance %.5f", m2);
  expect (fabs (m2 - 1.0) < 5.0 * sqrt (2.0 / n), what);
  g_snprintf (what, sizeof what, "normal fourth moment %.4f (3)", m4);
  expect (fabs (m4 - 3.0) < 5.0 * sqrt (96.0 / n), what);
  g_snprintf (what, sizeof what, "neighbour correlation %.5f", lag);
  expect (fabs (lag) < 5.0 / sqrt (n), what);
  double p3 = erfc (3.0 / sqrt (2.0));
  g_snprintf (what, sizeof what, "P(|z| > 3) = %.5f (%.5f)", tail, p3);
  expect (fabs (tail - p3) < 5.0 * sqrt (p3 * (1 - p3) / n), what);
  g_free (z);

  double u[4096];
  rf_philox_uniform (9, 9, 3, u, 4096);
  gboolean inside = TRUE;
  double mu = 0;
  for (int i = 0; i < 4096; i++)
    {
      inside &= u[i] > 0.0 && u[i] < 1.0;
      mu += u[i] / 4096;
    }
  g_snprintf (what, sizeof what, "uniforms in (0, 1), mean %.4f", mu);
  expect (inside && fabs (mu - 0.5) < 5.0 * sqrt (1.0 / 12 / 4096), what);
}

int
main (void)
{
  test_kat ();
  test_addressing ();
  test_statistics ();
  printf ("%s\n", failures ? "FAILED" : "all ok");
  return failures ? 1 : 0;
}
