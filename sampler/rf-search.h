/* rf-search.h — inference-time search: best-of-N and rollover budget forcing.
 *
 * A score callback rates a predicted clean sample (larger is better): an
 * aesthetic or prompt-alignment model, a count of objects, a mask
 * consistency term for inpainting...  Particles are rated on their data
 * prediction x0 = x_t - t v, which comes free with each velocity evaluation.
 */
#pragma once

#include "rf-sde.h"
#include "rf-solver.h"

G_BEGIN_DECLS

/* *score_out = score of x0 (cb->n floats, read only). */
typedef gboolean (*RfScoreFunc) (const float *x0, double *score_out,
                                 gpointer user_data, GError **error);

/**
 * rf_search_best_of_n:
 * @t: sampling schedule from t[0] (noise) to t[n_steps]
 * @x_out: cb->n floats, the best final sample
 * @score_out: (nullable): its score
 *
 * Runs @solver from @n_candidates initial noises, candidate j drawn from
 * Philox (@seed, @stream + j), scores each final sample and keeps the best
 * (the first on ties).  Costs @n_candidates * rf_solver_nfe() evaluations.
 */
gboolean rf_search_best_of_n (const RfSolverOptions    *solver,
                              guint                     n_candidates,
                              guint64                   seed,
                              guint64                   stream,
                              const double             *t,
                              guint                     n_steps,
                              const RfSamplerCallbacks *cb,
                              RfScoreFunc               score,
                              gpointer                  score_data,
                              float                    *x_out,
                              double                   *score_out,
                              GError                  **error);

typedef struct {
  RfSdeOptions sde;        /* path, noise level, seed, base stream */
  guint        n_initial;  /* noises scored at u[0] before the first step (>= 1) */
  guint        nfe_budget; /* all velocity evaluations, initial ones included */
} RfRbfOptions;

typedef struct {
  guint  nfe_used;
  guint  rollovers;   /* steps left early because a candidate beat the best */
  double best_score;  /* best score seen over the whole run */
  double final_score; /* score of the returned sample */
} RfRbfStats;

/**
 * rf_search_rbf:
 * @u: n_steps + 1 decreasing times of options->sde.path, n_steps >= 2
 * @x_out: cb->n floats, the sample (linear-path state at u[n_steps])
 * @stats: (nullable)
 *
 * Rollover budget forcing (Kim et al. 2025) on the SDE of rf-sde.h.
 * Start: the best of n_initial noises (Philox stream + j).  Steps 0 ..
 * n_steps - 2 are searched: each has a quota of
 *   q = (nfe_budget - n_initial) / (n_steps - 1)
 * evaluations plus whatever earlier steps left over (the last searched step
 * gets all that remains).  A candidate is one SDE step from the current
 * particle with fresh noise (stream + ((k + 1) << 32) + c) followed by one
 * velocity evaluation at u[k+1], which gives both its data prediction for the
 * score and its drift for the next step.  The first candidate that beats the
 * best score seen so far is taken at once and the unused quota rolls over;
 * if none does, the best candidate of the step is taken when the quota is
 * spent.  The last step (to u[n_steps]) is a noise-free Euler step on the
 * stored velocity and costs nothing.  Fails with RF_SAMPLER_ERROR_INVALID
 * when the budget cannot give every searched step one evaluation.
 */
gboolean rf_search_rbf (const RfRbfOptions       *options,
                        const double             *u,
                        guint                     n_steps,
                        const RfSamplerCallbacks *cb,
                        RfScoreFunc               score,
                        gpointer                  score_data,
                        float                    *x_out,
                        RfRbfStats               *stats,
                        GError                  **error);

G_END_DECLS
