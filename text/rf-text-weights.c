/* rf-text-weights.c — per-layer uploads and host-side embedding rows. */
#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "rf-error.h"
#include "rf-quant.h"
#include "rf-text-weights.h"

RfWeights *
rf_text_weights_load (const RfModelFile *mf, RfModelFamily family, GError **error)
{
  g_autoptr (GPtrArray) comps = rf_weights_detect (mf);
  for (guint i = 0; i < comps->len; i++)
    {
      const RfComponent *c = g_ptr_array_index (comps, i);
      if (c->family == family)
        return rf_weights_load (mf, c, error);
    }
  g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_NOT_FOUND,
               _("%s holds no %s weights"), rf_model_file_get_path (mf),
               rf_model_family_name (family));
  return NULL;
}

static const RfWeight *
get_weight (const RfWeights *w, const char *name, GError **error)
{
  const RfWeight *wt = rf_weights_get (w, name);
  if (wt == NULL)
    g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_MISMATCH,
                 _("the model has no tensor %s"), name);
  return wt;
}

RfTensor *
rf_text_upload (RfBackend *be, const RfWeights *w, const char *name, gboolean keep_dtype,
                GError **error)
{
  const RfWeight *wt = get_weight (w, name, error);
  if (wt == NULL)
    return NULL;
  gboolean raw = keep_dtype && wt->dtype != RF_DTYPE_F32
                 && rf_backend_supports_weight_dtype (be, wt->dtype);
  g_autoptr (RfTensor) t = rf_tensor_new (be, raw ? wt->dtype : RF_DTYPE_F32, wt->ndim,
                                          wt->shape, error);
  if (t == NULL)
    return NULL;
  gboolean ok;
  if (raw)
    {
      g_autofree guint8 *bytes = g_try_malloc (rf_weight_nbytes (wt));
      if (bytes == NULL)
        {
          g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY,
                       _("out of host memory reading %s"), name);
          return NULL;
        }
      rf_weight_read_raw (wt, bytes);
      ok = rf_tensor_write (t, bytes, rf_weight_nbytes (wt), error);
    }
  else
    {
      g_autofree float *f = g_try_new (float, rf_weight_numel (wt));
      if (f == NULL || !rf_weight_read_f32 (wt, f))
        {
          g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_UNSUPPORTED,
                       _("%s: cannot decode %s weights to f32"), name, rf_dtype_name (wt->dtype));
          return NULL;
        }
      ok = rf_tensor_write (t, f, rf_weight_numel (wt) * sizeof (float), error);
    }
  return ok ? g_steal_pointer (&t) : NULL;
}

/* The stored bytes of row @r of a 2-D canonical weight, following the
 * layout transform (sources concatenated along dim 0, or halves swapped). */
static const guint8 *
row_pointer (const RfWeight *wt, gint64 r, guint64 row_bytes)
{
  if (wt->op == RF_WEIGHT_SWAP_HALVES)
    {
      gint64 half = wt->shape[0] / 2;
      r = r < half ? r + half : r - half;
      return wt->src[0]->data + (guint64) r * row_bytes;
    }
  for (guint k = 0; k < wt->n_src; k++)
    {
      gint64 rows = (gint64) (wt->src[k]->nbytes / row_bytes);
      if (r < rows)
        return wt->src[k]->data + (guint64) r * row_bytes;
      r -= rows;
    }
  return NULL;
}

gboolean
rf_text_gather_rows (const RfWeights *w, const char *name, const gint32 *ids, guint n,
                     float *out, GError **error)
{
  const RfWeight *wt = get_weight (w, name, error);
  if (wt == NULL)
    return FALSE;
  g_return_val_if_fail (wt->ndim == 2, FALSE);
  const gint64 rows = wt->shape[0], cols = wt->shape[1];
  guint64 row_bytes;
  if (!rf_dtype_bytes_for (wt->dtype, (guint64) cols, &row_bytes)
      || !rf_dtype_info (wt->dtype)->is_float)
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_UNSUPPORTED,
                   _("%s: %s rows cannot be decoded"), name, rf_dtype_name (wt->dtype));
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      if (ids[i] < 0 || ids[i] >= rows)
        {
          g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_INVALID,
                       _("token id %d is outside the embedding table (%" PRId64
                         " rows)"), ids[i], rows);
          return FALSE;
        }
      const guint8 *p = row_pointer (wt, ids[i], row_bytes);
      if (p == NULL || !rf_quant_dequantize (wt->dtype, p, out + (gsize) i * cols, cols))
        {
          g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_UNSUPPORTED,
                       _("%s: row %d cannot be decoded"), name, ids[i]);
          return FALSE;
        }
    }
  return TRUE;
}
