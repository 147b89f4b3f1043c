/* vk-dispatch.h — what a Vulkan op file needs: bindings, one dispatch
 * call, and helpers that keep every binding inside the device limits.
 * See vulkan/README.md for how an op is added. */
#pragma once

#include <vulkan/vulkan.h>

#include "rf-backend-impl.h"
#include "rf-shader-table.h"
#include "vk-push.h"

G_BEGIN_DECLS

typedef struct _RfVkBackend RfVkBackend;

#define RF_VK_MAX_BINDINGS 8
#define RF_VK_MAX_VIEWS 4

/* One storage-buffer binding: bytes [offset, offset + range) of a
 * buffer. @offset must be a multiple of rf_vk_binding_alignment() and
 * @range at most rf_vk_max_binding_range(); rf_vk_bind_range() computes
 * both. @write marks bindings the shader writes (drives barriers). */
typedef struct {
  RfBuffer *buffer;
  guint64 offset;
  guint64 range;
  gboolean write;
} RfVkBinding;

/* Records one compute dispatch of shader @id into the current batch.
 * Bindings go to set 0, binding 0..@n-1 in order; @push (may be NULL
 * when @push_size is 0) becomes the push constants. The first dispatch
 * of an id fixes its binding count and push size; later calls must
 * match (a programmer error otherwise). Barriers against earlier
 * dispatches that touch the same buffers are inserted here; buffers are
 * referenced until the work completes, so callers may drop their
 * tensors right away. Submission happens in bounded batches. Errors:
 * RF_VULKAN_ERROR_* (device lost is sticky). */
gboolean rf_vk_dispatch (RfVkBackend *vk, RfShaderId id, const RfVkBinding *b,
                         guint n, const void *push, gsize push_size,
                         guint32 gx, guint32 gy, guint32 gz, GError **error);

/* Workgroups along x for @n invocations of local size @local, capped at
 * maxComputeWorkGroupCount[0]: kernels loop with a grid stride. */
guint32 rf_vk_groups_1d (RfVkBackend *vk, guint64 n, guint32 local);

guint64 rf_vk_max_binding_range (RfVkBackend *vk);
guint64 rf_vk_binding_alignment (RfVkBackend *vk);
/* Whether shaders may use 16-bit storage buffers (else use the PACKED16
 * variants); honours RECTIFY_VK_DISABLE_F16. */
gboolean rf_vk_has_storage16 (RfVkBackend *vk);
gboolean rf_vk_has_float16 (RfVkBackend *vk);

/* A binding covering bytes [@offset, @offset + @len) of @buf, whose
 * start is rounded down to the binding alignment; *@first_elem receives
 * the element (of @elem_size bytes) at which @offset lies within it.
 * Fails with RF_VULKAN_ERROR_FAILED when the range cannot be bound in
 * one piece (callers split: see rf_vk_for_each_box()). */
gboolean rf_vk_bind_range (RfVkBackend *vk, RfBuffer *buf, guint64 offset,
                           guint64 len, guint32 elem_size, gboolean write,
                           RfVkBinding *out, guint32 *first_elem, GError **error);

/* A strided 4-D view of a buffer, as the box splitter sees it. */
typedef struct {
  RfBuffer *buffer;
  guint64 offset;      /* bytes to element (0,0,0,0) */
  gint64 stride[4];    /* elements; negative for reversed views */
  guint32 elem_size;   /* bytes */
  gboolean write;
} RfVkView;

/* Fills @v from a plain-dtype tensor, padded on the left to 4 dims. */
void rf_vk_view_from_tensor (RfVkView *v, const RfTensor *t, gboolean write);

/* One piece of an index space, small enough to bind every view. */
typedef struct {
  guint32 extent[4];
  guint32 n;                              /* product of extent */
  guint32 stride[RF_VK_MAX_VIEWS][4];     /* elements (two's complement when
                                           * negative); 0 where extent is 1 */
  guint32 first[RF_VK_MAX_VIEWS];         /* box origin, elements from binding start */
  RfVkBinding bind[RF_VK_MAX_VIEWS];
} RfVkBox;

typedef gboolean (*RfVkBoxFunc) (RfVkBackend *vk, const RfVkBox *box,
                                 gpointer user_data, GError **error);

/* Splits the index space @shape into boxes such that each view's bytes
 * for a box fit one binding (maxStorageBufferRange, alignment) and a box
 * has < 2^31 elements, and calls @func once per box in order. A 4-D op
 * that fits the limits gets exactly one call. */
gboolean rf_vk_for_each_box (RfVkBackend *vk, const gint64 shape[4],
                             const RfVkView *views, guint n_views,
                             RfVkBoxFunc func, gpointer user_data, GError **error);

/* Per-family op entry points (vk-op-<family>.c), called by run_op. */
gboolean rf_vk_op_elementwise (RfVkBackend *vk, const RfOp *op, GError **error);
gboolean rf_vk_op_copy (RfVkBackend *vk, const RfOp *op, GError **error);

G_END_DECLS
