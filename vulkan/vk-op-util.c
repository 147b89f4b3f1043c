/* vk-op-util.c — tensor bindings for the compute-op shaders. */
#include "vk-op-util.h"

static gboolean
bind (RfVkBackend *vk, const RfTensor *t, gboolean write, RfVkTensorArg *out,
      GError **error)
{
  const RfDTypeInfo *info = rf_dtype_info (t->dtype);
  /* shaders index 16- and 8-bit types per element, block types per byte */
  guint32 unit = info->is_quantized ? 1 : info->block_bytes;
  guint64 bytes = rf_tensor_nbytes (t);
  g_return_val_if_fail (rf_tensor_is_contiguous (t), FALSE);
  if (bytes / unit >= G_MAXUINT32 / 2)
    {
      char d[96];
      g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_FAILED,
                   "tensor %s is too large for one Vulkan dispatch (2^31 elements)",
                   rf_tensor_describe (t, d, sizeof d));
      return FALSE;
    }
  return rf_vk_bind_range (vk, t->buffer, t->offset, MAX (bytes, unit), unit, write,
                           &out->binding, &out->elem_offset, error);
}

gboolean
rf_vk_bind_tensor (RfVkBackend *vk, const RfTensor *t, RfVkTensorArg *out, GError **error)
{
  return bind (vk, t, FALSE, out, error);
}

gboolean
rf_vk_bind_output (RfVkBackend *vk, const RfTensor *t, RfVkTensorArg *out, GError **error)
{
  return bind (vk, t, TRUE, out, error);
}

RfTensor *
rf_vk_view_head (const RfTensor *t, gint64 b, gint64 h, gint64 r0, gint64 rows,
                 GError **error)
{
  gint64 L = t->shape[2], D = t->shape[3];
  RfTensor view = *t;
  view.ndim = 2;
  view.shape[0] = rows;
  view.shape[1] = D;
  view.stride[0] = D;
  view.stride[1] = 1;
  view.offset = t->offset + (guint64) (((b * t->shape[1] + h) * L + r0) * D) * 4;
  /* a heap copy holding its own buffer reference */
  const gint64 shape[2] = { rows, D };
  return rf_tensor_view_reshape (&view, 2, shape, error);
}
