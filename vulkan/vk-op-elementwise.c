/* vk-op-elementwise.c — the elementwise family (ADD … GATED_ADD) and
 * COPY: one dispatch per box of the output's index space, tensors
 * addressed through their own 4-D strides (broadcast = stride 0).
 * Shaders: shaders/elementwise.comp, shaders/copy.comp. */
#include "vk-internal.h"

#include <string.h>

#define LOCAL_SIZE 256 /* local_size_x of both shaders */

typedef struct {
  RfShaderId id;
  guint n_views;
  float f0, f1;
} BoxJob;

static gboolean
run_box (RfVkBackend *vk, const RfVkBox *box, gpointer user_data, GError **error)
{
  const BoxJob *job = user_data;
  RfVkEltwisePush pc;
  memset (&pc, 0, sizeof pc);
  memcpy (pc.shape, box->extent, sizeof pc.shape);
  for (guint t = 0; t < job->n_views; t++)
    {
      memcpy (pc.stride[t], box->stride[t], sizeof pc.stride[t]);
      pc.offset[t] = box->first[t];
    }
  pc.n = box->n;
  pc.f0 = job->f0;
  pc.f1 = job->f1;
  return rf_vk_dispatch (vk, job->id, box->bind, job->n_views, &pc, sizeof pc,
                         rf_vk_groups_1d (vk, box->n, LOCAL_SIZE), 1, 1, error);
}

/* dst and sources share dst's index space; view 0 is dst. */
static gboolean
run_views (RfVkBackend *vk, RfShaderId id, const RfTensor *dst, const RfTensor *const *srcs,
           guint n_srcs, float f0, float f1, GError **error)
{
  RfVkView views[RF_VK_MAX_VIEWS];
  gint64 shape[4], stride[4];
  rf_tensor_shape4 (dst, shape, stride);
  rf_vk_view_from_tensor (&views[0], dst, TRUE);
  for (guint i = 0; i < n_srcs; i++)
    rf_vk_view_from_tensor (&views[1 + i], srcs[i], FALSE);
  BoxJob job = { id, 1 + n_srcs, f0, f1 };
  return rf_vk_for_each_box (vk, shape, views, job.n_views, run_box, &job, error);
}

gboolean
rf_vk_op_elementwise (RfVkBackend *vk, const RfOp *op, GError **error)
{
  static const struct {
    RfShaderId id;
    guint n_srcs;
  } kinds[RF_OP_COUNT] = {
    [RF_OP_ADD] = { RF_SHADER_ELEMENTWISE_ADD, 2 },
    [RF_OP_SUB] = { RF_SHADER_ELEMENTWISE_SUB, 2 },
    [RF_OP_MUL] = { RF_SHADER_ELEMENTWISE_MUL, 2 },
    [RF_OP_SCALE] = { RF_SHADER_ELEMENTWISE_SCALE, 1 },
    [RF_OP_GELU] = { RF_SHADER_ELEMENTWISE_GELU, 1 },
    [RF_OP_SILU] = { RF_SHADER_ELEMENTWISE_SILU, 1 },
    [RF_OP_RELU] = { RF_SHADER_ELEMENTWISE_RELU, 1 },
    [RF_OP_TANH] = { RF_SHADER_ELEMENTWISE_TANH, 1 },
    [RF_OP_SIGMOID] = { RF_SHADER_ELEMENTWISE_SIGMOID, 1 },
    [RF_OP_MODULATE] = { RF_SHADER_ELEMENTWISE_MODULATE, 3 },
    [RF_OP_GATED_ADD] = { RF_SHADER_ELEMENTWISE_GATED_ADD, 3 },
  };
  guint n = kinds[op->kind].n_srcs;
  g_return_val_if_fail (n > 0, FALSE);
  gboolean f32 = op->dst->dtype == RF_DTYPE_F32;
  for (guint i = 0; i < n; i++)
    f32 = f32 && op->src[i] != NULL && op->src[i]->dtype == RF_DTYPE_F32
          && op->src[i]->ndim == op->dst->ndim;
  if (!f32)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_UNSUPPORTED,
                   "vulkan: elementwise ops take f32 tensors expanded to the output shape");
      return FALSE;
    }
  return run_views (vk, kinds[op->kind].id, op->dst, op->src, n, op->f[0], op->f[1], error);
}

static gboolean
copy_shader (RfVkBackend *vk, RfDType src, RfDType dst, RfShaderId *id)
{
  gboolean s16 = rf_vk_has_storage16 (vk);
  if (src == dst && !rf_dtype_info (src)->is_quantized)
    switch (rf_dtype_info (src)->block_bytes)
      {
      case 1: *id = RF_SHADER_COPY_X8; return TRUE;
      case 2: *id = s16 ? RF_SHADER_COPY_X16 : RF_SHADER_COPY_X16_PACKED16; return TRUE;
      case 4: *id = RF_SHADER_COPY_X32; return TRUE;
      case 8: *id = RF_SHADER_COPY_X64; return TRUE;
      default: return FALSE;
      }
  static const struct {
    RfDType src, dst;
    RfShaderId native, packed;
  } conv[] = {
    { RF_DTYPE_F32, RF_DTYPE_F16, RF_SHADER_COPY_F32_F16, RF_SHADER_COPY_F32_F16_PACKED16 },
    { RF_DTYPE_F32, RF_DTYPE_BF16, RF_SHADER_COPY_F32_BF16, RF_SHADER_COPY_F32_BF16_PACKED16 },
    { RF_DTYPE_F16, RF_DTYPE_F32, RF_SHADER_COPY_F16_F32, RF_SHADER_COPY_F16_F32_PACKED16 },
    { RF_DTYPE_BF16, RF_DTYPE_F32, RF_SHADER_COPY_BF16_F32, RF_SHADER_COPY_BF16_F32_PACKED16 },
    { RF_DTYPE_F16, RF_DTYPE_BF16, RF_SHADER_COPY_F16_BF16, RF_SHADER_COPY_F16_BF16_PACKED16 },
    { RF_DTYPE_BF16, RF_DTYPE_F16, RF_SHADER_COPY_BF16_F16, RF_SHADER_COPY_BF16_F16_PACKED16 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (conv); i++)
    if (conv[i].src == src && conv[i].dst == dst)
      {
        *id = s16 ? conv[i].native : conv[i].packed;
        return TRUE;
      }
  return FALSE;
}

gboolean
rf_vk_op_copy (RfVkBackend *vk, const RfOp *op, GError **error)
{
  const RfTensor *src = op->src[0];
  RfShaderId id;
  if (!copy_shader (vk, src->dtype, op->dst->dtype, &id) || src->ndim != op->dst->ndim)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_UNSUPPORTED,
                   "vulkan: cannot copy %s to %s", rf_dtype_name (src->dtype),
                   rf_dtype_name (op->dst->dtype));
      return FALSE;
    }
  return run_views (vk, id, op->dst, op->src, 1, 0.0f, 0.0f, error);
}
