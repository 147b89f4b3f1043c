/* rf-ops.h — the op library. Models are written once against these.
 *
 * Every op writes into a caller-allocated @dst on the same backend as its
 * inputs and returns FALSE with a GError (RF_CORE_ERROR_SHAPE/DTYPE/...)
 * naming the op and the shapes when the arguments do not fit. Ops are
 * recorded; results are visible after rf_backend_synchronize() or a read.
 *
 * Activations are f32. Weights of linear may be f32, f16, bf16, f8 or a
 * quantized block type (where the backend supports it). Inputs may be
 * strided views; elementwise ops and copies take them directly, the
 * others make contiguous temporaries as needed. @dst must be contiguous
 * except for rf_op_copy(), which writes into any view.
 */
#pragma once

#include "rf-backend.h"

G_BEGIN_DECLS

/* dst[..., N] = x[..., K] · w[N, K]ᵀ (+ bias[N]). PyTorch weight layout. */
gboolean rf_op_linear (RfTensor *dst, const RfTensor *x, const RfTensor *w,
                       const RfTensor *bias, GError **error);

/* dst[b, M, N] = a[b, M, K] · (trans_b ? b[b, N, K]ᵀ : b[b, K, N]).
 * Batch dims (all but the last two) broadcast where one side has 1. */
gboolean rf_op_matmul (RfTensor *dst, const RfTensor *a, const RfTensor *b,
                       gboolean trans_b, GError **error);

/* Broadcasting binary ops (numpy rules, right-aligned). */
gboolean rf_op_add (RfTensor *dst, const RfTensor *a, const RfTensor *b, GError **error);
gboolean rf_op_sub (RfTensor *dst, const RfTensor *a, const RfTensor *b, GError **error);
gboolean rf_op_mul (RfTensor *dst, const RfTensor *a, const RfTensor *b, GError **error);

/* dst = x * scale + bias (scalars). */
gboolean rf_op_scale (RfTensor *dst, const RfTensor *x, float scale,
                      float bias, GError **error);

/* Unary activations. GELU is the tanh approximation. */
gboolean rf_op_gelu (RfTensor *dst, const RfTensor *x, GError **error);
gboolean rf_op_silu (RfTensor *dst, const RfTensor *x, GError **error);
gboolean rf_op_relu (RfTensor *dst, const RfTensor *x, GError **error);
gboolean rf_op_tanh (RfTensor *dst, const RfTensor *x, GError **error);
gboolean rf_op_sigmoid (RfTensor *dst, const RfTensor *x, GError **error);

/* Over the last dimension: (x - mean) / sqrt(var + eps), no affine. */
gboolean rf_op_layernorm (RfTensor *dst, const RfTensor *x, float eps,
                          GError **error);
/* Over the last dimension: x * rsqrt(mean(x²) + eps) * weight (weight
 * [D] may be NULL). Computed in f32. */
gboolean rf_op_rmsnorm (RfTensor *dst, const RfTensor *x,
                        const RfTensor *weight, float eps, GError **error);

/* dst = x * (1 + scale) + shift, shift/scale broadcast against x. */
gboolean rf_op_modulate (RfTensor *dst, const RfTensor *x,
                         const RfTensor *shift, const RfTensor *scale,
                         GError **error);
/* dst = x + gate * y, gate broadcast against y. */
gboolean rf_op_gated_add (RfTensor *dst, const RfTensor *x,
                          const RfTensor *gate, const RfTensor *y,
                          GError **error);

/* Softmax over the last dimension of (x * scale), in f32. */
gboolean rf_op_softmax (RfTensor *dst, const RfTensor *x, float scale,
                        GError **error);

/* Rotary embedding on adjacent pairs: for x [B, H, L, D] and a table
 * pe [L, D/2, 2] holding (cos, sin) per position and pair,
 *   out[2i]   = cos·x[2i] − sin·x[2i+1]
 *   out[2i+1] = sin·x[2i] + cos·x[2i+1]. */
gboolean rf_op_rope (RfTensor *dst, const RfTensor *x, const RfTensor *pe,
                     GError **error);

/* dst[B,H,Lq,Dv] = softmax(q·kᵀ·scale + bias, causal) · v, with
 * q [B,H,Lq,D], k [B,H,Lk,D], v [B,H,Lk,Dv]; bias (may be NULL) is
 * [1|B, 1|H, Lq, Lk] and added to the scaled scores. Tiled: the Lq×Lk
 * matrix is never materialised. */
gboolean rf_op_attention (RfTensor *dst, const RfTensor *q, const RfTensor *k,
                          const RfTensor *v, const RfTensor *bias, float scale,
                          gboolean causal, GError **error);

typedef struct {
  int stride_h, stride_w;
  int pad_top, pad_bottom, pad_left, pad_right;
} RfConv2dParams;

/* x [B,Cin,H,W], w [Cout,Cin,kh,kw], bias [Cout] or NULL. */
gboolean rf_op_conv2d (RfTensor *dst, const RfTensor *x, const RfTensor *w,
                       const RfTensor *bias, const RfConv2dParams *p,
                       GError **error);
/* Output height/width of a conv, or FALSE if the result would be empty. */
gboolean rf_conv2d_out_size (gint64 h, gint64 w, gint64 kh, gint64 kw,
                             const RfConv2dParams *p, gint64 *out_h,
                             gint64 *out_w);

/* x [B,C,H,W] (or [B,C,N]); weight/bias [C] may be NULL. */
gboolean rf_op_groupnorm (RfTensor *dst, const RfTensor *x, int groups,
                          const RfTensor *weight, const RfTensor *bias,
                          float eps, GError **error);

/* Nearest-neighbour ×2: [B,C,H,W] → [B,C,2H,2W]. */
gboolean rf_op_upsample_nearest2x (RfTensor *dst, const RfTensor *x,
                                   GError **error);

/* Strided copy with dtype conversion between f32, f16 and bf16. */
gboolean rf_op_copy (RfTensor *dst, const RfTensor *src, GError **error);

/* Concatenate @n tensors along @axis into dst (copies into views). */
gboolean rf_op_concat (RfTensor *dst, const RfTensor *const *srcs, int n,
                       int axis, GError **error);
/* Split @src along @axis into @n tensors whose sizes along it add up. */
gboolean rf_op_split (RfTensor *const *dsts, int n, const RfTensor *src,
                      int axis, GError **error);

/* Sinusoidal embedding of t [B] into dst [B, dim]: with half = dim/2,
 * f_k = exp(-ln(max_period)·k/half), a = time_factor·t·f_k, the row is
 * cat(cos a, sin a) (FLUX order; flip_sin_to_cos=TRUE gives sin first).
 * An odd dim gets a zero last column. */
gboolean rf_op_timestep_embedding (RfTensor *dst, const RfTensor *t,
                                   float time_factor, float max_period,
                                   gboolean sin_first, GError **error);

typedef enum {
  RF_REDUCE_SUM,
  RF_REDUCE_MEAN,
  RF_REDUCE_MAX,
} RfReduceKind;

/* Reduces the last dimension: x [..., N] → dst [..., 1]. */
gboolean rf_op_reduce (RfTensor *dst, const RfTensor *x, RfReduceKind kind,
                       GError **error);

G_END_DECLS
