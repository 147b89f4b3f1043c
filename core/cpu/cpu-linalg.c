/* cpu-linalg.c — linear (x·wᵀ + b) and batched matmul through OpenBLAS.
 *
 * Both split dst into fixed tiles of TILE_M rows × TILE_N columns and run
 * one single-threaded sgemm per tile on an OpenMP thread. The tiling
 * depends only on the shapes, never on the thread count, so results are
 * the same for any number of threads.
 *
 * Weights stored as f16/bf16/f8 are decoded to f32 one tile of rows at a
 * time into per-thread scratch (never the whole matrix); see
 * decode_weight_rows(), the one place new weight formats plug in.
 */
#include "cpu-private.h"

#include <cblas.h>
#include <omp.h>

#include "rf-quant.h"

#define TILE_M 256
#define TILE_N 256
/* Upper bound on one thread's decoded weight tile. */
#define WEIGHT_SCRATCH_FLOATS (1 << 20)

gboolean
rf_cpu_linear_supports_dtype (RfDType dtype)
{
  switch (dtype)
    {
    case RF_DTYPE_F32:
    case RF_DTYPE_F16:
    case RF_DTYPE_BF16:
    case RF_DTYPE_F8_E4M3:
    case RF_DTYPE_F8_E5M2:
    case RF_DTYPE_Q8_0:
    case RF_DTYPE_Q4_0:
    case RF_DTYPE_Q4_1:
    case RF_DTYPE_Q5_0:
    case RF_DTYPE_Q5_1:
    case RF_DTYPE_Q4_K:
    case RF_DTYPE_Q5_K:
    case RF_DTYPE_Q6_K:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Rows [n0, n0+nn) of the weight matrix @w [N, K] as f32 into @out
 * [nn, K]. Quantized formats store a row as K/block_elems blocks. */
static void
decode_weight_rows (const RfTensor *w, gint64 n0, gint64 nn, gint64 k, float *out)
{
  const RfDTypeInfo *info = rf_dtype_info (w->dtype);
  gsize row_bytes = (gsize) (k / info->block_elems) * info->block_bytes;
  const guint8 *src = rf_cpu_bytes (w) + (gsize) n0 * row_bytes;
  for (gint64 r = 0; r < nn; r++)
    {
      if (info->is_quantized)
        rf_quant_dequantize (w->dtype, src + r * row_bytes, out + r * k, k);
      else
        rf_cpu_decode_f32 (w->dtype, src + r * row_bytes, out + r * k, k);
    }
}

/* cblas takes int sizes and leading dimensions. */
static gboolean
check_blas_dims (const char *op, gint64 m, gint64 n, gint64 k, GError **error)
{
  if (m <= G_MAXINT && n <= G_MAXINT && k <= G_MAXINT)
    return TRUE;
  g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_UNSUPPORTED,
               "cpu %s: dimensions %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%"
               G_GINT64_FORMAT " exceed what BLAS can index", op, m, n, k);
  return FALSE;
}

/* Weight rows per tile: TILE_N, fewer when K is so long that a decoded
 * tile would not fit the scratch budget. A multiple of 16 for the GEMM. */
static gint64
weight_tile_rows (gint64 n, gint64 k)
{
  gint64 rows = WEIGHT_SCRATCH_FLOATS / k;
  rows = rows >= 16 ? rows / 16 * 16 : 16;
  return MIN (MIN (rows, TILE_N), n);
}

gboolean
rf_cpu_run_linear (RfCpuBackend *cpu, const RfOp *op, GError **error)
{
  const RfTensor *x = op->src[0], *w = op->src[1], *bias = op->src[2];
  const gint64 k = x->shape[x->ndim - 1], n = w->shape[0];
  const gint64 m = rf_cpu_rows (x);
  if (!rf_cpu_linear_supports_dtype (w->dtype))
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_UNSUPPORTED,
                   "cpu linear: %s weights are not supported", rf_dtype_name (w->dtype));
      return FALSE;
    }
  if (!check_blas_dims ("linear", TILE_M, n, k, error))
    return FALSE;
  const gboolean decode = w->dtype != RF_DTYPE_F32;
  const gint64 tn = weight_tile_rows (n, k);
  const gint64 n_tiles = (n + tn - 1) / tn, m_tiles = (m + TILE_M - 1) / TILE_M;
  const float *xp = rf_cpu_f32 (x), *wp = rf_cpu_f32 (w);
  const float *bp = bias ? rf_cpu_f32 (bias) : NULL;
  float *yp = rf_cpu_f32 (op->dst);

  g_autofree float *scratch = NULL;
  if (decode && (scratch = rf_cpu_scratch_new (cpu, tn * k, "linear weights", error)) == NULL)
    return FALSE;

  /* With enough weight tiles each task owns one and walks all row blocks
   * (weights decoded once); otherwise tasks are (weight tile, row block)
   * pairs so small-N layers still use every thread. Same tiles either way. */
  const gboolean per_weight_tile = n_tiles >= 2 * cpu->n_threads || m_tiles == 1;
  const gint64 tasks = per_weight_tile ? n_tiles : n_tiles * m_tiles;
  const gboolean par = m * n * k >= RF_CPU_PARALLEL_MIN * 16;

#pragma omp parallel for num_threads (cpu->n_threads) if (par) schedule (dynamic, 1)
  for (gint64 task = 0; task < tasks; task++)
    {
      gint64 nt = per_weight_tile ? task : task / m_tiles;
      gint64 mt0 = per_weight_tile ? 0 : task % m_tiles;
      gint64 mt1 = per_weight_tile ? m_tiles : mt0 + 1;
      gint64 n0 = nt * tn, nn = MIN (tn, n - n0);
      const float *wt;
      if (decode)
        {
          float *s = scratch + (gint64) omp_get_thread_num () * tn * k;
          decode_weight_rows (w, n0, nn, k, s);
          wt = s;
        }
      else
        wt = wp + n0 * k;
      for (gint64 mt = mt0; mt < mt1; mt++)
        {
          gint64 m0 = mt * TILE_M, mm = MIN (TILE_M, m - m0);
          float *yt = yp + m0 * n + n0;
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) mm, (int) nn, (int) k,
                       1.0f, xp + m0 * k, (int) k, wt, (int) k, 0.0f, yt, (int) n);
          if (bp != NULL)
            for (gint64 i = 0; i < mm; i++)
              for (gint64 j = 0; j < nn; j++)
                yt[i * n + j] += bp[n0 + j];
        }
    }
  return TRUE;
}

/* Element stride of a batch dim, 0 where it broadcasts. */
static gint64
batch_stride (const gint64 *shape4, const gint64 *stride4, int d)
{
  return shape4[d] == 1 ? 0 : stride4[d];
}

gboolean
rf_cpu_run_matmul (RfCpuBackend *cpu, const RfOp *op, GError **error)
{
  const RfTensor *a = op->src[0], *b = op->src[1], *dst = op->dst;
  const gboolean trans_b = op->i[0] != 0;
  gint64 as[4], ast[4], bs[4], bst[4], ds[4], dst4[4];
  rf_tensor_shape4 (a, as, ast);
  rf_tensor_shape4 (b, bs, bst);
  rf_tensor_shape4 (dst, ds, dst4);
  const gint64 m = ds[2], n = ds[3], k = as[3];
  if (!check_blas_dims ("matmul", TILE_M, n, k, error))
    return FALSE;
  const gint64 batches = ds[0] * ds[1];
  const gint64 m_tiles = (m + TILE_M - 1) / TILE_M, n_tiles = (n + TILE_N - 1) / TILE_N;
  const gint64 tasks = batches * m_tiles * n_tiles;
  const float *ap = rf_cpu_f32 (a), *bp = rf_cpu_f32 (b);
  float *yp = rf_cpu_f32 (dst);
  const gboolean par = batches * m * n * k >= RF_CPU_PARALLEL_MIN * 16;
  /* b is [K, N] (ldb N) or, transposed, [N, K] (ldb K) */
  const int ldb = (int) (trans_b ? k : n);

#pragma omp parallel for num_threads (cpu->n_threads) if (par) schedule (dynamic, 1)
  for (gint64 task = 0; task < tasks; task++)
    {
      gint64 bt = task / (m_tiles * n_tiles), rest = task % (m_tiles * n_tiles);
      gint64 i0 = bt / ds[1], i1 = bt % ds[1];
      gint64 m0 = (rest / n_tiles) * TILE_M, n0 = (rest % n_tiles) * TILE_N;
      gint64 mm = MIN (TILE_M, m - m0), nn = MIN (TILE_N, n - n0);
      const float *at = ap + i0 * batch_stride (as, ast, 0) + i1 * batch_stride (as, ast, 1)
                        + m0 * k;
      const float *bt0 = bp + i0 * batch_stride (bs, bst, 0) + i1 * batch_stride (bs, bst, 1)
                         + (trans_b ? n0 * k : n0);
      float *yt = yp + i0 * dst4[0] + i1 * dst4[1] + m0 * n + n0;
      cblas_sgemm (CblasRowMajor, CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                   (int) mm, (int) nn, (int) k, 1.0f, at, (int) k, bt0, ldb, 0.0f, yt,
                   (int) n);
    }
  return TRUE;
}
