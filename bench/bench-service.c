/* bench-service.c — job latency through the engine service with the
 * model already resident (warm) against a cold start (spawn the service,
 * load the model, run), and against running in process as `--local`
 * does on every call. One FLUX forward per job, two configurations:
 *
 *   tiny    the 2+2-block, hidden-32 test model, 3×5 tokens
 *   medium  a synthetic 2+4-block, hidden-384 model (≈80 MB f32), 16×16 tokens
 *
 *   bench-service RECTIFY [--device cpu|vulkan] [--runs N]
 *
 * Prints one line per measurement and the ratios a user feels: how much
 * a warm job saves over a cold one, and over in-process.
 */
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-service-util.h"
#include "rf-config.h"
#include "rf-model-load.h"
#include "rf-safetensors-writer.h"
#include "rf-service-client.h"

typedef struct {
  const char *name;
  int hidden, heads, depth, depth_single, ctx, vec, rows, cols, n_txt;
  const char *axes;
} Config;

static guint32 rng = 12345;

static float
rnd (float scale)
{
  rng = rng * 1664525u + 1013904223u;
  return scale * ((float) (rng >> 8) / 16777216.0f - 0.5f);
}

static gboolean
add (RfSafetensorsWriter *w, const char *name, gint64 rows, gint64 cols, float scale,
     float value, GError **error)
{
  gint64 shape[2] = { rows, cols };
  gint64 n = rows * (cols ? cols : 1);
  g_autofree float *v = g_new (float, n);
  for (gint64 i = 0; i < n; i++)
    v[i] = scale > 0 ? rnd (scale) : value;
  return rf_safetensors_writer_add (w, name, RF_DTYPE_F32, cols ? 2 : 1, shape, v, error);
}

/* A FLUX transformer with random weights in the BFL layout. */
static gboolean
write_flux (const Config *c, const char *path, GError **error)
{
  g_autoptr (RfSafetensorsWriter) w = rf_safetensors_writer_new ();
  int H = c->hidden, D = c->hidden / c->heads, M = 4 * c->hidden;
  float s = 2.0f / sqrtf ((float) H);
#define LIN(name, o, i)                                                                      \
  if (!add (w, name ".weight", o, i, s, 0, error) || !add (w, name ".bias", o, 0, 0.02f, 0, error)) \
    return FALSE;
  LIN ("img_in", H, 64);
  LIN ("txt_in", H, c->ctx);
  LIN ("time_in.in_layer", H, 256);
  LIN ("time_in.out_layer", H, H);
  LIN ("vector_in.in_layer", H, c->vec);
  LIN ("vector_in.out_layer", H, H);
  LIN ("guidance_in.in_layer", H, 256);
  LIN ("guidance_in.out_layer", H, H);
  LIN ("final_layer.adaLN_modulation.1", 2 * H, H);
  LIN ("final_layer.linear", 64, H);
  for (int b = 0; b < c->depth; b++)
    for (int k = 0; k < 2; k++)
      {
        const char *st = k ? "txt" : "img";
        char n[128];
#define BLK(fmt, o, i)                                                                   \
  g_snprintf (n, sizeof n, "double_blocks.%d.%s_" fmt ".weight", b, st);               \
  if (!add (w, n, o, i, s, 0, error)) return FALSE;                                     \
  g_snprintf (n, sizeof n, "double_blocks.%d.%s_" fmt ".bias", b, st);                 \
  if (!add (w, n, o, 0, 0.02f, 0, error)) return FALSE;
        BLK ("mod.lin", 6 * H, H);
        BLK ("attn.qkv", 3 * H, H);
        BLK ("attn.proj", H, H);
        BLK ("mlp.0", M, H);
        BLK ("mlp.2", H, M);
        g_snprintf (n, sizeof n, "double_blocks.%d.%s_attn.norm.query_norm.scale", b, st);
        if (!add (w, n, D, 0, 0, 1.0f, error))
          return FALSE;
        g_snprintf (n, sizeof n, "double_blocks.%d.%s_attn.norm.key_norm.scale", b, st);
        if (!add (w, n, D, 0, 0, 1.0f, error))
          return FALSE;
      }
  for (int b = 0; b < c->depth_single; b++)
    {
      char n[128];
#define SBLK(fmt, o, i)                                                                  \
  g_snprintf (n, sizeof n, "single_blocks.%d." fmt ".weight", b);                        \
  if (!add (w, n, o, i, s, 0, error)) return FALSE;                                     \
  g_snprintf (n, sizeof n, "single_blocks.%d." fmt ".bias", b);                          \
  if (!add (w, n, o, 0, 0.02f, 0, error)) return FALSE;
      SBLK ("modulation.lin", 3 * H, H);
      SBLK ("linear1", 3 * H + M, H);
      SBLK ("linear2", H, H + M);
      g_snprintf (n, sizeof n, "single_blocks.%d.norm.query_norm.scale", b);
      if (!add (w, n, D, 0, 0, 1.0f, error))
        return FALSE;
      g_snprintf (n, sizeof n, "single_blocks.%d.norm.key_norm.scale", b);
      if (!add (w, n, D, 0, 0, 1.0f, error))
        return FALSE;
    }
  rf_safetensors_writer_set_metadata (w, "rectify.axes_dim", c->axes);
  return rf_safetensors_writer_save (w, path, error);
}

static RfServiceBuffer *
random_buffer (const char *name, gint64 a, gint64 b, gint64 c3, int ndim)
{
  gint64 shape[3] = { a, b, c3 };
  gint64 n = a * b * (ndim == 3 ? c3 : 1);
  g_autofree float *v = g_new (float, n);
  for (gint64 i = 0; i < n; i++)
    v[i] = rnd (2.0f);
  g_autoptr (GError) error = NULL;
  RfServiceBuffer *buf = rf_service_buffer_new_f32 (name, ndim, shape, v, &error);
  if (buf == NULL)
    g_error ("%s", error->message);
  return buf;
}

/* One forward in this process, model load included (what --local pays). */
static double
local_ms (const char *model, const Config *c, GPtrArray *inputs, const char *device)
{
  g_autoptr (GError) error = NULL;
  double t0 = bench_now_ms ();
  g_autoptr (RfBackend) be = rf_backend_new_by_name (device, &error);
  g_autoptr (RfModelFile) mf = be ? rf_model_file_open (model, &error) : NULL;
  g_autoptr (RfFlux) flux = mf ? rf_flux_load (be, mf, &error) : NULL;
  if (flux == NULL)
    g_error ("%s", error->message);
  RfTensor *t[3];
  for (int i = 0; i < 3; i++)
    t[i] = rf_service_buffer_to_tensor (g_ptr_array_index (inputs, i), be, &error);
  g_autoptr (RfTensor) out = rf_tensor_new_4d (be, RF_DTYPE_F32, 3, 1, (gint64) c->rows * c->cols,
                                               64, 0, &error);
  if (!rf_flux_forward (flux, t[0], t[1], t[2], 0.5f, 3.5f, c->rows, c->cols, out, &error)
      || !rf_backend_synchronize (be, &error))
    g_error ("%s", error->message);
  g_autofree float *host = rf_tensor_read_f32 (out, &error);
  for (int i = 0; i < 3; i++)
    rf_tensor_free (t[i]);
  return bench_now_ms () - t0;
}

static double
job_ms (RfServiceClient *client, GVariant *params, GPtrArray *inputs)
{
  g_autoptr (GError) error = NULL;
  double t0 = bench_now_ms ();
  g_autoptr (GPtrArray) out = rf_service_client_run (client, "dit", g_variant_ref (params), inputs,
                                                     NULL, NULL, NULL, &error);
  if (out == NULL)
    g_error ("dit job: %s", error->message);
  return bench_now_ms () - t0;
}

static void
bench_config (const Config *c, const char *model, const char *device, int runs)
{
  g_autoptr (GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_service_buffer_free);
  g_ptr_array_add (inputs, random_buffer ("img", 1, (gint64) c->rows * c->cols, 64, 3));
  g_ptr_array_add (inputs, random_buffer ("txt", 1, c->n_txt, c->ctx, 3));
  g_ptr_array_add (inputs, random_buffer ("y", 1, c->vec, 0, 2));
  g_autoptr (GVariant) params = g_variant_ref_sink (g_variant_new_parsed (
    "{'model': <%s>, 'device': <%s>, 't': <0.5>, 'guidance': <3.5>, 'rows': <%i>, 'cols': <%i>}",
    model, device, c->rows, c->cols));
  g_autoptr (GError) error = NULL;

  g_autofree double *v = g_new (double, runs);
  for (int i = 0; i < runs; i++)
    v[i] = local_ms (model, c, inputs, device);
  double local = bench_median (v, runs);

  /* cold: no service; start it, load, run */
  for (int i = 0; i < runs; i++)
    {
      bench_stop_service ();
      double t0 = bench_now_ms ();
      g_autoptr (RfServiceClient) client = rf_service_client_new (RF_SERVICE_CLIENT_START, &error);
      if (client == NULL)
        g_error ("%s", error->message);
      job_ms (client, params, inputs);
      v[i] = bench_now_ms () - t0;
    }
  double cold = bench_median (v, runs);

  /* warm, one connection: the model is resident */
  g_autoptr (RfServiceClient) client = rf_service_client_new (RF_SERVICE_CLIENT_START, &error);
  job_ms (client, params, inputs);
  for (int i = 0; i < runs; i++)
    v[i] = job_ms (client, params, inputs);
  double warm = bench_median (v, runs);

  /* warm, a new connection per job (a GIMP plug-in run, a CLI call) */
  for (int i = 0; i < runs; i++)
    {
      double t0 = bench_now_ms ();
      g_autoptr (RfServiceClient) fresh = rf_service_client_new (RF_SERVICE_CLIENT_START, &error);
      job_ms (fresh, params, inputs);
      v[i] = bench_now_ms () - t0;
    }
  double warm_connect = bench_median (v, runs);

  printf ("%-7s in-process (load + forward)   %9.2f ms\n", c->name, local);
  printf ("%-7s service cold start + job      %9.2f ms\n", c->name, cold);
  printf ("%-7s service warm job              %9.2f ms\n", c->name, warm);
  printf ("%-7s service warm, new connection  %9.2f ms\n", c->name, warm_connect);
  printf ("%-7s ratios: cold/warm %.1fx, in-process/warm %.1fx, in-process/warm-new-connection "
          "%.1fx\n", c->name, cold / warm, local / warm, local / warm_connect);
}

int
main (int argc, char **argv)
{
  g_autofree char *device = NULL;
  int runs = 5;
  GOptionEntry entries[] = {
    { "device", 0, 0, G_OPTION_ARG_STRING, &device, "cpu, vulkan, auto", "DEVICE" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "repetitions (median)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("RECTIFY — service latency");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2 || runs < 1)
    {
      g_printerr ("usage: bench-service RECTIFY [--device D] [--runs N]\n");
      return 2;
    }
  if (device == NULL)
    device = g_strdup ("cpu");
  g_autofree char *tmp = bench_private_service (argv[1], 60);

  const char *src = g_getenv ("RECTIFY_SOURCE_DIR") ? g_getenv ("RECTIFY_SOURCE_DIR") : RECTIFY_SOURCE_DIR;
  g_autofree char *tiny_model = g_build_filename (src, "tests", "data", "flux", "tiny",
                                                  "model.safetensors", NULL);
  g_autofree char *medium_model = g_build_filename (tmp, "medium.safetensors", NULL);
  const Config tiny = { "tiny", 32, 2, 2, 2, 48, 32, 3, 5, 7, "4,6,6" };
  const Config medium = { "medium", 384, 6, 2, 4, 256, 128, 16, 16, 32, "8,28,28" };
  if (!write_flux (&medium, medium_model, &error))
    g_error ("%s", error->message);
  printf ("device %s, median of %d runs\n", device, runs);
  bench_config (&tiny, tiny_model, device, runs);
  bench_config (&medium, medium_model, device, runs);
  bench_stop_service ();
  g_unlink (medium_model);
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
