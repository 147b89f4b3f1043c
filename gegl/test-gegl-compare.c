/* test-gegl-compare.c — judges rectify:* results.
 *   test-gegl-compare INPUT MASK OUTPUT    an inpaint: pixels where the mask
 *                                          is 0 equal the input (within 8-bit
 *                                          rounding), some pixel inside differs
 *   test-gegl-compare --size W H OUTPUT    a generated image: W × H, opaque,
 *                                          not blank (many distinct colours)
 *   test-gegl-compare --changed INPUT OUTPUT  an edit: the same size, and the
 *                                          image changed (mean difference)
 * exit 0 = pass */
#include <gegl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static float *
load (const char *path, const char *format, GeglRectangle *box)
{
  GeglNode *graph = gegl_node_new ();
  GeglNode *node = gegl_node_new_child (graph, "operation", "gegl:load", "path", path, NULL);
  *box = gegl_node_get_bounding_box (node);
  int channels = babl_format_get_n_components (babl_format (format));
  float *data = g_new0 (float, (gsize) MAX (box->width * box->height, 1) * channels);
  gegl_node_blit (node, 1.0, box, babl_format (format), data, GEGL_AUTO_ROWSTRIDE,
                  GEGL_BLIT_DEFAULT);
  g_object_unref (graph);
  return data;
}

static int
check_generated (int w, int h, const char *path)
{
  GeglRectangle box;
  float *px = load (path, "R'G'B'A float", &box);
  int rc = 1;
  if (box.width != w || box.height != h)
    printf ("FAIL generated size %dx%d, asked %dx%d\n", box.width, box.height, w, h);
  else
    {
      g_autoptr (GHashTable) colours = g_hash_table_new (g_direct_hash, g_direct_equal);
      float min_alpha = 1.0f;
      for (gsize i = 0; i < (gsize) w * h; i++)
        {
          guint key = 0;
          for (int c = 0; c < 3; c++)
            key = key << 8 | (guint) (CLAMP (px[i * 4 + c], 0.0f, 1.0f) * 255 + 0.5f);
          g_hash_table_add (colours, GUINT_TO_POINTER (key + 1));
          min_alpha = MIN (min_alpha, px[i * 4 + 3]);
        }
      guint n = g_hash_table_size (colours);
      rc = n >= 16 && min_alpha > 0.99f ? 0 : 1;
      printf ("%s generated %dx%d, %u distinct colours, min alpha %.3f\n", rc ? "FAIL" : "ok",
              w, h, n, min_alpha);
    }
  g_free (px);
  return rc;
}

static int
check_changed (const char *in_path, const char *out_path)
{
  GeglRectangle bi, bo;
  float *in = load (in_path, "R'G'B' float", &bi);
  float *out = load (out_path, "R'G'B' float", &bo);
  int rc = 1;
  if (bi.width == 0 || bi.width != bo.width || bi.height != bo.height)
    printf ("FAIL sizes: input %dx%d output %dx%d\n", bi.width, bi.height, bo.width, bo.height);
  else
    {
      double sum = 0;
      gsize n = (gsize) bi.width * bi.height * 3;
      for (gsize i = 0; i < n; i++)
        sum += fabs (in[i] - out[i]);
      rc = sum / n > 0.01 ? 0 : 1;
      printf ("%s edited %dx%d, mean difference %.4f\n", rc ? "FAIL" : "ok", bo.width, bo.height,
              sum / n);
    }
  g_free (in);
  g_free (out);
  return rc;
}

int
main (int argc, char **argv)
{
  if (argc == 4 && g_strcmp0 (argv[1], "--changed") == 0)
    {
      gegl_init (NULL, NULL);
      int rc = check_changed (argv[2], argv[3]);
      gegl_exit ();
      return rc;
    }
  if (argc == 5 && g_strcmp0 (argv[1], "--size") == 0)
    {
      gegl_init (NULL, NULL);
      int rc = check_generated (atoi (argv[2]), atoi (argv[3]), argv[4]);
      gegl_exit ();
      return rc;
    }
  if (argc != 4)
    return 2;
  gegl_init (NULL, NULL);
  GeglRectangle bi, bm, bo;
  float *in = load (argv[1], "R'G'B' float", &bi);
  float *mask = load (argv[2], "Y' float", &bm);
  float *out = load (argv[3], "R'G'B' float", &bo);
  int rc = 0;
  if (bi.width == 0 || bi.width != bo.width || bi.height != bo.height
      || bm.width != bi.width || bm.height != bi.height)
    {
      printf ("FAIL sizes: input %dx%d mask %dx%d output %dx%d\n", bi.width, bi.height,
              bm.width, bm.height, bo.width, bo.height);
      rc = 1;
    }
  else
    {
      double outside = 0, inside = 0;
      gsize n = (gsize) bi.width * bi.height;
      for (gsize i = 0; i < n; i++)
        for (int c = 0; c < 3; c++)
          {
            double d = fabs (in[i * 3 + c] - out[i * 3 + c]);
            if (mask[i] == 0.0f)
              outside = MAX (outside, d);
            else if (mask[i] > 0.5f)
              inside = MAX (inside, d);
          }
      printf ("%s outside the mask max diff %.5f, inside max diff %.5f\n",
              outside <= 0.5 / 255 && inside > 0.05 ? "ok" : "FAIL", outside, inside);
      rc = outside <= 0.5 / 255 && inside > 0.05 ? 0 : 1;
    }
  g_free (in);
  g_free (mask);
  g_free (out);
  gegl_exit ();
  return rc;
}
