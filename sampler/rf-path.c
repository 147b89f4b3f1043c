/* rf-path.c — linear and variance-preserving paths, velocity conversion. */
#include <math.h>

#include "rf-path.h"
#include "rf-sampler-private.h"

struct _RfPathVelocity {
  RfPath          path;
  gsize           n;
  RfVelocityFunc  inner;
  gpointer        inner_data;
  float          *x_lin;  /* xbar / s: the linear-path state */
  float          *v_lin;  /* the inner velocity there */
  double          t_last; /* linear time of the last evaluation */
};

void
rf_path_coefficients (const RfPath *path, double u,
                      double *alpha, double *sigma, double *dalpha, double *dsigma)
{
  double a, s, da, ds;
  switch (path->kind)
    {
    case RF_PATH_VP_BETA:
      {
        double b = path->beta_min > 0.0 ? path->beta_min : 0.1;
        double B = path->beta_max > 0.0 ? path->beta_max : 20.0;
        double T = b * u + 0.5 * (B - b) * u * u;
        double dT = b + (B - b) * u;
        a = exp (-0.5 * T);
        s = sqrt (-expm1 (-T));
        da = -0.5 * dT * a;
        ds = s > 0.0 ? 0.5 * dT * a * a / s : INFINITY;
      }
      break;
    case RF_PATH_VP_COSINE:
      a = cos (0.5 * G_PI * u);
      s = sin (0.5 * G_PI * u);
      da = -0.5 * G_PI * s;
      ds = 0.5 * G_PI * a;
      break;
    case RF_PATH_LINEAR:
    default:
      a = 1.0 - u;
      s = u;
      da = -1.0;
      ds = 1.0;
      break;
    }
  if (alpha) *alpha = a;
  if (sigma) *sigma = s;
  if (dalpha) *dalpha = da;
  if (dsigma) *dsigma = ds;
}

void
rf_path_to_linear (const RfPath *path, double u,
                   double *t, double *scale, double *dt, double *dscale)
{
  double a, s, da, ds;
  rf_path_coefficients (path, u, &a, &s, &da, &ds);
  double sum = a + s;
  if (t) *t = s / sum;
  if (scale) *scale = sum;
  if (dt) *dt = (ds * a - s * da) / (sum * sum);
  if (dscale) *dscale = da + ds;
}

RfPathVelocity *
rf_path_velocity_new (const RfPath *path, gsize n, RfVelocityFunc inner,
                      gpointer inner_data, GError **error)
{
  g_return_val_if_fail (path != NULL && inner != NULL && n > 0, NULL);
  RfPathVelocity *pv = g_new0 (RfPathVelocity, 1);
  pv->path = *path;
  pv->n = n;
  pv->inner = inner;
  pv->inner_data = inner_data;
  pv->x_lin = rf_sampler_alloc (n, error);
  pv->v_lin = pv->x_lin ? rf_sampler_alloc (n, error) : NULL;
  if (pv->v_lin == NULL)
    {
      rf_path_velocity_free (pv);
      return NULL;
    }
  return pv;
}

void
rf_path_velocity_free (RfPathVelocity *pv)
{
  if (pv == NULL)
    return;
  g_free (pv->x_lin);
  g_free (pv->v_lin);
  g_free (pv);
}

gboolean
rf_path_velocity (const float *x, float u, float *v_out, gpointer user_data, GError **error)
{
  RfPathVelocity *pv = user_data;
  double t, s, dt, ds;
  rf_path_to_linear (&pv->path, u, &t, &s, &dt, &ds);
  for (gsize i = 0; i < pv->n; i++)
    pv->x_lin[i] = (float) (x[i] / s);
  pv->t_last = t;
  if (!pv->inner (pv->x_lin, (float) t, pv->v_lin, pv->inner_data, error))
    return FALSE;
  /* ubar = (s'/s) xbar + s t' v(xbar / s, t) */
  for (gsize i = 0; i < pv->n; i++)
    v_out[i] = (float) (ds / s * x[i] + s * dt * pv->v_lin[i]);
  return TRUE;
}

void
rf_path_velocity_last_x0 (const RfPathVelocity *pv, float *x0)
{
  for (gsize i = 0; i < pv->n; i++)
    x0[i] = (float) (pv->x_lin[i] - pv->t_last * pv->v_lin[i]);
}
