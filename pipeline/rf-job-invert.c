/* rf-job-invert.c — inversion (image → noise with the source prompt),
 * reconstruction (and back) and RF-Edit (back with the target prompt,
 * sharing attention values of the high-noise steps). */
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

static char *
format_bytes (guint64 b)
{
  return g_format_size_full (b, G_FORMAT_SIZE_IEC_UNITS);
}

/* RF-Edit's sharing plan for @flux. */
static void
edit_plan (RfJob *job, RfFlux *flux, guint steps, int *inject, int *first_block, int *n_blocks)
{
  const RfJobParams *p = job->params;
  const RfFluxParams *fp = rf_flux_get_params (flux);
  int depth = fp->depth_single;
  /* the reference shares single blocks 20..37 of 38: the last 18/38 */
  int n = p->v_blocks != RF_DEFAULT_INT ? MIN (p->v_blocks, depth) : depth - depth * 20 / 38;
  *n_blocks = n;
  *first_block = depth - n;
  int inj = p->inject != RF_DEFAULT_INT ? p->inject : rf_flux_is_schnell (flux) ? 1 : 3;
  *inject = MIN (inj, (int) steps);
}

/* The output: @im (work size) mapped back to the input's size, with the
 * input's alpha. */
static RfImage *
map_back (const RfImage *im, const RfImage *input)
{
  RfImage *out = rf_image_resize (im, input->width, input->height);
  if (out == NULL)
    return NULL;
  gsize n = (gsize) out->width * out->height;
  for (gsize i = 0; i < n; i++)
    out->data[i * 4 + 3] = input->data[i * 4 + 3];
  out->bits = input->bits;
  return out;
}

gboolean
rf_job_invert (RfJob *job, GError **error)
{
  const RfJobParams *p = job->params;
  RfJobResult *res = job->result;
  RfFlux *flux = rf_pipeline_get_flux (job->pipe, FALSE, error);
  if (flux == NULL)
    return FALSE;
  res->seconds_load = seconds_since (job->t0);
  gboolean edit = p->kind == RF_JOB_EDIT, back = p->kind != RF_JOB_INVERT;

  int ww, wh;
  rf_work_size_fit (p->image->width, p->image->height, 2 * job->factor, rf_job_max_pixels (job),
                    &ww, &wh);
  int h = wh / job->factor, w = ww / job->factor, rows = h / 2, cols = w / 2;
  guint steps = rf_job_steps (job, flux);
  RfSolverKind solver = rf_job_solver (job);
  /* inversion runs at guidance 1 as the reference; reconstruct and
   * invert take --guidance for both directions */
  float g_inv = edit ? 1.0f : (float) rf_job_guidance (job, flux);
  float g_out = (float) rf_job_guidance (job, flux);
  res->steps = steps;
  res->guidance = g_out;
  res->solver = rf_solver_kind_name (solver);
  res->work_width = ww;
  res->work_height = wh;
  rf_job_notice (job, _("%s: %d×%d (working at %d×%d), %u steps, %s, guidance %g"),
                 rf_job_kind_name (p->kind), p->image->width, p->image->height, ww, wh, steps,
                 res->solver, g_out);

  gint64 t = g_get_monotonic_time ();
  g_autoptr (RfTensor) txt_src = NULL, y_src = NULL, txt_dst = NULL, y_dst = NULL;
  if (!rf_job_condition (job, flux, TRUE, p->source_prompt, &txt_src, &y_src, error))
    return FALSE;
  if (edit && !rf_job_condition (job, flux, FALSE, p->prompt, &txt_dst, &y_dst, error))
    return FALSE;
  if (edit && txt_dst->shape[1] != txt_src->shape[1])
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID,
                   _("The source and target conditioning have %" PRId64 " and %"
                     PRId64 " text tokens; RF-Edit needs the same count"),
                   txt_src->shape[1], txt_dst->shape[1]);
      return FALSE;
    }

  /* RF-Edit's store, announced before anything heavy runs */
  g_autoptr (RfVCache) vcache = NULL;
  if (edit)
    {
      int inject, first, n_blocks;
      edit_plan (job, flux, steps, &inject, &first, &n_blocks);
      const RfFluxParams *fp = rf_flux_get_params (flux);
      gint64 numel = (gint64) fp->hidden * (txt_src->shape[1] + (gint64) rows * cols);
      guint stages = rf_solver_nfe (&(RfSolverOptions) { .kind = solver }, 1);
      guint64 bytes = rf_vcache_plan_bytes (inject, stages, n_blocks, numel);
      res->v_cache_bytes = bytes;
      g_autofree char *size = format_bytes (bytes);
      rf_job_notice (job, _("RF-Edit: sharing attention values of single blocks %d–%d in the "
                            "first %d steps; %s of host memory (f16)"),
                     first, first + n_blocks - 1, inject, size);
      if (inject > 0 && n_blocks > 0)
        vcache = rf_vcache_new (steps, stages, inject, first, n_blocks);
    }

  g_autoptr (RfImage) work = rf_image_resize (p->image, ww, wh);
  g_autoptr (RfLatent) z0 = work ? rf_job_encode (job, work, error) : NULL;
  if (z0 == NULL)
    return FALSE;
  res->seconds_encode = seconds_since (t);
  if (rf_job_check_cancel (job, error))
    return FALSE;

  gsize n = (gsize) job->z * h * w;
  g_autofree float *x0 = g_new (float, n);
  g_autofree float *x = g_new (float, n);
  rf_latent_pack (z0->data, job->z, h, w, x0);
  memcpy (x, x0, n * sizeof (float));

  g_autoptr (RfSchedule) sched = rf_job_schedule (flux, steps, rows, cols);
  g_autoptr (RfSchedule) rev = rf_schedule_new_reversed (sched);
  g_autoptr (RfDenoiser) den = rf_denoiser_new (job, flux, txt_src, y_src, g_inv, rows, cols,
                                                NULL, error);
  if (den == NULL)
    return FALSE;
  t = g_get_monotonic_time ();
  if (vcache)
    rf_vcache_set_mode (vcache, RF_VCACHE_STORE);
  if (!rf_denoise_run (job, den, RF_PHASE_INVERT, solver, rev->t, steps, x, vcache, NULL, NULL,
                       error))
    return FALSE;

  if (back)
    {
      if (edit)
        rf_denoiser_set_conditioning (den, txt_dst, y_dst, g_out);
      else
        rf_denoiser_set_conditioning (den, txt_src, y_src, g_out);
      if (vcache)
        rf_vcache_set_mode (vcache, RF_VCACHE_INJECT);
      if (!rf_denoise_run (job, den, RF_PHASE_SAMPLE, solver, sched->t, steps, x, vcache, NULL,
                           NULL, error))
        return FALSE;
    }
  res->seconds_sample = seconds_since (t);
  res->seconds_per_step = res->seconds_sample / (back ? 2 * steps : steps);
  res->nfe = rf_denoiser_get_nfe (den);

  t = g_get_monotonic_time ();
  g_autoptr (RfLatent) lat = rf_latent_new (job->z, h, w, error);
  if (lat == NULL)
    return FALSE;
  rf_latent_unpack (x, job->z, h, w, lat->data);
  if (!back)
    {
      res->latent = g_steal_pointer (&lat);
      return TRUE;
    }
  if (p->kind == RF_JOB_RECONSTRUCT)
    {
      double num = 0, den2 = 0;
      for (gsize i = 0; i < n; i++)
        {
          num += ((double) x[i] - x0[i]) * ((double) x[i] - x0[i]);
          den2 += (double) x0[i] * x0[i];
        }
      res->latent_error = den2 > 0 ? sqrt (num / den2) : sqrt (num);
    }
  g_autoptr (RfImage) im = rf_job_decode (job, lat, TRUE, error);
  if (im == NULL)
    return FALSE;
  res->image = map_back (im, p->image);
  if (res->image == NULL)
    return FALSE;
  if (p->kind == RF_JOB_RECONSTRUCT)
    res->psnr = rf_image_psnr (res->image, p->image);
  res->seconds_decode = seconds_since (t);
  return TRUE;
}
