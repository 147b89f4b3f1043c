/* test-cpu-reference.c — checks the CPU reference backend itself.
 *
 * Every other backend is tested against the CPU one (test-ops), so this
 * test pins the CPU ops to values computed by hand or by naive double-
 * precision loops written here independently of core/cpu/. All calls go
 * through the public rf_op_* API. One line per case; exit 1 on failure.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rf-backend-impl.h"
#include "rf-error.h"
#include "rf-ops.h"

static int n_failed, n_passed;
static RfBackend *be; /* the backend the helpers allocate on */

/* ---- helpers ---- */

static RfTensor *
tensor (int ndim, const gint64 *shape, const float *data)
{
  g_autoptr (GError) error = NULL;
  RfTensor *t = rf_tensor_new (be, RF_DTYPE_F32, ndim, shape, &error);
  g_assert_no_error (error);
  if (data != NULL)
    {
      rf_tensor_write_f32 (t, data, rf_tensor_numel (t), &error);
      g_assert_no_error (error);
    }
  return t;
}

#define SHAPE(...) ((const gint64[]){ __VA_ARGS__ })
#define NDIM(...) ((int) (sizeof ((gint64[]){ __VA_ARGS__ }) / sizeof (gint64)))
#define T(data, ...) tensor (NDIM (__VA_ARGS__), SHAPE (__VA_ARGS__), data)
#define F(...) ((const float[]){ __VA_ARGS__ })

static float *
read_all (const RfTensor *t)
{
  g_autoptr (GError) error = NULL;
  float *v = rf_tensor_read_f32 (t, &error);
  g_assert_no_error (error);
  return v;
}

/* Reports a case: ok when the op succeeded and every value is within
 * @tol (absolute + relative) of @want; NaN must meet NaN, inf the same inf. */
static void
check (const char *name, gboolean op_ok, const GError *error, const RfTensor *got,
       const double *want, gint64 n, double tol)
{
  if (!op_ok)
    {
      printf ("FAIL %-52s op failed: %s\n", name, error ? error->message : "?");
      n_failed++;
      return;
    }
  g_autofree float *v = read_all (got);
  double worst = 0;
  gint64 bad = -1;
  for (gint64 i = 0; i < n; i++)
    {
      double g = v[i], w = want[i];
      gboolean ok;
      if (isnan (w) || isinf (w))
        ok = isnan (w) ? isnan (g) : g == w;
      else
        {
          double e = fabs (g - w);
          ok = e <= tol * (1.0 + fabs (w));
          worst = MAX (worst, e);
        }
      if (!ok && bad < 0)
        bad = i;
    }
  if (bad >= 0)
    {
      printf ("FAIL %-52s [%" G_GINT64_FORMAT "] = %.9g, want %.9g\n", name, bad,
              (double) v[bad], want[bad]);
      n_failed++;
    }
  else
    {
      printf ("ok   %-52s max err %.2e\n", name, worst);
      n_passed++;
    }
}

#define D(...) ((const double[]){ __VA_ARGS__ })
#define CHECK(name, ok, got, tol, ...) \
  check (name, ok, error, got, D (__VA_ARGS__), (gint64) G_N_ELEMENTS (D (__VA_ARGS__)), tol)

static void
check_bool (const char *name, gboolean ok, const char *detail)
{
  printf ("%s %-52s %s\n", ok ? "ok  " : "FAIL", name, detail);
  ok ? n_passed++ : n_failed++;
}

/* Deterministic pseudo-random floats in [lo, hi). */
static void
fill (float *x, gint64 n, guint32 seed, float lo, float hi)
{
  GRand *r = g_rand_new_with_seed (seed);
  for (gint64 i = 0; i < n; i++)
    x[i] = (float) g_rand_double_range (r, lo, hi);
  g_rand_free (r);
}

/* ---- softmax ---- */

static void
test_softmax (void)
{
  g_autoptr (GError) error = NULL;
  double e1 = exp (-1), e2 = exp (-2), s = 1 + e1 + e2;
  /* rows: plain, the same shifted by 1000 (must not overflow), one -inf
   * entry, all -inf (zeros by our convention), and one NaN */
  g_autoptr (RfTensor) x = T (F (1, 2, 3, 1001, 1002, 1003, 0, -INFINITY, 0,
                                 -INFINITY, -INFINITY, -INFINITY, 1, NAN, 2), 5, 3);
  g_autoptr (RfTensor) y = T (NULL, 5, 3);
  gboolean ok = rf_op_softmax (y, x, 1.0f, &error);
  CHECK ("softmax rows (plain, +1000, -inf, all -inf, NaN)", ok, y, 1e-6,
         e2 / s, e1 / s, 1 / s, e2 / s, e1 / s, 1 / s, 0.5, 0, 0.5, 0, 0, 0, NAN, NAN, NAN);

  g_autoptr (RfTensor) x2 = T (F (1, 2), 1, 2);
  g_autoptr (RfTensor) y2 = T (NULL, 1, 2);
  ok = rf_op_softmax (y2, x2, 2.0f, &error);
  CHECK ("softmax scale 2: softmax([2, 4])", ok, y2, 1e-6,
         1 / (1 + exp (2)), exp (2) / (1 + exp (2)));
}

/* ---- attention ---- */

/* Naive attention in double over the full score matrix; the causal mask
 * is top-left aligned and fully masked rows give zeros, as documented
 * in cpu-attention.c. */
static void
naive_attention (const float *q, const float *k, const float *v, const float *bias,
                 gint64 bh, gint64 lq, gint64 lk, gint64 d, gint64 dv, double scale,
                 gboolean causal, double *out)
{
  g_autofree double *p = g_new (double, lk);
  for (gint64 h = 0; h < bh; h++)
    for (gint64 i = 0; i < lq; i++)
      {
        double m = -INFINITY, sum = 0;
        for (gint64 j = 0; j < lk; j++)
          {
            double s = 0;
            for (gint64 c = 0; c < d; c++)
              s += (double) q[(h * lq + i) * d + c] * k[(h * lk + j) * d + c];
            s *= scale;
            if (bias)
              s += bias[(h * lq + i) * lk + j];
            if (causal && j > i)
              s = -INFINITY;
            p[j] = s;
            m = MAX (m, s);
          }
        for (gint64 j = 0; j < lk; j++)
          {
            p[j] = m == -INFINITY ? 0 : exp (p[j] - m);
            sum += p[j];
          }
        for (gint64 c = 0; c < dv; c++)
          {
            double acc = 0;
            for (gint64 j = 0; j < lk; j++)
              acc += p[j] * v[(h * lk + j) * dv + c];
            out[(h * lq + i) * dv + c] = sum > 0 ? acc / sum : 0;
          }
      }
}

static void
test_attention (void)
{
  g_autoptr (GError) error = NULL;
  /* 2 tokens by hand: q = k = identity, v = [[1,2],[3,4]], scale 1.
   * Row 0 scores (1, 0): p = (e, 1)/(e+1); row 1 scores (0, 1). */
  g_autoptr (RfTensor) q = T (F (1, 0, 0, 1), 1, 1, 2, 2);
  g_autoptr (RfTensor) k = T (F (1, 0, 0, 1), 1, 1, 2, 2);
  g_autoptr (RfTensor) v = T (F (1, 2, 3, 4), 1, 1, 2, 2);
  g_autoptr (RfTensor) y = T (NULL, 1, 1, 2, 2);
  double pa = M_E / (M_E + 1), pb = 1 / (M_E + 1);
  gboolean ok = rf_op_attention (y, q, k, v, NULL, 1.0f, FALSE, &error);
  CHECK ("attention 2 tokens by hand", ok, y, 1e-6,
         pa * 1 + pb * 3, pa * 2 + pb * 4, pb * 1 + pa * 3, pb * 2 + pa * 4);

  ok = rf_op_attention (y, q, k, v, NULL, 1.0f, TRUE, &error);
  CHECK ("attention 2 tokens causal (row 0 sees key 0 only)", ok, y, 1e-6,
         1, 2, pb * 1 + pa * 3, pb * 2 + pa * 4);

  /* bias: row 0 masks key 1 with -inf; row 1 adds ln 3 to key 0, so its
   * weights are (3, e)/(3+e) */
  g_autoptr (RfTensor) bias = T (F (0, -INFINITY, (float) log (3.0), 0), 1, 1, 2, 2);
  double w0 = 3 / (3 + M_E), w1 = M_E / (3 + M_E);
  ok = rf_op_attention (y, q, k, v, bias, 1.0f, FALSE, &error);
  CHECK ("attention 2 tokens with additive bias", ok, y, 1e-6,
         1, 2, w0 * 1 + w1 * 3, w0 * 2 + w1 * 4);

  /* scale 0 gives uniform weights: the mean of v */
  ok = rf_op_attention (y, q, k, v, NULL, 0.0f, FALSE, &error);
  CHECK ("attention scale 0 averages v", ok, y, 1e-6, 2, 3, 2, 3);

  /* larger than one key tile and one query block, against the naive
   * loop: causal, bias with a fully masked row, Lq != Lk, Dv != D */
  const gint64 H = 2, LQ = 70, LK = 300, DQ = 16, DV = 8;
  g_autofree float *qd = g_new (float, H * LQ * DQ), *kd = g_new (float, H * LK * DQ);
  g_autofree float *vd = g_new (float, H * LK * DV), *bd = g_new (float, H * LQ * LK);
  fill (qd, H * LQ * DQ, 1, -2, 2);
  fill (kd, H * LK * DQ, 2, -2, 2);
  fill (vd, H * LK * DV, 3, -1, 1);
  fill (bd, H * LQ * LK, 4, -3, 3);
  for (gint64 j = 0; j < LK; j++)
    bd[(1 * LQ + 5) * LK + j] = -INFINITY; /* head 1, row 5: all masked */
  g_autoptr (RfTensor) q2 = T (qd, 1, H, LQ, DQ);
  g_autoptr (RfTensor) k2 = T (kd, 1, H, LK, DQ);
  g_autoptr (RfTensor) v2 = T (vd, 1, H, LK, DV);
  g_autoptr (RfTensor) b2 = T (bd, 1, H, LQ, LK);
  g_autoptr (RfTensor) y2 = T (NULL, 1, H, LQ, DV);
  g_autofree double *want = g_new (double, H * LQ * DV);
  for (int causal = 0; causal < 2; causal++)
    for (int with_bias = 0; with_bias < 2; with_bias++)
      {
        char name[96];
        g_snprintf (name, sizeof name, "attention H2 Lq70 Lk300 vs naive%s%s",
                    causal ? " causal" : "", with_bias ? " bias" : "");
        naive_attention (qd, kd, vd, with_bias ? bd : NULL, H, LQ, LK, DQ, DV, 0.3,
                         causal, want);
        ok = rf_op_attention (y2, q2, k2, v2, with_bias ? b2 : NULL, 0.3f, causal, &error);
        check (name, ok, error, y2, want, H * LQ * DV, 2e-5);
      }
}

/* ---- convolution ---- */

static void
naive_conv (const float *x, const float *w, const float *b, gint64 cin, gint64 h,
            gint64 wd, gint64 cout, gint64 kh, gint64 kw, const RfConv2dParams *p,
            gint64 oh, gint64 ow, double *out)
{
  for (gint64 co = 0; co < cout; co++)
    for (gint64 oy = 0; oy < oh; oy++)
      for (gint64 ox = 0; ox < ow; ox++)
        {
          double s = b ? b[co] : 0;
          for (gint64 ci = 0; ci < cin; ci++)
            for (gint64 ky = 0; ky < kh; ky++)
              for (gint64 kx = 0; kx < kw; kx++)
                {
                  gint64 iy = oy * p->stride_h - p->pad_top + ky;
                  gint64 ix = ox * p->stride_w - p->pad_left + kx;
                  if (iy >= 0 && iy < h && ix >= 0 && ix < wd)
                    s += (double) x[(ci * h + iy) * wd + ix] * w[((co * cin + ci) * kh + ky) * kw + kx];
                }
          out[(co * oh + oy) * ow + ox] = s;
        }
}

static void
conv_case (const char *name, gint64 cin, gint64 h, gint64 wd, gint64 cout, gint64 kh,
           gint64 kw, RfConv2dParams p, gboolean with_bias, gint64 want_oh, gint64 want_ow)
{
  g_autoptr (GError) error = NULL;
  gint64 oh = 0, ow = 0;
  gboolean sized = rf_conv2d_out_size (h, wd, kh, kw, &p, &oh, &ow);
  if (!sized || oh != want_oh || ow != want_ow)
    {
      char detail[96];
      g_snprintf (detail, sizeof detail, "output %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                  ", want %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT, oh, ow, want_oh, want_ow);
      check_bool (name, FALSE, detail);
      return;
    }
  g_autofree float *xd = g_new (float, cin * h * wd), *wdat = g_new (float, cout * cin * kh * kw);
  g_autofree float *bd = g_new (float, cout);
  fill (xd, cin * h * wd, 10, -1, 1);
  fill (wdat, cout * cin * kh * kw, 11, -0.5f, 0.5f);
  fill (bd, cout, 12, -1, 1);
  g_autoptr (RfTensor) x = T (xd, 1, cin, h, wd);
  g_autoptr (RfTensor) w = T (wdat, cout, cin, kh, kw);
  g_autoptr (RfTensor) b = T (bd, cout);
  g_autoptr (RfTensor) y = T (NULL, 1, cout, oh, ow);
  g_autofree double *want = g_new (double, cout * oh * ow);
  naive_conv (xd, wdat, with_bias ? bd : NULL, cin, h, wd, cout, kh, kw, &p, oh, ow, want);
  gboolean ok = rf_op_conv2d (y, x, w, with_bias ? b : NULL, &p, &error);
  check (name, ok, error, y, want, cout * oh * ow, 1e-5);
}

static void
test_conv (void)
{
  g_autoptr (GError) error = NULL;
  /* a delta image through a 3×3 kernel 1..9 with pad 1 gives the kernel
   * back, flipped (conv2d is a cross-correlation), plus the bias */
  float xd[25] = { 0 };
  xd[12] = 1;
  g_autoptr (RfTensor) x = T (xd, 1, 1, 5, 5);
  g_autoptr (RfTensor) w = T (F (1, 2, 3, 4, 5, 6, 7, 8, 9), 1, 1, 3, 3);
  g_autoptr (RfTensor) b = T (F (0.5f), 1);
  g_autoptr (RfTensor) y = T (NULL, 1, 1, 5, 5);
  RfConv2dParams p1 = { 1, 1, 1, 1, 1, 1 };
  gboolean ok = rf_op_conv2d (y, x, w, b, &p1, &error);
  CHECK ("conv2d delta image reproduces the flipped kernel", ok, y, 1e-6,
         .5, .5, .5, .5, .5,
         .5, 9.5, 8.5, 7.5, .5,
         .5, 6.5, 5.5, 4.5, .5,
         .5, 3.5, 2.5, 1.5, .5,
         .5, .5, .5, .5, .5);

  conv_case ("conv2d 3x3 pad (0,1,0,1) stride 2: 8x8 -> 4x4", 3, 8, 8, 5, 3, 3,
             (RfConv2dParams){ 2, 2, 0, 1, 0, 1 }, TRUE, 4, 4);
  conv_case ("conv2d 3x3 pad (0,1,0,1) stride 2: 7x9 -> 3x4", 2, 7, 9, 4, 3, 3,
             (RfConv2dParams){ 2, 2, 0, 1, 0, 1 }, FALSE, 3, 4);
  conv_case ("conv2d 2x3 asymmetric pads (2,0,0,3)", 2, 5, 6, 3, 2, 3,
             (RfConv2dParams){ 1, 1, 2, 0, 0, 3 }, TRUE, 6, 7);
  conv_case ("conv2d 1x1 (direct path)", 7, 5, 9, 6, 1, 1,
             (RfConv2dParams){ 1, 1, 0, 0, 0, 0 }, TRUE, 5, 9);
  conv_case ("conv2d 3x3 Cin 64 48x48 (several im2col bands)", 64, 48, 48, 4, 3, 3,
             (RfConv2dParams){ 1, 1, 1, 1, 1, 1 }, TRUE, 48, 48);
  conv_case ("conv2d 3x3 stride 3 pad 2, kernel in the pad", 1, 4, 4, 2, 3, 3,
             (RfConv2dParams){ 3, 3, 2, 2, 2, 2 }, FALSE, 2, 2);

  /* nearest ×2 */
  g_autoptr (RfTensor) u = T (F (1, 2, 3, 4, 5, 6), 1, 1, 2, 3);
  g_autoptr (RfTensor) uy = T (NULL, 1, 1, 4, 6);
  ok = rf_op_upsample_nearest2x (uy, u, &error);
  CHECK ("upsample nearest 2x [1,1,2,3]", ok, uy, 0,
         1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6);
}

/* ---- rope ---- */

static void
test_rope (void)
{
  g_autoptr (GError) error = NULL;
  /* L = 2 positions, D = 4 (two pairs). Position 0 pairs rotate by a0,
   * a1; position 1 by b0, b1. x holds unit vectors e0 and e1. */
  const double a0 = 0.3, a1 = -1.2, b0 = 2.0, b1 = 3.0;
  g_autoptr (RfTensor) pe = T (F (cosf (a0), sinf (a0), cosf (a1), sinf (a1),
                                  cosf (b0), sinf (b0), cosf (b1), sinf (b1)), 2, 2, 2);
  g_autoptr (RfTensor) x = T (F (1, 0, 0, 1, 1, 0, 1, 0), 1, 1, 2, 4);
  g_autoptr (RfTensor) y = T (NULL, 1, 1, 2, 4);
  gboolean ok = rf_op_rope (y, x, pe, &error);
  /* (1,0) → (cos, sin); (0,1) → (-sin, cos) */
  CHECK ("rope rotates unit vectors by the angle", ok, y, 1e-6,
         cos (a0), sin (a0), -sin (a1), cos (a1), cos (b0), sin (b0), cos (b1), sin (b1));
}

/* ---- norms ---- */

static void
test_norms (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfTensor) x = T (F (1, 2, 3, 4, -5, -5, -5, -5), 2, 4);
  g_autoptr (RfTensor) y = T (NULL, 2, 4);
  double r = 1 / sqrt (1.25 + 1e-5), c = 1 / sqrt (1e-5);
  gboolean ok = rf_op_layernorm (y, x, 1e-5f, &error);
  CHECK ("layernorm [1,2,3,4] and a constant row", ok, y, 1e-5,
         -1.5 * r, -0.5 * r, 0.5 * r, 1.5 * r, 0 * c, 0, 0, 0);

  g_autoptr (RfTensor) x2 = T (F (3, 4, 0, 0), 2, 2);
  g_autoptr (RfTensor) w2 = T (F (2, 0.5f), 2);
  g_autoptr (RfTensor) y2 = T (NULL, 2, 2);
  double rr = 1 / sqrt (12.5 + 1e-6);
  ok = rf_op_rmsnorm (y2, x2, w2, 1e-6f, &error);
  CHECK ("rmsnorm [3,4] weighted (2, 0.5), zero row", ok, y2, 1e-6,
         3 * rr * 2, 4 * rr * 0.5, 0, 0);
  ok = rf_op_rmsnorm (y2, x2, NULL, 1e-6f, &error);
  CHECK ("rmsnorm [3,4] without weight", ok, y2, 1e-6, 3 * rr, 4 * rr, 0, 0);

  /* groupnorm x [1, 4, 1, 2], 2 groups: group 0 = channels 0,1 holding
   * 1,2,3,4 (mean 2.5 var 1.25), group 1 = channels 2,3 holding 10,10,10,14
   * (mean 11 var 3) */
  g_autoptr (RfTensor) g = T (F (1, 2, 3, 4, 10, 10, 10, 14), 1, 4, 1, 2);
  g_autoptr (RfTensor) gw = T (F (1, 2, 1, -1), 4);
  g_autoptr (RfTensor) gb = T (F (0, 0, 1, 0.5f), 4);
  g_autoptr (RfTensor) gy = T (NULL, 1, 4, 1, 2);
  double s0 = 1 / sqrt (1.25 + 1e-6), s1 = 1 / sqrt (3 + 1e-6);
  ok = rf_op_groupnorm (gy, g, 2, gw, gb, 1e-6f, &error);
  CHECK ("groupnorm 2 groups with weight and bias", ok, gy, 1e-6,
         -1.5 * s0, -0.5 * s0, 0.5 * s0 * 2, 1.5 * s0 * 2,
         -1 * s1 + 1, -1 * s1 + 1, -(-1 * s1) + 0.5, -(3 * s1) + 0.5);

  /* [B, C, N] layout, no affine */
  g_autoptr (RfTensor) g3 = T (F (0, 2, 4, 6), 1, 2, 2);
  g_autoptr (RfTensor) gy3 = T (NULL, 1, 2, 2);
  double s3 = 1 / sqrt (5 + 1e-6);
  ok = rf_op_groupnorm (gy3, g3, 1, NULL, NULL, 1e-6f, &error);
  CHECK ("groupnorm [B,C,N] one group", ok, gy3, 1e-6, -3 * s3, -1 * s3, 1 * s3, 3 * s3);
}

/* ---- timestep embedding ---- */

static void
test_timestep (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfTensor) t = T (F (0, 0.5f), 2);
  g_autoptr (RfTensor) y = T (NULL, 2, 4);
  /* half = 2: f = (1, exp(-ln(1e4)/2) = 0.01); t = 0.5 with factor 1000
   * gives arguments 500 and 5 */
  gboolean ok = rf_op_timestep_embedding (y, t, 1000.0f, 10000.0f, FALSE, &error);
  CHECK ("timestep embedding t=0 (cos 1, sin 0) and t=0.5 x1000", ok, y, 2e-5,
         1, 1, 0, 0, cos (500.0), cos (5.0), sin (500.0), sin (5.0));

  g_autoptr (RfTensor) t1 = T (F (0.25f), 1);
  g_autoptr (RfTensor) y5 = T (NULL, 1, 5);
  ok = rf_op_timestep_embedding (y5, t1, 4.0f, 10000.0f, TRUE, &error);
  CHECK ("timestep embedding sin first, odd dim (zero last column)", ok, y5, 1e-6,
         sin (1.0), sin (0.01), cos (1.0), cos (0.01), 0);
}

/* ---- elementwise ---- */

static void
test_elementwise (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfTensor) x = T (F (1, 0, -1, 2, -2, 0.5f), 6);
  g_autoptr (RfTensor) y = T (NULL, 6);
  gboolean ok = rf_op_gelu (y, x, &error);
  /* tanh approximation: gelu(1) = 0.841192, gelu(-1) = -0.158808 */
  CHECK ("gelu (tanh) at known points", ok, y, 2e-6,
         0.841192, 0, -0.158808, 1.954598, -0.045402, 0.345714);
  ok = rf_op_silu (y, x, &error);
  CHECK ("silu at known points", ok, y, 1e-6,
         1 / (1 + exp (-1)), 0, -1 / (1 + exp (1)), 2 / (1 + exp (-2)), -2 / (1 + exp (2)),
         0.5 / (1 + exp (-0.5)));
  ok = rf_op_sigmoid (y, x, &error);
  CHECK ("sigmoid at known points", ok, y, 1e-6,
         1 / (1 + exp (-1)), 0.5, 1 / (1 + exp (1)), 1 / (1 + exp (-2)), 1 / (1 + exp (2)),
         1 / (1 + exp (-0.5)));
  ok = rf_op_tanh (y, x, &error);
  CHECK ("tanh at known points", ok, y, 1e-6,
         tanh (1), 0, tanh (-1), tanh (2), tanh (-2), tanh (0.5));
  ok = rf_op_relu (y, x, &error);
  CHECK ("relu", ok, y, 0, 1, 0, 0, 2, 0, 0.5);
  ok = rf_op_scale (y, x, 3.0f, -1.0f, &error);
  CHECK ("scale x*3 - 1", ok, y, 0, 2, -1, -4, 5, -7, 0.5);

  /* sweeps against double-precision formulas, relative error: the
   * activations use the backend's own exp, so check it over the range */
  enum { SWEEP = 2001 };
  g_autofree float *sx = g_new (float, SWEEP);
  g_autofree double *sig = g_new (double, SWEEP), *gel = g_new (double, SWEEP);
  for (int i = 0; i < SWEEP; i++)
    {
      double v = -100.0 + 200.0 * i / (SWEEP - 1) + 1e-3;
      sx[i] = (float) v;
      v = sx[i];
      sig[i] = 1 / (1 + exp (-v));
      gel[i] = 0.5 * v * (1 + tanh (sqrt (2 / M_PI) * (v + 0.044715 * v * v * v)));
    }
  g_autoptr (RfTensor) sweep_x = T (sx, SWEEP);
  g_autoptr (RfTensor) sweep_y = T (NULL, SWEEP);
  ok = rf_op_sigmoid (sweep_y, sweep_x, &error);
  if (ok)
    {
      g_autofree float *v = read_all (sweep_y);
      double worst = 0;
      for (int i = 0; i < SWEEP; i++)
        if (sig[i] > 1e-37) /* normal f32 results: relative error */
          worst = MAX (worst, fabs (v[i] - sig[i]) / sig[i]);
      char detail[64];
      g_snprintf (detail, sizeof detail, "max rel err %.2e", worst);
      check_bool ("sigmoid sweep [-100, 100] (relative)", worst < 1e-6, detail);
    }
  ok = rf_op_gelu (sweep_y, sweep_x, &error);
  check ("gelu sweep [-100, 100]", ok, error, sweep_y, gel, SWEEP, 1e-6);

  g_autoptr (RfTensor) xs = T (F (INFINITY, -INFINITY, NAN), 3);
  g_autoptr (RfTensor) ys = T (NULL, 3);
  ok = rf_op_gelu (ys, xs, &error);
  CHECK ("gelu at inf, -inf (NaN, as x*0), NaN", ok, ys, 0, INFINITY, NAN, NAN);
  ok = rf_op_sigmoid (ys, xs, &error);
  CHECK ("sigmoid at inf, -inf, NaN", ok, ys, 0, 1, 0, NAN);

  /* broadcasting: [2,1] + [3] → [2,3]; b - a; a * b */
  g_autoptr (RfTensor) a = T (F (10, 20), 2, 1);
  g_autoptr (RfTensor) b = T (F (1, 2, 3), 3);
  g_autoptr (RfTensor) z = T (NULL, 2, 3);
  ok = rf_op_add (z, a, b, &error);
  CHECK ("add [2,1] + [3] broadcast", ok, z, 0, 11, 12, 13, 21, 22, 23);
  ok = rf_op_sub (z, b, a, &error);
  CHECK ("sub [3] - [2,1] broadcast", ok, z, 0, -9, -8, -7, -19, -18, -17);
  ok = rf_op_mul (z, a, b, &error);
  CHECK ("mul [2,1] * [3] broadcast", ok, z, 0, 10, 20, 30, 20, 40, 60);

  /* modulate x·(1+scale)+shift, gated_add x + gate·y, with per-row vectors */
  g_autoptr (RfTensor) mx = T (F (1, 2, 3, 4), 2, 2);
  g_autoptr (RfTensor) shift = T (F (0.5f, -1), 1, 2);
  g_autoptr (RfTensor) scl = T (F (1, 0), 1, 2);
  g_autoptr (RfTensor) my = T (NULL, 2, 2);
  ok = rf_op_modulate (my, mx, shift, scl, &error);
  CHECK ("modulate x*(1+scale)+shift", ok, my, 0, 2.5, 1, 6.5, 3);
  g_autoptr (RfTensor) gy = T (F (10, 20, 30, 40), 2, 2);
  ok = rf_op_gated_add (my, mx, scl, gy, &error);
  CHECK ("gated_add x + gate*y", ok, my, 0, 11, 2, 33, 4);

  /* a permuted (strided) input: transpose of [[1,2,3],[4,5,6]] plus 1 */
  g_autoptr (RfTensor) m = T (F (1, 2, 3, 4, 5, 6), 2, 3);
  g_autoptr (RfTensor) mt = rf_tensor_view_permute (m, (const int[]){ 1, 0 }, &error);
  g_autoptr (RfTensor) one = T (F (1), 1);
  g_autoptr (RfTensor) ty = T (NULL, 3, 2);
  ok = mt != NULL && rf_op_add (ty, mt, one, &error);
  CHECK ("add on a transposed view", ok, ty, 0, 2, 5, 3, 6, 4, 7);
}

/* ---- copies ---- */

static void
test_copy (void)
{
  g_autoptr (GError) error = NULL;
  /* exactly representable in f16: powers of two, small integers, the
   * largest f16 (65504), the smallest normal (2^-14) and a subnormal */
  const float vals[8] = { 0.5f, -2, 1024, 65504, 0x1p-14f, 0x1p-20f, -3.75f, 0 };
  g_autoptr (RfTensor) x = T (vals, 8);
  g_autoptr (RfTensor) h = rf_tensor_new (be, RF_DTYPE_F16, 1, SHAPE (8), &error);
  g_autoptr (RfTensor) y = T (NULL, 8);
  gboolean ok = rf_op_copy (h, x, &error) && rf_op_copy (y, h, &error);
  CHECK ("copy f32 -> f16 -> f32 exact values", ok, y, 0,
         0.5, -2, 1024, 65504, 0x1p-14, 0x1p-20, -3.75, 0);

  /* rounding: 1 + 2^-11 is a tie between f16 neighbours → even (1.0);
   * 1 + 3·2^-11 rounds up to 1 + 2^-9; 70000 overflows to inf */
  g_autoptr (RfTensor) x2 = T (F (1 + 0x1p-11f, 1 + 3 * 0x1p-11f, 70000), 3);
  g_autoptr (RfTensor) h2 = rf_tensor_new (be, RF_DTYPE_F16, 1, SHAPE (3), &error);
  g_autoptr (RfTensor) y2 = T (NULL, 3);
  ok = rf_op_copy (h2, x2, &error) && rf_op_copy (y2, h2, &error);
  CHECK ("copy f32 -> f16 rounds to nearest even", ok, y2, 0, 1, 1 + 0x1p-9, INFINITY);

  g_autoptr (RfTensor) bf = rf_tensor_new (be, RF_DTYPE_BF16, 1, SHAPE (3), &error);
  g_autoptr (RfTensor) x3 = T (F (1 + 0x1p-8f, 1 + 3 * 0x1p-8f, -0.15625f), 3);
  ok = rf_op_copy (bf, x3, &error) && rf_op_copy (y2, bf, &error);
  CHECK ("copy f32 -> bf16 -> f32 rounding", ok, y2, 0, 1, 1 + 0x1p-6, -0.15625);

  /* permuted copy [2,3] → [3,2] contiguous */
  g_autoptr (RfTensor) m = T (F (1, 2, 3, 4, 5, 6), 2, 3);
  g_autoptr (RfTensor) mt = rf_tensor_view_permute (m, (const int[]){ 1, 0 }, &error);
  g_autoptr (RfTensor) c = T (NULL, 3, 2);
  ok = mt != NULL && rf_op_copy (c, mt, &error);
  CHECK ("copy of a transposed view", ok, c, 0, 1, 4, 2, 5, 3, 6);

  /* same-dtype copy of a non-float type, into a strided destination */
  g_autoptr (RfTensor) ia = rf_tensor_new (be, RF_DTYPE_I32, 1, SHAPE (4), &error);
  g_autoptr (RfTensor) ib = rf_tensor_new (be, RF_DTYPE_I32, 1, SHAPE (8), &error);
  const gint32 iv[4] = { 7, -1, 1 << 30, 42 }, zero[8] = { 0 };
  gint32 out[8];
  gboolean iok = rf_tensor_write (ia, iv, sizeof iv, &error)
                 && rf_tensor_write (ib, zero, sizeof zero, &error);
  g_autoptr (RfTensor) ib2 = iok ? rf_tensor_view_reshape (ib, 2, SHAPE (4, 2), &error) : NULL;
  g_autoptr (RfTensor) col = ib2 ? rf_tensor_view_narrow (ib2, 1, 1, 1, &error) : NULL;
  g_autoptr (RfTensor) ia2 = col ? rf_tensor_view_reshape (ia, 2, SHAPE (4, 1), &error) : NULL;
  iok = ia2 != NULL && rf_op_copy (col, ia2, &error) && rf_tensor_read (ib, out, sizeof out, &error);
  iok = iok && out[0] == 0 && out[1] == 7 && out[3] == -1 && out[5] == (1 << 30) && out[7] == 42
        && out[2] == 0 && out[6] == 0;
  check_bool ("copy i32 into a strided column", iok, error ? error->message : "");
}

/* ---- linear and matmul ---- */

static void
naive_linear (const float *x, const float *w, const float *b, gint64 m, gint64 n,
              gint64 k, double *out)
{
  for (gint64 i = 0; i < m; i++)
    for (gint64 j = 0; j < n; j++)
      {
        double s = b ? b[j] : 0;
        for (gint64 c = 0; c < k; c++)
          s += (double) x[i * k + c] * w[j * k + c];
        out[i * n + j] = s;
      }
}

static void
linear_dtype_case (RfDType wtype, gint64 m, gint64 n, gint64 k)
{
  g_autoptr (GError) error = NULL;
  char name[96];
  g_autofree float *xd = g_new (float, m * k), *wd = g_new (float, n * k);
  g_autofree float *bd = g_new (float, n);
  fill (xd, m * k, 20, -1, 1);
  fill (wd, n * k, 21, -0.5f, 0.5f);
  fill (bd, n, 22, -1, 1);
  g_autoptr (RfTensor) x = T (xd, m, k);
  g_autoptr (RfTensor) w32 = T (wd, n, k);
  g_autoptr (RfTensor) b = T (bd, n);
  g_autoptr (RfTensor) wq = rf_tensor_new (be, wtype, 2, SHAPE (n, k), &error);
  g_autoptr (RfTensor) y = T (NULL, m, n);
  g_autoptr (RfTensor) y_ref = T (NULL, m, n);
  g_assert_no_error (error);
  /* the weights rounded to wtype and back, then an f32 linear */
  if (wtype == RF_DTYPE_F8_E4M3)
    {
      /* no f32 → f8 copy: store bytes 0x38 + i%8 (1.0 .. 1.875) directly */
      g_autofree guint8 *raw = g_new (guint8, n * k);
      for (gint64 i = 0; i < n * k; i++)
        {
          raw[i] = (guint8) (0x38 + i % 8) | (i % 3 == 0 ? 0x80 : 0);
          wd[i] = rf_f8_e4m3_to_f32 (raw[i]);
        }
      rf_tensor_write (wq, raw, n * k, &error);
      rf_tensor_write_f32 (w32, wd, n * k, &error);
    }
  else if (rf_op_copy (wq, w32, &error))
    rf_op_copy (w32, wq, &error);
  g_assert_no_error (error);
  g_autofree float *wr = read_all (w32);
  g_autofree double *want = g_new (double, m * n);
  naive_linear (xd, wr, bd, m, n, k, want);

  gboolean ok = rf_op_linear (y, x, wq, b, &error) && rf_op_linear (y_ref, x, w32, b, &error);
  g_snprintf (name, sizeof name, "linear %s weights [%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT
              "]x[%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT "] vs naive", rf_dtype_name (wtype),
              m, k, n, k);
  check (name, ok, error, y, want, m * n, 1e-5);
  if (ok)
    {
      /* identical decoded weights must give the identical f32 result */
      g_autofree float *a = read_all (y), *r = read_all (y_ref);
      g_snprintf (name, sizeof name, "linear %s == f32 linear on rounded weights",
                  rf_dtype_name (wtype));
      check_bool (name, memcmp (a, r, sizeof (float) * m * n) == 0, "bitwise");
    }
}

static void
test_linear (void)
{
  g_autoptr (GError) error = NULL;
  /* by hand: x [1,2], w [[1,2],[3,4],[5,6]], b [0.5, 0, -1] */
  g_autoptr (RfTensor) x = T (F (1, 2), 1, 2);
  g_autoptr (RfTensor) w = T (F (1, 2, 3, 4, 5, 6), 3, 2);
  g_autoptr (RfTensor) b = T (F (0.5f, 0, -1), 3);
  g_autoptr (RfTensor) y = T (NULL, 1, 3);
  gboolean ok = rf_op_linear (y, x, w, b, &error);
  CHECK ("linear by hand (PyTorch [out, in] weights)", ok, y, 0, 5.5, 11, 16);

  /* tiles: 300 rows and 300 outputs cross both 256-tiles */
  linear_dtype_case (RF_DTYPE_BF16, 300, 300, 64);
  linear_dtype_case (RF_DTYPE_F16, 5, 33, 96);
  linear_dtype_case (RF_DTYPE_F8_E4M3, 3, 17, 40);

  /* a hand-built q8_0 block: d = 0.5 (f16 0x3800), q_i = i - 16, so
   * w_i = (i - 16) / 2 and ones · w = -8 */
  guint8 block[34] = { 0x00, 0x38 };
  for (int i = 0; i < 32; i++)
    block[2 + i] = (guint8) (gint8) (i - 16);
  g_autoptr (RfTensor) q = rf_tensor_new (be, RF_DTYPE_Q8_0, 2, SHAPE (1, 32), &error);
  g_autoptr (RfTensor) x32 = T (NULL, 1, 32);
  g_autoptr (RfTensor) y1 = T (NULL, 1, 1);
  float ones[32];
  for (int i = 0; i < 32; i++)
    ones[i] = 1.0f;
  g_assert_no_error (error);
  ok = rf_tensor_write (q, block, sizeof block, &error)
       && rf_tensor_write_f32 (x32, ones, 32, &error)
       && rf_op_linear (y1, x32, q, NULL, &error);
  CHECK ("linear with a hand-built q8_0 block", ok, y1, 0, -8);
  g_clear_error (&error);

  /* matmul [1,2,3] x [2,3,2]: the batch of a broadcasts */
  g_autoptr (RfTensor) a = T (F (1, 2, 3, 4, 5, 6), 1, 2, 3);
  g_autoptr (RfTensor) bm = T (F (1, 0, 0, 1, 1, 1, 2, 0, 0, 2, 0, 0), 2, 3, 2);
  g_autoptr (RfTensor) c = T (NULL, 2, 2, 2);
  ok = rf_op_matmul (c, a, bm, FALSE, &error);
  CHECK ("matmul [1,2,3]x[2,3,2] with batch broadcast", ok, c, 0,
         4, 5, 10, 11, 2, 4, 8, 10);
  /* trans_b: b given as [2, 2, 3] (N, K), same products */
  g_autoptr (RfTensor) bt = T (F (1, 0, 1, 0, 1, 1, 2, 0, 0, 0, 2, 0), 2, 2, 3);
  ok = rf_op_matmul (c, a, bt, TRUE, &error);
  CHECK ("matmul trans_b with batch broadcast", ok, c, 0, 4, 5, 10, 11, 2, 4, 8, 10);
}

/* ---- reductions and errors ---- */

static void
test_reduce (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfTensor) x = T (F (1, 2, 3, 4, -1, NAN, 5, 0), 2, 4);
  g_autoptr (RfTensor) y = T (NULL, 2, 1);
  gboolean ok = rf_op_reduce (y, x, RF_REDUCE_SUM, &error);
  CHECK ("reduce sum (NaN row stays NaN)", ok, y, 0, 10, NAN);
  ok = rf_op_reduce (y, x, RF_REDUCE_MEAN, &error);
  CHECK ("reduce mean", ok, y, 0, 2.5, NAN);
  ok = rf_op_reduce (y, x, RF_REDUCE_MAX, &error);
  CHECK ("reduce max (NaN propagates)", ok, y, 0, 4, NAN);
  g_autoptr (RfTensor) x2 = T (F (-3, -7, -INFINITY), 1, 3);
  g_autoptr (RfTensor) y2 = T (NULL, 1, 1);
  ok = rf_op_reduce (y2, x2, RF_REDUCE_MAX, &error);
  CHECK ("reduce max of negatives", ok, y2, 0, -3);

  /* an absurd allocation is an error, not an abort */
  g_autoptr (RfTensor) huge = rf_tensor_new (be, RF_DTYPE_F32, 2, SHAPE (1 << 20, 1 << 19), &error);
  check_bool ("2 TiB tensor fails with NO_MEMORY", huge == NULL
              && g_error_matches (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY),
              error ? error->message : "allocated?");
}

/* ---- thread count independence ---- */

typedef gboolean (*RunFn) (RfBackend *b, RfTensor **out, GError **error);

/* Builds inputs from fixed seeds on @b and runs a mixed set of ops whose
 * outputs are concatenated into one [n] tensor. */
static gboolean
run_mix (RfBackend *b, float **result, gint64 *n_out, GError **error)
{
  RfBackend *saved = be;
  be = b;
  const gint64 M = 300, K = 96, N = 280;
  g_autofree float *xd = g_new (float, M * K), *wd = g_new (float, N * K);
  g_autofree float *bd = g_new (float, N), *cd = g_new (float, 8 * 40 * 40);
  g_autofree float *qd = g_new (float, 2 * 300 * 32), *kd = g_new (float, 2 * 300 * 32);
  fill (xd, M * K, 31, -1, 1);
  fill (wd, N * K, 32, -1, 1);
  fill (bd, N, 33, -1, 1);
  fill (cd, 8 * 40 * 40, 34, -1, 1);
  fill (qd, 2 * 300 * 32, 35, -1, 1);
  fill (kd, 2 * 300 * 32, 36, -1, 1);
  g_autoptr (RfTensor) x = T (xd, M, K);
  g_autoptr (RfTensor) w = T (wd, N, K);
  g_autoptr (RfTensor) wb = rf_tensor_new (be, RF_DTYPE_BF16, 2, SHAPE (N, K), error);
  g_autoptr (RfTensor) bias = T (bd, N);
  g_autoptr (RfTensor) lin = T (NULL, M, N);
  g_autoptr (RfTensor) gel = T (NULL, M, N);
  g_autoptr (RfTensor) sm = T (NULL, M, N);
  g_autoptr (RfTensor) img = T (cd, 1, 8, 40, 40);
  g_autoptr (RfTensor) cw = T (wd, 8, 8, 3, 3);
  g_autoptr (RfTensor) conv = T (NULL, 1, 8, 40, 40);
  g_autoptr (RfTensor) gn = T (NULL, 1, 8, 40, 40);
  g_autoptr (RfTensor) q = T (qd, 1, 2, 300, 32);
  g_autoptr (RfTensor) k = T (kd, 1, 2, 300, 32);
  g_autoptr (RfTensor) att = T (NULL, 1, 2, 300, 32);
  RfConv2dParams p = { 1, 1, 1, 1, 1, 1 };
  gboolean ok = wb != NULL && rf_op_copy (wb, w, error)
                && rf_op_linear (lin, x, wb, bias, error)
                && rf_op_gelu (gel, lin, error)
                && rf_op_softmax (sm, gel, 0.7f, error)
                && rf_op_conv2d (conv, img, cw, NULL, &p, error)
                && rf_op_groupnorm (gn, conv, 4, NULL, NULL, 1e-6f, error)
                && rf_op_attention (att, q, k, q, NULL, 0.2f, TRUE, error);
  be = saved;
  if (!ok)
    return FALSE;
  const RfTensor *outs[4] = { sm, gn, att, lin };
  gint64 total = 0;
  for (int i = 0; i < 4; i++)
    total += rf_tensor_numel (outs[i]);
  *result = g_new (float, total);
  *n_out = total;
  gint64 at = 0;
  for (int i = 0; i < 4; i++)
    {
      g_autofree float *v = rf_tensor_read_f32 (outs[i], error);
      if (v == NULL)
        return FALSE;
      memcpy (*result + at, v, sizeof (float) * rf_tensor_numel (outs[i]));
      at += rf_tensor_numel (outs[i]);
    }
  return TRUE;
}

static void
test_threads (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfBackend) one = rf_backend_new_cpu (1);
  g_autoptr (RfBackend) two = rf_backend_new_cpu (2);
  g_autofree float *a = NULL, *b = NULL;
  gint64 na = 0, nb = 0;
  gboolean ok = run_mix (one, &a, &na, &error) && run_mix (two, &b, &nb, &error);
  if (!ok || na != nb)
    {
      check_bool ("1 thread vs 2 threads", FALSE, error ? error->message : "size mismatch");
      return;
    }
  double worst = 0;
  for (gint64 i = 0; i < na; i++)
    worst = MAX (worst, fabs ((double) a[i] - b[i]) / (1.0 + fabs ((double) a[i])));
  char detail[64];
  g_snprintf (detail, sizeof detail, "max rel diff %.2e over %" G_GINT64_FORMAT " values",
              worst, na);
  check_bool ("1 thread vs 2 threads (linear bf16, conv, attention...)", worst <= 1e-6, detail);
}

int
main (void)
{
  be = rf_backend_new_cpu (0);
  printf ("# %s\n", rf_backend_description (be));
  test_softmax ();
  test_attention ();
  test_conv ();
  test_rope ();
  test_norms ();
  test_timestep ();
  test_elementwise ();
  test_copy ();
  test_linear ();
  test_reduce ();
  test_threads ();
  rf_backend_free (be);
  printf ("%d passed, %d failed\n", n_passed, n_failed);
  return n_failed ? 1 : 0;
}
