/* vk-op-rowwise.c — LAYERNORM, RMSNORM, SOFTMAX, REDUCE (rowwise.comp)
 * and GROUPNORM (groupnorm.comp). */
#include "vk-op-util.h"
#include "vk-push-ops.h"

static RfShaderId
rowwise_shader (const RfOp *op)
{
  switch (op->kind)
    {
    case RF_OP_LAYERNORM: return RF_SHADER_ROWWISE_LAYERNORM;
    case RF_OP_RMSNORM: return RF_SHADER_ROWWISE_RMSNORM;
    case RF_OP_SOFTMAX: return RF_SHADER_ROWWISE_SOFTMAX;
    case RF_OP_REDUCE:
      switch ((RfReduceKind) op->i[0])
        {
        case RF_REDUCE_SUM: return RF_SHADER_ROWWISE_REDUCE_SUM;
        case RF_REDUCE_MEAN: return RF_SHADER_ROWWISE_REDUCE_MEAN;
        default: return RF_SHADER_ROWWISE_REDUCE_MAX;
        }
    default: g_assert_not_reached ();
    }
}

static gboolean
rowwise (RfVkBackend *vk, const RfOp *op, GError **error)
{
  const RfTensor *x = op->src[0], *w = op->src[1];
  RfVkTensorArg d, s, wa;
  if (!rf_vk_bind_output (vk, op->dst, &d, error) || !rf_vk_bind_tensor (vk, x, &s, error)
      || !rf_vk_bind_tensor (vk, w ? w : x, &wa, error))
    return FALSE;
  gint64 n = x->shape[x->ndim - 1];
  guint32 rows = (guint32) (rf_tensor_numel (x) / n);
  RfVkRowwisePush pc = {
    .rows = rows, .n = (guint32) n,
    .off_d = d.elem_offset, .off_s = s.elem_offset, .off_w = w ? wa.elem_offset : 0,
    .has_weight = w != NULL,
    .eps = op->f[0], .scale = op->f[0],
  };
  RfVkBinding binds[3] = { d.binding, s.binding, wa.binding };
  return rf_vk_dispatch (vk, rowwise_shader (op), binds, 3, &pc, sizeof pc,
                         MIN (rows, 65535u), (rows + 65534u) / 65535u, 1, error);
}

static gboolean
groupnorm (RfVkBackend *vk, const RfOp *op, GError **error)
{
  const RfTensor *x = op->src[0], *w = op->src[1], *b = op->src[2];
  RfVkTensorArg d, s, wa, ba;
  if (!rf_vk_bind_output (vk, op->dst, &d, error) || !rf_vk_bind_tensor (vk, x, &s, error)
      || !rf_vk_bind_tensor (vk, w ? w : x, &wa, error)
      || !rf_vk_bind_tensor (vk, b ? b : x, &ba, error))
    return FALSE;
  guint32 groups = (guint32) op->i[0];
  guint32 c = (guint32) x->shape[1];
  RfVkGroupnormPush pc = {
    .c = c, .s = (guint32) (rf_tensor_numel (x) / x->shape[0] / c), .g = groups,
    .off_d = d.elem_offset, .off_s = s.elem_offset,
    .off_w = w ? wa.elem_offset : 0, .off_b = b ? ba.elem_offset : 0,
    .has_weight = w != NULL, .has_bias = b != NULL, .eps = op->f[0],
  };
  RfVkBinding binds[4] = { d.binding, s.binding, wa.binding, ba.binding };
  return rf_vk_dispatch (vk, RF_SHADER_GROUPNORM, binds, 4, &pc, sizeof pc,
                         groups, (guint32) x->shape[0], 1, error);
}

gboolean
rf_vk_op_rowwise (RfVkBackend *vk, const RfOp *op, GError **error)
{
  if (op->kind == RF_OP_GROUPNORM)
    return groupnorm (vk, op, error);
  return rowwise (vk, op, error);
}
