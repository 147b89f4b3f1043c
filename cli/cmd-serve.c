/* cmd-serve.c — `rectify serve`: the engine service, and a look at it.
 *
 *   rectify serve [--daemon] [--idle-timeout S] [--device D] [--budget BYTES]
 *   rectify serve --status     print the running service's state (starts none)
 *   rectify serve --stop       ask the running service to exit
 *
 * Clients start the service on demand (`rectify serve --daemon`), so users
 * rarely run this themselves.
 */
#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "rectify-cli.h"
#include "rf-service-client.h"
#include "rf-service-job.h"
#include "rf-service-pipeline.h"
#include "rf-service-server.h"

static void
print_models (GVariant *models)
{
  GVariantIter it;
  GVariant *m;
  g_variant_iter_init (&it, models);
  while ((m = g_variant_iter_next_value (&it)) != NULL)
    {
      const char *kind = "?", *path = "?", *device = "?";
      guint64 bytes = 0;
      g_variant_lookup (m, "kind", "&s", &kind);
      g_variant_lookup (m, "path", "&s", &path);
      g_variant_lookup (m, "device", "&s", &device);
      g_variant_lookup (m, "bytes", "t", &bytes);
      printf ("model: %s %s on %s, %.1f MiB\n", kind, path, device, bytes / 1048576.0);
      g_variant_unref (m);
    }
}

/* The jobs the service holds: queued, running and the last finished ones. */
static void
print_jobs (GVariant *status)
{
  g_autoptr (GVariant) jobs = g_variant_lookup_value (status, "jobs", G_VARIANT_TYPE ("aa{sv}"));
  GVariantIter it;
  GVariant *j;
  if (jobs == NULL)
    return;
  g_variant_iter_init (&it, jobs);
  while ((j = g_variant_iter_next_value (&it)) != NULL)
    {
      guint64 id = 0;
      const char *type = "?", *state = "?";
      g_variant_lookup (j, "id", "t", &id);
      g_variant_lookup (j, "type", "&s", &type);
      g_variant_lookup (j, "state", "&s", &state);
      printf ("job: %" G_GUINT64_FORMAT " %s %s\n", id, type, state);
      g_variant_unref (j);
    }
}

static int
query (gboolean stop)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfServiceClient) client = rf_service_client_new (RF_SERVICE_CLIENT_NONE, &error);
  if (client == NULL)
    return rf_cli_fail ("serve", error);
  if (stop)
    return rf_service_client_shutdown (client, &error) ? 0 : rf_cli_fail ("serve", error);
  g_autoptr (GVariant) status = rf_service_client_status (client, &error);
  g_autoptr (GVariant) models = status ? rf_service_client_list_models (client, &error) : NULL;
  if (models == NULL)
    return rf_cli_fail ("serve", error);
  gint64 pid = 0;
  double uptime = 0;
  const char *version = "?", *device = "?";
  guint32 queued = 0;
  guint64 budget = 0, resident = 0;
  g_variant_lookup (status, "pid", "x", &pid);
  g_variant_lookup (status, "version", "&s", &version);
  g_variant_lookup (status, "uptime", "d", &uptime);
  g_variant_lookup (status, "device", "&s", &device);
  g_variant_lookup (status, "queued", "u", &queued);
  g_variant_lookup (status, "budget-bytes", "t", &budget);
  g_variant_lookup (status, "resident-bytes", "t", &resident);
  printf ("pid: %" G_GINT64_FORMAT "\nversion: %s\nuptime: %.1f s\ndevice: %s\n"
          "queued: %u\nmemory: %.1f of %.1f MiB\n", pid, version, uptime, device, queued,
          resident / 1048576.0, budget / 1048576.0);
  print_models (models);
  print_jobs (status);
  return 0;
}

int
rf_cmd_serve (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--status") == 0 || strcmp (argv[i], "--stop") == 0)
      {
        if (argc != 2)
          {
            g_printerr (_("Usage: rectify serve --status | --stop\n"));
            return 2;
          }
        return query (strcmp (argv[i], "--stop") == 0);
      }
  rf_service_register_builtin_job_types ();
  rf_service_register_pipeline_job_types ();
  return rf_service_main (argc, argv);
}
