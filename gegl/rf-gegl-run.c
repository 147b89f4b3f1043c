/* rf-gegl-run.c — running a Rectify job in the engine service for the
 * GEGL ops. This module links only the service's client side
 * (rf_service_client_dep): no Vulkan, no model code in the host. */
#include "rf-gegl-run.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "rf-service-pipeline.h"

/* @rect of @buffer (moved to the origin) as a new image: RGBA in
 * "R'G'B'A float", or one channel in "Y float" for a mask. */
static RfImage *
image_from_buffer (GeglBuffer *buffer, const GeglRectangle *rect, gboolean mask,
                   GError **error)
{
  RfImage *image = rf_image_new (rect->width, rect->height, mask ? 1 : 4, error);
  if (image == NULL)
    return NULL;
  gegl_buffer_get (buffer, rect, 1.0, babl_format (mask ? "Y float" : "R'G'B'A float"),
                   image->data, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  return image;
}

static gboolean
kind_from_command (const char *command, RfJobKind *kind)
{
  static const RfJobKind kinds[] = { RF_JOB_INPAINT, RF_JOB_EDIT, RF_JOB_GENERATE };
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_strcmp0 (command, rf_job_kind_name (kinds[i])) == 0)
      {
        *kind = kinds[i];
        return TRUE;
      }
  return FALSE;
}

typedef struct {
  GeglOperation *operation;
  gboolean inverted;   /* an edit's inversion was seen: sampling is its second half */
} Progress;

/* The service's phases → GEGL progress: 0.1 once the job is sent, the
 * sampling steps between 0.1 and 0.95 (an edit's inversion gets the first
 * half); 1 when the result is in the buffer. */
static void
on_progress (RfJobPhase phase, guint step, guint n_steps, gpointer user_data)
{
  Progress *p = user_data;
  if ((phase != RF_PHASE_INVERT && phase != RF_PHASE_SAMPLE) || n_steps == 0)
    return;
  if (phase == RF_PHASE_INVERT)
    p->inverted = TRUE;
  double share = p->inverted ? 0.5 : 1.0;
  double base = p->inverted && phase == RF_PHASE_SAMPLE ? 0.5 : 0.0;
  double f = 0.1 + 0.85 * (base + share * MIN (step, n_steps) / n_steps);
  gegl_operation_progress (p->operation, MIN (f, 0.95),
                           (char *) _("Rectify: running the model"));
}

static void
on_notice (const char *message, gpointer user_data)
{
  Progress *p = user_data;
  /* the plan and the test-model warning: for whoever asks (G_MESSAGES_DEBUG) */
  g_info ("%s: %s", gegl_operation_get_name (p->operation), message);
}

/* The result at @rect's size (the pipeline may work at another size). */
static void
write_result (const RfImage *made, GeglBuffer *output, const GeglRectangle *rect)
{
  g_autoptr (RfImage) resized = NULL;
  if (made->width != rect->width || made->height != rect->height)
    made = resized = rf_image_resize (made, rect->width, rect->height);
  gegl_buffer_set (output, rect, 0, babl_format ("R'G'B'A float"), made->data,
                   GEGL_AUTO_ROWSTRIDE);
}

static gboolean
run_in_service (GeglOperation *operation, const RfGeglJob *job, GeglBuffer *input,
                GeglBuffer *mask, GeglBuffer *output, const GeglRectangle *rect, GError **error)
{
  RfJobKind kind;
  if (!kind_from_command (job->command, &kind))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("unknown job '%s'"),
                   job->command);
      return FALSE;
    }
  gegl_operation_progress (operation, 0.0, (char *) _("Rectify: connecting to the service"));
  g_autoptr (RfImage) image = input ? image_from_buffer (input, rect, FALSE, error) : NULL;
  g_autoptr (RfImage) mask_image = mask ? image_from_buffer (mask, rect, TRUE, error) : NULL;
  if ((input && image == NULL) || (mask && mask_image == NULL))
    return FALSE;

  g_autoptr (RfServiceClient) client = rf_service_client_new (RF_SERVICE_CLIENT_START, error);
  if (client == NULL)
    return FALSE;
  g_autoptr (RfServiceModelSetInfo) info = rf_service_pipeline_resolve_model_set (client,
                                                                                  job->model,
                                                                                  error);
  if (info == NULL)
    return FALSE;

  Progress p = { operation, FALSE };
  RfJobParams params;
  rf_job_params_init (&params, kind);
  params.prompt = job->prompt ? job->prompt : "";
  params.source_prompt = job->source_prompt && *job->source_prompt ? job->source_prompt : NULL;
  if (job->steps > 0)
    params.steps = (guint) job->steps;
  if (job->strength > 0)
    params.strength = job->strength;
  params.seed = job->seed >= 0 ? (guint64) job->seed : (guint64) g_random_int_range (0, G_MAXINT);
  params.image = image;
  params.mask = mask_image;
  if (image == NULL)
    {
      params.width = rect->width;
      params.height = rect->height;
    }
  params.progress = on_progress;
  params.notice = on_notice;
  params.user_data = &p;
  const char *device = job->device && *job->device ? job->device : NULL;

  gegl_operation_progress (operation, 0.1, (char *) _("Rectify: running the model"));
  g_autoptr (RfJobResult) result = rf_service_pipeline_run (client, info->set, device, &params,
                                                            error);
  if (result == NULL)
    return FALSE;
  if (result->image == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("the service returned no image"));
      return FALSE;
    }
  write_result (result->image, output, rect);
  return TRUE;
}

gboolean
rf_gegl_run (GeglOperation *operation, const RfGeglJob *job, GeglBuffer *input,
             GeglBuffer *mask, GeglBuffer *output, const GeglRectangle *rect, GError **error)
{
  gboolean ok = run_in_service (operation, job, input, mask, output, rect, error);
  gegl_operation_progress (operation, 1.0, (char *) "");
  return ok;
}
