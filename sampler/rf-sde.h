/* rf-sde.h — stochastic sampling for flow models.
 *
 * On a path xbar_u = alpha(u) x0 + sigma(u) eps (rf-path.h) with velocity
 * ubar, the posterior noise and the score follow from the velocity:
 *   eps_hat = (alpha ubar - alpha' xbar) / (alpha sigma' - alpha' sigma),
 *   score   = -eps_hat / sigma.
 * (Linear path: eps_hat = x + (1-t) v, score = -(x + (1-t) v) / t.)
 * The reverse-time SDE
 *   dx = [ubar - (g^2 / 2) score] du + g dW      (du < 0)
 * has the same marginals as the ODE dx = ubar du for every diffusion g(u),
 * since the extra drift (g^2/2) grad log p and the diffusion cancel in the
 * Fokker-Planck equation.  Here g(u) = eta sigma(u) (the paper's "sigma"
 * diffusion coefficient), so the drift is
 *   ubar + (eta^2 sigma / 2) eps_hat,
 * finite at u = 1 and u = 0.  Euler-Maruyama steps:
 *   x' = x + h drift + eta sigma(u) sqrt(|h|) z,   z ~ N(0, I),
 * z from Philox (seed, stream + step).  eta = 0 is the Euler ODE sampler.
 * The last step is a plain Euler step (no noise and no score term), so the
 * sample ends on the model's prediction rather than on fresh noise.
 */
#pragma once

#include "rf-path.h"

G_BEGIN_DECLS

typedef struct {
  RfPath  path;
  double  noise_level; /* eta >= 0 */
  guint64 seed;
  guint64 stream;      /* step k draws noise from stream + k */
} RfSdeOptions;

/**
 * rf_sde_run:
 * @x: (inout): cb->n floats.  In: the state on the LINEAR path at time
 *   t(u[0]) (pure noise when u[0] = 1).  Out: the linear-path state at
 *   t(u[n_steps]) (the sample when u[n_steps] = 0).
 * @u: n_steps + 1 times of @path, strictly decreasing
 * @cb: cb->velocity is the model's linear-path velocity; the conversion to
 *   @path happens inside
 *
 * Samples with the SDE above.  Deterministic for a given seed.  Errors as
 * rf_solver_run, plus RF_SAMPLER_ERROR_INVALID for a negative noise level or
 * increasing times.
 */
gboolean rf_sde_run (const RfSdeOptions       *options,
                     float                    *x,
                     const double             *u,
                     guint                     n_steps,
                     const RfSamplerCallbacks *cb,
                     GError                  **error);

G_END_DECLS
