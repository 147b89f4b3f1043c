/* rf-sde.c — Euler-Maruyama sampling of the marginal-preserving SDE. */
#include <math.h>
#include <string.h>

#include "rf-philox.h"
#include "rf-sampler-private.h"
#include "rf-sde-private.h"

gboolean
rf_sde_check_options (const RfSdeOptions *options, const double *u,
                      guint n_steps, GError **error)
{
  if (!(options->noise_level >= 0.0) || !isfinite (options->noise_level))
    {
      g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                   _("The noise level must be zero or positive, not %g"), options->noise_level);
      return FALSE;
    }
  if (options->path.kind > RF_PATH_VP_COSINE)
    {
      g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                   _("Unknown interpolant path %d"), (int) options->path.kind);
      return FALSE;
    }
  if (!rf_sampler_check_timesteps (u, n_steps, error))
    return FALSE;
  if (u[1] > u[0])
    {
      g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                   _("Stochastic sampling runs from noise to data: times must decrease"));
      return FALSE;
    }
  return TRUE;
}

void
rf_sde_to_path (const RfPath *path, double u, float *x, gsize n)
{
  double s;
  rf_path_to_linear (path, u, NULL, &s, NULL, NULL);
  if (s != 1.0)
    for (gsize i = 0; i < n; i++)
      x[i] = (float) (x[i] * s);
}

void
rf_sde_from_path (const RfPath *path, double u, float *x, gsize n)
{
  double s;
  rf_path_to_linear (path, u, NULL, &s, NULL, NULL);
  if (s != 1.0)
    for (gsize i = 0; i < n; i++)
      x[i] = (float) (x[i] / s);
}

void
rf_sde_step (const RfSdeOptions *options, gsize n, const float *x,
             const float *ubar, double u, double u_next,
             guint64 stream, float *noise, float *x_out)
{
  const double h = u_next - u, eta = options->noise_level;
  double a, s, da, ds;
  rf_path_coefficients (&options->path, u, &a, &s, &da, &ds);

  if (eta == 0.0)
    {
      for (gsize i = 0; i < n; i++)
        x_out[i] = (float) (x[i] + h * ubar[i]);
      return;
    }
  /* eps_hat = (a ubar - a' x) / (a s' - a' s); drift = ubar + eta^2 s / 2 eps_hat */
  const double den = a * ds - da * s;
  const double kd = 0.5 * eta * eta * s / den;
  const double kn = eta * s * sqrt (fabs (h));
  rf_philox_normal (options->seed, stream, 0, noise, n);
  for (gsize i = 0; i < n; i++)
    {
      double drift = ubar[i] + kd * (a * ubar[i] - da * x[i]);
      x_out[i] = (float) (x[i] + h * drift + kn * noise[i]);
    }
}

gboolean
rf_sde_run (const RfSdeOptions       *options,
            float                    *x,
            const double             *u,
            guint                     n_steps,
            const RfSamplerCallbacks *cb,
            GError                  **error)
{
  g_return_val_if_fail (options != NULL && x != NULL && u != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (!rf_sampler_check_callbacks (cb, error) ||
      !rf_sde_check_options (options, u, n_steps, error))
    return FALSE;

  const gsize n = cb->n;
  g_autoptr (RfPathVelocity) pv = rf_path_velocity_new (&options->path, n, cb->velocity,
                                                        cb->velocity_data, error);
  g_autofree float *ubar = pv ? rf_sampler_alloc (n, error) : NULL;
  g_autofree float *noise = ubar ? rf_sampler_alloc (n, error) : NULL;
  g_autofree float *preview = noise ? rf_sampler_alloc (n, error) : NULL;
  if (preview == NULL)
    return FALSE;

  /* The model is called through the path conversion; cancel, stage reports
   * and the NaN check still apply to each call. */
  RfSamplerCallbacks inner = *cb;
  inner.velocity = rf_path_velocity;
  inner.velocity_data = pv;
  inner.preview = NULL;
  inner.progress = NULL;

  rf_sde_to_path (&options->path, u[0], x, n);
  for (guint k = 0; k < n_steps; k++)
    {
      if (!rf_sampler_eval (&inner, k, 0, x, u[k], ubar, error))
        {
          rf_sde_from_path (&options->path, u[k], x, n);
          return FALSE;
        }
      /* The last step adds no noise: g sqrt(h) is small there, and a sample
       * should end on the model's prediction, not on fresh noise. */
      RfSdeOptions o = *options;
      if (k + 1 == n_steps)
        o.noise_level = 0.0;
      rf_sde_step (&o, n, x, ubar, u[k], u[k + 1], options->stream + k, noise, x);

      if (cb->progress)
        cb->progress (k + 1, n_steps, u[k + 1], cb->progress_data);
      if (cb->preview)
        {
          memcpy (preview, x, n * sizeof (float));
          rf_sde_from_path (&options->path, u[k + 1], preview, n);
          cb->preview (preview, k + 1, cb->preview_data);
        }
    }
  rf_sde_from_path (&options->path, u[n_steps], x, n);
  return TRUE;
}
