/* vk-profile.c — per-shader GPU time from timestamp queries
 * (RECTIFY_VK_PROFILE=1), summarised on stderr when the backend is
 * freed. */
#include "vk-internal.h"

#include <stdio.h>

struct RfVkProfile {
  guint64 calls[RF_SHADER_COUNT];
  double ns[RF_SHADER_COUNT];
};

RfVkProfile *
rf_vk_profile_new (void)
{
  return g_new0 (RfVkProfile, 1);
}

void
rf_vk_profile_add (RfVkProfile *p, RfShaderId id, double ns)
{
  p->calls[id]++;
  p->ns[id] += ns;
}

static int
by_time (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const RfVkProfile *p = user_data;
  double ta = p->ns[*(const int *) a], tb = p->ns[*(const int *) b];
  return ta < tb ? 1 : ta > tb ? -1 : 0;
}

void
rf_vk_profile_report_free (RfVkProfile *p, const char *device_name)
{
  if (p == NULL)
    return;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (int));
  double total = 0;
  for (int i = 0; i < RF_SHADER_COUNT; i++)
    if (p->calls[i])
      {
        g_array_append_val (ids, i);
        total += p->ns[i];
      }
  g_array_sort_with_data (ids, by_time, p);
  fprintf (stderr, "rectify: GPU time per shader on %s (RECTIFY_VK_PROFILE)\n", device_name);
  fprintf (stderr, "  %-32s %10s %12s %12s %6s\n", "shader", "calls", "total ms", "mean us", "%");
  for (guint k = 0; k < ids->len; k++)
    {
      int i = g_array_index (ids, int, k);
      fprintf (stderr, "  %-32s %10" G_GUINT64_FORMAT " %12.3f %12.2f %6.1f\n",
               rf_shader_table[i].name, p->calls[i], p->ns[i] / 1e6,
               p->ns[i] / 1e3 / (double) p->calls[i], total > 0 ? 100.0 * p->ns[i] / total : 0.0);
    }
  fprintf (stderr, "  %-32s %10s %12.3f\n", "total", "", total / 1e6);
  g_free (p);
}
