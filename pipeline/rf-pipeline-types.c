/* rf-pipeline-types.c — the plain data of the pipeline API (job
 * parameters and results, latents, model sets) without the engine: what
 * a client of the engine service links (rf-service-pipeline.h) besides
 * rf-image.c. */
#include <glib/gi18n-lib.h>
#include <math.h>

#include "rf-error.h"
#include "rf-pipeline.h"

void
rf_job_params_init (RfJobParams *params, RfJobKind kind)
{
  g_return_if_fail (params != NULL);
  *params = (RfJobParams) {
    .kind = kind,
    .steps = RF_DEFAULT_STEPS,
    .guidance = NAN,
    .solver = RF_DEFAULT_INT,
    .inject = RF_DEFAULT_INT,
    .v_blocks = RF_DEFAULT_INT,
    .inpaint_method = RF_INPAINT_AUTO,
    .strength = 1.0,
  };
}

void
rf_job_result_free (RfJobResult *result)
{
  if (result == NULL)
    return;
  rf_image_free (result->image);
  rf_latent_free (result->latent);
  g_free (result);
}

RfLatent *
rf_latent_new (int channels, int height, int width, GError **error)
{
  gsize n = (gsize) channels * height * width;
  float *data = n ? g_try_new0 (float, n) : NULL;
  if (data == NULL)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY,
                   _("Out of memory for a %d×%d×%d latent"), channels, height, width);
      return NULL;
    }
  RfLatent *l = g_new0 (RfLatent, 1);
  l->channels = channels;
  l->height = height;
  l->width = width;
  l->data = data;
  return l;
}

void
rf_latent_free (RfLatent *latent)
{
  if (latent == NULL)
    return;
  g_free (latent->data);
  g_free (latent);
}

RfModelSet *
rf_model_set_new (void)
{
  return g_new0 (RfModelSet, 1);
}

RfModelSet *
rf_model_set_copy (const RfModelSet *set)
{
  g_return_val_if_fail (set != NULL, NULL);
  RfModelSet *c = rf_model_set_new ();
  c->flux = g_strdup (set->flux);
  c->fill = g_strdup (set->fill);
  c->ae = g_strdup (set->ae);
  c->clip = g_strdup (set->clip);
  c->t5 = g_strdup (set->t5);
  c->taef1 = g_strdup (set->taef1);
  c->clip_tokenizer = g_strdup (set->clip_tokenizer);
  c->t5_tokenizer = g_strdup (set->t5_tokenizer);
  c->test_model = set->test_model;
  return c;
}

void
rf_model_set_free (RfModelSet *set)
{
  if (set == NULL)
    return;
  g_free (set->flux);
  g_free (set->fill);
  g_free (set->ae);
  g_free (set->clip);
  g_free (set->t5);
  g_free (set->taef1);
  g_free (set->clip_tokenizer);
  g_free (set->t5_tokenizer);
  g_free (set);
}

const char *
rf_job_kind_name (RfJobKind kind)
{
  static const char *names[] = { "generate", "invert", "reconstruct", "edit", "inpaint" };
  return (guint) kind < G_N_ELEMENTS (names) ? names[kind] : "?";
}

const char *
rf_job_phase_name (RfJobPhase phase)
{
  static const char *names[] = { "load", "encode", "invert", "sample", "decode" };
  return (guint) phase < G_N_ELEMENTS (names) ? names[phase] : "?";
}
