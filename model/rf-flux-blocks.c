/* rf-flux-blocks.c — FLUX double-stream and single-stream blocks. */
#include <math.h>

#include "rf-flux-private.h"

/* Head @part (0 = q, 1 = k, 2 = v) of fused projections [1, L, row]
 * ("B L (K H D) -> K B H L D") as a strided view [1, heads, L, D]. */
static RfTensor *
heads_view (const RfFluxParams *c, const RfTensor *qkv, int part, GError **error)
{
  gint64 l = qkv->shape[1], row = qkv->shape[2];
  const gint64 shape[4] = { 1, c->heads, l, c->head_dim };
  const gint64 stride[4] = { 0, c->head_dim, row, 1 };
  return rf_tensor_view_strided (qkv, 4, shape, stride, (gint64) part * c->hidden, error);
}

/* q or k: RMSNorm over D with the learned scale (QKNorm), contiguous. */
static RfTensor *
normed_heads (const RfFluxParams *c, const RfTensor *qkv, int part,
              const RfTensor *scale, GError **error)
{
  g_autoptr (RfTensor) view = heads_view (c, qkv, part, error);
  g_autoptr (RfTensor) out = view ? rf_tensor_new (rf_tensor_backend (qkv), RF_DTYPE_F32, 4,
                                                   view->shape, error) : NULL;
  if (out == NULL || !rf_op_rmsnorm (out, view, scale, 1e-6f, error))
    return NULL;
  return g_steal_pointer (&out);
}

static RfTensor *
copied_heads (const RfFluxParams *c, const RfTensor *qkv, int part, GError **error)
{
  g_autoptr (RfTensor) view = heads_view (c, qkv, part, error);
  g_autoptr (RfTensor) out = view ? rf_tensor_new (rf_tensor_backend (qkv), RF_DTYPE_F32, 4,
                                                   view->shape, error) : NULL;
  if (out == NULL || !rf_op_copy (out, view, error))
    return NULL;
  return g_steal_pointer (&out);
}

/* RoPE on q and k, attention, and "B H L D -> B L (H D)": [1, L, H]. */
static RfTensor *
rope_attention (const RfFluxParams *c, const RfTensor *q, const RfTensor *k,
                const RfTensor *v, const RfTensor *pe, GError **error)
{
  RfBackend *be = rf_tensor_backend (q);
  gint64 l = q->shape[2];
  g_autoptr (RfTensor) qr = rf_tensor_new_like (be, q, error);
  g_autoptr (RfTensor) kr = qr ? rf_tensor_new_like (be, k, error) : NULL;
  g_autoptr (RfTensor) o = kr ? rf_tensor_new_like (be, q, error) : NULL;
  if (o == NULL || !rf_op_rope (qr, q, pe, error) || !rf_op_rope (kr, k, pe, error)
      || !rf_op_attention (o, qr, kr, v, NULL, 1.0f / sqrtf ((float) c->head_dim), FALSE,
                           error))
    return NULL;
  g_autoptr (RfTensor) out = rf_flux_tensor (be, 3, 1, l, c->hidden, 0, error);
  const gint64 lhd[4] = { 1, l, c->heads, c->head_dim };
  const int perm[4] = { 0, 2, 1, 3 };
  g_autoptr (RfTensor) out4 = out ? rf_tensor_view_reshape (out, 4, lhd, error) : NULL;
  g_autoptr (RfTensor) ot = out4 ? rf_tensor_view_permute (o, perm, error) : NULL;
  if (ot == NULL || !rf_op_copy (out4, ot, error))
    return NULL;
  return g_steal_pointer (&out);
}

typedef struct {
  RfTensor *mod;          /* [1, 6H] */
  RfTensor *chunk[6];     /* shift1 scale1 gate1 shift2 scale2 gate2, [1, 1, H] */
  RfTensor *qkv;          /* [1, L_s, 3H] */
  RfTensor *q, *k, *v;    /* [1, heads, L_s, D] */
} StreamState;

static void
stream_state_clear (StreamState *s)
{
  rf_tensor_free (s->mod);
  for (int i = 0; i < 6; i++)
    rf_tensor_free (s->chunk[i]);
  rf_tensor_free (s->qkv);
  rf_tensor_free (s->q);
  rf_tensor_free (s->k);
  rf_tensor_free (s->v);
}

/* modulation, pre-norm, qkv and QK-norm of one stream */
static gboolean
stream_qkv (const RfFluxParams *c, const RfFluxStream *w, const RfTensor *x,
            const RfTensor *silu_vec, StreamState *s, GError **error)
{
  s->mod = rf_flux_modulation (&w->mod, silu_vec, error);
  if (s->mod == NULL)
    return FALSE;
  for (int i = 0; i < 6; i++)
    if ((s->chunk[i] = rf_flux_mod_chunk (s->mod, i, c->hidden, error)) == NULL)
      return FALSE;
  g_autoptr (RfTensor) h = rf_flux_norm_modulate (x, s->chunk[0], s->chunk[1], error);
  s->qkv = h ? rf_flux_linear (&w->qkv, h, error) : NULL;
  if (s->qkv == NULL)
    return FALSE;
  s->q = normed_heads (c, s->qkv, 0, w->q_norm, error);
  s->k = s->q ? normed_heads (c, s->qkv, 1, w->k_norm, error) : NULL;
  s->v = s->k ? copied_heads (c, s->qkv, 2, error) : NULL;
  return s->v != NULL;
}

/* x += gate1·proj(attn); x += gate2·MLP(modulate(LN(x), shift2, scale2)) */
static gboolean
stream_finish (const RfFluxStream *w, RfTensor *x, const RfTensor *attn,
               const StreamState *s, GError **error)
{
  g_autoptr (RfTensor) proj = rf_flux_linear (&w->proj, attn, error);
  if (proj == NULL || !rf_op_gated_add (x, x, s->chunk[2], proj, error))
    return FALSE;
  g_autoptr (RfTensor) h = rf_flux_norm_modulate (x, s->chunk[3], s->chunk[4], error);
  g_autoptr (RfTensor) m = h ? rf_flux_linear (&w->mlp0, h, error) : NULL;
  if (m == NULL || !rf_op_gelu (m, m, error))
    return FALSE;
  g_autoptr (RfTensor) o = rf_flux_linear (&w->mlp2, m, error);
  return o != NULL && rf_op_gated_add (x, x, s->chunk[5], o, error);
}

gboolean
rf_flux_double_block (RfFlux *flux, const RfFluxDoubleBlock *b, RfTensor *img,
                      RfTensor *txt, const RfTensor *silu_vec, const RfTensor *pe,
                      GError **error)
{
  const RfFluxParams *c = &flux->config;
  RfBackend *be = flux->backend;
  gint64 lt = txt->shape[1], n = img->shape[1], l = lt + n;
  StreamState si = { 0 }, st = { 0 };
  gboolean ok = FALSE;
  RfTensor *q = NULL, *k = NULL, *v = NULL, *attn = NULL, *a_txt = NULL, *a_img = NULL;

  if (!stream_qkv (c, &b->img, img, silu_vec, &si, error)
      || !stream_qkv (c, &b->txt, txt, silu_vec, &st, error))
    goto out;
  /* joint attention over cat(txt, img) along the sequence */
  q = rf_flux_tensor (be, 4, 1, c->heads, l, c->head_dim, error);
  k = q ? rf_flux_tensor (be, 4, 1, c->heads, l, c->head_dim, error) : NULL;
  v = k ? rf_flux_tensor (be, 4, 1, c->heads, l, c->head_dim, error) : NULL;
  if (v == NULL
      || !rf_op_concat (q, (const RfTensor *[]){ st.q, si.q }, 2, 2, error)
      || !rf_op_concat (k, (const RfTensor *[]){ st.k, si.k }, 2, 2, error)
      || !rf_op_concat (v, (const RfTensor *[]){ st.v, si.v }, 2, 2, error))
    goto out;
  attn = rope_attention (c, q, k, v, pe, error);
  a_txt = attn ? rf_tensor_view_narrow (attn, 1, 0, lt, error) : NULL;
  a_img = a_txt ? rf_tensor_view_narrow (attn, 1, lt, n, error) : NULL;
  ok = a_img != NULL && stream_finish (&b->img, img, a_img, &si, error)
       && stream_finish (&b->txt, txt, a_txt, &st, error);
out:
  stream_state_clear (&si);
  stream_state_clear (&st);
  rf_tensor_free (q);
  rf_tensor_free (k);
  rf_tensor_free (v);
  rf_tensor_free (attn);
  rf_tensor_free (a_txt);
  rf_tensor_free (a_img);
  return ok;
}

gboolean
rf_flux_single_block (RfFlux *flux, int index, const RfFluxSingleBlock *b, RfTensor *x,
                      const RfTensor *silu_vec, const RfTensor *pe, GError **error)
{
  const RfFluxParams *c = &flux->config;
  RfBackend *be = flux->backend;
  gint64 l = x->shape[1];

  g_autoptr (RfTensor) mod = rf_flux_modulation (&b->mod, silu_vec, error);
  g_autoptr (RfTensor) shift = mod ? rf_flux_mod_chunk (mod, 0, c->hidden, error) : NULL;
  g_autoptr (RfTensor) scale = shift ? rf_flux_mod_chunk (mod, 1, c->hidden, error) : NULL;
  g_autoptr (RfTensor) gate = scale ? rf_flux_mod_chunk (mod, 2, c->hidden, error) : NULL;
  g_autoptr (RfTensor) h = gate ? rf_flux_norm_modulate (x, shift, scale, error) : NULL;
  /* linear1 → [qkv (3H) | mlp (M)] in one row */
  g_autoptr (RfTensor) lin1 = h ? rf_flux_linear (&b->linear1, h, error) : NULL;
  g_autoptr (RfTensor) q = lin1 ? normed_heads (c, lin1, 0, b->q_norm, error) : NULL;
  g_autoptr (RfTensor) k = q ? normed_heads (c, lin1, 1, b->k_norm, error) : NULL;
  g_autoptr (RfTensor) v = k ? copied_heads (c, lin1, 2, error) : NULL;
  if (v == NULL)
    return FALSE;
  if (flux->hook && !flux->hook (flux->hook_data, index, v, error))
    return FALSE;
  g_autoptr (RfTensor) attn = rope_attention (c, q, k, v, pe, error);
  g_autoptr (RfTensor) mlp = attn ? rf_tensor_view_narrow (lin1, 2, 3 * c->hidden,
                                                           c->mlp_hidden, error) : NULL;
  /* linear2(cat(attn, gelu(mlp))) */
  g_autoptr (RfTensor) cat = mlp ? rf_flux_tensor (be, 3, 1, l, c->hidden + c->mlp_hidden, 0,
                                                   error) : NULL;
  g_autoptr (RfTensor) cat_mlp = cat ? rf_tensor_view_narrow (cat, 2, c->hidden, c->mlp_hidden,
                                                              error) : NULL;
  g_autoptr (RfTensor) cat_attn = cat_mlp ? rf_tensor_view_narrow (cat, 2, 0, c->hidden, error) : NULL;
  g_autoptr (RfTensor) act = cat_attn ? rf_tensor_new_like (be, mlp, error) : NULL;
  if (act == NULL || !rf_op_gelu (act, mlp, error) || !rf_op_copy (cat_mlp, act, error)
      || !rf_op_copy (cat_attn, attn, error))
    return FALSE;
  g_autoptr (RfTensor) o = rf_flux_linear (&b->linear2, cat, error);
  return o != NULL && rf_op_gated_add (x, x, gate, o, error);
}
