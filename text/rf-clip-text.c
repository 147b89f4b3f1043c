/* rf-clip-text.c — CLIP text encoder forward on the op library.
 * Layers are uploaded as they run and freed after (rf-text-weights.h). */
#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>

#include "rf-clip-text.h"
#include "rf-error.h"
#include "rf-text-ops.h"
#include "rf-text-weights.h"

#define CLIP_LN_EPS 1e-5f

struct _RfClipText {
  RfWeights *w;
  RfClipConfig cfg;
};

void
rf_clip_text_free (RfClipText *m)
{
  if (m == NULL)
    return;
  rf_weights_free (m->w);
  g_free (m);
}

const RfClipConfig *
rf_clip_text_get_config (const RfClipText *m)
{
  return &m->cfg;
}

RfClipText *
rf_clip_text_new (const RfModelFile *mf, GError **error)
{
  RfWeights *w = rf_text_weights_load (mf, RF_FAMILY_CLIP_TEXT, error);
  if (w == NULL)
    return NULL;
  RfClipText *m = g_new0 (RfClipText, 1);
  m->w = w;
  m->cfg = rf_weights_get_config (w)->clip;
  if (m->cfg.hidden == 1280)
    {
      /* CLIP-G (SD3) uses exact GELU and a projection; FLUX needs CLIP-L */
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_UNSUPPORTED,
                   _("%s is a CLIP-G text model (hidden 1280); FLUX uses CLIP-L (hidden 768)"),
                   rf_model_file_get_path (mf));
      rf_clip_text_free (m);
      return NULL;
    }
  const char *heads = rf_model_file_get_metadata_string (mf, "rectify.clip.heads");
  if (heads != NULL)
    {
      gint64 h = g_ascii_strtoll (heads, NULL, 10);
      if (h < 1 || m->cfg.hidden % h != 0)
        {
          g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_MISMATCH,
                       _("%s: rectify.clip.heads = %s does not divide the hidden size %"
                         PRId64), rf_model_file_get_path (mf), heads, m->cfg.hidden);
          rf_clip_text_free (m);
          return NULL;
        }
      m->cfg.heads = h;
    }
  return m;
}

#define UP(name, keep) rf_text_upload (be, m->w, name, keep, error)

/* Adds @t to @own (which frees it) and returns it; NULL stays NULL. */
static RfTensor *
own (GPtrArray *owned, RfTensor *t)
{
  if (t != NULL)
    g_ptr_array_add (owned, t);
  return t;
}

/* Uploads "<prefix><suffix>" into @owned. */
static RfTensor *
up (RfClipText *m, RfBackend *be, GPtrArray *owned, const char *prefix, const char *suffix,
    gboolean keep, GError **error)
{
  g_autofree char *name = g_strconcat (prefix, suffix, NULL);
  return own (owned, rf_text_upload (be, m->w, name, keep, error));
}

static RfTensor *
clip_layer (RfClipText *m, RfBackend *be, const RfTensor *x, gint64 i, GError **error)
{
  g_autofree char *p = g_strdup_printf ("text_model.encoder.layers.%" G_GINT64_FORMAT ".", i);
  g_autoptr (GPtrArray) o = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_tensor_free);
  RfTensor *ln1w, *ln1b, *qw, *qb, *kw, *kb, *vw, *vb, *ow, *ob;
  if (!(ln1w = up (m, be, o, p, "layer_norm1.weight", FALSE, error))
      || !(ln1b = up (m, be, o, p, "layer_norm1.bias", FALSE, error))
      || !(qw = up (m, be, o, p, "self_attn.q_proj.weight", TRUE, error))
      || !(qb = up (m, be, o, p, "self_attn.q_proj.bias", FALSE, error))
      || !(kw = up (m, be, o, p, "self_attn.k_proj.weight", TRUE, error))
      || !(kb = up (m, be, o, p, "self_attn.k_proj.bias", FALSE, error))
      || !(vw = up (m, be, o, p, "self_attn.v_proj.weight", TRUE, error))
      || !(vb = up (m, be, o, p, "self_attn.v_proj.bias", FALSE, error))
      || !(ow = up (m, be, o, p, "self_attn.out_proj.weight", TRUE, error))
      || !(ob = up (m, be, o, p, "self_attn.out_proj.bias", FALSE, error)))
    return NULL;
  const float scale = 1.0f / sqrtf ((float) (m->cfg.hidden / m->cfg.heads));
  RfTensor *h, *q, *k, *v, *a, *at, *x1;
  if (!(h = own (o, rf_text_layernorm (x, ln1w, ln1b, CLIP_LN_EPS, error)))
      || !(q = own (o, rf_text_linear (h, qw, qb, error)))
      || !(k = own (o, rf_text_linear (h, kw, kb, error)))
      || !(v = own (o, rf_text_linear (h, vw, vb, error)))
      || !(a = own (o, rf_text_attention (q, k, v, (int) m->cfg.heads, NULL, scale, TRUE, error)))
      || !(at = own (o, rf_text_linear (a, ow, ob, error)))
      || !(x1 = own (o, rf_text_add (x, at, error))))
    return NULL;

  RfTensor *ln2w, *ln2b, *f1w, *f1b, *f2w, *f2b, *h2, *f, *g, *mo;
  if (!(ln2w = up (m, be, o, p, "layer_norm2.weight", FALSE, error))
      || !(ln2b = up (m, be, o, p, "layer_norm2.bias", FALSE, error))
      || !(f1w = up (m, be, o, p, "mlp.fc1.weight", TRUE, error))
      || !(f1b = up (m, be, o, p, "mlp.fc1.bias", FALSE, error))
      || !(f2w = up (m, be, o, p, "mlp.fc2.weight", TRUE, error))
      || !(f2b = up (m, be, o, p, "mlp.fc2.bias", FALSE, error))
      || !(h2 = own (o, rf_text_layernorm (x1, ln2w, ln2b, CLIP_LN_EPS, error)))
      || !(f = own (o, rf_text_linear (h2, f1w, f1b, error)))
      || !(g = own (o, rf_text_quick_gelu (f, error)))
      || !(mo = own (o, rf_text_linear (g, f2w, f2b, error))))
    return NULL;
  RfTensor *x2 = rf_text_add (x1, mo, error);
  /* wait for the layer before its weights are released: bounds the
   * queued work and the memory to one layer */
  if (x2 != NULL && !rf_backend_synchronize (be, error))
    g_clear_pointer (&x2, rf_tensor_free);
  return x2;
}

gboolean
rf_clip_text_forward (RfClipText *m, RfBackend *be, const gint32 *ids, guint n,
                      RfTensor **hidden, RfTensor **pooled, GError **error)
{
  const RfClipConfig *c = &m->cfg;
  if (n == 0 || n > c->positions)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_INVALID,
                   _("CLIP takes 1 to %" PRId64 " tokens, not %u"), c->positions, n);
      return FALSE;
    }
  const gint64 D = c->hidden;
  g_autofree float *emb = g_new (float, (gsize) n * D);
  g_autofree float *pos = g_new (float, (gsize) n * D);
  g_autofree gint32 *pos_ids = g_new (gint32, n);
  guint pool_at = 0;
  for (guint i = 0; i < n; i++)
    {
      pos_ids[i] = (gint32) i;
      if (ids[i] > ids[pool_at])   /* argmax: the first largest id */
        pool_at = i;
    }
  if (!rf_text_gather_rows (m->w, "text_model.embeddings.token_embedding.weight", ids, n, emb, error)
      || !rf_text_gather_rows (m->w, "text_model.embeddings.position_embedding.weight", pos_ids,
                               n, pos, error))
    return FALSE;
  for (gsize i = 0; i < (gsize) n * D; i++)
    emb[i] += pos[i];
  g_autoptr (RfTensor) x = rf_tensor_new_4d (be, RF_DTYPE_F32, 3, 1, n, D, 0, error);
  if (x == NULL || !rf_tensor_write (x, emb, (gsize) n * D * sizeof (float), error))
    return FALSE;

  for (gint64 i = 0; i < c->layers; i++)
    {
      RfTensor *next = clip_layer (m, be, x, i, error);
      if (next == NULL)
        return FALSE;
      rf_tensor_free (x);
      x = next;
    }
  g_autoptr (RfTensor) lnw = UP ("text_model.final_layer_norm.weight", FALSE);
  g_autoptr (RfTensor) lnb = lnw ? UP ("text_model.final_layer_norm.bias", FALSE) : NULL;
  g_autoptr (RfTensor) out = lnb ? rf_text_layernorm (x, lnw, lnb, CLIP_LN_EPS, error) : NULL;
  if (out == NULL)
    return FALSE;
  if (pooled != NULL)
    {
      g_autoptr (RfTensor) row = rf_tensor_view_narrow (out, 1, pool_at, 1, error);
      g_autoptr (RfTensor) p = row ? rf_tensor_new_4d (be, RF_DTYPE_F32, 2, 1, D, 0, 0, error) : NULL;
      const gint64 shape[3] = { 1, 1, D };
      g_autoptr (RfTensor) p3 = p ? rf_tensor_view_reshape (p, 3, shape, error) : NULL;
      if (p3 == NULL || !rf_op_copy (p3, row, error))
        return FALSE;
      *pooled = g_steal_pointer (&p);
    }
  if (!rf_backend_synchronize (be, error))
    {
      if (pooled)
        g_clear_pointer (pooled, rf_tensor_free);
      return FALSE;
    }
  if (hidden != NULL)
    *hidden = g_steal_pointer (&out);
  return TRUE;
}
