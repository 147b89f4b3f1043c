/* rf-service-main.c — the service's process: options, detaching for
 * on-demand starts, the exit status (see rf_service_main). */
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rf-service-error.h"
#include "rf-service-protocol.h"
#include "rf-service-server.h"

/* Points stdin/stdout at /dev/null and stderr at the service log, so a
 * detached service holds none of its starter's pipes. */
static void
redirect_stdio (void)
{
  int null_fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
  g_autofree char *dir = rf_service_runtime_dir ();
  g_autofree char *log = g_build_filename (dir, "service.log", NULL);
  int log_fd = rf_service_ensure_runtime_dir (NULL)
                 ? open (log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600)
                 : -1;
  if (null_fd >= 0)
    {
      dup2 (null_fd, 0);
      dup2 (null_fd, 1);
      dup2 (log_fd >= 0 ? log_fd : null_fd, 2);
      close (null_fd);
    }
  if (log_fd >= 0)
    close (log_fd);
}

/* Reports the child's outcome to the starter: "R" ready, "A" another
 * instance serves, "E<message>" failure. */
static int
wait_for_child (int fd)
{
  struct pollfd p = { .fd = fd, .events = POLLIN };
  char buf[1024] = { 0 };
  ssize_t n = 0;
  if (poll (&p, 1, 60000) > 0)
    n = read (fd, buf, sizeof buf - 1);
  if (n > 0 && (buf[0] == 'R' || buf[0] == 'A'))
    return 0;
  g_printerr (_("rectify serve: the service did not start: %s\n"),
              n > 1 ? buf + 1 : _("no answer (see service.log in the runtime directory)"));
  return 1;
}

int
rf_service_main (int argc, char **argv)
{
  gboolean daemon = FALSE;
  double idle = -1;
  g_autofree char *device = NULL;
  gint64 budget = 0;
  GOptionEntry entries[] = {
    { "daemon", 0, 0, G_OPTION_ARG_NONE, &daemon, N_("detach; return once the service listens"), NULL },
    { "idle-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &idle, N_("exit after this many seconds without jobs (0: never; default 600 or $RECTIFY_SERVICE_IDLE_TIMEOUT)"), "S" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device, N_("default device: auto, cpu, vulkan or vulkan:<device>"), "DEVICE" },
    { "budget", 0, 0, G_OPTION_ARG_INT64, &budget, N_("bytes the resident models may use on each device (default: the device's budget)"), "BYTES" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("— run the engine service (started on demand by clients)"));
  g_option_context_set_summary (ctx, _("Clients start the service on demand; it exits when idle.\n"
                                        "`rectify serve --status` shows the running service, "
                                        "`rectify serve --stop` stops it."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("rectify serve: %s\n", error->message);
      return 2;
    }
  if (argc > 1 || budget < 0)
    {
      g_printerr (_("Usage: rectify serve [--daemon] [--idle-timeout S] [--device D] [--budget BYTES]\n"));
      return 2;
    }
  if (idle < 0)
    {
      const char *env = g_getenv ("RECTIFY_SERVICE_IDLE_TIMEOUT");
      idle = env ? g_ascii_strtod (env, NULL) : RF_SERVICE_DEFAULT_IDLE_S;
    }
  RfServiceConfig config = { device, (guint64) budget, idle };

  int pipe_fds[2] = { -1, -1 };
  if (daemon)
    {
      /* fork before any thread exists */
      if (pipe2 (pipe_fds, O_CLOEXEC) != 0)
        {
          g_printerr ("rectify serve: pipe: %s\n", g_strerror (errno));
          return 1;
        }
      pid_t pid = fork ();
      if (pid < 0)
        {
          g_printerr ("rectify serve: fork: %s\n", g_strerror (errno));
          return 1;
        }
      if (pid > 0)
        {
          close (pipe_fds[1]);
          int status = wait_for_child (pipe_fds[0]);
          _exit (status);
        }
      close (pipe_fds[0]);
      setsid ();
      redirect_stdio ();
      /* hold no directory (or mount) of the starter busy */
      if (chdir ("/") != 0)
        g_printerr ("rectify serve: chdir /: %s\n", g_strerror (errno));
    }
  RfServiceRunResult r = rf_service_server_run (&config, pipe_fds[1], &error);
  if (r == RF_SERVICE_RUN_ALREADY_RUNNING && pipe_fds[1] >= 0)
    {
      if (write (pipe_fds[1], "A", 1) != 1)
        g_printerr ("rectify serve: cannot report to the starter\n");
    }
  else if (r == RF_SERVICE_RUN_FAILED)
    {
      g_printerr ("rectify serve: %s\n", error->message);
      if (pipe_fds[1] >= 0)
        {
          g_autofree char *msg = g_strconcat ("E", error->message, NULL);
          if (write (pipe_fds[1], msg, strlen (msg)) < 0)
            g_printerr ("rectify serve: cannot report to the starter\n");
        }
    }
  if (r != RF_SERVICE_RUN_EXITED && pipe_fds[1] >= 0)
    close (pipe_fds[1]);
  return r == RF_SERVICE_RUN_FAILED ? 1 : 0;
}
