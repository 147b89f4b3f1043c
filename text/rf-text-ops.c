/* rf-text-ops.c — op compositions shared by the CLIP and T5 encoders. */
#include <string.h>

#include "rf-text-ops.h"

static RfTensor *
new_shaped (const RfTensor *like, int ndim, const gint64 *shape, GError **error)
{
  return rf_tensor_new (rf_tensor_backend (like), RF_DTYPE_F32, ndim, shape, error);
}

RfTensor *
rf_text_linear (const RfTensor *x, const RfTensor *w, const RfTensor *b, GError **error)
{
  gint64 shape[RF_MAX_DIMS];
  memcpy (shape, x->shape, sizeof shape);
  shape[x->ndim - 1] = w->shape[0];
  g_autoptr (RfTensor) y = new_shaped (x, x->ndim, shape, error);
  if (y == NULL || !rf_op_linear (y, x, w, b, error))
    return NULL;
  return g_steal_pointer (&y);
}

RfTensor *
rf_text_add (const RfTensor *a, const RfTensor *b, GError **error)
{
  g_autoptr (RfTensor) y = new_shaped (a, a->ndim, a->shape, error);
  if (y == NULL || !rf_op_add (y, a, b, error))
    return NULL;
  return g_steal_pointer (&y);
}

RfTensor *
rf_text_layernorm (const RfTensor *x, const RfTensor *w, const RfTensor *b, float eps,
                   GError **error)
{
  g_autoptr (RfTensor) n = new_shaped (x, x->ndim, x->shape, error);
  g_autoptr (RfTensor) m = n ? new_shaped (x, x->ndim, x->shape, error) : NULL;
  g_autoptr (RfTensor) y = m ? new_shaped (x, x->ndim, x->shape, error) : NULL;
  if (y == NULL || !rf_op_layernorm (n, x, eps, error) || !rf_op_mul (m, n, w, error)
      || !rf_op_add (y, m, b, error))
    return NULL;
  return g_steal_pointer (&y);
}

RfTensor *
rf_text_quick_gelu (const RfTensor *x, GError **error)
{
  g_autoptr (RfTensor) s = new_shaped (x, x->ndim, x->shape, error);
  g_autoptr (RfTensor) g = s ? new_shaped (x, x->ndim, x->shape, error) : NULL;
  g_autoptr (RfTensor) y = g ? new_shaped (x, x->ndim, x->shape, error) : NULL;
  if (y == NULL || !rf_op_scale (s, x, 1.702f, 0.0f, error) || !rf_op_sigmoid (g, s, error)
      || !rf_op_mul (y, x, g, error))
    return NULL;
  return g_steal_pointer (&y);
}

/* [1, L, H·d] → a [1, H, L, d] view. */
static RfTensor *
split_heads (const RfTensor *t, int heads, GError **error)
{
  const gint64 L = t->shape[1], d = t->shape[2] / heads;
  const gint64 shape[4] = { 1, L, heads, d };
  static const int perm[4] = { 0, 2, 1, 3 };
  g_autoptr (RfTensor) r = rf_tensor_view_reshape (t, 4, shape, error);
  return r ? rf_tensor_view_permute (r, perm, error) : NULL;
}

RfTensor *
rf_text_attention (const RfTensor *q, const RfTensor *k, const RfTensor *v, int heads,
                   const RfTensor *bias, float scale, gboolean causal, GError **error)
{
  const gint64 L = q->shape[1], I = q->shape[2], d = I / heads;
  g_autoptr (RfTensor) qh = split_heads (q, heads, error);
  g_autoptr (RfTensor) kh = qh ? split_heads (k, heads, error) : NULL;
  g_autoptr (RfTensor) vh = kh ? split_heads (v, heads, error) : NULL;
  if (vh == NULL)
    return NULL;
  const gint64 oshape[4] = { 1, heads, L, d };
  g_autoptr (RfTensor) o = new_shaped (q, 4, oshape, error);
  if (o == NULL || !rf_op_attention (o, qh, kh, vh, bias, scale, causal, error))
    return NULL;
  /* [1, H, L, d] → [1, L, H, d] contiguous → [1, L, H·d] */
  static const int perm[4] = { 0, 2, 1, 3 };
  g_autoptr (RfTensor) ot = rf_tensor_view_permute (o, perm, error);
  const gint64 jshape[4] = { 1, L, heads, d };
  g_autoptr (RfTensor) joined = ot ? new_shaped (q, 4, jshape, error) : NULL;
  if (joined == NULL || !rf_op_copy (joined, ot, error))
    return NULL;
  const gint64 fshape[3] = { 1, L, I };
  return rf_tensor_view_reshape (joined, 3, fshape, error);
}
