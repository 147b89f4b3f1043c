/* bench-ops.c — GFLOPS of the heavy ops per backend, against OpenBLAS
 * sgemm measured in the same run. On a real GPU this is the first
 * program to run.
 *
 *   bench-ops [--backend cpu|vulkan|all] [--quick] [--repeat N]
 *
 * Sizes: square matmuls 1024 and 2048, a FLUX-like linear (4096 tokens ×
 * 3072 → 3072), attention at L = 1024 and 4096 with 24 heads × 128, and
 * an autoencoder-like 3×3 conv. On a CPU-emulated Vulkan device
 * (lavapipe) the sizes are scaled down so a run ends in minutes; rows
 * say when they were scaled. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rf-backend.h"
#include "rf-ops.h"

typedef struct {
  const char *backend;
  gboolean quick;
  int repeat;
} Options;

static double
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

static RfTensor *
random_tensor (RfBackend *be, int ndim, const gint64 *shape, GRand *rng, GError **error)
{
  RfTensor *t = rf_tensor_new (be, RF_DTYPE_F32, ndim, shape, error);
  if (t == NULL)
    return NULL;
  gint64 n = rf_tensor_numel (t);
  g_autofree float *d = g_new (float, n);
  for (gint64 i = 0; i < n; i++)
    d[i] = (float) g_rand_double_range (rng, -1, 1);
  if (!rf_tensor_write_f32 (t, d, n, error))
    g_clear_pointer (&t, rf_tensor_free);
  return t;
}

/* Median seconds of one call of @fn after a warm-up call. */
typedef gboolean (*OpFn) (gpointer data, GError **error);

static double
time_op (RfBackend *be, OpFn fn, gpointer data, int repeat, GError **error)
{
  if (!fn (data, error) || !rf_backend_synchronize (be, error))
    return -1;
  double times[64];
  repeat = CLAMP (repeat, 1, 64);
  for (int i = 0; i < repeat; i++)
    {
      double t0 = now_s ();
      if (!fn (data, error) || !rf_backend_synchronize (be, error))
        return -1;
      times[i] = now_s () - t0;
    }
  for (int i = 1; i < repeat; i++)
    for (int j = i; j > 0 && times[j] < times[j - 1]; j--)
      {
        double t = times[j];
        times[j] = times[j - 1];
        times[j - 1] = t;
      }
  return times[repeat / 2];
}

typedef struct { RfTensor *y, *x, *w, *b, *q, *k, *v; RfConv2dParams cp; } Args;

static gboolean do_linear (gpointer d, GError **e) { Args *a = d; return rf_op_linear (a->y, a->x, a->w, NULL, e); }
static gboolean do_attention (gpointer d, GError **e)
{
  Args *a = d;
  return rf_op_attention (a->y, a->q, a->k, a->v, NULL, 1.0f / sqrtf ((float) a->q->shape[3]), FALSE, e);
}
static gboolean do_conv (gpointer d, GError **e) { Args *a = d; return rf_op_conv2d (a->y, a->x, a->w, a->b, &a->cp, e); }

static void
args_clear (Args *a)
{
  rf_tensor_free (a->y); rf_tensor_free (a->x); rf_tensor_free (a->w); rf_tensor_free (a->b);
  rf_tensor_free (a->q); rf_tensor_free (a->k); rf_tensor_free (a->v);
  memset (a, 0, sizeof *a);
}

static double
sgemm_gflops (int m, int n, int k, int repeat)
{
  float *a = g_new (float, (gsize) m * k), *b = g_new (float, (gsize) n * k), *c = g_new (float, (gsize) m * n);
  for (gsize i = 0; i < (gsize) m * k; i++) a[i] = (float) (i % 7) * 0.1f;
  for (gsize i = 0; i < (gsize) n * k; i++) b[i] = (float) (i % 5) * 0.1f;
  double best = 1e30;
  /* the CPU backend runs BLAS single-threaded inside its own OpenMP
   * tiles (a process-wide setting); the peer gets every core */
  openblas_set_num_threads ((int) g_get_num_processors ());
  for (int r = 0; r < repeat + 1; r++)
    {
      double t0 = now_s ();
      /* the same layout as rf_op_linear: y = x · wᵀ */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a, k, b, k, 0.0f, c, n);
      double t = now_s () - t0;
      if (r > 0 && t < best)
        best = t;
    }
  g_free (a); g_free (b); g_free (c);
  return 2.0 * m * n * k / best / 1e9;
}

static void
row (const char *backend, const char *what, double flops, double secs, double peer)
{
  double gf = flops / secs / 1e9;
  printf ("%-8s %-46s %10.2f ms %10.1f GFLOPS  %6.3fx sgemm\n", backend, what, secs * 1e3, gf,
          peer > 0 ? gf / peer : 0);
}

static void
bench_backend (const char *name, const Options *o, double sgemm_peak)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfBackend) be = rf_backend_new_by_name (name, &error);
  if (be == NULL)
    {
      printf ("%-8s skipped: %s\n", name, error->message);
      return;
    }
  /* lavapipe and other CPU-emulated devices run at a few GFLOPS */
  gboolean slow = rf_backend_kind (be) == RF_BACKEND_VULKAN
                  && strstr (rf_backend_description (be), "llvmpipe") != NULL;
  gboolean small = slow || o->quick;
  printf ("# %s%s\n", rf_backend_description (be), small ? " (sizes scaled down)" : "");
  GRand *rng = g_rand_new_with_seed (1);
  Args a = { 0 };
  char what[96];

  /* matmuls: [M,K] · [N,K]ᵀ */
  const gint64 mm[][3] = { { 1024, 1024, 1024 }, { 2048, 2048, 2048 }, { 4096, 3072, 3072 } };
  for (gsize i = 0; i < G_N_ELEMENTS (mm); i++)
    {
      gint64 m = mm[i][0], n = mm[i][1], k = mm[i][2];
      if (small)
        m = MIN (m, i == 2 ? 256 : 128);
      a.x = random_tensor (be, 2, (gint64[]){ m, k }, rng, &error);
      a.w = random_tensor (be, 2, (gint64[]){ n, k }, rng, &error);
      a.y = a.x && a.w ? rf_tensor_new (be, RF_DTYPE_F32, 2, (gint64[]){ m, n }, &error) : NULL;
      double s = a.y ? time_op (be, do_linear, &a, o->repeat, &error) : -1;
      g_snprintf (what, sizeof what, "linear %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT, m, n, k);
      if (s < 0)
        printf ("%-8s %-46s failed: %s\n", name, what, error->message);
      else
        row (name, what, 2.0 * m * n * k, s, sgemm_gflops ((int) m, (int) n, (int) k, 3));
      g_clear_error (&error);
      args_clear (&a);
    }

  /* attention, 24 heads × 128 */
  const gint64 ls[] = { 1024, 4096 };
  for (gsize i = 0; i < G_N_ELEMENTS (ls); i++)
    {
      gint64 l = ls[i], h = 24, d = 128;
      if (small)
        {
          h = 1;
          l = MIN (l, i == 0 ? 256 : 512);
        }
      gint64 shape[4] = { 1, h, l, d };
      a.q = random_tensor (be, 4, shape, rng, &error);
      a.k = a.q ? random_tensor (be, 4, shape, rng, &error) : NULL;
      a.v = a.k ? random_tensor (be, 4, shape, rng, &error) : NULL;
      a.y = a.v ? rf_tensor_new (be, RF_DTYPE_F32, 4, shape, &error) : NULL;
      double s = a.y ? time_op (be, do_attention, &a, o->repeat, &error) : -1;
      g_snprintf (what, sizeof what, "attention L%" G_GINT64_FORMAT " H%" G_GINT64_FORMAT " D%" G_GINT64_FORMAT, l, h, d);
      if (s < 0)
        printf ("%-8s %-46s failed: %s\n", name, what, error->message);
      else
        row (name, what, 4.0 * l * l * d * h, s, sgemm_peak);
      g_clear_error (&error);
      args_clear (&a);
    }

  /* autoencoder-like conv 3×3, 128 → 128 channels */
  {
    gint64 c = 128, hw = small ? 32 : 256;
    a.x = random_tensor (be, 4, (gint64[]){ 1, c, hw, hw }, rng, &error);
    a.w = a.x ? random_tensor (be, 4, (gint64[]){ c, c, 3, 3 }, rng, &error) : NULL;
    a.b = a.w ? random_tensor (be, 1, (gint64[]){ c }, rng, &error) : NULL;
    a.y = a.b ? rf_tensor_new (be, RF_DTYPE_F32, 4, (gint64[]){ 1, c, hw, hw }, &error) : NULL;
    a.cp = (RfConv2dParams){ 1, 1, 1, 1, 1, 1 };
    double s = a.y ? time_op (be, do_conv, &a, o->repeat, &error) : -1;
    g_snprintf (what, sizeof what, "conv2d 3x3 %" G_GINT64_FORMAT "->%" G_GINT64_FORMAT " %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT, c, c, hw, hw);
    if (s < 0)
      printf ("%-8s %-46s failed: %s\n", name, what, error->message);
    else
      row (name, what, 2.0 * 9 * c * c * hw * hw, s, sgemm_peak);
    g_clear_error (&error);
    args_clear (&a);
  }
  g_rand_free (rng);
}

int
main (int argc, char **argv)
{
  Options o = { "all", FALSE, 3 };
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--backend") == 0 && i + 1 < argc)
        o.backend = argv[++i];
      else if (strcmp (argv[i], "--quick") == 0)
        o.quick = TRUE;
      else if (strcmp (argv[i], "--repeat") == 0 && i + 1 < argc)
        o.repeat = atoi (argv[++i]);
      else
        {
          fprintf (stderr, "usage: %s [--backend cpu|vulkan|all] [--quick] [--repeat N]\n", argv[0]);
          return 2;
        }
    }
  int n = o.quick ? 1024 : 2048;
  double peak = sgemm_gflops (n, n, n, 2);
  printf ("# peer: OpenBLAS sgemm %dx%dx%d = %.1f GFLOPS (ratios for matmul rows use sgemm at the same size)\n",
          n, n, n, peak);
  if (strcmp (o.backend, "all") == 0 || strcmp (o.backend, "cpu") == 0)
    bench_backend ("cpu", &o, peak);
  if (strcmp (o.backend, "all") == 0 || g_str_has_prefix (o.backend, "vulkan"))
    bench_backend (strcmp (o.backend, "all") == 0 ? "vulkan" : o.backend, &o, peak);
  return 0;
}
