/* rf-job-generate.c — text → image (or a given noise latent → image). */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "rf-error.h"
#include "rf-pipeline-private.h"

static double
seconds_since (gint64 t)
{
  return (g_get_monotonic_time () - t) / 1e6;
}

/* The output size asked for, and the work size for it. */
static gboolean
plan_size (RfJob *job, int *out_w, int *out_h, int *work_w, int *work_h, GError **error)
{
  const RfJobParams *p = job->params;
  int multiple = 2 * job->factor;
  if (p->noise)
    {
      const RfLatent *n = p->noise;
      if (n->channels != job->z || n->height < 2 || n->width < 2 || n->height % 2
          || n->width % 2)
        {
          g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID,
                       _("The starting latent is %d×%d×%d; this model needs %d channels and "
                         "an even height and width"), n->channels, n->height, n->width, job->z);
          return FALSE;
        }
      *work_w = n->width * job->factor;
      *work_h = n->height * job->factor;
      *out_w = p->width ? p->width : *work_w;
      *out_h = p->height ? p->height : *work_h;
      return TRUE;
    }
  double budget = rf_job_max_pixels (job);
  int side = (int) sqrt (budget);
  *out_w = p->width ? p->width : p->height ? p->height : side;
  *out_h = p->height ? p->height : p->width ? p->width : side;
  rf_work_size_fit (*out_w, *out_h, multiple, budget, work_w, work_h);
  return TRUE;
}

gboolean
rf_job_generate (RfJob *job, GError **error)
{
  const RfJobParams *p = job->params;
  RfJobResult *res = job->result;
  gint64 t = g_get_monotonic_time ();
  RfFlux *flux = rf_pipeline_get_flux (job->pipe, FALSE, error);
  if (flux == NULL)
    return FALSE;
  res->seconds_load = seconds_since (job->t0);

  int out_w, out_h, ww, wh;
  if (!plan_size (job, &out_w, &out_h, &ww, &wh, error))
    return FALSE;
  int h = wh / job->factor, w = ww / job->factor, rows = h / 2, cols = w / 2;
  guint steps = rf_job_steps (job, flux);
  float guidance = (float) rf_job_guidance (job, flux);
  RfSolverKind solver = rf_job_solver (job);
  res->steps = steps;
  res->guidance = guidance;
  res->solver = rf_solver_kind_name (solver);
  res->work_width = ww;
  res->work_height = wh;
  rf_job_notice (job, _("generate: %d×%d (working at %d×%d), %u steps, %s, guidance %g, seed %"
                        PRIu64), out_w, out_h, ww, wh, steps, res->solver, guidance,
                 p->seed);

  t = g_get_monotonic_time ();
  rf_job_progress (job, RF_PHASE_ENCODE, 0, 1);
  g_autoptr (RfTensor) txt = NULL, y = NULL;
  if (!rf_job_condition (job, flux, FALSE, p->prompt, &txt, &y, error))
    return FALSE;
  rf_job_progress (job, RF_PHASE_ENCODE, 1, 1);
  res->seconds_encode = seconds_since (t);
  if (rf_job_check_cancel (job, error))
    return FALSE;

  gsize n = (gsize) job->z * h * w;
  g_autofree float *lat = g_try_new (float, n);
  g_autofree float *x = g_try_new (float, n);
  if (lat == NULL || x == NULL)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY, _("Out of memory"));
      return FALSE;
    }
  if (p->noise)
    memcpy (lat, p->noise->data, n * sizeof (float));
  else
    rf_latent_noise (p->seed, 0, lat, n);
  rf_latent_pack (lat, job->z, h, w, x);

  g_autoptr (RfSchedule) sched = rf_job_schedule (flux, steps, rows, cols);
  g_autoptr (RfDenoiser) den = rf_denoiser_new (job, flux, txt, y, guidance, rows, cols, NULL,
                                                error);
  if (den == NULL)
    return FALSE;
  t = g_get_monotonic_time ();
  if (!rf_denoise_run (job, den, RF_PHASE_SAMPLE, solver, sched->t, steps, x, NULL, NULL, NULL,
                       error))
    return FALSE;
  res->seconds_sample = seconds_since (t);
  res->seconds_per_step = res->seconds_sample / steps;
  res->nfe = rf_denoiser_get_nfe (den);

  t = g_get_monotonic_time ();
  g_autoptr (RfLatent) out = rf_latent_new (job->z, h, w, error);
  if (out == NULL)
    return FALSE;
  rf_latent_unpack (x, job->z, h, w, out->data);
  g_autoptr (RfImage) im = rf_job_decode (job, out, TRUE, error);
  if (im == NULL)
    return FALSE;
  res->image = rf_image_resize (im, out_w, out_h);
  res->seconds_decode = seconds_since (t);
  if (res->image == NULL)
    return FALSE;
  res->image->bits = 8;   /* the models make 8-bit-like images: save PNGs as such */
  return TRUE;
}
