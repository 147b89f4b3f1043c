/* cpu-conv.c — 2-D convolution (im2col + sgemm) and nearest ×2 upsampling.
 *
 * conv2d works on bands of output pixels (in row-major oy, ox order) so
 * the im2col matrix of a band, [Cin·kh·kw, pixels], stays within a fixed
 * per-thread budget however large the image is. Each band is one sgemm
 *
 *   out[b, :, band] = w[Cout, Cin·kh·kw] · col[Cin·kh·kw, band] (+ bias)
 *
 * A 1×1 stride-1 unpadded conv needs no im2col: x[b] already is the
 * column matrix. Band sizes depend only on the shapes, so results do not
 * depend on the thread count.
 */
#include "cpu-private.h"

#include <cblas.h>
#include <omp.h>

/* Floats of im2col scratch per thread (4 MiB); a band has at least
 * MIN_BAND pixels even when that exceeds it (very deep inputs). */
#define COL_BUDGET (1 << 20)
#define MIN_BAND 64

typedef struct {
  gint64 batch, cin, h, w, cout, kh, kw, oh, ow;
  int sh, sw, pt, pl;
} ConvGeom;

static inline gint64
floor_div (gint64 a, gint64 b)
{
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static inline gint64
ceil_div (gint64 a, gint64 b)
{
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

/* col[(ci, ky, kx), j] for the output pixels p0 + j, j < pn, of image @x
 * [Cin, H, W]; zero where the kernel reads padding. */
static void
im2col_band (const ConvGeom *g, const float *x, gint64 p0, gint64 pn, float *col)
{
  for (gint64 ci = 0; ci < g->cin; ci++)
    for (gint64 ky = 0; ky < g->kh; ky++)
      for (gint64 kx = 0; kx < g->kw; kx++)
        {
          float *row = col + ((ci * g->kh + ky) * g->kw + kx) * pn;
          /* valid ox: 0 <= ox·sw - pl + kx < W */
          gint64 ox_lo = MAX (0, ceil_div (g->pl - kx, g->sw));
          gint64 ox_hi = MIN (g->ow, floor_div (g->w - 1 + g->pl - kx, g->sw) + 1);
          gint64 j = 0;
          while (j < pn)
            {
              /* one segment of the band within output row oy */
              gint64 p = p0 + j, oy = p / g->ow, ox0 = p % g->ow;
              gint64 seg = MIN (g->ow - ox0, pn - j);
              gint64 iy = oy * g->sh - g->pt + ky;
              float *dst = row + j; /* dst[t] is output pixel ox0 + t */
              if (iy < 0 || iy >= g->h)
                memset (dst, 0, sizeof (float) * seg);
              else
                {
                  /* input column of dst[t]: (ox0 + t)·sw - pl + kx */
                  const float *src = x + (ci * g->h + iy) * g->w;
                  gint64 lo = CLAMP (ox_lo, ox0, ox0 + seg) - ox0;
                  gint64 hi = CLAMP (ox_hi, ox0 + lo, ox0 + seg) - ox0;
                  for (gint64 t = 0; t < lo; t++)
                    dst[t] = 0.0f;
                  if (g->sw == 1 && hi > lo)
                    memcpy (dst + lo, src + ox0 + lo - g->pl + kx, sizeof (float) * (hi - lo));
                  else if (g->sw != 1)
                    for (gint64 t = lo; t < hi; t++)
                      dst[t] = src[(ox0 + t) * g->sw - g->pl + kx];
                  for (gint64 t = hi; t < seg; t++)
                    dst[t] = 0.0f;
                }
              j += seg;
            }
        }
}

gboolean
rf_cpu_run_conv2d (RfCpuBackend *cpu, const RfOp *op, GError **error)
{
  const RfTensor *x = op->src[0], *w = op->src[1], *bias = op->src[2];
  const ConvGeom g = {
    .batch = x->shape[0], .cin = x->shape[1], .h = x->shape[2], .w = x->shape[3],
    .cout = w->shape[0], .kh = w->shape[2], .kw = w->shape[3],
    .oh = op->dst->shape[2], .ow = op->dst->shape[3],
    .sh = op->i[0], .sw = op->i[1], .pt = op->i[2], .pl = op->i[4],
  };
  const gint64 ckk = g.cin * g.kh * g.kw, pixels = g.oh * g.ow;
  const gboolean direct = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1
                          && op->i[2] == 0 && op->i[3] == 0 && op->i[4] == 0 && op->i[5] == 0;
  gint64 band = MAX (MIN_BAND, COL_BUDGET / ckk);
  band = MIN (band, pixels);
  if (ckk > G_MAXINT || pixels > G_MAXINT || g.cout > G_MAXINT)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_UNSUPPORTED,
                   "cpu conv2d: sizes exceed what BLAS can index");
      return FALSE;
    }
  g_autofree float *scratch = NULL;
  if (!direct && (scratch = rf_cpu_scratch_new (cpu, ckk * band, "conv2d im2col", error)) == NULL)
    return FALSE;

  const float *xp = rf_cpu_f32 (x), *wp = rf_cpu_f32 (w);
  const float *bp = bias ? rf_cpu_f32 (bias) : NULL;
  float *yp = rf_cpu_f32 (op->dst);
  const gint64 bands = (pixels + band - 1) / band, tasks = g.batch * bands;
  const gboolean par = g.batch * g.cout * pixels * ckk >= RF_CPU_PARALLEL_MIN * 16;

#pragma omp parallel for num_threads (cpu->n_threads) if (par) schedule (dynamic, 1)
  for (gint64 task = 0; task < tasks; task++)
    {
      gint64 b = task / bands, p0 = (task % bands) * band, pn = MIN (band, pixels - p0);
      const float *xb = xp + b * g.cin * g.h * g.w;
      float *yb = yp + b * g.cout * pixels + p0;
      const float *col;
      gint64 ldb;
      if (direct)
        {
          col = xb + p0;
          ldb = pixels;
        }
      else
        {
          float *c = scratch + (gint64) omp_get_thread_num () * ckk * band;
          im2col_band (&g, xb, p0, pn, c);
          col = c;
          ldb = pn;
        }
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) g.cout, (int) pn, (int) ckk,
                   1.0f, wp, (int) ckk, col, (int) ldb, 0.0f, yb, (int) pixels);
      if (bp != NULL)
        for (gint64 co = 0; co < g.cout; co++)
          for (gint64 j = 0; j < pn; j++)
            yb[co * pixels + j] += bp[co];
    }
  return TRUE;
}

/* [B, C, H, W] → [B, C, 2H, 2W], each input pixel becoming a 2×2 block. */
gboolean
rf_cpu_run_upsample_nearest2x (RfCpuBackend *cpu, const RfOp *op, GError **error)
{
  const RfTensor *x = op->src[0];
  const gint64 h = x->shape[2], w = x->shape[3];
  const gint64 rows = x->shape[0] * x->shape[1] * h;
  const float *xp = rf_cpu_f32 (x);
  float *yp = rf_cpu_f32 (op->dst);

#pragma omp parallel for num_threads (cpu->n_threads) if (rows * w >= RF_CPU_PARALLEL_MIN) schedule (static)
  for (gint64 r = 0; r < rows; r++)
    {
      /* input row r = (plane, y) feeds output rows 2y and 2y+1 of the plane,
       * which are rows 2r and 2r+1 of the output viewed as [B·C·2H, 2W] */
      const float *in = xp + r * w;
      float *out = yp + 2 * r * 2 * w;
      for (gint64 i = 0; i < w; i++)
        out[2 * i] = out[2 * i + 1] = in[i];
      memcpy (out + 2 * w, out, sizeof (float) * 2 * w);
    }
  return TRUE;
}
