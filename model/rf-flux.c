/* rf-flux.c — FLUX.1 transformer forward (see rf-flux.h). Shapes in the
 * comments use H = hidden, D = head_dim, M = mlp_hidden, N = image
 * tokens, Lt = text tokens, L = Lt + N. Batch is 1. */
#include <math.h>
#include <string.h>

#include "rf-flux-private.h"

const RfFluxParams *
rf_flux_get_params (const RfFlux *flux)
{
  return &flux->config;
}

RfBackend *
rf_flux_get_backend (const RfFlux *flux)
{
  return flux->backend;
}

void
rf_flux_set_attn_hook (RfFlux *flux, RfFluxAttnHook hook, gpointer user_data)
{
  flux->hook = hook;
  flux->hook_data = user_data;
}

RfTensor *
rf_flux_tensor (RfBackend *be, int ndim, gint64 d0, gint64 d1, gint64 d2,
                gint64 d3, GError **error)
{
  return rf_tensor_new_4d (be, RF_DTYPE_F32, ndim, d0, d1, d2, d3, error);
}

/* y = x · Wᵀ + b with y's last dim = the layer's output size. */
RfTensor *
rf_flux_linear (const RfLinear *l, const RfTensor *x, GError **error)
{
  gint64 shape[RF_MAX_DIMS];
  memcpy (shape, x->shape, sizeof shape);
  shape[x->ndim - 1] = l->weight->shape[0];
  g_autoptr (RfTensor) y = rf_tensor_new (rf_tensor_backend (x), RF_DTYPE_F32, x->ndim,
                                          shape, error);
  if (y == NULL || !rf_op_linear (y, x, l->weight, l->bias, error))
    return NULL;
  return g_steal_pointer (&y);
}

/* Chunk @i of a modulation vector [1, n·H] as a [1, 1, H] view that
 * broadcasts over tokens. */
RfTensor *
rf_flux_mod_chunk (const RfTensor *mod, int i, int hidden, GError **error)
{
  const gint64 shape[3] = { 1, 1, hidden };
  const gint64 stride[3] = { 0, 0, 1 };
  return rf_tensor_view_strided (mod, 3, shape, stride, (gint64) i * hidden, error);
}

/* mod = Linear(SiLU(vec)) : [1, n·H] */
RfTensor *
rf_flux_modulation (const RfLinear *l, const RfTensor *silu_vec, GError **error)
{
  return rf_flux_linear (l, silu_vec, error);
}

/* (1 + scale) · LayerNorm(x) + shift, LN without affine, eps 1e-6. */
RfTensor *
rf_flux_norm_modulate (const RfTensor *x, const RfTensor *shift,
                       const RfTensor *scale, GError **error)
{
  g_autoptr (RfTensor) n = rf_tensor_new_like (rf_tensor_backend (x), x, error);
  if (n == NULL || !rf_op_layernorm (n, x, 1e-6f, error)
      || !rf_op_modulate (n, n, shift, scale, error))
    return NULL;
  return g_steal_pointer (&n);
}

/* MLPEmbedder: out_layer(SiLU(in_layer(x))) */
static RfTensor *
mlp_embed (const RfLinear l[2], const RfTensor *x, GError **error)
{
  g_autoptr (RfTensor) h = rf_flux_linear (&l[0], x, error);
  if (h == NULL || !rf_op_silu (h, h, error))
    return NULL;
  return rf_flux_linear (&l[1], h, error);
}

/* timestep_embedding(s, 256) of one scalar (×1000 inside, cos first) */
static RfTensor *
scalar_embedding (RfBackend *be, float s, GError **error)
{
  g_autoptr (RfTensor) ts = rf_flux_tensor (be, 1, 1, 0, 0, 0, error);
  g_autoptr (RfTensor) emb = ts ? rf_flux_tensor (be, 2, 1, 256, 0, 0, error) : NULL;
  if (emb == NULL || !rf_tensor_write_f32 (ts, &s, 1, error)
      || !rf_op_timestep_embedding (emb, ts, 1000.0f, 10000.0f, FALSE, error))
    return NULL;
  return g_steal_pointer (&emb);
}

/* vec = time_in(temb(t)) [+ guidance_in(temb(g))] + vector_in(y) : [1, H] */
static RfTensor *
conditioning_vector (RfFlux *flux, const RfTensor *y, float t, float guidance,
                     GError **error)
{
  RfBackend *be = flux->backend;
  const RfFluxWeights *w = &flux->w;
  g_autoptr (RfTensor) temb = scalar_embedding (be, t, error);
  g_autoptr (RfTensor) vec = temb ? mlp_embed (w->time_in, temb, error) : NULL;
  if (vec == NULL)
    return NULL;
  if (flux->config.guidance_embed)
    {
      g_autoptr (RfTensor) gemb = scalar_embedding (be, guidance, error);
      g_autoptr (RfTensor) gv = gemb ? mlp_embed (w->guidance_in, gemb, error) : NULL;
      if (gv == NULL || !rf_op_add (vec, vec, gv, error))
        return NULL;
    }
  g_autoptr (RfTensor) yv = mlp_embed (w->vector_in, y, error);
  if (yv == NULL || !rf_op_add (vec, vec, yv, error))
    return NULL;
  return g_steal_pointer (&vec);
}

/* FALSE with an error naming @what when @t holds a NaN or an infinity:
 * x·0 is NaN exactly there, and a row sum of it carries the NaN, so only
 * one value per row comes back to the host. */
static gboolean
check_finite (const char *what, const RfTensor *t, GError **error)
{
  RfBackend *be = rf_tensor_backend (t);
  gint64 shape[RF_MAX_DIMS];
  memcpy (shape, t->shape, sizeof shape);
  shape[t->ndim - 1] = 1;
  g_autoptr (RfTensor) zero = rf_tensor_new_like (be, t, error);
  g_autoptr (RfTensor) rows = zero ? rf_tensor_new (be, RF_DTYPE_F32, t->ndim, shape, error) : NULL;
  if (rows == NULL || !rf_op_scale (zero, t, 0.0f, 0.0f, error)
      || !rf_op_reduce (rows, zero, RF_REDUCE_SUM, error))
    return FALSE;
  g_autofree float *r = rf_tensor_read_f32 (rows, error);
  if (r == NULL)
    return FALSE;
  for (gint64 i = 0; i < rf_tensor_numel (rows); i++)
    if (!isfinite (r[i]))
      {
        g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_INVALID,
                     "flux: %s holds NaN or infinite values (row %" G_GINT64_FORMAT ")", what, i);
        return FALSE;
      }
  return TRUE;
}

static gboolean
check_input (const char *what, const RfTensor *t, gint64 d1, gint64 d2, int ndim,
             GError **error)
{
  char desc[96];
  gboolean ok = t->ndim == ndim && t->shape[0] == 1 && t->dtype == RF_DTYPE_F32
                && (ndim == 2 ? t->shape[1] == d2
                              : ((d1 < 0 ? t->shape[1] >= 1 : t->shape[1] == d1)
                                 && t->shape[2] == d2));
  if (ok)
    return TRUE;
  if (ndim == 2)
    g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                 "flux: %s is %s, expected [1, %" G_GINT64_FORMAT "] f32", what,
                 rf_tensor_describe (t, desc, sizeof desc), d2);
  else if (d1 < 0)
    g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                 "flux: %s is %s, expected [1, tokens, %" G_GINT64_FORMAT "] f32", what,
                 rf_tensor_describe (t, desc, sizeof desc), d2);
  else
    g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                 "flux: %s is %s, expected [1, %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "] f32",
                 what, rf_tensor_describe (t, desc, sizeof desc), d1, d2);
  return FALSE;
}

/* Block structs hold nothing but tensor pointers (RfLinear is two), so
 * streaming treats them as arrays of tensors. */
G_STATIC_ASSERT (sizeof (RfFluxDoubleBlock) % sizeof (RfTensor *) == 0);
G_STATIC_ASSERT (sizeof (RfFluxSingleBlock) % sizeof (RfTensor *) == 0);

/* Copies the @n tensors at @host to @be into @dev (a struct of the same
 * type); on failure frees what it made. */
static gboolean
upload_block (RfTensor *const *host, RfTensor **dev, gsize n, RfBackend *be, GError **error)
{
  for (gsize i = 0; i < n; i++)
    {
      dev[i] = host[i] ? rf_tensor_to_backend (host[i], be, error) : NULL;
      if (host[i] && dev[i] == NULL)
        {
          for (gsize j = 0; j < i; j++)
            g_clear_pointer (&dev[j], rf_tensor_free);
          return FALSE;
        }
    }
  return TRUE;
}

static void
free_block (RfTensor **dev, gsize n)
{
  for (gsize i = 0; i < n; i++)
    g_clear_pointer (&dev[i], rf_tensor_free);
}

#define N_PTRS(type) (sizeof (type) / sizeof (RfTensor *))

static gboolean
run_double (RfFlux *flux, int i, RfTensor *img, RfTensor *txt, const RfTensor *silu_vec,
            const RfTensor *pe, GError **error)
{
  const RfFluxDoubleBlock *b = &flux->w.double_blocks[i];
  if (flux->host == NULL)
    return rf_flux_double_block (flux, b, img, txt, silu_vec, pe, error);
  RfFluxDoubleBlock dev = { 0 };
  if (!upload_block ((RfTensor *const *) b, (RfTensor **) &dev, N_PTRS (dev), flux->backend, error))
    return FALSE;
  gboolean ok = rf_flux_double_block (flux, &dev, img, txt, silu_vec, pe, error);
  free_block ((RfTensor **) &dev, N_PTRS (dev));
  return ok;
}

static gboolean
run_single (RfFlux *flux, int i, RfTensor *x, const RfTensor *silu_vec, const RfTensor *pe,
            GError **error)
{
  const RfFluxSingleBlock *b = &flux->w.single_blocks[i];
  if (flux->host == NULL)
    return rf_flux_single_block (flux, i, b, x, silu_vec, pe, error);
  RfFluxSingleBlock dev = { 0 };
  if (!upload_block ((RfTensor *const *) b, (RfTensor **) &dev, N_PTRS (dev), flux->backend, error))
    return FALSE;
  gboolean ok = rf_flux_single_block (flux, i, &dev, x, silu_vec, pe, error);
  free_block ((RfTensor **) &dev, N_PTRS (dev));
  return ok;
}

gboolean
rf_flux_forward (RfFlux *flux, const RfTensor *img, const RfTensor *txt,
                 const RfTensor *y, float t, float guidance, int rows, int cols,
                 RfTensor *out, GError **error)
{
  const RfFluxParams *c = &flux->config;
  RfBackend *be = flux->backend;
  if (rows < 1 || cols < 1)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                   "flux: the token grid %dx%d is empty", rows, cols);
      return FALSE;
    }
  gint64 n = (gint64) rows * cols;
  if (!check_input ("img", img, n, c->in_channels, 3, error)
      || !check_input ("txt", txt, -1, c->context_in_dim, 3, error)
      || !check_input ("y", y, 0, c->vec_in_dim, 2, error)
      || !check_input ("out", out, n, c->out_channels, 3, error))
    return FALSE;
  if (!check_finite ("img", img, error) || !check_finite ("txt", txt, error)
      || !check_finite ("y", y, error))
    return FALSE;
  if (!isfinite (t) || t < 0.0f || t > 1.0f || !isfinite (guidance))
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_INVALID,
                   "flux: t must be in [0, 1] and guidance finite (t = %g, guidance = %g)",
                   t, guidance);
      return FALSE;
    }
  gint64 lt = txt->shape[1], l = lt + n;

  g_autoptr (RfTensor) vec = conditioning_vector (flux, y, t, guidance, error);
  if (vec == NULL)
    return FALSE;
  /* every modulation reads SiLU(vec) */
  g_autoptr (RfTensor) silu_vec = rf_tensor_new_like (be, vec, error);
  if (silu_vec == NULL || !rf_op_silu (silu_vec, vec, error))
    return FALSE;

  g_autofree float *pe_host = rf_flux_rope_table (c, (int) lt, rows, cols);
  g_autoptr (RfTensor) pe = rf_flux_tensor (be, 3, l, c->head_dim / 2, 2, 0, error);
  if (pe == NULL || !rf_tensor_write_f32 (pe, pe_host, l * c->head_dim, error))
    return FALSE;

  g_autoptr (RfTensor) x_img = rf_flux_linear (&flux->w.img_in, img, error);
  g_autoptr (RfTensor) x_txt = x_img ? rf_flux_linear (&flux->w.txt_in, txt, error) : NULL;
  if (x_txt == NULL)
    return FALSE;

  for (int i = 0; i < c->depth; i++)
    if (!run_double (flux, i, x_img, x_txt, silu_vec, pe, error))
      return FALSE;

  /* single stream over cat(txt, img) */
  g_autoptr (RfTensor) x = rf_flux_tensor (be, 3, 1, l, c->hidden, 0, error);
  const RfTensor *parts[2] = { x_txt, x_img };
  if (x == NULL || !rf_op_concat (x, parts, 2, 1, error))
    return FALSE;
  g_clear_pointer (&x_img, rf_tensor_free);
  g_clear_pointer (&x_txt, rf_tensor_free);
  for (int i = 0; i < c->depth_single; i++)
    if (!run_single (flux, i, x, silu_vec, pe, error))
      return FALSE;

  /* final layer on the image tokens: (shift, scale) in this order */
  g_autoptr (RfTensor) img_tokens = rf_tensor_view_narrow (x, 1, lt, n, error);
  g_autoptr (RfTensor) mod = img_tokens ? rf_flux_modulation (&flux->w.final_mod, silu_vec, error) : NULL;
  g_autoptr (RfTensor) shift = mod ? rf_flux_mod_chunk (mod, 0, c->hidden, error) : NULL;
  g_autoptr (RfTensor) scale = shift ? rf_flux_mod_chunk (mod, 1, c->hidden, error) : NULL;
  g_autoptr (RfTensor) h = scale ? rf_flux_norm_modulate (img_tokens, shift, scale, error) : NULL;
  return h != NULL && rf_op_linear (out, h, flux->w.final_linear.weight,
                                    flux->w.final_linear.bias, error);
}

float *
rf_flux_rope_table (const RfFluxParams *c, int n_txt, int rows, int cols)
{
  int half = c->head_dim / 2;
  gint64 l = (gint64) n_txt + (gint64) rows * cols;
  float *pe = g_new (float, l * half * 2);
  for (gint64 tok = 0; tok < l; tok++)
    {
      /* ids: text (0, 0, 0); image (0, row, col) */
      double ids[3] = { 0, 0, 0 };
      if (tok >= n_txt)
        {
          gint64 p = tok - n_txt;
          ids[1] = (double) (p / cols);
          ids[2] = (double) (p % cols);
        }
      int pair = 0;
      for (int axis = 0; axis < 3; axis++)
        {
          int dim = c->axes_dim[axis];
          for (int j = 0; j < dim / 2; j++, pair++)
            {
              /* omega = 1 / theta^(2j/dim), all in float64 like the reference */
              double omega = 1.0 / pow (c->theta, (2.0 * j) / dim);
              double a = ids[axis] * omega;
              pe[(tok * half + pair) * 2] = (float) cos (a);
              pe[(tok * half + pair) * 2 + 1] = (float) sin (a);
            }
        }
    }
  return pe;
}
