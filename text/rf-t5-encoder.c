/* rf-t5-encoder.c — T5 v1.1 encoder forward on the op library. Blocks
 * are uploaded as they run and freed after (rf-text-weights.h). */
#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <math.h>

#include "rf-error.h"
#include "rf-t5-encoder.h"
#include "rf-text-ops.h"
#include "rf-text-weights.h"

#define T5_EPS 1e-6f
#define REL_BIAS "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"

struct _RfT5Encoder {
  RfWeights *w;
  RfT5Config cfg;
};

void
rf_t5_encoder_free (RfT5Encoder *m)
{
  if (m == NULL)
    return;
  rf_weights_free (m->w);
  g_free (m);
}

const RfT5Config *
rf_t5_encoder_get_config (const RfT5Encoder *m)
{
  return &m->cfg;
}

RfT5Encoder *
rf_t5_encoder_new (const RfModelFile *mf, GError **error)
{
  RfWeights *w = rf_text_weights_load (mf, RF_FAMILY_T5_ENCODER, error);
  if (w == NULL)
    return NULL;
  RfT5Encoder *m = g_new0 (RfT5Encoder, 1);
  m->w = w;
  m->cfg = rf_weights_get_config (w)->t5;
  if (m->cfg.heads < 1 || m->cfg.inner % m->cfg.heads != 0 || m->cfg.rel_buckets < 4)
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_MISMATCH,
                   _("%s: %" PRId64 " heads do not divide the attention width %"
                     PRId64), rf_model_file_get_path (mf), m->cfg.heads, m->cfg.inner);
      rf_t5_encoder_free (m);
      return NULL;
    }
  return m;
}

int
rf_t5_relative_bucket (gint64 rel, int num_buckets, int max_distance)
{
  const int half = num_buckets / 2, max_exact = half / 2;
  int bucket = rel > 0 ? half : 0;
  gint64 n = rel < 0 ? -rel : rel;
  if (n < max_exact)
    return bucket + (int) n;
  /* float32 as PyTorch computes it; the truncation matches .to(long) */
  float v = logf ((float) n / (float) max_exact)
            / (float) log ((double) max_distance / max_exact) * (float) (half - max_exact);
  return bucket + MIN (max_exact + (int) v, half - 1);
}

/* [1, H, L, L] from block 0's table [buckets, H]. */
static RfTensor *
position_bias (RfT5Encoder *m, RfBackend *be, gint64 L, GError **error)
{
  const gint64 H = m->cfg.heads, nb = m->cfg.rel_buckets;
  const RfWeight *wt = rf_weights_get (m->w, REL_BIAS);
  g_autofree float *table = g_new (float, nb * H);
  if (wt == NULL || !rf_weight_read_f32 (wt, table))
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_UNSUPPORTED,
                   _("cannot read the relative attention bias"));
      return NULL;
    }
  g_autofree int *bucket = g_new (int, 2 * L - 1);
  for (gint64 r = -(L - 1); r <= L - 1; r++)
    bucket[r + L - 1] = rf_t5_relative_bucket (r, (int) nb, RF_T5_MAX_DISTANCE);
  float *bias = g_try_new (float, H * L * L);
  if (bias == NULL)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY,
                   _("out of memory for the position bias of %" PRId64 " tokens"), L);
      return NULL;
    }
  for (gint64 h = 0; h < H; h++)
    for (gint64 i = 0; i < L; i++)
      for (gint64 j = 0; j < L; j++)
        bias[(h * L + i) * L + j] = table[bucket[j - i + L - 1] * H + h];
  RfTensor *t = rf_tensor_new_4d (be, RF_DTYPE_F32, 4, 1, H, L, L, error);
  if (t && !rf_tensor_write (t, bias, (gsize) (H * L * L) * sizeof (float), error))
    g_clear_pointer (&t, rf_tensor_free);
  g_free (bias);
  return t;
}

static RfTensor *
own (GPtrArray *owned, RfTensor *t)
{
  if (t != NULL)
    g_ptr_array_add (owned, t);
  return t;
}

static RfTensor *
up (RfT5Encoder *m, RfBackend *be, GPtrArray *owned, const char *prefix, const char *suffix,
    gboolean keep, GError **error)
{
  g_autofree char *name = g_strconcat (prefix, suffix, NULL);
  return own (owned, rf_text_upload (be, m->w, name, keep, error));
}

static RfTensor *
rmsnorm (const RfTensor *x, const RfTensor *w, GError **error)
{
  g_autoptr (RfTensor) y = rf_tensor_new_like (rf_tensor_backend (x), x, error);
  if (y == NULL || !rf_op_rmsnorm (y, x, w, T5_EPS, error))
    return NULL;
  return g_steal_pointer (&y);
}

static RfTensor *
t5_block (RfT5Encoder *m, RfBackend *be, const RfTensor *x, const RfTensor *bias, gint64 i,
          GError **error)
{
  g_autofree char *p = g_strdup_printf ("encoder.block.%" G_GINT64_FORMAT ".layer.", i);
  g_autoptr (GPtrArray) o = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_tensor_free);
  RfTensor *n0, *qw, *kw, *vw, *ow, *h, *q, *k, *v, *a, *at, *x1;
  if (!(n0 = up (m, be, o, p, "0.layer_norm.weight", FALSE, error))
      || !(qw = up (m, be, o, p, "0.SelfAttention.q.weight", TRUE, error))
      || !(kw = up (m, be, o, p, "0.SelfAttention.k.weight", TRUE, error))
      || !(vw = up (m, be, o, p, "0.SelfAttention.v.weight", TRUE, error))
      || !(ow = up (m, be, o, p, "0.SelfAttention.o.weight", TRUE, error))
      || !(h = own (o, rmsnorm (x, n0, error)))
      || !(q = own (o, rf_text_linear (h, qw, NULL, error)))
      || !(k = own (o, rf_text_linear (h, kw, NULL, error)))
      || !(v = own (o, rf_text_linear (h, vw, NULL, error)))
      /* T5 does not scale the scores */
      || !(a = own (o, rf_text_attention (q, k, v, (int) m->cfg.heads, bias, 1.0f, FALSE, error)))
      || !(at = own (o, rf_text_linear (a, ow, NULL, error)))
      || !(x1 = own (o, rf_text_add (x, at, error))))
    return NULL;
  RfTensor *n1, *w0, *w1, *wo, *h2, *g0, *g1, *gg, *ff;
  if (!(n1 = up (m, be, o, p, "1.layer_norm.weight", FALSE, error))
      || !(w0 = up (m, be, o, p, "1.DenseReluDense.wi_0.weight", TRUE, error))
      || !(w1 = up (m, be, o, p, "1.DenseReluDense.wi_1.weight", TRUE, error))
      || !(wo = up (m, be, o, p, "1.DenseReluDense.wo.weight", TRUE, error))
      || !(h2 = own (o, rmsnorm (x1, n1, error)))
      || !(g0 = own (o, rf_text_linear (h2, w0, NULL, error)))
      || !(g1 = own (o, rf_text_linear (h2, w1, NULL, error)))
      || !(gg = own (o, rf_tensor_new_like (be, g0, error)))
      || !rf_op_gelu (gg, g0, error)
      || !rf_op_mul (g0, gg, g1, error)
      || !(ff = own (o, rf_text_linear (g0, wo, NULL, error))))
    return NULL;
  RfTensor *x2 = rf_text_add (x1, ff, error);
  /* wait for the block before its weights are released */
  if (x2 != NULL && !rf_backend_synchronize (be, error))
    g_clear_pointer (&x2, rf_tensor_free);
  return x2;
}

gboolean
rf_t5_encoder_forward (RfT5Encoder *m, RfBackend *be, const gint32 *ids, guint n,
                       RfTensor **out, GError **error)
{
  g_return_val_if_fail (out != NULL, FALSE);
  if (n == 0)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_INVALID, _("T5 needs at least one token"));
      return FALSE;
    }
  const gint64 D = m->cfg.d_model;
  g_autofree float *emb = g_new (float, (gsize) n * D);
  if (!rf_text_gather_rows (m->w, "shared.weight", ids, n, emb, error))
    return FALSE;
  g_autoptr (RfTensor) x = rf_tensor_new_4d (be, RF_DTYPE_F32, 3, 1, n, D, 0, error);
  if (x == NULL || !rf_tensor_write (x, emb, (gsize) n * D * sizeof (float), error))
    return FALSE;
  g_autoptr (RfTensor) bias = position_bias (m, be, n, error);
  if (bias == NULL)
    return FALSE;
  for (gint64 i = 0; i < m->cfg.layers; i++)
    {
      RfTensor *next = t5_block (m, be, x, bias, i, error);
      if (next == NULL)
        return FALSE;
      rf_tensor_free (x);
      x = next;
    }
  g_autoptr (RfTensor) fw = rf_text_upload (be, m->w, "encoder.final_layer_norm.weight", FALSE, error);
  g_autoptr (RfTensor) y = fw ? rmsnorm (x, fw, error) : NULL;
  if (y == NULL || !rf_backend_synchronize (be, error))
    return FALSE;
  *out = g_steal_pointer (&y);
  return TRUE;
}
