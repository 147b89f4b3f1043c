/* rf-sde-private.h — the SDE step, shared with the particle search. */
#pragma once

#include "rf-sde.h"

G_BEGIN_DECLS

gboolean rf_sde_check_options (const RfSdeOptions *options, const double *u,
                               guint n_steps, GError **error);

/* x_out = x + h drift(x, ubar) + eta sigma(u) sqrt(|h|) noise[i], where noise
 * is element i of Philox (seed, stream); x and ubar are path coordinates. */
void rf_sde_step (const RfSdeOptions *options, gsize n, const float *x,
                  const float *ubar, double u, double u_next,
                  guint64 stream, float *noise, float *x_out);

/* Linear-path state <-> path coordinates at path time u. */
void rf_sde_to_path (const RfPath *path, double u, float *x, gsize n);
void rf_sde_from_path (const RfPath *path, double u, float *x, gsize n);

G_END_DECLS
