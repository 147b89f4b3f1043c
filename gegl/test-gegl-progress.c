/* test-gegl-progress.c — rectify:generate from C through a GEGL graph:
 * the node's "progress" signal rises (never falls), passes through
 * values in between (the sampling steps) and ends at 1; the image has the
 * asked size; and this process (the host) never mapped Vulkan or a model
 * file: the model ran in the engine service.
 * Run with GEGL_PATH naming the built modules and the service settings of
 * gegl-test-service.sh.
 *   test-gegl-progress      exit 0 = pass, 77 = the op is not found */
#include <gegl.h>
#include <libintl.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  double last;
  int n, n_between;
  gboolean monotone;
} Seen;

static void
on_progress (GeglNode *node, double fraction, gpointer data)
{
  Seen *s = data;
  if (fraction + 1e-9 < s->last)
    s->monotone = FALSE;
  if (fraction > 0.1 + 1e-6 && fraction < 0.95 + 1e-6)
    s->n_between++;
  s->last = fraction;
  s->n++;
}

/* Whether /proc/self/maps names anything of the engine: the Vulkan
 * loader or a driver, or a model file (models are mapped). (Not BLAS:
 * GEGL's own matting module loads it.) */
static gboolean
host_is_clean (void)
{
  g_autofree char *maps = NULL;
  if (!g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL))
    {
      printf ("FAIL cannot read /proc/self/maps\n");
      return FALSE;
    }
  static const char *const engine[] = { "libvulkan", "libvulkan_", "VkLayer", ".safetensors",
                                        ".gguf" };
  g_auto (GStrv) lines = g_strsplit (maps, "\n", -1);
  gboolean clean = TRUE;
  for (char **l = lines; *l; l++)
    for (gsize i = 0; i < G_N_ELEMENTS (engine); i++)
      if (strstr (*l, engine[i]))
        {
          printf ("FAIL the host process maps %s\n", strchr (*l, '/') ? strchr (*l, '/') : *l);
          clean = FALSE;
        }
  gboolean module_seen = strstr (maps, "rectify-generate.so") != NULL;
  if (!module_seen)
    printf ("FAIL the rectify:generate module is not mapped: the check saw nothing\n");
  else if (clean)
    printf ("ok the host process maps the module but no Vulkan or model file\n");
  return clean && module_seen;
}

int
main (void)
{
  gegl_init (NULL, NULL);
  if (!gegl_has_operation ("rectify:generate"))
    {
      printf ("SKIP: rectify:generate not found on GEGL_PATH\n");
      gegl_exit ();
      return 77;
    }
  /* the module bound our text domain as it loaded (labels are translated) */
  const char *want = g_getenv ("RECTIFY_LOCALEDIR");
  const char *bound = bindtextdomain ("rectify", NULL);
  gboolean i18n_ok = want != NULL && bound != NULL && strcmp (want, bound) == 0;
  printf ("%s text domain bound to %s\n", i18n_ok ? "ok" : "FAIL", bound ? bound : "(none)");
  GeglNode *graph = gegl_node_new ();
  GeglNode *gen = gegl_node_new_child (graph, "operation", "rectify:generate",
                                       "prompt", "a lighthouse", "width", 40, "height", 24,
                                       "steps", 8, "seed", 11, "device", "cpu", NULL);
  Seen s = { 0, 0, 0, TRUE };
  g_signal_connect (gen, "progress", G_CALLBACK (on_progress), &s);
  GeglRectangle box = gegl_node_get_bounding_box (gen);
  float *px = g_new0 (float, 40 * 24 * 4);
  gegl_node_blit (gen, 1.0, &box, babl_format ("R'G'B'A float"), px, GEGL_AUTO_ROWSTRIDE,
                  GEGL_BLIT_DEFAULT);
  double sum = 0;
  for (int i = 0; i < 40 * 24 * 4; i++)
    sum += px[i];
  gboolean size_ok = box.x == 0 && box.y == 0 && box.width == 40 && box.height == 24;
  gboolean prog_ok = s.monotone && s.n_between >= 2 && s.last >= 1.0 - 1e-9;
  printf ("%s bounding box %dx%d at (%d,%d)\n", size_ok ? "ok" : "FAIL", box.width, box.height,
          box.x, box.y);
  printf ("%s progress: %d signals, %d during sampling, %s, last %.2f\n",
          prog_ok ? "ok" : "FAIL", s.n, s.n_between, s.monotone ? "rising" : "falls back",
          s.last);
  printf ("%s pixels written (mean %.3f)\n", sum > 0 ? "ok" : "FAIL", sum / (40 * 24 * 4));
  gboolean clean = host_is_clean ();
  g_free (px);
  g_object_unref (graph);
  gegl_exit ();
  return size_ok && prog_ok && sum > 0 && clean && i18n_ok ? 0 : 1;
}
