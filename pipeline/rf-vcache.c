/* rf-vcache.c — RF-Edit's attention-value store (see rf-vcache.h). */
#include <inttypes.h>
#include <glib/gi18n-lib.h>

#include "rf-dtype.h"
#include "rf-error.h"
#include "rf-vcache.h"

struct _RfVCache {
  guint n_steps, n_stages, inject;
  int first_block, n_blocks;
  RfVCacheMode mode;
  guint step, stage;
  gint64 numel;          /* elements per V, fixed by the first one stored */
  guint16 **slots;       /* [inject][n_stages][n_blocks] f16 arrays */
  guint64 bytes;
};

RfVCache *
rf_vcache_new (guint n_steps, guint n_stages, guint inject, int first_block, int n_blocks)
{
  g_return_val_if_fail (n_steps > 0 && n_stages > 0 && first_block >= 0 && n_blocks >= 0, NULL);
  RfVCache *vc = g_new0 (RfVCache, 1);
  vc->n_steps = n_steps;
  vc->n_stages = n_stages;
  vc->inject = MIN (inject, n_steps);
  vc->first_block = first_block;
  vc->n_blocks = n_blocks;
  vc->slots = g_new0 (guint16 *, (gsize) MAX (vc->inject, 1) * n_stages * MAX (n_blocks, 1));
  return vc;
}

void
rf_vcache_free (RfVCache *vc)
{
  if (vc == NULL)
    return;
  gsize n = (gsize) MAX (vc->inject, 1) * vc->n_stages * MAX (vc->n_blocks, 1);
  for (gsize i = 0; i < n; i++)
    g_free (vc->slots[i]);
  g_free (vc->slots);
  g_free (vc);
}

guint64
rf_vcache_plan_bytes (guint inject, guint n_stages, int n_blocks, gint64 numel)
{
  return (guint64) inject * n_stages * (guint64) MAX (n_blocks, 0) * (guint64) numel * 2;
}

guint64
rf_vcache_get_bytes (const RfVCache *vc)
{
  return vc->bytes;
}

void
rf_vcache_set_mode (RfVCache *vc, RfVCacheMode mode)
{
  vc->mode = mode;
}

void
rf_vcache_set_position (RfVCache *vc, guint step, guint stage)
{
  vc->step = step;
  vc->stage = stage;
}

gboolean
rf_vcache_hook (gpointer user_data, int single_block, RfTensor *v, GError **error)
{
  RfVCache *vc = user_data;
  if (vc->mode == RF_VCACHE_OFF || single_block < vc->first_block
      || single_block >= vc->first_block + vc->n_blocks || vc->stage >= vc->n_stages
      || vc->step >= vc->n_steps)
    return TRUE;
  /* the sampling step this V belongs to */
  guint sample_step = vc->mode == RF_VCACHE_STORE ? vc->n_steps - 1 - vc->step : vc->step;
  if (sample_step >= vc->inject)
    return TRUE;
  gsize slot = ((gsize) sample_step * vc->n_stages + vc->stage) * vc->n_blocks
               + (single_block - vc->first_block);
  gint64 numel = rf_tensor_numel (v);
  if (vc->numel != 0 && numel != vc->numel)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_INVALID,
                   _("RF-Edit: attention values of %" PRId64 " elements where %"
                     PRId64 " were stored"), numel, vc->numel);
      return FALSE;
    }
  if (vc->mode == RF_VCACHE_STORE)
    {
      g_autofree float *f = rf_tensor_read_f32 (v, error);
      if (f == NULL)
        return FALSE;
      guint16 *h = vc->slots[slot];
      if (h == NULL)
        {
          h = g_try_new (guint16, numel);
          if (h == NULL)
            {
              g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY,
                           _("RF-Edit: out of host memory for stored attention values (%"
                             PRIu64 " bytes held); use fewer --inject steps or a "
                             "smaller image"), vc->bytes);
              return FALSE;
            }
          vc->slots[slot] = h;
          vc->bytes += (guint64) numel * 2;
          vc->numel = numel;
        }
      /* clamped: an f16 overflow would come back as infinity */
      for (gint64 i = 0; i < numel; i++)
        h[i] = rf_f32_to_f16 (CLAMP (f[i], -65504.f, 65504.f));
      return TRUE;
    }
  const guint16 *h = vc->slots[slot];
  if (h == NULL)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_INVALID,
                   _("RF-Edit: nothing stored for step %u, evaluation %u, block %d"),
                   vc->step, vc->stage, single_block);
      return FALSE;
    }
  g_autofree float *f = g_try_new (float, numel);
  if (f == NULL)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY,
                   _("RF-Edit: out of host memory"));
      return FALSE;
    }
  for (gint64 i = 0; i < numel; i++)
    f[i] = rf_f16_to_f32 (h[i]);
  return rf_tensor_write_f32 (v, f, numel, error);
}
