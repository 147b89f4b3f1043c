/* rf-denoise.c — the FLUX velocity as a sampler callback, and solver runs
 * with progress, previews, cancel and RF-Edit positions. */
#include <string.h>

#include "rf-error.h"
#include "rf-pipeline-private.h"

struct _RfDenoiser {
  RfJob *job;
  RfFlux *flux;
  RfBackend *be;
  RfTensor *txt, *y;     /* borrowed */
  float guidance;
  int rows, cols;
  int in_ch, out_ch;
  gsize n_tokens;
  float *extra;          /* [N, in − out] Fill conditioning, or NULL */
  float *staging;        /* [N, in] when extra is set */
  RfTensor *img;         /* [1, N, in] */
  RfTensor *out;         /* [1, N, out] */
  guint nfe;
  float *last_v;         /* previews: the latest velocity */
};

RfDenoiser *
rf_denoiser_new (RfJob *job, RfFlux *flux, RfTensor *txt, RfTensor *y, float guidance,
                 int rows, int cols, const float *extra, GError **error)
{
  const RfFluxParams *p = rf_flux_get_params (flux);
  g_autoptr (RfDenoiser) d = g_new0 (RfDenoiser, 1);
  d->job = job;
  d->flux = flux;
  d->be = rf_flux_get_backend (flux);
  d->txt = txt;
  d->y = y;
  d->guidance = guidance;
  d->rows = rows;
  d->cols = cols;
  d->in_ch = p->in_channels;
  d->out_ch = p->out_channels;
  d->n_tokens = (gsize) rows * cols;
  if ((extra != NULL) != (d->in_ch > d->out_ch))
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID,
                   _("The transformer takes %d input channels for %d output channels; "
                     "only FLUX.1 Fill takes image conditioning"), d->in_ch, d->out_ch);
      return NULL;
    }
  if (extra)
    {
      gsize n_extra = d->n_tokens * (d->in_ch - d->out_ch);
      d->extra = g_memdup2 (extra, n_extra * sizeof (float));
      d->staging = g_try_new (float, d->n_tokens * d->in_ch);
      if (d->staging == NULL)
        {
          g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY, _("Out of memory"));
          return NULL;
        }
    }
  d->img = rf_tensor_new_4d (d->be, RF_DTYPE_F32, 3, 1, (gint64) d->n_tokens, d->in_ch, 0, error);
  d->out = d->img ? rf_tensor_new_4d (d->be, RF_DTYPE_F32, 3, 1, (gint64) d->n_tokens,
                                      d->out_ch, 0, error) : NULL;
  if (d->out == NULL)
    return NULL;
  return g_steal_pointer (&d);
}

void
rf_denoiser_free (RfDenoiser *den)
{
  if (den == NULL)
    return;
  g_free (den->extra);
  g_free (den->staging);
  g_free (den->last_v);
  rf_tensor_free (den->img);
  rf_tensor_free (den->out);
  g_free (den);
}

void
rf_denoiser_set_conditioning (RfDenoiser *den, RfTensor *txt, RfTensor *y, float guidance)
{
  den->txt = txt;
  den->y = y;
  den->guidance = guidance;
}

guint
rf_denoiser_get_nfe (const RfDenoiser *den)
{
  return den->nfe;
}

static gboolean
velocity (const float *x, float t, float *v_out, gpointer user_data, GError **error)
{
  RfDenoiser *d = user_data;
  gsize n = d->n_tokens * d->out_ch;
  if (d->extra)
    {
      int ne = d->in_ch - d->out_ch;
      for (gsize i = 0; i < d->n_tokens; i++)
        {
          memcpy (d->staging + i * d->in_ch, x + i * d->out_ch, sizeof (float) * d->out_ch);
          memcpy (d->staging + i * d->in_ch + d->out_ch, d->extra + i * ne, sizeof (float) * ne);
        }
      if (!rf_tensor_write (d->img, d->staging, d->n_tokens * d->in_ch * sizeof (float), error))
        return FALSE;
    }
  else if (!rf_tensor_write (d->img, x, n * sizeof (float), error))
    return FALSE;
  d->nfe++;
  if (!rf_flux_forward (d->flux, d->img, d->txt, d->y, t, d->guidance, d->rows, d->cols, d->out,
                        error)
      || !rf_tensor_read (d->out, v_out, n * sizeof (float), error))
    return FALSE;
  if (d->last_v)
    memcpy (d->last_v, v_out, n * sizeof (float));
  return TRUE;
}

RfSchedule *
rf_job_schedule (RfFlux *flux, guint n_steps, int rows, int cols)
{
  if (rf_flux_is_schnell (flux))
    return rf_schedule_new_linear (n_steps);
  return rf_schedule_new_bfl (n_steps, (double) rows * cols, RF_SCHEDULE_BFL_BASE_SHIFT,
                              RF_SCHEDULE_BFL_MAX_SHIFT);
}

typedef struct {
  RfJob *job;
  RfDenoiser *den;
  RfJobPhase phase;
  const double *t;
  guint n_steps;
  guint offset;          /* steps done before the current solver call */
  RfVCache *vcache;
} Run;

static void
on_stage (guint step, guint stage, double t, gpointer user_data)
{
  Run *r = user_data;
  if (r->vcache)
    rf_vcache_set_position (r->vcache, r->offset + step, stage);
}

static void
on_progress (guint step, guint n_steps, double t, gpointer user_data)
{
  Run *r = user_data;
  rf_job_progress (r->job, r->phase, r->offset + step, r->n_steps);
}

/* Decodes x0 = x − t·v (the clean image the model currently predicts). */
static void
on_preview (const float *x, guint step, gpointer user_data)
{
  Run *r = user_data;
  RfDenoiser *d = r->den;
  const RfJobParams *p = r->job->params;
  guint done = r->offset + step;
  if (p->preview == NULL || p->preview_every == 0 || r->phase != RF_PHASE_SAMPLE
      || d->last_v == NULL || (done % p->preview_every != 0 && done != r->n_steps))
    return;
  gsize n = d->n_tokens * d->out_ch;
  double t = r->t[done];
  g_autofree float *x0 = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    x0[i] = (float) (x[i] - t * d->last_v[i]);
  int z = d->out_ch / 4;
  g_autoptr (RfLatent) lat = rf_latent_new (z, d->rows * 2, d->cols * 2, NULL);
  if (lat == NULL)
    return;
  rf_latent_unpack (x0, z, lat->height, lat->width, lat->data);
  /* best effort: a failed preview must not stop the job */
  g_autoptr (RfImage) im = rf_job_decode_preview (r->job, lat, NULL);
  if (im)
    p->preview (im, done, r->n_steps, p->user_data);
}

static gboolean
single_step_solver (RfSolverKind kind)
{
  return kind == RF_SOLVER_EULER || kind == RF_SOLVER_HEUN || kind == RF_SOLVER_RF2
         || kind == RF_SOLVER_RF3;
}

gboolean
rf_denoise_run (RfJob *job, RfDenoiser *den, RfJobPhase phase, RfSolverKind solver,
                const double *t, guint n_steps, float *x, RfVCache *vcache, RfStepHook hook,
                gpointer hook_data, GError **error)
{
  const RfJobParams *p = job->params;
  Run r = { job, den, phase, t, n_steps, 0, vcache };
  gsize n = den->n_tokens * den->out_ch;
  if (p->preview && p->preview_every && phase == RF_PHASE_SAMPLE && den->last_v == NULL)
    den->last_v = g_new0 (float, n);
  RfSamplerCallbacks cb = {
    .n = n,
    .velocity = velocity, .velocity_data = den,
    .progress = on_progress, .progress_data = &r,
    .preview = on_preview, .preview_data = &r,
    .stage = on_stage, .stage_data = &r,
    .cancellable = p->cancellable,
  };
  RfSolverOptions opts = { .kind = solver };
  rf_job_progress (job, phase, 0, n_steps);
  if (vcache)
    rf_flux_set_attn_hook (den->flux, rf_vcache_hook, vcache);
  gboolean ok = TRUE;
  if (hook == NULL)
    ok = rf_solver_run (&opts, x, t, n_steps, &cb, error);
  else if (!single_step_solver (solver))
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID,
                   _("The %s solver keeps a history between steps and cannot be used here; "
                     "use euler, heun, rf2 or rf3"), rf_solver_kind_name (solver));
      ok = FALSE;
    }
  else
    {
      /* one solver call per step: the hook may change the state between */
      cb.progress = NULL;
      cb.preview = NULL;
      for (guint k = 0; k < n_steps && ok; k++)
        {
          r.offset = k;
          ok = rf_solver_run (&opts, x, t + k, 1, &cb, error)
               && hook (x, k, t[k], t[k + 1], hook_data, error);
          if (ok)
            {
              on_progress (1, 1, t[k + 1], &r);
              r.offset = k;
              on_preview (x, 1, &r);
            }
        }
    }
  rf_flux_set_attn_hook (den->flux, NULL, NULL);
  return ok;
}

gboolean
rf_denoise_step (RfJob *job, RfDenoiser *den, RfSolverKind solver, double t_cur, double t_next,
                 float *x, GError **error)
{
  RfSamplerCallbacks cb = {
    .n = den->n_tokens * den->out_ch,
    .velocity = velocity, .velocity_data = den,
    .cancellable = job->params->cancellable,
  };
  RfSolverOptions opts = { .kind = solver };
  double t[2] = { t_cur, t_next };
  return rf_solver_run (&opts, x, t, 1, &cb, error);
}
