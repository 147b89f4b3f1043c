/* vk-op-misc.c — ROPE, TIMESTEP_EMBED and UPSAMPLE_NEAREST2X (misc.comp). */
#include <math.h>

#include "vk-op-util.h"
#include "vk-push-ops.h"

#define WG 256u

gboolean
rf_vk_op_misc (RfVkBackend *vk, const RfOp *op, GError **error)
{
  const RfTensor *x = op->src[0], *aux = op->src[1];
  RfVkTensorArg d, s, a;
  if (!rf_vk_bind_output (vk, op->dst, &d, error) || !rf_vk_bind_tensor (vk, x, &s, error)
      || !rf_vk_bind_tensor (vk, aux ? aux : x, &a, error))
    return FALSE;
  RfVkMiscPush pc = { .off_d = d.elem_offset, .off_s = s.elem_offset,
                      .off_a = aux ? a.elem_offset : 0 };
  RfShaderId id;
  switch (op->kind)
    {
    case RF_OP_ROPE:
      id = RF_SHADER_MISC_ROPE;
      pc.count = (guint32) (rf_tensor_numel (x) / 2);
      pc.d0 = (guint32) x->shape[x->ndim - 2];
      pc.d1 = (guint32) (x->shape[x->ndim - 1] / 2);
      break;
    case RF_OP_TIMESTEP_EMBED:
      id = RF_SHADER_MISC_TIMESTEP;
      pc.count = (guint32) rf_tensor_numel (op->dst);
      pc.d0 = (guint32) op->dst->shape[1];
      pc.d1 = pc.d0 / 2;
      pc.d2 = op->i[0] != 0;
      pc.f0 = op->f[0];
      pc.f1 = logf (op->f[1]);
      break;
    case RF_OP_UPSAMPLE_NEAREST2X:
      id = RF_SHADER_MISC_UPSAMPLE;
      pc.count = (guint32) rf_tensor_numel (op->dst);
      pc.d0 = (guint32) x->shape[2];
      pc.d1 = (guint32) x->shape[3];
      break;
    default:
      g_assert_not_reached ();
    }
  guint32 groups = (pc.count + WG - 1) / WG;
  RfVkBinding binds[3] = { d.binding, s.binding, a.binding };
  return rf_vk_dispatch (vk, id, binds, 3, &pc, sizeof pc, MIN (groups, 65535u),
                         (groups + 65534u) / 65535u, 1, error);
}
