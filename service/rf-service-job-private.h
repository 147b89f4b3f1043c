/* rf-service-job-private.h — the job record the server keeps. */
#pragma once

#include "rf-service-job.h"

G_BEGIN_DECLS

typedef enum {
  RF_SERVICE_JOB_QUEUED,
  RF_SERVICE_JOB_RUNNING,
  RF_SERVICE_JOB_DONE,
  RF_SERVICE_JOB_FAILED,
  RF_SERVICE_JOB_CANCELLED,
} RfServiceJobState;

/* What a running job reports to, supplied by whoever runs it. */
typedef struct {
  void (*progress) (RfServiceJob *job, const char *phase, int done, int total);
  void (*preview) (RfServiceJob *job, int step, RfServiceBuffer *image);
  void (*notice) (RfServiceJob *job, const char *message);
} RfServiceJobHooks;

struct _RfServiceJob {
  gint ref_count;
  guint64 id;
  const RfServiceJobType *type;
  GVariant *params;             /* a{sv} */
  GPtrArray *inputs;            /* RfServiceBuffer* */
  GPtrArray *outputs;           /* RfServiceBuffer* */
  GVariantDict *result;
  GVariantDict *error_detail;
  GCancellable *cancellable;
  RfServiceModels *models;      /* borrowed while running */
  const RfServiceJobHooks *hooks;
  gpointer owner;               /* the server's record of the submitting peer */
  GDestroyNotify owner_free;    /* releases @owner with the job */
  GMutex lock;                  /* guards the fields below */
  RfServiceJobState state;
  char *phase;
  int done, total;
  gint64 submitted_us, started_us, finished_us;
};

/* Takes @params (floating sunk) and @inputs. */
RfServiceJob *rf_service_job_new (guint64 id, const RfServiceJobType *type, GVariant *params,
                                  GPtrArray *inputs);
RfServiceJob *rf_service_job_ref (RfServiceJob *job);
void rf_service_job_unref (RfServiceJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfServiceJob, rf_service_job_unref)

const char *rf_service_job_state_name (RfServiceJobState state);

G_END_DECLS
