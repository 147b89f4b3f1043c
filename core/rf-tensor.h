/* rf-tensor.h — a view of up to 4 dimensions into a backend buffer.
 *
 * Shapes are in PyTorch order: shape[0] is the outermost dimension and
 * shape[ndim-1] the fastest-varying one. Strides are in elements (for
 * plain dtypes); quantized block tensors are always contiguous.
 *
 * Ownership: an RfTensor holds a reference on its RfBuffer. Views
 * (rf_tensor_view_*) make a new RfTensor sharing the buffer; free each
 * tensor with rf_tensor_free(). The buffer is released when the last
 * tensor referring to it is freed.
 */
#pragma once

#include <glib.h>

#include "rf-dtype.h"

G_BEGIN_DECLS

#define RF_MAX_DIMS 4

typedef struct _RfBackend RfBackend;
typedef struct _RfBuffer RfBuffer;

typedef struct {
  RfDType dtype;
  int ndim;
  gint64 shape[RF_MAX_DIMS];
  gint64 stride[RF_MAX_DIMS];
  guint64 offset;     /* bytes from the start of the buffer */
  RfBuffer *buffer;   /* strong reference */
} RfTensor;

/* Allocates a contiguous tensor on @backend. Contents are undefined.
 * Fails with RF_CORE_ERROR_SHAPE on a bad shape and with a backend error
 * when memory runs out. */
RfTensor *rf_tensor_new (RfBackend *backend, RfDType dtype, int ndim,
                         const gint64 *shape, GError **error);

/* Convenience for up to 4 dims given inline; unused trailing dims are 0. */
RfTensor *rf_tensor_new_4d (RfBackend *backend, RfDType dtype, int ndim,
                            gint64 d0, gint64 d1, gint64 d2, gint64 d3,
                            GError **error);

/* A tensor of the same dtype and shape as @like on @backend (contiguous). */
RfTensor *rf_tensor_new_like (RfBackend *backend, const RfTensor *like,
                              GError **error);

void rf_tensor_free (RfTensor *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfTensor, rf_tensor_free)

RfBackend *rf_tensor_backend (const RfTensor *t);

gint64  rf_tensor_numel (const RfTensor *t);
/* Bytes covered by the elements of a contiguous tensor. */
guint64 rf_tensor_nbytes (const RfTensor *t);
gboolean rf_tensor_is_contiguous (const RfTensor *t);
gboolean rf_tensor_same_shape (const RfTensor *a, const RfTensor *b);
/* "[2, 3, 4] f32" into @buf; returns @buf. */
char *rf_tensor_describe (const RfTensor *t, char *buf, gsize len);

/* Views: no copies. They fail (NULL + error) when the request is out of
 * range or impossible with the existing strides. */
RfTensor *rf_tensor_view_reshape (const RfTensor *t, int ndim,
                                  const gint64 *shape, GError **error);
RfTensor *rf_tensor_view_permute (const RfTensor *t, const int *perm,
                                  GError **error);
/* Elements [start, start+len) along @axis. */
RfTensor *rf_tensor_view_narrow (const RfTensor *t, int axis, gint64 start,
                                 gint64 len, GError **error);

/* A view with explicit @shape and @stride (elements) starting @offset
 * elements after @t's first element; every element it can reach must lie
 * inside @t's buffer. Plain dtypes only. */
RfTensor *rf_tensor_view_strided (const RfTensor *t, int ndim, const gint64 *shape,
                                  const gint64 *stride, gint64 offset,
                                  GError **error);

/* Host <-> tensor transfers of whole contiguous tensors. @data holds
 * rf_tensor_nbytes() bytes in the tensor's dtype. Reading waits for
 * pending work on the tensor's backend. */
gboolean rf_tensor_write (RfTensor *t, const void *data, gsize n_bytes,
                          GError **error);
gboolean rf_tensor_read (const RfTensor *t, void *data, gsize n_bytes,
                         GError **error);

/* f32 convenience: converts from/to the tensor's float dtype; works on
 * any strides. Returns a newly allocated array of numel floats. */
gboolean rf_tensor_write_f32 (RfTensor *t, const float *data, gint64 n,
                              GError **error);
float   *rf_tensor_read_f32 (const RfTensor *t, GError **error);

/* A contiguous copy of @t on @dst_backend (may be the same backend). */
RfTensor *rf_tensor_to_backend (const RfTensor *t, RfBackend *dst_backend,
                                GError **error);

G_END_DECLS
