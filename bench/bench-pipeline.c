/* bench-pipeline.c — seconds per step and peak host memory of every job,
 * on the CPU and the Vulkan backend, for two model configurations:
 *
 *   tiny    the test set (tests/data/pipeline): hidden 32, 1+1 blocks,
 *           autoencoder factor 2; measures the pipeline's own overhead
 *   medium  random weights written to a temporary folder: hidden 512
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

#include "rf-dtype.h"
#include "rf-pipeline.h"
#include "rf-philox.h"
#include "rf-safetensors-writer.h"
#include "vulkan/rf-vulkan.h"

/* --- the medium model set --- */

typedef struct {
  RfSafetensorsWriter *w;
  guint64 stream;
  gboolean ok;
} Writer;

static void
put (Writer *wr, const char *name, int ndim, gint64 d0, gint64 d1, gint64 d2, gint64 d3,
     float scale, float offset)
{
  gint64 shape[4] = { d0, d1, d2, d3 };
  gint64 n = 1;
  for (int i = 0; i < ndim; i++)
    n *= shape[i];
  g_autofree float *f = g_new (float, n);
  rf_philox_normal (7, wr->stream++, 0, f, n);
  g_autofree guint16 *h = g_new (guint16, n);
  for (gint64 i = 0; i < n; i++)
    h[i] = rf_f32_to_f16 (offset + scale * f[i]);
  wr->ok &= rf_safetensors_writer_add (wr->w, name, RF_DTYPE_F16, ndim, shape, h, NULL);
}

static void
linear (Writer *wr, const char *name, gint64 out, gint64 in)
{
  g_autofree char *w = g_strconcat (name, ".weight", NULL);
  g_autofree char *b = g_strconcat (name, ".bias", NULL);
  put (wr, w, 2, out, in, 0, 0, 1.f / sqrtf ((float) in), 0);
  put (wr, b, 1, out, 0, 0, 0, 0.01f, 0);
}

static gboolean
write_medium_flux (const char *path)
{
  const gint64 H = 512, M = 2048, D = 128, CTX = 4096, VEC = 768;
  Writer wr = { rf_safetensors_writer_new (), 1, TRUE };
  linear (&wr, "img_in", H, 64);
  linear (&wr, "time_in.in_layer", H, 256);
  linear (&wr, "time_in.out_layer", H, H);
  linear (&wr, "vector_in.in_layer", H, VEC);
  linear (&wr, "vector_in.out_layer", H, H);
  linear (&wr, "guidance_in.in_layer", H, 256);
  linear (&wr, "guidance_in.out_layer", H, H);
  linear (&wr, "txt_in", H, CTX);
  for (int i = 0; i < 2; i++)
    for (int s = 0; s < 2; s++)
      {
        g_autofree char *p = g_strdup_printf ("double_blocks.%d.%s", i, s ? "txt" : "img");
        char n[128];
        g_snprintf (n, sizeof n, "%s_mod.lin", p);
        linear (&wr, n, 6 * H, H);
        g_snprintf (n, sizeof n, "%s_attn.qkv", p);
        linear (&wr, n, 3 * H, H);
        g_snprintf (n, sizeof n, "%s_attn.norm.query_norm.scale", p);
        put (&wr, n, 1, D, 0, 0, 0, 0.04f, 1);
        g_snprintf (n, sizeof n, "%s_attn.norm.key_norm.scale", p);
        put (&wr, n, 1, D, 0, 0, 0, 0.04f, 1);
        g_snprintf (n, sizeof n, "%s_attn.proj", p);
        linear (&wr, n, H, H);
        g_snprintf (n, sizeof n, "%s_mlp.0", p);
        linear (&wr, n, M, H);
        g_snprintf (n, sizeof n, "%s_mlp.2", p);
        linear (&wr, n, H, M);
      }
  for (int i = 0; i < 4; i++)
    {
      char n[128];
      g_snprintf (n, sizeof n, "single_blocks.%d.linear1", i);
      linear (&wr, n, 3 * H + M, H);
      g_snprintf (n, sizeof n, "single_blocks.%d.linear2", i);
      linear (&wr, n, H, H + M);
      g_snprintf (n, sizeof n, "single_blocks.%d.norm.query_norm.scale", i);
      put (&wr, n, 1, D, 0, 0, 0, 0.04f, 1);
      g_snprintf (n, sizeof n, "single_blocks.%d.norm.key_norm.scale", i);
      put (&wr, n, 1, D, 0, 0, 0, 0.04f, 1);
      g_snprintf (n, sizeof n, "single_blocks.%d.modulation.lin", i);
      linear (&wr, n, 3 * H, H);
    }
  linear (&wr, "final_layer.linear", 64, H);
  linear (&wr, "final_layer.adaLN_modulation.1", 2 * H, H);
  rf_safetensors_writer_set_metadata (wr.w, "rectify.test_model", "1");
  gboolean ok = wr.ok && rf_safetensors_writer_save (wr.w, path, NULL);
  rf_safetensors_writer_free (wr.w);
  return ok;
}

static void
conv (Writer *wr, const char *name, gint64 out, gint64 in, gint64 k)
{
  g_autofree char *w = g_strconcat (name, ".weight", NULL);
  g_autofree char *b = g_strconcat (name, ".bias", NULL);
  put (wr, w, 4, out, in, k, k, 1.f / sqrtf ((float) (in * k * k)), 0);
  put (wr, b, 1, out, 0, 0, 0, 0.01f, 0);
}

static void
norm (Writer *wr, const char *name, gint64 ch)
{
  g_autofree char *w = g_strconcat (name, ".weight", NULL);
  g_autofree char *b = g_strconcat (name, ".bias", NULL);
  put (wr, w, 1, ch, 0, 0, 0, 0.04f, 1);
  put (wr, b, 1, ch, 0, 0, 0, 0.01f, 0);
}

static void
resnet (Writer *wr, const char *p, gint64 in, gint64 out)
{
  char n[160];
  g_snprintf (n, sizeof n, "%s.norm1", p);
  norm (wr, n, in);
  g_snprintf (n, sizeof n, "%s.conv1", p);
  conv (wr, n, out, in, 3);
  g_snprintf (n, sizeof n, "%s.norm2", p);
  norm (wr, n, out);
  g_snprintf (n, sizeof n, "%s.conv2", p);
  conv (wr, n, out, out, 3);
  if (in != out)
    {
      g_snprintf (n, sizeof n, "%s.nin_shortcut", p);
      conv (wr, n, out, in, 1);
    }
}

static void
mid (Writer *wr, const char *side, gint64 c)
{
  char n[160];
  g_snprintf (n, sizeof n, "%s.mid.block_1", side);
  resnet (wr, n, c, c);
  g_snprintf (n, sizeof n, "%s.mid.attn_1.norm", side);
  norm (wr, n, c);
  const char *names[] = { "q", "k", "v", "proj_out" };
  for (int i = 0; i < 4; i++)
    {
      g_snprintf (n, sizeof n, "%s.mid.attn_1.%s", side, names[i]);
      conv (wr, n, c, c, 1);
    }
  g_snprintf (n, sizeof n, "%s.mid.block_2", side);
  resnet (wr, n, c, c);
}

/* FLUX's autoencoder layout with ch 64, ch_mult 1,2,4,4, one resnet per level. */
static gboolean
write_medium_ae (const char *path)
{
  const gint64 ch = 64, mult[4] = { 1, 2, 4, 4 }, z = 16;
  Writer wr = { rf_safetensors_writer_new (), 1000, TRUE };
  char n[160];
  conv (&wr, "encoder.conv_in", ch, 3, 3);
  gint64 in = ch;
  for (int i = 0; i < 4; i++)
    {
      g_snprintf (n, sizeof n, "encoder.down.%d.block.0", i);
      resnet (&wr, n, in, ch * mult[i]);
      in = ch * mult[i];
      if (i != 3)
        {
          g_snprintf (n, sizeof n, "encoder.down.%d.downsample.conv", i);
          conv (&wr, n, in, in, 3);
        }
    }
  mid (&wr, "encoder", in);
  norm (&wr, "encoder.norm_out", in);
  conv (&wr, "encoder.conv_out", 2 * z, in, 3);
  in = ch * mult[3];
  conv (&wr, "decoder.conv_in", in, z, 3);
  mid (&wr, "decoder", in);
  for (int i = 3; i >= 0; i--)
    {
      for (int j = 0; j < 2; j++)
        {
          g_snprintf (n, sizeof n, "decoder.up.%d.block.%d", i, j);
          resnet (&wr, n, in, ch * mult[i]);
          in = ch * mult[i];
        }
      if (i != 0)
        {
          g_snprintf (n, sizeof n, "decoder.up.%d.upsample.conv", i);
          conv (&wr, n, in, in, 3);
        }
    }
  norm (&wr, "decoder.norm_out", in);
  conv (&wr, "decoder.conv_out", 3, in, 3);
  gboolean ok = wr.ok && rf_safetensors_writer_save (wr.w, path, NULL);
  rf_safetensors_writer_free (wr.w);
  return ok;
}

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
          if (!write_medium_flux (set->flux) || !write_medium_ae (set->ae))
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
