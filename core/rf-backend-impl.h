/* rf-backend-impl.h — what a backend implements. Private to core/ and
 * the backends; models use rf-ops.h. */
#pragma once

#include "rf-ops.h"

G_BEGIN_DECLS

struct _RfBuffer {
  gint ref_count;
  RfBackend *backend;
  guint64 size;
  gpointer host;   /* host-addressable memory (CPU backend), else NULL */
  gpointer impl;   /* backend-private */
};

typedef enum {
  RF_OP_LINEAR,          /* src: x, w, bias? */
  RF_OP_MATMUL,          /* src: a, b; i[0] trans_b */
  RF_OP_ADD,             /* src: a, b (broadcast, expanded strides) */
  RF_OP_SUB,
  RF_OP_MUL,
  RF_OP_SCALE,           /* src: x; f[0] scale, f[1] bias */
  RF_OP_GELU,
  RF_OP_SILU,
  RF_OP_RELU,
  RF_OP_TANH,
  RF_OP_SIGMOID,
  RF_OP_LAYERNORM,       /* src: x; f[0] eps */
  RF_OP_RMSNORM,         /* src: x, weight?; f[0] eps */
  RF_OP_MODULATE,        /* src: x, shift, scale (expanded strides) */
  RF_OP_GATED_ADD,       /* src: x, gate, y (expanded strides) */
  RF_OP_SOFTMAX,         /* src: x; f[0] scale */
  RF_OP_ROPE,            /* src: x, pe */
  RF_OP_ATTENTION,       /* src: q, k, v, bias?; f[0] scale, i[0] causal */
  RF_OP_CONV2D,          /* src: x, w, bias?; i[0..5] stride h,w, pad t,b,l,r */
  RF_OP_GROUPNORM,       /* src: x, weight?, bias?; i[0] groups, f[0] eps */
  RF_OP_UPSAMPLE_NEAREST2X,
  RF_OP_COPY,            /* src: x (any strides), dst any strides */
  RF_OP_TIMESTEP_EMBED,  /* src: t; f[0] time_factor, f[1] max_period, i[0] sin_first */
  RF_OP_REDUCE,          /* src: x; i[0] RfReduceKind */
  RF_OP_COUNT
} RfOpKind;

/* One recorded op. The core has validated shapes and dtypes before a
 * backend sees it:
 *  - elementwise ops (ADD..SIGMOID, MODULATE, GATED_ADD, COPY) get inputs
 *    already expanded to dst's shape and ndim (broadcast dims have stride
 *    0) and may be arbitrarily strided; dst is contiguous except for COPY;
 *  - every other op gets contiguous inputs and a contiguous dst.
 * The RfTensor structs (not their buffers) are only valid during run_op:
 * a backend that records work for later execution copies what it needs
 * and holds a reference (rf_buffer_ref) on every buffer the op touches
 * until that work has completed, since callers may free temporaries
 * right after recording. Ops with a zero-sized dst never reach run_op. */
typedef struct {
  RfOpKind kind;
  RfTensor *dst;
  const RfTensor *src[4];
  float f[4];
  gint32 i[8];
} RfOp;

typedef struct {
  const char *name;
  /* Fill buf->host and/or buf->impl for buf->size bytes. */
  gboolean (*buffer_alloc) (RfBackend *be, RfBuffer *buf, GError **error);
  void     (*buffer_release) (RfBackend *be, RfBuffer *buf);
  gboolean (*buffer_write) (RfBackend *be, RfBuffer *buf, guint64 offset,
                            const void *src, guint64 n, GError **error);
  /* Waits for pending work touching the buffer. */
  gboolean (*buffer_read) (RfBackend *be, RfBuffer *buf, guint64 offset,
                           void *dst, guint64 n, GError **error);
  gboolean (*run_op) (RfBackend *be, const RfOp *op, GError **error);
  gboolean (*synchronize) (RfBackend *be, GError **error);
  gboolean (*supports_weight_dtype) (const RfBackend *be, RfDType dtype);
  /* Bytes this process may use on the device; NULL or 0 = no limit
   * worth planning for (host memory). */
  guint64  (*memory_budget) (const RfBackend *be);
  void     (*destroy) (RfBackend *be);
} RfBackendClass;

struct _RfBackend {
  const RfBackendClass *klass;
  RfBackendKind kind;
  char *description;
};

/* Used by backend constructors / destructors. */
void rf_backend_init_base (RfBackend *be, const RfBackendClass *klass,
                           RfBackendKind kind, char *description_owned);
void rf_backend_clear_base (RfBackend *be);

RfBuffer *rf_buffer_new (RfBackend *be, guint64 size, GError **error);
RfBuffer *rf_buffer_ref (RfBuffer *buf);
void      rf_buffer_unref (RfBuffer *buf);

/* For backends: a tensor's element (i0,i1,i2,i3) byte offset; unused
 * trailing dims are 0. */
static inline guint64
rf_tensor_elem_offset (const RfTensor *t, const gint64 *idx)
{
  gint64 e = 0;
  for (int d = 0; d < t->ndim; d++)
    e += idx[d] * t->stride[d];
  return t->offset + (guint64) e * rf_dtype_info (t->dtype)->block_bytes;
}

/* Wraps a tensor's shape/stride as exactly 4 dims, padding on the left
 * with size-1 dims, so kernels index uniformly. */
void rf_tensor_shape4 (const RfTensor *t, gint64 shape[4], gint64 stride[4]);

G_END_DECLS
