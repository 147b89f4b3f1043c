/* rf-analytic-flow.h — rectified flows whose velocity is known in closed form,
 * for tests and benchmarks of the solvers.
 *
 * Source eps ~ N(0, I), target x0 ~ p0, interpolant x_t = (1-t) x0 + t eps.
 * The velocity that carries the marginals is v(x, t) = E[eps - x0 | x_t = x].
 *
 * Gaussian target N(mu, Sigma), Sigma = Q diag(lambda) Q^T:
 *   (x0, eps, x_t) are jointly Gaussian, x_t ~ N((1-t) mu, C_t) with
 *   C_t = (1-t)^2 Sigma + t^2 I and Cov(eps - x0, x_t) = t I - (1-t) Sigma, so
 *     v(x, t) = -mu + (t I - (1-t) Sigma) C_t^{-1} (x - (1-t) mu).
 *   In the eigenbasis, y = Q^T (x - (1-t) mu) obeys dy_i/dt = a_i(t) y_i with
 *   a_i = (t - (1-t) lambda_i) / c_i(t), c_i = (1-t)^2 lambda_i + t^2, and
 *   a_i = c_i' / (2 c_i); hence y_i(t) = y_i(s) sqrt(c_i(t) / c_i(s)) and the
 *   flow map from time s to time t is affine:
 *     x(t) = (1-t) mu + Q diag(sqrt(c(t)/c(s))) Q^T (x(s) - (1-s) mu).
 *   At s = 1, t = 0 it is mu + Sigma^{1/2} eps, the exact transport.
 *
 * Mixture target sum_k pi_k N(m_k, diag(s_k^2)):
 *   given the component, the Gaussian formula holds with
 *   c_kd(t) = (1-t)^2 s_kd^2 + t^2 per coordinate:
 *     v_k(x, t) = -m_k + (t - (1-t) s_k^2) / c_k(t) * (x - (1-t) m_k),
 *   and the posterior over components mixes them:
 *     v(x, t) = sum_k w_k(x, t) v_k(x, t),
 *     w_k ∝ pi_k N(x; (1-t) m_k, diag(c_k(t))).
 *   The flow map has no closed form; rf_analytic_flow_reference_map
 *   integrates it with classical RK4 in double precision.
 */
#pragma once

#include "rf-sampler.h"

G_BEGIN_DECLS

typedef struct _RfAnalyticFlow RfAnalyticFlow;

/**
 * rf_analytic_flow_new_gaussian:
 * @mean: @dim values
 * @cov: @dim x @dim row-major, symmetric positive definite
 *
 * Returns NULL with RF_SAMPLER_ERROR_INVALID if @cov is not symmetric
 * positive definite.  Free with rf_analytic_flow_free().
 */
RfAnalyticFlow *rf_analytic_flow_new_gaussian (guint dim, const double *mean,
                                               const double *cov, GError **error);

/**
 * rf_analytic_flow_new_mixture:
 * @weights: @n_comp positive weights (normalised here)
 * @means: @n_comp x @dim
 * @stddevs: @n_comp x @dim, positive
 */
RfAnalyticFlow *rf_analytic_flow_new_mixture (guint dim, guint n_comp,
                                              const double *weights,
                                              const double *means,
                                              const double *stddevs,
                                              GError **error);

void rf_analytic_flow_free (RfAnalyticFlow *flow);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfAnalyticFlow, rf_analytic_flow_free)

guint rf_analytic_flow_dim (const RfAnalyticFlow *flow);

/* TRUE for the Gaussian target, whose flow map is exact. */
gboolean rf_analytic_flow_has_exact_map (const RfAnalyticFlow *flow);

/* Velocity of one sample (dim values), in double. */
void rf_analytic_flow_velocity_one (const RfAnalyticFlow *flow, const double *x,
                                    double t, double *v);

/* The number of samples of @dim values the RfVelocityFunc below sees in its
 * flat state (n = n_samples * dim). */
void rf_analytic_flow_set_batch (RfAnalyticFlow *flow, gsize n_samples);

/* An RfVelocityFunc: @user_data is the RfAnalyticFlow. */
gboolean rf_analytic_flow_velocity (const float *x, float t, float *v_out,
                                    gpointer user_data, GError **error);

/**
 * rf_analytic_flow_reference_map:
 *
 * Carries one sample from time @t_from to @t_to: the exact affine map for a
 * Gaussian target, RK4 with @rk4_steps steps (in double) otherwise.
 */
void rf_analytic_flow_reference_map (const RfAnalyticFlow *flow, const double *x_from,
                                     double t_from, double t_to, guint rk4_steps,
                                     double *x_to);

/* Mean (dim) and covariance (dim x dim) of the target p0. */
void rf_analytic_flow_target_moments (const RfAnalyticFlow *flow, double *mean, double *cov);

G_END_DECLS
