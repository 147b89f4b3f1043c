/* test-sde.c — the SDE sampler keeps the marginals for several noise levels
 * and paths; the VP path conversion is an exact reparametrisation. */
#include <string.h>

#include "rf-sde.h"
#include "sampler-test-util.h"

static int failures;

static void
expect (gboolean ok, const char *what)
{
  printf ("%-84s %s\n", what, ok ? "ok" : "FAIL");
  failures += !ok;
}

static const char *
path_name (RfPathKind k)
{
  return k == RF_PATH_LINEAR ? "linear" : k == RF_PATH_VP_BETA ? "vp-beta" : "vp-cosine";
}

/* Largest |sample moment - target moment| in units of its standard error
 * (mean and covariance entries), and the largest absolute deviation. */
static double
moment_z (RfAnalyticFlow *flow, const float *x, gsize m, double *abs_dev)
{
  double mean[2], cov[4], sm[2] = { 0, 0 }, sc[4] = { 0, 0, 0, 0 };
  rf_analytic_flow_target_moments (flow, mean, cov);
  for (gsize s = 0; s < m; s++)
    for (int i = 0; i < 2; i++)
      sm[i] += x[2 * s + i] / (double) m;
  for (gsize s = 0; s < m; s++)
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++)
        sc[2 * i + j] += (x[2 * s + i] - sm[i]) * (x[2 * s + j] - sm[j]) / (double) (m - 1);
  double z = 0;
  *abs_dev = 0;
  for (int i = 0; i < 2; i++)
    {
      z = MAX (z, fabs (sm[i] - mean[i]) / sqrt (cov[3 * i] / m));
      *abs_dev = MAX (*abs_dev, fabs (sm[i] - mean[i]));
      for (int j = 0; j < 2; j++)
        {
          double se = sqrt ((cov[3 * i] * cov[3 * j] + cov[2 * i + j] * cov[2 * i + j]) / m);
          z = MAX (z, fabs (sc[2 * i + j] - cov[2 * i + j]) / se);
          *abs_dev = MAX (*abs_dev, fabs (sc[2 * i + j] - cov[2 * i + j]));
        }
    }
  return z;
}

static void
test_marginals (void)
{
  const gsize M = 20000;
  const guint steps = 200;
  g_autoptr (RfAnalyticFlow) gauss = test_flow_gaussian ();
  g_autoptr (RfAnalyticFlow) mixture = test_flow_mixture ();
  RfAnalyticFlow *flows[2] = { gauss, mixture };
  const char *names[2] = { "gauss", "mixture" };
  const double etas[] = { 0.0, 0.5, 1.0, 2.0 };
  const RfPathKind paths[] = { RF_PATH_LINEAR, RF_PATH_VP_COSINE, RF_PATH_VP_BETA };
  g_autofree float *x = g_new (float, 2 * M);
  g_autoptr (RfSchedule) u = rf_schedule_new_linear (steps);

  for (int f = 0; f < 2; f++)
    for (guint p = 0; p < G_N_ELEMENTS (paths); p++)
      for (guint e = 0; e < G_N_ELEMENTS (etas); e++)
        {
          RfSdeOptions o = { { paths[p], 0, 0 }, etas[e], 1234 + e, 0 };
          RfSamplerCallbacks cb = test_callbacks (flows[f], M);
          rf_philox_normal (99, 1, 0, x, 2 * M);
          g_autoptr (GError) error = NULL;
          gboolean ran = rf_sde_run (&o, x, u->t, steps, &cb, &error);
          double dev = INFINITY, z = ran ? moment_z (flows[f], x, M, &dev) : INFINITY;
          /* Five standard errors.  Euler-Maruyama's O(h) bias at 200 steps
           * and the vp-beta path's start at alpha(1) = 0.0066 instead of 0
           * stay below what 20000 samples resolve. */
          gboolean ok = ran && z < 5.0;
          char what[128];
          g_snprintf (what, sizeof what, "SDE %-7s %-9s eta %.1f: moments off by %.1f SE (max |dev| %.4f)",
                      names[f], path_name (paths[p]), etas[e], z, dev);
          expect (ok, what);
        }
}

static void
test_determinism (void)
{
  g_autoptr (RfAnalyticFlow) flow = test_flow_mixture ();
  g_autoptr (RfSchedule) u = rf_schedule_new_linear (20);
  float a[64], b[64], c[64];
  RfSamplerCallbacks cb = test_callbacks (flow, 32);
  RfSdeOptions o = { { RF_PATH_VP_COSINE, 0, 0 }, 1.0, 5, 0 };
  rf_philox_normal (1, 0, 0, a, 64);
  memcpy (b, a, sizeof a);
  memcpy (c, a, sizeof a);
  rf_sde_run (&o, a, u->t, 20, &cb, NULL);
  rf_sde_run (&o, b, u->t, 20, &cb, NULL);
  o.seed = 6;
  rf_sde_run (&o, c, u->t, 20, &cb, NULL);
  expect (memcmp (a, b, sizeof a) == 0 && memcmp (a, c, sizeof a) != 0,
          "same seed gives the same samples, another seed other samples");

  o.noise_level = -1;
  g_autoptr (GError) error = NULL;
  expect (!rf_sde_run (&o, a, u->t, 20, &cb, &error) &&
          g_error_matches (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID),
          "a negative noise level is rejected");
  g_autoptr (RfSchedule) up = rf_schedule_new_reversed (u);
  g_clear_error (&error);
  o.noise_level = 1;
  expect (!rf_sde_run (&o, a, up->t, 20, &cb, &error) && error != NULL,
          "an increasing time list is rejected");
}

static void
test_paths (void)
{
  const RfPathKind paths[] = { RF_PATH_LINEAR, RF_PATH_VP_COSINE, RF_PATH_VP_BETA };
  for (guint p = 0; p < G_N_ELEMENTS (paths); p++)
    {
      RfPath path = { paths[p], 0, 0 };
      double worst_vp = 0, worst_snr = 0, worst_d = 0;
      for (double u = 0.05; u < 0.96; u += 0.05)
        {
          double a, s, da, ds, t, sc, dt, dsc;
          rf_path_coefficients (&path, u, &a, &s, &da, &ds);
          rf_path_to_linear (&path, u, &t, &sc, &dt, &dsc);
          worst_vp = MAX (worst_vp, fabs (a * a + s * s - 1.0));
          worst_snr = MAX (worst_snr, fabs (a / s - (1 - t) / t));
          /* Derivatives against central differences. */
          const double h = 1e-6;
          double a1, s1, a0, s0, t1, t0, c1, c0;
          rf_path_coefficients (&path, u + h, &a1, &s1, NULL, NULL);
          rf_path_coefficients (&path, u - h, &a0, &s0, NULL, NULL);
          rf_path_to_linear (&path, u + h, &t1, &c1, NULL, NULL);
          rf_path_to_linear (&path, u - h, &t0, &c0, NULL, NULL);
          worst_d = MAX (worst_d, fabs ((a1 - a0) / (2 * h) - da));
          worst_d = MAX (worst_d, fabs ((s1 - s0) / (2 * h) - ds));
          worst_d = MAX (worst_d, fabs ((t1 - t0) / (2 * h) - dt));
          worst_d = MAX (worst_d, fabs ((c1 - c0) / (2 * h) - dsc));
        }
      char what[128];
      g_snprintf (what, sizeof what, "%-9s: SNR matches t(u) (%.0e), derivatives match differences (%.0e)%s",
                  path_name (paths[p]), worst_snr, worst_d,
                  paths[p] == RF_PATH_LINEAR ? "" : ", alpha^2 + sigma^2 = 1");
      expect (worst_snr < 1e-9 && worst_d < 1e-5 &&
              (paths[p] == RF_PATH_LINEAR || worst_vp < 1e-12), what);
    }

  /* With eta = 0 the converted velocity carries the same ODE: the sample
   * from the cosine path matches the exact Gaussian transport. */
  g_autoptr (RfAnalyticFlow) flow = test_flow_gaussian ();
  const gsize M = 64;
  g_autoptr (RfSchedule) u = rf_schedule_new_linear (2000);
  float x[2 * M], noise[2 * M];
  double ref[2 * M];
  rf_philox_normal (3, 3, 0, noise, 2 * M);
  for (gsize k = 0; k < M; k++)
    {
      double e[2] = { noise[2 * k], noise[2 * k + 1] };
      rf_analytic_flow_reference_map (flow, e, 1.0, 0.0, 0, ref + 2 * k);
    }
  memcpy (x, noise, sizeof x);
  RfSamplerCallbacks cb = test_callbacks (flow, M);
  RfSdeOptions o = { { RF_PATH_VP_COSINE, 0, 0 }, 0.0, 0, 0 };
  rf_sde_run (&o, x, u->t, 2000, &cb, NULL);
  double err = test_rms (x, ref, 2 * M, 2);
  char what[128];
  g_snprintf (what, sizeof what, "ODE on the VP-cosine path reproduces the exact transport (rms %.1e)", err);
  expect (err < 5e-3, what);
}

int
main (void)
{
  test_paths ();
  test_determinism ();
  test_marginals ();
  printf ("%s\n", failures ? "FAILED" : "all ok");
  return failures ? 1 : 0;
}
