/* cpu-misc.c — sinusoidal timestep embedding and last-dim reductions. */
#include "cpu-private.h"

/* t [B] → dst [B, dim]. Follows FLUX's timestep_embedding() operation by
 * operation in f32 (so the reference matches PyTorch closely even for
 * t·time_factor around 1000, where f32 rounding of the argument shows):
 *   t' = time_factor·t,  f_k = exp(-ln(max_period)·k / half),  a = t'·f_k,
 *   row = cat(cos a, sin a)  (sin first when i[0] is set),
 * with a zero last column when dim is odd. */
gboolean
rf_cpu_run_timestep_embed (RfCpuBackend *cpu, const RfOp *op, GError **error)
{
  const RfTensor *t = op->src[0];
  const gint64 batch = t->shape[0], dim = op->dst->shape[1], half = dim / 2;
  const float time_factor = op->f[0];
  const float neg_log_period = (float) -log ((double) op->f[1]);
  const gboolean sin_first = op->i[0] != 0;
  const float *tp = rf_cpu_f32 (t);
  float *yp = rf_cpu_f32 (op->dst);

  for (gint64 b = 0; b < batch; b++)
    {
      float *row = yp + b * dim;
      float tb = time_factor * tp[b];
      for (gint64 k = 0; k < half; k++)
        {
          float freq = expf (neg_log_period * (float) k / (float) half);
          float arg = tb * freq;
          row[sin_first ? half + k : k] = cosf (arg);
          row[sin_first ? k : half + k] = sinf (arg);
        }
      if (dim % 2 != 0)
        row[dim - 1] = 0.0f;
    }
  return TRUE;
}

/* Reductions of the last dim into [..., 1]: sum and mean in double; max
 * propagates NaN (any NaN in the row gives NaN, as torch.amax does). */
gboolean
rf_cpu_run_reduce (RfCpuBackend *cpu, const RfOp *op, GError **error)
{
  const RfTensor *x = op->src[0];
  const gint64 d = x->shape[x->ndim - 1], rows = rf_cpu_rows (x);
  const float *xp = rf_cpu_f32 (x);
  float *yp = rf_cpu_f32 (op->dst);
  const RfReduceKind kind = (RfReduceKind) op->i[0];

#pragma omp parallel for num_threads (cpu->n_threads) if (rows * d >= RF_CPU_PARALLEL_MIN) schedule (static)
  for (gint64 r = 0; r < rows; r++)
    {
      const float *xr = xp + r * d;
      switch (kind)
        {
        case RF_REDUCE_SUM:
          yp[r] = (float) rf_cpu_sum_f64 (xr, d);
          break;
        case RF_REDUCE_MEAN:
          yp[r] = (float) (rf_cpu_sum_f64 (xr, d) / d);
          break;
        case RF_REDUCE_MAX:
          {
            float m = xr[0];
            for (gint64 j = 1; j < d && !isnan (m); j++)
              m = (xr[j] > m || isnan (xr[j])) ? xr[j] : m;
            yp[r] = m;
            break;
          }
        }
    }
  return TRUE;
}
