/* rf-service-job.c — the job type registry and the job context API. */
#include <glib/gi18n-lib.h>

#include "rf-service-error.h"
#include "rf-service-job-private.h"

static GMutex registry_lock;
static GHashTable *registry; /* name → const RfServiceJobType* */

gboolean
rf_service_register_job_type (const RfServiceJobType *type)
{
  g_return_val_if_fail (type != NULL && type->name != NULL && type->run != NULL, FALSE);
  g_mutex_lock (&registry_lock);
  if (registry == NULL)
    registry = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean added = !g_hash_table_contains (registry, type->name);
  if (added)
    g_hash_table_insert (registry, (gpointer) type->name, (gpointer) type);
  g_mutex_unlock (&registry_lock);
  return added;
}

const RfServiceJobType *
rf_service_lookup_job_type (const char *name)
{
  g_mutex_lock (&registry_lock);
  const RfServiceJobType *t = registry && name ? g_hash_table_lookup (registry, name) : NULL;
  g_mutex_unlock (&registry_lock);
  return t;
}

static int
cmp_str (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

char **
rf_service_list_job_types (void)
{
  GPtrArray *names = g_ptr_array_new ();
  g_mutex_lock (&registry_lock);
  if (registry != NULL)
    {
      GHashTableIter it;
      gpointer key;
      g_hash_table_iter_init (&it, registry);
      while (g_hash_table_iter_next (&it, &key, NULL))
        g_ptr_array_add (names, g_strdup (key));
    }
  g_mutex_unlock (&registry_lock);
  g_ptr_array_sort (names, cmp_str);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

RfServiceJob *
rf_service_job_new (guint64 id, const RfServiceJobType *type, GVariant *params,
                    GPtrArray *inputs)
{
  RfServiceJob *job = g_new0 (RfServiceJob, 1);
  job->ref_count = 1;
  job->id = id;
  job->type = type;
  job->params = g_variant_ref_sink (params);
  job->inputs = inputs;
  job->outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_service_buffer_free);
  job->result = g_variant_dict_new (NULL);
  job->error_detail = g_variant_dict_new (NULL);
  job->cancellable = g_cancellable_new ();
  g_mutex_init (&job->lock);
  job->state = RF_SERVICE_JOB_QUEUED;
  job->submitted_us = g_get_monotonic_time ();
  return job;
}

RfServiceJob *
rf_service_job_ref (RfServiceJob *job)
{
  g_atomic_int_inc (&job->ref_count);
  return job;
}

void
rf_service_job_unref (RfServiceJob *job)
{
  if (job == NULL || !g_atomic_int_dec_and_test (&job->ref_count))
    return;
  if (job->owner_free)
    job->owner_free (job->owner);
  g_variant_unref (job->params);
  g_clear_pointer (&job->inputs, g_ptr_array_unref);
  g_ptr_array_unref (job->outputs);
  g_variant_dict_unref (job->result);
  g_variant_dict_unref (job->error_detail);
  g_object_unref (job->cancellable);
  g_mutex_clear (&job->lock);
  g_free (job->phase);
  g_free (job);
}

const char *
rf_service_job_state_name (RfServiceJobState state)
{
  static const char *const names[] = { "queued", "running", "done", "failed", "cancelled" };
  return (guint) state < G_N_ELEMENTS (names) ? names[state] : "unknown";
}

guint64
rf_service_job_get_id (RfServiceJob *job)
{
  return job->id;
}

RfServiceModels *
rf_service_job_get_models (RfServiceJob *job)
{
  return job->models;
}

GCancellable *
rf_service_job_get_cancellable (RfServiceJob *job)
{
  return job->cancellable;
}

gboolean
rf_service_job_check_cancelled (RfServiceJob *job, GError **error)
{
  if (!g_cancellable_is_cancelled (job->cancellable))
    return TRUE;
  g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_CANCELLED, _("the job was cancelled"));
  return FALSE;
}

gboolean
rf_service_job_progress (RfServiceJob *job, const char *phase, int done, int total,
                         GError **error)
{
  g_mutex_lock (&job->lock);
  if (g_strcmp0 (job->phase, phase) != 0)
    {
      g_free (job->phase);
      job->phase = g_strdup (phase);
    }
  job->done = done;
  job->total = total;
  g_mutex_unlock (&job->lock);
  if (job->hooks && job->hooks->progress)
    job->hooks->progress (job, phase, done, total);
  return rf_service_job_check_cancelled (job, error);
}

void
rf_service_job_preview (RfServiceJob *job, int step, RfServiceBuffer *image)
{
  if (job->hooks && job->hooks->preview)
    job->hooks->preview (job, step, image);
  rf_service_buffer_free (image);
}

void
rf_service_job_notice (RfServiceJob *job, const char *message)
{
  if (job->hooks && job->hooks->notice)
    job->hooks->notice (job, message);
}

void
rf_service_job_add_output (RfServiceJob *job, RfServiceBuffer *buffer)
{
  g_return_if_fail (buffer != NULL && buffer->sealed);
  g_ptr_array_add (job->outputs, buffer);
}

void
rf_service_job_set_result (RfServiceJob *job, const char *key, GVariant *value)
{
  g_variant_dict_insert_value (job->result, key, value);
}

void
rf_service_job_set_error_detail (RfServiceJob *job, const char *key, GVariant *value)
{
  g_variant_dict_insert_value (job->error_detail, key, value);
}

static void
load_progress (gpointer data, const char *path, int done, int total)
{
  RfServiceJob *job = data;
  if (job->hooks && job->hooks->progress)
    job->hooks->progress (job, "load-model", done, total);
}

gpointer
rf_service_job_get_model (RfServiceJob *job, const RfServiceModelKind *kind, const char *path,
                          const char *device, GError **error)
{
  if (!rf_service_job_check_cancelled (job, error))
    return NULL;
  return rf_service_models_get (job->models, kind, path, device, load_progress, job, error);
}

static gboolean
param_lookup (GVariant *params, const char *key, const GVariantType *type, gboolean required,
              GVariant **out, GError **error)
{
  g_autoptr (GVariant) v = g_variant_lookup_value (params, key, NULL);
  if (v == NULL && !required)
    return TRUE;
  if (v == NULL || !g_variant_is_of_type (v, type))
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                   v ? _("parameter '%s' must be of type %s") : _("parameter '%s' is missing"),
                   key, g_variant_type_peek_string (type));
      return FALSE;
    }
  *out = g_steal_pointer (&v);
  return TRUE;
}

gboolean
rf_service_param_string (GVariant *params, const char *key, gboolean required,
                         const char **out, GError **error)
{
  g_autoptr (GVariant) v = NULL;
  if (!param_lookup (params, key, G_VARIANT_TYPE_STRING, required, &v, error))
    return FALSE;
  if (v != NULL)
    /* the string lives in @params, which outlives the job's use of it */
    g_variant_lookup (params, key, "&s", out);
  return TRUE;
}

gboolean
rf_service_param_int (GVariant *params, const char *key, gboolean required, int min, int max,
                      int *out, GError **error)
{
  g_autoptr (GVariant) v = NULL;
  if (!param_lookup (params, key, G_VARIANT_TYPE_INT32, required, &v, error))
    return FALSE;
  if (v == NULL)
    return TRUE;
  int x = g_variant_get_int32 (v);
  if (x < min || x > max)
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                   _("parameter '%s' must be in [%d, %d]"), key, min, max);
      return FALSE;
    }
  *out = x;
  return TRUE;
}

gboolean
rf_service_param_double (GVariant *params, const char *key, gboolean required, double min,
                         double max, double *out, GError **error)
{
  g_autoptr (GVariant) v = NULL;
  if (!param_lookup (params, key, G_VARIANT_TYPE_DOUBLE, required, &v, error))
    return FALSE;
  if (v == NULL)
    return TRUE;
  double x = g_variant_get_double (v);
  if (!(x >= min && x <= max))
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                   _("parameter '%s' must be in [%g, %g]"), key, min, max);
      return FALSE;
    }
  *out = x;
  return TRUE;
}

RfServiceBuffer *
rf_service_input (GPtrArray *inputs, const char *name, GError **error)
{
  RfServiceBuffer *b = rf_service_buffers_find (inputs, name);
  if (b == NULL)
    g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                 _("input buffer '%s' is missing"), name);
  return b;
}
