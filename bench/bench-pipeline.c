/* bench-pipeline.c — seconds per step and peak host memory of every job,
 * on the CPU and the Vulkan backend, for two model configurations:
 *
 *   tiny    the test set (tests/data/pipeline): hidden 32, 1+1 blocks,
 *           autoencoder factor 2; measures the pipeline's own overhead
 *   medium  the medium set of bench-models.h, written to a temporary folder: hidden 512
 *           (4 heads of 128, RoPE 16/56/56), 2 double + 4 single blocks,
 *           T5/CLIP-wide inputs (4096, 768), 256 text tokens (schnell's T5
 *           length, from the test conditioning), and a FLUX-
 *           shaped autoencoder with ch 64 (factor 8, 16 channels): the real
 *           code paths at a fraction of FLUX.1's size
 *
 *   bench-pipeline [--config tiny|medium|all] [--backend cpu|vulkan|all]
 *                  [--size PX] [--steps N]
 *
 * Peak memory is the process's resident set high-water mark, reset before
 * each job (/proc/self/clear_refs); device memory is not included. The
 * last column is Vulkan's time per step over the CPU's for the same job. */
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rf-pipeline.h"
#include "bench-models.h"
#include "vulkan/rf-vulkan.h"

/* --- measuring --- */

static double
peak_rss_mib (void)
{
  g_autofree char *status = NULL;
  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return NAN;
  const char *p = strstr (status, "VmHWM:");
  return p ? g_ascii_strtod (p + 6, NULL) / 1024.0 : NAN;
}

static void
reset_peak (void)
{
  FILE *f = fopen ("/proc/self/clear_refs", "w");
  if (f)
    {
      fputs ("5", f);
      fclose (f);
    }
}

typedef struct {
  double s_per_step, peak_mib, total;
  gboolean ok;
} Sample;

static Sample
measure (RfBackend *be, const RfModelSet *set, RfJobKind kind, int size, guint steps,
         gboolean medium)
{
  Sample s = { NAN, NAN, NAN, FALSE };
  g_autoptr (RfPipeline) pipe = rf_pipeline_new (be, set);
  if (medium)
    rf_pipeline_set_conditioner (pipe, FALSE, rf_conditioner_new_test (4096, 768, 256));
  g_autoptr (RfImage) im = rf_image_new (size, size, 4, NULL);
  g_autoptr (RfImage) mask = rf_image_new (size, size, 1, NULL);
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      {
        float *p = rf_image_pixel (im, x, y);
        p[0] = 0.5f + 0.4f * sinf (x * 0.1f);
        p[1] = 0.5f + 0.4f * cosf (y * 0.07f);
        p[2] = 0.5f;
        p[3] = 1;
        *rf_image_pixel (mask, x, y) = x > size / 4 && x < size / 2 && y > size / 4
                                       && y < size / 2;
      }
  RfJobParams p;
  rf_job_params_init (&p, kind);
  p.image = im;
  p.mask = mask;
  p.width = p.height = size;
  p.steps = steps;
  p.prompt = "a benchmark";
  p.inject = 2;
  p.inpaint_method = RF_INPAINT_BLEND;
  /* the whole image is the work size: no crop-to-context or budget scaling */
  p.max_pixels = (double) size * size;
  reset_peak ();
  /* one warm-up job loads the models and builds the Vulkan pipelines */
  g_autoptr (RfJobResult) warm = rf_pipeline_run (pipe, &p, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (RfJobResult) r = warm ? rf_pipeline_run (pipe, &p, &error) : NULL;
  if (r == NULL)
    {
      printf ("  (%s failed: %s)\n", rf_job_kind_name (kind), error ? error->message : "warm-up");
      return s;
    }
  s.s_per_step = r->seconds_per_step;
  s.total = r->seconds_total;
  s.peak_mib = peak_rss_mib ();
  s.ok = TRUE;
  return s;
}

int
main (int argc, char **argv)
{
  g_autofree char *config = NULL, *backend = NULL;
  int size = 0, steps = 4;
  GOptionEntry entries[] = {
    { "config", 0, 0, G_OPTION_ARG_STRING, &config, "tiny, medium or all (default)", "NAME" },
    { "backend", 0, 0, G_OPTION_ARG_STRING, &backend, "cpu, vulkan or all (default)", "NAME" },
    { "size", 0, 0, G_OPTION_ARG_INT, &size, "image side (default: tiny 64, medium 256)", "PX" },
    { "steps", 0, 0, G_OPTION_ARG_INT, &steps, "sampling steps per job (default 4)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("— pipeline jobs: s/step, peak memory");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || steps < 1 || size < 0)
    {
      fprintf (stderr, "bench-pipeline: %s\n", error ? error->message : "bad --steps/--size");
      return 2;
    }
  gboolean want_cpu = !backend || !strcmp (backend, "all") || !strcmp (backend, "cpu");
  gboolean want_vk = !backend || !strcmp (backend, "all") || !strcmp (backend, "vulkan");
  g_autoptr (RfBackend) cpu = want_cpu ? rf_backend_new_cpu (0) : NULL;
  g_autoptr (RfBackend) vk = want_vk ? rf_backend_new_vulkan (NULL, NULL) : NULL;
  if (want_vk && vk == NULL)
    printf ("no Vulkan device: CPU only\n");
  if (cpu)
    printf ("cpu:    %s\n", rf_backend_description (cpu));
  if (vk)
    printf ("vulkan: %s\n", rf_backend_description (vk));

  g_autofree char *tmp = g_dir_make_tmp ("rectify-bench-XXXXXX", NULL);
  const char *configs[] = { "tiny", "medium" };
  for (int c = 0; c < 2; c++)
    {
      if (config && strcmp (config, "all") && strcmp (config, configs[c]))
        continue;
      g_autoptr (RfModelSet) set = NULL;
      int side = size;
      if (c == 0)
        {
          set = rf_model_set_new_test ();
          side = side ? side : 64;
        }
      else
        {
          set = rf_model_set_new ();
          set->flux = g_build_filename (tmp, "flux-medium.safetensors", NULL);
          set->ae = g_build_filename (tmp, "ae-medium.safetensors", NULL);
          set->test_model = TRUE;
          if (!bench_write_medium_flux (set->flux) || !bench_write_medium_ae (set->ae))
            {
              fprintf (stderr, "bench-pipeline: cannot write the medium model to %s\n", tmp);
              return 1;
            }
          side = side ? side : 256;
        }
      if (set == NULL)
        {
          fprintf (stderr, "bench-pipeline: the tiny test set is missing\n");
          return 1;
        }
      printf ("\n%s, %dx%d, %d steps\n", configs[c], side, side, steps);
      printf ("  %-12s %14s %10s %14s %10s %10s\n", "job", "cpu s/step", "cpu MiB",
              "vulkan s/step", "vk MiB", "vk/cpu");
      RfJobKind kinds[] = { RF_JOB_GENERATE, RF_JOB_RECONSTRUCT, RF_JOB_EDIT, RF_JOB_INPAINT };
      for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
        {
          Sample a = cpu ? measure (cpu, set, kinds[k], side, steps, c == 1) : (Sample) { NAN, NAN, NAN, 0 };
          Sample b = vk ? measure (vk, set, kinds[k], side, steps, c == 1) : (Sample) { NAN, NAN, NAN, 0 };
          printf ("  %-12s %14.4f %10.1f %14.4f %10.1f %10.2f\n", rf_job_kind_name (kinds[k]),
                  a.s_per_step, a.peak_mib, b.s_per_step, b.peak_mib,
                  b.s_per_step / a.s_per_step);
          fflush (stdout);
        }
    }
  g_autofree char *f1 = g_build_filename (tmp, "flux-medium.safetensors", NULL);
  g_autofree char *f2 = g_build_filename (tmp, "ae-medium.safetensors", NULL);
  g_unlink (f1);
  g_unlink (f2);
  g_rmdir (tmp);
  return 0;
}
