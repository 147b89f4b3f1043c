/* rf-ae.c — autoencoder forward passes (see rf-ae.h). Weights are fetched
 * by name once; each block is a small struct of tensors. */
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "rf-ae.h"
#include "rf-error.h"

typedef struct { RfTensor *w, *b; } Param;       /* conv or norm: weight, bias */

typedef struct {
  Param norm1, conv1, norm2, conv2, shortcut;    /* shortcut.w NULL when in == out */
} ResBlock;

typedef struct {
  Param norm, q, k, v, proj;
} AttnBlock;

typedef struct {
  Param conv_in;
  ResBlock *blocks;       /* n_levels × n_blocks, level-major */
  Param *resample;        /* one per level; .w NULL where absent */
  ResBlock mid1, mid2;
  AttnBlock attn;
  Param norm_out, conv_out;
  int n_blocks;           /* per level: encoder num_res_blocks, decoder +1 */
} Coder;

struct _RfAe {
  RfBackend *backend;
  RfAeParams config;
  Coder enc, dec;
};

typedef struct {
  RfBackend *be;
  RfAeTensorFunc get;
  gpointer data;
  GError **error;
} Loader;

/* ---- loading ---- */

static gboolean
fetch (Loader *ld, Param *p, const char *prefix, int ndim, gint64 out, gint64 in, int k)
{
  g_autofree char *wn = g_strconcat (prefix, ".weight", NULL);
  g_autofree char *bn = g_strconcat (prefix, ".bias", NULL);
  p->w = ld->get (ld->data, wn, ld->be, ld->error);
  p->b = p->w ? ld->get (ld->data, bn, ld->be, ld->error) : NULL;
  if (p->b == NULL)
    return FALSE;
  gboolean ok = p->w->ndim == ndim && p->w->shape[0] == out && p->b->ndim == 1
                && p->b->shape[0] == out;
  if (ok && ndim == 4)
    ok = p->w->shape[1] == in && p->w->shape[2] == k && p->w->shape[3] == k;
  if (!ok)
    {
      char desc[96];
      g_set_error (ld->error, RF_MODEL_ERROR, RF_MODEL_ERROR_MISMATCH,
                   "autoencoder: %s is %s, expected %s [%" G_GINT64_FORMAT "%s", wn,
                   rf_tensor_describe (p->w, desc, sizeof desc),
                   ndim == 4 ? "a conv" : "a norm", out,
                   ndim == 4 ? (k == 1 ? ", in, 1, 1]" : ", in, 3, 3]") : "]");
      return FALSE;
    }
  return TRUE;
}

static gboolean
fetch_res (Loader *ld, ResBlock *r, const char *prefix, gint64 in, gint64 out)
{
  g_autofree char *n1 = g_strconcat (prefix, ".norm1", NULL);
  g_autofree char *c1 = g_strconcat (prefix, ".conv1", NULL);
  g_autofree char *n2 = g_strconcat (prefix, ".norm2", NULL);
  g_autofree char *c2 = g_strconcat (prefix, ".conv2", NULL);
  g_autofree char *sc = g_strconcat (prefix, ".nin_shortcut", NULL);
  return fetch (ld, &r->norm1, n1, 1, in, 0, 0) && fetch (ld, &r->conv1, c1, 4, out, in, 3)
         && fetch (ld, &r->norm2, n2, 1, out, 0, 0) && fetch (ld, &r->conv2, c2, 4, out, out, 3)
         && (in == out || fetch (ld, &r->shortcut, sc, 4, out, in, 1));
}

static gboolean
fetch_attn (Loader *ld, AttnBlock *a, const char *prefix, gint64 c)
{
  const char *parts[5] = { "norm", "q", "k", "v", "proj_out" };
  Param *ps[5] = { &a->norm, &a->q, &a->k, &a->v, &a->proj };
  for (int i = 0; i < 5; i++)
    {
      g_autofree char *n = g_strconcat (prefix, ".", parts[i], NULL);
      if (!fetch (ld, ps[i], n, i == 0 ? 1 : 4, c, c, 1))
        return FALSE;
    }
  return TRUE;
}

static void
param_clear (Param *p)
{
  g_clear_pointer (&p->w, rf_tensor_free);
  g_clear_pointer (&p->b, rf_tensor_free);
}

static void
res_clear (ResBlock *r)
{
  param_clear (&r->norm1);
  param_clear (&r->conv1);
  param_clear (&r->norm2);
  param_clear (&r->conv2);
  param_clear (&r->shortcut);
}

static void
coder_clear (Coder *c, int n_levels)
{
  param_clear (&c->conv_in);
  for (int i = 0; c->blocks && i < n_levels * c->n_blocks; i++)
    res_clear (&c->blocks[i]);
  for (int i = 0; c->resample && i < n_levels; i++)
    param_clear (&c->resample[i]);
  g_free (c->blocks);
  g_free (c->resample);
  res_clear (&c->mid1);
  res_clear (&c->mid2);
  param_clear (&c->attn.norm);
  param_clear (&c->attn.q);
  param_clear (&c->attn.k);
  param_clear (&c->attn.v);
  param_clear (&c->attn.proj);
  param_clear (&c->norm_out);
  param_clear (&c->conv_out);
}

static gboolean
load_encoder (Loader *ld, const RfAeParams *cf, Coder *e)
{
  int nl = cf->n_levels;
  e->n_blocks = cf->num_res_blocks;
  e->blocks = g_new0 (ResBlock, nl * e->n_blocks);
  e->resample = g_new0 (Param, nl);
  if (!fetch (ld, &e->conv_in, "encoder.conv_in", 4, cf->ch, cf->in_channels, 3))
    return FALSE;
  gint64 block_in = cf->ch;
  for (int i = 0; i < nl; i++)
    {
      gint64 block_out = (gint64) cf->ch * cf->ch_mult[i];
      for (int j = 0; j < e->n_blocks; j++)
        {
          g_autofree char *p = g_strdup_printf ("encoder.down.%d.block.%d", i, j);
          if (!fetch_res (ld, &e->blocks[i * e->n_blocks + j], p, block_in, block_out))
            return FALSE;
          block_in = block_out;
        }
      if (i != nl - 1)
        {
          g_autofree char *p = g_strdup_printf ("encoder.down.%d.downsample.conv", i);
          if (!fetch (ld, &e->resample[i], p, 4, block_in, block_in, 3))
            return FALSE;
        }
    }
  return fetch_res (ld, &e->mid1, "encoder.mid.block_1", block_in, block_in)
         && fetch_attn (ld, &e->attn, "encoder.mid.attn_1", block_in)
         && fetch_res (ld, &e->mid2, "encoder.mid.block_2", block_in, block_in)
         && fetch (ld, &e->norm_out, "encoder.norm_out", 1, block_in, 0, 0)
         && fetch (ld, &e->conv_out, "encoder.conv_out", 4, 2 * cf->z_channels, block_in, 3);
}

static gboolean
load_decoder (Loader *ld, const RfAeParams *cf, Coder *d)
{
  int nl = cf->n_levels;
  d->n_blocks = cf->num_res_blocks + 1;
  d->blocks = g_new0 (ResBlock, nl * d->n_blocks);
  d->resample = g_new0 (Param, nl);
  gint64 block_in = (gint64) cf->ch * cf->ch_mult[nl - 1];
  if (!fetch (ld, &d->conv_in, "decoder.conv_in", 4, block_in, cf->z_channels, 3)
      || !fetch_res (ld, &d->mid1, "decoder.mid.block_1", block_in, block_in)
      || !fetch_attn (ld, &d->attn, "decoder.mid.attn_1", block_in)
      || !fetch_res (ld, &d->mid2, "decoder.mid.block_2", block_in, block_in))
    return FALSE;
  for (int i = nl - 1; i >= 0; i--)
    {
      gint64 block_out = (gint64) cf->ch * cf->ch_mult[i];
      for (int j = 0; j < d->n_blocks; j++)
        {
          g_autofree char *p = g_strdup_printf ("decoder.up.%d.block.%d", i, j);
          if (!fetch_res (ld, &d->blocks[i * d->n_blocks + j], p, block_in, block_out))
            return FALSE;
          block_in = block_out;
        }
      if (i != 0)
        {
          g_autofree char *p = g_strdup_printf ("decoder.up.%d.upsample.conv", i);
          if (!fetch (ld, &d->resample[i], p, 4, block_in, block_in, 3))
            return FALSE;
        }
    }
  return fetch (ld, &d->norm_out, "decoder.norm_out", 1, block_in, 0, 0)
         && fetch (ld, &d->conv_out, "decoder.conv_out", 4, cf->out_channels, block_in, 3);
}

RfAe *
rf_ae_new (RfBackend *backend, const RfAeParams *config, RfAeTensorFunc get,
           gpointer user_data, GError **error)
{
  if (config->n_levels < 1 || config->n_levels > 8 || config->ch < 1
      || config->num_res_blocks < 1 || config->z_channels < 1 || config->scale_factor == 0
      || (!config->has_encoder && !config->has_decoder))
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_MISMATCH,
                   "autoencoder: inconsistent configuration");
      return NULL;
    }
  g_autoptr (RfAe) ae = g_new0 (RfAe, 1);
  ae->backend = backend;
  ae->config = *config;
  Loader ld = { backend, get, user_data, error };
  if (config->has_encoder && !load_encoder (&ld, config, &ae->enc))
    return NULL;
  if (config->has_decoder && !load_decoder (&ld, config, &ae->dec))
    return NULL;
  return g_steal_pointer (&ae);
}

void
rf_ae_free (RfAe *ae)
{
  if (ae == NULL)
    return;
  coder_clear (&ae->enc, ae->config.n_levels);
  coder_clear (&ae->dec, ae->config.n_levels);
  g_free (ae);
}

const RfAeParams *
rf_ae_get_config (const RfAe *ae)
{
  return &ae->config;
}

int
rf_ae_get_factor (const RfAe *ae)
{
  return 1 << (ae->config.n_levels - 1);
}

/* ---- forward ---- */

static RfTensor *
conv (const Param *p, const RfTensor *x, int stride, int pt, int pb, int pl, int pr,
      GError **error)
{
  RfConv2dParams cp = { stride, stride, pt, pb, pl, pr };
  gint64 oh, ow;
  if (!rf_conv2d_out_size (x->shape[2], x->shape[3], p->w->shape[2], p->w->shape[3], &cp,
                           &oh, &ow))
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                   "autoencoder: image too small for the convolution");
      return NULL;
    }
  g_autoptr (RfTensor) y = rf_tensor_new_4d (rf_tensor_backend (x), RF_DTYPE_F32, 4,
                                             x->shape[0], p->w->shape[0], oh, ow, error);
  if (y == NULL || !rf_op_conv2d (y, x, p->w, p->b, &cp, error))
    return NULL;
  return g_steal_pointer (&y);
}

static RfTensor *
conv3 (const Param *p, const RfTensor *x, GError **error)
{
  return conv (p, x, 1, 1, 1, 1, 1, error);
}

/* GroupNorm(32, eps 1e-6), then swish if asked */
static RfTensor *
norm (const Param *p, const RfTensor *x, gboolean swish, GError **error)
{
  g_autoptr (RfTensor) y = rf_tensor_new_like (rf_tensor_backend (x), x, error);
  if (y == NULL || !rf_op_groupnorm (y, x, 32, p->w, p->b, 1e-6f, error)
      || (swish && !rf_op_silu (y, y, error)))
    return NULL;
  return g_steal_pointer (&y);
}

static RfTensor *
resblock (const ResBlock *r, const RfTensor *x, GError **error)
{
  g_autoptr (RfTensor) h = norm (&r->norm1, x, TRUE, error);
  g_autoptr (RfTensor) h1 = h ? conv3 (&r->conv1, h, error) : NULL;
  g_autoptr (RfTensor) h2 = h1 ? norm (&r->norm2, h1, TRUE, error) : NULL;
  g_autoptr (RfTensor) h3 = h2 ? conv3 (&r->conv2, h2, error) : NULL;
  if (h3 == NULL)
    return NULL;
  if (r->shortcut.w != NULL)
    {
      g_autoptr (RfTensor) s = conv (&r->shortcut, x, 1, 0, 0, 0, 0, error);
      if (s == NULL || !rf_op_add (h3, h3, s, error))
        return NULL;
    }
  else if (!rf_op_add (h3, h3, x, error))
    return NULL;
  return g_steal_pointer (&h3);
}

/* x + proj(attention over positions, one head of C channels) */
static RfTensor *
attnblock (const AttnBlock *a, const RfTensor *x, GError **error)
{
  RfBackend *be = rf_tensor_backend (x);
  gint64 c = x->shape[1], n = x->shape[2] * x->shape[3];
  g_autoptr (RfTensor) h = norm (&a->norm, x, FALSE, error);
  g_autoptr (RfTensor) q = h ? conv (&a->q, h, 1, 0, 0, 0, 0, error) : NULL;
  g_autoptr (RfTensor) k = q ? conv (&a->k, h, 1, 0, 0, 0, 0, error) : NULL;
  g_autoptr (RfTensor) v = k ? conv (&a->v, h, 1, 0, 0, 0, 0, error) : NULL;
  if (v == NULL)
    return NULL;
  /* "b c h w -> b 1 (h w) c": a [1, 1, N, C] transposed view of [1, C, N] */
  const gint64 shape[4] = { 1, 1, n, c };
  const gint64 stride[4] = { 0, 0, 1, n };
  g_autoptr (RfTensor) qt = rf_tensor_view_strided (q, 4, shape, stride, 0, error);
  g_autoptr (RfTensor) kt = qt ? rf_tensor_view_strided (k, 4, shape, stride, 0, error) : NULL;
  g_autoptr (RfTensor) vt = kt ? rf_tensor_view_strided (v, 4, shape, stride, 0, error) : NULL;
  g_autoptr (RfTensor) o = vt ? rf_tensor_new (be, RF_DTYPE_F32, 4, shape, error) : NULL;
  if (o == NULL || !rf_op_attention (o, qt, kt, vt, NULL, 1.0f / sqrtf ((float) c), FALSE, error))
    return NULL;
  /* back to [1, C, H, W] */
  g_autoptr (RfTensor) hw = rf_tensor_new_like (be, x, error);
  g_autoptr (RfTensor) ot = hw ? rf_tensor_view_strided (o, 4, (gint64[]){ 1, c, x->shape[2], x->shape[3] },
                                                        (gint64[]){ 0, 1, x->shape[3] * c, c }, 0,
                                                        error) : NULL;
  if (ot == NULL || !rf_op_copy (hw, ot, error))
    return NULL;
  g_autoptr (RfTensor) p = conv (&a->proj, hw, 1, 0, 0, 0, 0, error);
  if (p == NULL || !rf_op_add (p, p, x, error))
    return NULL;
  return g_steal_pointer (&p);
}

/* mid block: res, attn, res */
static RfTensor *
mid (const Coder *cd, const RfTensor *x, GError **error)
{
  g_autoptr (RfTensor) a = resblock (&cd->mid1, x, error);
  g_autoptr (RfTensor) b = a ? attnblock (&cd->attn, a, error) : NULL;
  return b ? resblock (&cd->mid2, b, error) : NULL;
}

static gboolean
check_image (const char *what, const RfTensor *t, gint64 channels, int factor,
             GError **error)
{
  char desc[96];
  if (t->ndim == 4 && t->shape[0] == 1 && t->shape[1] == channels && t->dtype == RF_DTYPE_F32
      && t->shape[2] > 0 && t->shape[3] > 0 && t->shape[2] % factor == 0
      && t->shape[3] % factor == 0)
    return TRUE;
  g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
               "autoencoder: %s is %s, expected [1, %" G_GINT64_FORMAT ", H, W] f32 with H and W "
               "multiples of %d", what, rf_tensor_describe (t, desc, sizeof desc), channels, factor);
  return FALSE;
}

RfTensor *
rf_ae_encode (RfAe *ae, const RfTensor *image, GError **error)
{
  const RfAeParams *cf = &ae->config;
  const Coder *e = &ae->enc;
  if (!cf->has_encoder)
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_MISMATCH,
                   _("autoencoder: this file has no encoder weights"));
      return NULL;
    }
  if (!check_image ("image", image, cf->in_channels, rf_ae_get_factor (ae), error))
    return NULL;
  g_autoptr (RfTensor) x = conv3 (&e->conv_in, image, error);
  for (int i = 0; x && i < cf->n_levels; i++)
    {
      for (int j = 0; x && j < e->n_blocks; j++)
        {
          RfTensor *nx = resblock (&e->blocks[i * e->n_blocks + j], x, error);
          rf_tensor_free (x);
          x = nx;
        }
      if (x && i != cf->n_levels - 1)
        {
          /* pad (0, 1, 0, 1) then 3×3 stride 2 */
          RfTensor *nx = conv (&e->resample[i], x, 2, 0, 1, 0, 1, error);
          rf_tensor_free (x);
          x = nx;
        }
    }
  g_autoptr (RfTensor) m = x ? mid (e, x, error) : NULL;
  g_autoptr (RfTensor) h = m ? norm (&e->norm_out, m, TRUE, error) : NULL;
  g_autoptr (RfTensor) moments = h ? conv3 (&e->conv_out, h, error) : NULL;
  if (moments == NULL)
    return NULL;
  /* posterior mean = first z channels; z = scale · (mean − shift) */
  g_autoptr (RfTensor) mean = rf_tensor_view_narrow (moments, 1, 0, cf->z_channels, error);
  g_autoptr (RfTensor) z = mean ? rf_tensor_new_like (ae->backend, mean, error) : NULL;
  if (z == NULL
      || !rf_op_scale (z, mean, cf->scale_factor, -cf->scale_factor * cf->shift_factor, error))
    return NULL;
  return g_steal_pointer (&z);
}

RfTensor *
rf_ae_decode (RfAe *ae, const RfTensor *latent, GError **error)
{
  const RfAeParams *cf = &ae->config;
  const Coder *d = &ae->dec;
  if (!cf->has_decoder)
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_MISMATCH,
                   _("autoencoder: this file has no decoder weights"));
      return NULL;
    }
  if (!check_image ("latent", latent, cf->z_channels, 1, error))
    return NULL;
  g_autoptr (RfTensor) z = rf_tensor_new_like (ae->backend, latent, error);
  if (z == NULL || !rf_op_scale (z, latent, 1.0f / cf->scale_factor, cf->shift_factor, error))
    return NULL;
  g_autoptr (RfTensor) x0 = conv3 (&d->conv_in, z, error);
  RfTensor *x = x0 ? mid (d, x0, error) : NULL;
  for (int i = cf->n_levels - 1; x && i >= 0; i--)
    {
      for (int j = 0; x && j < d->n_blocks; j++)
        {
          RfTensor *nx = resblock (&d->blocks[i * d->n_blocks + j], x, error);
          rf_tensor_free (x);
          x = nx;
        }
      if (x && i != 0)
        {
          RfTensor *up = rf_tensor_new_4d (ae->backend, RF_DTYPE_F32, 4, 1, x->shape[1],
                                           2 * x->shape[2], 2 * x->shape[3], error);
          RfTensor *nx = NULL;
          if (up && rf_op_upsample_nearest2x (up, x, error))
            nx = conv3 (&d->resample[i], up, error);
          rf_tensor_free (up);
          rf_tensor_free (x);
          x = nx;
        }
    }
  g_autoptr (RfTensor) xs = x;
  g_autoptr (RfTensor) h = xs ? norm (&d->norm_out, xs, TRUE, error) : NULL;
  return h ? conv3 (&d->conv_out, h, error) : NULL;
}
