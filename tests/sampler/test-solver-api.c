/* test-solver-api.c — sample moments of every solver against the target, and
 * the callback contract: NFE counts, progress, stages, cancel, errors. */
#include <string.h>

#include "sampler-test-util.h"

static int failures;

static void
expect (gboolean ok, const char *what)
{
  printf ("%-78s %s\n", what, ok ? "ok" : "FAIL");
  failures += !ok;
}

static const RfSolverOptions solvers[] = {
  { RF_SOLVER_EULER, 0, 0.0 }, { RF_SOLVER_HEUN, 0, 0.0 }, { RF_SOLVER_RF2, 0, 0.0 },
  { RF_SOLVER_RF3, 0, 0.0 }, { RF_SOLVER_DPMPP_2M, 0, 0.0 }, { RF_SOLVER_AB, 2, 0.0 },
  { RF_SOLVER_AB, 3, 0.0 }, { RF_SOLVER_AB, 2, 0.8 },
};

static const char *
label (const RfSolverOptions *o)
{
  static char buf[32];
  if (o->kind != RF_SOLVER_AB)
    return rf_solver_kind_name (o->kind);
  g_snprintf (buf, sizeof buf, "ab%u%s", o->ab_order, o->momentum > 0 ? "-hb0.8" : "");
  return buf;
}

/* Sample mean and covariance of @m 2-D points against the target's: each
 * within five standard errors plus an allowance for the solver's own error
 * (@bias for the mean, twice the target's scale times @bias for the
 * covariance).  *worst_z: the largest |difference| / standard error. */
static gboolean
moments_match (RfAnalyticFlow *flow, const float *x, gsize m, double bias, double *worst_z)
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
  double scale = sqrt (cov[0] + cov[3] + mean[0] * mean[0] + mean[1] * mean[1]);
  gboolean ok = TRUE;
  *worst_z = 0;
  for (int i = 0; i < 2; i++)
    {
      double se = sqrt (cov[3 * i] / m);
      double d = fabs (sm[i] - mean[i]);
      *worst_z = MAX (*worst_z, d / se);
      ok &= d < 5.0 * se + bias;
      for (int j = 0; j < 2; j++)
        {
          /* Var of a sample covariance (Gaussian approximation). */
          double se_c = sqrt ((cov[3 * i] * cov[3 * j] + cov[2 * i + j] * cov[2 * i + j]) / m);
          double dc = fabs (sc[2 * i + j] - cov[2 * i + j]);
          *worst_z = MAX (*worst_z, dc / se_c);
          ok &= dc < 5.0 * se_c + 2.0 * scale * bias;
        }
    }
  return ok;
}

static void
test_moments (void)
{
  const gsize M = 20000;
  g_autoptr (RfAnalyticFlow) gauss = test_flow_gaussian ();
  g_autoptr (RfAnalyticFlow) mixture = test_flow_mixture ();
  RfAnalyticFlow *flows[2] = { gauss, mixture };
  const char *names[2] = { "gauss", "mixture" };
  g_autofree float *noise = g_new (float, 2 * M);
  g_autofree float *x = g_new (float, 2 * M);
  rf_philox_normal (77, 0, 0, noise, 2 * M);

  for (int f = 0; f < 2; f++)
    for (guint c = 0; c < G_N_ELEMENTS (solvers); c++)
      {
        /* 64 evaluations on the FLUX 1024^2 schedule.  The solver's own
         * error allowance is its RMS error on the first 64 samples against
         * the reference flow map. */
        guint steps = rf_solver_steps_for_nfe (&solvers[c], 64);
        g_autoptr (RfSchedule) s = rf_schedule_new_bfl (steps, 4096, 0.5, 1.15);
        RfSamplerCallbacks cb = test_callbacks (flows[f], M);
        memcpy (x, noise, 2 * M * sizeof (float));
        gboolean ran = rf_solver_run (&solvers[c], x, s->t, steps, &cb, NULL);
        double ref[128];
        for (int k = 0; k < 64; k++)
          {
            double e[2] = { noise[2 * k], noise[2 * k + 1] };
            rf_analytic_flow_reference_map (flows[f], e, 1.0, 0.0, 4000, ref + 2 * k);
          }
        double bias = test_rms (x, ref, 128, 2);
        double z = INFINITY;
        gboolean ok = ran && moments_match (flows[f], x, M, bias, &z);
        char what[128];
        g_snprintf (what, sizeof what, "moments %-7s %-10s %2u steps, 20000 samples: worst %.1f SE, solver error %.0e",
                    names[f], label (&solvers[c]), steps, z, bias);
        expect (ok, what);
      }
}

/* A velocity wrapper that counts, and can fail, cancel or emit NaN on call k. */
typedef struct {
  RfAnalyticFlow *flow;
  guint           calls;
  guint           fail_at;    /* 0: never */
  guint           nan_at;
  guint           cancel_at;
  GCancellable   *cancellable;
  guint           progress_calls, last_step, preview_calls, stages;
  double          stage_t[8];
  guint           stage_idx[8];
} Probe;

static gboolean
probe_velocity (const float *x, float t, float *v, gpointer data, GError **error)
{
  Probe *p = data;
  p->calls++;
  if (p->calls == p->fail_at)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "model died");
      return FALSE;
    }
  if (!rf_analytic_flow_velocity (x, t, v, p->flow, error))
    return FALSE;
  if (p->calls == p->nan_at)
    v[1] = NAN;
  if (p->calls == p->cancel_at)
    g_cancellable_cancel (p->cancellable);
  return TRUE;
}

static void
probe_progress (guint step, guint n_steps, double t, gpointer data)
{
  Probe *p = data;
  p->progress_calls++;
  if (step != p->last_step + 1)
    p->last_step = 1000;
  else
    p->last_step = step;
}

static void
probe_preview (const float *x, guint step, gpointer data)
{
  ((Probe *) data)->preview_calls++;
}

static void
probe_stage (guint step, guint stage, double t, gpointer data)
{
  Probe *p = data;
  if (p->stages < 8)
    {
      p->stage_t[p->stages] = t;
      p->stage_idx[p->stages] = step * 10 + stage;
    }
  p->stages++;
}

static RfSamplerCallbacks
probe_callbacks (Probe *p, RfAnalyticFlow *flow)
{
  memset (p, 0, sizeof *p);
  p->flow = flow;
  p->cancellable = g_cancellable_new ();
  rf_analytic_flow_set_batch (flow, 3);
  RfSamplerCallbacks cb = { 0 };
  cb.n = 6;
  cb.velocity = probe_velocity;
  cb.velocity_data = p;
  cb.progress = probe_progress;
  cb.progress_data = p;
  cb.preview = probe_preview;
  cb.preview_data = p;
  cb.stage = probe_stage;
  cb.stage_data = p;
  cb.cancellable = p->cancellable;
  return cb;
}

static void
test_contract (void)
{
  g_autoptr (RfAnalyticFlow) flow = test_flow_mixture ();
  char what[128];
  Probe p;

  for (guint c = 0; c < G_N_ELEMENTS (solvers); c++)
    for (int dir = 0; dir < 2; dir++)
      {
        g_autoptr (RfSchedule) down = rf_schedule_new_bfl (7, 1024, 0.5, 1.15);
        g_autoptr (RfSchedule) up = rf_schedule_new_reversed (down);
        RfSamplerCallbacks cb = probe_callbacks (&p, flow);
        float x[6];
        rf_philox_normal (1, 2, 0, x, 6);
        g_autoptr (GError) error = NULL;
        gboolean ok = rf_solver_run (&solvers[c], x, dir ? up->t : down->t, 7, &cb, &error);
        g_snprintf (what, sizeof what, "%-10s %s: %u evaluations (expected %u), %u progress, %u previews",
                    label (&solvers[c]), dir ? "inversion" : "sampling ", p.calls,
                    rf_solver_nfe (&solvers[c], 7), p.progress_calls, p.preview_calls);
        expect (ok && p.calls == rf_solver_nfe (&solvers[c], 7) && p.stages == p.calls &&
                p.progress_calls == 7 && p.last_step == 7 && p.preview_calls == 7, what);
        g_object_unref (p.cancellable);
      }

  /* RF-Solver-2 stages: (step 0, stage 0) at t0, (0, 1) at the midpoint. */
  {
    const double t[] = { 1.0, 0.6, 0.0 };
    RfSamplerCallbacks cb = probe_callbacks (&p, flow);
    RfSolverOptions o = { RF_SOLVER_RF2, 0, 0.0 };
    float x[6] = { 0 };
    rf_solver_run (&o, x, t, 2, &cb, NULL);
    expect (p.stages == 4 && p.stage_idx[0] == 0 && p.stage_idx[1] == 1 && p.stage_idx[3] == 11 &&
            p.stage_t[0] == 1.0 && fabs (p.stage_t[1] - 0.8) < 1e-15 && fabs (p.stage_t[3] - 0.3) < 1e-15,
            "rf2 reports (step, stage, t) = (0,0,1) (0,1,0.8) (1,0,0.6) (1,1,0.3)");
    g_object_unref (p.cancellable);
  }

  /* Cancel during evaluation 3: no fourth evaluation, G_IO_ERROR_CANCELLED. */
  for (guint c = 0; c < G_N_ELEMENTS (solvers); c++)
    {
      g_autoptr (RfSchedule) s = rf_schedule_new_linear (10);
      RfSamplerCallbacks cb = probe_callbacks (&p, flow);
      p.cancel_at = 3;
      float x[6] = { 0 };
      g_autoptr (GError) error = NULL;
      gboolean ok = rf_solver_run (&solvers[c], x, s->t, 10, &cb, &error);
      g_snprintf (what, sizeof what, "%-10s cancel during evaluation 3 stops after it (%u calls)",
                  label (&solvers[c]), p.calls);
      expect (!ok && p.calls == 3 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED), what);
      g_object_unref (p.cancellable);
    }

  /* A model error passes through unchanged; NaN becomes a numeric error. */
  {
    g_autoptr (RfSchedule) s = rf_schedule_new_linear (10);
    RfSamplerCallbacks cb = probe_callbacks (&p, flow);
    p.fail_at = 4;
    RfSolverOptions o = { RF_SOLVER_HEUN, 0, 0.0 };
    float x[6] = { 0 };
    g_autoptr (GError) error = NULL;
    gboolean ok = rf_solver_run (&o, x, s->t, 10, &cb, &error);
    expect (!ok && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) && p.calls == 4,
            "a velocity error is passed on unchanged");
    g_object_unref (p.cancellable);

    cb = probe_callbacks (&p, flow);
    p.nan_at = 2;
    g_clear_error (&error);
    ok = rf_solver_run (&o, x, s->t, 10, &cb, &error);
    expect (!ok && g_error_matches (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_NUMERIC),
            "a NaN velocity is an RF_SAMPLER_ERROR_NUMERIC");
    g_object_unref (p.cancellable);
  }

  /* Invalid parameters a user can reach. */
  {
    g_autoptr (RfSchedule) s = rf_schedule_new_linear (4);
    RfSamplerCallbacks cb = probe_callbacks (&p, flow);
    float x[6] = { 0 };
    RfSolverOptions bad[] = { { RF_SOLVER_AB, 4, 0.0 }, { RF_SOLVER_AB, 2, 1.5 }, { RF_SOLVER_AB, 2, -0.1 } };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr (GError) error = NULL;
        g_snprintf (what, sizeof what, "invalid AB options %u rejected", i);
        expect (!rf_solver_run (&bad[i], x, s->t, 4, &cb, &error) &&
                g_error_matches (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID), what);
      }
    const double flat[] = { 1.0, 1.0, 0.0 };
    g_autoptr (GError) error = NULL;
    expect (!rf_solver_run (&solvers[0], x, flat, 2, &cb, &error) &&
            g_error_matches (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID) && p.calls == 0,
            "a non-monotone timestep list is rejected before any evaluation");
    g_object_unref (p.cancellable);
  }

  /* Names round-trip. */
  gboolean names_ok = TRUE;
  for (int k = 0; k < RF_SOLVER_N_KINDS; k++)
    {
      RfSolverKind back;
      names_ok &= rf_solver_kind_from_name (rf_solver_kind_name (k), &back, NULL) && back == (RfSolverKind) k;
    }
  RfSolverKind dummy;
  g_autoptr (GError) error = NULL;
  names_ok &= !rf_solver_kind_from_name ("rk45", &dummy, &error) && error != NULL;
  expect (names_ok, "solver names round-trip; unknown names are errors");

  /* NFE budgets. */
  RfSolverOptions ab3 = { RF_SOLVER_AB, 3, 0.0 }, rf3 = { RF_SOLVER_RF3, 0, 0.0 };
  expect (rf_solver_steps_for_nfe (&rf3, 8) == 2 && rf_solver_steps_for_nfe (&ab3, 8) == 7 &&
          rf_solver_steps_for_nfe (&rf3, 2) == 0, "steps for an NFE budget (rf3: 8 -> 2, ab3: 8 -> 7)");
}

int
main (void)
{
  test_contract ();
  test_moments ();
  printf ("%s\n", failures ? "FAILED" : "all ok");
  return failures ? 1 : 0;
}
