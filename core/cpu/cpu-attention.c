/* cpu-attention.c — scaled dot-product attention and rotary embedding.
 *
 * Attention streams over the keys with an online softmax (the
 * FlashAttention recurrence), so memory is one tile of scores per thread,
 * never Lq × Lk. A task is one block of QUERY_BLOCK query rows of one
 * (batch, head); for each tile of KEY_TILE keys it computes the scores
 * with one sgemm, updates each row's running max m and sum l, rescales
 * the row's output accumulator and adds P·V with a second sgemm:
 *
 *   s    = scale·q·kᵀ + bias   (masked: -inf)
 *   m'   = max(m, max_j s_j)
 *   acc  = acc·e^(m - m') + Σ_j e^(s_j - m')·v_j
 *   l    = l·e^(m - m')   + Σ_j e^(s_j - m')
 *   out  = acc / l
 *
 * Conventions: causal masking is top-left aligned as in PyTorch's
 * is_causal (query i sees keys j <= i, also when Lq != Lk); a row whose
 * scores are all -inf (fully masked by the bias) gives zeros instead of
 * NaN; any NaN score makes its row NaN.
 */
#include "cpu-private.h"

#include <cblas.h>
#include <omp.h>

#define QUERY_BLOCK 64
#define KEY_TILE 256

/* max() that lets NaN win, so NaN inputs reach the output. */
static inline float
max_nan (float a, float b)
{
  if (isnan (a) || isnan (b))
    return NAN;
  return a > b ? a : b;
}

typedef struct {
  gint64 batch, heads, lq, lk, d, dv;
  float scale;
  gboolean causal;
  const float *q, *k, *v, *bias;
  gint64 bias_bstride, bias_hstride; /* 0 where the bias broadcasts */
  float *out;
} AttnArgs;

/* One (batch, head, query block) task. @s is [QUERY_BLOCK, KEY_TILE]
 * scores, @acc [QUERY_BLOCK, Dv]. */
static void
attention_block (const AttnArgs *a, gint64 task, float *s, float *acc)
{
  const gint64 q_blocks = (a->lq + QUERY_BLOCK - 1) / QUERY_BLOCK;
  const gint64 bh = task / q_blocks, b = bh / a->heads, h = bh % a->heads;
  const gint64 q0 = (task % q_blocks) * QUERY_BLOCK;
  const gint64 qn = MIN (QUERY_BLOCK, a->lq - q0);
  const float *q = a->q + (bh * a->lq + q0) * a->d;
  const float *k = a->k + bh * a->lk * a->d;
  const float *v = a->v + bh * a->lk * a->dv;
  const float *bias = a->bias ? a->bias + b * a->bias_bstride + h * a->bias_hstride
                                  + q0 * a->lk
                              : NULL;
  float m[QUERY_BLOCK];
  double l[QUERY_BLOCK];

  for (gint64 i = 0; i < qn; i++)
    {
      m[i] = -INFINITY;
      l[i] = 0.0;
    }
  memset (acc, 0, sizeof (float) * qn * a->dv);

  for (gint64 j0 = 0; j0 < a->lk; j0 += KEY_TILE)
    {
      /* causal: later tiles are masked for every row of the block */
      if (a->causal && j0 > q0 + qn - 1)
        break;
      const gint64 kn = MIN (KEY_TILE, a->lk - j0);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) qn, (int) kn, (int) a->d,
                   a->scale, q, (int) a->d, k + j0 * a->d, (int) a->d, 0.0f, s, KEY_TILE);
      for (gint64 i = 0; i < qn; i++)
        {
          float *si = s + i * KEY_TILE;
          if (bias != NULL)
            {
              const float *bi = bias + i * a->lk + j0;
#pragma omp simd
              for (gint64 j = 0; j < kn; j++)
                si[j] += bi[j];
            }
          if (a->causal)
            for (gint64 j = MAX (0, q0 + i + 1 - j0); j < kn; j++)
              si[j] = -INFINITY;
          float tile_max = -INFINITY;
          int has_nan = 0;
#pragma omp simd reduction (max : tile_max) reduction (| : has_nan)
          for (gint64 j = 0; j < kn; j++)
            {
              tile_max = si[j] > tile_max ? si[j] : tile_max;
              has_nan |= si[j] != si[j];
            }
          float m_new = max_nan (m[i], has_nan ? NAN : tile_max);
          if (m_new == -INFINITY)
            {
              /* nothing visible yet: contributes nothing */
              memset (si, 0, sizeof (float) * kn);
              continue;
            }
          float corr = rf_cpu_expf (m[i] - m_new); /* 0 on the first visible tile */
          double sum = 0.0;
#pragma omp simd reduction (+ : sum)
          for (gint64 j = 0; j < kn; j++)
            {
              si[j] = rf_cpu_expf (si[j] - m_new);
              sum += si[j];
            }
          l[i] = l[i] * corr + sum;
          m[i] = m_new;
          float *ai = acc + i * a->dv;
#pragma omp simd
          for (gint64 c = 0; c < a->dv; c++)
            ai[c] *= corr;
        }
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) qn, (int) a->dv, (int) kn,
                   1.0f, s, KEY_TILE, v + j0 * a->dv, (int) a->dv, 1.0f, acc, (int) a->dv);
    }

  float *out = a->out + (bh * a->lq + q0) * a->dv;
  for (gint64 i = 0; i < qn; i++)
    {
      /* l == 0 only for a fully masked row (NaN rows keep l = NaN) */
      float inv = l[i] == 0.0 ? 0.0f : (float) (1.0 / l[i]);
      for (gint64 c = 0; c < a->dv; c++)
        out[i * a->dv + c] = acc[i * a->dv + c] * inv;
    }
}

gboolean
rf_cpu_run_attention (RfCpuBackend *cpu, const RfOp *op, GError **error)
{
  const RfTensor *q = op->src[0], *k = op->src[1], *v = op->src[2], *bias = op->src[3];
  AttnArgs a = {
    .batch = q->shape[0], .heads = q->shape[1], .lq = q->shape[2], .lk = k->shape[2],
    .d = q->shape[3], .dv = v->shape[3], .scale = op->f[0], .causal = op->i[0] != 0,
    .q = rf_cpu_f32 (q), .k = rf_cpu_f32 (k), .v = rf_cpu_f32 (v),
    .bias = bias ? rf_cpu_f32 (bias) : NULL, .out = rf_cpu_f32 (op->dst),
  };
  if (a.d > G_MAXINT || a.dv > G_MAXINT)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_UNSUPPORTED,
                   "cpu attention: head size %" G_GINT64_FORMAT " too large", MAX (a.d, a.dv));
      return FALSE;
    }
  if (bias != NULL)
    {
      a.bias_hstride = bias->shape[1] == 1 ? 0 : a.lq * a.lk;
      a.bias_bstride = bias->shape[0] == 1 ? 0 : bias->shape[1] * a.lq * a.lk;
    }
  const gint64 per_thread = QUERY_BLOCK * KEY_TILE + QUERY_BLOCK * a.dv;
  g_autofree float *scratch = rf_cpu_scratch_new (cpu, per_thread, "attention", error);
  if (scratch == NULL)
    return FALSE;
  const gint64 tasks = a.batch * a.heads * ((a.lq + QUERY_BLOCK - 1) / QUERY_BLOCK);
  const gboolean par = a.batch * a.heads * a.lq * a.lk * (a.d + a.dv) >= RF_CPU_PARALLEL_MIN * 16;

#pragma omp parallel for num_threads (cpu->n_threads) if (par) schedule (dynamic, 1)
  for (gint64 task = 0; task < tasks; task++)
    {
      float *s = scratch + (gint64) omp_get_thread_num () * per_thread;
      attention_block (&a, task, s, s + QUERY_BLOCK * KEY_TILE);
    }
  return TRUE;
}

/* x [..., L, D], pe [L, D/2, 2] = (cos, sin) per position and pair;
 * adjacent elements (2i, 2i+1) form one rotated pair. Safe in place. */
gboolean
rf_cpu_run_rope (RfCpuBackend *cpu, const RfOp *op, GError **error)
{
  const RfTensor *x = op->src[0], *pe = op->src[1];
  const gint64 len = x->shape[x->ndim - 2], d = x->shape[x->ndim - 1];
  const gint64 rows = rf_tensor_numel (x) / d; /* (..., L) rows of D */
  const float *xp = rf_cpu_f32 (x), *pp = rf_cpu_f32 (pe);
  float *yp = rf_cpu_f32 (op->dst);

#pragma omp parallel for num_threads (cpu->n_threads) if (rows * d >= RF_CPU_PARALLEL_MIN) schedule (static)
  for (gint64 r = 0; r < rows; r++)
    {
      const float *xr = xp + r * d, *cs = pp + (r % len) * d;
      float *yr = yp + r * d;
      for (gint64 i = 0; i < d / 2; i++)
        {
          float x0 = xr[2 * i], x1 = xr[2 * i + 1];
          float c = cs[2 * i], s = cs[2 * i + 1];
          yr[2 * i] = c * x0 - s * x1;
          yr[2 * i + 1] = s * x0 + c * x1;
        }
    }
  return TRUE;
}
