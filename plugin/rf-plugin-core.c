/* rf-plugin-core.c — running jobs for the GIMP plug-ins. */
#include "rf-plugin-core.h"

#include <glib/gi18n-lib.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "rf-backend.h"
#include "rf-model-search.h"
#include "vulkan/rf-vulkan.h"

typedef struct {
  RfPluginProgressFunc func;
  RfPluginPreviewFunc preview;
  gpointer user_data;
} Progress;

static void
on_preview (const RfImage *preview, guint step, guint n_steps, gpointer user_data)
{
  Progress *p = user_data;
  p->preview (preview, step, n_steps, p->user_data);
}

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
               RfPluginProgressFunc progress, RfPluginPreviewFunc preview,
               gpointer user_data, GCancellable *cancellable, guint64 *seed_used,
               GError **error)
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

  Progress p = { progress, preview, user_data };
  RfJobParams params;
  rf_job_params_init (&params, job->kind);
  params.prompt = job->prompt;
  params.source_prompt = job->source_prompt;
  params.steps = job->steps;
  /* random seeds stay within the PDB's int argument, so a shown seed can be reused */
  params.seed = job->seed >= 0 ? (guint64) job->seed : (guint64) g_random_int_range (0, G_MAXINT);
  params.progress = on_progress;
  if (preview)
    {
      params.preview = on_preview;
      params.preview_every = RF_PLUGIN_PREVIEW_EVERY;
    }
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

void
rf_plugin_model_free (RfPluginModel *model)
{
  if (model == NULL)
    return;
  g_free (model->value);
  g_free (model->label);
  g_free (model->missing);
  g_free (model);
}

/* What @set lacks for the three jobs, translated ("" when nothing). */
static char *
describe_missing (const RfModelSet *set)
{
  g_autoptr (GPtrArray) parts = g_ptr_array_new ();
  if (set->ae == NULL)
    g_ptr_array_add (parts, (gpointer) _("autoencoder"));
  if (!set->test_model && set->clip == NULL)
    g_ptr_array_add (parts, (gpointer) _("CLIP-L text encoder"));
  if (!set->test_model && set->t5 == NULL)
    g_ptr_array_add (parts, (gpointer) _("T5 text encoder"));
  if (set->fill == NULL)
    g_ptr_array_add (parts, (gpointer) _("Fill (inpainting blends instead)"));
  if (set->taef1 == NULL)
    g_ptr_array_add (parts, (gpointer) _("TAEF1 (slower previews)"));
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (", ", (char **) parts->pdata);
}

static RfPluginModel *
model_entry (const char *value, const RfModelSet *set, const char *name)
{
  RfPluginModel *m = g_new0 (RfPluginModel, 1);
  m->value = g_strdup (value);
  m->missing = describe_missing (set);
  m->label = *m->missing ? g_strdup_printf (_("%s (missing: %s)"), name, m->missing)
                         : g_strdup (name);
  return m;
}

GPtrArray *
rf_plugin_list_models (void)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_plugin_model_free);
  RfPluginModel *automatic = g_new0 (RfPluginModel, 1);
  automatic->value = g_strdup ("");
  automatic->label = g_strdup (_("Automatic (the installed models, else the test model)"));
  g_ptr_array_add (list, automatic);

  g_autofree char *warning = NULL;
  g_auto (GStrv) dirs = rf_model_search_dirs (NULL, &warning);
  g_autoptr (GPtrArray) files = rf_model_search ((const char *const *) dirs);
  for (guint i = 0; i < files->len; i++)
    {
      const RfModelEntry *e = g_ptr_array_index (files, i);
      gboolean fill = FALSE;
      if (!e->ok || !rf_model_set_classify_flux (e->path, &fill, NULL))
        continue;
      g_autoptr (RfModelSet) set = rf_model_set_new ();
      if (fill)
        set->fill = g_strdup (e->path);
      else
        set->flux = g_strdup (e->path);
      rf_model_set_complete (set, (const char *const *) dirs);
      g_autofree char *name = g_path_get_basename (e->path);
      g_ptr_array_add (list, model_entry (e->path, set, name));
    }
  g_autoptr (RfModelSet) test = rf_model_set_new_test ();
  if (test)
    g_ptr_array_add (list, model_entry (test->flux, test, _("Tiny test model (random weights)")));
  return list;
}

void
rf_plugin_list_devices (char ***values, char ***labels)
{
  g_autoptr (GStrvBuilder) v = g_strv_builder_new ();
  g_autoptr (GStrvBuilder) l = g_strv_builder_new ();
  g_strv_builder_add (v, "auto");
  g_strv_builder_add (l, _("Automatic"));
  g_strv_builder_add (v, "cpu");
  g_strv_builder_add (l, _("CPU"));
  GPtrArray *devices = NULL;
  if (rf_vulkan_list_devices ("auto", &devices, NULL) || devices)
    for (guint i = 0; devices && i < devices->len; i++)
      {
        const RfVulkanDeviceInfo *d = g_ptr_array_index (devices, i);
        if (!d->usable)
          continue;
        g_autofree char *value = g_strdup_printf ("vulkan:%d", d->index);
        g_autofree char *label = g_strdup_printf (_("Vulkan %d: %s (%s)"), d->index, d->name,
                                                  d->type);
        g_strv_builder_add (v, value);
        g_strv_builder_add (l, label);
      }
  if (devices)
    g_ptr_array_unref (devices);
  *values = g_strv_builder_end (v);
  *labels = g_strv_builder_end (l);
}

char *
rf_plugin_seed_text (const char *what, guint64 seed)
{
  /* the number formatted apart: gettext cannot see through G_GUINT64_FORMAT */
  g_autofree char *number = g_strdup_printf ("%" G_GUINT64_FORMAT, seed);
  return g_strdup_printf (_("%s (seed %s)"), what, number);
}
