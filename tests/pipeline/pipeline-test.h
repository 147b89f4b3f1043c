/* pipeline-test.h — what the pipeline tests share: reporting, synthetic
 * images and masks, the tiny model set (tests/data/pipeline) on a
 * backend. Header-only; each test is one program. */
#pragma once

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rf-config.h"
#include "rf-pipeline.h"
#include "vulkan/rf-vulkan.h"

static int n_passed, n_failed;

G_GNUC_UNUSED static void
report (const char *name, gboolean ok, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *detail = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  printf ("%s %-52s %s\n", ok ? "ok  " : "FAIL", name, detail);
  fflush (stdout);
  ok ? n_passed++ : n_failed++;
}

G_GNUC_UNUSED static int
finish (void)
{
  printf ("%d passed, %d failed\n", n_passed, n_failed);
  return n_failed ? 1 : 0;
}

/* A smooth colourful pattern with some alpha variation. */
G_GNUC_UNUSED static RfImage *
test_image (int w, int h)
{
  RfImage *im = rf_image_new (w, h, 4, NULL);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        float *p = rf_image_pixel (im, x, y);
        p[0] = 0.5f + 0.4f * sinf (x * 0.21f);
        p[1] = 0.5f + 0.4f * cosf (y * 0.17f + x * 0.05f);
        p[2] = (float) (x + y) / (w + h);
        p[3] = x < w / 8 ? 0.5f : 1.0f;
      }
  im->bits = 8;
  return im;
}

/* A feathered disc mask: 1 inside radius @r around (@cx, @cy), falling
 * to 0 over @feather pixels. */
G_GNUC_UNUSED static RfImage *
test_mask (int w, int h, float cx, float cy, float r, float feather)
{
  RfImage *m = rf_image_new (w, h, 1, NULL);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        float d = sqrtf ((x - cx) * (x - cx) + (y - cy) * (y - cy)) - r;
        float v = 0.5f - d / feather;
        *rf_image_pixel (m, x, y) = CLAMP (v, 0.f, 1.f);
      }
  return m;
}

G_GNUC_UNUSED static RfBackend *
test_backend (const char *name, GError **error)
{
  if (g_strcmp0 (name, "vulkan") == 0)
    return rf_backend_new_vulkan (NULL, error);
  return rf_backend_new_cpu (0);
}

/* The backend named by "--backend NAME" in @argv (default cpu), its
 * description printed; NULL (a skip line printed) when it cannot be
 * made: return 77 then. */
G_GNUC_UNUSED static RfBackend *
test_backend_from_args (int argc, char **argv)
{
  const char *name = argc == 3 && strcmp (argv[1], "--backend") == 0 ? argv[2] : "cpu";
  g_autoptr (GError) error = NULL;
  RfBackend *be = test_backend (name, &error);
  if (be == NULL)
    {
      printf ("skip: %s\n", error->message);
      return NULL;
    }
  printf ("backend: %s\n", rf_backend_description (be));
  return be;
}

/* A pipeline on the tiny set; @flux_file / @with_fill choose the parts. */
G_GNUC_UNUSED static RfPipeline *
test_pipeline (RfBackend *be, const char *flux_file, gboolean with_fill)
{
  g_autoptr (RfModelSet) set = rf_model_set_new_test ();
  g_assert_nonnull (set);
  if (flux_file)
    {
      g_free (set->flux);
      set->flux = g_build_filename (rf_model_set_test_dir (), flux_file, NULL);
    }
  if (!with_fill)
    g_clear_pointer (&set->fill, g_free);
  return rf_pipeline_new (be, set);
}

/* Largest |a − b| over the RGBA of two same-size images (-1 if sizes differ). */
G_GNUC_UNUSED static double
max_abs_diff (const RfImage *a, const RfImage *b)
{
  if (a->width != b->width || a->height != b->height || a->channels != b->channels)
    return -1;
  double m = 0;
  gsize n = (gsize) a->width * a->height * a->channels;
  for (gsize i = 0; i < n; i++)
    m = MAX (m, fabs ((double) a->data[i] - b->data[i]));
  return m;
}
