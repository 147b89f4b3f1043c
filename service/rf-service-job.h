/* rf-service-job.h — job types: what the service can run.
 *
 * A job type is a name and a run function. The function runs in the
 * service's worker thread (one job at a time, so it owns the GPU), takes
 * the job's parameters (a{sv}) and input buffers, and either adds output
 * buffers and result metadata and returns TRUE, or returns FALSE with an
 * error (see rf_service_error_classify for how errors reach clients).
 * Long jobs call rf_service_job_progress() once per step: it reports to
 * the client and is where cancellation takes effect.
 *
 * Pipelines register one type each (rf_service_register_job_type) before
 * the service starts; the model job types (vae-encode, vae-decode, dit)
 * come from rf_service_register_builtin_job_types().
 */
#pragma once

#include <gio/gio.h>

#include "rf-service-buffer.h"
#include "rf-service-models.h"

G_BEGIN_DECLS

typedef struct _RfServiceJob RfServiceJob;

/* @params: a{sv}; @inputs: RfServiceBuffer* (sealed, read-only). */
typedef gboolean (*RfServiceJobFunc) (RfServiceJob *job, GVariant *params, GPtrArray *inputs,
                                      GError **error);

typedef struct {
  const char *name;     /* "vae-decode", "generate", … */
  const char *summary;  /* one line for status listings */
  RfServiceJobFunc run;
} RfServiceJobType;

/* Registers @type (static storage, not copied). FALSE when the name is
 * already taken. Thread-safe; call before serving. */
gboolean rf_service_register_job_type (const RfServiceJobType *type);
/* The type called @name or NULL. */
const RfServiceJobType *rf_service_lookup_job_type (const char *name);
/* Names of all registered types, sorted (g_strfreev). */
char **rf_service_list_job_types (void);
/* vae-encode, vae-decode and dit (idempotent). */
void rf_service_register_builtin_job_types (void);

/* --- for run functions ---------------------------------------------- */

guint64 rf_service_job_get_id (RfServiceJob *job);
/* The service's resident models and backends. */
RfServiceModels *rf_service_job_get_models (RfServiceJob *job);
GCancellable *rf_service_job_get_cancellable (RfServiceJob *job);

/* Reports progress of @phase ("load-model", "step", "tile", …) and checks
 * for cancellation: FALSE with RF_SERVICE_ERROR_CANCELLED once the job is
 * cancelled. */
gboolean rf_service_job_progress (RfServiceJob *job, const char *phase, int done, int total,
                                  GError **error);
/* FALSE with RF_SERVICE_ERROR_CANCELLED when the job is cancelled. */
gboolean rf_service_job_check_cancelled (RfServiceJob *job, GError **error);

/* Sends a preview image (a sealed buffer, taken) of step @step. */
void rf_service_job_preview (RfServiceJob *job, int step, RfServiceBuffer *image);

/* Sends one line for the user (a plan, a warning) to the client. */
void rf_service_job_notice (RfServiceJob *job, const char *message);

/* Adds a sealed output buffer (taken). */
void rf_service_job_add_output (RfServiceJob *job, RfServiceBuffer *buffer);
/* Sets result metadata @key (a floating @value is sunk). */
void rf_service_job_set_result (RfServiceJob *job, const char *key, GVariant *value);
/* Adds a structured detail to the error reply (e.g. "needed-bytes"). */
void rf_service_job_set_error_detail (RfServiceJob *job, const char *key, GVariant *value);

/* Model loading through the job: reports "load-model" progress. */
gpointer rf_service_job_get_model (RfServiceJob *job, const RfServiceModelKind *kind,
                                   const char *path, const char *device, GError **error);

/* Parameter helpers: FALSE with RF_SERVICE_ERROR_INVALID naming @key when
 * it is absent (and required) or of another type. */
gboolean rf_service_param_string (GVariant *params, const char *key, gboolean required,
                                  const char **out, GError **error);
gboolean rf_service_param_int (GVariant *params, const char *key, gboolean required,
                               int min, int max, int *out, GError **error);
gboolean rf_service_param_double (GVariant *params, const char *key, gboolean required,
                                  double min, double max, double *out, GError **error);
/* The input buffer @name or NULL with RF_SERVICE_ERROR_INVALID. */
RfServiceBuffer *rf_service_input (GPtrArray *inputs, const char *name, GError **error);

G_END_DECLS
