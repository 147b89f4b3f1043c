/* rf-service-server.c — lock, socket, connections and methods of the
 * engine service (the job queue is in rf-service-worker.c).
 *
 * Who may talk to us: only processes of our own uid. Three fences: the
 * runtime directory is 0700 and the socket 0600; every accepted socket's
 * SO_PEERCRED uid must be ours; and the D-Bus EXTERNAL handshake's
 * credentials are checked again by the auth observer (they are the
 * credentials at handshake time, which matters if a peer changed uid
 * after connecting). Each peer is limited in message size and fd count
 * (rf-service-protocol.h) and must authenticate within a few seconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "rf-config.h"
#include "rf-service-error.h"
#include "rf-service-protocol.h"
#include "rf-service-server-private.h"

RfServicePeer *
rf_service_peer_ref (RfServicePeer *peer)
{
  g_atomic_int_inc (&peer->ref_count);
  return peer;
}

void
rf_service_peer_unref (RfServicePeer *peer)
{
  if (peer == NULL || !g_atomic_int_dec_and_test (&peer->ref_count))
    return;
  g_clear_object (&peer->conn);
  g_clear_object (&peer->stream);
  g_free (peer);
}

/* --- methods ---------------------------------------------------------- */

static GPtrArray *
take_inputs (GDBusMethodInvocation *inv, GVariant *inputs, GError **error)
{
  GUnixFDList *fds = g_dbus_message_get_unix_fd_list (g_dbus_method_invocation_get_message (inv));
  int n_fds = fds ? g_unix_fd_list_get_length (fds) : 0;
  g_autoptr (GPtrArray) bufs = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_service_buffer_free);
  GVariantIter it;
  const char *name;
  GVariant *meta;
  gint32 handle;
  g_variant_iter_init (&it, inputs);
  while (g_variant_iter_next (&it, "(&s@a{sv}h)", &name, &meta, &handle))
    {
      g_autoptr (GVariant) meta_owned = meta;
      if (handle < 0 || handle >= n_fds || rf_service_buffers_find (bufs, name) != NULL)
        {
          g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                       _("input buffer '%s' has no file descriptor or is given twice"), name);
          return NULL;
        }
      int fd = g_unix_fd_list_get (fds, handle, error);
      if (fd < 0)
        return NULL;
      RfServiceBuffer *b = rf_service_buffer_new_from_fd (name, fd, g_variant_ref (meta),
                                                          RF_SERVICE_MAX_BUFFER_BYTES, error);
      if (b == NULL)
        return NULL;
      g_ptr_array_add (bufs, b);
    }
  return g_steal_pointer (&bufs);
}

static void
method_submit (RfServicePeer *peer, GVariant *args, GDBusMethodInvocation *inv)
{
  RfServiceServer *s = peer->server;
  const char *type_name;
  g_autoptr (GVariant) params = NULL, inputs = NULL;
  g_variant_get (args, "(&s@a{sv}@a(sa{sv}h))", &type_name, &params, &inputs);
  g_autoptr (GError) error = NULL;
  const RfServiceJobType *type = rf_service_lookup_job_type (type_name);
  if (type == NULL)
    {
      g_auto (GStrv) names = rf_service_list_job_types ();
      g_autofree char *list = g_strjoinv (", ", names);
      g_dbus_method_invocation_return_error (inv, RF_SERVICE_ERROR, RF_SERVICE_ERROR_UNKNOWN_JOB,
                                             _("no job type '%s' (this service runs: %s)"),
                                             type_name, list);
      return;
    }
  GPtrArray *bufs = take_inputs (inv, inputs, &error);
  if (bufs == NULL)
    {
      g_dbus_method_invocation_return_gerror (inv, error);
      return;
    }
  g_mutex_lock (&s->lock);
  guint64 id = ++s->next_id;
  g_mutex_unlock (&s->lock);
  RfServiceJob *job = rf_service_job_new (id, type, g_steal_pointer (&params), bufs);
  job->owner = rf_service_peer_ref (peer);
  job->owner_free = (GDestroyNotify) rf_service_peer_unref;
  /* reply first: the job's signals must not overtake it */
  g_mutex_lock (&s->lock);
  gboolean full = s->stopping || g_queue_get_length (&s->queue) >= RF_SERVICE_MAX_QUEUE;
  g_mutex_unlock (&s->lock);
  if (full)
    {
      rf_service_worker_enqueue (s, job, &error); /* fails, frees the job */
      g_dbus_method_invocation_return_gerror (inv, error);
      return;
    }
  g_dbus_method_invocation_return_value (inv, g_variant_new ("(t)", id));
  if (!rf_service_worker_enqueue (s, job, &error))
    g_printerr ("rectify serve: job %" G_GUINT64_FORMAT ": %s\n", id, error->message);
}

static GVariant *
status_variant (RfServiceServer *s)
{
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  guint n_queued = 0;
  GVariant *jobs = rf_service_worker_list_jobs (s, &n_queued);
  g_auto (GStrv) types = rf_service_list_job_types ();
  g_variant_dict_insert (&d, "pid", "x", (gint64) getpid ());
  g_variant_dict_insert (&d, "version", "s", rf_service_protocol_version ());
  g_variant_dict_insert (&d, "uptime", "d", (g_get_monotonic_time () - s->start_us) / 1e6);
  g_variant_dict_insert (&d, "idle-timeout", "d", s->config.idle_timeout_s);
  g_variant_dict_insert (&d, "device", "s", rf_service_models_get_default_device (s->models));
  g_variant_dict_insert (&d, "budget-bytes", "t", rf_service_models_get_budget (s->models, NULL));
  g_variant_dict_insert (&d, "resident-bytes", "t", rf_service_models_get_resident (s->models, NULL));
  g_variant_dict_insert (&d, "queued", "u", n_queued);
  g_variant_dict_insert (&d, "connections", "u", g_list_length (s->peers));
  g_variant_dict_insert_value (&d, "jobs", jobs);
  g_variant_dict_insert_value (&d, "job-types", g_variant_new_strv ((const char *const *) types, -1));
  return g_variant_dict_end (&d);
}

/* After StopWhenIdle on a busy service: exits once the queue drains. */
static gboolean
on_stop_check (gpointer data)
{
  RfServiceServer *s = data;
  double idle_s = 0;
  if (!rf_service_worker_is_idle (s, &idle_s))
    return G_SOURCE_CONTINUE;
  s->stop_check_id = 0;
  g_main_loop_quit (s->loop);
  return G_SOURCE_REMOVE;
}

static void
method_call (GDBusConnection *conn, const char *sender, const char *path, const char *iface,
             const char *method, GVariant *args, GDBusMethodInvocation *inv, gpointer data)
{
  RfServicePeer *peer = data;
  RfServiceServer *s = peer->server;
  if (g_str_equal (method, "Submit"))
    method_submit (peer, args, inv);
  else if (g_str_equal (method, "Cancel"))
    {
      guint64 id;
      g_variant_get (args, "(t)", &id);
      g_dbus_method_invocation_return_value (inv, g_variant_new ("(b)",
                                                                 rf_service_worker_cancel (s, id)));
    }
  else if (g_str_equal (method, "Status"))
    g_dbus_method_invocation_return_value (inv, g_variant_new ("(@a{sv})", status_variant (s)));
  else if (g_str_equal (method, "ListModels"))
    g_dbus_method_invocation_return_value (inv, g_variant_new ("(@aa{sv})",
                                                               rf_service_models_list (s->models)));
  else if (g_str_equal (method, "StopWhenIdle"))
    {
      double idle_s = 0;
      gboolean now = rf_service_worker_is_idle (s, &idle_s);
      g_dbus_method_invocation_return_value (inv, g_variant_new ("(b)", now));
      g_dbus_connection_flush_sync (conn, NULL, NULL);
      if (now)
        g_main_loop_quit (s->loop);
      else if (s->stop_check_id == 0)
        s->stop_check_id = g_timeout_add (100, on_stop_check, s);
    }
  else if (g_str_equal (method, "Shutdown"))
    {
      g_dbus_method_invocation_return_value (inv, NULL);
      g_dbus_connection_flush_sync (conn, NULL, NULL);
      g_main_loop_quit (s->loop);
    }
  else
    g_dbus_method_invocation_return_error (inv, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "%s", method);
}

static const GDBusInterfaceVTable vtable = { method_call, NULL, NULL, { 0 } };

/* GDBus worker thread: refuses oversized bodies, too many fds and any
 * message that is not a method call, before they are dispatched. */
static GDBusMessage *
incoming_filter (GDBusConnection *conn, GDBusMessage *msg, gboolean incoming, gpointer data)
{
  if (!incoming)
    return msg;
  if (g_dbus_message_get_message_type (msg) != G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    {
      g_object_unref (msg);
      return NULL;
    }
  GVariant *body = g_dbus_message_get_body (msg);
  GUnixFDList *fds = g_dbus_message_get_unix_fd_list (msg);
  gsize size = body ? g_variant_get_size (body) : 0;
  int n_fds = fds ? g_unix_fd_list_get_length (fds) : 0;
  if (size <= RF_SERVICE_MAX_BODY_BYTES && n_fds <= RF_SERVICE_MAX_FDS)
    return msg;
  g_autoptr (GError) error = g_error_new (RF_SERVICE_ERROR, RF_SERVICE_ERROR_TOO_LARGE,
                                          _("message refused: %zu bytes and %d "
                                            "file descriptors (limits %u and %d)"),
                                          size, n_fds, RF_SERVICE_MAX_BODY_BYTES,
                                          RF_SERVICE_MAX_FDS);
  g_autofree char *name = g_dbus_error_encode_gerror (error);
  g_autoptr (GDBusMessage) reply = g_dbus_message_new_method_error_literal (msg, name,
                                                                            error->message);
  g_dbus_connection_send_message (conn, reply, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
  g_object_unref (msg);
  return NULL;
}

/* --- connections ------------------------------------------------------ */

static void
peer_drop (RfServicePeer *peer)
{
  RfServiceServer *s = peer->server;
  if (g_list_find (s->peers, peer) == NULL)
    return;
  g_atomic_int_set (&peer->closed, 1);
  s->peers = g_list_remove (s->peers, peer);
  if (peer->auth_timeout_id)
    g_source_remove (peer->auth_timeout_id);
  peer->auth_timeout_id = 0;
  /* a client that goes away (GIMP kills cancelled plug-ins) cancels its jobs */
  rf_service_worker_cancel_peer (s, peer);
  if (peer->conn != NULL)
    {
      if (peer->reg_id)
        g_dbus_connection_unregister_object (peer->conn, peer->reg_id);
      peer->reg_id = 0;
      g_signal_handlers_disconnect_by_data (peer->conn, peer);
      g_dbus_connection_close (peer->conn, NULL, NULL, NULL);
    }
  else
    g_socket_shutdown (g_socket_connection_get_socket (peer->stream), TRUE, TRUE, NULL);
  rf_service_peer_unref (peer);
}

static void
on_closed (GDBusConnection *conn, gboolean vanished, GError *error, gpointer data)
{
  peer_drop (data);
}

static gboolean
on_auth_timeout (gpointer data)
{
  RfServicePeer *peer = data;
  peer->auth_timeout_id = 0;
  /* shutdown wakes the handshake thread blocked in read (close would not) */
  g_socket_shutdown (g_socket_connection_get_socket (peer->stream), TRUE, TRUE, NULL);
  return G_SOURCE_REMOVE;
}

static void
on_connection_ready (GObject *source, GAsyncResult *res, gpointer data)
{
  RfServicePeer *peer = data;
  g_autoptr (GError) error = NULL;
  GDBusConnection *conn = g_dbus_connection_new_finish (res, &error);
  if (conn == NULL || g_atomic_int_get (&peer->closed))
    {
      g_clear_object (&conn);
      peer_drop (peer);
      rf_service_peer_unref (peer);
      return;
    }
  peer->conn = conn;
  if (peer->auth_timeout_id)
    g_source_remove (peer->auth_timeout_id);
  peer->auth_timeout_id = 0;
  g_dbus_connection_set_exit_on_close (conn, FALSE);
  g_dbus_connection_add_filter (conn, incoming_filter, NULL, NULL);
  peer->reg_id = g_dbus_connection_register_object (conn, RF_SERVICE_OBJECT_PATH,
                                                    peer->server->node->interfaces[0], &vtable,
                                                    peer, NULL, &error);
  g_signal_connect (conn, "closed", G_CALLBACK (on_closed), peer);
  if (peer->reg_id == 0 || g_dbus_connection_is_closed (conn))
    peer_drop (peer);
  else
    g_dbus_connection_start_message_processing (conn);
  rf_service_peer_unref (peer);
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *stream, GObject *source, gpointer data)
{
  RfServiceServer *s = data;
  GSocket *sock = g_socket_connection_get_socket (stream);
  g_autoptr (GCredentials) creds = g_socket_get_credentials (sock, NULL);
  uid_t uid = creds ? g_credentials_get_unix_user (creds, NULL) : (uid_t) -1;
  if (uid != getuid () || g_list_length (s->peers) >= RF_SERVICE_MAX_CONNECTIONS)
    {
      g_printerr (uid != getuid ()
                    ? _("rectify serve: refused a connection from uid %d\n")
                    : _("rectify serve: refused a connection: too many clients\n"), (int) uid);
      g_io_stream_close (G_IO_STREAM (stream), NULL, NULL);
      return TRUE;
    }
  RfServicePeer *peer = g_new0 (RfServicePeer, 1);
  peer->ref_count = 1;
  peer->server = s;
  peer->stream = g_object_ref (stream);
  s->peers = g_list_prepend (s->peers, peer);
  peer->auth_timeout_id = g_timeout_add (RF_SERVICE_AUTH_TIMEOUT_MS, on_auth_timeout, peer);
  g_dbus_connection_new (G_IO_STREAM (stream), s->guid,
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_SERVER
                           | G_DBUS_CONNECTION_FLAGS_DELAY_MESSAGE_PROCESSING,
                         s->observer, NULL, on_connection_ready, rf_service_peer_ref (peer));
  return TRUE;
}

static gboolean
on_allow_mechanism (GDBusAuthObserver *observer, const char *mechanism, gpointer data)
{
  return g_strcmp0 (mechanism, "EXTERNAL") == 0;
}

static gboolean
on_authorize (GDBusAuthObserver *observer, GIOStream *stream, GCredentials *creds,
              gpointer data)
{
  return creds != NULL && g_credentials_get_unix_user (creds, NULL) == getuid ();
}

/* --- lock, socket, lifetime -------------------------------------------- */

static gboolean
socket_answers (const char *path)
{
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  g_strlcpy (sa.sun_path, path, sizeof sa.sun_path);
  gboolean ok = fd >= 0 && connect (fd, (struct sockaddr *) &sa, sizeof sa) == 0;
  if (fd >= 0)
    close (fd);
  return ok;
}

/* Takes the per-user lock. A holder that does not answer on the socket
 * is on its way out: wait for it (up to 5 s) rather than leave nobody. */
static RfServiceRunResult
take_lock (RfServiceServer *s, GError **error)
{
  g_autofree char *dir = rf_service_runtime_dir ();
  g_autofree char *lock_path = g_build_filename (dir, "service.lock", NULL);
  s->lock_fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (s->lock_fd < 0)
    {
      int err = errno;
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_UNAVAILABLE,
                   _("cannot open %s: %s"), lock_path, g_strerror (err));
      return RF_SERVICE_RUN_FAILED;
    }
  for (int i = 0; i < 250; i++)
    {
      if (flock (s->lock_fd, LOCK_EX | LOCK_NB) == 0)
        return RF_SERVICE_RUN_EXITED;
      if (socket_answers (s->socket_path))
        return RF_SERVICE_RUN_ALREADY_RUNNING;
      g_usleep (20000);
    }
  g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_UNAVAILABLE,
               _("another service holds %s but does not answer"), lock_path);
  return RF_SERVICE_RUN_FAILED;
}

static GSocket *
listen_socket (RfServiceServer *s, GError **error)
{
  /* systemd socket activation: one inherited listening socket, fd 3 */
  const char *pid = g_getenv ("LISTEN_PID"), *n = g_getenv ("LISTEN_FDS");
  if (pid && n && atol (pid) == (long) getpid () && atoi (n) == 1)
    {
      g_unsetenv ("LISTEN_PID");
      g_unsetenv ("LISTEN_FDS");
      return g_socket_new_from_fd (3, error);
    }
  g_unlink (s->socket_path); /* stale: we hold the lock */
  g_autoptr (GSocket) sock = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_DEFAULT, error);
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (s->socket_path);
  if (sock == NULL)
    return NULL;
  mode_t old = umask (0177);
  gboolean ok = g_socket_bind (sock, addr, FALSE, error);
  umask (old);
  if (!ok || chmod (s->socket_path, 0600) != 0)
    {
      if (ok)
        g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_UNAVAILABLE,
                     _("cannot restrict %s"), s->socket_path);
      return NULL;
    }
  s->bound_socket = TRUE;
  g_socket_set_listen_backlog (sock, 64);
  if (!g_socket_listen (sock, error))
    return NULL;
  return g_steal_pointer (&sock);
}

static gboolean
on_idle_check (gpointer data)
{
  RfServiceServer *s = data;
  double idle_s = 0;
  if (rf_service_worker_is_idle (s, &idle_s) && idle_s >= s->config.idle_timeout_s)
    {
      g_main_loop_quit (s->loop);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
server_shutdown (RfServiceServer *s)
{
  /* stop accepting and vanish from the file system while still holding
   * the lock, so a new instance can start cleanly right after */
  if (s->listener)
    {
      g_socket_service_stop (s->listener);
      g_socket_listener_close (G_SOCKET_LISTENER (s->listener));
    }
  if (s->bound_socket)
    g_unlink (s->socket_path);
  rf_service_worker_stop (s);
  while (s->peers != NULL)
    peer_drop (s->peers->data);
  /* let pending close/unregister callbacks run before the models go */
  while (g_main_context_iteration (s->ctx, FALSE))
    ;
  g_clear_pointer (&s->models, rf_service_models_free);
  if (s->lock_fd >= 0)
    close (s->lock_fd);
}

static void
server_free (RfServiceServer *s)
{
  g_clear_object (&s->listener);
  g_clear_pointer (&s->node, g_dbus_node_info_unref);
  g_clear_object (&s->observer);
  g_clear_pointer (&s->loop, g_main_loop_unref);
  g_clear_pointer (&s->jobs, g_hash_table_destroy);
  g_mutex_clear (&s->lock);
  g_cond_clear (&s->cond);
  g_free (s->guid);
  g_free (s->socket_path);
  g_free (s);
}

RfServiceRunResult
rf_service_server_run (const RfServiceConfig *config, int ready_fd, GError **error)
{
  if (!rf_service_ensure_runtime_dir (error))
    return RF_SERVICE_RUN_FAILED;
  RfServiceServer *s = g_new0 (RfServiceServer, 1);
  s->config = *config;
  s->lock_fd = -1;
  s->socket_path = rf_service_socket_path ();
  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  s->jobs = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                   (GDestroyNotify) rf_service_job_unref);
  RfServiceRunResult result = take_lock (s, error);
  if (result != RF_SERVICE_RUN_EXITED)
    {
      if (s->lock_fd >= 0)
        close (s->lock_fd);
      server_free (s);
      return result;
    }
  g_autoptr (GSocket) sock = listen_socket (s, error);
  if (sock == NULL)
    {
      close (s->lock_fd);
      server_free (s);
      return RF_SERVICE_RUN_FAILED;
    }
  (void) rf_service_error_quark (); /* registers the D-Bus error names */
  s->ctx = g_main_context_ref_thread_default ();
  s->loop = g_main_loop_new (s->ctx, FALSE);
  s->node = g_dbus_node_info_new_for_xml (rf_service_introspection_xml (), NULL);
  s->guid = g_dbus_generate_guid ();
  s->observer = g_dbus_auth_observer_new ();
  g_signal_connect (s->observer, "allow-mechanism", G_CALLBACK (on_allow_mechanism), s);
  g_signal_connect (s->observer, "authorize-authenticated-peer", G_CALLBACK (on_authorize), s);
  s->models = rf_service_models_new (config->device, config->budget);
  s->start_us = s->last_activity_us = g_get_monotonic_time ();
  s->listener = g_socket_service_new ();
  if (!g_socket_listener_add_socket (G_SOCKET_LISTENER (s->listener), sock, NULL, error))
    {
      server_shutdown (s);
      g_main_context_unref (s->ctx);
      server_free (s);
      return RF_SERVICE_RUN_FAILED;
    }
  g_signal_connect (s->listener, "incoming", G_CALLBACK (on_incoming), s);
  rf_service_worker_start (s);
  g_socket_service_start (s->listener);
  guint idle_id = 0;
  if (config->idle_timeout_s > 0)
    idle_id = g_timeout_add (CLAMP ((guint) (config->idle_timeout_s * 250), 10, 1000),
                             on_idle_check, s);
  if (ready_fd >= 0)
    {
      if (write (ready_fd, "R", 1) != 1)
        g_printerr ("rectify serve: cannot report readiness: %s\n", g_strerror (errno));
      close (ready_fd);
    }
  g_main_loop_run (s->loop);
  if (idle_id && g_main_context_find_source_by_id (s->ctx, idle_id))
    g_source_remove (idle_id);
  if (s->stop_check_id)
    g_source_remove (s->stop_check_id);
  server_shutdown (s);
  g_main_context_unref (s->ctx);
  server_free (s);
  return RF_SERVICE_RUN_EXITED;
}
