/* rf-service-pipeline.h — the image pipelines (rf-pipeline.h) through the
 * engine service, for every front-end (CLI, GIMP plug-ins, GEGL ops).
 *
 * Client side: rf_service_pipeline_run() takes the same RfJobParams as a
 * local rf_pipeline_run() and returns the same RfJobResult (bit for bit:
 * the service runs the same code on the same kind of backend), calling
 * params->progress / preview / notice as the job runs and cancelling the
 * service's job when params->cancellable is cancelled.
 *
 * Service side: job types generate, invert, reconstruct, edit, inpaint
 * (one rf_pipeline_run each, models borrowed from the service's resident
 * cache) and model-sets (what a model dialog lists).
 *
 * Wire format (a{sv} params; tensors in sealed memfds, rf-service-buffer.h):
 *   model set   flux, fill, ae, clip, t5, clip-tokenizer, t5-tokenizer (s,
 *               absolute paths), test-model (b)
 *   run         device (s), cond-dir, source-cond-dir (s)
 *   job         prompt, source-prompt (s), width, height (i), seed (t),
 *               steps (u), guidance (d, absent = default), solver (i),
 *               max-pixels (d), inject, v-blocks, resample (i), strength (d,
 *               absent = 1; passed as is, the pipeline checks it),
 *               inpaint-method (i), allow-full-mask (b), preview-every (u)
 *   model-sets  dirs (as), model (s: resolve this one file, "" = the default)
 *   inputs      image [H, W, 4] and mask [H, W, 1] (RfImage rows, meta "bits"),
 *               noise [C, h, w]
 *   outputs     image [H, W, 4] (meta "bits"), latent [C, h, w] (invert)
 *   result      seed (t), steps, nfe (u), guidance (d), solver, method (s),
 *               work-width, work-height, crop-x, crop-y, crop-width,
 *               crop-height (i), seconds-load, -encode, -sample, -decode,
 *               -total, -per-step, psnr, latent-error (d), v-cache-bytes (t)
 *   signals     Progress phases "load", "encode", "invert", "sample",
 *               "decode" (rf_job_phase_name) and "load-model" (a model
 *               actually loaded: absent when everything was resident);
 *               Preview rgb8 with meta "n-steps" (u); Notice.
 */
#pragma once

#include "rf-pipeline.h"
#include "rf-service-client.h"

G_BEGIN_DECLS

typedef struct {
  const char *device;           /* backend name; NULL: the service's default */
  const char *cond_dir;         /* precomputed embeddings (txt.npy, y.npy) for target
                                   prompts instead of the text encoders; NULL: none */
  const char *source_cond_dir;  /* the same for source prompts */
} RfServicePipelineOptions;

/* Runs @params with the models in @set in the service @client talks to
 * and waits for it. Relative paths are made absolute here. Returns a new
 * result, or NULL with @error: the pipeline's own error (same domain and
 * code as rf_pipeline_run gives: RF_PIPELINE_ERROR_*, G_IO_ERROR_CANCELLED
 * on cancel, model errors), or RF_SERVICE_ERROR_* (DISCONNECTED when the
 * service died during the job, …). Previews arrive as 8-bit RGB (alpha 1). */
RfJobResult *rf_service_pipeline_run (RfServiceClient *client, const RfModelSet *set,
                                      const char *device, const RfJobParams *params,
                                      GError **error);

/* The same with precomputed embeddings (@options may be NULL). */
RfJobResult *rf_service_pipeline_run_full (RfServiceClient *client, const RfModelSet *set,
                                           const RfServicePipelineOptions *options,
                                           const RfJobParams *params, GError **error);

/* A model set the service can see. */
typedef struct {
  RfModelSet *set;
  char **missing;      /* absent parts: "fill", "ae", "clip", "t5" (NULL-terminated) */
  gboolean usable;     /* jobs can run: transformer, autoencoder and text encoders
                          (or the test set's built-in conditioning) */
  char *description;   /* rf_model_set_describe() in the service */
} RfServiceModelSetInfo;

void rf_service_model_set_info_free (RfServiceModelSetInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfServiceModelSetInfo, rf_service_model_set_info_free)

/* The model sets in the service's search folders (rf-model-search.h) and
 * @extra_dirs (may be NULL), one per dev/schnell transformer found, then
 * the tiny test set when installed: RfServiceModelSetInfo* (new array). */
GPtrArray *rf_service_pipeline_list_model_sets (RfServiceClient *client,
                                                const char *const *extra_dirs,
                                                GError **error);

/* The set a job on @model runs with, resolved in the service as the CLI
 * does in process: @model (a transformer file, Fill or not; NULL or "" =
 * none) completed from the search folders, else the best set there, else
 * the tiny test set. New info, or NULL with @error: the file is not a
 * transformer (RF_MODEL_ERROR_*), no model at all
 * (RF_PIPELINE_ERROR_MODEL_MISSING, with the install hint), service
 * errors. */
RfServiceModelSetInfo *rf_service_pipeline_resolve_model_set (RfServiceClient *client,
                                                              const char *model,
                                                              GError **error);

/* Service side: registers generate, invert, reconstruct, edit, inpaint
 * and model-sets (idempotent). */
void rf_service_register_pipeline_job_types (void);

G_END_DECLS
