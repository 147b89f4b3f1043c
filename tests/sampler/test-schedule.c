/* test-schedule.c — schedules against reference values and each other. */
#include <math.h>
#include <stdio.h>

#include "rf-sampler.h"
#include "rf-schedule.h"

static int failures;

static void
expect (gboolean ok, const char *what)
{
  printf ("%-70s %s\n", what, ok ? "ok" : "FAIL");
  failures += !ok;
}

int
main (void)
{
  char what[128];

  /* BFL get_schedule(25, 4096) printed to five decimals (black-forest-labs/
   * flux; see notes/editing.md §3.3). */
  {
    g_autoptr (RfSchedule) s = rf_schedule_new_bfl (25, 4096, RF_SCHEDULE_BFL_BASE_SHIFT,
                                                    RF_SCHEDULE_BFL_MAX_SHIFT);
    static const struct { guint k; double v; } ref[] = {
      { 0, 1.0 }, { 1, 0.98698 }, { 2, 0.97320 }, { 3, 0.95861 },
      { 22, 0.30102 }, { 23, 0.21546 }, { 24, 0.11629 }, { 25, 0.0 },
    };
    gboolean ok = s->n_steps == 25;
    for (guint i = 0; i < G_N_ELEMENTS (ref); i++)
      ok &= fabs (s->t[ref[i].k] - ref[i].v) <= 5e-6;
    g_snprintf (what, sizeof what, "BFL 25 steps at 1024^2: %.5f %.5f %.5f ... %.5f %.5f %.5f",
                s->t[1], s->t[2], s->t[3], s->t[22], s->t[23], s->t[24]);
    expect (ok, what);
    expect (s->t[25] == 0.0 && s->t[0] == 1.0, "BFL end points are exactly 1 and 0");
  }

  /* mu is linear through (256, 0.5) and (4096, 1.15). */
  g_snprintf (what, sizeof what, "mu(256) = %.6f, mu(4096) = %.6f, mu(1024) = %.6f",
              rf_schedule_bfl_mu (256, 0.5, 1.15), rf_schedule_bfl_mu (4096, 0.5, 1.15),
              rf_schedule_bfl_mu (1024, 0.5, 1.15));
  expect (fabs (rf_schedule_bfl_mu (256, 0.5, 1.15) - 0.5) < 1e-12 &&
          fabs (rf_schedule_bfl_mu (4096, 0.5, 1.15) - 1.15) < 1e-12 &&
          fabs (rf_schedule_bfl_mu (1024, 0.5, 1.15) - 0.63) < 1e-12, what);

  /* With sigma = 1 the BFL shift is the SD3 shift with s = e^mu. */
  {
    double mu = rf_schedule_bfl_mu (1024, 0.5, 1.15);
    g_autoptr (RfSchedule) a = rf_schedule_new_bfl (30, 1024, 0.5, 1.15);
    g_autoptr (RfSchedule) b = rf_schedule_new_sd3 (30, exp (mu), NULL);
    double worst = 0;
    for (guint k = 0; k <= 30; k++)
      worst = MAX (worst, fabs (a->t[k] - b->t[k]));
    g_snprintf (what, sizeof what, "BFL(512^2) equals SD3 shift e^0.63 (max diff %.1e)", worst);
    expect (worst < 1e-12, what);
  }

  /* SD3 shift 3 by hand: t = 0.5 -> 1.5 / 2 = 0.75. */
  g_snprintf (what, sizeof what, "SD3 shift 3 at t = 0.5 is %.6f (0.75)", rf_schedule_sd3_shift (3, 0.5));
  expect (fabs (rf_schedule_sd3_shift (3, 0.5) - 0.75) < 1e-15, what);

  expect (rf_schedule_time_shift (1.15, 1.0, 0.0) == 0.0 &&
          rf_schedule_time_shift (1.15, 1.0, 1.0) == 1.0 &&
          isfinite (rf_schedule_time_shift (1.15, 1.0, 1e-300)),
          "time shift maps 0 -> 0 and 1 -> 1 without dividing by zero");

  {
    g_autoptr (RfSchedule) s = rf_schedule_new_linear (4);
    expect (s->t[0] == 1.0 && s->t[1] == 0.75 && s->t[2] == 0.5 && s->t[3] == 0.25 && s->t[4] == 0.0,
            "linear (schnell) 4 steps: 1, 0.75, 0.5, 0.25, 0");
    g_autoptr (RfSchedule) r = rf_schedule_new_reversed (s);
    expect (r->n_steps == 4 && r->t[0] == 0.0 && r->t[1] == 0.25 && r->t[4] == 1.0,
            "reversed schedule runs 0 -> 1");
    expect (rf_sampler_check_timesteps (r->t, r->n_steps, NULL), "an inversion list passes the checks");
  }

  /* User lists. */
  {
    const double good[] = { 1.0, 0.7, 0.2, 0.0 };
    g_autoptr (RfSchedule) s = rf_schedule_new_from_list (good, 4, NULL);
    expect (s != NULL && s->n_steps == 3 && s->t[2] == 0.2, "a user list is accepted and copied");

    const double bad_order[] = { 1.0, 0.5, 0.6, 0.0 };
    const double bad_range[] = { 1.2, 0.5, 0.0 };
    const double bad_nan[] = { 1.0, NAN, 0.0 };
    const double bad_flat[] = { 1.0, 0.5, 0.5, 0.0 };
    struct { const double *v; guint n; const char *name; } bad[] = {
      { bad_order, 4, "non-monotone" }, { bad_range, 3, "outside [0, 1]" },
      { bad_nan, 3, "NaN" }, { bad_flat, 4, "repeated value" }, { good, 1, "single value" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr (GError) error = NULL;
        g_autoptr (RfSchedule) b = rf_schedule_new_from_list (bad[i].v, bad[i].n, &error);
        g_snprintf (what, sizeof what, "user list rejected: %s (%s)", bad[i].name,
                    error ? error->message : "no error");
        expect (b == NULL && g_error_matches (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID), what);
      }
    g_autoptr (GError) error = NULL;
    g_autoptr (RfSchedule) b = rf_schedule_new_sd3 (10, -1.0, &error);
    expect (b == NULL && error != NULL, "SD3 shift <= 0 rejected");
  }

  printf ("%s\n", failures ? "FAILED" : "all ok");
  return failures ? 1 : 0;
}
