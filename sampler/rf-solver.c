/* rf-solver.c — option handling and the one-step solvers (Euler, Heun,
 * RF-Solver-2, RF-Solver-3).
 *
 * RF-Solver (Wang et al., "Taming Rectified Flow for Inversion and Editing")
 * expands the exact step x(t+h) = x + int_t^{t+h} v(x(s), s) ds in a Taylor
 * series of v along the trajectory:
 *   x(t+h) = x + h v + h^2/2 v' + h^3/6 v'' + O(h^4)
 * and estimates the total derivatives v', v'' by finite differences of
 * velocities evaluated along the predicted trajectory.
 * Order 2: v' = (v(x + h/2 v, t + h/2) - v) / (h/2); the h^2 term then
 *   cancels the h v term exactly and the step is x + h v_mid (the released
 *   code's update, algebraically the explicit midpoint method).
 * Order 3: velocities k1, k2, k3 at t, t + h/2, t + h, the intermediate
 *   states predicted to the order each needs (x + h/2 k1, then
 *   x + h (2 k2 - k1)).  The quadratic through them gives
 *   v' = (-3 k1 + 4 k2 - k3) / h,  v'' = 4 (k1 - 2 k2 + k3) / h^2,
 *   and the Taylor step collapses to x + h (k1 + 4 k2 + k3) / 6, which is
 *   Kutta's third-order Runge-Kutta method; that is what is computed.
 * No formula divides by t, so all four run from or to t = 0 and t = 1 as they
 * are; Heun and RF-3 evaluate v at the end point t[k+1], including t = 0.
 */
#include <math.h>
#include <string.h>

#include "rf-sampler-private.h"
#include "rf-solver-private.h"

static const char *const kind_names[RF_SOLVER_N_KINDS] = {
  [RF_SOLVER_EULER] = "euler",
  [RF_SOLVER_HEUN] = "heun",
  [RF_SOLVER_RF2] = "rf2",
  [RF_SOLVER_RF3] = "rf3",
  [RF_SOLVER_DPMPP_2M] = "dpmpp-2m",
  [RF_SOLVER_AB] = "ab",
};

const char *
rf_solver_kind_name (RfSolverKind kind)
{
  g_return_val_if_fail (kind < RF_SOLVER_N_KINDS, NULL);
  return kind_names[kind];
}

gboolean
rf_solver_kind_from_name (const char *name, RfSolverKind *kind, GError **error)
{
  g_return_val_if_fail (name != NULL && kind != NULL, FALSE);
  for (int k = 0; k < RF_SOLVER_N_KINDS; k++)
    if (g_ascii_strcasecmp (name, kind_names[k]) == 0)
      {
        *kind = (RfSolverKind) k;
        return TRUE;
      }
  g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
               _("Unknown solver “%s” (known: euler, heun, rf2, rf3, dpmpp-2m, ab)"), name);
  return FALSE;
}

static guint
ab_order (const RfSolverOptions *o)
{
  return o->ab_order == 0 ? 2 : o->ab_order;
}

static double
ab_momentum (const RfSolverOptions *o)
{
  return o->momentum == 0.0 ? 1.0 : o->momentum;
}

static gboolean
check_options (const RfSolverOptions *o, GError **error)
{
  if (o->kind >= RF_SOLVER_N_KINDS)
    {
      g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                   _("Unknown solver kind %d"), (int) o->kind);
      return FALSE;
    }
  if (o->kind == RF_SOLVER_AB)
    {
      if (ab_order (o) > 3)
        {
          g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                       _("Adams-Bashforth order must be 1, 2 or 3, not %u"), o->ab_order);
          return FALSE;
        }
      double b = ab_momentum (o);
      if (!(b > 0.0 && b <= 1.0))
        {
          g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                       _("Heavy-ball momentum must lie in (0, 1], not %g"), o->momentum);
          return FALSE;
        }
    }
  return TRUE;
}

guint
rf_solver_nfe (const RfSolverOptions *options, guint n_steps)
{
  g_return_val_if_fail (options != NULL, 0);
  switch (options->kind)
    {
    case RF_SOLVER_HEUN:
    case RF_SOLVER_RF2:
      return 2 * n_steps;
    case RF_SOLVER_RF3:
      return 3 * n_steps;
    case RF_SOLVER_AB:
      /* Order 3 starts with one Heun step (see rf-solver-multistep.c). */
      return n_steps + (ab_order (options) == 3 && n_steps > 0 ? 1 : 0);
    case RF_SOLVER_EULER:
    case RF_SOLVER_DPMPP_2M:
    default:
      return n_steps;
    }
}

guint
rf_solver_steps_for_nfe (const RfSolverOptions *options, guint nfe_budget)
{
  g_return_val_if_fail (options != NULL, 0);
  guint steps = 0;
  while (rf_solver_nfe (options, steps + 1) <= nfe_budget)
    steps++;
  return steps;
}

guint
rf_solver_order (const RfSolverOptions *options)
{
  g_return_val_if_fail (options != NULL, 0);
  switch (options->kind)
    {
    case RF_SOLVER_EULER:
      return 1;
    case RF_SOLVER_HEUN:
    case RF_SOLVER_RF2:
    case RF_SOLVER_DPMPP_2M:
      return 2;
    case RF_SOLVER_RF3:
      return 3;
    case RF_SOLVER_AB:
      return ab_momentum (options) < 1.0 ? 1 : ab_order (options);
    default:
      return 0;
    }
}

/* The one-step methods share this loop. */
static gboolean
run_one_step (RfSolverKind kind, float *x, const double *t, guint n_steps,
              const RfSamplerCallbacks *cb, GError **error)
{
  const gsize n = cb->n;
  /* Four state-sized buffers whatever the method: small next to a model. */
  g_autofree float *k1 = rf_sampler_alloc (n, error);
  g_autofree float *k2 = k1 ? rf_sampler_alloc (n, error) : NULL;
  g_autofree float *k3 = k2 ? rf_sampler_alloc (n, error) : NULL;
  g_autofree float *xs = k3 ? rf_sampler_alloc (n, error) : NULL;
  if (xs == NULL)
    return FALSE;

  for (guint k = 0; k < n_steps; k++)
    {
      const double t0 = t[k], t1 = t[k + 1], h = t1 - t0;
      const double tm = 0.5 * (t0 + t1);

      if (!rf_sampler_eval (cb, k, 0, x, t0, k1, error))
        return FALSE;

      switch (kind)
        {
        case RF_SOLVER_EULER:
          for (gsize i = 0; i < n; i++)
            x[i] = (float) (x[i] + h * k1[i]);
          break;

        case RF_SOLVER_HEUN:
          for (gsize i = 0; i < n; i++)
            xs[i] = (float) (x[i] + h * k1[i]);
          if (!rf_sampler_eval (cb, k, 1, xs, t1, k2, error))
            return FALSE;
          for (gsize i = 0; i < n; i++)
            x[i] = (float) (x[i] + 0.5 * h * ((double) k1[i] + k2[i]));
          break;

        case RF_SOLVER_RF2:
          for (gsize i = 0; i < n; i++)
            xs[i] = (float) (x[i] + 0.5 * h * k1[i]);
          if (!rf_sampler_eval (cb, k, 1, xs, tm, k2, error))
            return FALSE;
          for (gsize i = 0; i < n; i++)
            x[i] = (float) (x[i] + h * k2[i]);
          break;

        case RF_SOLVER_RF3:
          for (gsize i = 0; i < n; i++)
            xs[i] = (float) (x[i] + 0.5 * h * k1[i]);
          if (!rf_sampler_eval (cb, k, 1, xs, tm, k2, error))
            return FALSE;
          for (gsize i = 0; i < n; i++)
            xs[i] = (float) (x[i] + h * (2.0 * k2[i] - k1[i]));
          if (!rf_sampler_eval (cb, k, 2, xs, t1, k3, error))
            return FALSE;
          for (gsize i = 0; i < n; i++)
            x[i] = (float) (x[i] + h / 6.0 * ((double) k1[i] + 4.0 * k2[i] + k3[i]));
          break;

        default:
          g_return_val_if_reached (FALSE);
        }
      rf_sampler_report (cb, k + 1, n_steps, t1, x);
    }
  return TRUE;
}

gboolean
rf_solver_run (const RfSolverOptions    *options,
               float                    *x,
               const double             *t,
               guint                     n_steps,
               const RfSamplerCallbacks *cb,
               GError                  **error)
{
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (x != NULL && t != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!rf_sampler_check_callbacks (cb, error) ||
      !check_options (options, error) ||
      !rf_sampler_check_timesteps (t, n_steps, error))
    return FALSE;

  switch (options->kind)
    {
    case RF_SOLVER_DPMPP_2M:
      return rf_solver_run_dpmpp_2m (x, t, n_steps, cb, error);
    case RF_SOLVER_AB:
      return rf_solver_run_ab (ab_order (options), ab_momentum (options),
                               x, t, n_steps, cb, error);
    default:
      return run_one_step (options->kind, x, t, n_steps, cb, error);
    }
}
