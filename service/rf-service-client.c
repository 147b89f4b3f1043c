/* rf-service-client.c — connecting to (and starting) the service, running
 * jobs over it.
 *
 * Signals carry file descriptors, which GDBus signal subscriptions do not
 * hand out, so a message filter (GDBus's worker thread) queues every
 * signal of our interface and wakes the client's private main context;
 * the waiting thread drains the queue. The connection's "closed" signal
 * is delivered in the same context, so a service that dies mid-job ends
 * the wait with RF_SERVICE_ERROR_DISCONNECTED.
 */
#include <inttypes.h>
#include <gio/gunixfdlist.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gi18n-lib.h>
#include <signal.h>
#include <string.h>
#include "rf-config.h"

#include "rf-service-client.h"
#include "rf-service-error.h"
#include "rf-service-protocol.h"

/* what the filter shares with the client; outlives it if need be */
typedef struct {
  GAsyncQueue *queue;   /* GDBusMessage* signals */
  GMainContext *ctx;
} Inbox;

struct _RfServiceClient {
  RfServiceClientFlags flags;
  GMainContext *ctx;
  GDBusConnection *conn;
  Inbox *inbox;
  guint filter_id;
  gboolean closed;
  guint64 last_job;
  GVariant *last_error;   /* error dict of the last failed job */
};

static void
inbox_clear (Inbox *in)
{
  g_async_queue_unref (in->queue);
  g_main_context_unref (in->ctx);
}

static void
inbox_unref (gpointer data)
{
  g_rc_box_release_full (data, (GDestroyNotify) inbox_clear);
}

static GDBusMessage *
signal_filter (GDBusConnection *conn, GDBusMessage *msg, gboolean incoming, gpointer data)
{
  Inbox *in = data;
  if (incoming && g_dbus_message_get_message_type (msg) == G_DBUS_MESSAGE_TYPE_SIGNAL
      && g_strcmp0 (g_dbus_message_get_interface (msg), RF_SERVICE_INTERFACE) == 0)
    {
      g_async_queue_push (in->queue, g_object_ref (msg));
      g_main_context_wakeup (in->ctx);
    }
  return msg;
}

static void
on_closed (GDBusConnection *conn, gboolean vanished, GError *error, gpointer data)
{
  RfServiceClient *c = data;
  c->closed = TRUE;
}

static void
disconnect (RfServiceClient *c)
{
  if (c->conn == NULL)
    return;
  g_signal_handlers_disconnect_by_data (c->conn, c);
  g_dbus_connection_remove_filter (c->conn, c->filter_id);
  g_dbus_connection_close_sync (c->conn, NULL, NULL);
  g_clear_object (&c->conn);
  GDBusMessage *m;
  while ((m = g_async_queue_try_pop (c->inbox->queue)) != NULL)
    g_object_unref (m);
}

static gboolean
try_connect (RfServiceClient *c, GError **error)
{
  g_autofree char *path = rf_service_socket_path ();
  g_autoptr (GSocketClient) sc = g_socket_client_new ();
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (path);
  g_autoptr (GSocketConnection) stream = g_socket_client_connect (sc, G_SOCKET_CONNECTABLE (addr),
                                                                  NULL, error);
  if (stream == NULL)
    return FALSE;
  g_main_context_push_thread_default (c->ctx);
  c->conn = g_dbus_connection_new_sync (G_IO_STREAM (stream), NULL,
                                        G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL,
                                        error);
  if (c->conn != NULL)
    {
      c->closed = FALSE;
      g_signal_connect (c->conn, "closed", G_CALLBACK (on_closed), c);
      c->filter_id = g_dbus_connection_add_filter (c->conn, signal_filter,
                                                   g_rc_box_acquire (c->inbox), inbox_unref);
    }
  g_main_context_pop_thread_default (c->ctx);
  return c->conn != NULL;
}

/* The `rectify` executable of this process, when it is the CLI (set by
 * rf_service_client_set_serve_program). Not guessed from the executable's
 * name: the GIMP 3 plug-in is also called `rectify`. */
static char *serve_program;

void
rf_service_client_set_serve_program (const char *program)
{
  static GMutex lock;
  g_mutex_lock (&lock);
  g_free (serve_program);
  serve_program = g_strdup (program);
  g_mutex_unlock (&lock);
}

/* The command that starts the service (see rf-service-client.h). */
static char **
serve_command (GError **error)
{
  const char *env = g_getenv ("RECTIFY_SERVE_COMMAND");
  if (env && *env)
    {
      char **argv = NULL;
      return g_shell_parse_argv (env, NULL, &argv, error) ? argv : NULL;
    }
  g_autofree char *installed = g_build_filename (RECTIFY_BINDIR, "rectify", NULL);
  g_autofree char *found = NULL;
  const char *exe = NULL;
  if (serve_program != NULL)
    exe = serve_program;
  else if (g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE))
    exe = installed;
  else if ((found = g_find_program_in_path ("rectify")) != NULL)
    exe = found;
  if (exe == NULL)
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_UNAVAILABLE,
                   _("cannot find the rectify program to start the service (install it or set "
                     "RECTIFY_SERVE_COMMAND)"));
      return NULL;
    }
  char **argv = g_new0 (char *, 4);
  argv[0] = g_strdup (exe);
  argv[1] = g_strdup ("serve");
  argv[2] = g_strdup ("--daemon");
  return argv;
}

gboolean
rf_service_start (GError **error)
{
  g_auto (GStrv) argv = serve_command (error);
  if (argv == NULL)
    return FALSE;
  g_autofree char *err_text = NULL;
  int status = 0;
  g_autoptr (GError) spawn_error = NULL;
  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                     NULL, NULL, &err_text, &status, &spawn_error)
      || !g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_UNAVAILABLE,
                   _("could not start the service (%s): %s"), argv[0],
                   spawn_error ? spawn_error->message
                               : err_text && *err_text ? g_strstrip (err_text)
                                                       : _("it failed without a message"));
      return FALSE;
    }
  return TRUE;
}

static gboolean connect_or_start (RfServiceClient *c, GError **error);
static GVariant *call (RfServiceClient *c, const char *method, GVariant *args,
                       const char *reply_type, GError **error);

/* The version the connected service reports ("?" when it does not). */
static char *
service_version (RfServiceClient *c, gint64 *pid, gboolean *busy, GError **error)
{
  g_autoptr (GVariant) r = call (c, "Status", NULL, "(a{sv})", error);
  if (r == NULL)
    return NULL;
  g_autoptr (GVariant) st = g_variant_get_child_value (r, 0);
  const char *version = "?";
  guint32 queued = 0;
  g_variant_lookup (st, "version", "&s", &version);
  g_variant_lookup (st, "pid", "x", pid);
  g_variant_lookup (st, "queued", "u", &queued);
  *busy = queued > 0;
  g_autoptr (GVariant) jobs = g_variant_lookup_value (st, "jobs", G_VARIANT_TYPE ("aa{sv}"));
  GVariantIter it;
  GVariant *job;
  if (jobs)
    {
      g_variant_iter_init (&it, jobs);
      while ((job = g_variant_iter_next_value (&it)) != NULL)
        {
          const char *state = "";
          g_variant_lookup (job, "state", "&s", &state);
          *busy |= g_str_equal (state, "running") || g_str_equal (state, "queued");
          g_variant_unref (job);
        }
    }
  return g_strdup (version);
}

static gboolean
pid_gone (gint64 pid, double timeout_s)
{
  gint64 end = g_get_monotonic_time () + (gint64) (timeout_s * 1e6);
  while (pid > 0 && kill ((pid_t) pid, 0) == 0)
    {
      /* a zombie (a service we started ourselves, not yet reaped) is gone too */
      g_autofree char *path = g_strdup_printf ("/proc/%" G_GINT64_FORMAT "/stat", pid);
      g_autofree char *stat = NULL;
      const char *paren = g_file_get_contents (path, &stat, NULL, NULL) ? strrchr (stat, ')') : NULL;
      if (paren && paren[1] && paren[2] == 'Z')
        return TRUE;
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_usleep (20000);
    }
  return TRUE;
}

/* Makes sure the service speaks our version: see rf-service-client.h. */
static gboolean
check_version (RfServiceClient *c, GError **error)
{
  gint64 pid = 0;
  gboolean busy = FALSE;
  g_autofree char *version = service_version (c, &pid, &busy, error);
  if (version == NULL)
    return FALSE;
  if (g_str_equal (version, RECTIFY_VERSION))
    return TRUE;
  /* ask it to go when idle; services before StopWhenIdle only know Shutdown */
  g_autoptr (GError) stop_error = NULL;
  g_autoptr (GVariant) r = call (c, "StopWhenIdle", NULL, "(b)", &stop_error);
  gboolean now = FALSE;
  if (r != NULL)
    g_variant_get (r, "(b)", &now);
  else if (!busy)
    {
      g_autoptr (GVariant) s = call (c, "Shutdown", NULL, "()", NULL);
      now = s != NULL;
    }
  if (!now)
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_UNAVAILABLE,
                   _("the running Rectify service (pid %" PRId64 ") is version %s but "
                     "this program is version %s, and it is busy with jobs; it will exit when "
                     "they are done (or stop it with 'rectify serve --stop'), then try again"),
                   pid, version, RECTIFY_VERSION);
      return FALSE;
    }
  disconnect (c);
  if (!pid_gone (pid, 20))
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_UNAVAILABLE,
                   _("the Rectify service of version %s (pid %" PRId64 ") was asked to "
                     "stop for this version %s but did not exit"), version, pid, RECTIFY_VERSION);
      return FALSE;
    }
  if (!connect_or_start (c, error))
    return FALSE;
  g_autofree char *again = service_version (c, &pid, &busy, error);
  if (again == NULL)
    return FALSE;
  if (!g_str_equal (again, RECTIFY_VERSION))
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_UNAVAILABLE,
                   _("the Rectify service this program starts is version %s but this program "
                     "is version %s: install matching versions, set RECTIFY_SERVE_COMMAND, or "
                     "run in process (--local or RECTIFY_LOCAL=1)"), again, RECTIFY_VERSION);
      return FALSE;
    }
  return TRUE;
}

static gboolean
connect_or_start (RfServiceClient *c, GError **error)
{
  g_autoptr (GError) first = NULL;
  if (try_connect (c, &first))
    return TRUE;
  g_autofree char *path = rf_service_socket_path ();
  if (!(c->flags & RF_SERVICE_CLIENT_START))
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_UNAVAILABLE,
                   _("no Rectify service answers on %s (%s)"), path, first->message);
      return FALSE;
    }
  if (!rf_service_start (error))
    return FALSE;
  /* the starter returns once the service listens; a service that was just
   * exiting idle may have made our starter step aside, so retry briefly */
  for (int i = 0; i < 3; i++)
    {
      g_autoptr (GError) again = NULL;
      if (try_connect (c, &again))
        return TRUE;
      if (i == 2)
        {
          g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_UNAVAILABLE,
                       _("the service was started but does not answer on %s (%s)"), path,
                       again->message);
          return FALSE;
        }
      if (!rf_service_start (error))
        return FALSE;
    }
  return FALSE;
}

RfServiceClient *
rf_service_client_new (RfServiceClientFlags flags, GError **error)
{
  (void) rf_service_error_quark (); /* D-Bus error names → our codes */
  RfServiceClient *c = g_new0 (RfServiceClient, 1);
  c->flags = flags;
  c->ctx = g_main_context_new ();
  c->inbox = g_rc_box_new0 (Inbox);
  c->inbox->queue = g_async_queue_new_full (g_object_unref);
  c->inbox->ctx = g_main_context_ref (c->ctx);
  if (!connect_or_start (c, error)
      || ((flags & RF_SERVICE_CLIENT_START) && !check_version (c, error)))
    {
      rf_service_client_free (c);
      return NULL;
    }
  return c;
}

void
rf_service_client_free (RfServiceClient *c)
{
  if (c == NULL)
    return;
  disconnect (c);
  while (g_main_context_iteration (c->ctx, FALSE))
    ;
  inbox_unref (c->inbox);
  g_main_context_unref (c->ctx);
  g_clear_pointer (&c->last_error, g_variant_unref);
  g_free (c);
}

GDBusConnection *
rf_service_client_get_connection (RfServiceClient *c)
{
  return c->conn;
}

GVariant *
rf_service_client_get_last_error (RfServiceClient *c)
{
  return c->last_error;
}

guint64
rf_service_client_get_last_job (RfServiceClient *c)
{
  return c->last_job;
}

static GVariant *
call (RfServiceClient *c, const char *method, GVariant *args, const char *reply_type,
      GError **error)
{
  if (c->conn == NULL || c->closed)
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_DISCONNECTED,
                   _("the connection to the Rectify service is closed"));
      return NULL;
    }
  GVariant *r = g_dbus_connection_call_sync (c->conn, NULL, RF_SERVICE_OBJECT_PATH,
                                             RF_SERVICE_INTERFACE, method, args,
                                             G_VARIANT_TYPE (reply_type),
                                             G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (r == NULL && error && *error)
    g_dbus_error_strip_remote_error (*error);
  return r;
}

GVariant *
rf_service_client_status (RfServiceClient *c, GError **error)
{
  g_autoptr (GVariant) r = call (c, "Status", NULL, "(a{sv})", error);
  return r ? g_variant_get_child_value (r, 0) : NULL;
}

GVariant *
rf_service_client_list_models (RfServiceClient *c, GError **error)
{
  g_autoptr (GVariant) r = call (c, "ListModels", NULL, "(aa{sv})", error);
  return r ? g_variant_get_child_value (r, 0) : NULL;
}

gboolean
rf_service_client_cancel (RfServiceClient *c, guint64 id, GError **error)
{
  g_autoptr (GVariant) r = call (c, "Cancel", g_variant_new ("(t)", id), "(b)", error);
  gboolean known = FALSE;
  if (r)
    g_variant_get (r, "(b)", &known);
  return known;
}

gboolean
rf_service_client_shutdown (RfServiceClient *c, GError **error)
{
  g_autoptr (GVariant) r = call (c, "Shutdown", NULL, "()", error);
  return r != NULL;
}


/* --- running a job ------------------------------------------------------ */

typedef struct {
  guint64 job;
  const RfServiceJobCallbacks *cb;
  gboolean finished;
  gboolean cancel_sent;
  GPtrArray *outputs;
  GVariant *result;
  GVariant *error_dict;
  GError *error;
} Wait;

static GError *
error_from_dict (GVariant *err)
{
  const char *kind = "failed", *message = NULL;
  g_variant_lookup (err, "kind", "&s", &kind);
  g_variant_lookup (err, "message", "&s", &message);
  RfServiceErrorCode code = rf_service_error_from_kind (kind);
  guint64 budget = 0, resident = 0;
  if (code == RF_SERVICE_ERROR_OUT_OF_MEMORY && g_variant_lookup (err, "budget-bytes", "t", &budget)
      && g_variant_lookup (err, "resident-bytes", "t", &resident) && message
      && strstr (message, "budget") == NULL)
    return g_error_new (RF_SERVICE_ERROR, code,
                        _("%s (service memory budget %.1f MiB, %.1f MiB held by resident models)"),
                        message, budget / 1048576.0, resident / 1048576.0);
  return g_error_new_literal (RF_SERVICE_ERROR, code,
                              message ? message : _("the job failed without a message"));
}

static GPtrArray *
buffers_from_variant (GVariant *list, GUnixFDList *fds, GError **error)
{
  g_autoptr (GPtrArray) bufs = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_service_buffer_free);
  int n_fds = fds ? g_unix_fd_list_get_length (fds) : 0;
  GVariantIter it;
  const char *name;
  GVariant *meta;
  gint32 handle;
  g_variant_iter_init (&it, list);
  while (g_variant_iter_next (&it, "(&s@a{sv}h)", &name, &meta, &handle))
    {
      int fd = handle >= 0 && handle < n_fds ? g_unix_fd_list_get (fds, handle, NULL) : -1;
      if (fd < 0)
        {
          g_variant_unref (meta);
          g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_PROTOCOL,
                       _("output '%s' came without its file descriptor"), name);
          return NULL;
        }
      RfServiceBuffer *b = rf_service_buffer_new_from_fd (name, fd, meta, G_MAXUINT64, error);
      if (b == NULL)
        return NULL;
      g_ptr_array_add (bufs, b);
    }
  return g_steal_pointer (&bufs);
}

static void
handle_signal (Wait *w, GDBusMessage *msg)
{
  GVariant *body = g_dbus_message_get_body (msg);
  const char *member = g_dbus_message_get_member (msg);
  guint64 job = 0;
  if (body == NULL || !g_variant_is_of_type (body, G_VARIANT_TYPE_TUPLE)
      || g_variant_n_children (body) < 1)
    return;
  g_variant_get_child (body, 0, "t", &job);
  if (job != w->job || w->finished)
    return;
  GUnixFDList *fds = g_dbus_message_get_unix_fd_list (msg);
  if (g_str_equal (member, "Progress") && g_variant_is_of_type (body, G_VARIANT_TYPE ("(tsii)")))
    {
      const char *phase;
      int done, total;
      g_variant_get (body, "(t&sii)", NULL, &phase, &done, &total);
      if (w->cb && w->cb->progress)
        w->cb->progress (w->cb->user_data, phase, done, total);
    }
  else if (g_str_equal (member, "Preview")
           && g_variant_is_of_type (body, G_VARIANT_TYPE ("(tia{sv}h)")))
    {
      int step;
      gint32 handle;
      GVariant *meta;
      g_variant_get (body, "(ti@a{sv}h)", NULL, &step, &meta, &handle);
      int fd = fds && handle >= 0 && handle < g_unix_fd_list_get_length (fds)
                 ? g_unix_fd_list_get (fds, handle, NULL) : -1;
      g_autoptr (RfServiceBuffer) image = fd >= 0
        ? rf_service_buffer_new_from_fd ("preview", fd, meta, G_MAXUINT64, NULL) : NULL;
      if (fd < 0)
        g_variant_unref (meta);
      if (image && w->cb && w->cb->preview)
        w->cb->preview (w->cb->user_data, step, image);
    }
  else if (g_str_equal (member, "Notice") && g_variant_is_of_type (body, G_VARIANT_TYPE ("(ts)")))
    {
      const char *message;
      g_variant_get (body, "(t&s)", NULL, &message);
      if (w->cb && w->cb->notice)
        w->cb->notice (w->cb->user_data, message);
    }
  else if (g_str_equal (member, "Finished")
           && g_variant_is_of_type (body, G_VARIANT_TYPE ("(tba{sv}a{sv}a(sa{sv}h))")))
    {
      gboolean ok;
      g_autoptr (GVariant) err = NULL, outs = NULL;
      g_variant_get (body, "(tb@a{sv}@a{sv}@a(sa{sv}h))", NULL, &ok, &err, &w->result, &outs);
      w->finished = TRUE;
      if (!ok)
        {
          w->error = error_from_dict (err);
          w->error_dict = g_steal_pointer (&err);
        }
      else
        w->outputs = buffers_from_variant (outs, fds, &w->error);
    }
}

static gboolean
on_cancelled (GCancellable *cancellable, gpointer data)
{
  return G_SOURCE_REMOVE;
}

/* Submits the job; NULL and *retry when the connection had closed under
 * us before the service accepted it (a service exiting idle). */
static gboolean
submit (RfServiceClient *c, const char *type, GVariant *params, GPtrArray *inputs,
        guint64 *job, gboolean *retry, GError **error)
{
  g_autoptr (GUnixFDList) fds = g_unix_fd_list_new ();
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(sa{sv}h)"));
  for (guint i = 0; inputs != NULL && i < inputs->len; i++)
    {
      RfServiceBuffer *buf = g_ptr_array_index (inputs, i);
      g_return_val_if_fail (buf->sealed, FALSE);
      int idx = g_unix_fd_list_append (fds, buf->fd, error);
      if (idx < 0)
        {
          g_variant_builder_clear (&b);
          return FALSE;
        }
      g_variant_builder_add (&b, "(s@a{sv}h)", buf->name, buf->meta, idx);
    }
  *retry = FALSE;
  if (c->conn == NULL || c->closed)
    {
      g_variant_builder_clear (&b);
      *retry = TRUE;
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_DISCONNECTED,
                   _("the connection to the Rectify service is closed"));
      return FALSE;
    }
  g_autoptr (GVariant) r = g_dbus_connection_call_with_unix_fd_list_sync (
    c->conn, NULL, RF_SERVICE_OBJECT_PATH, RF_SERVICE_INTERFACE, "Submit",
    g_variant_new ("(s@a{sv}a(sa{sv}h))", type, params, &b), G_VARIANT_TYPE ("(t)"),
    G_DBUS_CALL_FLAGS_NONE, -1, fds, NULL, NULL, error);
  if (r == NULL)
    {
      if (error && *error)
        g_dbus_error_strip_remote_error (*error);
      *retry = g_dbus_connection_is_closed (c->conn)
               || g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CLOSED);
      return FALSE;
    }
  g_variant_get (r, "(t)", job);
  return TRUE;
}

GPtrArray *
rf_service_client_run (RfServiceClient *c, const char *type, GVariant *params, GPtrArray *inputs,
                       const RfServiceJobCallbacks *callbacks, GCancellable *cancellable,
                       GVariant **result, GError **error)
{
  g_return_val_if_fail (c != NULL && type != NULL, NULL);
  g_autoptr (GVariant) p = g_variant_ref_sink (params ? params : g_variant_new ("a{sv}", NULL));
  Wait w = { 0 };
  w.cb = callbacks;
  g_clear_pointer (&c->last_error, g_variant_unref);
  gboolean retry = FALSE;
  g_autoptr (GError) submit_error = NULL;
  if (!submit (c, type, p, inputs, &w.job, &retry, &submit_error))
    {
      if (!retry || !(c->flags & RF_SERVICE_CLIENT_START))
        {
          g_propagate_error (error, g_steal_pointer (&submit_error));
          return NULL;
        }
      g_clear_error (&submit_error);
      disconnect (c);
      if (!connect_or_start (c, error) || !submit (c, type, p, inputs, &w.job, &retry, error))
        return NULL;
    }
  c->last_job = w.job;

  GSource *cancel_source = NULL;
  if (cancellable)
    {
      cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (cancel_source, (GSourceFunc) (void (*) (void)) on_cancelled, NULL,
                             NULL);
      g_source_attach (cancel_source, c->ctx);
    }
  for (;;)
    {
      GDBusMessage *msg;
      while (!w.finished && (msg = g_async_queue_try_pop (c->inbox->queue)) != NULL)
        {
          handle_signal (&w, msg);
          g_object_unref (msg);
        }
      if (w.finished || c->closed)
        break;
      if (cancellable && !w.cancel_sent && g_cancellable_is_cancelled (cancellable))
        {
          w.cancel_sent = TRUE;
          g_dbus_connection_call (c->conn, NULL, RF_SERVICE_OBJECT_PATH, RF_SERVICE_INTERFACE,
                                  "Cancel", g_variant_new ("(t)", w.job), NULL,
                                  G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
          g_source_destroy (cancel_source);
        }
      g_main_context_iteration (c->ctx, TRUE);
    }
  if (cancel_source)
    {
      g_source_destroy (cancel_source);
      g_source_unref (cancel_source);
    }
  if (!w.finished)
    {
      g_clear_pointer (&w.result, g_variant_unref);
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_DISCONNECTED,
                   _("the Rectify service stopped while running job %" PRIu64
                     " (it crashed or was killed); your data is safe, run the job again to "
                     "start a new service"), w.job);
      return NULL;
    }
  c->last_error = w.error_dict;
  if (w.error != NULL)
    {
      g_clear_pointer (&w.result, g_variant_unref);
      g_propagate_error (error, w.error);
      return NULL;
    }
  if (result)
    *result = w.result;
  else
    g_clear_pointer (&w.result, g_variant_unref);
  return w.outputs;
}
