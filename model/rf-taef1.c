/* rf-taef1.c — TAEF1 preview decoder (see rf-taef1.h). */
#include "rf-error.h"
#include "rf-quant.h"
#include "rf-taef1.h"

/* Layer indices in the diffusers numbering (no Clamp layer). */
#define N_LAYERS 19
static const char layer_kind[N_LAYERS] = {
  'c', 'r', 'b', 'b', 'b', 'u', 'n', 'b', 'b', 'b', 'u', 'n', 'b', 'b', 'b', 'u', 'n', 'b', 'c',
}; /* c conv+bias, n conv without bias, b block, r ReLU, u upsample */

typedef struct { RfTensor *w, *b; } Conv;

struct _RfTaef1 {
  RfBackend *backend;
  Conv conv[N_LAYERS][3];   /* a block uses 3 convs, a conv layer slot 0 */
  int latent_channels;
};

typedef struct {
  const RfModelFile *mf;
  const char *prefix;       /* "decoder.layers." or "" */
  int shift;                /* +1 for the original numbering */
  RfBackend *be;
  GError **error;
} Loader;

static RfTensor *
fetch (Loader *ld, int layer, const char *suffix, gboolean optional)
{
  g_autofree char *name = g_strdup_printf ("%s%d.%s", ld->prefix, layer + ld->shift, suffix);
  const RfFileTensor *ft = rf_model_file_find_tensor (ld->mf, name);
  if (ft == NULL)
    {
      if (!optional)
        g_set_error (ld->error, RF_MODEL_ERROR, RF_MODEL_ERROR_MISMATCH,
                     "TAE decoder: tensor %s is missing", name);
      return NULL;
    }
  gint64 shape[RF_MAX_DIMS] = { 1, 1, 1, 1 };
  gint64 n = rf_file_tensor_numel (ft);
  for (int d = 0; d < ft->ndim && d < RF_MAX_DIMS; d++)
    shape[d] = ft->shape[d];
  g_autofree float *f = g_try_new (float, MAX (n, 1));
  if (f == NULL || ft->ndim < 1 || ft->ndim > RF_MAX_DIMS
      || !rf_quant_dequantize (ft->dtype, ft->data, f, n))
    {
      g_set_error (ld->error, RF_MODEL_ERROR, RF_MODEL_ERROR_UNSUPPORTED,
                   "TAE decoder: cannot read tensor %s", name);
      return NULL;
    }
  g_autoptr (RfTensor) t = rf_tensor_new (ld->be, RF_DTYPE_F32, ft->ndim, shape, ld->error);
  if (t == NULL || !rf_tensor_write_f32 (t, f, n, ld->error))
    return NULL;
  return g_steal_pointer (&t);
}

static gboolean
fetch_conv (Loader *ld, Conv *c, int layer, const char *name, gboolean bias)
{
  g_autofree char *wn = g_strconcat (name, "weight", NULL);
  g_autofree char *bn = g_strconcat (name, "bias", NULL);
  c->w = fetch (ld, layer, wn, FALSE);
  if (c->w == NULL)
    return FALSE;
  if (c->w->ndim != 4 || c->w->shape[2] != 3 || c->w->shape[3] != 3)
    {
      g_set_error (ld->error, RF_MODEL_ERROR, RF_MODEL_ERROR_MISMATCH,
                   "TAE decoder: layer %d is not a 3x3 convolution", layer + ld->shift);
      return FALSE;
    }
  if (bias && (c->b = fetch (ld, layer, bn, FALSE)) == NULL)
    return FALSE;
  return TRUE;
}

RfTaef1 *
rf_taef1_load (RfBackend *backend, const RfModelFile *mf, GError **error)
{
  Loader ld = { mf, "decoder.layers.", 0, backend, error };
  if (rf_model_file_find_tensor (mf, "decoder.layers.0.weight") == NULL)
    {
      ld.prefix = "";
      ld.shift = 1;
      if (rf_model_file_find_tensor (mf, "1.weight") == NULL)
        {
          g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_NOT_FOUND,
                       "%s holds no TAE decoder (decoder.layers.0.weight or 1.weight)",
                       rf_model_file_get_path (mf));
          return NULL;
        }
    }
  g_autoptr (RfTaef1) tae = g_new0 (RfTaef1, 1);
  tae->backend = backend;
  for (int i = 0; i < N_LAYERS; i++)
    {
      gboolean ok = TRUE;
      switch (layer_kind[i])
        {
        case 'c': ok = fetch_conv (&ld, &tae->conv[i][0], i, "", TRUE); break;
        case 'n': ok = fetch_conv (&ld, &tae->conv[i][0], i, "", FALSE); break;
        case 'b':
          ok = fetch_conv (&ld, &tae->conv[i][0], i, "conv.0.", TRUE)
               && fetch_conv (&ld, &tae->conv[i][1], i, "conv.2.", TRUE)
               && fetch_conv (&ld, &tae->conv[i][2], i, "conv.4.", TRUE);
          break;
        default: break;
        }
      if (!ok)
        return NULL;
    }
  tae->latent_channels = (int) tae->conv[0][0].w->shape[1];
  if (tae->conv[N_LAYERS - 1][0].w->shape[0] != 3)
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_MISMATCH,
                   "TAE decoder: the last layer does not produce 3 channels");
      return NULL;
    }
  return g_steal_pointer (&tae);
}

void
rf_taef1_free (RfTaef1 *tae)
{
  if (tae == NULL)
    return;
  for (int i = 0; i < N_LAYERS; i++)
    for (int j = 0; j < 3; j++)
      {
        rf_tensor_free (tae->conv[i][j].w);
        rf_tensor_free (tae->conv[i][j].b);
      }
  g_free (tae);
}

static RfTensor *
conv3 (const Conv *c, const RfTensor *x, GError **error)
{
  RfConv2dParams p = { 1, 1, 1, 1, 1, 1 };
  g_autoptr (RfTensor) y = rf_tensor_new_4d (rf_tensor_backend (x), RF_DTYPE_F32, 4, 1,
                                             c->w->shape[0], x->shape[2], x->shape[3], error);
  if (y == NULL || !rf_op_conv2d (y, x, c->w, c->b, &p, error))
    return NULL;
  return g_steal_pointer (&y);
}

/* relu(conv4(relu(conv2(relu(conv0(x))))) + x) */
static RfTensor *
block (const Conv c[3], const RfTensor *x, GError **error)
{
  g_autoptr (RfTensor) a = conv3 (&c[0], x, error);
  if (a == NULL || !rf_op_relu (a, a, error))
    return NULL;
  g_autoptr (RfTensor) b = conv3 (&c[1], a, error);
  if (b == NULL || !rf_op_relu (b, b, error))
    return NULL;
  g_autoptr (RfTensor) y = conv3 (&c[2], b, error);
  if (y == NULL || !rf_op_add (y, y, x, error) || !rf_op_relu (y, y, error))
    return NULL;
  return g_steal_pointer (&y);
}

RfTensor *
rf_taef1_decode (RfTaef1 *tae, const RfTensor *latent, GError **error)
{
  char desc[96];
  if (latent->ndim != 4 || latent->shape[0] != 1 || latent->shape[1] != tae->latent_channels
      || latent->dtype != RF_DTYPE_F32 || latent->shape[2] < 1 || latent->shape[3] < 1)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                   "TAE decoder: latent is %s, expected [1, %d, h, w] f32",
                   rf_tensor_describe (latent, desc, sizeof desc), tae->latent_channels);
      return NULL;
    }
  /* Clamp: tanh(x / 3) · 3 */
  RfTensor *x = rf_tensor_new_like (tae->backend, latent, error);
  if (x == NULL || !rf_op_scale (x, latent, 1.0f / 3.0f, 0.0f, error) || !rf_op_tanh (x, x, error)
      || !rf_op_scale (x, x, 3.0f, 0.0f, error))
    {
      rf_tensor_free (x);
      return NULL;
    }
  for (int i = 0; x != NULL && i < N_LAYERS; i++)
    {
      RfTensor *nx = NULL;
      switch (layer_kind[i])
        {
        case 'c':
        case 'n':
          nx = conv3 (&tae->conv[i][0], x, error);
          break;
        case 'b':
          nx = block (tae->conv[i], x, error);
          break;
        case 'r':
          if (rf_op_relu (x, x, error))
            continue;
          break;
        case 'u':
          nx = rf_tensor_new_4d (tae->backend, RF_DTYPE_F32, 4, 1, x->shape[1], 2 * x->shape[2],
                                 2 * x->shape[3], error);
          if (nx != NULL && !rf_op_upsample_nearest2x (nx, x, error))
            g_clear_pointer (&nx, rf_tensor_free);
          break;
        default:
          break;
        }
      rf_tensor_free (x);
      x = nx;
    }
  /* the decoder's [0, 1] → [-1, 1], like the full autoencoder */
  if (x != NULL && !rf_op_scale (x, x, 2.0f, -1.0f, error))
    g_clear_pointer (&x, rf_tensor_free);
  return x;
}
