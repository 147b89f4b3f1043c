/* bench-service-util.c — see bench-service-util.h. */
#include <signal.h>
#include <stdlib.h>

#include "bench-service-util.h"
#include "rf-service-client.h"

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

double
bench_median (double *v, int n)
{
  qsort (v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double
bench_now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

void
bench_stop_service (void)
{
  g_autoptr (RfServiceClient) c = rf_service_client_new (RF_SERVICE_CLIENT_NONE, NULL);
  if (c == NULL)
    return;
  g_autoptr (GVariant) st = rf_service_client_status (c, NULL);
  gint64 pid = 0;
  if (st)
    g_variant_lookup (st, "pid", "x", &pid);
  rf_service_client_shutdown (c, NULL);
  for (int i = 0; pid > 0 && i < 500 && kill ((pid_t) pid, 0) == 0; i++)
    g_usleep (10000);
}

char *
bench_private_service (const char *rectify, int idle_s)
{
  g_autoptr (GError) error = NULL;
  char *tmp = g_dir_make_tmp ("rectify-bench-service-XXXXXX", &error);
  if (tmp == NULL)
    g_error ("%s", error->message);
  g_setenv ("XDG_RUNTIME_DIR", tmp, TRUE);
  g_autofree char *quoted = g_shell_quote (rectify);
  g_autofree char *cmd = g_strdup_printf ("%s serve --daemon --idle-timeout %d", quoted, idle_s);
  g_setenv ("RECTIFY_SERVE_COMMAND", cmd, TRUE);
  return tmp;
}
