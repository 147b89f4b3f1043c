/* rf-plugin-core.c — running jobs for the GIMP plug-ins. */
#include "rf-plugin-core.h"

#include <glib/gi18n-lib.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "rf-backend.h"
#include "rf-model-search.h"

typedef struct {
  RfPluginProgressFunc func;
  gpointer user_data;
} Progress;

/* Phases weighted roughly by their share of the time on the test model. */
static void
on_progress (RfJobPhase phase, guint step, guint n_steps, gpointer user_data)
{
  Progress *p = user_data;
  static const double start[] = { 0.0, 0.05, 0.15, 0.15, 0.9 };
  static const double span[] = { 0.05, 0.10, 0.75, 0.75, 0.1 };
  double f = start[phase] + span[phase] * (n_steps ? (double) step / n_steps : 1.0);
  if (p->func)
    p->func (MIN (f, 1.0), rf_job_phase_name (phase), p->user_data);
}

static RfModelSet *
resolve_models (const char *model, GError **error)
{
  g_autoptr (RfModelSet) set = rf_model_set_new ();
  if (model && *model)
    {
      gboolean fill = FALSE;
      if (!rf_model_set_classify_flux (model, &fill, error))
        return NULL;
      if (fill)
        set->fill = g_strdup (model);
      else
        set->flux = g_strdup (model);
    }
  g_autofree char *warning = NULL;
  g_auto (GStrv) dirs = rf_model_search_dirs (NULL, &warning);
  rf_model_set_complete (set, (const char *const *) dirs);
  if (set->flux || set->fill)
    return g_steal_pointer (&set);
  RfModelSet *test = rf_model_set_new_test ();
  if (test == NULL)
    g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MODEL_MISSING,
                 _("No FLUX.1 model is installed.\n%s"), rf_model_set_install_hint ());
  return test;
}

RfImage *
rf_plugin_run (const RfPluginJob *job, const RfImage *image, const RfImage *mask,
               RfPluginProgressFunc progress, gpointer user_data,
               GCancellable *cancellable, guint64 *seed_used, GError **error)
{
  g_return_val_if_fail (job != NULL && image != NULL, NULL);
  g_return_val_if_fail (mask == NULL || (mask->width == image->width
                                         && mask->height == image->height), NULL);

  g_autoptr (RfModelSet) set = resolve_models (job->model, error);
  if (set == NULL)
    return NULL;
  g_autoptr (RfBackend) backend = rf_backend_new_by_name (job->device, error);
  if (backend == NULL)
    return NULL;
  g_autoptr (RfPipeline) pipe = rf_pipeline_new (backend, set);

  Progress p = { progress, user_data };
  RfJobParams params;
  rf_job_params_init (&params, job->kind);
  params.prompt = job->prompt;
  params.source_prompt = job->source_prompt;
  params.steps = job->steps;
  params.seed = job->seed >= 0 ? (guint64) job->seed : g_random_int ();
  params.progress = on_progress;
  params.user_data = &p;
  params.cancellable = cancellable;
  if (job->kind == RF_JOB_GENERATE)
    {
      params.width = image->width;
      params.height = image->height;
    }
  else
    params.image = image;
  if (job->kind == RF_JOB_INPAINT)
    params.mask = mask;

  g_autoptr (RfJobResult) result = rf_pipeline_run (pipe, &params, error);
  if (result == NULL)
    return NULL;
  if (seed_used)
    *seed_used = result->seed;

  RfImage *out = rf_image_copy (image);
  const RfImage *made = result->image;
  g_autoptr (RfImage) resized = NULL;
  if (made->width != image->width || made->height != image->height)
    made = resized = rf_image_resize (made, image->width, image->height);
  /* through the mask; keeps the input's alpha so transparency survives */
  gsize n = (gsize) image->width * image->height;
  for (gsize i = 0; i < n; i++)
    {
      float m = mask ? CLAMP (mask->data[i], 0.0f, 1.0f) : 1.0f;
      if (m <= 0.0f)
        continue;
      for (int c = 0; c < 3; c++)
        out->data[i * 4 + c] = image->data[i * 4 + c] * (1.0f - m)
                               + made->data[i * 4 + c] * m;
      if (job->kind == RF_JOB_GENERATE)
        out->data[i * 4 + 3] = image->data[i * 4 + 3] * (1.0f - m) + m;
    }
  if (progress)
    progress (1.0, _("Done"), user_data);
  return out;
}

RfImage *
rf_plugin_image_from_buffer (GeglBuffer *buffer, const GeglRectangle *rect, gboolean mask)
{
  RfImage *image = rf_image_new (rect->width, rect->height, mask ? 1 : 4, NULL);
  g_return_val_if_fail (image != NULL, NULL);
  gegl_buffer_get (buffer, rect, 1.0, babl_format (mask ? "Y float" : "R'G'B'A float"),
                   image->data, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  image->bits = 32;
  return image;
}

void
rf_plugin_image_to_buffer (const RfImage *image, GeglBuffer *buffer, int x, int y)
{
  GeglRectangle rect = { x, y, image->width, image->height };
  gegl_buffer_set (buffer, &rect, 0,
                   babl_format (image->channels == 1 ? "Y float" : "R'G'B'A float"),
                   image->data, GEGL_AUTO_ROWSTRIDE);
}

gboolean
rf_plugin_mask_any (const RfImage *mask)
{
  gsize n = (gsize) mask->width * mask->height;
  for (gsize i = 0; i < n; i++)
    if (mask->data[i] > 0.0f)
      return TRUE;
  return FALSE;
}

void
rf_plugin_init_i18n (const char *localedir)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
}
