/* bench-service-pipeline.c — latency of a whole pipeline job (generate)
 * through the engine service with the models resident (warm) against a
 * cold start (spawn the service, load every model, run) and against
 * running in process as `--local` does on every call (load + run):
 *
 *   tiny    the test set (tests/data/pipeline), 64×64, 4 steps
 *   medium  the medium set of bench-models.h (random weights), 256×256,
 *           4 steps
 *
 *   bench-service-pipeline RECTIFY [--device cpu|vulkan] [--runs N]
 *                          [--config tiny|medium|all]
 *
 * Prints one line per measurement (medians) and the ratios. The job's own
 * time (what the service reports) is shown next to the client's wall time.
 */
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-models.h"
#include "bench-service-util.h"
#include "rf-config.h"
#include "rf-service-pipeline.h"

static void
init_params (RfJobParams *p, int side)
{
  rf_job_params_init (p, RF_JOB_GENERATE);
  p->prompt = "a lighthouse at dusk";
  p->seed = 3;
  p->steps = 4;
  p->width = side;
  p->height = side;
}

/* One job in this process, models loaded (what --local pays per call). */
static double
local_ms (const RfModelSet *set, const char *device, int side)
{
  g_autoptr (GError) error = NULL;
  double t0 = bench_now_ms ();
  g_autoptr (RfBackend) be = rf_backend_new_by_name (device, &error);
  if (be == NULL)
    g_error ("%s", error->message);
  g_autoptr (RfPipeline) pipe = rf_pipeline_new (be, set);
  RfJobParams p;
  init_params (&p, side);
  g_autoptr (RfJobResult) r = rf_pipeline_run (pipe, &p, &error);
  if (r == NULL)
    g_error ("%s", error->message);
  return bench_now_ms () - t0;
}

static double
job_ms (RfServiceClient *client, const RfModelSet *set, const char *device, int side,
        double *service_ms)
{
  g_autoptr (GError) error = NULL;
  RfJobParams p;
  init_params (&p, side);
  double t0 = bench_now_ms ();
  g_autoptr (RfJobResult) r = rf_service_pipeline_run (client, set, device, &p, &error);
  if (r == NULL)
    g_error ("generate job: %s", error->message);
  if (service_ms)
    *service_ms = r->seconds_total * 1000.0;
  return bench_now_ms () - t0;
}

static void
bench_config (const char *name, const RfModelSet *set, const char *device, int side, int runs)
{
  g_autoptr (GError) error = NULL;
  g_autofree double *v = g_new (double, runs);
  g_autofree double *s = g_new (double, runs);
  for (int i = 0; i < runs; i++)
    v[i] = local_ms (set, device, side);
  double local = bench_median (v, runs);

  /* cold: no service; start it, load everything, run */
  for (int i = 0; i < runs; i++)
    {
      bench_stop_service ();
      double t0 = bench_now_ms ();
      g_autoptr (RfServiceClient) client = rf_service_client_new (RF_SERVICE_CLIENT_START, &error);
      if (client == NULL)
        g_error ("%s", error->message);
      job_ms (client, set, device, side, &s[i]);
      v[i] = bench_now_ms () - t0;
    }
  double cold = bench_median (v, runs), cold_job = bench_median (s, runs);

  /* warm, one connection: every model resident */
  g_autoptr (RfServiceClient) client = rf_service_client_new (RF_SERVICE_CLIENT_START, &error);
  job_ms (client, set, device, side, NULL);
  for (int i = 0; i < runs; i++)
    v[i] = job_ms (client, set, device, side, &s[i]);
  double warm = bench_median (v, runs), warm_job = bench_median (s, runs);

  /* warm, a new connection per job (a GIMP plug-in run, a CLI call) */
  for (int i = 0; i < runs; i++)
    {
      double t0 = bench_now_ms ();
      g_autoptr (RfServiceClient) fresh = rf_service_client_new (RF_SERVICE_CLIENT_START, &error);
      job_ms (fresh, set, device, side, NULL);
      v[i] = bench_now_ms () - t0;
    }
  double warm_connect = bench_median (v, runs);

  printf ("%-7s in process (load + job, --local)  %9.1f ms\n", name, local);
  printf ("%-7s service cold start + job          %9.1f ms  (job in service %.1f ms)\n", name,
          cold, cold_job);
  printf ("%-7s service warm job                  %9.1f ms  (job in service %.1f ms)\n", name,
          warm, warm_job);
  printf ("%-7s service warm, new connection      %9.1f ms\n", name, warm_connect);
  printf ("%-7s ratios: cold/warm %.2fx, in-process/warm %.2fx, "
          "in-process/warm-new-connection %.2fx\n", name, cold / warm, local / warm,
          local / warm_connect);
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  g_autofree char *device = NULL, *config = NULL;
  int runs = 3;
  GOptionEntry entries[] = {
    { "device", 0, 0, G_OPTION_ARG_STRING, &device, "cpu, vulkan, auto", "DEVICE" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "repetitions (median)", "N" },
    { "config", 0, 0, G_OPTION_ARG_STRING, &config, "tiny, medium or all (default)", "NAME" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("RECTIFY — pipeline job latency");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2 || runs < 1)
    {
      g_printerr ("usage: bench-service-pipeline RECTIFY [--device D] [--runs N] "
                  "[--config tiny|medium|all]\n");
      return 2;
    }
  if (device == NULL)
    device = g_strdup ("cpu");
  g_autofree char *tmp = bench_private_service (argv[1], 120);

  printf ("device %s, generate 4 steps, median of %d runs\n", device, runs);
  if (config == NULL || !strcmp (config, "all") || !strcmp (config, "tiny"))
    {
      g_autoptr (RfModelSet) tiny = rf_model_set_new_test ();
      if (tiny == NULL)
        g_error ("the tiny test set is missing");
      bench_config ("tiny", tiny, device, 64, runs);
    }
  g_autoptr (RfModelSet) medium = rf_model_set_new ();
  medium->flux = g_build_filename (tmp, "flux-medium.safetensors", NULL);
  medium->ae = g_build_filename (tmp, "ae-medium.safetensors", NULL);
  medium->test_model = TRUE;   /* prompt → the test conditioning */
  if (config == NULL || !strcmp (config, "all") || !strcmp (config, "medium"))
    {
      if (!bench_write_medium_flux (medium->flux) || !bench_write_medium_ae (medium->ae))
        g_error ("cannot write the medium model set to %s", tmp);
      bench_config ("medium", medium, device, 256, runs);
    }
  bench_stop_service ();
  g_unlink (medium->flux);
  g_unlink (medium->ae);
  g_autofree char *rundir = g_build_filename (tmp, "rectify", NULL);
  const char *leftovers[] = { "service.lock", "service.log", "service.sock" };
  for (gsize i = 0; i < G_N_ELEMENTS (leftovers); i++)
    {
      g_autofree char *p = g_build_filename (rundir, leftovers[i], NULL);
      g_unlink (p);
    }
  g_rmdir (rundir);
  g_rmdir (tmp);
  return 0;
}
