/* rf-pipeline-private.h — what the job files share; not public. */
#pragma once

#include <glib/gi18n-lib.h>

#include "rf-ae.h"
#include "rf-flux.h"
#include "rf-pipeline.h"
#include "rf-schedule.h"
#include "rf-taef1.h"
#include "rf-vcache.h"

G_BEGIN_DECLS

struct _RfPipeline {
  RfBackend *backend;         /* borrowed */
  RfModelSet *set;
  RfFlux *flux;               /* loaded on first use */
  RfFlux *fill;
  RfAe *ae;
  RfTaef1 *taef1;             /* previews; loaded on the first preview */
  gboolean taef1_failed;      /* it would not load: previews use the autoencoder */
  RfConditioner *cond[2];     /* target, source (NULL: the target one) */
  RfConditioner *auto_cond;   /* made from the set when cond[0] is NULL */
  RfPipelineLoadFunc loader;  /* NULL: the pipeline loads and frees its models */
  gpointer loader_data;
  gboolean borrowed_flux, borrowed_fill, borrowed_ae, borrowed_taef1;
};

/* One running job. */
typedef struct {
  RfPipeline *pipe;
  const RfJobParams *params;
  RfJobResult *result;
  gint64 t0;                  /* g_get_monotonic_time() at the start */
  int factor;                 /* autoencoder downsampling */
  int z;                      /* latent channels */
} RfJob;

/* --- rf-pipeline.c --- */
RfFlux *rf_pipeline_get_flux (RfPipeline *pipe, gboolean fill, GError **error);
RfAe *rf_pipeline_get_ae (RfPipeline *pipe, GError **error);
/* The model of @part at @path from the pipeline's loader (set); NULL with @error. */
gpointer rf_pipeline_borrow (RfPipeline *pipe, RfPipelinePart part, const char *path,
                             GError **error);
/* The conditioning of @prompt for @flux (source or target conditioner). */
gboolean rf_job_condition (RfJob *job, RfFlux *flux, gboolean source, const char *prompt,
                           RfTensor **txt, RfTensor **y, GError **error);
void rf_job_notice (RfJob *job, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
void rf_job_progress (RfJob *job, RfJobPhase phase, guint step, guint n_steps);
gboolean rf_job_check_cancel (RfJob *job, GError **error);
/* Whether @flux is schnell-like (no guidance embedding). */
gboolean rf_flux_is_schnell (RfFlux *flux);

/* --- rf-work-size.c --- */
/* The work size for a w × h input: scaled into @max_pixels (keeping the
 * aspect ratio) and rounded to multiples of @multiple, at least one. */
void rf_work_size_fit (int w, int h, int multiple, double max_pixels, int *out_w, int *out_h);
/* The region of the image an inpaint processes: the mask's bounding box
 * (mask > 0) padded by max(longest side / 16, mask box side / 2), grown
 * to at least @min_side (both ways, as far as the image allows).
 * FALSE when the mask is empty. */
gboolean rf_work_mask_context (const RfImage *mask, int min_side, int *x, int *y, int *w, int *h);

/* --- rf-latent.c --- */
RfLatent *rf_latent_new (int channels, int height, int width, GError **error);
/* latent [z, h, w] (h, w even) → tokens [(h/2)(w/2), 4z], channel order
 * (c, ph, pw) as BFL's "b c (h ph) (w pw) -> b (h w) (c ph pw)". */
void rf_latent_pack (const float *latent, int z, int h, int w, float *tokens);
void rf_latent_unpack (const float *tokens, int z, int h, int w, float *latent);
/* Standard normal latent noise of element i = Philox (seed, stream, i). */
void rf_latent_noise (guint64 seed, guint64 stream, float *out, gsize n);
/* image at the work size → latent (tiled for large images). */
RfLatent *rf_job_encode (RfJob *job, const RfImage *image, GError **error);
/* latent → image at the latent size × factor. @report: progress events. */
RfImage *rf_job_decode (RfJob *job, const RfLatent *latent, gboolean report, GError **error);
/* latent → a preview at the latent size × factor: with the set's TAEF1
 * decoder when it has one that loads (resized when its ×8 differs from
 * the autoencoder's factor), else the autoencoder. Sets the result's
 * preview_decoder. */
RfImage *rf_job_decode_preview (RfJob *job, const RfLatent *latent, GError **error);

/* --- rf-denoise.c --- */
typedef struct _RfDenoiser RfDenoiser;
/* A velocity over packed tokens for a rows × cols grid. @extra: per-token
 * conditioning channels appended after the state (FLUX.1 Fill), [N,
 * in_channels − out_channels] host floats, copied; NULL otherwise. */
RfDenoiser *rf_denoiser_new (RfJob *job, RfFlux *flux, RfTensor *txt, RfTensor *y,
                             float guidance, int rows, int cols, const float *extra,
                             GError **error);
void rf_denoiser_free (RfDenoiser *den);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfDenoiser, rf_denoiser_free)
void rf_denoiser_set_conditioning (RfDenoiser *den, RfTensor *txt, RfTensor *y, float guidance);

/* Called after every step of a step-wise run; may change @x (n floats),
 * the state at @t_next after step @step. */
typedef gboolean (*RfStepHook) (float *x, guint step, double t_cur, double t_next,
                                gpointer data, GError **error);

/* Runs @solver over @t (n_steps + 1 times) on the packed state @x (in
 * place), reporting @phase progress, previews (sampling only) and
 * feeding @vcache's step/stage position (may be NULL). With @hook, runs
 * one step at a time (single-step solvers only) and calls it after each. */
gboolean rf_denoise_run (RfJob *job, RfDenoiser *den, RfJobPhase phase, RfSolverKind solver,
                         const double *t, guint n_steps, float *x, RfVCache *vcache,
                         RfStepHook hook, gpointer hook_data, GError **error);
guint rf_denoiser_get_nfe (const RfDenoiser *den);
/* One extra solver step from @t_cur to @t_next, no reporting (RePaint). */
gboolean rf_denoise_step (RfJob *job, RfDenoiser *den, RfSolverKind solver, double t_cur,
                          double t_next, float *x, GError **error);

/* The sampling schedule for @flux: BFL's shifted one for dev/Fill,
 * linear for schnell. */
RfSchedule *rf_job_schedule (RfFlux *flux, guint n_steps, int rows, int cols);

/* --- jobs --- */
gboolean rf_job_generate (RfJob *job, GError **error);
gboolean rf_job_invert (RfJob *job, GError **error);     /* invert, reconstruct, edit */
gboolean rf_job_inpaint (RfJob *job, GError **error);

/* Default steps/guidance/solver resolved for @flux. */
guint rf_job_steps (RfJob *job, RfFlux *flux);
double rf_job_guidance (RfJob *job, RfFlux *flux);
RfSolverKind rf_job_solver (RfJob *job);
/* The pixel budget of the work size: params->max_pixels, else 1 MP for
 * an 8× autoencoder, scaled by the factor for others (the test set). */
double rf_job_max_pixels (RfJob *job);
/* Smallest side of the inpaint context: 512 px for an 8× autoencoder. */
int rf_job_min_context (RfJob *job);

G_END_DECLS
