/* rf-sampler.h — common types of the sampler library: callbacks, error domain.
 *
 * Samplers are pure functions of a velocity callback.  The state x is a flat
 * float array of n elements (a packed latent, or many independent samples laid
 * end to end); the callback may run a model on any device.  Time follows FLUX:
 * x_t = (1 - t) * x0 + t * eps, v ~= eps - x0, sampling runs t: 1 -> 0 and
 * inversion 0 -> 1 through the same solvers.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define RF_SAMPLER_ERROR (rf_sampler_error_quark ())
GQuark rf_sampler_error_quark (void);

typedef enum {
  RF_SAMPLER_ERROR_INVALID,    /* a parameter or schedule out of range */
  RF_SAMPLER_ERROR_NUMERIC,    /* the velocity or score gave NaN/Inf */
  RF_SAMPLER_ERROR_NO_MEMORY,  /* solver buffers could not be allocated */
} RfSamplerError;

/* v_out[0..n) = v(x, t).  x and v_out never alias.  Return FALSE with @error
 * set on failure (model error, device lost...); the sampler stops and passes
 * the error on unchanged. */
typedef gboolean (*RfVelocityFunc) (const float *x,
                                    float        t,
                                    float       *v_out,
                                    gpointer     user_data,
                                    GError     **error);

/* Called after each step: @step steps of @n_steps are done, the state is at @t. */
typedef void (*RfProgressFunc) (guint step, guint n_steps, double t, gpointer user_data);

/* Called after each step with the current state (n floats, read only). */
typedef void (*RfPreviewFunc) (const float *x, guint step, gpointer user_data);

/* Called right before every velocity evaluation: the step being taken, which
 * evaluation within that step (0, 1, 2 for a three-stage method), and the
 * time the velocity is asked at.  RF-Edit keys its stored attention values by
 * (step, stage). */
typedef void (*RfStageFunc) (guint step, guint stage, double t, gpointer user_data);

/* Everything a sampler calls back into.  Only @velocity is required.
 * @cancellable is checked before each velocity evaluation, so a cancel takes
 * effect within one evaluation and ends the run with G_IO_ERROR_CANCELLED. */
typedef struct {
  gsize           n;            /* elements in the state */
  RfVelocityFunc  velocity;
  gpointer        velocity_data;
  RfProgressFunc  progress;
  gpointer        progress_data;
  RfPreviewFunc   preview;
  gpointer        preview_data;
  RfStageFunc     stage;
  gpointer        stage_data;
  GCancellable   *cancellable;
} RfSamplerCallbacks;

/**
 * rf_sampler_check_timesteps:
 * @t: @n_steps + 1 times
 *
 * Checks a timestep list for the solvers: finite, inside [0, 1], strictly
 * monotone (either direction), at least one step.  Sets RF_SAMPLER_ERROR_INVALID
 * otherwise.
 */
gboolean rf_sampler_check_timesteps (const double *t, guint n_steps, GError **error);

G_END_DECLS
