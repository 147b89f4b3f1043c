/* test-pipeline-backends.c — every job on the CPU and the Vulkan backend
 * gives the same image within tolerance (same seed, tiny model set).
 * Skips (77) without a Vulkan device.
 *
 * Tolerance: the two backends round differently (f32 sums in another
 * order, f16-stored weights decoded in the shader), and sampling carries
 * the differences through every step. On the tiny model they are ~2e-5
 * in the latent and ≤ 2e-4 in any pixel channel (Fill, the largest), so
 * 2e-3 max and 2e-4 RMS leave a 10× margin and still catch a broken
 * kernel. */
#include "pipeline-test.h"

#define TOL_MAX 2e-3
#define TOL_RMS 2e-4

static double
rms_diff (const RfImage *a, const RfImage *b)
{
  gsize n = (gsize) a->width * a->height * a->channels;
  double s = 0;
  for (gsize i = 0; i < n; i++)
    s += ((double) a->data[i] - b->data[i]) * ((double) a->data[i] - b->data[i]);
  return sqrt (s / n);
}

static RfJobResult *
run_on (RfBackend *be, RfJobParams *p, gboolean fill, GError **error)
{
  g_autoptr (RfPipeline) pipe = test_pipeline (be, NULL, fill);
  return rf_pipeline_run (pipe, p, error);
}

static void
compare (RfBackend *cpu, RfBackend *vk, const char *name, RfJobParams *p, gboolean fill)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfJobResult) a = run_on (cpu, p, fill, &error);
  g_autoptr (RfJobResult) b = a ? run_on (vk, p, fill, &error) : NULL;
  if (b == NULL)
    {
      report (name, FALSE, "%s", error->message);
      return;
    }
  if (p->kind == RF_JOB_INVERT)
    {
      gsize n = (gsize) a->latent->channels * a->latent->height * a->latent->width;
      double m = 0, ref = 0;
      for (gsize i = 0; i < n; i++)
        {
          m = MAX (m, fabs ((double) a->latent->data[i] - b->latent->data[i]));
          ref = MAX (ref, fabs ((double) a->latent->data[i]));
        }
      report (name, m / ref < 1e-3, "latent max rel diff %.2e", m / ref);
      return;
    }
  double mx = max_abs_diff (a->image, b->image), rms = rms_diff (a->image, b->image);
  report (name, mx >= 0 && mx < TOL_MAX && rms < TOL_RMS, "max %.2e, rms %.2e", mx, rms);
}

int
main (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfBackend) vk = rf_backend_new_vulkan (NULL, &error);
  if (vk == NULL)
    {
      printf ("skip: %s\n", error->message);
      return 77;
    }
  g_autoptr (RfBackend) cpu = rf_backend_new_cpu (0);
  printf ("cpu: %s\nvulkan: %s\n", rf_backend_description (cpu), rf_backend_description (vk));
  g_autoptr (RfImage) im = test_image (36, 28);
  g_autoptr (RfImage) mask = test_mask (36, 28, 20, 12, 6, 4);
  RfJobParams p;

  rf_job_params_init (&p, RF_JOB_GENERATE);
  p.width = 28;
  p.height = 20;
  p.steps = 4;
  p.seed = 7;
  p.prompt = "a lighthouse";
  compare (cpu, vk, "generate: cpu = vulkan", &p, FALSE);

  rf_job_params_init (&p, RF_JOB_INVERT);
  p.image = im;
  p.steps = 3;
  compare (cpu, vk, "invert: cpu = vulkan", &p, FALSE);

  rf_job_params_init (&p, RF_JOB_EDIT);
  p.image = im;
  p.steps = 3;
  p.inject = 2;
  p.source_prompt = "a cat";
  p.prompt = "a tiger";
  compare (cpu, vk, "edit (inject 2): cpu = vulkan", &p, FALSE);

  rf_job_params_init (&p, RF_JOB_INPAINT);
  p.image = im;
  p.mask = mask;
  p.steps = 3;
  p.seed = 3;
  p.inpaint_method = RF_INPAINT_BLEND;
  compare (cpu, vk, "inpaint blend: cpu = vulkan", &p, FALSE);
  p.inpaint_method = RF_INPAINT_FILL;
  compare (cpu, vk, "inpaint fill: cpu = vulkan", &p, TRUE);
  return finish ();
}
