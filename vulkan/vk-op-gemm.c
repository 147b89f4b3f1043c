/* vk-op-gemm.c — LINEAR, MATMUL and CONV2D through gemm.comp. */
#include "vk-op-util.h"
#include "vk-push-ops.h"

#define TILE 64

static RfShaderId
linear_shader (RfDType wtype)
{
  switch (wtype)
    {
    case RF_DTYPE_F16: return RF_SHADER_GEMM_LINEAR_F16;
    case RF_DTYPE_BF16: return RF_SHADER_GEMM_LINEAR_BF16;
    case RF_DTYPE_F8_E4M3: return RF_SHADER_GEMM_LINEAR_F8E4M3;
    case RF_DTYPE_F8_E5M2: return RF_SHADER_GEMM_LINEAR_F8E5M2;
    case RF_DTYPE_Q8_0: return RF_SHADER_GEMM_LINEAR_Q8_0;
    case RF_DTYPE_Q4_0: return RF_SHADER_GEMM_LINEAR_Q4_0;
    case RF_DTYPE_Q4_1: return RF_SHADER_GEMM_LINEAR_Q4_1;
    case RF_DTYPE_Q5_0: return RF_SHADER_GEMM_LINEAR_Q5_0;
    case RF_DTYPE_Q5_1: return RF_SHADER_GEMM_LINEAR_Q5_1;
    case RF_DTYPE_Q4_K: return RF_SHADER_GEMM_LINEAR_Q4_K;
    case RF_DTYPE_Q5_K: return RF_SHADER_GEMM_LINEAR_Q5_K;
    case RF_DTYPE_Q6_K: return RF_SHADER_GEMM_LINEAR_Q6_K;
    default: return RF_SHADER_GEMM_LINEAR_F32;
    }
}

gboolean
rf_vk_gemm_supports_weight (RfDType wtype)
{
  const RfDTypeInfo *info = rf_dtype_info (wtype);
  /* every float and block type has a gemm variant; f64 does not */
  return info != NULL && info->is_float && wtype != RF_DTYPE_F64;
}

static gboolean
gemm_dispatch (RfVkBackend *vk, RfShaderId id, const RfOp *op, const RfTensor *a,
               const RfTensor *b, const RfTensor *bias, RfVkGemmPush *pc,
               guint32 batches, GError **error)
{
  RfVkTensorArg d, x, w, bb;
  if (!rf_vk_bind_output (vk, op->dst, &d, error) || !rf_vk_bind_tensor (vk, a, &x, error)
      || !rf_vk_bind_tensor (vk, b, &w, error)
      || !rf_vk_bind_tensor (vk, bias ? bias : op->dst, &bb, error))
    return FALSE;
  pc->off_d = d.elem_offset;
  pc->off_a = x.elem_offset;
  pc->off_b = w.elem_offset;
  pc->off_bias = bias ? bb.elem_offset : 0;
  pc->has_bias = bias != NULL;
  RfVkBinding binds[4] = { d.binding, x.binding, w.binding, bb.binding };
  return rf_vk_dispatch (vk, id, binds, 4, pc, sizeof *pc,
                         (pc->n + TILE - 1) / TILE, (pc->m + TILE - 1) / TILE, batches,
                         error);
}

/* Binds @rows rows of @row_bytes each of @t starting at row @r0. */
static gboolean
bind_rows (RfVkBackend *vk, const RfTensor *t, gint64 r0, gint64 rows, guint64 row_bytes,
           guint32 unit, gboolean write, RfVkTensorArg *out, GError **error)
{
  return rf_vk_bind_range (vk, t->buffer, t->offset + (guint64) r0 * row_bytes,
                           (guint64) rows * row_bytes, unit, write, &out->binding,
                           &out->elem_offset, error);
}

/* y[M, N] = x[M, K] · w[N, K]ᵀ + b, in blocks of rows of x/y and of w
 * small enough that every binding fits maxStorageBufferRange (a FLUX
 * single block's linear1 output is 396 MB in f32; lavapipe binds 128 MiB). */
static gboolean
op_linear (RfVkBackend *vk, const RfOp *op, GError **error)
{
  const RfTensor *x = op->src[0], *w = op->src[1], *bias = op->src[2];
  const RfDTypeInfo *wi = rf_dtype_info (w->dtype);
  gint64 k = w->shape[1], n = w->shape[0], m = rf_tensor_numel (x) / k;
  guint32 wunit = wi->is_quantized ? 1 : wi->block_bytes;
  guint64 w_row = (guint64) (k / wi->block_elems) * wi->block_bytes;
  /* the binding start is rounded down to the alignment: keep room for it */
  guint64 budget = rf_vk_max_binding_range (vk) - rf_vk_binding_alignment (vk);
  gint64 mc = MIN (m, (gint64) (budget / MAX ((guint64) k * 4, (guint64) n * 4)));
  gint64 nc = MIN (n, (gint64) (budget / w_row));
  if (mc < 1 || nc < 1)
    {
      g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_FAILED,
                   "linear: one row (%" G_GINT64_FORMAT " inputs, %" G_GINT64_FORMAT
                   " outputs) is larger than this device can bind (%" G_GUINT64_FORMAT " bytes)",
                   k, n, rf_vk_max_binding_range (vk));
      return FALSE;
    }
  for (gint64 m0 = 0; m0 < m; m0 += mc)
    for (gint64 n0 = 0; n0 < n; n0 += nc)
      {
        gint64 ms = MIN (mc, m - m0), ns = MIN (nc, n - n0);
        RfVkTensorArg d, a, wa, ba;
        /* dst: rows [m0, m0+ms) in full, written at columns [n0, n0+ns) */
        if (!bind_rows (vk, op->dst, m0, ms, (guint64) n * 4, 4, TRUE, &d, error)
            || !bind_rows (vk, x, m0, ms, (guint64) k * 4, 4, FALSE, &a, error)
            || !bind_rows (vk, w, n0, ns, w_row, wunit, FALSE, &wa, error)
            || !bind_rows (vk, bias ? bias : x, bias ? n0 : 0, bias ? ns : 1,
                           bias ? 4 : (guint64) k * 4, 4, FALSE, &ba, error))
          return FALSE;
        RfVkGemmPush pc = {
          .m = (guint32) ms, .n = (guint32) ns, .k = (guint32) k, .nb1 = 1,
          .off_d = d.elem_offset + (guint32) n0, .off_a = a.elem_offset,
          .off_b = wa.elem_offset, .off_bias = bias ? ba.elem_offset : 0,
          .has_bias = bias != NULL, .ldd = (guint32) n,
        };
        RfVkBinding binds[4] = { d.binding, a.binding, wa.binding, ba.binding };
        if (!rf_vk_dispatch (vk, linear_shader (w->dtype), binds, 4, &pc, sizeof pc,
                             (pc.n + TILE - 1) / TILE, (pc.m + TILE - 1) / TILE, 1, error))
          return FALSE;
      }
  return TRUE;
}

static gboolean
op_matmul (RfVkBackend *vk, const RfOp *op, GError **error)
{
  const RfTensor *a = op->src[0], *b = op->src[1];
  gboolean trans_b = op->i[0] != 0;
  gint64 as[4], bs[4], ds[4], st[4];
  rf_tensor_shape4 (a, as, st);
  rf_tensor_shape4 (b, bs, st);
  rf_tensor_shape4 (op->dst, ds, st);
  guint32 m = (guint32) ds[2], n = (guint32) ds[3], k = (guint32) as[3];
  RfVkGemmPush pc = {
    .m = m, .n = n, .k = k, .nb1 = (guint32) ds[1],
    /* broadcast batch dims read the same matrix: stride 0 */
    .sa0 = as[0] == 1 ? 0 : (guint32) (as[1] * m * k),
    .sa1 = as[1] == 1 ? 0 : m * k,
    .sb0 = bs[0] == 1 ? 0 : (guint32) (bs[1] * n * k),
    .sb1 = bs[1] == 1 ? 0 : n * k,
    .sd0 = (guint32) (ds[1] * m * n), .sd1 = m * n, .ldd = n,
  };
  return gemm_dispatch (vk, trans_b ? RF_SHADER_GEMM_MATMUL_NT : RF_SHADER_GEMM_MATMUL_NN,
                        op, a, b, NULL, &pc, (guint32) (ds[0] * ds[1]), error);
}

static gboolean
op_conv2d (RfVkBackend *vk, const RfOp *op, GError **error)
{
  const RfTensor *x = op->src[0], *w = op->src[1];
  const RfTensor *dst = op->dst;
  guint32 cin = (guint32) x->shape[1], h = (guint32) x->shape[2], wd = (guint32) x->shape[3];
  guint32 kh = (guint32) w->shape[2], kw = (guint32) w->shape[3];
  guint32 ho = (guint32) dst->shape[2], wo = (guint32) dst->shape[3];
  RfVkGemmPush pc = {
    .m = ho * wo, .n = (guint32) w->shape[0], .k = cin * kh * kw, .nb1 = 1,
    .sa0 = cin * h * wd, .sd0 = (guint32) w->shape[0] * ho * wo,
    .cin = cin, .h = h, .w = wd, .kh = kh, .kw = kw,
    .stride_h = (guint32) op->i[0], .stride_w = (guint32) op->i[1],
    .pad_t = (guint32) op->i[2], .pad_l = (guint32) op->i[4], .wo = wo,
  };
  return gemm_dispatch (vk, RF_SHADER_GEMM_CONV2D, op, x, w, op->src[2], &pc,
                        (guint32) x->shape[0], error);
}

gboolean
rf_vk_op_gemm (RfVkBackend *vk, const RfOp *op, GError **error)
{
  switch (op->kind)
    {
    case RF_OP_LINEAR: return op_linear (vk, op, error);
    case RF_OP_MATMUL: return op_matmul (vk, op, error);
    case RF_OP_CONV2D: return op_conv2d (vk, op, error);
    default: g_assert_not_reached ();
    }
}
