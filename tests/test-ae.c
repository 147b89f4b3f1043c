/* test-ae.c — the autoencoder against PyTorch goldens (tests/data/ae,
 * made by tools/reference/ae_ref.py), and tiled against untiled.
 *
 *   test-ae [--backend cpu|vulkan] */
#include <string.h>

#include "golden.h"
#include "rf-ae-tiled.h"
#include "rf-model-load.h"
#include "rf-taef1.h"
#include "vulkan/rf-vulkan.h"

static int n_passed, n_failed;

static void
report (const char *name, gboolean ok, const char *detail)
{
  printf ("%s %-56s %s\n", ok ? "ok  " : "FAIL", name, detail);
  ok ? n_passed++ : n_failed++;
}

static double
rel_diff (const RfTensor *a, const RfTensor *b)
{
  g_autoptr (GError) error = NULL;
  g_autofree float *x = rf_tensor_read_f32 (a, &error);
  g_autofree float *y = x ? rf_tensor_read_f32 (b, &error) : NULL;
  if (y == NULL || rf_tensor_numel (a) != rf_tensor_numel (b))
    return INFINITY;
  double e = 0, n = 0;
  for (gint64 i = 0; i < rf_tensor_numel (a); i++)
    {
      e += ((double) x[i] - y[i]) * ((double) x[i] - y[i]);
      n += (double) y[i] * y[i];
    }
  return sqrt (e / MAX (n, 1e-30));
}

static void
fill_random (RfTensor *t, guint32 seed)
{
  g_autoptr (GRand) rng = g_rand_new_with_seed (seed);
  gint64 n = rf_tensor_numel (t);
  g_autofree float *d = g_new (float, n);
  for (gint64 i = 0; i < n; i++)
    d[i] = (float) g_rand_double_range (rng, -1, 1);
  g_assert (rf_tensor_write_f32 (t, d, n, NULL));
}

typedef struct { RfTensor *kernel; } LocalModel;

static RfTensor *
local_model (gpointer data, const RfTensor *x, GError **error)
{
  LocalModel *lm = data;
  RfBackend *be = rf_tensor_backend (x);
  RfConv2dParams p = { 1, 1, 1, 1, 1, 1 };
  g_autoptr (RfTensor) c = rf_tensor_new_4d (be, RF_DTYPE_F32, 4, 1, 2, x->shape[2], x->shape[3], error);
  g_autoptr (RfTensor) u = c ? rf_tensor_new_4d (be, RF_DTYPE_F32, 4, 1, 2, 2 * x->shape[2],
                                                 2 * x->shape[3], error) : NULL;
  if (u == NULL || !rf_op_conv2d (c, x, lm->kernel, NULL, &p, error)
      || !rf_op_upsample_nearest2x (u, c, error))
    return NULL;
  return g_steal_pointer (&u);
}

int
main (int argc, char **argv)
{
  const char *backend = argc > 2 && strcmp (argv[1], "--backend") == 0 ? argv[2] : "cpu";
  g_autoptr (GError) error = NULL;
  g_autoptr (RfBackend) be = rf_backend_new_by_name (backend, &error);
  if (be == NULL)
    {
      printf ("SKIP: %s\n", error->message);
      return 77;
    }
  double tol = rf_backend_kind (be) == RF_BACKEND_CPU ? 1e-4 : 1e-3;
  char detail[160];
  printf ("# backend: %s\n", rf_backend_description (be));

  g_autofree char *path = golden_path ("ae", "model.safetensors");
  g_autoptr (RfModelFile) mf = rf_model_file_open (path, &error);
  g_autoptr (RfAe) ae = mf ? rf_ae_load (be, mf, &error) : NULL;
  g_assert_no_error (error);

  g_autoptr (RfTensor) image = golden_tensor (be, "ae", "in_image.npy", &error);
  g_autoptr (RfTensor) latent = golden_tensor (be, "ae", "in_latent.npy", &error);
  g_assert_no_error (error);
  g_autoptr (RfTensor) z = rf_ae_encode (ae, image, &error);
  g_assert_no_error (error);
  double e = golden_rel_error (z, "ae", "out_latent.npy");
  g_snprintf (detail, sizeof detail, "rel err %.2e (max %.0e)", e, tol);
  report ("encode [1,3,16,24] (posterior mean, scaled)", e >= 0 && e <= tol, detail);

  g_autoptr (RfTensor) img = rf_ae_decode (ae, latent, &error);
  g_assert_no_error (error);
  e = golden_rel_error (img, "ae", "out_image.npy");
  g_snprintf (detail, sizeof detail, "rel err %.2e (max %.0e)", e, tol);
  report ("decode [1,4,8,12]", e >= 0 && e <= tol, detail);

  /* one tile covering everything is the untiled result exactly */
  g_autoptr (RfTensor) one = rf_ae_decode_tiled (ae, latent, 64, 8, NULL, NULL, &error);
  g_assert_no_error (error);
  e = rel_diff (one, img);
  g_snprintf (detail, sizeof detail, "rel diff %.2e", e);
  report ("decode in one tile == untiled", e == 0, detail);

  /* the blending itself: a local model (3×3 conv, then ×2 upsample:
   * receptive radius 1 input pixel) over tiles overlapping by 4 must give
   * the untiled result exactly — no seams */
  g_autoptr (RfTensor) big = rf_tensor_new_4d (be, RF_DTYPE_F32, 4, 1, 3, 29, 37, &error);
  g_autoptr (RfTensor) kernel = rf_tensor_new_4d (be, RF_DTYPE_F32, 4, 2, 3, 3, 3, &error);
  g_assert_no_error (error);
  fill_random (big, 1);
  fill_random (kernel, 2);
  LocalModel lm = { kernel };
  g_autoptr (RfTensor) whole = local_model (&lm, big, &error);
  g_autoptr (RfTensor) tiles = rf_tiled_apply (big, 11, 4, 2, 1, 2, local_model, &lm, NULL, NULL,
                                               &error);
  g_assert_no_error (error);
  e = rel_diff (tiles, whole);
  g_snprintf (detail, sizeof detail, "rel diff %.2e (max 1e-6)", e);
  report ("tiles of a local model blend to the untiled result", e <= 1e-6, detail);

  /* the real autoencoder: its mid-block attention is global (and with
   * random weights strongly so), so tiles differ from the whole; the
   * result must still be the right image, not a misplaced or unweighted
   * one (those give rel diff >= 1) */
  g_autoptr (RfTensor) dtiles = rf_ae_decode_tiled (ae, latent, 6, 3, NULL, NULL, &error);
  g_autoptr (RfTensor) ztiles = rf_ae_encode_tiled (ae, image, 6, 3, NULL, NULL, &error);
  g_assert_no_error (error);
  double ed = rel_diff (dtiles, img), ez = rel_diff (ztiles, z);
  g_snprintf (detail, sizeof detail, "decode %.2e, encode %.2e (max 0.6)", ed, ez);
  report ("autoencoder in overlapping tiles ~ untiled", ed <= 0.6 && ez <= 0.6, detail);

  /* TAEF1 preview decoder (tests/data/taef1, tools/reference/taef1_ref.py) */
  g_autofree char *tpath = golden_path ("taef1", "model.safetensors");
  g_autoptr (RfModelFile) tmf = rf_model_file_open (tpath, &error);
  g_autoptr (RfTaef1) tae = tmf ? rf_taef1_load (be, tmf, &error) : NULL;
  g_autoptr (RfTensor) tl = tae ? golden_tensor (be, "taef1", "in_latent.npy", &error) : NULL;
  g_autoptr (RfTensor) timg = tl ? rf_taef1_decode (tae, tl, &error) : NULL;
  g_assert_no_error (error);
  e = golden_rel_error (timg, "taef1", "out_image.npy");
  g_snprintf (detail, sizeof detail, "rel err %.2e (max %.0e)", e, tol);
  report ("TAEF1 decode [1,16,5,7] -> [1,3,40,56]", e >= 0 && e <= tol, detail);
  g_autoptr (RfTaef1) not_tae = rf_taef1_load (be, mf, &error);
  report ("an autoencoder file is not a TAE decoder", not_tae == NULL && error != NULL,
          error ? error->message : "loaded");
  g_clear_error (&error);

  /* bad input */
  g_autoptr (RfTensor) odd = rf_tensor_new_4d (be, RF_DTYPE_F32, 4, 1, 3, 15, 24, &error);
  g_autoptr (RfTensor) zbad = rf_ae_encode (ae, odd, &error);
  report ("an image that is not a multiple of the factor", zbad == NULL && error != NULL,
          error ? error->message : "no error");
  g_clear_error (&error);

  printf ("%d passed, %d failed\n", n_passed, n_failed);
  return n_failed ? 1 : 0;
}
