/* test-service.c — the service's job layer and lifetime with the test
 * server's deterministic jobs: two clients in parallel, cancellation of
 * one (running or queued) leaving the other alone, a client that goes
 * away cancelling its job, kill -9 mid-job, concurrent starts, idle exit,
 * progress and previews, structured errors. */
#include <dirent.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixsocketaddress.h>

#include "rf-service-error.h"
#include "rf-service-protocol.h"
#include "service-test-util.h"

typedef struct {
  int steps, ms;
  int cancel_at;            /* cancel once progress reaches this step; -1 never */
  pid_t kill_pid;           /* kill -9 on the first progress; 0 never */
  GCancellable *cancellable;
  int last_step;
  int n_previews;
  gboolean preview_ok;
  GPtrArray *outputs;
  GVariant *result;
  GError *error;
  gint64 finished_us;
} Run;

static void
on_progress (gpointer data, const char *phase, int done, int total)
{
  Run *r = data;
  if (g_str_equal (phase, "step"))
    r->last_step = done;
  if (r->cancel_at >= 0 && done >= r->cancel_at)
    g_cancellable_cancel (r->cancellable);
  if (r->kill_pid > 0)
    {
      kill (r->kill_pid, SIGKILL);
      r->kill_pid = 0;
    }
}

static void
on_preview (gpointer data, int step, const RfServiceBuffer *image)
{
  Run *r = data;
  const char *format = NULL;
  int w = 0, h = 0;
  g_variant_lookup (image->meta, "format", "&s", &format);
  g_variant_lookup (image->meta, "width", "i", &w);
  g_variant_lookup (image->meta, "height", "i", &h);
  /* red of every pixel encodes the step (see test-service-server.c) */
  gboolean ok = g_strcmp0 (format, "rgb8") == 0 && w == 3 && h == 2 && image->size == 18
                && abs ((int) image->data[0] - step % 256) <= 1 && image->data[1] == 128;
  r->preview_ok = (r->n_previews == 0 || r->preview_ok) && ok;
  r->n_previews++;
}

static void
run_sleep (RfServiceClient *c, Run *r, gboolean preview, GPtrArray *inputs)
{
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "steps", "i", r->steps);
  g_variant_dict_insert (&d, "ms", "i", r->ms);
  g_variant_dict_insert (&d, "preview", "b", preview);
  RfServiceJobCallbacks cb = { on_progress, on_preview, r };
  r->last_step = -1;
  r->outputs = rf_service_client_run (c, "sleep-steps", g_variant_dict_end (&d), inputs, &cb,
                                      r->cancellable, &r->result, &r->error);
  r->finished_us = g_get_monotonic_time ();
}

static gpointer
run_thread (gpointer data)
{
  Run *r = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (RfServiceClient) c = rf_service_client_new (RF_SERVICE_CLIENT_START, &error);
  g_assert_no_error (error);
  run_sleep (c, r, FALSE, NULL);
  return NULL;
}

static void
check_ramp_output (Run *r)
{
  g_assert_no_error (r->error);
  g_assert_nonnull (r->outputs);
  RfServiceBuffer *out = rf_service_buffers_find (r->outputs, "out");
  g_assert_nonnull (out);
  g_assert_cmpuint (out->size, ==, (gsize) r->steps * sizeof (float));
  for (int i = 0; i < r->steps; i++)
    {
      float v;
      memcpy (&v, out->data + i * sizeof v, sizeof v);
      g_assert_cmpfloat (v, ==, 1.5f * (float) i);
    }
  int steps = 0;
  g_assert_true (g_variant_lookup (r->result, "steps", "i", &steps));
  g_assert_cmpint (steps, ==, r->steps);
}

static void
run_clear (Run *r)
{
  g_clear_pointer (&r->outputs, g_ptr_array_unref);
  g_clear_pointer (&r->result, g_variant_unref);
  g_clear_error (&r->error);
  g_clear_object (&r->cancellable);
}

static void
test_two_clients (void)
{
  Run a = { .steps = 8, .ms = 20, .cancel_at = -1 }, b = { .steps = 5, .ms = 20, .cancel_at = -1 };
  GThread *ta = g_thread_new ("a", run_thread, &a);
  GThread *tb = g_thread_new ("b", run_thread, &b);
  g_thread_join (ta);
  g_thread_join (tb);
  check_ramp_output (&a);
  check_ramp_output (&b);
  run_clear (&a);
  run_clear (&b);
  g_test_message ("two clients in parallel both finished with correct outputs");
}

static void
test_cancel_running (void)
{
  /* a is cancelled at its 3rd step; b, queued behind it, must finish whole */
  Run a = { .steps = 50, .ms = 100, .cancel_at = 3 }, b = { .steps = 6, .ms = 10, .cancel_at = -1 };
  a.cancellable = g_cancellable_new ();
  GThread *ta = g_thread_new ("a", run_thread, &a);
  g_usleep (50000);
  GThread *tb = g_thread_new ("b", run_thread, &b);
  g_thread_join (ta);
  g_thread_join (tb);
  g_assert_error (a.error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_CANCELLED);
  g_assert_null (a.outputs);
  /* within one step: progress for step 3 triggered it, step 4 at most began */
  g_assert_cmpint (a.last_step, <=, 4);
  check_ramp_output (&b);
  run_clear (&a);
  run_clear (&b);
}

static void
test_cancel_queued (void)
{
  Run a = { .steps = 10, .ms = 30, .cancel_at = -1 };
  GThread *ta = g_thread_new ("a", run_thread, &a);
  g_usleep (60000);
  /* b waits behind a; cancel it right away from another client */
  Run b = { .steps = 10, .ms = 30, .cancel_at = 0 };
  b.cancellable = g_cancellable_new ();
  g_cancellable_cancel (b.cancellable);
  g_autoptr (RfServiceClient) c = st_client ();
  gint64 t0 = g_get_monotonic_time ();
  run_sleep (c, &b, FALSE, NULL);
  g_assert_error (b.error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_CANCELLED);
  g_assert_cmpint (b.last_step, ==, -1); /* never started */
  g_thread_join (ta);
  check_ramp_output (&a);
  /* b was answered before a's 300 ms were over */
  g_assert_cmpint (b.finished_us, <, a.finished_us);
  g_assert_cmpint (b.finished_us - t0, <, 250000);
  run_clear (&a);
  run_clear (&b);
}

static guint64
job_state (RfServiceClient *c, guint64 id, const char **state_out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) status = rf_service_client_status (c, &error);
  g_assert_no_error (error);
  g_autoptr (GVariant) jobs = g_variant_lookup_value (status, "jobs", G_VARIANT_TYPE ("aa{sv}"));
  GVariantIter it;
  GVariant *j;
  static char state[32];
  state[0] = 0;
  g_variant_iter_init (&it, jobs);
  while ((j = g_variant_iter_next_value (&it)) != NULL)
    {
      guint64 jid = 0;
      const char *s = NULL;
      g_variant_lookup (j, "id", "t", &jid);
      g_variant_lookup (j, "state", "&s", &s);
      if (jid == id && s)
        g_strlcpy (state, s, sizeof state);
      g_variant_unref (j);
    }
  *state_out = state;
  return id;
}

static void
test_client_gone_cancels (void)
{
  g_autoptr (RfServiceClient) watcher = st_client ();
  RfServiceClient *c = st_client ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) r = g_dbus_connection_call_sync (
    rf_service_client_get_connection (c), NULL, RF_SERVICE_OBJECT_PATH, RF_SERVICE_INTERFACE,
    "Submit", g_variant_new ("(s@a{sv}a(sa{sv}h))", "sleep-steps",
                             g_variant_new_parsed ("{'steps': <1000>, 'ms': <10>}"), NULL),
    G_VARIANT_TYPE ("(t)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  guint64 id;
  g_variant_get (r, "(t)", &id);
  g_usleep (50000);
  const char *state;
  job_state (watcher, id, &state);
  g_assert_cmpstr (state, ==, "running");
  rf_service_client_free (c); /* as GIMP kills a cancelled plug-in */
  gint64 end = g_get_monotonic_time () + 2000000;
  do
    {
      g_usleep (10000);
      job_state (watcher, id, &state);
    }
  while (g_strcmp0 (state, "cancelled") != 0 && g_get_monotonic_time () < end);
  g_assert_cmpstr (state, ==, "cancelled");
}

static void
test_progress_preview_echo (void)
{
  g_autoptr (RfServiceClient) c = st_client ();
  Run r = { .steps = 4, .ms = 1, .cancel_at = -1 };
  g_autoptr (GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_service_buffer_free);
  g_ptr_array_add (inputs, st_ramp_buffer ("in", 100000));
  run_sleep (c, &r, TRUE, inputs);
  check_ramp_output (&r);
  g_assert_cmpint (r.last_step, ==, 4);
  g_assert_cmpint (r.n_previews, ==, 4);
  g_assert_true (r.preview_ok);
  RfServiceBuffer *echo = rf_service_buffers_find (r.outputs, "echo");
  RfServiceBuffer *in = g_ptr_array_index (inputs, 0);
  g_assert_nonnull (echo);
  g_assert_cmpuint (echo->size, ==, in->size);
  g_assert_true (memcmp (echo->data, in->data, in->size) == 0);
  g_assert_true (g_variant_equal (echo->meta, in->meta));
  run_clear (&r);
}

static void
test_structured_errors (void)
{
  g_autoptr (RfServiceClient) c = st_client ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) out = rf_service_client_run (c, "no-such-job", NULL, NULL, NULL, NULL,
                                                     NULL, &error);
  g_assert_null (out);
  g_assert_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_UNKNOWN_JOB);
  g_assert_nonnull (strstr (error->message, "sleep-steps")); /* lists what exists */
  g_clear_error (&error);

  out = rf_service_client_run (c, "sleep-steps", g_variant_new_parsed ("{'steps': <'many'>}"),
                               NULL, NULL, NULL, NULL, &error);
  g_assert_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "steps"));
  g_clear_error (&error);

  out = rf_service_client_run (c, "out-of-memory", NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_OUT_OF_MEMORY);
  g_assert_nonnull (strstr (error->message, "8192 MiB"));
  g_assert_nonnull (strstr (error->message, "budget"));
  g_clear_error (&error);

  out = rf_service_client_run (c, "device-lost", NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_DEVICE_LOST);
  g_assert_nonnull (strstr (error->message, "recreated"));
  g_clear_error (&error);

  /* and it still serves */
  Run r = { .steps = 2, .ms = 1, .cancel_at = -1 };
  run_sleep (c, &r, FALSE, NULL);
  check_ramp_output (&r);
  run_clear (&r);
}

static void
test_kill_mid_job (void)
{
  g_autoptr (RfServiceClient) c = st_client ();
  pid_t pid = st_service_pid (c);
  Run r = { .steps = 500, .ms = 10, .cancel_at = -1, .kill_pid = pid };
  run_sleep (c, &r, FALSE, NULL);
  g_assert_error (r.error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_DISCONNECTED);
  g_assert_nonnull (strstr (r.error->message, "crashed or was killed"));
  g_test_message ("client saw: %s", r.error->message);
  run_clear (&r);
  g_assert_true (st_wait_exit (pid, 5));
  /* the next request starts a fresh service */
  g_autoptr (RfServiceClient) c2 = st_client ();
  pid_t pid2 = st_service_pid (c2);
  g_assert_cmpint (pid2, !=, pid);
  Run r2 = { .steps = 3, .ms = 1, .cancel_at = -1 };
  run_sleep (c2, &r2, FALSE, NULL);
  check_ramp_output (&r2);
  run_clear (&r2);
}

/* Services of this test still alive: processes whose environment holds
 * our runtime directory and whose executable is the test server. */
static int
count_services (void)
{
  const char *server = g_getenv ("RECTIFY_TEST_SERVER");
  g_autofree char *real_server = realpath (server, NULL);
  g_autofree char *needle = g_strdup_printf ("XDG_RUNTIME_DIR=%s", st_runtime_dir ());
  int n = 0;
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      pid_t pid = (pid_t) atoi (name);
      if (pid <= 0 || pid == getpid () || !st_pid_alive (pid))
        continue;
      g_autofree char *exe_link = g_strdup_printf ("/proc/%s/exe", name);
      g_autofree char *exe = g_file_read_link (exe_link, NULL);
      g_autofree char *env_path = g_strdup_printf ("/proc/%s/environ", name);
      g_autofree char *env = NULL;
      gsize len = 0;
      if (exe == NULL || g_strcmp0 (exe, real_server) != 0
          || !g_file_get_contents (env_path, &env, &len, NULL))
        continue;
      for (gsize off = 0; off < len; off += strlen (env + off) + 1)
        if (g_str_equal (env + off, needle))
          {
            n++;
            st_track_pid (pid);
            break;
          }
    }
  return n;
}

static gpointer
start_thread (gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfServiceClient) c = rf_service_client_new (RF_SERVICE_CLIENT_START, &error);
  g_assert_no_error (error);
  return GINT_TO_POINTER (st_service_pid (c));
}

static void
test_concurrent_start (void)
{
  st_stop_service ();
  g_assert_cmpint (count_services (), ==, 0);
  GThread *t[4];
  for (int i = 0; i < 4; i++)
    t[i] = g_thread_new ("start", start_thread, NULL);
  pid_t first = 0;
  for (int i = 0; i < 4; i++)
    {
      pid_t pid = GPOINTER_TO_INT (g_thread_join (t[i]));
      if (i == 0)
        first = pid;
      g_assert_cmpint (pid, ==, first);
    }
  /* a direct second start while one serves exits quietly, status 0 */
  const char *argv[] = { g_getenv ("RECTIFY_TEST_SERVER"), "--device", "cpu", NULL };
  int status = -1;
  g_autoptr (GError) error = NULL;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_usleep (100000);
  g_assert_cmpint (count_services (), ==, 1);
}

static void
test_idle_exit (void)
{
  st_stop_service ();
  st_set_server_args ("--idle-timeout 0.5");
  g_autoptr (RfServiceClient) c = st_client ();
  pid_t pid = st_service_pid (c);
  Run r = { .steps = 1, .ms = 1, .cancel_at = -1 };
  run_sleep (c, &r, FALSE, NULL);
  check_ramp_output (&r);
  run_clear (&r);
  g_assert_true (st_wait_exit (pid, 5));
  g_autofree char *sock = rf_service_socket_path ();
  g_assert_false (g_file_test (sock, G_FILE_TEST_EXISTS));
  /* the old connection is closed; running a job through it restarts */
  Run r2 = { .steps = 1, .ms = 1, .cancel_at = -1 };
  run_sleep (c, &r2, FALSE, NULL);
  check_ramp_output (&r2);
  run_clear (&r2);
  g_assert_cmpint (st_service_pid (c), !=, pid);
  st_set_server_args (NULL);
  st_stop_service ();
}

static void
test_socket_modes (void)
{
  g_autoptr (RfServiceClient) c = st_client ();
  g_autofree char *dir = rf_service_runtime_dir ();
  g_autofree char *sock = rf_service_socket_path ();
  GStatBuf st;
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (sock, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

/* systemd socket activation: the service takes a listening socket as fd 3
 * (LISTEN_FDS=1, LISTEN_PID its pid), serves on it and, not having bound
 * it, leaves it in place when it exits. */
static void
test_socket_activation (void)
{
  st_stop_service ();
  g_autofree char *path = rf_service_socket_path ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) sock = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (path);
  g_unlink (path);
  g_assert_true (g_socket_bind (sock, addr, FALSE, &error));
  g_assert_true (g_socket_listen (sock, &error));
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_setenv (launcher, "LISTEN_FDS", "1", TRUE);
  g_subprocess_launcher_take_fd (launcher, dup (g_socket_get_fd (sock)), 3);
  const char *argv[] = { "/bin/sh", "-c", "LISTEN_PID=$$ exec \"$0\" --device cpu",
                         g_getenv ("RECTIFY_TEST_SERVER"), NULL };
  g_autoptr (GSubprocess) proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  pid_t pid = (pid_t) atoi (g_subprocess_get_identifier (proc));
  st_track_pid (pid);
  /* no start: the connection waits in the inherited socket's backlog */
  g_autoptr (RfServiceClient) c = rf_service_client_new (RF_SERVICE_CLIENT_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (st_service_pid (c), ==, pid);
  Run r = { .steps = 2, .ms = 1, .cancel_at = -1 };
  run_sleep (c, &r, FALSE, NULL);
  check_ramp_output (&r);
  run_clear (&r);
  g_assert_true (rf_service_client_shutdown (c, &error));
  g_assert_true (g_subprocess_wait_check (proc, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS)); /* still systemd's */
  g_socket_close (sock, NULL);
  g_unlink (path);
}

int
main (int argc, char **argv)
{
  st_setup (NULL);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/service/socket-modes", test_socket_modes);
  g_test_add_func ("/service/two-clients", test_two_clients);
  g_test_add_func ("/service/cancel-running", test_cancel_running);
  g_test_add_func ("/service/cancel-queued", test_cancel_queued);
  g_test_add_func ("/service/client-gone-cancels", test_client_gone_cancels);
  g_test_add_func ("/service/progress-preview-echo", test_progress_preview_echo);
  g_test_add_func ("/service/structured-errors", test_structured_errors);
  g_test_add_func ("/service/kill-mid-job", test_kill_mid_job);
  g_test_add_func ("/service/concurrent-start", test_concurrent_start);
  g_test_add_func ("/service/idle-exit", test_idle_exit);
  g_test_add_func ("/service/socket-activation", test_socket_activation);
  return st_teardown (g_test_run ());
}
