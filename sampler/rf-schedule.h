/* rf-schedule.h — timestep lists for the solvers.
 *
 * A schedule is n_steps + 1 times, t[0] = 1 (noise) down to t[n_steps] = 0
 * (clean) for sampling.  rf_schedule_new_reversed() turns one into the 0 -> 1
 * list an inversion runs on.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint   n_steps;
  double *t;        /* n_steps + 1 entries */
} RfSchedule;

/* Defaults of BFL's get_schedule (black-forest-labs/flux, sampling.py). */
#define RF_SCHEDULE_BFL_BASE_SHIFT 0.5
#define RF_SCHEDULE_BFL_MAX_SHIFT  1.15

void rf_schedule_free (RfSchedule *schedule);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfSchedule, rf_schedule_free)

/* Plain linspace(1, 0, n_steps + 1): FLUX.1 [schnell], no shift. */
RfSchedule *rf_schedule_new_linear (guint n_steps);

/**
 * rf_schedule_bfl_mu:
 * @image_seq_len: image tokens, (H / 16) * (W / 16) for FLUX
 *
 * BFL's resolution-dependent shift: mu linear in the token count through
 * (256, @base_shift) and (4096, @max_shift).  1024x1024 gives 1.15.
 */
double rf_schedule_bfl_mu (double image_seq_len, double base_shift, double max_shift);

/* BFL time_shift: e^mu / (e^mu + (1/t - 1)^sigma), with t = 0 -> 0, t = 1 -> 1. */
double rf_schedule_time_shift (double mu, double sigma, double t);

/* SD3 constant shift: s * t / (1 + (s - 1) * t).  Equals time_shift with
 * sigma = 1 and mu = ln s. */
double rf_schedule_sd3_shift (double shift, double t);

/* BFL get_schedule(n_steps, image_seq_len, base_shift, max_shift, shift=True). */
RfSchedule *rf_schedule_new_bfl (guint  n_steps,
                                 double image_seq_len,
                                 double base_shift,
                                 double max_shift);

/* linspace(1, 0) mapped through the SD3 shift; @shift must be > 0. */
RfSchedule *rf_schedule_new_sd3 (guint n_steps, double shift, GError **error);

/**
 * rf_schedule_new_from_list:
 * @values: (array length=n_values): user times
 *
 * Copies a user list after checking it (finite, in [0, 1], strictly monotone,
 * at least two values).  Returns NULL with RF_SAMPLER_ERROR_INVALID otherwise.
 */
RfSchedule *rf_schedule_new_from_list (const double *values, guint n_values, GError **error);

/* A reversed copy: what an inversion runs on. */
RfSchedule *rf_schedule_new_reversed (const RfSchedule *schedule);

G_END_DECLS
