/* test-encoders.c — CLIP text and T5 encoders against the PyTorch goldens
 * in tests/data/text/{clip,t5}-encoder (tools/reference/clip_ref.py,
 * t5_ref.py), on the backend named by --backend (cpu | vulkan).
 * Tolerances (max |c − golden| / max |golden|): 1e-4 on the CPU with f32
 * weights, 1e-3 on Vulkan. Exits 77 when the backend does not exist.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rf-clip-text.h"
#include "rf-npy.h"
#include "rf-t5-encoder.h"

static int failures;

#define CHECK(cond, ...)                                   \
  do                                                       \
    {                                                      \
      gboolean ok_ = (cond);                               \
      printf ("%s ", ok_ ? "ok  " : "FAIL");               \
      printf (__VA_ARGS__);                                \
      printf ("\n");                                       \
      if (!ok_)                                            \
        failures++;                                        \
    }                                                      \
  while (0)

static char *
data_path (const char *dir, const char *file)
{
  const char *src = g_getenv ("RECTIFY_SOURCE_DIR");
  return g_build_filename (src ? src : ".", "tests", "data", "text", dir, file, NULL);
}

static RfNpy *
load_npy (const char *dir, const char *file)
{
  g_autofree char *p = data_path (dir, file);
  g_autoptr (GError) error = NULL;
  RfNpy *n = rf_npy_load (p, &error);
  if (n == NULL)
    {
      printf ("FAIL %s: %s\n", p, error->message);
      exit (1);
    }
  return n;
}

static gint32 *
load_ids (const char *dir, guint *n)
{
  g_autoptr (RfNpy) npy = load_npy (dir, "in_ids.npy");
  g_autofree float *f = rf_npy_dup_f32 (npy);
  *n = (guint) rf_npy_numel (npy);
  gint32 *ids = g_new (gint32, *n);
  for (guint i = 0; i < *n; i++)
    ids[i] = (gint32) f[i];
  return ids;
}

/* max |a − b| / max |b| of @t against the golden @file. */
static double
rel_err (const RfTensor *t, const char *dir, const char *file)
{
  g_autoptr (RfNpy) want = load_npy (dir, file);
  g_autofree float *w = rf_npy_dup_f32 (want);
  g_autoptr (GError) error = NULL;
  g_autofree float *got = rf_tensor_read_f32 (t, &error);
  if (got == NULL || rf_tensor_numel (t) != rf_npy_numel (want))
    return INFINITY;
  double num = 0, den = 0;
  for (gint64 i = 0; i < rf_npy_numel (want); i++)
    {
      num = fmax (num, fabs ((double) got[i] - w[i]));
      den = fmax (den, fabs ((double) w[i]));
    }
  return isnan (num) ? INFINITY : num / den;
}

static RfModelFile *
open_model (const char *dir)
{
  g_autofree char *p = data_path (dir, "model.safetensors");
  g_autoptr (GError) error = NULL;
  RfModelFile *mf = rf_model_file_open (p, &error);
  if (mf == NULL)
    {
      printf ("FAIL %s: %s\n", p, error->message);
      exit (1);
    }
  return mf;
}

static void
test_clip (RfBackend *be, double tol)
{
  g_autoptr (RfModelFile) mf = open_model ("clip-encoder");
  g_autoptr (GError) error = NULL;
  g_autoptr (RfClipText) clip = rf_clip_text_new (mf, &error);
  CHECK (clip != NULL, "clip: load (%s)", error ? error->message : "ok");
  if (clip == NULL)
    return;
  const RfClipConfig *c = rf_clip_text_get_config (clip);
  CHECK (c->vocab == 2014 && c->hidden == 32 && c->heads == 4 && c->layers == 2,
         "clip: config vocab %" G_GINT64_FORMAT ", hidden %" G_GINT64_FORMAT ", heads %"
         G_GINT64_FORMAT ", layers %" G_GINT64_FORMAT, c->vocab, c->hidden, c->heads, c->layers);
  guint n;
  g_autofree gint32 *ids = load_ids ("clip-encoder", &n);
  g_autoptr (RfTensor) hidden = NULL, pooled = NULL;
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok = rf_clip_text_forward (clip, be, ids, n, &hidden, &pooled, &error);
  CHECK (ok, "clip: forward of %u tokens in %.1f ms%s%s", n,
         (g_get_monotonic_time () - t0) / 1000.0, error ? ": " : "", error ? error->message : "");
  if (!ok)
    return;
  double e1 = rel_err (hidden, "clip-encoder", "out_hidden.npy");
  double e2 = rel_err (pooled, "clip-encoder", "out_pooled.npy");
  CHECK (e1 <= tol, "clip: last hidden state, max rel err %.2e (tolerance %.0e)", e1, tol);
  CHECK (e2 <= tol, "clip: pooled output at the first end token, max rel err %.2e", e2);
  ok = rf_clip_text_forward (clip, be, ids, 78, NULL, NULL, &error);
  CHECK (!ok, "clip: 78 tokens (more than the 77 positions) are refused");
  g_clear_error (&error);
  ids[3] = 5000;
  ok = rf_clip_text_forward (clip, be, ids, n, NULL, NULL, &error);
  CHECK (!ok && error && strstr (error->message, "5000"),
         "clip: an id outside the embedding is an error (%s)", error ? error->message : "none");
}

static void
test_t5 (RfBackend *be, double tol)
{
  g_autoptr (RfNpy) buckets = load_npy ("t5-encoder", "buckets.npy");
  g_autofree float *b = rf_npy_dup_f32 (buckets);
  gint64 span = (rf_npy_numel (buckets) - 1) / 2, bad = 0;
  for (gint64 r = -span; r <= span; r++)
    bad += rf_t5_relative_bucket (r, 32, RF_T5_MAX_DISTANCE) != (int) b[r + span];
  CHECK (bad == 0, "t5: relative position buckets equal PyTorch's for -%" G_GINT64_FORMAT
         "..%" G_GINT64_FORMAT " (%" G_GINT64_FORMAT " differ)", span, span, bad);

  g_autoptr (RfModelFile) mf = open_model ("t5-encoder");
  g_autoptr (GError) error = NULL;
  g_autoptr (RfT5Encoder) t5 = rf_t5_encoder_new (mf, &error);
  CHECK (t5 != NULL, "t5: load (%s)", error ? error->message : "ok");
  if (t5 == NULL)
    return;
  const RfT5Config *c = rf_t5_encoder_get_config (t5);
  CHECK (c->vocab == 1024 && c->d_model == 32 && c->heads == 4 && c->layers == 2
         && c->rel_buckets == 32, "t5: config vocab %" G_GINT64_FORMAT ", d_model %"
         G_GINT64_FORMAT ", heads %" G_GINT64_FORMAT, c->vocab, c->d_model, c->heads);
  guint n;
  g_autofree gint32 *ids = load_ids ("t5-encoder", &n);
  g_autoptr (RfTensor) out = NULL;
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok = rf_t5_encoder_forward (t5, be, ids, n, &out, &error);
  CHECK (ok, "t5: forward of %u tokens in %.1f ms%s%s", n, (g_get_monotonic_time () - t0) / 1000.0,
         error ? ": " : "", error ? error->message : "");
  if (!ok)
    return;
  double e = rel_err (out, "t5-encoder", "out.npy");
  CHECK (e <= tol, "t5: last hidden state, max rel err %.2e (tolerance %.0e)", e, tol);
}

int
main (int argc, char **argv)
{
  const char *name = argc > 2 && strcmp (argv[1], "--backend") == 0 ? argv[2] : "cpu";
  g_autoptr (GError) error = NULL;
  g_autoptr (RfBackend) be = strcmp (name, "cpu") == 0 ? rf_backend_new_cpu (0)
                                                       : rf_backend_new_by_name (name, &error);
  if (be == NULL)
    {
      printf ("SKIP: no %s backend: %s\n", name, error->message);
      return 77;
    }
  printf ("# backend: %s\n", rf_backend_description (be));
  double tol = rf_backend_kind (be) == RF_BACKEND_CPU ? 1e-4 : 1e-3;
  test_clip (be, tol);
  test_t5 (be, tol);
  printf ("%s\n", failures ? "FAILED" : "all passed");
  return failures ? 1 : 0;
}
