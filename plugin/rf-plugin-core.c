/* rf-plugin-core.c — running jobs for the GIMP plug-ins: in the engine
 * service, or in the plug-in process. */
#include "rf-plugin-core.h"

#include <glib/gi18n-lib.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "rf-backend.h"
#include "vulkan/rf-vulkan.h"

typedef struct {
  RfPluginProgressFunc func;
  RfPluginPreviewFunc preview;
  gpointer user_data;
  gboolean two_passes;   /* an edit: inversion, then sampling */
} Progress;

static void
on_preview (const RfImage *preview, guint step, guint n_steps, gpointer user_data)
{
  Progress *p = user_data;
  p->preview (preview, step, n_steps, p->user_data);
}

/* Phases weighted roughly by their share of the time on the test model;
 * an edit's inversion and sampling share the model's span, one half each,
 * so the bar never goes back. */
static void
on_progress (RfJobPhase phase, guint step, guint n_steps, gpointer user_data)
{
  Progress *p = user_data;
  static const double start[] = { 0.0, 0.05, 0.15, 0.15, 0.9 };
  static const double span[] = { 0.05, 0.10, 0.75, 0.75, 0.1 };
  double s0 = start[phase], sp = span[phase];
  if (p->two_passes && (phase == RF_PHASE_INVERT || phase == RF_PHASE_SAMPLE))
    {
      sp /= 2;
      s0 += phase == RF_PHASE_SAMPLE ? sp : 0;
    }
  double f = s0 + sp * (n_steps ? (double) MIN (step, n_steps) / n_steps : 1.0);
  if (p->func)
    p->func (MIN (f, 1.0), rf_job_phase_name (phase), p->user_data);
}

gboolean
rf_plugin_env_local (void)
{
  const char *v = g_getenv ("RECTIFY_LOCAL");
  return v && *v && g_strcmp0 (v, "0") != 0 && g_ascii_strcasecmp (v, "no") != 0
         && g_ascii_strcasecmp (v, "false") != 0;
}

RfServiceClient *
rf_plugin_service_client (GError **error)
{
  if (rf_plugin_env_local ())
    return NULL;
  return rf_service_client_new (RF_SERVICE_CLIENT_START, error);
}

/* In the service: the set resolved there, the models it keeps loaded. */
static RfJobResult *
run_in_service (RfServiceClient *client, const RfPluginJob *job, const RfJobParams *params,
                GError **error)
{
  g_autoptr (RfServiceModelSetInfo) info = rf_service_pipeline_resolve_model_set (client,
                                                                                  job->model,
                                                                                  error);
  if (info == NULL)
    return NULL;
  return rf_service_pipeline_run (client, info->set, job->device, params, error);
}

/* In this process (RECTIFY_LOCAL, or no service to be had). */
static RfJobResult *
run_here (const RfPluginJob *job, const RfJobParams *params, GError **error)
{
  g_autoptr (RfModelSet) set = rf_plugin_resolve_models (job->model, error);
  if (set == NULL)
    return NULL;
  g_autoptr (RfBackend) backend = rf_backend_new_by_name (job->device, error);
  if (backend == NULL)
    return NULL;
  g_autoptr (RfPipeline) pipe = rf_pipeline_new (backend, set);
  return rf_pipeline_run (pipe, params, error);
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

  Progress p = { progress, preview, user_data, job->kind == RF_JOB_EDIT };
  RfJobParams params;
  rf_job_params_init (&params, job->kind);
  params.prompt = job->prompt;
  params.source_prompt = job->source_prompt;
  params.steps = job->steps;
  params.strength = job->strength;
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

  g_autoptr (GError) why = NULL;
  g_autoptr (RfServiceClient) client = rf_plugin_service_client (&why);
  if (client == NULL && why != NULL)
    {
      g_autofree char *notice = g_strdup_printf (_("The Rectify engine service is not available "
                                                   "(%s): running in the plug-in instead."),
                                                 why->message);
      g_printerr ("rectify: %s\n", notice);
      if (progress)
        progress (0.0, notice, user_data);
    }
  g_autoptr (RfJobResult) result = client ? run_in_service (client, job, &params, error)
                                           : run_here (job, &params, error);
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
