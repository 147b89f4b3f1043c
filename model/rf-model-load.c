/* rf-model-load.c — resolving a model file's component and uploading its
 * canonical tensors for rf-flux.c and rf-ae.c. */
#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

#include "rf-error.h"
#include "rf-model-load.h"
#include "rf-quant.h"
#include "rf-weights.h"

typedef struct {
  const RfWeights *weights;
  gboolean keep_linear_dtype;
} Source;

/* The canonical tensor @name as an RfTensor on @backend. */
static RfTensor *
get_tensor (gpointer user_data, const char *name, RfBackend *backend, GError **error)
{
  const Source *src = user_data;
  const RfWeight *w = rf_weights_get (src->weights, name);
  if (w == NULL)
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_MISMATCH,
                   "the model has no tensor %s", name);
      return NULL;
    }
  gint64 shape[RF_MAX_DIMS] = { 1, 1, 1, 1 };
  int ndim = MAX (w->ndim, 1);
  for (int d = 0; d < w->ndim; d++)
    shape[d] = w->shape[d];
  gint64 numel = rf_weight_numel (w);
  gboolean keep = src->keep_linear_dtype && w->ndim == 2 && w->dtype != RF_DTYPE_F32
                  && g_str_has_suffix (name, ".weight")
                  && rf_backend_supports_weight_dtype (backend, w->dtype);
  if (keep)
    {
      guint64 nbytes = rf_weight_nbytes (w);
      g_autofree guint8 *raw = g_try_malloc (MAX (nbytes, 1));
      g_autoptr (RfTensor) t = raw ? rf_tensor_new (backend, w->dtype, ndim, shape, error) : NULL;
      if (raw == NULL)
        g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY,
                     "cannot stage %s (%" G_GUINT64_FORMAT " bytes)", name, nbytes);
      if (t == NULL)
        return NULL;
      rf_weight_read_raw (w, raw);
      if (!rf_tensor_write (t, raw, nbytes, error))
        return NULL;
      return g_steal_pointer (&t);
    }
  g_autofree float *f = g_try_new (float, MAX (numel, 1));
  if (f == NULL)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY,
                   "cannot decode %s (%" G_GINT64_FORMAT " values)", name, numel);
      return NULL;
    }
  if (!rf_weight_read_f32 (w, f))
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_UNSUPPORTED,
                   "tensor %s has dtype %s, which is not a float type", name,
                   rf_dtype_name (w->dtype));
      return NULL;
    }
  g_autoptr (RfTensor) t = rf_tensor_new (backend, RF_DTYPE_F32, ndim, shape, error);
  if (t == NULL || !rf_tensor_write_f32 (t, f, numel, error))
    return NULL;
  return g_steal_pointer (&t);
}

/* The first component of @family in @mf, loaded and checked. */
static RfWeights *
load_component (const RfModelFile *mf, RfModelFamily family, char **prefix_out,
                GError **error)
{
  g_autoptr (GPtrArray) comps = rf_weights_detect (mf);
  for (guint i = 0; i < comps->len; i++)
    {
      const RfComponent *c = g_ptr_array_index (comps, i);
      if (c->family != family)
        continue;
      if (prefix_out)
        *prefix_out = g_strdup (c->prefix);
      return rf_weights_load (mf, c, error);
    }
  GString *found = g_string_new (NULL);
  for (guint i = 0; i < comps->len; i++)
    {
      const RfComponent *c = g_ptr_array_index (comps, i);
      g_string_append_printf (found, "%s%s", i ? ", " : "", rf_model_family_name (c->family));
    }
  g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_NOT_FOUND,
               _("%s holds no %s (found: %s)"), rf_model_file_get_path (mf),
               rf_model_family_name (family), found->len ? found->str : _("nothing recognised"));
  g_string_free (found, TRUE);
  return NULL;
}

static gboolean
parse_axes (const char *s, int axes[3])
{
  g_auto (GStrv) parts = g_strsplit (s, ",", -1);
  if (g_strv_length (parts) != 3)
    return FALSE;
  for (int i = 0; i < 3; i++)
    {
      char *end = NULL;
      long v = strtol (parts[i], &end, 10);
      if (end == parts[i] || *end != '\0' || v <= 0 || v > 4096 || v % 2)
        return FALSE;
      axes[i] = (int) v;
    }
  return TRUE;
}

RfFlux *
rf_flux_load (RfBackend *backend, const RfModelFile *mf, GError **error)
{
  g_autoptr (RfWeights) weights = load_component (mf, RF_FAMILY_FLUX_DIT, NULL, error);
  if (weights == NULL)
    return NULL;
  const RfFluxConfig *fc = &rf_weights_get_config (weights)->flux;
  RfFluxParams p = {
    .hidden = (int) fc->hidden, .heads = (int) fc->heads, .head_dim = (int) fc->head_dim,
    .depth = (int) fc->depth_double, .depth_single = (int) fc->depth_single,
    .in_channels = (int) fc->in_channels, .out_channels = (int) fc->out_channels,
    .vec_in_dim = (int) fc->vec_dim, .context_in_dim = (int) fc->context_dim,
    .mlp_hidden = (int) fc->mlp_hidden, .theta = 10000.0, .guidance_embed = fc->guidance,
  };
  const char *axes = rf_model_file_get_metadata_string (mf, "rectify.axes_dim");
  if (axes != NULL)
    {
      if (!parse_axes (axes, p.axes_dim))
        {
          g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_FORMAT,
                       _("%s: metadata rectify.axes_dim \"%s\" is not three even sizes"),
                       rf_model_file_get_path (mf), axes);
          return NULL;
        }
    }
  else if (p.head_dim == 128)
    {
      p.axes_dim[0] = 16;
      p.axes_dim[1] = 56;
      p.axes_dim[2] = 56;
    }
  else
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_UNSUPPORTED,
                   _("%s: heads of %d dims are not FLUX.1's 128; add the RoPE axes as "
                     "metadata rectify.axes_dim (e.g. \"16,56,56\")"),
                   rf_model_file_get_path (mf), p.head_dim);
      return NULL;
    }
  /* stream the blocks when the weights would take more than 3/4 of the
   * device's budget: the rest is for activations (and GIMP) */
  guint64 budget = rf_backend_memory_budget (backend);
  gboolean stream = budget != 0 && rf_weights_get_n_bytes (weights) > budget / 4 * 3;
  Source src = { weights, TRUE };
  return rf_flux_new (backend, &p, get_tensor, &src, stream, error);
}

RfAe *
rf_ae_load (RfBackend *backend, const RfModelFile *mf, GError **error)
{
  g_autofree char *prefix = NULL;
  g_autoptr (RfWeights) weights = load_component (mf, RF_FAMILY_AUTOENCODER, &prefix, error);
  if (weights == NULL)
    return NULL;
  const RfAeConfig *ac = &rf_weights_get_config (weights)->ae;
  RfAeParams p = {
    .ch = (int) ac->ch, .n_levels = (int) ac->n_levels,
    .num_res_blocks = (int) ac->num_res_blocks, .z_channels = (int) ac->z_channels,
    .in_channels = (int) ac->in_channels, .out_channels = (int) ac->out_channels,
    .has_encoder = ac->has_encoder, .has_decoder = ac->has_decoder,
    .scale_factor = 0.3611f, .shift_factor = 0.1159f,
  };
  for (int i = 0; i < p.n_levels && i < 8; i++)
    p.ch_mult[i] = (int) ac->ch_mult[i];
  const char *family = rf_model_file_get_metadata_string (mf, "rectify.ae_family");
  if (g_strcmp0 (family, "sd3") == 0 || g_strcmp0 (prefix, "first_stage_model.") == 0)
    {
      p.scale_factor = 1.5305f;
      p.shift_factor = 0.0609f;
    }
  Source src = { weights, FALSE };
  return rf_ae_new (backend, &p, get_tensor, &src, error);
}
