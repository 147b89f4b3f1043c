/* test-pipeline-inversion.c — inversion, reconstruction and RF-Edit on the
 * tiny model set: the round trip converges as steps grow (faster with
 * RF-Solver than Euler at equal NFE), RF-Edit with no sharing and equal
 * prompts is reconstruction, sharing changes the result and costs what
 * was announced, and an inverted latent regenerates the input.
 *
 *   test-pipeline-inversion [--backend cpu|vulkan]
 */
#include "pipeline-test.h"

static RfBackend *be;

static RfJobResult *
reconstruct (RfPipeline *pipe, const RfImage *im, guint steps, RfSolverKind solver,
             GError **error)
{
  RfJobParams p;
  rf_job_params_init (&p, RF_JOB_RECONSTRUCT);
  p.image = im;
  p.steps = steps;
  p.solver = solver;
  p.source_prompt = "a test pattern";
  return rf_pipeline_run (pipe, &p, error);
}

static void
convergence (void)
{
  g_autoptr (RfPipeline) pipe = test_pipeline (be, NULL, FALSE);
  g_autoptr (RfImage) im = test_image (32, 24);
  guint steps[] = { 2, 4, 8, 16 };
  double err_rf2[4], err_euler[4];
  GString *s = g_string_new (NULL);
  gboolean ok = TRUE, falls = TRUE;
  for (int i = 0; i < 4; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (RfJobResult) a = reconstruct (pipe, im, steps[i], RF_SOLVER_RF2, &error);
      /* Euler with twice the steps: the same number of evaluations */
      g_autoptr (RfJobResult) b = a ? reconstruct (pipe, im, 2 * steps[i], RF_SOLVER_EULER,
                                                   &error) : NULL;
      if (b == NULL)
        {
          report ("reconstruct", FALSE, "%s", error->message);
          g_string_free (s, TRUE);
          return;
        }
      err_rf2[i] = a->latent_error;
      err_euler[i] = b->latent_error;
      ok &= a->nfe == b->nfe && isfinite (a->psnr);
      if (i > 0)
        falls &= err_rf2[i] < err_rf2[i - 1] && err_euler[i] < err_euler[i - 1];
      g_string_append_printf (s, " %u:%.2e/%.2e", steps[i], err_rf2[i], err_euler[i]);
    }
  report ("reconstruct error falls with steps (rf2/euler)", ok && falls, "%s", s->str);
  gboolean faster = TRUE;
  for (int i = 1; i < 4; i++)
    faster &= err_rf2[i] < err_euler[i];
  /* second order: halving h quarters the error; first order halves it */
  double rate_rf2 = err_rf2[2] / err_rf2[3], rate_euler = err_euler[2] / err_euler[3];
  report ("RF-Solver beats Euler at equal NFE", ok && faster && rate_rf2 > rate_euler,
          "error ratio 8→16 steps: rf2 %.2f, euler %.2f", rate_rf2, rate_euler);
  g_string_free (s, TRUE);
}

static void
on_notice (const char *msg, gpointer data)
{
  /* "… ; 1.2 MiB of host memory (f16)" — any RF-Edit notice counts */
  if (strstr (msg, "RF-Edit") != NULL)
    (*(int *) data)++;
}

static RfJobResult *
edit (RfPipeline *pipe, const RfImage *im, const char *src, const char *dst, int inject,
      double guidance, guint steps, guint64 *announced, GError **error)
{
  int notices = 0;
  RfJobParams p;
  rf_job_params_init (&p, RF_JOB_EDIT);
  p.image = im;
  p.source_prompt = src;
  p.prompt = dst;
  p.inject = inject;
  p.guidance = guidance;
  p.steps = steps;
  p.notice = on_notice;
  p.user_data = &notices;
  RfJobResult *r = rf_pipeline_run (pipe, &p, error);
  if (announced)
    *announced = notices;
  return r;
}

static void
edit_cases (void)
{
  g_autoptr (RfPipeline) pipe = test_pipeline (be, NULL, FALSE);
  g_autoptr (RfImage) im = test_image (32, 24);
  g_autoptr (GError) error = NULL;
  RfJobParams p;
  rf_job_params_init (&p, RF_JOB_RECONSTRUCT);
  p.image = im;
  p.steps = 6;
  p.source_prompt = "a cat";
  g_autoptr (RfJobResult) rec = rf_pipeline_run (pipe, &p, &error);
  g_autoptr (RfJobResult) e0 = rec ? edit (pipe, im, "a cat", "a cat", 0, 1.0, 6, NULL, &error)
                                   : NULL;
  if (e0 == NULL)
    {
      report ("edit", FALSE, "%s", error->message);
      return;
    }
  double d = max_abs_diff (e0->image, rec->image);
  report ("edit, inject 0, same prompts = reconstruct", d == 0 && e0->nfe == rec->nfe,
          "max diff %g, nfe %u/%u", d, e0->nfe, rec->nfe);

  guint64 notices = 0;
  g_autoptr (RfJobResult) e3 = edit (pipe, im, "a cat", "a cat", 3, 1.0, 6, &notices, &error);
  g_autoptr (RfJobResult) t0 = e3 ? edit (pipe, im, "a cat", "a tiger", 0, 2.0, 6, NULL, &error)
                                  : NULL;
  g_autoptr (RfJobResult) t3 = t0 ? edit (pipe, im, "a cat", "a tiger", 3, 2.0, 6, NULL, &error)
                                  : NULL;
  if (t3 == NULL)
    {
      report ("edit", FALSE, "%s", error->message);
      return;
    }
  /* tiny model: hidden 32, 1 single block, 8 text + 6×8 image tokens,
   * rf2 = 2 evaluations per step, 3 steps, f16 */
  guint64 expect = 3ull * 2 * 1 * 32 * (8 + 6 * 8) * 2;
  report ("V cache size announced before running", notices >= 1 && e3->v_cache_bytes == expect,
          "%" G_GUINT64_FORMAT " bytes (expected %" G_GUINT64_FORMAT ")", e3->v_cache_bytes,
          expect);
  /* sharing source V keeps the edit nearer the input than no sharing */
  double dist_inj = max_abs_diff (t3->image, rec->image), dist_free = max_abs_diff (t0->image,
                                                                                   rec->image);
  report ("injection changes the edit", max_abs_diff (t3->image, t0->image) > 1e-4,
          "max diff %g between inject 3 and 0", max_abs_diff (t3->image, t0->image));
  report ("edit with another prompt changes the image", dist_free > 1e-3,
          "max diff %g from the reconstruction (injected %g)", dist_free, dist_inj);

  g_autoptr (RfPipeline) sp = test_pipeline (be, "flux-schnell.safetensors", FALSE);
  g_autoptr (RfJobResult) s = edit (sp, im, "a cat", "a tiger", RF_DEFAULT_INT, NAN,
                                    RF_DEFAULT_STEPS, NULL, &error);
  if (s == NULL)
    report ("edit with schnell (defaults)", FALSE, "%s", error->message);
  else
    report ("edit with schnell (defaults)", s->image && s->steps == 8 && s->nfe == 32,
            "%u steps, nfe %u", s->steps, s->nfe);
}

/* invert, then generate from the noise with the same prompt, solver and
 * guidance: the reconstruction, bit for bit */
static void
invert_then_generate (void)
{
  g_autoptr (RfPipeline) pipe = test_pipeline (be, NULL, FALSE);
  g_autoptr (RfImage) im = test_image (32, 24);
  for (gsize i = 0; i < 32 * 24; i++)
    im->data[i * 4 + 3] = 1;   /* generate gives opaque images */
  g_autoptr (GError) error = NULL;
  RfJobParams p;
  rf_job_params_init (&p, RF_JOB_INVERT);
  p.image = im;
  p.steps = 5;
  p.source_prompt = "a dog";
  g_autoptr (RfJobResult) inv = rf_pipeline_run (pipe, &p, &error);
  p.kind = RF_JOB_RECONSTRUCT;
  g_autoptr (RfJobResult) rec = inv ? rf_pipeline_run (pipe, &p, &error) : NULL;
  RfJobParams g;
  rf_job_params_init (&g, RF_JOB_GENERATE);
  g.noise = inv ? inv->latent : NULL;
  g.prompt = "a dog";
  g.steps = 5;
  g.guidance = 1.0;
  g.solver = RF_SOLVER_RF2;
  g_autoptr (RfJobResult) gen = rec ? rf_pipeline_run (pipe, &g, &error) : NULL;
  if (gen == NULL)
    {
      report ("invert → generate", FALSE, "%s", error->message);
      return;
    }
  report ("invert gives the noise latent", inv->latent->channels == 16
          && inv->latent->height == 12 && inv->latent->width == 16 && inv->image == NULL,
          "latent %dx%dx%d", inv->latent->channels, inv->latent->height, inv->latent->width);
  double d = max_abs_diff (gen->image, rec->image);
  report ("generate from the inverted noise = reconstruct", d == 0, "max diff %g", d);
}

int
main (int argc, char **argv)
{
  be = test_backend_from_args (argc, argv);
  if (be == NULL)
    return 77;
  /* ~250 evaluations: the CPU run checks the numerics, the Vulkan run the
   * code paths (test-pipeline-backends compares the two) */
  if (!(argc == 3 && strcmp (argv[2], "vulkan") == 0))
    convergence ();
  edit_cases ();
  invert_then_generate ();
  int rc = finish ();
  rf_backend_free (be);
  return rc;
}
