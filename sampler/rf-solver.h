/* rf-solver.h — deterministic ODE solvers for dx/dt = v(x, t).
 *
 * Every solver runs on any strictly monotone timestep list, so the same call
 * samples (t: 1 -> 0) or inverts (0 -> 1); h = t[k+1] - t[k] is negative when
 * sampling.  Orders below are global orders on smooth problems.
 *
 *   EULER     x += h v(x, t)                                     1 NFE/step, order 1
 *   HEUN      explicit trapezoid: Euler predictor, average of the
 *             slopes at both ends                                2 NFE/step, order 2
 *   RF2       RF-Solver-2: x + h v + h^2/2 v' with the
 *             half-step difference v' = (v_mid - v)/(h/2), which
 *             is the explicit midpoint method x + h v_mid         2 NFE/step, order 2
 *   RF3       RF-Solver-3: x + h v + h^2/2 v' + h^3/6 v'' with
 *             v', v'' from the quadratic through the velocities at
 *             t, t + h/2, t + h (see rf-solver.c)                 3 NFE/step, order 3
 *   DPMPP_2M  DPM-Solver++(2M)-style multistep in data prediction
 *             x0 = x - t v (x0 linear in t, see the .c)          1 NFE/step, order 2 (x log N)
 *   AB        Adams-Bashforth of order 1..3 on the velocity
 *             history (variable steps), optional heavy-ball
 *             momentum                                           1 NFE/step (+1 for order 3), order 1..3
 */
#pragma once

#include "rf-sampler.h"

G_BEGIN_DECLS

typedef enum {
  RF_SOLVER_EULER,
  RF_SOLVER_HEUN,
  RF_SOLVER_RF2,
  RF_SOLVER_RF3,
  RF_SOLVER_DPMPP_2M,
  RF_SOLVER_AB,
  RF_SOLVER_N_KINDS
} RfSolverKind;

typedef struct {
  RfSolverKind kind;
  guint        ab_order;  /* AB only: 1, 2 or 3; 0 means 2 */
  /* AB only: heavy-ball weight beta in (0, 1]; 0 means 1 (plain AB).  With
   * beta < 1 the step uses vbar_n = (1 - beta) vbar_{n-1} + beta c_n, where
   * c_n is the AB average velocity over the step; this damps the oscillation
   * that makes high-order multisteps diverge at few steps, at the price of
   * first order (Wizadwongsa et al., "Diffusion Sampling with Momentum for
   * Mitigating Divergence Artifacts", ICLR 2024, the "HB" variant). */
  double       momentum;
} RfSolverOptions;

/**
 * rf_solver_run:
 * @x: (inout): cb->n floats, the state at t[0]; the state at t[n_steps] on success
 * @t: n_steps + 1 strictly monotone times in [0, 1]
 *
 * Integrates dx/dt = v(x, t) along @t.  On error (invalid options or
 * timesteps, velocity failure, non-finite velocity, cancel) returns FALSE and
 * @x holds the state after the last completed step.
 */
gboolean rf_solver_run (const RfSolverOptions    *options,
                        float                    *x,
                        const double             *t,
                        guint                     n_steps,
                        const RfSamplerCallbacks *cb,
                        GError                  **error);

/* Velocity evaluations rf_solver_run makes for @n_steps steps. */
guint rf_solver_nfe (const RfSolverOptions *options, guint n_steps);

/* Largest step count whose NFE fits in @nfe_budget (0 if none). */
guint rf_solver_steps_for_nfe (const RfSolverOptions *options, guint nfe_budget);

/* Global order of accuracy on smooth problems (1 for AB with momentum < 1). */
guint rf_solver_order (const RfSolverOptions *options);

/* Stable lower-case names for CLIs and logs: "euler", "heun", "rf2", "rf3",
 * "dpmpp-2m", "ab". */
const char *rf_solver_kind_name (RfSolverKind kind);

/* Parses a name above; FALSE with RF_SAMPLER_ERROR_INVALID if unknown. */
gboolean rf_solver_kind_from_name (const char *name, RfSolverKind *kind, GError **error);

G_END_DECLS
