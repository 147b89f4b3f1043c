/* rf-ops.c — argument checking for every op, broadcasting, contiguous
 * temporaries, then one call into the backend. Backends can trust what
 * reaches them (see the contract in rf-backend-impl.h). */
#include "rf-backend-impl.h"
#include "rf-error.h"

#include <string.h>

#define DESC_LEN 96

static gboolean
fail_shape (GError **error, const char *op, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail_shape (GError **error, const char *op, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE, "%s: %s", op, msg);
  return FALSE;
}

static gboolean
check_dtype (const char *op, const char *arg, const RfTensor *t, RfDType want,
             GError **error)
{
  if (t->dtype == want)
    return TRUE;
  g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_DTYPE,
               "%s: %s must be %s, got %s", op, arg, rf_dtype_name (want),
               rf_dtype_name (t->dtype));
  return FALSE;
}

/* All tensors (NULLs skipped) on dst's backend. */
static gboolean
check_backends (const char *op, const RfTensor *dst, const RfTensor *const *srcs,
                int n, GError **error)
{
  for (int i = 0; i < n; i++)
    if (srcs[i] != NULL && srcs[i]->buffer->backend != dst->buffer->backend)
      {
        g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_BACKEND,
                     "%s: input %d lives on backend '%s' but the output on '%s'; "
                     "move it with rf_tensor_to_backend()", op, i,
                     rf_backend_description (srcs[i]->buffer->backend),
                     rf_backend_description (dst->buffer->backend));
        return FALSE;
      }
  return TRUE;
}

static gboolean
check_dst_contiguous (const char *op, const RfTensor *dst, GError **error)
{
  char d[DESC_LEN];
  if (rf_tensor_is_contiguous (dst))
    return TRUE;
  return fail_shape (error, op, "the output %s must be contiguous",
                     rf_tensor_describe (dst, d, sizeof d));
}

static gboolean
check_same_shape (const char *op, const char *arg, const RfTensor *t,
                  const RfTensor *dst, GError **error)
{
  char a[DESC_LEN], b[DESC_LEN];
  if (rf_tensor_same_shape (t, dst))
    return TRUE;
  return fail_shape (error, op, "%s is %s but the output is %s", arg,
                     rf_tensor_describe (t, a, sizeof a),
                     rf_tensor_describe (dst, b, sizeof b));
}

/* Makes @out a view of @src with dst's ndim and shape, broadcast dims
 * having stride 0 (numpy rules, right-aligned). */
static gboolean
expand_to (const char *op, const char *arg, const RfTensor *src,
           const RfTensor *dst, RfTensor *out, GError **error)
{
  char a[DESC_LEN], b[DESC_LEN];
  if (src->ndim > dst->ndim)
    goto mismatch;
  *out = *src;
  out->ndim = dst->ndim;
  for (int d = dst->ndim - 1, s = src->ndim - 1; d >= 0; d--, s--)
    {
      gint64 size = s >= 0 ? src->shape[s] : 1;
      gint64 stride = s >= 0 ? src->stride[s] : 0;
      if (size == dst->shape[d])
        out->stride[d] = size == 1 ? 0 : stride;
      else if (size == 1)
        out->stride[d] = 0;
      else
        goto mismatch;
      out->shape[d] = dst->shape[d];
    }
  return TRUE;

mismatch:
  return fail_shape (error, op, "%s %s does not broadcast to the output %s", arg,
                     rf_tensor_describe (src, a, sizeof a),
                     rf_tensor_describe (dst, b, sizeof b));
}

/* Returns @t if contiguous, else a contiguous copy stored in *tmp. */
static const RfTensor *
contiguous (const RfTensor *t, RfTensor **tmp, GError **error)
{
  if (t == NULL || rf_tensor_is_contiguous (t))
    return t;
  *tmp = rf_tensor_new (t->buffer->backend, t->dtype, t->ndim, t->shape, error);
  if (*tmp == NULL || !rf_op_copy (*tmp, t, error))
    return NULL;
  return *tmp;
}

static gboolean
run (RfOp *op, GError **error)
{
  if (rf_tensor_numel (op->dst) == 0)
    return TRUE;
  RfBackend *be = op->dst->buffer->backend;
  return be->klass->run_op (be, op, error);
}

/* Runs an op whose non-NULL inputs must be contiguous: makes temporaries
 * for strided ones first. */
static gboolean
run_contiguous (RfOp *op, GError **error)
{
  RfTensor *tmp[4] = { NULL, NULL, NULL, NULL };
  gboolean ok = TRUE;
  for (int i = 0; i < 4 && ok; i++)
    if (op->src[i] != NULL)
      {
        op->src[i] = contiguous (op->src[i], &tmp[i], error);
        ok = op->src[i] != NULL;
      }
  ok = ok && run (op, error);
  for (int i = 0; i < 4; i++)
    rf_tensor_free (tmp[i]);
  return ok;
}

/* ---- elementwise ---- */

static gboolean
elementwise (RfOpKind kind, const char *name, RfTensor *dst,
             const RfTensor *a, const RfTensor *b, const RfTensor *c,
             const float *f, GError **error)
{
  const RfTensor *srcs[3] = { a, b, c };
  const char *args[3] = { "input", "second input", "third input" };
  RfTensor views[3];
  RfOp op = { .kind = kind, .dst = dst };

  if (!check_backends (name, dst, srcs, 3, error)
      || !check_dst_contiguous (name, dst, error)
      || !check_dtype (name, "the output", dst, RF_DTYPE_F32, error))
    return FALSE;
  for (int i = 0; i < 3; i++)
    {
      if (srcs[i] == NULL)
        continue;
      if (!check_dtype (name, args[i], srcs[i], RF_DTYPE_F32, error)
          || !expand_to (name, args[i], srcs[i], dst, &views[i], error))
        return FALSE;
      op.src[i] = &views[i];
    }
  if (f != NULL)
    memcpy (op.f, f, sizeof op.f);
  return run (&op, error);
}

gboolean
rf_op_add (RfTensor *dst, const RfTensor *a, const RfTensor *b, GError **error)
{
  return elementwise (RF_OP_ADD, "add", dst, a, b, NULL, NULL, error);
}

gboolean
rf_op_sub (RfTensor *dst, const RfTensor *a, const RfTensor *b, GError **error)
{
  return elementwise (RF_OP_SUB, "sub", dst, a, b, NULL, NULL, error);
}

gboolean
rf_op_mul (RfTensor *dst, const RfTensor *a, const RfTensor *b, GError **error)
{
  return elementwise (RF_OP_MUL, "mul", dst, a, b, NULL, NULL, error);
}

gboolean
rf_op_scale (RfTensor *dst, const RfTensor *x, float scale, float bias,
             GError **error)
{
  const float f[4] = { scale, bias, 0, 0 };
  return elementwise (RF_OP_SCALE, "scale", dst, x, NULL, NULL, f, error);
}

gboolean
rf_op_gelu (RfTensor *dst, const RfTensor *x, GError **error)
{
  return elementwise (RF_OP_GELU, "gelu", dst, x, NULL, NULL, NULL, error);
}

gboolean
rf_op_silu (RfTensor *dst, const RfTensor *x, GError **error)
{
  return elementwise (RF_OP_SILU, "silu", dst, x, NULL, NULL, NULL, error);
}

gboolean
rf_op_relu (RfTensor *dst, const RfTensor *x, GError **error)
{
  return elementwise (RF_OP_RELU, "relu", dst, x, NULL, NULL, NULL, error);
}

gboolean
rf_op_tanh (RfTensor *dst, const RfTensor *x, GError **error)
{
  return elementwise (RF_OP_TANH, "tanh", dst, x, NULL, NULL, NULL, error);
}

gboolean
rf_op_sigmoid (RfTensor *dst, const RfTensor *x, GError **error)
{
  return elementwise (RF_OP_SIGMOID, "sigmoid", dst, x, NULL, NULL, NULL, error);
}

gboolean
rf_op_modulate (RfTensor *dst, const RfTensor *x, const RfTensor *shift,
                const RfTensor *scale, GError **error)
{
  if (!check_same_shape ("modulate", "x", x, dst, error))
    return FALSE;
  return elementwise (RF_OP_MODULATE, "modulate", dst, x, shift, scale, NULL, error);
}

gboolean
rf_op_gated_add (RfTensor *dst, const RfTensor *x, const RfTensor *gate,
                 const RfTensor *y, GError **error)
{
  if (!check_same_shape ("gated_add", "x", x, dst, error))
    return FALSE;
  return elementwise (RF_OP_GATED_ADD, "gated_add", dst, x, gate, y, NULL, error);
}

static gboolean
is_convertible_float (RfDType t)
{
  return t == RF_DTYPE_F32 || t == RF_DTYPE_F16 || t == RF_DTYPE_BF16;
}

gboolean
rf_op_copy (RfTensor *dst, const RfTensor *src, GError **error)
{
  const RfTensor *srcs[1] = { src };
  if (!check_backends ("copy", dst, srcs, 1, error)
      || !check_same_shape ("copy", "the source", src, dst, error))
    return FALSE;
  gboolean plain = !rf_dtype_info (src->dtype)->is_quantized;
  if (!(src->dtype == dst->dtype && plain)
      && !(is_convertible_float (src->dtype) && is_convertible_float (dst->dtype)))
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_DTYPE,
                   "copy: cannot convert %s to %s", rf_dtype_name (src->dtype),
                   rf_dtype_name (dst->dtype));
      return FALSE;
    }
  RfOp op = { .kind = RF_OP_COPY, .dst = dst, .src = { src } };
  return run (&op, error);
}

static gboolean
concat_or_split (const char *name, const RfTensor *whole,
                 const RfTensor *const *parts, int n, int axis,
                 gboolean into_whole, GError **error)
{
  char a[DESC_LEN], b[DESC_LEN];
  if (n < 1 || axis < 0 || axis >= whole->ndim)
    return fail_shape (error, name, "axis %d and %d parts do not fit %s", axis, n,
                       rf_tensor_describe (whole, a, sizeof a));
  gint64 total = 0;
  for (int i = 0; i < n; i++)
    {
      const RfTensor *p = parts[i];
      gboolean fits = p->ndim == whole->ndim;
      for (int d = 0; fits && d < whole->ndim; d++)
        fits = d == axis || p->shape[d] == whole->shape[d];
      if (!fits)
        return fail_shape (error, name, "part %d %s does not match %s outside axis %d", i,
                           rf_tensor_describe (p, a, sizeof a),
                           rf_tensor_describe (whole, b, sizeof b), axis);
      total += p->shape[axis];
    }
  if (total != whole->shape[axis])
    return fail_shape (error, name, "the parts add up to %" G_GINT64_FORMAT
                       " along axis %d, but %s has %" G_GINT64_FORMAT, total, axis,
                       rf_tensor_describe (whole, a, sizeof a), whole->shape[axis]);
  gint64 start = 0;
  for (int i = 0; i < n; i++)
    {
      g_autoptr (RfTensor) view = rf_tensor_view_narrow (whole, axis, start,
                                                         parts[i]->shape[axis], error);
      if (view == NULL)
        return FALSE;
      gboolean ok = into_whole ? rf_op_copy (view, parts[i], error)
                               : rf_op_copy ((RfTensor *) parts[i], view, error);
      if (!ok)
        return FALSE;
      start += parts[i]->shape[axis];
    }
  return TRUE;
}

gboolean
rf_op_concat (RfTensor *dst, const RfTensor *const *srcs, int n, int axis,
              GError **error)
{
  return concat_or_split ("concat", dst, srcs, n, axis, TRUE, error);
}

gboolean
rf_op_split (RfTensor *const *dsts, int n, const RfTensor *src, int axis,
             GError **error)
{
  return concat_or_split ("split", src, (const RfTensor *const *) dsts, n, axis,
                          FALSE, error);
}

/* ---- linear algebra ---- */

gboolean
rf_op_linear (RfTensor *dst, const RfTensor *x, const RfTensor *w,
              const RfTensor *bias, GError **error)
{
  char a[DESC_LEN], b[DESC_LEN], c[DESC_LEN];
  const RfTensor *srcs[3] = { x, w, bias };
  if (!check_backends ("linear", dst, srcs, 3, error)
      || !check_dst_contiguous ("linear", dst, error)
      || !check_dtype ("linear", "x", x, RF_DTYPE_F32, error)
      || !check_dtype ("linear", "the output", dst, RF_DTYPE_F32, error)
      || (bias && !check_dtype ("linear", "bias", bias, RF_DTYPE_F32, error)))
    return FALSE;
  if (!rf_dtype_info (w->dtype)->is_float)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_DTYPE,
                   "linear: weights of dtype %s are not supported", rf_dtype_name (w->dtype));
      return FALSE;
    }
  if (!rf_backend_supports_weight_dtype (dst->buffer->backend, w->dtype))
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_UNSUPPORTED,
                   "linear: backend '%s' cannot use %s weights",
                   rf_backend_description (dst->buffer->backend), rf_dtype_name (w->dtype));
      return FALSE;
    }
  gint64 k = x->shape[x->ndim - 1];
  gboolean ok = w->ndim == 2 && w->shape[1] == k && k > 0
                && (bias == NULL || (bias->ndim == 1 && bias->shape[0] == w->shape[0]))
                && dst->ndim == x->ndim && dst->shape[dst->ndim - 1] == w->shape[0];
  for (int d = 0; ok && d < x->ndim - 1; d++)
    ok = dst->shape[d] == x->shape[d];
  if (!ok)
    return fail_shape (error, "linear", "x %s, weight %s (expected [out, %" G_GINT64_FORMAT
                       "]), output %s%s", rf_tensor_describe (x, a, sizeof a),
                       rf_tensor_describe (w, b, sizeof b), k,
                       rf_tensor_describe (dst, c, sizeof c),
                       bias ? " and a bias" : "");
  RfOp op = { .kind = RF_OP_LINEAR, .dst = dst, .src = { x, w, bias } };
  return run_contiguous (&op, error);
}

gboolean
rf_op_matmul (RfTensor *dst, const RfTensor *a, const RfTensor *b,
              gboolean trans_b, GError **error)
{
  char da[DESC_LEN], db[DESC_LEN], dd[DESC_LEN];
  const RfTensor *srcs[2] = { a, b };
  if (!check_backends ("matmul", dst, srcs, 2, error)
      || !check_dst_contiguous ("matmul", dst, error)
      || !check_dtype ("matmul", "a", a, RF_DTYPE_F32, error)
      || !check_dtype ("matmul", "b", b, RF_DTYPE_F32, error)
      || !check_dtype ("matmul", "the output", dst, RF_DTYPE_F32, error))
    return FALSE;
  gboolean ok = a->ndim >= 2 && b->ndim >= 2 && dst->ndim >= 2;
  if (ok)
    {
      gint64 m = a->shape[a->ndim - 2], k = a->shape[a->ndim - 1];
      gint64 bk = trans_b ? b->shape[b->ndim - 1] : b->shape[b->ndim - 2];
      gint64 n = trans_b ? b->shape[b->ndim - 2] : b->shape[b->ndim - 1];
      ok = bk == k && k > 0 && dst->shape[dst->ndim - 2] == m
           && dst->shape[dst->ndim - 1] == n;
      /* batch dims, right-aligned, broadcast where one side has 1 */
      for (int d = 3; ok && d <= dst->ndim; d++)
        {
          gint64 sa = a->ndim >= d ? a->shape[a->ndim - d] : 1;
          gint64 sb = b->ndim >= d ? b->shape[b->ndim - d] : 1;
          gint64 sd = dst->shape[dst->ndim - d];
          ok = (sa == sd || sa == 1) && (sb == sd || sb == 1);
        }
      ok = ok && a->ndim <= dst->ndim && b->ndim <= dst->ndim;
    }
  if (!ok)
    return fail_shape (error, "matmul", "a %s, b %s%s, output %s do not fit",
                       rf_tensor_describe (a, da, sizeof da),
                       rf_tensor_describe (b, db, sizeof db), trans_b ? " (transposed)" : "",
                       rf_tensor_describe (dst, dd, sizeof dd));
  RfOp op = { .kind = RF_OP_MATMUL, .dst = dst, .src = { a, b }, .i = { trans_b ? 1 : 0 } };
  return run_contiguous (&op, error);
}

/* ---- normalisation ---- */

static gboolean
check_f32_same (const char *op, RfTensor *dst, const RfTensor *x, GError **error)
{
  const RfTensor *srcs[1] = { x };
  return check_backends (op, dst, srcs, 1, error)
         && check_dst_contiguous (op, dst, error)
         && check_dtype (op, "x", x, RF_DTYPE_F32, error)
         && check_dtype (op, "the output", dst, RF_DTYPE_F32, error)
         && check_same_shape (op, "x", x, dst, error);
}

static gboolean
check_vector (const char *op, const char *arg, const RfTensor *v, gint64 n,
              const RfTensor *dst, GError **error)
{
  char d[DESC_LEN];
  const RfTensor *srcs[1] = { v };
  if (v == NULL)
    return TRUE;
  if (!check_backends (op, dst, srcs, 1, error) || !check_dtype (op, arg, v, RF_DTYPE_F32, error))
    return FALSE;
  if (v->ndim == 1 && v->shape[0] == n)
    return TRUE;
  return fail_shape (error, op, "%s is %s, expected [%" G_GINT64_FORMAT "]", arg,
                     rf_tensor_describe (v, d, sizeof d), n);
}

gboolean
rf_op_layernorm (RfTensor *dst, const RfTensor *x, float eps, GError **error)
{
  if (!check_f32_same ("layernorm", dst, x, error))
    return FALSE;
  RfOp op = { .kind = RF_OP_LAYERNORM, .dst = dst, .src = { x }, .f = { eps } };
  return run_contiguous (&op, error);
}

gboolean
rf_op_rmsnorm (RfTensor *dst, const RfTensor *x, const RfTensor *weight,
               float eps, GError **error)
{
  if (!check_f32_same ("rmsnorm", dst, x, error)
      || !check_vector ("rmsnorm", "weight", weight, x->shape[x->ndim - 1], dst, error))
    return FALSE;
  RfOp op = { .kind = RF_OP_RMSNORM, .dst = dst, .src = { x, weight }, .f = { eps } };
  return run_contiguous (&op, error);
}

gboolean
rf_op_groupnorm (RfTensor *dst, const RfTensor *x, int groups,
                 const RfTensor *weight, const RfTensor *bias, float eps,
                 GError **error)
{
  char d[DESC_LEN];
  if (!check_f32_same ("groupnorm", dst, x, error))
    return FALSE;
  if (x->ndim < 3 || groups < 1 || x->shape[1] % groups != 0)
    return fail_shape (error, "groupnorm", "x %s must be [B, C, ...] with C divisible by %d groups",
                       rf_tensor_describe (x, d, sizeof d), groups);
  if (!check_vector ("groupnorm", "weight", weight, x->shape[1], dst, error)
      || !check_vector ("groupnorm", "bias", bias, x->shape[1], dst, error))
    return FALSE;
  RfOp op = { .kind = RF_OP_GROUPNORM, .dst = dst, .src = { x, weight, bias },
              .f = { eps }, .i = { groups } };
  return run_contiguous (&op, error);
}

gboolean
rf_op_softmax (RfTensor *dst, const RfTensor *x, float scale, GError **error)
{
  if (!check_f32_same ("softmax", dst, x, error))
    return FALSE;
  RfOp op = { .kind = RF_OP_SOFTMAX, .dst = dst, .src = { x }, .f = { scale } };
  return run_contiguous (&op, error);
}

gboolean
rf_op_reduce (RfTensor *dst, const RfTensor *x, RfReduceKind kind, GError **error)
{
  char a[DESC_LEN], b[DESC_LEN];
  const RfTensor *srcs[1] = { x };
  if (!check_backends ("reduce", dst, srcs, 1, error)
      || !check_dst_contiguous ("reduce", dst, error)
      || !check_dtype ("reduce", "x", x, RF_DTYPE_F32, error)
      || !check_dtype ("reduce", "the output", dst, RF_DTYPE_F32, error))
    return FALSE;
  gboolean ok = dst->ndim == x->ndim && dst->shape[dst->ndim - 1] == 1
                && x->shape[x->ndim - 1] > 0 && (int) kind >= 0 && kind <= RF_REDUCE_MAX;
  for (int d = 0; ok && d < x->ndim - 1; d++)
    ok = dst->shape[d] == x->shape[d];
  if (!ok)
    return fail_shape (error, "reduce", "x %s reduces its last dimension into [..., 1], not %s",
                       rf_tensor_describe (x, a, sizeof a), rf_tensor_describe (dst, b, sizeof b));
  RfOp op = { .kind = RF_OP_REDUCE, .dst = dst, .src = { x }, .i = { kind } };
  return run_contiguous (&op, error);
}

/* ---- positional ---- */

gboolean
rf_op_rope (RfTensor *dst, const RfTensor *x, const RfTensor *pe, GError **error)
{
  char a[DESC_LEN], b[DESC_LEN];
  const RfTensor *srcs[1] = { pe };
  if (!check_f32_same ("rope", dst, x, error)
      || !check_backends ("rope", dst, srcs, 1, error)
      || !check_dtype ("rope", "pe", pe, RF_DTYPE_F32, error))
    return FALSE;
  gint64 l = x->ndim >= 2 ? x->shape[x->ndim - 2] : 0;
  gint64 d = x->shape[x->ndim - 1];
  if (x->ndim < 2 || d % 2 != 0 || pe->ndim != 3 || pe->shape[0] != l
      || pe->shape[1] != d / 2 || pe->shape[2] != 2)
    return fail_shape (error, "rope", "x %s needs [..., L, D] with even D and pe [L, D/2, 2], got pe %s",
                       rf_tensor_describe (x, a, sizeof a), rf_tensor_describe (pe, b, sizeof b));
  RfOp op = { .kind = RF_OP_ROPE, .dst = dst, .src = { x, pe } };
  return run_contiguous (&op, error);
}

gboolean
rf_op_timestep_embedding (RfTensor *dst, const RfTensor *t, float time_factor,
                          float max_period, gboolean sin_first, GError **error)
{
  char a[DESC_LEN], b[DESC_LEN];
  const RfTensor *srcs[1] = { t };
  if (!check_backends ("timestep_embedding", dst, srcs, 1, error)
      || !check_dst_contiguous ("timestep_embedding", dst, error)
      || !check_dtype ("timestep_embedding", "t", t, RF_DTYPE_F32, error)
      || !check_dtype ("timestep_embedding", "the output", dst, RF_DTYPE_F32, error))
    return FALSE;
  if (t->ndim != 1 || dst->ndim != 2 || dst->shape[0] != t->shape[0] || dst->shape[1] < 2)
    return fail_shape (error, "timestep_embedding", "t %s must be [B] and the output [B, dim >= 2], got %s",
                       rf_tensor_describe (t, a, sizeof a), rf_tensor_describe (dst, b, sizeof b));
  if (!(max_period > 1.0f))
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_INVALID,
                   "timestep_embedding: max_period must be > 1, got %g", max_period);
      return FALSE;
    }
  RfOp op = { .kind = RF_OP_TIMESTEP_EMBED, .dst = dst, .src = { t },
              .f = { time_factor, max_period }, .i = { sin_first ? 1 : 0 } };
  return run_contiguous (&op, error);
}

/* ---- attention ---- */

gboolean
rf_op_attention (RfTensor *dst, const RfTensor *q, const RfTensor *k,
                 const RfTensor *v, const RfTensor *bias, float scale,
                 gboolean causal, GError **error)
{
  char a[DESC_LEN], b[DESC_LEN], c[DESC_LEN], d[DESC_LEN];
  const RfTensor *srcs[4] = { q, k, v, bias };
  const char *names[4] = { "q", "k", "v", "bias" };
  if (!check_backends ("attention", dst, srcs, 4, error)
      || !check_dst_contiguous ("attention", dst, error)
      || !check_dtype ("attention", "the output", dst, RF_DTYPE_F32, error))
    return FALSE;
  for (int i = 0; i < 4; i++)
    if (srcs[i] && !check_dtype ("attention", names[i], srcs[i], RF_DTYPE_F32, error))
      return FALSE;
  gboolean ok = q->ndim == 4 && k->ndim == 4 && v->ndim == 4 && dst->ndim == 4;
  if (ok)
    {
      gint64 B = q->shape[0], H = q->shape[1], Lq = q->shape[2], D = q->shape[3];
      gint64 Lk = k->shape[2], Dv = v->shape[3];
      ok = k->shape[0] == B && k->shape[1] == H && k->shape[3] == D && D > 0
           && v->shape[0] == B && v->shape[1] == H && v->shape[2] == Lk && Lk > 0
           && dst->shape[0] == B && dst->shape[1] == H && dst->shape[2] == Lq
           && dst->shape[3] == Dv;
      if (ok && bias != NULL)
        ok = bias->ndim == 4 && (bias->shape[0] == 1 || bias->shape[0] == B)
             && (bias->shape[1] == 1 || bias->shape[1] == H)
             && bias->shape[2] == Lq && bias->shape[3] == Lk;
    }
  if (!ok)
    return fail_shape (error, "attention", "q %s, k %s, v %s and output %s must be "
                       "[B,H,Lq,D], [B,H,Lk,D], [B,H,Lk,Dv], [B,H,Lq,Dv]%s",
                       rf_tensor_describe (q, a, sizeof a), rf_tensor_describe (k, b, sizeof b),
                       rf_tensor_describe (v, c, sizeof c), rf_tensor_describe (dst, d, sizeof d),
                       bias ? " with bias [1|B, 1|H, Lq, Lk]" : "");
  RfOp op = { .kind = RF_OP_ATTENTION, .dst = dst, .src = { q, k, v, bias },
              .f = { scale }, .i = { causal ? 1 : 0 } };
  return run_contiguous (&op, error);
}

/* ---- convolution and resampling ---- */

gboolean
rf_conv2d_out_size (gint64 h, gint64 w, gint64 kh, gint64 kw,
                    const RfConv2dParams *p, gint64 *out_h, gint64 *out_w)
{
  if (p->stride_h < 1 || p->stride_w < 1 || p->pad_top < 0 || p->pad_bottom < 0
      || p->pad_left < 0 || p->pad_right < 0 || kh < 1 || kw < 1)
    return FALSE;
  gint64 ph = h + p->pad_top + p->pad_bottom - kh;
  gint64 pw = w + p->pad_left + p->pad_right - kw;
  if (ph < 0 || pw < 0)
    return FALSE;
  *out_h = ph / p->stride_h + 1;
  *out_w = pw / p->stride_w + 1;
  return TRUE;
}

gboolean
rf_op_conv2d (RfTensor *dst, const RfTensor *x, const RfTensor *w,
              const RfTensor *bias, const RfConv2dParams *p, GError **error)
{
  char a[DESC_LEN], b[DESC_LEN], c[DESC_LEN];
  const RfTensor *srcs[3] = { x, w, bias };
  if (!check_backends ("conv2d", dst, srcs, 3, error)
      || !check_dst_contiguous ("conv2d", dst, error)
      || !check_dtype ("conv2d", "x", x, RF_DTYPE_F32, error)
      || !check_dtype ("conv2d", "weight", w, RF_DTYPE_F32, error)
      || !check_dtype ("conv2d", "the output", dst, RF_DTYPE_F32, error))
    return FALSE;
  gint64 oh = 0, ow = 0;
  gboolean ok = x->ndim == 4 && w->ndim == 4 && dst->ndim == 4
                && w->shape[1] == x->shape[1]
                && rf_conv2d_out_size (x->shape[2], x->shape[3], w->shape[2], w->shape[3],
                                       p, &oh, &ow)
                && dst->shape[0] == x->shape[0] && dst->shape[1] == w->shape[0]
                && dst->shape[2] == oh && dst->shape[3] == ow;
  if (!ok)
    return fail_shape (error, "conv2d", "x %s, weight %s, stride %dx%d, pad %d,%d,%d,%d give "
                       "[%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %"
                       G_GINT64_FORMAT "], not %s",
                       rf_tensor_describe (x, a, sizeof a), rf_tensor_describe (w, b, sizeof b),
                       p->stride_h, p->stride_w, p->pad_top, p->pad_bottom, p->pad_left,
                       p->pad_right, x->shape[0], w->shape[0], oh, ow,
                       rf_tensor_describe (dst, c, sizeof c));
  if (!check_vector ("conv2d", "bias", bias, w->shape[0], dst, error))
    return FALSE;
  RfOp op = { .kind = RF_OP_CONV2D, .dst = dst, .src = { x, w, bias },
              .i = { p->stride_h, p->stride_w, p->pad_top, p->pad_bottom,
                     p->pad_left, p->pad_right } };
  return run_contiguous (&op, error);
}

gboolean
rf_op_upsample_nearest2x (RfTensor *dst, const RfTensor *x, GError **error)
{
  char a[DESC_LEN], b[DESC_LEN];
  const RfTensor *srcs[1] = { x };
  if (!check_backends ("upsample", dst, srcs, 1, error)
      || !check_dst_contiguous ("upsample", dst, error)
      || !check_dtype ("upsample", "x", x, RF_DTYPE_F32, error)
      || !check_dtype ("upsample", "the output", dst, RF_DTYPE_F32, error))
    return FALSE;
  if (x->ndim != 4 || dst->ndim != 4 || dst->shape[0] != x->shape[0]
      || dst->shape[1] != x->shape[1] || dst->shape[2] != 2 * x->shape[2]
      || dst->shape[3] != 2 * x->shape[3])
    return fail_shape (error, "upsample", "x %s must be [B,C,H,W] and the output [B,C,2H,2W], got %s",
                       rf_tensor_describe (x, a, sizeof a), rf_tensor_describe (dst, b, sizeof b));
  RfOp op = { .kind = RF_OP_UPSAMPLE_NEAREST2X, .dst = dst, .src = { x } };
  return run_contiguous (&op, error);
}
