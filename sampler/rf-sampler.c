/* rf-sampler.c — error domain and the evaluation wrapper every solver uses. */
#include <math.h>

#include "rf-sampler-private.h"

G_DEFINE_QUARK (rf-sampler-error-quark, rf_sampler_error)

gboolean
rf_sampler_check_timesteps (const double *t, guint n_steps, GError **error)
{
  g_return_val_if_fail (t != NULL, FALSE);

  if (n_steps < 1)
    {
      g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                   _("A schedule needs at least one step"));
      return FALSE;
    }
  for (guint i = 0; i <= n_steps; i++)
    if (!isfinite (t[i]) || t[i] < 0.0 || t[i] > 1.0)
      {
        g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                     _("Timestep %u is %g; timesteps must lie in [0, 1]"), i, t[i]);
        return FALSE;
      }
  gboolean down = t[1] < t[0];
  for (guint i = 0; i < n_steps; i++)
    if ((down && !(t[i + 1] < t[i])) || (!down && !(t[i + 1] > t[i])))
      {
        g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                     _("Timesteps must be strictly monotone (steps %u and %u are %g and %g)"),
                     i, i + 1, t[i], t[i + 1]);
        return FALSE;
      }
  return TRUE;
}

gboolean
rf_sampler_check_callbacks (const RfSamplerCallbacks *cb, GError **error)
{
  g_return_val_if_fail (cb != NULL, FALSE);
  g_return_val_if_fail (cb->velocity != NULL, FALSE);
  if (cb->n == 0)
    {
      g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                   _("The sampler state is empty"));
      return FALSE;
    }
  return TRUE;
}

gboolean
rf_sampler_eval (const RfSamplerCallbacks *cb,
                 guint                     step,
                 guint                     stage,
                 const float              *x,
                 double                    t,
                 float                    *v_out,
                 GError                  **error)
{
  if (g_cancellable_set_error_if_cancelled (cb->cancellable, error))
    return FALSE;
  if (cb->stage)
    cb->stage (step, stage, t, cb->stage_data);

  GError *local = NULL;
  if (!cb->velocity (x, (float) t, v_out, cb->velocity_data, &local))
    {
      if (local == NULL)
        g_set_error (&local, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_NUMERIC,
                     _("The velocity evaluation at t = %g failed without a reason"), t);
      g_propagate_error (error, local);
      return FALSE;
    }
  /* One cheap pass: a NaN from a broken model must not reach the image. */
  for (gsize i = 0; i < cb->n; i++)
    if (!isfinite (v_out[i]))
      {
        g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_NUMERIC,
                     _("The velocity at t = %g has a non-finite value at element %zu"),
                     t, i);
        return FALSE;
      }
  return TRUE;
}

void
rf_sampler_report (const RfSamplerCallbacks *cb,
                   guint                     step,
                   guint                     n_steps,
                   double                    t,
                   const float              *x)
{
  if (cb->progress)
    cb->progress (step, n_steps, t, cb->progress_data);
  if (cb->preview)
    cb->preview (x, step, cb->preview_data);
}

float *
rf_sampler_alloc (gsize n, GError **error)
{
  float *p = g_try_new0 (float, n);
  if (p == NULL)
    g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_NO_MEMORY,
                 _("Could not allocate %zu bytes for the sampler"),
                 n * sizeof (float));
  return p;
}
