/* cpu-norm.c — layernorm, rmsnorm, groupnorm and softmax over
 * contiguous rows.
 *
 * Statistics are accumulated in double, with mean and variance in two
 * passes, so the reference is more accurate than any GPU kernel it
 * checks. Rows are independent and split across threads; a row's result
 * never depends on the thread count.
 */
#include "cpu-private.h"

/* Σ (x - mean)² */
static double
sq_dev_f64 (const float *x, gint64 n, double mean)
{
  double s = 0.0;
#pragma omp simd reduction (+ : s)
  for (gint64 j = 0; j < n; j++)
    {
      double d = x[j] - mean;
      s += d * d;
    }
  return s;
}

gboolean
rf_cpu_run_layernorm (RfCpuBackend *cpu, const RfOp *op, GError **error)
{
  const RfTensor *x = op->src[0];
  const gint64 d = x->shape[x->ndim - 1], rows = rf_cpu_rows (x);
  const float *xp = rf_cpu_f32 (x);
  float *yp = rf_cpu_f32 (op->dst);
  const double eps = op->f[0];

#pragma omp parallel for num_threads (cpu->n_threads) if (rows * d >= RF_CPU_PARALLEL_MIN) schedule (static)
  for (gint64 r = 0; r < rows; r++)
    {
      const float *xr = xp + r * d;
      float *yr = yp + r * d;
      double mean = rf_cpu_sum_f64 (xr, d) / d;
      double var = sq_dev_f64 (xr, d, mean) / d;
      float mean_f = (float) mean, rstd = (float) (1.0 / sqrt (var + eps));
      for (gint64 j = 0; j < d; j++)
        yr[j] = (xr[j] - mean_f) * rstd;
    }
  return TRUE;
}

gboolean
rf_cpu_run_rmsnorm (RfCpuBackend *cpu, const RfOp *op, GError **error)
{
  const RfTensor *x = op->src[0], *w = op->src[1];
  const gint64 d = x->shape[x->ndim - 1], rows = rf_cpu_rows (x);
  const float *xp = rf_cpu_f32 (x), *wp = w ? rf_cpu_f32 (w) : NULL;
  float *yp = rf_cpu_f32 (op->dst);
  const double eps = op->f[0];

#pragma omp parallel for num_threads (cpu->n_threads) if (rows * d >= RF_CPU_PARALLEL_MIN) schedule (static)
  for (gint64 r = 0; r < rows; r++)
    {
      const float *xr = xp + r * d;
      float *yr = yp + r * d;
      double ss = 0.0;
#pragma omp simd reduction (+ : ss)
      for (gint64 j = 0; j < d; j++)
        ss += (double) xr[j] * xr[j];
      /* FLUX order: (x · rrms) then · weight, all in f32 */
      float rrms = (float) (1.0 / sqrt (ss / d + eps));
      if (wp != NULL)
        for (gint64 j = 0; j < d; j++)
          yr[j] = (xr[j] * rrms) * wp[j];
      else
        for (gint64 j = 0; j < d; j++)
          yr[j] = xr[j] * rrms;
    }
  return TRUE;
}

gboolean
rf_cpu_run_groupnorm (RfCpuBackend *cpu, const RfOp *op, GError **error)
{
  const RfTensor *x = op->src[0], *w = op->src[1], *b = op->src[2];
  const gint64 batch = x->shape[0], ch = x->shape[1], groups = op->i[0];
  gint64 spatial = 1;
  for (int d = 2; d < x->ndim; d++)
    spatial *= x->shape[d];
  const gint64 cg = ch / groups, group_len = cg * spatial;
  const float *xp = rf_cpu_f32 (x);
  const float *wp = w ? rf_cpu_f32 (w) : NULL, *bp = b ? rf_cpu_f32 (b) : NULL;
  float *yp = rf_cpu_f32 (op->dst);
  const double eps = op->f[0];

  /* one task per (batch, group): its channels are one contiguous block */
#pragma omp parallel for num_threads (cpu->n_threads) if (batch * ch * spatial >= RF_CPU_PARALLEL_MIN) schedule (dynamic, 1)
  for (gint64 task = 0; task < batch * groups; task++)
    {
      const float *xg = xp + task * group_len;
      float *yg = yp + task * group_len;
      gint64 c0 = (task % groups) * cg;
      double mean = rf_cpu_sum_f64 (xg, group_len) / group_len;
      double var = sq_dev_f64 (xg, group_len, mean) / group_len;
      float mean_f = (float) mean, rstd = (float) (1.0 / sqrt (var + eps));
      for (gint64 c = 0; c < cg; c++)
        {
          /* per channel: y = (x - mean)·rstd·w + b folded into one FMA */
          float wc = wp ? wp[c0 + c] : 1.0f, bc = bp ? bp[c0 + c] : 0.0f;
          float s = rstd * wc;
          const float *xc = xg + c * spatial;
          float *yc = yg + c * spatial;
          for (gint64 j = 0; j < spatial; j++)
            yc[j] = (xc[j] - mean_f) * s + bc;
        }
    }
  return TRUE;
}

/* Softmax of one row of @n values scaled by @scale.
 * Special rows: any NaN makes the whole row NaN (as in PyTorch); a row
 * whose scaled values are all -inf (fully masked) gives zeros rather
 * than 0/0 = NaN; +inf yields NaN through inf - inf, as in PyTorch. */
static void
softmax_row (const float *x, float *y, gint64 n, float scale)
{
  float m = -INFINITY;
  int has_nan = 0;
#pragma omp simd reduction (max : m) reduction (| : has_nan)
  for (gint64 j = 0; j < n; j++)
    {
      float z = x[j] * scale;
      m = z > m ? z : m;
      has_nan |= z != z;
    }
  if (has_nan || m == -INFINITY)
    {
      float fill = has_nan ? NAN : 0.0f;
      for (gint64 j = 0; j < n; j++)
        y[j] = fill;
      return;
    }
  double sum = 0.0;
#pragma omp simd reduction (+ : sum)
  for (gint64 j = 0; j < n; j++)
    {
      float e = rf_cpu_expf (x[j] * scale - m);
      y[j] = e;
      sum += e;
    }
  float inv = (float) (1.0 / sum);
#pragma omp simd
  for (gint64 j = 0; j < n; j++)
    y[j] *= inv;
}

gboolean
rf_cpu_run_softmax (RfCpuBackend *cpu, const RfOp *op, GError **error)
{
  const RfTensor *x = op->src[0];
  const gint64 d = x->shape[x->ndim - 1], rows = rf_cpu_rows (x);
  const float *xp = rf_cpu_f32 (x);
  float *yp = rf_cpu_f32 (op->dst);
  const float scale = op->f[0];

#pragma omp parallel for num_threads (cpu->n_threads) if (rows * d >= RF_CPU_PARALLEL_MIN) schedule (static)
  for (gint64 r = 0; r < rows; r++)
    softmax_row (xp + r * d, yp + r * d, d, scale);
  return TRUE;
}
