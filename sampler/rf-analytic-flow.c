/* rf-analytic-flow.c — closed-form velocities (formulas in the header). */
#include <math.h>
#include <string.h>

#include "rf-analytic-flow.h"
#include "rf-sampler-private.h"

#define MAX_DIM 64
#define MAX_COMP 32

struct _RfAnalyticFlow {
  guint   dim;
  guint   n_comp;     /* 0 for the Gaussian target */
  gsize   n_samples;  /* batch seen by the RfVelocityFunc */
  /* Gaussian: */
  double *mean;       /* dim */
  double *q;          /* dim x dim, column j = eigenvector j */
  double *lambda;     /* dim eigenvalues */
  /* Mixture: */
  double *weights;    /* n_comp, normalised */
  double *means;      /* n_comp x dim */
  double *vars;       /* n_comp x dim */
};

void
rf_analytic_flow_free (RfAnalyticFlow *flow)
{
  if (flow == NULL)
    return;
  g_free (flow->mean);
  g_free (flow->q);
  g_free (flow->lambda);
  g_free (flow->weights);
  g_free (flow->means);
  g_free (flow->vars);
  g_free (flow);
}

/* Cyclic Jacobi eigen-decomposition of a symmetric matrix (small dim). */
static void
jacobi_eigen (guint d, double *a, double *q, double *lambda)
{
  for (guint i = 0; i < d; i++)
    for (guint j = 0; j < d; j++)
      q[i * d + j] = (i == j);

  for (int sweep = 0; sweep < 100; sweep++)
    {
      double off = 0.0;
      for (guint p = 0; p < d; p++)
        for (guint r = p + 1; r < d; r++)
          off += a[p * d + r] * a[p * d + r];
      if (off < 1e-30)
        break;
      for (guint p = 0; p < d; p++)
        for (guint r = p + 1; r < d; r++)
          {
            double apr = a[p * d + r];
            if (fabs (apr) < 1e-300)
              continue;
            double theta = (a[r * d + r] - a[p * d + p]) / (2.0 * apr);
            double tt = (theta >= 0 ? 1.0 : -1.0) / (fabs (theta) + sqrt (theta * theta + 1.0));
            double c = 1.0 / sqrt (tt * tt + 1.0), s = tt * c;
            for (guint k = 0; k < d; k++)
              {
                double akp = a[k * d + p], akr = a[k * d + r];
                a[k * d + p] = c * akp - s * akr;
                a[k * d + r] = s * akp + c * akr;
              }
            for (guint k = 0; k < d; k++)
              {
                double apk = a[p * d + k], ark = a[r * d + k];
                a[p * d + k] = c * apk - s * ark;
                a[r * d + k] = s * apk + c * ark;
              }
            for (guint k = 0; k < d; k++)
              {
                double qkp = q[k * d + p], qkr = q[k * d + r];
                q[k * d + p] = c * qkp - s * qkr;
                q[k * d + r] = s * qkp + c * qkr;
              }
          }
    }
  for (guint i = 0; i < d; i++)
    lambda[i] = a[i * d + i];
}

RfAnalyticFlow *
rf_analytic_flow_new_gaussian (guint dim, const double *mean, const double *cov, GError **error)
{
  g_return_val_if_fail (mean != NULL && cov != NULL, NULL);
  if (dim == 0 || dim > MAX_DIM)
    {
      g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                   _("Analytic flows support 1 to %d dimensions, not %u"), MAX_DIM, dim);
      return NULL;
    }
  for (guint i = 0; i < dim; i++)
    for (guint j = 0; j < dim; j++)
      if (fabs (cov[i * dim + j] - cov[j * dim + i]) > 1e-12 * (1.0 + fabs (cov[i * dim + j])))
        {
          g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                       _("The covariance is not symmetric"));
          return NULL;
        }

  RfAnalyticFlow *f = g_new0 (RfAnalyticFlow, 1);
  f->dim = dim;
  f->n_samples = 1;
  f->mean = g_memdup2 (mean, dim * sizeof (double));
  f->q = g_new (double, dim * dim);
  f->lambda = g_new (double, dim);
  g_autofree double *a = g_memdup2 (cov, dim * dim * sizeof (double));
  jacobi_eigen (dim, a, f->q, f->lambda);
  for (guint i = 0; i < dim; i++)
    if (!(f->lambda[i] > 0.0))
      {
        g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                     _("The covariance is not positive definite (eigenvalue %g)"), f->lambda[i]);
        rf_analytic_flow_free (f);
        return NULL;
      }
  return f;
}

RfAnalyticFlow *
rf_analytic_flow_new_mixture (guint dim, guint n_comp, const double *weights,
                              const double *means, const double *stddevs, GError **error)
{
  g_return_val_if_fail (weights != NULL && means != NULL && stddevs != NULL, NULL);
  if (dim == 0 || dim > MAX_DIM || n_comp == 0 || n_comp > MAX_COMP)
    {
      g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                   _("A mixture needs 1 to %d dimensions and 1 to %d components"),
                   MAX_DIM, MAX_COMP);
      return NULL;
    }
  double wsum = 0.0;
  for (guint k = 0; k < n_comp; k++)
    {
      if (!(weights[k] > 0.0))
        {
          g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                       _("Mixture weights must be positive"));
          return NULL;
        }
      wsum += weights[k];
      for (guint d = 0; d < dim; d++)
        if (!(stddevs[k * dim + d] > 0.0))
          {
            g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                         _("Mixture standard deviations must be positive"));
            return NULL;
          }
    }
  RfAnalyticFlow *f = g_new0 (RfAnalyticFlow, 1);
  f->dim = dim;
  f->n_comp = n_comp;
  f->n_samples = 1;
  f->weights = g_new (double, n_comp);
  f->means = g_memdup2 (means, n_comp * dim * sizeof (double));
  f->vars = g_new (double, n_comp * dim);
  for (guint k = 0; k < n_comp; k++)
    {
      f->weights[k] = weights[k] / wsum;
      for (guint d = 0; d < dim; d++)
        f->vars[k * dim + d] = stddevs[k * dim + d] * stddevs[k * dim + d];
    }
  return f;
}

guint
rf_analytic_flow_dim (const RfAnalyticFlow *flow)
{
  return flow->dim;
}

gboolean
rf_analytic_flow_has_exact_map (const RfAnalyticFlow *flow)
{
  return flow->n_comp == 0;
}

void
rf_analytic_flow_set_batch (RfAnalyticFlow *flow, gsize n_samples)
{
  g_return_if_fail (flow != NULL && n_samples > 0);
  flow->n_samples = n_samples;
}

static void
gaussian_velocity (const RfAnalyticFlow *f, const double *x, double t, double *v)
{
  const guint d = f->dim;
  double y[MAX_DIM];
  /* y = Q^T (x - (1-t) mu), scaled by a_i, rotated back. */
  for (guint i = 0; i < d; i++)
    {
      double s = 0.0;
      for (guint k = 0; k < d; k++)
        s += f->q[k * d + i] * (x[k] - (1.0 - t) * f->mean[k]);
      double lam = f->lambda[i];
      double c = (1.0 - t) * (1.0 - t) * lam + t * t;
      y[i] = s * (t - (1.0 - t) * lam) / c;
    }
  for (guint k = 0; k < d; k++)
    {
      double s = 0.0;
      for (guint i = 0; i < d; i++)
        s += f->q[k * d + i] * y[i];
      v[k] = -f->mean[k] + s;
    }
}

static void
mixture_velocity (const RfAnalyticFlow *f, const double *x, double t, double *v)
{
  const guint d = f->dim, K = f->n_comp;
  double logw[MAX_COMP], lmax = -INFINITY;

  for (guint k = 0; k < K; k++)
    {
      double l = log (f->weights[k]);
      for (guint j = 0; j < d; j++)
        {
          double c = (1.0 - t) * (1.0 - t) * f->vars[k * d + j] + t * t;
          double r = x[j] - (1.0 - t) * f->means[k * d + j];
          l += -0.5 * (r * r / c + log (c));
        }
      logw[k] = l;
      lmax = MAX (lmax, l);
    }
  double wsum = 0.0;
  for (guint k = 0; k < K; k++)
    wsum += (logw[k] = exp (logw[k] - lmax));
  for (guint j = 0; j < d; j++)
    v[j] = 0.0;
  for (guint k = 0; k < K; k++)
    {
      double w = logw[k] / wsum;
      for (guint j = 0; j < d; j++)
        {
          double s2 = f->vars[k * d + j], m = f->means[k * d + j];
          double c = (1.0 - t) * (1.0 - t) * s2 + t * t;
          v[j] += w * (-m + (t - (1.0 - t) * s2) / c * (x[j] - (1.0 - t) * m));
        }
    }
}

void
rf_analytic_flow_velocity_one (const RfAnalyticFlow *flow, const double *x, double t, double *v)
{
  if (flow->n_comp == 0)
    gaussian_velocity (flow, x, t, v);
  else
    mixture_velocity (flow, x, t, v);
}

gboolean
rf_analytic_flow_velocity (const float *x, float t, float *v_out, gpointer user_data, GError **error)
{
  const RfAnalyticFlow *f = user_data;
  const guint d = f->dim;
  double xd[MAX_DIM], vd[MAX_DIM];

  for (gsize s = 0; s < f->n_samples; s++)
    {
      for (guint j = 0; j < d; j++)
        xd[j] = x[s * d + j];
      rf_analytic_flow_velocity_one (f, xd, t, vd);
      for (guint j = 0; j < d; j++)
        v_out[s * d + j] = (float) vd[j];
    }
  return TRUE;
}

static void
gaussian_map (const RfAnalyticFlow *f, const double *x, double s, double t, double *out)
{
  const guint d = f->dim;
  double y[MAX_DIM];
  for (guint i = 0; i < d; i++)
    {
      double p = 0.0;
      for (guint k = 0; k < d; k++)
        p += f->q[k * d + i] * (x[k] - (1.0 - s) * f->mean[k]);
      double lam = f->lambda[i];
      double cs = (1.0 - s) * (1.0 - s) * lam + s * s;
      double ct = (1.0 - t) * (1.0 - t) * lam + t * t;
      y[i] = p * sqrt (ct / cs);
    }
  for (guint k = 0; k < d; k++)
    {
      double p = 0.0;
      for (guint i = 0; i < d; i++)
        p += f->q[k * d + i] * y[i];
      out[k] = (1.0 - t) * f->mean[k] + p;
    }
}

void
rf_analytic_flow_reference_map (const RfAnalyticFlow *flow, const double *x_from,
                                double t_from, double t_to, guint rk4_steps, double *x_to)
{
  const guint d = flow->dim;
  if (flow->n_comp == 0)
    {
      gaussian_map (flow, x_from, t_from, t_to, x_to);
      return;
    }
  double x[MAX_DIM], xs[MAX_DIM], k1[MAX_DIM], k2[MAX_DIM], k3[MAX_DIM], k4[MAX_DIM];
  memcpy (x, x_from, d * sizeof (double));
  const double h = (t_to - t_from) / rk4_steps;
  for (guint n = 0; n < rk4_steps; n++)
    {
      double t = t_from + n * h;
      rf_analytic_flow_velocity_one (flow, x, t, k1);
      for (guint j = 0; j < d; j++)
        xs[j] = x[j] + 0.5 * h * k1[j];
      rf_analytic_flow_velocity_one (flow, xs, t + 0.5 * h, k2);
      for (guint j = 0; j < d; j++)
        xs[j] = x[j] + 0.5 * h * k2[j];
      rf_analytic_flow_velocity_one (flow, xs, t + 0.5 * h, k3);
      for (guint j = 0; j < d; j++)
        xs[j] = x[j] + h * k3[j];
      rf_analytic_flow_velocity_one (flow, xs, t + h, k4);
      for (guint j = 0; j < d; j++)
        x[j] += h / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]);
    }
  memcpy (x_to, x, d * sizeof (double));
}

void
rf_analytic_flow_target_moments (const RfAnalyticFlow *flow, double *mean, double *cov)
{
  const guint d = flow->dim;
  if (flow->n_comp == 0)
    {
      memcpy (mean, flow->mean, d * sizeof (double));
      for (guint i = 0; i < d; i++)
        for (guint j = 0; j < d; j++)
          {
            double s = 0.0;
            for (guint k = 0; k < d; k++)
              s += flow->q[i * d + k] * flow->lambda[k] * flow->q[j * d + k];
            cov[i * d + j] = s;
          }
      return;
    }
  /* mean = sum pi m;  cov = sum pi (diag(s^2) + m m^T) - mean mean^T */
  for (guint i = 0; i < d; i++)
    {
      mean[i] = 0.0;
      for (guint k = 0; k < flow->n_comp; k++)
        mean[i] += flow->weights[k] * flow->means[k * d + i];
    }
  for (guint i = 0; i < d; i++)
    for (guint j = 0; j < d; j++)
      {
        double s = 0.0;
        for (guint k = 0; k < flow->n_comp; k++)
          {
            const double *m = flow->means + k * d;
            s += flow->weights[k] * ((i == j ? flow->vars[k * d + i] : 0.0) + m[i] * m[j]);
          }
        cov[i * d + j] = s - mean[i] * mean[j];
      }
}
