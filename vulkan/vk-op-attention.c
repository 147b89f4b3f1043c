/* vk-op-attention.c — ATTENTION. Head dims up to 128 run the
 * flash-attention kernel (attention.comp: 64 query rows per workgroup,
 * 64-key tiles, online softmax); larger heads (the autoencoder's
 * single-head attention over 512 channels) go through gemm + softmax +
 * gemm over chunks of query rows, so the score matrix that exists at any
 * time is bounded by SCORE_CHUNK_BYTES. */
#include "vk-internal.h"
#include "vk-op-util.h"
#include "vk-push-ops.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Query rows per workgroup (4·TY in attention.comp): 64 share each K/V
 * tile between more rows, 32 make twice the workgroups and need fewer
 * registers per SM. Measured on an NVIDIA H200 (24 heads × 128):
 *   L = 1024: 32 rows 16.8 TFLOPS, 64 rows 18.1
 *   L = 4096: 32 rows 21.0 TFLOPS, 64 rows  5.0 (the 64-row variant runs
 *             out of registers at full occupancy)
 * so 32 rows is the default everywhere; RECTIFY_VK_ATTENTION_ROWS=64 is
 * there to tune other GPUs (the 64-row variant stays tested). */
#define ROWS_LARGE 64
#define ROWS_SMALL 32
/* attention.comp's shared arrays (sa + sb), both D_MAX variants */
#define FLASH_SHARED_BYTES (18432u + 8192u)
#define SCORE_CHUNK_BYTES (64u << 20)

static gboolean
flash (RfVkBackend *vk, const RfOp *op, GError **error)
{
  const RfTensor *q = op->src[0], *k = op->src[1], *v = op->src[2], *bias = op->src[3];
  RfVkTensorArg d, qa, ka, va, ba;
  if (!rf_vk_bind_output (vk, op->dst, &d, error) || !rf_vk_bind_tensor (vk, q, &qa, error)
      || !rf_vk_bind_tensor (vk, k, &ka, error) || !rf_vk_bind_tensor (vk, v, &va, error)
      || !rf_vk_bind_tensor (vk, bias ? bias : q, &ba, error))
    return FALSE;
  guint32 B = (guint32) q->shape[0], H = (guint32) q->shape[1];
  guint32 lq = (guint32) q->shape[2], lk = (guint32) k->shape[2];
  RfVkAttentionPush pc = {
    .h = H, .lq = lq, .lk = lk, .d = (guint32) q->shape[3], .dv = (guint32) v->shape[3],
    .off_d = d.elem_offset, .off_q = qa.elem_offset, .off_k = ka.elem_offset,
    .off_v = va.elem_offset, .off_bias = bias ? ba.elem_offset : 0,
    .has_bias = bias != NULL, .causal = op->i[0] != 0,
    .bias_sb = bias && bias->shape[0] != 1 ? (guint32) (bias->shape[1] * lq * lk) : 0,
    .bias_sh = bias && bias->shape[1] != 1 ? lq * lk : 0,
    .scale = op->f[0],
  };
  /* vec4 loads need rows and the tensor's start on 4-element boundaries
   * (bindings themselves start aligned) */
  if (pc.d % 4 == 0 && pc.off_q % 4 == 0 && pc.off_k % 4 == 0)
    pc.flags |= RF_VK_ATTENTION_QK_VEC4;
  if (pc.dv % 4 == 0 && pc.off_v % 4 == 0)
    pc.flags |= RF_VK_ATTENTION_V_VEC4;
  gboolean small = MAX (pc.d, pc.dv) <= 64;
  guint32 rows = ROWS_SMALL;
  /* for tuning on a new GPU: RECTIFY_VK_ATTENTION_ROWS=32|64 */
  const char *forced = g_getenv ("RECTIFY_VK_ATTENTION_ROWS");
  if (forced != NULL && (strcmp (forced, "32") == 0 || strcmp (forced, "64") == 0))
    rows = (guint32) atoi (forced);
  RfShaderId shader = rows == ROWS_SMALL
                        ? (small ? RF_SHADER_ATTENTION_D64_R32 : RF_SHADER_ATTENTION_D128_R32)
                        : (small ? RF_SHADER_ATTENTION_D64 : RF_SHADER_ATTENTION_D128);
  RfVkBinding binds[5] = { d.binding, qa.binding, ka.binding, va.binding, ba.binding };
  return rf_vk_dispatch (vk, shader, binds, 5, &pc, sizeof pc, (lq + rows - 1) / rows, H, B,
                         error);
}

/* scores = q·kᵀ (gemm), + bias, softmax(scale), · v (gemm), per (b, h)
 * and per chunk of query rows; all through the public ops so the
 * temporaries are owned and freed here. */
static gboolean
chunked (RfVkBackend *vk, const RfOp *op, GError **error)
{
  RfBackend *be = (RfBackend *) vk;
  const RfTensor *q = op->src[0], *k = op->src[1], *v = op->src[2], *bias = op->src[3];
  gint64 B = q->shape[0], H = q->shape[1], lq = q->shape[2], lk = k->shape[2];
  if (op->i[0])
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_UNSUPPORTED,
                   _("attention: causal masking on Vulkan needs head dims <= 128 (got %"
                     PRId64 ") and %u bytes of compute shared memory (device: %u)"),
                   MAX (q->shape[3], v->shape[3]), FLASH_SHARED_BYTES,
                   vk->caps.props.limits.maxComputeSharedMemorySize);
      return FALSE;
    }
  gint64 chunk = MAX (1, MIN (lq, (gint64) (SCORE_CHUNK_BYTES / 4 / (guint64) lk)));
  for (gint64 b = 0; b < B; b++)
    for (gint64 h = 0; h < H; h++)
      for (gint64 r0 = 0; r0 < lq; r0 += chunk)
        {
          gint64 rows = MIN (chunk, lq - r0);
          g_autoptr (RfTensor) qb = rf_vk_view_head (q, b, h, r0, rows, error);
          g_autoptr (RfTensor) kb = qb ? rf_vk_view_head (k, b, h, 0, lk, error) : NULL;
          g_autoptr (RfTensor) vb = kb ? rf_vk_view_head (v, b, h, 0, lk, error) : NULL;
          g_autoptr (RfTensor) ob = vb ? rf_vk_view_head (op->dst, b, h, r0, rows, error) : NULL;
          g_autoptr (RfTensor) s = ob ? rf_tensor_new_4d (be, RF_DTYPE_F32, 2, rows, lk, 0, 0, error) : NULL;
          if (s == NULL || !rf_op_matmul (s, qb, kb, TRUE, error))
            return FALSE;
          if (bias != NULL)
            {
              g_autoptr (RfTensor) bb = rf_vk_view_head (bias, bias->shape[0] == 1 ? 0 : b,
                                                         bias->shape[1] == 1 ? 0 : h, r0, rows, error);
              if (bb == NULL)
                return FALSE;
              /* bias is added after scaling: fold the scale into the scores first */
              if (!rf_op_scale (s, s, op->f[0], 0.0f, error) || !rf_op_add (s, s, bb, error)
                  || !rf_op_softmax (s, s, 1.0f, error))
                return FALSE;
            }
          else if (!rf_op_softmax (s, s, op->f[0], error))
            return FALSE;
          if (!rf_op_matmul (ob, s, vb, FALSE, error))
            return FALSE;
        }
  return TRUE;
}

gboolean
rf_vk_op_attention (RfVkBackend *vk, const RfOp *op, GError **error)
{
  /* devices with less shared memory than the kernel's (the portable
   * minimum is 16 KiB) take the gemm path, which needs about 8 KiB */
  if (MAX (op->src[0]->shape[3], op->src[2]->shape[3]) <= 128
      && vk->caps.props.limits.maxComputeSharedMemorySize >= FLASH_SHARED_BYTES)
    return flash (vk, op, error);
  return chunked (vk, op, error);
}
