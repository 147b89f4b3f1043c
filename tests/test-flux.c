/* test-flux.c — the FLUX transformer against PyTorch goldens
 * (tests/data/flux, made by tools/reference/flux_ref.py) on one backend.
 *
 *   test-flux [--backend cpu|vulkan]
 *
 * Tolerances (relative L2): CPU 1e-4 at t = 0.7 and 1e-5 at small t
 * (where the f32 timestep embedding is exact enough to tell erf-GELU
 * from tanh-GELU); Vulkan 1e-3. Also: the diffusers layout of the same
 * model gives the same output, and bad inputs give clear errors. */
#include <string.h>

#include "golden.h"
#include "rf-model-load.h"
#include "vulkan/rf-vulkan.h"

static int n_passed, n_failed;

static void
report (const char *name, gboolean ok, const char *detail)
{
  printf ("%s %-56s %s\n", ok ? "ok  " : "FAIL", name, detail);
  ok ? n_passed++ : n_failed++;
}

static RfTensor *
forward (RfFlux *flux, const char *dir, const char *t_file, const char *g_file, GError **error)
{
  RfBackend *be = rf_flux_get_backend (flux);
  g_autoptr (RfTensor) img = golden_tensor (be, dir, "in_img.npy", error);
  g_autoptr (RfTensor) txt = img ? golden_tensor (be, dir, "in_txt.npy", error) : NULL;
  g_autoptr (RfTensor) y = txt ? golden_tensor (be, dir, "in_y.npy", error) : NULL;
  if (y == NULL)
    return NULL;
  const RfFluxParams *p = rf_flux_get_params (flux);
  g_autoptr (RfTensor) out = rf_tensor_new_4d (be, RF_DTYPE_F32, 3, 1, img->shape[1],
                                               p->out_channels, 0, error);
  /* every case uses the 3×5 token grid */
  if (out == NULL || !rf_flux_forward (flux, img, txt, y, golden_scalar (dir, t_file, 0),
                                       golden_scalar (dir, g_file, 0), 3, 5, out, error))
    return NULL;
  return g_steal_pointer (&out);
}

static RfFlux *
load (RfBackend *be, const char *dir, const char *file, GError **error)
{
  g_autofree char *path = golden_path (dir, file);
  g_autoptr (RfModelFile) mf = rf_model_file_open (path, error);
  return mf ? rf_flux_load (be, mf, error) : NULL;
}

static void
golden_case (RfBackend *be, const char *dir, const char *file, double tol, double tol_small)
{
  g_autoptr (GError) error = NULL;
  char name[128], detail[160];
  g_autoptr (RfFlux) flux = load (be, dir, file, &error);
  g_autoptr (RfTensor) out = flux ? forward (flux, dir, "in_t.npy", "in_guidance.npy", &error) : NULL;
  g_autoptr (RfTensor) small = out ? forward (flux, dir, "in_small_t.npy", "in_small_guidance.npy",
                                              &error) : NULL;
  g_snprintf (name, sizeof name, "%s/%s", dir + strlen ("flux/"), file);
  if (small == NULL)
    {
      report (name, FALSE, error->message);
      return;
    }
  double e = golden_rel_error (out, dir, "out.npy");
  double es = golden_rel_error (small, dir, "out_small_t.npy");
  guint64 resident, streamed;
  rf_flux_get_memory (flux, &resident, &streamed);
  /* a tiny RECTIFY_MEMORY_BUDGET must make the blocks stream */
  gboolean want_stream = g_getenv ("RECTIFY_MEMORY_BUDGET") != NULL
                         && rf_backend_kind (be) != RF_BACKEND_CPU;
  g_snprintf (detail, sizeof detail, "rel err %.2e (max %.0e), small t %.2e (max %.0e)%s", e, tol,
              es, tol_small, streamed ? ", blocks streamed" : "");
  report (name, e >= 0 && e <= tol && es >= 0 && es <= tol_small
          && (streamed > 0) == want_stream, detail);
}

/* The same weights in BFL and diffusers layouts load to the same model. */
static void
layouts_identical (RfBackend *be)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfFlux) a = load (be, "flux/tiny-bf16", "model.safetensors", &error);
  g_autoptr (RfFlux) b = a ? load (be, "flux/tiny-bf16", "model-diffusers.safetensors", &error) : NULL;
  g_autoptr (RfTensor) oa = b ? forward (a, "flux/tiny-bf16", "in_t.npy", "in_guidance.npy", &error) : NULL;
  g_autoptr (RfTensor) ob = oa ? forward (b, "flux/tiny-bf16", "in_t.npy", "in_guidance.npy", &error) : NULL;
  g_autofree float *fa = ob ? rf_tensor_read_f32 (oa, &error) : NULL;
  g_autofree float *fb = fa ? rf_tensor_read_f32 (ob, &error) : NULL;
  report ("BFL and diffusers layouts give identical outputs",
          fb != NULL && memcmp (fa, fb, rf_tensor_nbytes (oa)) == 0,
          fb ? "bitwise" : error->message);
}

static void
bad_inputs (RfBackend *be)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfFlux) flux = load (be, "flux/tiny", "model.safetensors", &error);
  g_assert_no_error (error);
  g_autoptr (RfTensor) img = golden_tensor (be, "flux/tiny", "in_img.npy", &error);
  g_autoptr (RfTensor) txt = golden_tensor (be, "flux/tiny", "in_txt.npy", &error);
  g_autoptr (RfTensor) y = golden_tensor (be, "flux/tiny", "in_y.npy", &error);
  g_autoptr (RfTensor) out = rf_tensor_new_4d (be, RF_DTYPE_F32, 3, 1, 15, 64, 0, &error);
  g_assert_no_error (error);
  struct { const char *name; int rows, cols; float t; const RfTensor *img, *txt; const char *want; } cases[] = {
    { "grid of zero", 0, 5, 0.5f, img, txt, "empty" },
    { "token count does not match the grid", 4, 5, 0.5f, img, txt, "img" },
    { "NaN timestep", 3, 5, NAN, img, txt, "t must be" },
    { "txt with the wrong width", 3, 5, 0.5f, img, img, "txt" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_clear_error (&error);
      gboolean ok = rf_flux_forward (flux, cases[i].img, cases[i].txt, y, cases[i].t, 1.0f,
                                     cases[i].rows, cases[i].cols, out, &error);
      report (cases[i].name, !ok && error && strstr (error->message, cases[i].want),
              error ? error->message : "no error");
    }
  /* NaN and infinity in the inputs */
  g_clear_error (&error);
  g_autoptr (RfTensor) bad_img = rf_tensor_new_like (be, img, &error);
  g_autofree float *vals = rf_tensor_read_f32 (img, &error);
  g_assert_no_error (error);
  vals[17] = NAN;
  g_assert (rf_tensor_write_f32 (bad_img, vals, rf_tensor_numel (img), &error));
  gboolean ok = rf_flux_forward (flux, bad_img, txt, y, 0.5f, 1.0f, 3, 5, out, &error);
  report ("NaN in img", !ok && error && strstr (error->message, "img holds NaN"),
          error ? error->message : "no error");
  g_clear_error (&error);
  vals[17] = INFINITY;
  g_assert (rf_tensor_write_f32 (bad_img, vals, rf_tensor_numel (img), &error));
  ok = rf_flux_forward (flux, bad_img, txt, y, 0.5f, 1.0f, 3, 5, out, &error);
  report ("infinity in img", !ok && error && strstr (error->message, "img holds NaN"),
          error ? error->message : "no error");
  g_clear_error (&error);

  /* a file of another family */
  g_clear_error (&error);
  g_autofree char *ae_path = golden_path ("ae", "model.safetensors");
  g_autoptr (RfModelFile) mf = rf_model_file_open (ae_path, &error);
  g_autoptr (RfFlux) wrong = mf ? rf_flux_load (be, mf, &error) : NULL;
  report ("an autoencoder file is not a transformer", wrong == NULL && error != NULL
          && g_error_matches (error, RF_MODEL_ERROR, RF_MODEL_ERROR_NOT_FOUND),
          error ? error->message : "loaded");
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
  gboolean cpu = rf_backend_kind (be) == RF_BACKEND_CPU;
  double tol = cpu ? 1e-4 : 1e-3, tol_small = cpu ? 1e-5 : 1e-3;
  printf ("# backend: %s\n", rf_backend_description (be));
  golden_case (be, "flux/tiny", "model.safetensors", tol, tol_small);
  golden_case (be, "flux/tiny-bf16", "model.safetensors", tol, tol_small);
  golden_case (be, "flux/tiny-bf16", "model-diffusers.safetensors", tol, tol_small);
  golden_case (be, "flux/tiny-schnell", "model.safetensors", tol, tol_small);
  golden_case (be, "flux/tiny-fill", "model.safetensors", tol, tol_small);
  layouts_identical (be);
  bad_inputs (be);
  printf ("%d passed, %d failed\n", n_passed, n_failed);
  return n_failed ? 1 : 0;
}
