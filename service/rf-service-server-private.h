/* rf-service-server-private.h — state shared by the server's files:
 * connections and methods (rf-service-server.c) and the job queue with its
 * worker thread (rf-service-worker.c). */
#pragma once

#include <gio/gio.h>

#include "rf-service-job-private.h"
#include "rf-service-server.h"

G_BEGIN_DECLS

typedef struct _RfServiceServer RfServiceServer;

/* One client connection. Jobs hold a reference so the worker can signal
 * the connection that submitted them. */
typedef struct {
  gint ref_count;
  RfServiceServer *server;
  GSocketConnection *stream;
  GDBusConnection *conn;   /* set once authenticated, then constant */
  guint reg_id;
  guint auth_timeout_id;
  gint closed;             /* atomic */
} RfServicePeer;

struct _RfServiceServer {
  RfServiceConfig config;
  GMainContext *ctx;
  GMainLoop *loop;
  GSocketService *listener;
  char *socket_path;       /* unlinked at exit when we bound it */
  gboolean bound_socket;
  int lock_fd;
  GDBusNodeInfo *node;
  GDBusAuthObserver *observer;
  char *guid;
  GList *peers;            /* RfServicePeer*, main thread only */
  gint64 start_us;

  GMutex lock;             /* guards the job fields below */
  GCond cond;
  GQueue queue;            /* RfServiceJob* (owned refs) waiting to run */
  GHashTable *jobs;        /* id → RfServiceJob* (ref): active and recent */
  GQueue finished;         /* ids of finished jobs, oldest first */
  RfServiceJob *running;
  guint64 next_id;
  gboolean stopping;
  guint stop_check_id;     /* main thread only: StopWhenIdle arrived while busy */
  gint64 last_activity_us;

  GThread *worker;
  RfServiceModels *models; /* worker thread only, except list() */
};

RfServicePeer *rf_service_peer_ref (RfServicePeer *peer);
void rf_service_peer_unref (RfServicePeer *peer);

/* rf-service-worker.c */
void rf_service_worker_start (RfServiceServer *server);
/* Cancels everything, joins the worker thread. */
void rf_service_worker_stop (RfServiceServer *server);
/* Queues @job (taken) or fails with RF_SERVICE_ERROR_BUSY. */
gboolean rf_service_worker_enqueue (RfServiceServer *server, RfServiceJob *job,
                                    GError **error);
/* Cancels job @id (queued: dropped and reported; running: its cancellable).
 * FALSE when no such active job exists. */
gboolean rf_service_worker_cancel (RfServiceServer *server, guint64 id);
/* Cancels every active job submitted by @peer. */
void rf_service_worker_cancel_peer (RfServiceServer *server, RfServicePeer *peer);
/* Whether a job is queued or running; else how long since the last one. */
gboolean rf_service_worker_is_idle (RfServiceServer *server, double *idle_seconds);
/* aa{sv} describing active and recent jobs. */
GVariant *rf_service_worker_list_jobs (RfServiceServer *server, guint *n_queued);

/* Sends Finished for @job to its peer (any thread). */
void rf_service_send_finished (RfServiceJob *job, gboolean ok, const GError *error);

G_END_DECLS
