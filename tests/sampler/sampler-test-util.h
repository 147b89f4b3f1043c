/* sampler-test-util.h — shared pieces of the sampler tests: the analytic
 * problems, running a solver over a batch, error and slope measurement. */
#pragma once

#include <math.h>
#include <stdio.h>

#include "rf-analytic-flow.h"
#include "rf-philox.h"
#include "rf-schedule.h"
#include "rf-solver.h"

/* Gaussian target in 2-D with correlated covariance (eigenvalues 0.378 and
 * 0.172) and a mean away from the origin. */
static inline RfAnalyticFlow *
test_flow_gaussian (void)
{
  const double mean[2] = { 1.5, -0.8 };
  const double cov[4] = { 0.30, 0.10, 0.10, 0.25 };
  return rf_analytic_flow_new_gaussian (2, mean, cov, NULL);
}

/* Three-component mixture in 2-D. */
static inline RfAnalyticFlow *
test_flow_mixture (void)
{
  const double w[3] = { 0.5, 0.3, 0.2 };
  const double m[6] = { -1.5, 0.5,   1.2, 1.0,   0.3, -1.4 };
  const double s[6] = { 0.45, 0.35,  0.30, 0.50,  0.40, 0.40 };
  return rf_analytic_flow_new_mixture (2, 3, w, m, s, NULL);
}

static inline RfSamplerCallbacks
test_callbacks (RfAnalyticFlow *flow, gsize n_samples)
{
  rf_analytic_flow_set_batch (flow, n_samples);
  RfSamplerCallbacks cb = { 0 };
  cb.n = n_samples * rf_analytic_flow_dim (flow);
  cb.velocity = rf_analytic_flow_velocity;
  cb.velocity_data = flow;
  return cb;
}

/* Least-squares slope of log(err) against log(steps). */
static inline double
test_loglog_slope (const double *steps, const double *err, int m)
{
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int i = 0; i < m; i++)
    {
      double x = log (steps[i]), y = log (err[i]);
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
  return (m * sxy - sx * sy) / (m * sxx - sx * sx);
}

/* RMS distance between a float batch and a double batch. */
static inline double
test_rms (const float *a, const double *b, gsize n, guint dim)
{
  double s = 0.0;
  for (gsize i = 0; i < n; i++)
    s += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
  return sqrt (s / (n / dim));
}
