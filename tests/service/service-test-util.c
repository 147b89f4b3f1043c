/* service-test-util.c — shared set-up and clean-up of the service tests. */
#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "service-test-util.h"

static char *runtime_dir;
/* plain array: the SIGABRT handler reads it */
static pid_t tracked[256];
static volatile sig_atomic_t n_tracked;

/* A failed assertion aborts (or a bug crashes): take the detached
 * services down with us. */
static void
on_abort (int sig)
{
  for (int i = 0; i < n_tracked; i++)
    kill (tracked[i], SIGKILL);
  signal (sig, SIG_DFL);
  raise (sig);
}

void
st_set_server_args (const char *extra_args)
{
  const char *server = g_getenv ("RECTIFY_TEST_SERVER");
  g_assert_nonnull (server);
  g_autofree char *quoted = g_shell_quote (server);
  g_autofree char *cmd = g_strdup_printf ("%s --daemon --device cpu %s", quoted,
                                          extra_args ? extra_args : "");
  g_setenv ("RECTIFY_SERVE_COMMAND", cmd, TRUE);
}

void
st_setup (const char *extra_args)
{
  g_autoptr (GError) error = NULL;
  runtime_dir = g_dir_make_tmp ("rectify-service-test-XXXXXX", &error);
  g_assert_no_error (error);
  g_chmod (runtime_dir, 0700);
  g_setenv ("XDG_RUNTIME_DIR", runtime_dir, TRUE);
  g_setenv ("RECTIFY_SERVICE_IDLE_TIMEOUT", "30", TRUE);
  st_set_server_args (extra_args);
  signal (SIGABRT, on_abort);
  signal (SIGSEGV, on_abort);
  signal (SIGBUS, on_abort);
  g_assert_cmpstr (g_get_user_runtime_dir (), ==, runtime_dir);
}

const char *
st_runtime_dir (void)
{
  return runtime_dir;
}

void
st_track_pid (pid_t pid)
{
  for (int i = 0; i < n_tracked; i++)
    if (tracked[i] == pid)
      return;
  g_assert_cmpint (n_tracked, <, (int) G_N_ELEMENTS (tracked));
  tracked[n_tracked] = pid;
  n_tracked = n_tracked + 1;
}

RfServiceClient *
st_client (void)
{
  g_autoptr (GError) error = NULL;
  RfServiceClient *c = rf_service_client_new (RF_SERVICE_CLIENT_START, &error);
  g_assert_no_error (error);
  st_service_pid (c);
  return c;
}

pid_t
st_service_pid (RfServiceClient *client)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) status = rf_service_client_status (client, &error);
  g_assert_no_error (error);
  gint64 pid = 0;
  g_assert_true (g_variant_lookup (status, "pid", "x", &pid));
  st_track_pid ((pid_t) pid);
  return (pid_t) pid;
}

gboolean
st_pid_alive (pid_t pid)
{
  if (kill (pid, 0) != 0)
    return FALSE;
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return FALSE;
  const char *close_paren = strrchr (stat, ')');
  return close_paren == NULL || close_paren[2] != 'Z';
}

gboolean
st_wait_exit (pid_t pid, double timeout_s)
{
  gint64 end = g_get_monotonic_time () + (gint64) (timeout_s * 1e6);
  while (st_pid_alive (pid))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_usleep (10000);
    }
  return TRUE;
}

void
st_stop_service (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfServiceClient) c = rf_service_client_new (RF_SERVICE_CLIENT_NONE, &error);
  if (c == NULL)
    return;
  pid_t pid = st_service_pid (c);
  g_assert_true (rf_service_client_shutdown (c, &error));
  g_assert_no_error (error);
  g_assert_true (st_wait_exit (pid, 20));
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

int
st_teardown (int status)
{
  /* a clean exit lets sanitizers write their report to the log */
  st_stop_service ();
  for (int i = 0; i < n_tracked; i++)
    {
      pid_t pid = tracked[i];
      if (st_pid_alive (pid))
        {
          kill (pid, SIGKILL);
          st_wait_exit (pid, 5);
        }
    }
  g_autofree char *log = g_build_filename (runtime_dir, "rectify", "service.log", NULL);
  g_autofree char *text = NULL;
  if (g_file_get_contents (log, &text, NULL, NULL) && strstr (text, "Sanitizer") != NULL)
    {
      fprintf (stderr, "FAIL service log holds a sanitizer report:\n%s\n", text);
      status = 1;
    }
  remove_tree (runtime_dir);
  g_clear_pointer (&runtime_dir, g_free);
  n_tracked = 0;
  return status;
}

RfServiceBuffer *
st_ramp_buffer (const char *name, int n)
{
  g_autofree float *v = g_new (float, n);
  for (int i = 0; i < n; i++)
    v[i] = (float) i;
  gint64 shape[1] = { n };
  g_autoptr (GError) error = NULL;
  RfServiceBuffer *b = rf_service_buffer_new_f32 (name, 1, shape, v, &error);
  g_assert_no_error (error);
  return b;
}
