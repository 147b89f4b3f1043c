/* rf-schedule.c — linear, BFL, SD3 and user schedules. */
#include <math.h>
#include <string.h>

#include "rf-sampler-private.h"
#include "rf-schedule.h"

static RfSchedule *
schedule_alloc (guint n_steps)
{
  RfSchedule *s = g_new0 (RfSchedule, 1);
  s->n_steps = n_steps;
  s->t = g_new0 (double, n_steps + 1);
  return s;
}

void
rf_schedule_free (RfSchedule *schedule)
{
  if (schedule == NULL)
    return;
  g_free (schedule->t);
  g_free (schedule);
}

RfSchedule *
rf_schedule_new_linear (guint n_steps)
{
  g_return_val_if_fail (n_steps >= 1, NULL);
  RfSchedule *s = schedule_alloc (n_steps);
  /* Endpoints exact; interior as torch.linspace computes them in double. */
  for (guint k = 0; k <= n_steps; k++)
    s->t[k] = 1.0 - (double) k / n_steps;
  return s;
}

double
rf_schedule_bfl_mu (double image_seq_len, double base_shift, double max_shift)
{
  const double x1 = 256.0, x2 = 4096.0;
  double m = (max_shift - base_shift) / (x2 - x1);
  double b = base_shift - m * x1;
  return m * image_seq_len + b;
}

double
rf_schedule_time_shift (double mu, double sigma, double t)
{
  /* torch gets 1/0 = inf and so 0 at t = 0; C must special-case it. */
  if (t <= 0.0)
    return 0.0;
  if (t >= 1.0)
    return 1.0;
  double e = exp (mu);
  return e / (e + pow (1.0 / t - 1.0, sigma));
}

double
rf_schedule_sd3_shift (double shift, double t)
{
  return shift * t / (1.0 + (shift - 1.0) * t);
}

RfSchedule *
rf_schedule_new_bfl (guint n_steps, double image_seq_len, double base_shift, double max_shift)
{
  RfSchedule *s = rf_schedule_new_linear (n_steps);
  g_return_val_if_fail (s != NULL, NULL);
  double mu = rf_schedule_bfl_mu (image_seq_len, base_shift, max_shift);
  for (guint k = 0; k <= n_steps; k++)
    s->t[k] = rf_schedule_time_shift (mu, 1.0, s->t[k]);
  return s;
}

RfSchedule *
rf_schedule_new_sd3 (guint n_steps, double shift, GError **error)
{
  if (!(shift > 0.0) || !isfinite (shift))
    {
      g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                   _("The time shift must be a positive number, not %g"), shift);
      return NULL;
    }
  RfSchedule *s = rf_schedule_new_linear (n_steps);
  g_return_val_if_fail (s != NULL, NULL);
  for (guint k = 0; k <= n_steps; k++)
    s->t[k] = rf_schedule_sd3_shift (shift, s->t[k]);
  return s;
}

RfSchedule *
rf_schedule_new_from_list (const double *values, guint n_values, GError **error)
{
  g_return_val_if_fail (values != NULL || n_values == 0, NULL);
  if (n_values < 2)
    {
      g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                   _("A timestep list needs at least two values, got %u"), n_values);
      return NULL;
    }
  if (!rf_sampler_check_timesteps (values, n_values - 1, error))
    return NULL;
  RfSchedule *s = schedule_alloc (n_values - 1);
  memcpy (s->t, values, n_values * sizeof (double));
  return s;
}

RfSchedule *
rf_schedule_new_reversed (const RfSchedule *schedule)
{
  g_return_val_if_fail (schedule != NULL, NULL);
  RfSchedule *s = schedule_alloc (schedule->n_steps);
  for (guint k = 0; k <= schedule->n_steps; k++)
    s->t[k] = schedule->t[schedule->n_steps - k];
  return s;
}
