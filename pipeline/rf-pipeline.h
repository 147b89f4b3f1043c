/* rf-pipeline.h — the image jobs: generate, invert, reconstruct, edit,
 * inpaint. No GIMP, no files: images in, images and metadata out.
 *
 * A pipeline holds one backend and a model set; models load on first
 * use and stay loaded between jobs. A job:
 *   1. checks its inputs and the model parts it needs (clear errors,
 *      nothing run yet);
 *   2. picks the work size: the input (or, for inpainting, the mask's
 *      context) scaled into the model's pixel budget and rounded to the
 *      latent grid (autoencoder factor × 2);
 *   3. runs the autoencoder and the sampler with progress, preview and
 *      cooperative cancel (GCancellable, checked before every model
 *      evaluation and between phases);
 *   4. maps the result back to the input's size (inpainting: composites
 *      through the feathered mask; pixels where the mask is 0 are the
 *      input's, bit for bit).
 * Time follows FLUX: t = 1 noise, t = 0 image.
 */
#pragma once

#include <gio/gio.h>

#include "rf-backend.h"
#include "rf-conditioner.h"
#include "rf-image.h"
#include "rf-model-file.h"
#include "rf-model-set.h"
#include "rf-solver.h"

G_BEGIN_DECLS

#define RF_PIPELINE_ERROR (rf_pipeline_error_quark ())
GQuark rf_pipeline_error_quark (void);

typedef enum {
  RF_PIPELINE_ERROR_INVALID,       /* a parameter out of range */
  RF_PIPELINE_ERROR_IMAGE_SIZE,    /* image too small / too large */
  RF_PIPELINE_ERROR_MASK,          /* mask missing or of another size */
  RF_PIPELINE_ERROR_MASK_EMPTY,    /* nothing to inpaint */
  RF_PIPELINE_ERROR_MASK_FULL,     /* nothing to keep */
  RF_PIPELINE_ERROR_MODEL_MISSING, /* a model part the job needs is absent */
  RF_PIPELINE_ERROR_PROMPT,        /* a prompt that is not valid text */
  RF_PIPELINE_ERROR_IO,            /* reading or writing an image */
} RfPipelineError;

typedef enum {
  RF_JOB_GENERATE,
  RF_JOB_INVERT,
  RF_JOB_RECONSTRUCT,
  RF_JOB_EDIT,
  RF_JOB_INPAINT,
} RfJobKind;

typedef enum {
  RF_INPAINT_AUTO,    /* Fill when its transformer is in the set, else BLEND */
  RF_INPAINT_FILL,    /* FLUX.1 Fill */
  RF_INPAINT_BLEND,   /* training-free with the base model: latent blending */
} RfInpaintMethod;

typedef enum {
  RF_PHASE_LOAD,      /* loading models */
  RF_PHASE_ENCODE,    /* autoencoder encode (and text conditioning) */
  RF_PHASE_INVERT,    /* image → noise */
  RF_PHASE_SAMPLE,    /* noise → image */
  RF_PHASE_DECODE,    /* autoencoder decode */
} RfJobPhase;

/* @step of @n_steps done in @phase (encode/decode count tiles). */
typedef void (*RfJobProgressFunc) (RfJobPhase phase, guint step, guint n_steps, gpointer user_data);
/* A preview at the work size after sampling step @step (the model's
 * current estimate of the clean image), decoded with the set's TAEF1
 * decoder when it has one, else with the autoencoder. Borrowed for the
 * call. */
typedef void (*RfJobPreviewFunc) (const RfImage *preview, guint step, guint n_steps,
                                  gpointer user_data);
/* One line for the user before heavy work starts: the plan (work size,
 * steps, memory the RF-Edit cache will take), or that the test model is
 * in use. */
typedef void (*RfJobNoticeFunc) (const char *message, gpointer user_data);

/* A latent on the host: [channels, height, width] floats. */
typedef struct {
  int channels, height, width;
  float *data;
} RfLatent;

void rf_latent_free (RfLatent *latent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfLatent, rf_latent_free)

/* Sentinels in RfJobParams meaning "the default for this job and model". */
#define RF_DEFAULT_STEPS 0
#define RF_DEFAULT_INT (-1)

typedef struct {
  RfJobKind kind;
  const char *prompt;          /* generate, edit (target), inpaint; NULL = "" */
  const char *source_prompt;   /* invert, reconstruct, edit (describes the input); NULL = "" */
  const RfImage *image;        /* RGBA input: every job but generate */
  const RfImage *mask;         /* inpaint: 1 channel, the image's size, 1 = regenerate */
  const RfLatent *noise;       /* generate: start from this latent (e.g. an inversion) instead
                                  of seeded noise; NULL = seeded noise */
  int width, height;           /* generate: output size (0: the budget's square / the noise's) */
  guint64 seed;
  guint steps;                 /* RF_DEFAULT_STEPS or 1..1000 */
  double guidance;             /* NAN = default (dev 3.5, edit 2, Fill 30; inversion is 1) */
  int solver;                  /* RfSolverKind, or RF_DEFAULT_INT (edit/invert: rf2, else euler) */
  double max_pixels;           /* work-size budget in pixels; 0 = the model's (1 MP for FLUX) */
  int inject;                  /* edit: steps sharing V (RF_DEFAULT_INT = 3, schnell 1) */
  int v_blocks;                /* edit: last N single blocks sharing V (default: the
                                  reference's share, 18 of 38) */
  int resample;                /* inpaint blend: RePaint resamplings per step (0) */
  double strength;             /* inpaint: how much of the input is regenerated, (0, 1]; 1 =
                                  from pure noise (default). Below 1 the last round(steps ×
                                  strength) steps of the schedule run (at least 1), from the
                                  input's latent noised to that step's time (SDEdit). Other
                                  jobs refuse anything but 1 (RF-Edit's strength is --steps
                                  and --inject) */
  RfInpaintMethod inpaint_method;
  gboolean allow_full_mask;    /* inpaint: accept a mask that keeps nothing */
  guint preview_every;         /* 0 = no previews */
  RfJobProgressFunc progress;
  RfJobPreviewFunc preview;
  RfJobNoticeFunc notice;
  gpointer user_data;          /* for all three callbacks */
  GCancellable *cancellable;
} RfJobParams;

/* Defaults for @kind: everything "default", seed 0, guidance NAN,
 * strength 1. */
void rf_job_params_init (RfJobParams *params, RfJobKind kind);

typedef struct {
  RfImage *image;          /* the input's size (generate: the asked size); NULL for invert */
  RfLatent *latent;        /* invert: the noise at t = 1; NULL otherwise */
  guint64 seed;
  guint steps;             /* sampling steps run (inpaint with strength < 1: the
                              schedule's last ones only) */
  guint nfe;               /* transformer evaluations */
  double guidance;
  const char *solver;      /* "euler", "rf2", ... (static) */
  const char *method;      /* inpaint: "fill" or "blend"; else NULL (static) */
  int work_width, work_height;
  int crop_x, crop_y, crop_width, crop_height;  /* inpaint: the context processed */
  double seconds_load, seconds_encode, seconds_sample, seconds_decode, seconds_total;
  double seconds_per_step; /* sampling (and inversion) time per step */
  double psnr;             /* reconstruct: dB of the output against the input; else NAN */
  double latent_error;     /* reconstruct: |z' - z| / |z| of the latent round trip; else NAN */
  guint64 v_cache_bytes;   /* edit: host bytes of stored attention values */
  const char *preview_decoder; /* "taef1" or "autoencoder" when previews were made, else
                                  NULL (static) */
} RfJobResult;

void rf_job_result_free (RfJobResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfJobResult, rf_job_result_free)

typedef struct _RfPipeline RfPipeline;

/* A pipeline on @backend (borrowed: must outlive the pipeline) for the
 * models in @set (copied). Nothing is loaded yet. */
RfPipeline *rf_pipeline_new (RfBackend *backend, const RfModelSet *set);
void rf_pipeline_free (RfPipeline *pipe);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfPipeline, rf_pipeline_free)

/* Replaces the conditioner for target prompts (@source FALSE) or source
 * prompts (@source TRUE; defaults to the target one). Takes ownership.
 * Without one the pipeline uses the set's text encoders, or the test
 * conditioner for the test model set. */
void rf_pipeline_set_conditioner (RfPipeline *pipe, gboolean source, RfConditioner *cond);

/* Parts of a model set a pipeline loads. */
typedef enum {
  RF_PIPELINE_PART_FLUX,   /* RfFlux: the transformer */
  RF_PIPELINE_PART_FILL,   /* RfFlux: FLUX.1 Fill */
  RF_PIPELINE_PART_AE,     /* RfAe */
  RF_PIPELINE_PART_CLIP,   /* RfClipText (text/), run on @backend */
  RF_PIPELINE_PART_T5,     /* RfT5Encoder (text/), run on @backend */
  RF_PIPELINE_PART_TAEF1,  /* RfTaef1: the preview decoder */
} RfPipelinePart;

/* A model someone else keeps loaded (the engine service's cache). */
typedef struct {
  gpointer model;           /* borrowed: must stay loaded while the pipeline lives */
  const RfModelFile *file;  /* the model's open file (text encoders key their embedding
                               cache on it); borrowed likewise */
  RfBackend *backend;       /* text encoders: the backend to run on (borrowed) */
} RfPipelineModel;

/* Supplies the model for @part from @path instead of the pipeline loading
 * (and later freeing) it: fills @out and returns TRUE, or FALSE with
 * @error. Flux, Fill, AE and TAEF1 models must live on the pipeline's
 * backend. */
typedef gboolean (*RfPipelineLoadFunc) (RfPipelinePart part, const char *path,
                                        RfPipelineModel *out, gpointer user_data,
                                        GError **error);

/* Makes @pipe borrow its models from @load (call before the first job;
 * models already loaded stay). Used by the engine service to keep models
 * resident across short-lived pipelines. */
void rf_pipeline_set_loader (RfPipeline *pipe, RfPipelineLoadFunc load, gpointer user_data);

RfBackend *rf_pipeline_get_backend (RfPipeline *pipe);
const RfModelSet *rf_pipeline_get_model_set (RfPipeline *pipe);

/* Runs one job. Returns a new result or NULL with @error set:
 * RF_PIPELINE_ERROR_* for bad inputs and missing models (before anything
 * heavy runs), G_IO_ERROR_CANCELLED on cancel, model/backend errors. */
RfJobResult *rf_pipeline_run (RfPipeline *pipe, const RfJobParams *params, GError **error);

/* Stable names: "generate", "invert", ... */
const char *rf_job_kind_name (RfJobKind kind);
const char *rf_job_phase_name (RfJobPhase phase);

G_END_DECLS
