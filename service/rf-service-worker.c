/* rf-service-worker.c — the job queue and the one thread that runs jobs.
 *
 * Jobs run strictly one after another in submission order: the worker
 * owns the GPU and the resident models. The main thread only queues,
 * cancels and reports; signals to clients are sent from whichever thread
 * has news (GDBusConnection is thread-safe).
 */
#include <gio/gunixfdlist.h>
#include <glib/gi18n-lib.h>

#include "rf-service-error.h"
#include "rf-service-protocol.h"
#include "rf-service-server-private.h"

#define KEEP_FINISHED 64

static GDBusConnection *
job_connection (RfServiceJob *job)
{
  RfServicePeer *peer = job->owner;
  return peer && !g_atomic_int_get (&peer->closed) ? peer->conn : NULL;
}

static void
hook_progress (RfServiceJob *job, const char *phase, int done, int total)
{
  GDBusConnection *conn = job_connection (job);
  if (conn != NULL)
    g_dbus_connection_emit_signal (conn, NULL, RF_SERVICE_OBJECT_PATH, RF_SERVICE_INTERFACE,
                                   "Progress",
                                   g_variant_new ("(tsii)", job->id, phase, done, total), NULL);
}

static void
hook_preview (RfServiceJob *job, int step, RfServiceBuffer *image)
{
  GDBusConnection *conn = job_connection (job);
  if (conn == NULL)
    return;
  g_autoptr (GUnixFDList) fds = g_unix_fd_list_new ();
  if (g_unix_fd_list_append (fds, image->fd, NULL) < 0)
    return;
  g_autoptr (GDBusMessage) msg = g_dbus_message_new_signal (RF_SERVICE_OBJECT_PATH,
                                                            RF_SERVICE_INTERFACE, "Preview");
  g_dbus_message_set_body (msg, g_variant_new ("(ti@a{sv}h)", job->id, step, image->meta, 0));
  g_dbus_message_set_unix_fd_list (msg, fds);
  g_dbus_connection_send_message (conn, msg, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
}

static void
hook_notice (RfServiceJob *job, const char *message)
{
  GDBusConnection *conn = job_connection (job);
  if (conn != NULL)
    g_dbus_connection_emit_signal (conn, NULL, RF_SERVICE_OBJECT_PATH, RF_SERVICE_INTERFACE,
                                   "Notice", g_variant_new ("(ts)", job->id, message), NULL);
}

static const RfServiceJobHooks job_hooks = { hook_progress, hook_preview, hook_notice };

void
rf_service_send_finished (RfServiceJob *job, gboolean ok, const GError *error)
{
  GDBusConnection *conn = job_connection (job);
  if (conn == NULL)
    return;
  g_autoptr (GUnixFDList) fds = g_unix_fd_list_new ();
  GVariantBuilder outs;
  g_variant_builder_init (&outs, G_VARIANT_TYPE ("a(sa{sv}h)"));
  for (guint i = 0; ok && i < job->outputs->len; i++)
    {
      RfServiceBuffer *b = g_ptr_array_index (job->outputs, i);
      int idx = g_unix_fd_list_append (fds, b->fd, NULL);
      if (idx >= 0)
        g_variant_builder_add (&outs, "(s@a{sv}h)", b->name, b->meta, idx);
    }
  g_autoptr (GVariant) detail = g_variant_ref_sink (g_variant_dict_end (job->error_detail));
  GVariantDict err;
  g_variant_dict_init (&err, ok ? NULL : detail);
  if (!ok)
    {
      RfServiceErrorCode code = rf_service_error_classify (error);
      g_variant_dict_insert (&err, "kind", "s", rf_service_error_kind_name (code));
      g_variant_dict_insert (&err, "message", "s", error ? error->message : _("failed"));
      if (error != NULL)
        {
          g_variant_dict_insert (&err, "domain", "s", g_quark_to_string (error->domain));
          g_variant_dict_insert (&err, "code", "i", error->code);
        }
    }
  g_autoptr (GDBusMessage) msg = g_dbus_message_new_signal (RF_SERVICE_OBJECT_PATH,
                                                            RF_SERVICE_INTERFACE, "Finished");
  g_dbus_message_set_body (msg, g_variant_new ("(tb@a{sv}@a{sv}a(sa{sv}h))", job->id, ok,
                                               g_variant_dict_end (&err),
                                               g_variant_dict_end (job->result), &outs));
  g_dbus_message_set_unix_fd_list (msg, fds);
  g_dbus_connection_send_message (conn, msg, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
}

/* Records the end of @job (its Finished already sent) and drops its
 * buffers and peer; keeps a short history for Status. Called with the
 * server lock held. */
static void
finish_locked (RfServiceServer *s, RfServiceJob *job, RfServiceJobState state)
{
  g_mutex_lock (&job->lock);
  job->state = state;
  job->finished_us = g_get_monotonic_time ();
  g_mutex_unlock (&job->lock);
  g_ptr_array_set_size (job->outputs, 0);
  g_clear_pointer (&job->inputs, g_ptr_array_unref);
  /* the record stays for Status; the peer need not */
  if (job->owner_free)
    job->owner_free (job->owner);
  job->owner = NULL;
  job->owner_free = NULL;
  s->last_activity_us = g_get_monotonic_time ();
  g_queue_push_tail (&s->finished, GSIZE_TO_POINTER ((gsize) job->id));
  while (g_queue_get_length (&s->finished) > KEEP_FINISHED)
    {
      guint64 old = GPOINTER_TO_SIZE (g_queue_pop_head (&s->finished));
      g_hash_table_remove (s->jobs, &old);
    }
}

/* After a failure: recreate a lost device, add memory numbers. */
static void
handle_failure (RfServiceServer *s, RfServiceJob *job, GError **error)
{
  RfServiceErrorCode code = rf_service_error_classify (*error);
  if (code == RF_SERVICE_ERROR_DEVICE_LOST)
    {
      const char *device = NULL;
      g_variant_lookup (job->params, "device", "&s", &device);
      g_autoptr (GError) reset_error = NULL;
      gboolean reset = rf_service_models_reset_device (s->models, device, &reset_error);
      rf_service_job_set_error_detail (job, "device-reset", g_variant_new_boolean (reset));
      g_prefix_error (error, reset ? _("the GPU device was lost; the service recreated it "
                                       "and dropped its models, run the job again: ")
                                   : _("the GPU device was lost and could not be recreated "
                                       "(%s): "),
                      reset_error ? reset_error->message : "");
    }
  else if (code == RF_SERVICE_ERROR_OUT_OF_MEMORY)
    {
      const char *device = NULL;
      g_variant_lookup (job->params, "device", "&s", &device);
      guint64 budget = rf_service_models_get_budget (s->models, device);
      guint64 resident = rf_service_models_get_resident (s->models, device);
      rf_service_job_set_error_detail (job, "budget-bytes", g_variant_new_uint64 (budget));
      rf_service_job_set_error_detail (job, "resident-bytes", g_variant_new_uint64 (resident));
    }
}

static gpointer
worker_main (gpointer data)
{
  RfServiceServer *s = data;
  for (;;)
    {
      g_mutex_lock (&s->lock);
      while (!s->stopping && g_queue_is_empty (&s->queue))
        g_cond_wait (&s->cond, &s->lock);
      if (s->stopping)
        {
          g_mutex_unlock (&s->lock);
          break;
        }
      RfServiceJob *job = g_queue_pop_head (&s->queue);
      s->running = job;
      g_mutex_lock (&job->lock);
      job->state = RF_SERVICE_JOB_RUNNING;
      job->started_us = g_get_monotonic_time ();
      g_mutex_unlock (&job->lock);
      g_mutex_unlock (&s->lock);

      job->models = s->models;
      job->hooks = &job_hooks;
      g_autoptr (GError) error = NULL;
      gboolean ok = rf_service_job_check_cancelled (job, &error)
                    && job->type->run (job, job->params, job->inputs, &error);
      if (!ok && error == NULL)
        g_set_error (&error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_FAILED,
                     _("job type '%s' failed without saying why"), job->type->name);
      rf_service_models_unpin_all (s->models);
      if (!ok)
        handle_failure (s, job, &error);
      RfServiceJobState end = ok ? RF_SERVICE_JOB_DONE
                              : rf_service_error_classify (error) == RF_SERVICE_ERROR_CANCELLED
                                  ? RF_SERVICE_JOB_CANCELLED : RF_SERVICE_JOB_FAILED;
      /* the state first: a client that asks for Status once it has the
       * result sees the job ended */
      g_mutex_lock (&job->lock);
      job->state = end;
      g_mutex_unlock (&job->lock);
      rf_service_send_finished (job, ok, error);

      g_mutex_lock (&s->lock);
      s->running = NULL;
      finish_locked (s, job, end);
      g_mutex_unlock (&s->lock);
      rf_service_job_unref (job);
    }
  return NULL;
}

void
rf_service_worker_start (RfServiceServer *s)
{
  s->worker = g_thread_new ("rectify-worker", worker_main, s);
}

void
rf_service_worker_stop (RfServiceServer *s)
{
  g_autoptr (GError) error = g_error_new (RF_SERVICE_ERROR, RF_SERVICE_ERROR_CANCELLED,
                                          _("the service is shutting down"));
  g_mutex_lock (&s->lock);
  s->stopping = TRUE;
  if (s->running)
    g_cancellable_cancel (s->running->cancellable);
  RfServiceJob *job;
  while ((job = g_queue_pop_head (&s->queue)) != NULL)
    {
      rf_service_send_finished (job, FALSE, error);
      finish_locked (s, job, RF_SERVICE_JOB_CANCELLED);
      rf_service_job_unref (job);
    }
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
  if (s->worker)
    g_thread_join (g_steal_pointer (&s->worker));
}

gboolean
rf_service_worker_enqueue (RfServiceServer *s, RfServiceJob *job, GError **error)
{
  g_mutex_lock (&s->lock);
  if (s->stopping || g_queue_get_length (&s->queue) >= RF_SERVICE_MAX_QUEUE)
    {
      g_mutex_unlock (&s->lock);
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_BUSY,
                   s->stopping ? _("the service is shutting down")
                               : _("the service already has %d jobs waiting"),
                   RF_SERVICE_MAX_QUEUE);
      rf_service_job_unref (job);
      return FALSE;
    }
  g_hash_table_insert (s->jobs, &job->id, rf_service_job_ref (job));
  g_queue_push_tail (&s->queue, job);
  s->last_activity_us = g_get_monotonic_time ();
  g_cond_signal (&s->cond);
  g_mutex_unlock (&s->lock);
  return TRUE;
}

/* Drops queued @job and reports it cancelled. Lock held. */
static void
cancel_queued_locked (RfServiceServer *s, RfServiceJob *job)
{
  g_autoptr (GError) error = g_error_new (RF_SERVICE_ERROR, RF_SERVICE_ERROR_CANCELLED,
                                          _("the job was cancelled"));
  g_queue_remove (&s->queue, job);
  rf_service_send_finished (job, FALSE, error);
  finish_locked (s, job, RF_SERVICE_JOB_CANCELLED);
  rf_service_job_unref (job);
}

gboolean
rf_service_worker_cancel (RfServiceServer *s, guint64 id)
{
  gboolean known = FALSE;
  g_mutex_lock (&s->lock);
  RfServiceJob *job = g_hash_table_lookup (s->jobs, &id);
  if (job != NULL && job == s->running)
    {
      g_cancellable_cancel (job->cancellable);
      known = TRUE;
    }
  else if (job != NULL && g_queue_find (&s->queue, job))
    {
      cancel_queued_locked (s, job);
      known = TRUE;
    }
  g_mutex_unlock (&s->lock);
  return known;
}

void
rf_service_worker_cancel_peer (RfServiceServer *s, RfServicePeer *peer)
{
  g_mutex_lock (&s->lock);
  if (s->running && s->running->owner == peer)
    g_cancellable_cancel (s->running->cancellable);
  for (GList *l = s->queue.head; l != NULL;)
    {
      GList *next = l->next;
      RfServiceJob *job = l->data;
      if (job->owner == peer)
        cancel_queued_locked (s, job);
      l = next;
    }
  g_mutex_unlock (&s->lock);
}

gboolean
rf_service_worker_is_idle (RfServiceServer *s, double *idle_seconds)
{
  g_mutex_lock (&s->lock);
  gboolean idle = s->running == NULL && g_queue_is_empty (&s->queue);
  *idle_seconds = (g_get_monotonic_time () - s->last_activity_us) / 1e6;
  g_mutex_unlock (&s->lock);
  return idle;
}

GVariant *
rf_service_worker_list_jobs (RfServiceServer *s, guint *n_queued)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  g_mutex_lock (&s->lock);
  *n_queued = g_queue_get_length (&s->queue);
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init (&it, s->jobs);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      RfServiceJob *job = value;
      g_mutex_lock (&job->lock);
      g_variant_builder_open (&b, G_VARIANT_TYPE ("a{sv}"));
      g_variant_builder_add (&b, "{sv}", "id", g_variant_new_uint64 (job->id));
      g_variant_builder_add (&b, "{sv}", "type", g_variant_new_string (job->type->name));
      g_variant_builder_add (&b, "{sv}", "state",
                             g_variant_new_string (rf_service_job_state_name (job->state)));
      g_variant_builder_add (&b, "{sv}", "phase", g_variant_new_string (job->phase ? job->phase : ""));
      g_variant_builder_add (&b, "{sv}", "done", g_variant_new_int32 (job->done));
      g_variant_builder_add (&b, "{sv}", "total", g_variant_new_int32 (job->total));
      gint64 end = job->finished_us ? job->finished_us : g_get_monotonic_time ();
      if (job->started_us)
        g_variant_builder_add (&b, "{sv}", "seconds",
                               g_variant_new_double ((end - job->started_us) / 1e6));
      g_variant_builder_close (&b);
      g_mutex_unlock (&job->lock);
    }
  g_mutex_unlock (&s->lock);
  return g_variant_builder_end (&b);
}
