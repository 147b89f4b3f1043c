/* test-solver-order.c — measured convergence orders of every solver, and the
 * inversion -> sampling round trip, on analytic flows.
 *
 * Error = RMS over 64 start points of the distance to the reference end
 * point: the exact affine flow map for the Gaussian target, RK4 with 4000
 * steps in double for the mixture.  Steps double from 4 to 1024; the slope is
 * fitted (least squares, log-log) over the four largest step counts whose
 * error stays above 2e-6, clear of the float round-off floor (4e-7 to 1e-6
 * for these states, growing with the step count), or the three largest if
 * only three do.
 *
 * Expected orders are the solvers' global orders, with one exception derived
 * here: for a Gaussian target every eigen-direction obeys y' = a(t) y with
 * a = c'/(2c) and c(t) = (1-t)^2 lambda + t^2 quadratic.  The midpoint rule's
 * local error is h^3 y (a''/24 + a a'/4 + a^3/6) + O(h^4); with
 * a' = c''/(2c) - 2a^2 and a'' = -(c''/c) a - 4 a a' that bracket is exactly
 * 0, so RF-Solver-2 (the midpoint rule) is third order on this problem
 * (second order on the mixture, as usual).
 */
#include <string.h>

#include "sampler-test-util.h"

#define N_START 64
#define MAX_LEVELS 9
/* Errors below this are too close to float round-off to fit. */
static const double fit_floor = 2e-6;

typedef struct {
  const char     *label;
  RfSolverOptions opts;
  double          order_gauss;   /* expected slope on the Gaussian target */
  double          order_mixture; /* on the mixture */
} Case;

static const Case cases[] = {
  { "euler",        { RF_SOLVER_EULER, 0, 0.0 },    1, 1 },
  { "heun",         { RF_SOLVER_HEUN, 0, 0.0 },     2, 2 },
  { "rf2",          { RF_SOLVER_RF2, 0, 0.0 },      3, 2 },
  { "rf3",          { RF_SOLVER_RF3, 0, 0.0 },      3, 3 },
  { "dpmpp-2m",     { RF_SOLVER_DPMPP_2M, 0, 0.0 }, 2, 2 },
  { "ab1",          { RF_SOLVER_AB, 1, 0.0 },       1, 1 },
  { "ab2",          { RF_SOLVER_AB, 2, 0.0 },       2, 2 },
  { "ab3",          { RF_SOLVER_AB, 3, 0.0 },       3, 3 },
  { "ab2-hb0.8",    { RF_SOLVER_AB, 2, 0.8 },       1, 1 },
};

/* Runs @opts over @t (n_steps) from every start point; RMS error vs @ref. */
static double
run_error (RfAnalyticFlow *flow, const RfSolverOptions *opts, const float *start,
           const double *t, guint n_steps, const double *ref)
{
  RfSamplerCallbacks cb = test_callbacks (flow, N_START);
  g_autofree float *x = g_memdup2 (start, cb.n * sizeof (float));
  g_autoptr (GError) error = NULL;
  if (!rf_solver_run (opts, x, t, n_steps, &cb, &error))
    {
      printf ("  solver failed: %s\n", error->message);
      return INFINITY;
    }
  return test_rms (x, ref, cb.n, 2);
}

/* Fits the slope over the usable tail of (steps, err). */
static double
fit_order (const double *steps, const double *err, int m, int *first, int *count)
{
  int last = m - 1;
  while (last >= 0 && err[last] < fit_floor)
    last--;
  int c = MIN (4, last + 1);
  *first = last - c + 1;
  *count = c;
  if (c < 3)
    return NAN;
  return -test_loglog_slope (steps + *first, err + *first, c);
}

static void
reference (RfAnalyticFlow *flow, const float *start, double t_from, double t_to, double *ref)
{
  for (int s = 0; s < N_START; s++)
    {
      double xi[2] = { start[2 * s], start[2 * s + 1] };
      rf_analytic_flow_reference_map (flow, xi, t_from, t_to, 4000, ref + 2 * s);
    }
}

static int
check (const char *what, const char *flow_name, const Case *c, double expect,
       const double *steps, const double *err, int m)
{
  int first, count;
  double order = fit_order (steps, err, m, &first, &count);
  gboolean pass = isfinite (order) && fabs (order - expect) <= 0.3;
  printf ("%s %-8s %-10s order %.2f (expected %.0f +- 0.3, steps %g..%g, err %.2e..%.2e)  %s\n",
          what, flow_name, c->label, order, expect, steps[first], steps[first + count - 1],
          err[first], err[first + count - 1], pass ? "ok" : "FAIL");
  return pass ? 0 : 1;
}

int
main (void)
{
  int failures = 0;
  g_autoptr (RfAnalyticFlow) gauss = test_flow_gaussian ();
  g_autoptr (RfAnalyticFlow) mixture = test_flow_mixture ();
  RfAnalyticFlow *flows[2] = { gauss, mixture };
  const char *names[2] = { "gauss", "mixture" };

  float noise[2 * N_START];
  rf_philox_normal (2024, 0, 0, noise, 2 * N_START);

  for (int f = 0; f < 2; f++)
    {
      /* Sampling: from noise at t = 1 to t = 0. */
      double ref[2 * N_START];
      reference (flows[f], noise, 1.0, 0.0, ref);

      /* Round trip: exact data points (the reference samples) are inverted
       * to t = 1 and sampled back; the start is the reference. */
      float data[2 * N_START];
      for (int i = 0; i < 2 * N_START; i++)
        data[i] = (float) ref[i];

      for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
        {
          double steps[MAX_LEVELS], err[MAX_LEVELS], err_rt[MAX_LEVELS];
          int m = 0;
          for (guint N = 4; N <= 1024; N *= 2, m++)
            {
              g_autoptr (RfSchedule) down = rf_schedule_new_linear (N);
              g_autoptr (RfSchedule) up = rf_schedule_new_reversed (down);
              steps[m] = N;
              err[m] = run_error (flows[f], &cases[c].opts, noise, down->t, N, ref);

              RfSamplerCallbacks cb = test_callbacks (flows[f], N_START);
              float x[2 * N_START];
              double back[2 * N_START];
              memcpy (x, data, sizeof x);
              if (!rf_solver_run (&cases[c].opts, x, up->t, N, &cb, NULL) ||
                  !rf_solver_run (&cases[c].opts, x, down->t, N, &cb, NULL))
                {
                  err_rt[m] = INFINITY;
                  continue;
                }
              for (int i = 0; i < 2 * N_START; i++)
                back[i] = data[i];
              err_rt[m] = test_rms (x, back, cb.n, 2);
            }
          double expect = f == 0 ? cases[c].order_gauss : cases[c].order_mixture;
          failures += check ("sample   ", names[f], &cases[c], expect, steps, err, m);

          /* Round trip: the error must shrink at least at the solver's order.
           * One-step methods of even order p come back at order p + 1: the
           * reversed step's leading error term, (-h)^{p+1} C, cancels the
           * forward one, so only an upper bound of p + 1 is checked. */
          int first, count;
          double order = fit_order (steps, err_rt, m, &first, &count);
          double p = rf_solver_order (&cases[c].opts);
          if (f == 0 && cases[c].opts.kind == RF_SOLVER_RF2)
            p = 3;
          gboolean pass = isfinite (order) && order >= p - 0.3 && order <= p + 1.3;
          printf ("roundtrip %-8s %-10s order %.2f (expected >= %.0f - 0.3, steps %g..%g, err %.2e..%.2e)  %s\n",
                  names[f], cases[c].label, order, p, steps[first], steps[first + count - 1],
                  err_rt[first], err_rt[first + count - 1], pass ? "ok" : "FAIL");
          failures += !pass;
        }
    }
  printf ("%s\n", failures ? "FAILED" : "all orders ok");
  return failures ? 1 : 0;
}
