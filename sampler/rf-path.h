/* rf-path.h — interpolant conversion (Kim et al., "Inference-Time Scaling for
 * Flow Models via Stochastic Generation and Rollover Budget Forcing").
 *
 * A model trained on the linear path x_t = (1-t) x0 + t eps can be run on any
 * other path xbar_u = alpha(u) x0 + sigma(u) eps with the same endpoints in
 * signal-to-noise ratio, by matching SNR and rescaling:
 *   alpha(u)/sigma(u) = (1-t)/t   =>   t(u) = sigma / (alpha + sigma),
 *   xbar_u = s(u) x_{t(u)},            s(u) = sigma / t(u) = alpha + sigma.
 * Differentiating xbar_u = s x_t along the flow gives the converted velocity
 *   ubar(xbar, u) = (s'/s) xbar + s t' v(xbar / s, t(u)),
 *   t' = (sigma' alpha - sigma alpha') / (alpha + sigma)^2,  s' = alpha' + sigma'.
 * The paper's code does the same through snr_inverse of the linear scheduler.
 * u follows FLUX time: u = 1 noise, u = 0 data.
 *
 * Variance-preserving paths (alpha^2 + sigma^2 = 1):
 *   VP_BETA    the paper's choice (flow_matching's VPScheduler, beta_min 0.1,
 *              beta_max 20): T(u) = beta_min u + (beta_max - beta_min) u^2 / 2,
 *              alpha = e^{-T/2}, sigma = sqrt(1 - e^{-T}).  At u = 1 alpha is
 *              e^{-5.025} = 0.0066, not 0: starting from pure noise truncates
 *              that much signal.  sigma' is infinite at u = 0, so the
 *              converted velocity must not be evaluated there (Euler and the
 *              SDE sampler never do; Heun and RF-3 would).
 *   VP_COSINE  alpha = cos(pi u / 2), sigma = sin(pi u / 2): exact endpoints and
 *              finite derivatives everywhere.
 *   LINEAR     the identity (alpha = 1 - u, sigma = u).
 */
#pragma once

#include "rf-sampler.h"

G_BEGIN_DECLS

typedef enum {
  RF_PATH_LINEAR,
  RF_PATH_VP_BETA,
  RF_PATH_VP_COSINE,
} RfPathKind;

typedef struct {
  RfPathKind kind;
  double     beta_min;  /* VP_BETA only; 0 means 0.1 */
  double     beta_max;  /* VP_BETA only; 0 means 20 */
} RfPath;

/* alpha, sigma and their u-derivatives at @u (any pointer may be NULL). */
void rf_path_coefficients (const RfPath *path, double u,
                           double *alpha, double *sigma, double *dalpha, double *dsigma);

/* Linear-path time t(u), scale s(u) and their u-derivatives (NULL allowed). */
void rf_path_to_linear (const RfPath *path, double u,
                        double *t, double *scale, double *dt, double *dscale);

/* Wraps a velocity on the linear path into the velocity on @path. */
typedef struct _RfPathVelocity RfPathVelocity;

/**
 * rf_path_velocity_new:
 * @n: state size; @inner: the linear-path velocity (the model)
 *
 * Returns NULL with RF_SAMPLER_ERROR_NO_MEMORY if the scratch buffers (2 n
 * floats) cannot be allocated.
 */
RfPathVelocity *rf_path_velocity_new (const RfPath *path, gsize n,
                                      RfVelocityFunc inner, gpointer inner_data,
                                      GError **error);
void rf_path_velocity_free (RfPathVelocity *pv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfPathVelocity, rf_path_velocity_free)

/* An RfVelocityFunc: @user_data is an RfPathVelocity; @x is xbar at time u = @t. */
gboolean rf_path_velocity (const float *x, float t, float *v_out,
                           gpointer user_data, GError **error);

/* After an evaluation at (xbar, u): the data prediction x0 = x_t - t v of the
 * linear model, n floats into @x0. */
void rf_path_velocity_last_x0 (const RfPathVelocity *pv, float *x0);

G_END_DECLS
