/* rf-solver-private.h — the multistep solvers, called by rf_solver_run after
 * it has checked its arguments. */
#pragma once

#include "rf-solver.h"

G_BEGIN_DECLS

gboolean rf_solver_run_dpmpp_2m (float *x, const double *t, guint n_steps,
                                 const RfSamplerCallbacks *cb, GError **error);

gboolean rf_solver_run_ab (guint order, double momentum,
                           float *x, const double *t, guint n_steps,
                           const RfSamplerCallbacks *cb, GError **error);

G_END_DECLS
