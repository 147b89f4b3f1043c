/* rf-conditioner-text.c — the CLIP-L + T5 conditioner: text/'s
 * rf_text_encode (tokenizers, encoders, on-disk embedding cache) behind
 * the RfConditioner interface. Warnings (truncated prompts, damaged cache
 * entries) are queued for the job to pass on. */
#include <glib/gi18n-lib.h>
#include <string.h>

#include "rf-conditioner.h"
#include "rf-text-encode.h"

typedef struct {
  RfConditioner parent;
  char *clip, *t5, *clip_tok, *t5_tok, *device;
  guint max_length;
  RfConditionerTextLoadFunc load;   /* NULL: text/ opens the encoders */
  gpointer load_data;
} TextConditioner;

static gboolean
text_encode (RfConditioner *self, const char *prompt, float **txt, gint64 *n_tokens, float **y,
             GError **error)
{
  TextConditioner *tc = (TextConditioner *) self;
  gboolean cpu = g_strcmp0 (tc->device, "cpu") == 0;
  RfTextEncodeOptions opt = {
    .clip_path = tc->clip, .t5_path = tc->t5,
    .clip_tokenizer = tc->clip_tok, .t5_tokenizer = tc->t5_tok,
    /* CLIP is small: on the pipeline's device; T5-XXL stays on the CPU
     * (text/'s default) unless the whole job runs there anyway */
    .clip_device = tc->device, .t5_device = cpu ? "cpu" : NULL,
    .max_length = tc->max_length,
  };
  if (tc->load != NULL)
    {
      opt.clip_model = tc->load (FALSE, tc->clip, &opt.clip_file, &opt.clip_backend,
                                 tc->load_data, error);
      if (opt.clip_model == NULL)
        return FALSE;
      opt.t5_model = tc->load (TRUE, tc->t5, &opt.t5_file, &opt.t5_backend, tc->load_data,
                               error);
      if (opt.t5_model == NULL)
        return FALSE;
    }
  g_autoptr (RfTextEmbeddings) e = rf_text_encode (&opt, prompt, error);
  if (e == NULL)
    return FALSE;
  for (guint i = 0; e->warnings && i < e->warnings->len; i++)
    g_ptr_array_add (self->warnings, g_strdup (g_ptr_array_index (e->warnings, i)));
  self->ctx_dim = e->txt_dim;
  self->vec_dim = e->y_dim;
  *n_tokens = e->txt_len;
  *txt = g_steal_pointer (&e->txt);
  *y = g_steal_pointer (&e->y);
  return TRUE;
}

static void
text_finalize (RfConditioner *self)
{
  TextConditioner *tc = (TextConditioner *) self;
  g_free (tc->clip);
  g_free (tc->t5);
  g_free (tc->clip_tok);
  g_free (tc->t5_tok);
  g_free (tc->device);
}

static const RfConditionerClass text_class = { text_encode, text_finalize };

void
rf_conditioner_text_set_loader (RfConditioner *cond, RfConditionerTextLoadFunc load,
                                gpointer data)
{
  g_return_if_fail (cond != NULL);
  if (cond->klass != &text_class)
    return;
  TextConditioner *tc = (TextConditioner *) cond;
  tc->load = load;
  tc->load_data = data;
}

RfConditioner *
rf_conditioner_new_text (const char *clip_path, const char *t5_path, const char *clip_tokenizer,
                         const char *t5_tokenizer, guint max_length, const char *device)
{
  g_return_val_if_fail (clip_path != NULL && t5_path != NULL, NULL);
  TextConditioner *tc = g_new0 (TextConditioner, 1);
  rf_conditioner_init (&tc->parent, &text_class, 0, 0);
  tc->clip = g_strdup (clip_path);
  tc->t5 = g_strdup (t5_path);
  tc->clip_tok = g_strdup (clip_tokenizer);
  tc->t5_tok = g_strdup (t5_tokenizer);
  tc->device = g_strdup (device);
  tc->max_length = max_length;
  tc->parent.uses_prompt = TRUE;
  g_autofree char *c = g_path_get_basename (clip_path), *t = g_path_get_basename (t5_path);
  tc->parent.description = g_strdup_printf (_("text encoders %s and %s"), c, t);
  return &tc->parent;
}
