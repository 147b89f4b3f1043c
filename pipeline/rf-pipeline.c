/* rf-pipeline.c — the pipeline object: model loading, conditioning,
 * defaults, and job dispatch with the input checks every job shares. */
#include <math.h>
#include <stdarg.h>

#include "rf-error.h"
#include "rf-model-load.h"
#include "rf-pipeline-private.h"

G_DEFINE_QUARK (rf-pipeline-error-quark, rf_pipeline_error)

/* Smallest image side a job accepts: below this there is nothing a
 * latent grid can hold (and a 1×1 input is almost surely a mistake). */
#define MIN_SIDE 8
/* Text tokens of the test conditioner. */
#define TEST_TOKENS 8

RfPipeline *
rf_pipeline_new (RfBackend *backend, const RfModelSet *set)
{
  g_return_val_if_fail (backend != NULL && set != NULL, NULL);
  RfPipeline *p = g_new0 (RfPipeline, 1);
  p->backend = backend;
  p->set = rf_model_set_copy (set);
  return p;
}

void
rf_pipeline_free (RfPipeline *pipe)
{
  if (pipe == NULL)
    return;
  if (!pipe->borrowed_flux)
    rf_flux_free (pipe->flux);
  if (!pipe->borrowed_fill)
    rf_flux_free (pipe->fill);
  if (!pipe->borrowed_ae)
    rf_ae_free (pipe->ae);
  if (!pipe->borrowed_taef1)
    rf_taef1_free (pipe->taef1);
  rf_conditioner_free (pipe->cond[0]);
  rf_conditioner_free (pipe->cond[1]);
  rf_conditioner_free (pipe->auto_cond);
  rf_model_set_free (pipe->set);
  g_free (pipe);
}

void
rf_pipeline_set_conditioner (RfPipeline *pipe, gboolean source, RfConditioner *cond)
{
  g_return_if_fail (pipe != NULL);
  rf_conditioner_free (pipe->cond[source ? 1 : 0]);
  pipe->cond[source ? 1 : 0] = cond;
}

void
rf_pipeline_set_loader (RfPipeline *pipe, RfPipelineLoadFunc load, gpointer user_data)
{
  g_return_if_fail (pipe != NULL);
  pipe->loader = load;
  pipe->loader_data = user_data;
}

/* The model of @part from the loader; NULL with @error. */
gpointer
rf_pipeline_borrow (RfPipeline *pipe, RfPipelinePart part, const char *path, GError **error)
{
  RfPipelineModel m = { 0 };
  if (!pipe->loader (part, path, &m, pipe->loader_data, error))
    return NULL;
  return m.model;
}

RfBackend *
rf_pipeline_get_backend (RfPipeline *pipe)
{
  return pipe->backend;
}

const RfModelSet *
rf_pipeline_get_model_set (RfPipeline *pipe)
{
  return pipe->set;
}

static RfFlux *
load_flux (RfPipeline *pipe, const char *path, GError **error)
{
  g_autoptr (RfModelFile) mf = rf_model_file_open (path, error);
  return mf ? rf_flux_load (pipe->backend, mf, error) : NULL;
}

RfFlux *
rf_pipeline_get_flux (RfPipeline *pipe, gboolean fill, GError **error)
{
  RfFlux **slot = fill ? &pipe->fill : &pipe->flux;
  const char *path = fill ? pipe->set->fill : pipe->set->flux;
  if (*slot)
    return *slot;
  if (path == NULL)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MODEL_MISSING,
                   fill ? _("No FLUX.1 Fill transformer found (flux1-fill-dev.safetensors); "
                            "inpainting can use the base model instead (--method blend)")
                        : _("No FLUX.1 transformer found: give one with --model FILE or put "
                            "it in a model folder (see 'rectify models list')"));
      return NULL;
    }
  gboolean borrowed = pipe->loader != NULL;
  RfFlux *flux = borrowed ? rf_pipeline_borrow (pipe, fill ? RF_PIPELINE_PART_FILL : RF_PIPELINE_PART_FLUX,
                                    path, error)
                          : load_flux (pipe, path, error);
  if (flux && fill && rf_flux_get_params (flux)->in_channels
                      <= rf_flux_get_params (flux)->out_channels)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MODEL_MISSING,
                   _("%s is not a FLUX.1 Fill transformer"), path);
      if (!borrowed)
        rf_flux_free (flux);
      return NULL;
    }
  *slot = flux;
  if (fill)
    pipe->borrowed_fill = borrowed;
  else
    pipe->borrowed_flux = borrowed;
  return *slot;
}

RfAe *
rf_pipeline_get_ae (RfPipeline *pipe, GError **error)
{
  if (pipe->ae)
    return pipe->ae;
  if (pipe->set->ae == NULL)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MODEL_MISSING,
                   _("No autoencoder found: FLUX.1 needs ae.safetensors (from the FLUX.1 "
                     "repository) next to the transformer, or give it with --ae FILE"));
      return NULL;
    }
  if (pipe->loader != NULL)
    {
      pipe->ae = rf_pipeline_borrow (pipe, RF_PIPELINE_PART_AE, pipe->set->ae, error);
      pipe->borrowed_ae = TRUE;
      return pipe->ae;
    }
  g_autoptr (RfModelFile) mf = rf_model_file_open (pipe->set->ae, error);
  pipe->ae = mf ? rf_ae_load (pipe->backend, mf, error) : NULL;
  return pipe->ae;
}

gboolean
rf_flux_is_schnell (RfFlux *flux)
{
  return !rf_flux_get_params (flux)->guidance_embed;
}

/* Text encoders through the pipeline's loader. */
static gpointer
text_loader (gboolean t5, const char *path, const RfModelFile **file, RfBackend **backend,
             gpointer data, GError **error)
{
  RfPipeline *pipe = data;
  RfPipelineModel m = { 0 };
  if (!pipe->loader (t5 ? RF_PIPELINE_PART_T5 : RF_PIPELINE_PART_CLIP, path, &m,
                     pipe->loader_data, error))
    return NULL;
  *file = m.file;
  *backend = m.backend;
  return m.model;
}

/* The conditioner for target (0) or source (1) prompts. */
static RfConditioner *
conditioner (RfPipeline *pipe, RfFlux *flux, gboolean source, GError **error)
{
  if (source && pipe->cond[1])
    return pipe->cond[1];
  if (pipe->cond[0])
    return pipe->cond[0];
  if (pipe->auto_cond)
    return pipe->auto_cond;
  if (pipe->set->clip && pipe->set->t5)
    {
      /* BFL: T5 sees 256 tokens with schnell, 512 with dev and Fill */
      guint max_length = rf_flux_is_schnell (flux) ? 256 : 512;
      gboolean cpu = rf_backend_kind (pipe->backend) == RF_BACKEND_CPU;
      pipe->auto_cond = rf_conditioner_new_text (pipe->set->clip, pipe->set->t5,
                                                 pipe->set->clip_tokenizer,
                                                 pipe->set->t5_tokenizer, max_length,
                                                 cpu ? "cpu" : NULL);
      if (pipe->loader != NULL)
        rf_conditioner_text_set_loader (pipe->auto_cond, text_loader, pipe);
      return pipe->auto_cond;
    }
  if (pipe->set->test_model)
    {
      const RfFluxParams *p = rf_flux_get_params (flux);
      pipe->auto_cond = rf_conditioner_new_test (p->context_in_dim, p->vec_in_dim, TEST_TOKENS);
      return pipe->auto_cond;
    }
  const char *what = pipe->set->clip == NULL && pipe->set->t5 == NULL
                       ? _("no text encoder found")
                       : pipe->set->clip == NULL ? _("no CLIP-L text encoder found")
                                               : _("no T5 text encoder found");
  g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MODEL_MISSING,
               _("Cannot turn the prompt into conditioning: %s. FLUX.1 needs clip_l.safetensors "
                 "and t5xxl_fp16.safetensors (comfyanonymous/flux_text_encoders) in a model "
                 "folder, or precomputed embeddings with --cond-dir DIR (txt.npy, y.npy from "
                 "'rectify encode')"), what);
  return NULL;
}

gboolean
rf_job_condition (RfJob *job, RfFlux *flux, gboolean source, const char *prompt,
                  RfTensor **txt, RfTensor **y, GError **error)
{
  RfConditioner *c = conditioner (job->pipe, flux, source, error);
  if (c == NULL)
    return FALSE;
  const RfFluxParams *p = rf_flux_get_params (flux);
  gboolean ok = rf_conditioner_encode (c, prompt, job->pipe->backend, p->context_in_dim,
                                       p->vec_in_dim, txt, y, error);
  for (guint i = 0; i < c->warnings->len; i++)
    rf_job_notice (job, "%s", (const char *) g_ptr_array_index (c->warnings, i));
  g_ptr_array_set_size (c->warnings, 0);
  return ok;
}

void
rf_job_notice (RfJob *job, const char *fmt, ...)
{
  if (job->params->notice == NULL)
    return;
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  job->params->notice (msg, job->params->user_data);
}

void
rf_job_progress (RfJob *job, RfJobPhase phase, guint step, guint n_steps)
{
  if (job->params->progress)
    job->params->progress (phase, step, n_steps, job->params->user_data);
}

gboolean
rf_job_check_cancel (RfJob *job, GError **error)
{
  return g_cancellable_set_error_if_cancelled (job->params->cancellable, error);
}

guint
rf_job_steps (RfJob *job, RfFlux *flux)
{
  const RfJobParams *p = job->params;
  if (p->steps != RF_DEFAULT_STEPS)
    return p->steps;
  gboolean schnell = rf_flux_is_schnell (flux);
  switch (p->kind)
    {
    case RF_JOB_INVERT:
    case RF_JOB_RECONSTRUCT:
    case RF_JOB_EDIT:
      return schnell ? 8 : 25;   /* RF-Edit's gradio default; schnell is untested upstream */
    default:
      return schnell ? 4 : 28;
    }
}

double
rf_job_guidance (RfJob *job, RfFlux *flux)
{
  const RfJobParams *p = job->params;
  if (!isnan (p->guidance))
    return p->guidance;
  if (rf_flux_get_params (flux)->in_channels > rf_flux_get_params (flux)->out_channels)
    return 30.0;   /* BFL's FLUX.1 Fill default */
  switch (p->kind)
    {
    case RF_JOB_EDIT:
      return 2.0;  /* RF-Edit README and run scripts */
    case RF_JOB_INVERT:
    case RF_JOB_RECONSTRUCT:
      return 1.0;  /* inversion guidance, hard-coded in RF-Edit */
    default:
      return 3.5;
    }
}

RfSolverKind
rf_job_solver (RfJob *job)
{
  const RfJobParams *p = job->params;
  if (p->solver != RF_DEFAULT_INT)
    return (RfSolverKind) p->solver;
  return p->kind == RF_JOB_GENERATE || p->kind == RF_JOB_INPAINT ? RF_SOLVER_EULER
                                                                  : RF_SOLVER_RF2;
}

double
rf_job_max_pixels (RfJob *job)
{
  if (job->params->max_pixels > 0)
    return job->params->max_pixels;
  double s = job->factor / 8.0;
  return 1024.0 * 1024.0 * s * s;
}

int
rf_job_min_context (RfJob *job)
{
  return MAX (16, 512 * job->factor / 8);
}

static gboolean
check_image (const RfImage *im, const char *what, GError **error)
{
  if (im == NULL)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID,
                   _("This job needs an input %s"), what);
      return FALSE;
    }
  if (im->width < MIN_SIDE || im->height < MIN_SIDE)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IMAGE_SIZE,
                   _("The %s is %d×%d pixels; it must be at least %d×%d"), what, im->width,
                   im->height, MIN_SIDE, MIN_SIDE);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_params (const RfJobParams *p, GError **error)
{
  if (p->steps > 1000)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID,
                   _("%u steps is too many (at most 1000)"), p->steps);
      return FALSE;
    }
  if (!isnan (p->guidance) && !(p->guidance >= 0 && p->guidance <= 100))
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID,
                   _("Guidance %g is out of range (0 to 100)"), p->guidance);
      return FALSE;
    }
  if (p->solver != RF_DEFAULT_INT && (p->solver < 0 || p->solver >= RF_SOLVER_N_KINDS))
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID, _("Unknown solver"));
      return FALSE;
    }
  if (p->resample < 0 || p->resample > 20 || (p->inject != RF_DEFAULT_INT && p->inject < 0)
      || (p->v_blocks != RF_DEFAULT_INT && p->v_blocks < 0))
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID,
                   _("--resample takes 0 to 20, --inject and --v-blocks 0 or more"));
      return FALSE;
    }
  if (!(p->strength > 0 && p->strength <= 1))
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID,
                   _("Strength %.9g is out of range: it must be more than 0 and at most 1 (1 "
                     "regenerates the masked part from pure noise)"), p->strength);
      return FALSE;
    }
  if (p->strength != 1 && p->kind != RF_JOB_INPAINT)
    {
      /* RF-Edit's strength is how many steps it inverts and samples
       * (steps, inject); silently ignoring it would mislead */
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID,
                   _("Strength applies to inpainting only (%s takes 1); for an edit, fewer "
                     "steps or a smaller --inject keep more of the input"),
                   rf_job_kind_name (p->kind));
      return FALSE;
    }
  if (p->kind == RF_JOB_GENERATE && (p->width < 0 || p->height < 0))
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IMAGE_SIZE,
                   _("Width and height must be positive"));
      return FALSE;
    }
  if (p->kind == RF_JOB_GENERATE && ((p->width && p->width < MIN_SIDE)
                                     || (p->height && p->height < MIN_SIDE)))
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IMAGE_SIZE,
                   _("The output is %d×%d pixels; it must be at least %d×%d"), p->width,
                   p->height, MIN_SIDE, MIN_SIDE);
      return FALSE;
    }
  if (p->kind != RF_JOB_GENERATE && !check_image (p->image, _("image"), error))
    return FALSE;
  if (p->image && p->image->channels != 4)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID,
                   _("The input image must be RGBA"));
      return FALSE;
    }
  if (p->kind == RF_JOB_INPAINT)
    {
      if (p->mask == NULL || p->mask->channels != 1)
        {
          g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MASK,
                       _("Inpainting needs a mask (white where the image is regenerated)"));
          return FALSE;
        }
      if (p->mask->width != p->image->width || p->mask->height != p->image->height)
        {
          g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MASK,
                       _("The mask is %d×%d pixels but the image is %d×%d; they must be the "
                         "same size"), p->mask->width, p->mask->height, p->image->width,
                       p->image->height);
          return FALSE;
        }
    }
  return rf_conditioner_check_prompt (p->prompt, error)
         && rf_conditioner_check_prompt (p->source_prompt, error);
}

RfJobResult *
rf_pipeline_run (RfPipeline *pipe, const RfJobParams *params, GError **error)
{
  g_return_val_if_fail (pipe != NULL && params != NULL, NULL);
  if (!check_params (params, error))
    return NULL;
  g_autoptr (RfJobResult) result = g_new0 (RfJobResult, 1);
  result->psnr = NAN;
  result->latent_error = NAN;
  result->seed = params->seed;
  RfJob job = { pipe, params, result, g_get_monotonic_time (), 0, 0 };

  /* the autoencoder decides the latent grid, so it loads first */
  rf_job_progress (&job, RF_PHASE_LOAD, 0, 1);
  RfAe *ae = rf_pipeline_get_ae (pipe, error);
  if (ae == NULL)
    return NULL;
  job.factor = rf_ae_get_factor (ae);
  job.z = rf_ae_get_config (ae)->z_channels;
  if (pipe->set->test_model)
    rf_job_notice (&job, _("This is the tiny test model: its weights are random, so the result "
                           "is noise. It checks the pipeline only."));

  gboolean ok = FALSE;
  switch (params->kind)
    {
    case RF_JOB_GENERATE:
      ok = rf_job_generate (&job, error);
      break;
    case RF_JOB_INVERT:
    case RF_JOB_RECONSTRUCT:
    case RF_JOB_EDIT:
      ok = rf_job_invert (&job, error);
      break;
    case RF_JOB_INPAINT:
      ok = rf_job_inpaint (&job, error);
      break;
    }
  if (!ok)
    return NULL;
  result->seconds_total = (g_get_monotonic_time () - job.t0) / 1e6;
  return g_steal_pointer (&result);
}
