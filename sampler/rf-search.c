/* rf-search.c — best-of-N and rollover budget forcing. */
#include <math.h>
#include <string.h>

#include "rf-philox.h"
#include "rf-sampler-private.h"
#include "rf-sde-private.h"
#include "rf-search.h"

static gboolean
call_score (RfScoreFunc score, gpointer data, const float *x0, double *out, GError **error)
{
  GError *local = NULL;
  if (!score (x0, out, data, &local))
    {
      if (local == NULL)
        g_set_error (&local, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_NUMERIC,
                     _("The score callback failed without a reason"));
      g_propagate_error (error, local);
      return FALSE;
    }
  if (isnan (*out))
    {
      g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_NUMERIC,
                   _("The score callback returned NaN"));
      return FALSE;
    }
  return TRUE;
}

gboolean
rf_search_best_of_n (const RfSolverOptions    *solver,
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
                     GError                  **error)
{
  g_return_val_if_fail (solver != NULL && t != NULL && score != NULL && x_out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (!rf_sampler_check_callbacks (cb, error))
    return FALSE;
  if (n_candidates < 1)
    {
      g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                   _("Best-of-N needs at least one candidate"));
      return FALSE;
    }

  const gsize n = cb->n;
  g_autofree float *x = rf_sampler_alloc (n, error);
  if (x == NULL)
    return FALSE;

  double best = -INFINITY;
  for (guint j = 0; j < n_candidates; j++)
    {
      rf_philox_normal (seed, stream + j, 0, x, n);
      if (!rf_solver_run (solver, x, t, n_steps, cb, error))
        return FALSE;
      double s;
      if (!call_score (score, score_data, x, &s, error))
        return FALSE;
      if (j == 0 || s > best)
        {
          best = s;
          memcpy (x_out, x, n * sizeof (float));
        }
    }
  if (score_out)
    *score_out = best;
  return TRUE;
}

/* One particle in path coordinates with the velocity and score at its time. */
typedef struct {
  float  *x;
  float  *v;
  double  score;
} Particle;

static void
particle_copy (Particle *dst, const Particle *src, gsize n)
{
  memcpy (dst->x, src->x, n * sizeof (float));
  memcpy (dst->v, src->v, n * sizeof (float));
  dst->score = src->score;
}

gboolean
rf_search_rbf (const RfRbfOptions       *options,
               const double             *u,
               guint                     n_steps,
               const RfSamplerCallbacks *cb,
               RfScoreFunc               score,
               gpointer                  score_data,
               float                    *x_out,
               RfRbfStats               *stats,
               GError                  **error)
{
  g_return_val_if_fail (options != NULL && u != NULL && score != NULL && x_out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (!rf_sampler_check_callbacks (cb, error) ||
      !rf_sde_check_options (&options->sde, u, n_steps, error))
    return FALSE;
  const guint n_initial = MAX (options->n_initial, 1);
  if (n_steps < 2 || options->nfe_budget < n_initial + (n_steps - 1))
    {
      g_set_error (error, RF_SAMPLER_ERROR, RF_SAMPLER_ERROR_INVALID,
                   _("Rollover budget forcing needs at least 2 steps and a budget of "
                     "%u evaluations (initial noises + one per searched step), got %u"),
                   n_initial + (n_steps > 1 ? n_steps - 1 : 1), options->nfe_budget);
      return FALSE;
    }

  const gsize n = cb->n;
  const RfPath *path = &options->sde.path;
  g_autoptr (RfPathVelocity) pv = rf_path_velocity_new (path, n, cb->velocity,
                                                        cb->velocity_data, error);
  if (pv == NULL)
    return FALSE;
  RfSamplerCallbacks inner = *cb;
  inner.velocity = rf_path_velocity;
  inner.velocity_data = pv;

  /* cur: the particle the search stands on; cand: the one being tried;
   * step_best: the best candidate of the current step. */
  float *buf[7];
  for (int i = 0; i < 7; i++)
    buf[i] = NULL;
  gboolean ok = FALSE;
  for (int i = 0; i < 7; i++)
    if ((buf[i] = rf_sampler_alloc (n, error)) == NULL)
      goto out;
  Particle cur = { buf[0], buf[1], -INFINITY };
  Particle cand = { buf[2], buf[3], -INFINITY };
  Particle step_best = { buf[4], buf[5], -INFINITY };
  float *scratch = buf[6]; /* noise, then data predictions */

  guint nfe = 0, rollovers = 0;
  double best = -INFINITY;

  for (guint j = 0; j < n_initial; j++)
    {
      rf_philox_normal (options->sde.seed, options->sde.stream + j, 0, cand.x, n);
      rf_sde_to_path (path, u[0], cand.x, n);
      if (!rf_sampler_eval (&inner, 0, j, cand.x, u[0], cand.v, error))
        goto out;
      nfe++;
      rf_path_velocity_last_x0 (pv, scratch);
      if (!call_score (score, score_data, scratch, &cand.score, error))
        goto out;
      if (j == 0 || cand.score > cur.score)
        particle_copy (&cur, &cand, n);
    }
  best = cur.score;

  const guint searched = n_steps - 1;
  const guint quota0 = (options->nfe_budget - n_initial) / searched;
  guint carry = 0;

  for (guint k = 0; k < searched; k++)
    {
      guint quota = (k + 1 == searched) ? options->nfe_budget - nfe : quota0 + carry;
      guint used = 0;
      gboolean rolled = FALSE;
      step_best.score = -INFINITY;
      guint64 step_stream = options->sde.stream + ((guint64) (k + 1) << 32);

      while (used < quota)
        {
          rf_sde_step (&options->sde, n, cur.x, cur.v, u[k], u[k + 1],
                       step_stream + used, scratch, cand.x);
          if (!rf_sampler_eval (&inner, k, used, cand.x, u[k + 1], cand.v, error))
            goto out;
          used++;
          nfe++;
          rf_path_velocity_last_x0 (pv, scratch);
          if (!call_score (score, score_data, scratch, &cand.score, error))
            goto out;
          if (cand.score > best)
            {
              best = cand.score;
              particle_copy (&step_best, &cand, n);
              rolled = TRUE;
              break;
            }
          if (cand.score > step_best.score)
            particle_copy (&step_best, &cand, n);
        }
      carry = quota - used;
      if (rolled)
        rollovers++;
      particle_copy (&cur, &step_best, n);
      if (cb->progress)
        cb->progress (k + 1, n_steps, u[k + 1], cb->progress_data);
    }

  /* Noise-free last step on the stored velocity. */
  for (gsize i = 0; i < n; i++)
    x_out[i] = (float) (cur.x[i] + (u[n_steps] - u[n_steps - 1]) * cur.v[i]);
  rf_sde_from_path (path, u[n_steps], x_out, n);
  double final_score;
  if (!call_score (score, score_data, x_out, &final_score, error))
    goto out;
  if (cb->progress)
    cb->progress (n_steps, n_steps, u[n_steps], cb->progress_data);
  if (cb->preview)
    cb->preview (x_out, n_steps, cb->preview_data);

  if (stats)
    {
      stats->nfe_used = nfe;
      stats->rollovers = rollovers;
      stats->best_score = best;
      stats->final_score = final_score;
    }
  ok = TRUE;

out:
  for (int i = 0; i < 7; i++)
    g_free (buf[i]);
  return ok;
}
