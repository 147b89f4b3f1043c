/* samplers.c — which solver at which budget: RMS error of each solver on the
 * analytic flows at 4, 8, 16 and 32 model evaluations (NFE), with the ratio
 * to Euler (BFL's sampler, the peer a user would otherwise run) at the same
 * budget.  Lower is better; a ratio below 1 beats Euler.
 *
 * Flows (sampler/rf-analytic-flow.h): a correlated 2-D Gaussian, whose flow
 * map is exact, and a 3-component 2-D mixture, referenced by RK4 with 4000
 * steps.  Schedules: linear (schnell) and BFL's shift at 1024x1024 (dev).
 * Each solver gets as many steps as fit in the budget (rf_solver_steps_for_nfe);
 * "-" when not even one step fits.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rf-analytic-flow.h"
#include "rf-philox.h"
#include "rf-schedule.h"
#include "rf-solver.h"

#define N_SAMPLES 256

typedef struct {
  const char     *name;
  RfSolverOptions opts;
} Entry;

static const Entry entries[] = {
  { "euler",      { RF_SOLVER_EULER, 0, 0.0 } },
  { "heun",       { RF_SOLVER_HEUN, 0, 0.0 } },
  { "rf2",        { RF_SOLVER_RF2, 0, 0.0 } },
  { "rf3",        { RF_SOLVER_RF3, 0, 0.0 } },
  { "dpmpp-2m",   { RF_SOLVER_DPMPP_2M, 0, 0.0 } },
  { "ab2",        { RF_SOLVER_AB, 2, 0.0 } },
  { "ab3",        { RF_SOLVER_AB, 3, 0.0 } },
  { "ab2-hb0.8",  { RF_SOLVER_AB, 2, 0.8 } },
};

static const guint budgets[] = { 4, 8, 16, 32 };

static double
solver_error (RfAnalyticFlow *flow, const RfSolverOptions *o, guint nfe, gboolean shifted,
              const float *noise, const double *ref, guint *steps_out)
{
  guint steps = rf_solver_steps_for_nfe (o, nfe);
  *steps_out = steps;
  if (steps == 0)
    return NAN;
  g_autoptr (RfSchedule) s = shifted ? rf_schedule_new_bfl (steps, 4096, RF_SCHEDULE_BFL_BASE_SHIFT,
                                                            RF_SCHEDULE_BFL_MAX_SHIFT)
                                     : rf_schedule_new_linear (steps);
  rf_analytic_flow_set_batch (flow, N_SAMPLES);
  RfSamplerCallbacks cb = { 0 };
  cb.n = 2 * N_SAMPLES;
  cb.velocity = rf_analytic_flow_velocity;
  cb.velocity_data = flow;
  float x[2 * N_SAMPLES];
  memcpy (x, noise, sizeof x);
  g_autoptr (GError) error = NULL;
  if (!rf_solver_run (o, x, s->t, steps, &cb, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return NAN;
    }
  double e = 0;
  for (int i = 0; i < 2 * N_SAMPLES; i++)
    e += (x[i] - ref[i]) * (x[i] - ref[i]);
  return sqrt (e / N_SAMPLES);
}

int
main (void)
{
  const double gm[2] = { 1.5, -0.8 }, gc[4] = { 0.30, 0.10, 0.10, 0.25 };
  const double w[3] = { 0.5, 0.3, 0.2 };
  const double m[6] = { -1.5, 0.5, 1.2, 1.0, 0.3, -1.4 };
  const double sd[6] = { 0.45, 0.35, 0.30, 0.50, 0.40, 0.40 };
  g_autoptr (RfAnalyticFlow) gauss = rf_analytic_flow_new_gaussian (2, gm, gc, NULL);
  g_autoptr (RfAnalyticFlow) mixture = rf_analytic_flow_new_mixture (2, 3, w, m, sd, NULL);
  RfAnalyticFlow *flows[2] = { gauss, mixture };
  const char *flow_names[2] = { "Gaussian -> Gaussian", "Gaussian -> 3-mixture" };

  float noise[2 * N_SAMPLES];
  rf_philox_normal (31337, 0, 0, noise, 2 * N_SAMPLES);

  printf ("RMS error of the final sample (%d samples), ratio to Euler at the same NFE in brackets\n",
          N_SAMPLES);
  for (int f = 0; f < 2; f++)
    {
      double ref[2 * N_SAMPLES];
      for (int s = 0; s < N_SAMPLES; s++)
        {
          double e[2] = { noise[2 * s], noise[2 * s + 1] };
          rf_analytic_flow_reference_map (flows[f], e, 1.0, 0.0, 4000, ref + 2 * s);
        }
      for (int shifted = 0; shifted < 2; shifted++)
        {
          printf ("\n%s, %s schedule\n", flow_names[f],
                  shifted ? "BFL 1024x1024 (shift 3.16)" : "linear");
          printf ("%-10s", "solver");
          for (guint b = 0; b < G_N_ELEMENTS (budgets); b++)
            {
              char head[32];
              g_snprintf (head, sizeof head, "NFE %u", budgets[b]);
              printf ("  %-24s", head);
            }
          printf ("\n");

          double euler[G_N_ELEMENTS (budgets)];
          for (guint e = 0; e < G_N_ELEMENTS (entries); e++)
            {
              printf ("%-10s", entries[e].name);
              for (guint b = 0; b < G_N_ELEMENTS (budgets); b++)
                {
                  guint steps;
                  double err = solver_error (flows[f], &entries[e].opts, budgets[b], shifted,
                                             noise, ref, &steps);
                  if (e == 0)
                    euler[b] = err;
                  if (isnan (err))
                    printf ("  %-24s", "-");
                  else
                    printf ("  %8.2e (%5.2fx) %2u st", err, err / euler[b], steps);
                }
              printf ("\n");
            }
        }
    }
  return 0;
}
