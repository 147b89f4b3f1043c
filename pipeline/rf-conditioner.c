/* rf-conditioner.c — the conditioner interface, precomputed (.npy) and
 * test embeddings. */
#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "rf-conditioner.h"
#include "rf-error.h"
#include "rf-npy.h"
#include "rf-philox.h"
#include "rf-pipeline.h"

typedef struct {
  float *txt;
  gint64 n_tokens;
  float *y;
} Entry;

static void
entry_free (gpointer p)
{
  Entry *e = p;
  g_free (e->txt);
  g_free (e->y);
  g_free (e);
}

void
rf_conditioner_init (RfConditioner *c, const RfConditionerClass *klass, gint64 ctx, gint64 vec)
{
  c->klass = klass;
  c->ctx_dim = ctx;
  c->vec_dim = vec;
  c->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entry_free);
  c->warnings = g_ptr_array_new_with_free_func (g_free);
}

void
rf_conditioner_free (RfConditioner *cond)
{
  if (cond == NULL)
    return;
  if (cond->klass->finalize)
    cond->klass->finalize (cond);
  g_hash_table_unref (cond->cache);
  g_ptr_array_unref (cond->warnings);
  g_free (cond->description);
  g_free (cond);
}

gboolean
rf_conditioner_check_prompt (const char *prompt, GError **error)
{
  if (prompt == NULL)
    return TRUE;
  const char *end = NULL;
  if (!g_utf8_validate (prompt, -1, &end))
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_PROMPT,
                   _("The prompt is not valid UTF-8 text (bad byte 0x%02x at offset %d); "
                     "save it as UTF-8 or use a UTF-8 locale"),
                   (guint8) *end, (int) (end - prompt));
      return FALSE;
    }
  for (const char *p = prompt; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f
          || (c >= 0x80 && c < 0xa0))
        {
          g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_PROMPT,
                       _("The prompt contains the control character U+%04X at offset %d"),
                       c, (int) (p - prompt));
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
rf_conditioner_encode (RfConditioner *cond, const char *prompt, RfBackend *backend,
                       gint64 ctx_dim, gint64 vec_dim, RfTensor **txt, RfTensor **y,
                       GError **error)
{
  g_return_val_if_fail (cond != NULL && txt != NULL && y != NULL, FALSE);
  const char *p = prompt ? prompt : "";
  if (!rf_conditioner_check_prompt (p, error))
    return FALSE;
  Entry *e = g_hash_table_lookup (cond->cache, cond->uses_prompt ? p : "");
  if (e == NULL)
    {
      e = g_new0 (Entry, 1);
      if (!cond->klass->encode (cond, p, &e->txt, &e->n_tokens, &e->y, error))
        {
          entry_free (e);
          return FALSE;
        }
      g_hash_table_insert (cond->cache, g_strdup (cond->uses_prompt ? p : ""), e);
    }
  if ((ctx_dim && cond->ctx_dim != ctx_dim) || (vec_dim && cond->vec_dim != vec_dim))
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID,
                   _("The text conditioning (%s) has %" PRId64 "-wide tokens and a %"
                     PRId64 "-wide pooled vector, but the transformer takes %"
                     PRId64 " and %" PRId64),
                   cond->description, cond->ctx_dim, cond->vec_dim, ctx_dim, vec_dim);
      return FALSE;
    }
  g_autoptr (RfTensor) t = rf_tensor_new_4d (backend, RF_DTYPE_F32, 3, 1, e->n_tokens,
                                             cond->ctx_dim, 0, error);
  g_autoptr (RfTensor) v = t ? rf_tensor_new_4d (backend, RF_DTYPE_F32, 2, 1, cond->vec_dim, 0, 0,
                                                 error) : NULL;
  if (v == NULL || !rf_tensor_write_f32 (t, e->txt, e->n_tokens * cond->ctx_dim, error)
      || !rf_tensor_write_f32 (v, e->y, cond->vec_dim, error))
    return FALSE;
  *txt = g_steal_pointer (&t);
  *y = g_steal_pointer (&v);
  return TRUE;
}

/* --- precomputed embeddings --- */

typedef struct {
  RfConditioner parent;
  float *txt, *y;
  gint64 n_tokens;
} NpyConditioner;

static gboolean
npy_encode (RfConditioner *self, const char *prompt, float **txt, gint64 *n_tokens, float **y,
            GError **error)
{
  NpyConditioner *n = (NpyConditioner *) self;
  *txt = g_memdup2 (n->txt, sizeof (float) * n->n_tokens * self->ctx_dim);
  *y = g_memdup2 (n->y, sizeof (float) * self->vec_dim);
  *n_tokens = n->n_tokens;
  return TRUE;
}

static void
npy_finalize (RfConditioner *self)
{
  NpyConditioner *n = (NpyConditioner *) self;
  g_free (n->txt);
  g_free (n->y);
}

static const RfConditionerClass npy_class = { npy_encode, npy_finalize };

RfConditioner *
rf_conditioner_new_npy (const char *txt_path, const char *y_path, GError **error)
{
  g_return_val_if_fail (txt_path != NULL && y_path != NULL, NULL);
  g_autoptr (RfNpy) t = rf_npy_load (txt_path, error);
  g_autoptr (RfNpy) v = t ? rf_npy_load (y_path, error) : NULL;
  if (v == NULL)
    return NULL;
  gboolean t_ok = (t->ndim == 3 && t->shape[0] == 1) || t->ndim == 2;
  gboolean v_ok = (v->ndim == 2 && v->shape[0] == 1) || v->ndim == 1;
  gint64 n_tokens = t->ndim == 3 ? t->shape[1] : t->shape[0];
  gint64 ctx = t->shape[t->ndim - 1], vec = v->shape[v->ndim - 1];
  if (!t_ok || !v_ok || n_tokens < 1 || ctx < 1 || vec < 1)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID,
                   _("Precomputed text conditioning must be txt [1, tokens, width] and y "
                     "[1, width] (%s, %s)"), txt_path, y_path);
      return NULL;
    }
  g_autofree float *tf = rf_npy_dup_f32 (t);
  g_autofree float *vf = tf ? rf_npy_dup_f32 (v) : NULL;
  if (vf == NULL)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID,
                   _("Precomputed text conditioning must hold floats (%s, %s)"), txt_path,
                   y_path);
      return NULL;
    }
  NpyConditioner *n = g_new0 (NpyConditioner, 1);
  rf_conditioner_init (&n->parent, &npy_class, ctx, vec);
  n->txt = g_steal_pointer (&tf);
  n->y = g_steal_pointer (&vf);
  n->n_tokens = n_tokens;
  n->parent.uses_prompt = FALSE;
  g_autofree char *dir = g_path_get_dirname (txt_path);
  n->parent.description = g_strdup_printf (_("precomputed embeddings in %s"), dir);
  return &n->parent;
}

RfConditioner *
rf_conditioner_new_npy_dir (const char *dir, GError **error)
{
  g_autofree char *t = g_build_filename (dir, "txt.npy", NULL);
  g_autofree char *y = g_build_filename (dir, "y.npy", NULL);
  if (!g_file_test (t, G_FILE_TEST_IS_REGULAR) || !g_file_test (y, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MODEL_MISSING,
                   _("%s must hold txt.npy and y.npy (written by 'rectify encode')"), dir);
      return NULL;
    }
  return rf_conditioner_new_npy (t, y, error);
}

/* --- test embeddings --- */

typedef struct {
  RfConditioner parent;
  gint64 n_tokens;
} TestConditioner;

static gboolean
test_encode (RfConditioner *self, const char *prompt, float **txt, gint64 *n_tokens, float **y,
             GError **error)
{
  TestConditioner *tc = (TestConditioner *) self;
  /* FNV-1a over the bytes: a fixed, documented mapping from text to seed */
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  for (const guint8 *p = (const guint8 *) prompt; *p; p++)
    h = (h ^ *p) * G_GUINT64_CONSTANT (0x100000001b3);
  *n_tokens = tc->n_tokens;
  *txt = g_new (float, tc->n_tokens * self->ctx_dim);
  *y = g_new (float, self->vec_dim);
  rf_philox_normal (h, 0, 0, *txt, tc->n_tokens * self->ctx_dim);
  rf_philox_normal (h, 1, 0, *y, self->vec_dim);
  return TRUE;
}

static const RfConditionerClass test_class = { test_encode, NULL };

RfConditioner *
rf_conditioner_new_test (gint64 ctx_dim, gint64 vec_dim, gint64 n_tokens)
{
  g_return_val_if_fail (ctx_dim > 0 && vec_dim > 0 && n_tokens > 0, NULL);
  TestConditioner *tc = g_new0 (TestConditioner, 1);
  rf_conditioner_init (&tc->parent, &test_class, ctx_dim, vec_dim);
  tc->n_tokens = n_tokens;
  tc->parent.uses_prompt = TRUE;
  tc->parent.description = g_strdup (_("test conditioning (prompt hashed, no text encoder)"));
  return &tc->parent;
}
