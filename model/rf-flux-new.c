/* rf-flux-new.c — building an RfFlux from canonical (BFL-named) tensors. */
#include "rf-flux-private.h"

typedef struct {
  RfBackend *be;            /* where the next tensors go */
  RfFluxTensorFunc get;
  gpointer data;
  GError **error;
  guint64 *bytes;           /* counter for the tensors fetched now */
} Loader;

static RfTensor *
fetch (Loader *ld, const char *name, int ndim, gint64 d0, gint64 d1)
{
  RfTensor *t = ld->get (ld->data, name, ld->be, ld->error);
  if (t == NULL)
    return NULL;
  *ld->bytes += rf_tensor_nbytes (t);
  gboolean ok = t->ndim == ndim && t->shape[0] == d0 && (ndim == 1 || t->shape[1] == d1);
  if (!ok)
    {
      char desc[96];
      if (ndim == 1)
        g_set_error (ld->error, RF_MODEL_ERROR, RF_MODEL_ERROR_MISMATCH,
                     "flux: %s is %s, expected [%" G_GINT64_FORMAT "]", name,
                     rf_tensor_describe (t, desc, sizeof desc), d0);
      else
        g_set_error (ld->error, RF_MODEL_ERROR, RF_MODEL_ERROR_MISMATCH,
                     "flux: %s is %s, expected [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]",
                     name, rf_tensor_describe (t, desc, sizeof desc), d0, d1);
      rf_tensor_free (t);
      return NULL;
    }
  return t;
}

static gboolean
fetch_linear (Loader *ld, RfLinear *l, const char *prefix, gint64 out, gint64 in)
{
  g_autofree char *wn = g_strconcat (prefix, ".weight", NULL);
  g_autofree char *bn = g_strconcat (prefix, ".bias", NULL);
  l->weight = fetch (ld, wn, 2, out, in);
  l->bias = l->weight ? fetch (ld, bn, 1, out, 0) : NULL;
  return l->bias != NULL;
}

static void
linear_clear (RfLinear *l)
{
  g_clear_pointer (&l->weight, rf_tensor_free);
  g_clear_pointer (&l->bias, rf_tensor_free);
}

static gboolean
fetch_stream (Loader *ld, const RfFluxParams *c, RfFluxStream *s, const char *p)
{
  gint64 h = c->hidden, m = c->mlp_hidden;
  g_autofree char *mod = g_strdup_printf ("%s_mod.lin", p);
  g_autofree char *qkv = g_strdup_printf ("%s_attn.qkv", p);
  g_autofree char *qn = g_strdup_printf ("%s_attn.norm.query_norm.scale", p);
  g_autofree char *kn = g_strdup_printf ("%s_attn.norm.key_norm.scale", p);
  g_autofree char *proj = g_strdup_printf ("%s_attn.proj", p);
  g_autofree char *m0 = g_strdup_printf ("%s_mlp.0", p);
  g_autofree char *m2 = g_strdup_printf ("%s_mlp.2", p);
  return fetch_linear (ld, &s->mod, mod, 6 * h, h) && fetch_linear (ld, &s->qkv, qkv, 3 * h, h)
         && (s->q_norm = fetch (ld, qn, 1, c->head_dim, 0)) != NULL
         && (s->k_norm = fetch (ld, kn, 1, c->head_dim, 0)) != NULL
         && fetch_linear (ld, &s->proj, proj, h, h) && fetch_linear (ld, &s->mlp0, m0, m, h)
         && fetch_linear (ld, &s->mlp2, m2, h, m);
}

static void
stream_clear (RfFluxStream *s)
{
  linear_clear (&s->mod);
  linear_clear (&s->qkv);
  linear_clear (&s->proj);
  linear_clear (&s->mlp0);
  linear_clear (&s->mlp2);
  g_clear_pointer (&s->q_norm, rf_tensor_free);
  g_clear_pointer (&s->k_norm, rf_tensor_free);
}

static gboolean
check_config (const RfFluxParams *c, GError **error)
{
  gboolean ok = c->hidden > 0 && c->heads > 0 && c->hidden % c->heads == 0
                && c->head_dim == c->hidden / c->heads && c->head_dim % 2 == 0
                && c->axes_dim[0] + c->axes_dim[1] + c->axes_dim[2] == c->head_dim
                && c->axes_dim[0] % 2 == 0 && c->axes_dim[1] % 2 == 0 && c->axes_dim[2] % 2 == 0
                && c->depth >= 0 && c->depth_single >= 0 && c->in_channels > 0
                && c->out_channels > 0 && c->vec_in_dim > 0 && c->context_in_dim > 0
                && c->mlp_hidden > 0 && c->theta > 1.0;
  if (!ok)
    g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_MISMATCH,
                 "flux: inconsistent hyper-parameters (hidden %d, heads %d, head dim %d, "
                 "axes %d+%d+%d)", c->hidden, c->heads, c->head_dim, c->axes_dim[0],
                 c->axes_dim[1], c->axes_dim[2]);
  return ok;
}

RfFlux *
rf_flux_new (RfBackend *backend, const RfFluxParams *config, RfFluxTensorFunc get,
             gpointer user_data, gboolean stream_blocks, GError **error)
{
  if (!check_config (config, error))
    return NULL;
  g_autoptr (RfFlux) flux = g_new0 (RfFlux, 1);
  flux->backend = backend;
  flux->config = *config;
  const RfFluxParams *c = &flux->config;
  RfFluxWeights *w = &flux->w;
  w->double_blocks = g_new0 (RfFluxDoubleBlock, MAX (c->depth, 1));
  w->single_blocks = g_new0 (RfFluxSingleBlock, MAX (c->depth_single, 1));
  Loader ld = { backend, get, user_data, error, &flux->resident_bytes };
  gint64 h = c->hidden;

  if (!fetch_linear (&ld, &w->img_in, "img_in", h, c->in_channels)
      || !fetch_linear (&ld, &w->time_in[0], "time_in.in_layer", h, 256)
      || !fetch_linear (&ld, &w->time_in[1], "time_in.out_layer", h, h)
      || !fetch_linear (&ld, &w->vector_in[0], "vector_in.in_layer", h, c->vec_in_dim)
      || !fetch_linear (&ld, &w->vector_in[1], "vector_in.out_layer", h, h)
      || (c->guidance_embed
          && (!fetch_linear (&ld, &w->guidance_in[0], "guidance_in.in_layer", h, 256)
              || !fetch_linear (&ld, &w->guidance_in[1], "guidance_in.out_layer", h, h)))
      || !fetch_linear (&ld, &w->txt_in, "txt_in", h, c->context_in_dim))
    return NULL;
  if (stream_blocks && rf_backend_kind (backend) != RF_BACKEND_CPU)
    {
      /* one thread: the host backend only holds weights, it never computes */
      flux->host = rf_backend_new_cpu (1);
      ld.be = flux->host;
      ld.bytes = &flux->streamed_bytes;
    }
  for (int i = 0; i < c->depth; i++)
    {
      g_autofree char *img = g_strdup_printf ("double_blocks.%d.img", i);
      g_autofree char *txt = g_strdup_printf ("double_blocks.%d.txt", i);
      if (!fetch_stream (&ld, c, &w->double_blocks[i].img, img)
          || !fetch_stream (&ld, c, &w->double_blocks[i].txt, txt))
        return NULL;
    }
  for (int i = 0; i < c->depth_single; i++)
    {
      RfFluxSingleBlock *b = &w->single_blocks[i];
      g_autofree char *p = g_strdup_printf ("single_blocks.%d", i);
      g_autofree char *l1 = g_strconcat (p, ".linear1", NULL);
      g_autofree char *l2 = g_strconcat (p, ".linear2", NULL);
      g_autofree char *mod = g_strconcat (p, ".modulation.lin", NULL);
      g_autofree char *qn = g_strconcat (p, ".norm.query_norm.scale", NULL);
      g_autofree char *kn = g_strconcat (p, ".norm.key_norm.scale", NULL);
      if (!fetch_linear (&ld, &b->linear1, l1, 3 * h + c->mlp_hidden, h)
          || !fetch_linear (&ld, &b->linear2, l2, h, h + c->mlp_hidden)
          || !fetch_linear (&ld, &b->mod, mod, 3 * h, h)
          || (b->q_norm = fetch (&ld, qn, 1, c->head_dim, 0)) == NULL
          || (b->k_norm = fetch (&ld, kn, 1, c->head_dim, 0)) == NULL)
        return NULL;
    }
  ld.be = backend;
  ld.bytes = &flux->resident_bytes;
  if (!fetch_linear (&ld, &w->final_mod, "final_layer.adaLN_modulation.1", 2 * h, h)
      || !fetch_linear (&ld, &w->final_linear, "final_layer.linear", c->out_channels, h))
    return NULL;
  return g_steal_pointer (&flux);
}

void
rf_flux_free (RfFlux *flux)
{
  if (flux == NULL)
    return;
  RfFluxWeights *w = &flux->w;
  linear_clear (&w->img_in);
  for (int i = 0; i < 2; i++)
    {
      linear_clear (&w->time_in[i]);
      linear_clear (&w->vector_in[i]);
      linear_clear (&w->guidance_in[i]);
    }
  linear_clear (&w->txt_in);
  linear_clear (&w->final_mod);
  linear_clear (&w->final_linear);
  for (int i = 0; i < flux->config.depth && w->double_blocks; i++)
    {
      stream_clear (&w->double_blocks[i].img);
      stream_clear (&w->double_blocks[i].txt);
    }
  for (int i = 0; i < flux->config.depth_single && w->single_blocks; i++)
    {
      RfFluxSingleBlock *b = &w->single_blocks[i];
      linear_clear (&b->linear1);
      linear_clear (&b->linear2);
      linear_clear (&b->mod);
      g_clear_pointer (&b->q_norm, rf_tensor_free);
      g_clear_pointer (&b->k_norm, rf_tensor_free);
    }
  g_free (w->double_blocks);
  g_free (w->single_blocks);
  rf_backend_free (flux->host);
  g_free (flux);
}

void
rf_flux_get_memory (const RfFlux *flux, guint64 *resident, guint64 *streamed)
{
  *resident = flux->resident_bytes;
  *streamed = flux->streamed_bytes;
}
