/* vk-op-util.h — binding whole contiguous tensors for the compute-op
 * shaders, which address elements from a push-constant offset. */
#pragma once

#include "vk-dispatch.h"
#include "rf-error.h"

G_BEGIN_DECLS

typedef struct {
  RfVkBinding binding;
  guint32 elem_offset; /* tensor start, in elements, from the binding start */
} RfVkTensorArg;

/* Binds all bytes of contiguous @t (elements of its dtype's size; block
 * types in bytes) for reading / writing. Fails when the tensor is too
 * large for one binding or for 32-bit element indexing. */
gboolean rf_vk_bind_tensor (RfVkBackend *vk, const RfTensor *t, RfVkTensorArg *out,
                            GError **error);
gboolean rf_vk_bind_output (RfVkBackend *vk, const RfTensor *t, RfVkTensorArg *out,
                            GError **error);

/* The [rows, D] matrix of a [B, H, L, D] tensor at batch @b, head @h,
 * rows [@r0, @r0 + @rows): a view, no copy. */
RfTensor *rf_vk_view_head (const RfTensor *t, gint64 b, gint64 h, gint64 r0,
                           gint64 rows, GError **error);

gboolean rf_vk_gemm_supports_weight (RfDType wtype);

gboolean rf_vk_op_gemm (RfVkBackend *vk, const RfOp *op, GError **error);
gboolean rf_vk_op_attention (RfVkBackend *vk, const RfOp *op, GError **error);
gboolean rf_vk_op_rowwise (RfVkBackend *vk, const RfOp *op, GError **error);
gboolean rf_vk_op_misc (RfVkBackend *vk, const RfOp *op, GError **error);

G_END_DECLS
