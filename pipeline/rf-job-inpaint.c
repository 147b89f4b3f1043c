/* rf-job-inpaint.c — inpainting: FLUX.1 Fill, or training-free latent
 * blending with the base model (optionally RePaint-style resampling).
 *
 * Both work on the mask's context (rf_work_mask_context) at the work
 * size and composite the result back through the feathered mask at the
 * input's resolution, so wherever the mask is 0 the output is the input.
 *
 * Blend: the known latent z0 is re-noised to the current time along the
 * same straight path the sampler starts on, x_known(t) = (1 − t) z0 + t ε
 * (ε the initial noise), and after every step x ← m x + (1 − m) x_known
 * with m the mask averaged over each latent pixel's f × f block. RePaint
 * (Lugmayr et al. 2022) adds r resamplings per step: noise the state back
 * to the step's start, x(t) = a x(t') + b ε', a = (1 − t)/(1 − t'),
 * b = sqrt(t² − a² t'²) (the linear path's forward kernel, ε' fresh),
 * and redo the step, so the generated part can agree with the known part.
 *
 * Strength s < 1 (SDEdit, Meng et al. 2022; diffusers' img2img): only the
 * last k = round(n · s) (at least 1) of the full n-step schedule run,
 * from t_start = t[n − k] and x = t_start ε + (1 − t_start) z with z the
 * encoded context, so the masked part keeps the input's layout and
 * colours. Counting steps rather than cutting the schedule at t = s keeps
 * "0.5 = half the work" on BFL's shifted schedule too, where t[n − k] is
 * above s. Blend's known part is already x_known(t_start) there; Fill
 * keeps its conditioning. s = 1 is the full run, unchanged.
 */
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

typedef struct {
  RfJob *job;
  RfDenoiser *den;
  RfSolverKind solver;
  gsize n;
  const float *x0;       /* packed known latent */
  const float *eps;      /* packed initial noise */
  const float *m;        /* packed latent mask, 1 = generate */
  float *fresh;          /* RePaint noise */
  int resample;
  guint n_steps;
} Blend;

static void
blend_known (const Blend *b, float *x, double t)
{
  for (gsize i = 0; i < b->n; i++)
    {
      float known = (float) ((1 - t) * b->x0[i] + t * b->eps[i]);
      x[i] = b->m[i] * x[i] + (1 - b->m[i]) * known;
    }
}

static gboolean
blend_hook (float *x, guint step, double t_cur, double t_next, gpointer data, GError **error)
{
  Blend *b = data;
  blend_known (b, x, t_next);
  if (step + 1 == b->n_steps)
    return TRUE;   /* the last step lands on the data: nothing to resample */
  for (int r = 0; r < b->resample; r++)
    {
      double a = (1 - t_cur) / (1 - t_next);
      double s = sqrt (MAX (t_cur * t_cur - a * a * t_next * t_next, 0.0));
      rf_latent_noise (b->job->params->seed, 1 + (guint64) step * b->resample + r, b->fresh, b->n);
      for (gsize i = 0; i < b->n; i++)
        x[i] = (float) (a * x[i] + s * b->fresh[i]);
      if (!rf_denoise_step (b->job, b->den, b->solver, t_cur, t_next, x, error))
        return FALSE;
      blend_known (b, x, t_next);
    }
  return TRUE;
}

/* Per-element packed mask: each latent pixel gets the mean of the f × f
 * block of pixels it covers. */
static float *
latent_mask (const RfImage *mask, int f, int z, int h, int w)
{
  g_autofree float *lat = g_new (float, (gsize) z * h * w);
  for (int r = 0; r < h; r++)
    for (int c = 0; c < w; c++)
      {
        double s = 0;
        for (int dy = 0; dy < f; dy++)
          for (int dx = 0; dx < f; dx++)
            s += CLAMP (*rf_image_pixel (mask, c * f + dx, r * f + dy), 0.f, 1.f);
        for (int ch = 0; ch < z; ch++)
          lat[((gsize) ch * h + r) * w + c] = (float) (s / (f * f));
      }
  float *packed = g_new (float, (gsize) z * h * w);
  rf_latent_pack (lat, z, h, w, packed);
  return packed;
}

/* FLUX.1 Fill's conditioning per token: pack(encode(image · (1 − m)))
 * then the pixel mask unshuffled to [f², h, w] and packed, as BFL's
 * prepare_fill. */
static float *
fill_conditioning (RfJob *job, const RfImage *image, const RfImage *mask, int h, int w,
                   GError **error)
{
  int f = job->factor, z = job->z;
  g_autoptr (RfImage) masked = rf_image_copy (image);
  gsize hw = (gsize) image->width * image->height;
  for (gsize i = 0; i < hw; i++)
    {
      float keep = 1.f - CLAMP (mask->data[i], 0.f, 1.f);
      for (int k = 0; k < 3; k++)
        {
          /* (2v − 1)(1 − m) in the model's [-1, 1] range */
          float v = 2.f * CLAMP (masked->data[i * 4 + k], 0.f, 1.f) - 1.f;
          masked->data[i * 4 + k] = 0.5f * (v * keep + 1.f);
        }
    }
  g_autoptr (RfLatent) cond = rf_job_encode (job, masked, error);
  if (cond == NULL)
    return NULL;
  gsize n_tok = (gsize) (h / 2) * (w / 2);
  int nm = f * f;
  g_autofree float *cpack = g_new (float, n_tok * 4 * z);
  rf_latent_pack (cond->data, z, h, w, cpack);
  g_autofree float *mplanes = g_new (float, (gsize) nm * h * w);
  for (int r = 0; r < h; r++)
    for (int c = 0; c < w; c++)
      for (int py = 0; py < f; py++)
        for (int px = 0; px < f; px++)
          mplanes[((gsize) (py * f + px) * h + r) * w + c] =
            *rf_image_pixel (mask, c * f + px, r * f + py);
  g_autofree float *mpack = g_new (float, n_tok * 4 * nm);
  rf_latent_pack (mplanes, nm, h, w, mpack);
  int ne = 4 * z + 4 * nm;
  float *extra = g_new (float, n_tok * ne);
  for (gsize i = 0; i < n_tok; i++)
    {
      memcpy (extra + i * ne, cpack + i * 4 * z, sizeof (float) * 4 * z);
      memcpy (extra + i * ne + 4 * z, mpack + i * 4 * nm, sizeof (float) * 4 * nm);
    }
  return extra;
}

/* @gen (crop size) into a copy of the input through the original mask. */
static RfImage *
composite (const RfImage *input, const RfImage *mask, const RfImage *gen, int cx, int cy)
{
  RfImage *out = rf_image_copy (input);
  if (out == NULL)
    return NULL;
  for (int r = 0; r < gen->height; r++)
    for (int c = 0; c < gen->width; c++)
      {
        float m = *rf_image_pixel (mask, cx + c, cy + r);
        if (!(m > 0))
          continue;   /* keep the input exactly */
        m = MIN (m, 1.f);
        float *o = rf_image_pixel (out, cx + c, cy + r);
        const float *g = rf_image_pixel (gen, c, r);
        for (int k = 0; k < 3; k++)
          o[k] = o[k] * (1 - m) + g[k] * m;
        o[3] = o[3] * (1 - m) + m;
      }
  return out;
}

/* The steps a strength runs: the last round(@steps · @strength) of the
 * schedule, at least 1 (checked: 0 < @strength <= 1). */
static guint
strength_steps (guint steps, double strength)
{
  double k = floor (steps * strength + 0.5);
  return (guint) CLAMP (k, 1.0, (double) steps);
}

static gboolean
check_mask (RfJob *job, GError **error)
{
  const RfImage *mask = job->params->mask;
  float lo = G_MAXFLOAT, hi = -G_MAXFLOAT;
  gsize n = (gsize) mask->width * mask->height;
  for (gsize i = 0; i < n; i++)
    {
      float v = isfinite (mask->data[i]) ? mask->data[i] : 0.f;
      lo = MIN (lo, v);
      hi = MAX (hi, v);
    }
  if (!(hi > 0))
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MASK_EMPTY,
                   _("The mask is empty (all black): there is nothing to inpaint. Paint the "
                     "area to regenerate in white"));
      return FALSE;
    }
  if (lo >= 1 && !job->params->allow_full_mask)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MASK_FULL,
                   _("The mask is completely white: nothing of the image would be kept. That "
                     "is text-to-image generation ('rectify generate'); allow it explicitly "
                     "to inpaint anyway"));
      return FALSE;
    }
  return TRUE;
}

gboolean
rf_job_inpaint (RfJob *job, GError **error)
{
  const RfJobParams *p = job->params;
  RfJobResult *res = job->result;
  if (!check_mask (job, error))
    return FALSE;
  gboolean fill = p->inpaint_method == RF_INPAINT_FILL
                  || (p->inpaint_method == RF_INPAINT_AUTO && job->pipe->set->fill != NULL);
  RfFlux *flux = rf_pipeline_get_flux (job->pipe, fill, error);
  if (flux == NULL)
    return FALSE;
  res->seconds_load = seconds_since (job->t0);
  res->method = fill ? "fill" : "blend";
  const RfFluxParams *fp = rf_flux_get_params (flux);
  int f = job->factor, z = job->z;
  if (fill && fp->in_channels != fp->out_channels + 4 * z + 4 * f * f)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MODEL_MISSING,
                   _("The Fill transformer takes %d input channels, but with this autoencoder "
                     "(%d channels, factor %d) FLUX.1 Fill needs %d"), fp->in_channels, z, f,
                   fp->out_channels + 4 * z + 4 * f * f);
      return FALSE;
    }

  int cx, cy, cw, ch;
  rf_work_mask_context (p->mask, rf_job_min_context (job), &cx, &cy, &cw, &ch);
  int ww, wh;
  rf_work_size_fit (cw, ch, 2 * f, rf_job_max_pixels (job), &ww, &wh);
  int h = wh / f, w = ww / f, rows = h / 2, cols = w / 2;
  guint steps = rf_job_steps (job, flux);
  guint run = strength_steps (steps, p->strength);
  float guidance = (float) rf_job_guidance (job, flux);
  RfSolverKind solver = rf_job_solver (job);
  res->steps = run;
  res->guidance = guidance;
  res->solver = rf_solver_kind_name (solver);
  res->work_width = ww;
  res->work_height = wh;
  res->crop_x = cx;
  res->crop_y = cy;
  res->crop_width = cw;
  res->crop_height = ch;
  rf_job_notice (job, _("inpaint (%s): region %d×%d at (%d, %d) of %d×%d, working at %d×%d, "
                        "%u steps, %s, guidance %g, seed %" PRIu64),
                 res->method, cw, ch, cx, cy, p->image->width, p->image->height, ww, wh, steps,
                 res->solver, guidance, p->seed);
  if (run < steps)
    rf_job_notice (job, _("strength %g: the last %u of %u steps, from the input noised to "
                          "the step's time"), p->strength, run, steps);

  gint64 t = g_get_monotonic_time ();
  g_autoptr (RfTensor) txt = NULL, y = NULL;
  if (!rf_job_condition (job, flux, FALSE, p->prompt, &txt, &y, error))
    return FALSE;
  g_autoptr (RfImage) crop = rf_image_crop (p->image, cx, cy, cw, ch);
  g_autoptr (RfImage) mcrop = rf_image_crop (p->mask, cx, cy, cw, ch);
  g_autoptr (RfImage) work = rf_image_resize (crop, ww, wh);
  g_autoptr (RfImage) mwork = rf_image_resize (mcrop, ww, wh);
  gsize n = (gsize) z * h * w;
  g_autofree float *x = g_new (float, n);
  g_autofree float *eps = g_new (float, n);
  g_autofree float *x0 = NULL, *m = NULL, *extra = NULL;
  g_autofree float *noise = g_new (float, n);
  rf_latent_noise (p->seed, 0, noise, n);
  rf_latent_pack (noise, z, h, w, eps);
  memcpy (x, eps, n * sizeof (float));
  if (fill)
    {
      extra = fill_conditioning (job, work, mwork, h, w, error);
      if (extra == NULL)
        return FALSE;
    }
  if (!fill || run < steps)
    {
      g_autoptr (RfLatent) z0 = rf_job_encode (job, work, error);
      if (z0 == NULL)
        return FALSE;
      x0 = g_new (float, n);
      rf_latent_pack (z0->data, z, h, w, x0);
    }
  if (!fill)
    m = latent_mask (mwork, f, z, h, w);
  res->seconds_encode = seconds_since (t);
  if (rf_job_check_cancel (job, error))
    return FALSE;

  g_autoptr (RfSchedule) sched = rf_job_schedule (flux, steps, rows, cols);
  const double *ts = sched->t + (steps - run);
  if (run < steps)
    for (gsize i = 0; i < n; i++)
      x[i] = (float) (ts[0] * eps[i] + (1 - ts[0]) * x0[i]);
  g_autoptr (RfDenoiser) den = rf_denoiser_new (job, flux, txt, y, guidance, rows, cols, extra,
                                                error);
  if (den == NULL)
    return FALSE;
  t = g_get_monotonic_time ();
  g_autofree float *fresh = p->resample > 0 && !fill ? g_new (float, n) : NULL;
  Blend blend = { job, den, solver, n, x0, eps, m, fresh, p->resample, run };
  if (!rf_denoise_run (job, den, RF_PHASE_SAMPLE, solver, ts, run, x, NULL,
                       fill ? NULL : blend_hook, &blend, error))
    return FALSE;
  res->seconds_sample = seconds_since (t);
  res->seconds_per_step = res->seconds_sample / run;
  res->nfe = rf_denoiser_get_nfe (den);

  t = g_get_monotonic_time ();
  g_autoptr (RfLatent) lat = rf_latent_new (z, h, w, error);
  if (lat == NULL)
    return FALSE;
  rf_latent_unpack (x, z, h, w, lat->data);
  g_autoptr (RfImage) gen = rf_job_decode (job, lat, TRUE, error);
  g_autoptr (RfImage) back = gen ? rf_image_resize (gen, cw, ch) : NULL;
  if (back == NULL)
    return FALSE;
  res->image = composite (p->image, p->mask, back, cx, cy);
  res->seconds_decode = seconds_since (t);
  return res->image != NULL;
}
