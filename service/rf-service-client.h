/* rf-service-client.h — talking to the engine service from a front-end
 * (CLI, GIMP plug-ins, GEGL ops, tests).
 *
 * A client is one connection, used from one thread at a time; run jobs
 * from several threads with one client each. With
 * RF_SERVICE_CLIENT_START, a missing service is started: the command is
 * $RECTIFY_SERVE_COMMAND (a shell-quoted command line), else
 * `PROGRAM serve --daemon` with the program the CLI registered
 * (rf_service_client_set_serve_program), else `rectify` from the install
 * prefix, else from $PATH.
 *
 * Versions: with RF_SERVICE_CLIENT_START, a service reporting another
 * version than the client's (RECTIFY_VERSION) is asked to stop when idle
 * (StopWhenIdle; Shutdown for services without it, only when idle) and a
 * service of our version is started instead; a busy one, or a started one
 * that still reports another version, fails with
 * RF_SERVICE_ERROR_UNAVAILABLE saying what to do.
 */
#pragma once

#include <gio/gio.h>

#include "rf-service-buffer.h"

G_BEGIN_DECLS

typedef enum {
  RF_SERVICE_CLIENT_NONE = 0,
  RF_SERVICE_CLIENT_START = 1 << 0,   /* start the service when none answers */
} RfServiceClientFlags;

typedef struct _RfServiceClient RfServiceClient;

typedef struct {
  /* "load-model", "step", "tile", … with @done of @total */
  void (*progress) (gpointer user_data, const char *phase, int done, int total);
  /* @image is borrowed (rgb8 metadata, see rf-service-buffer.h) */
  void (*preview) (gpointer user_data, int step, const RfServiceBuffer *image);
  gpointer user_data;
  /* one line for the user (Notice signal); may be NULL */
  void (*notice) (gpointer user_data, const char *message);
} RfServiceJobCallbacks;

/* Connects to the user's service. Errors: RF_SERVICE_ERROR_UNAVAILABLE
 * (none answers and, with _START, none could be started: the message
 * says why). */
RfServiceClient *rf_service_client_new (RfServiceClientFlags flags, GError **error);
void rf_service_client_free (RfServiceClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfServiceClient, rf_service_client_free)

/* Runs one job and waits for it: submits @type with @params (a{sv},
 * floating sunk; NULL for none) and @inputs (RfServiceBuffer*, sealed;
 * may be NULL), reports through @callbacks (may be NULL) and returns the
 * outputs (RfServiceBuffer*, new array) and result metadata (a{sv},
 * @result may be NULL). Cancelling @cancellable cancels the job in the
 * service; the call still waits for its end (one model step). Errors:
 * RF_SERVICE_ERROR_* as the service classified them (the message is the
 * service's), _DISCONNECTED when the service died during the job. */
GPtrArray *rf_service_client_run (RfServiceClient *client, const char *type, GVariant *params,
                                  GPtrArray *inputs, const RfServiceJobCallbacks *callbacks,
                                  GCancellable *cancellable, GVariant **result, GError **error);

/* Status () of the service: a{sv} with pid, version, uptime, jobs, … */
GVariant *rf_service_client_status (RfServiceClient *client, GError **error);
/* ListModels (): aa{sv}. */
GVariant *rf_service_client_list_models (RfServiceClient *client, GError **error);
/* Cancels job @id whoever submitted it; FALSE with no error when unknown. */
gboolean rf_service_client_cancel (RfServiceClient *client, guint64 id, GError **error);
/* Asks the service to exit (cancelling its jobs). */
gboolean rf_service_client_shutdown (RfServiceClient *client, GError **error);

/* The error dict (a{sv}: kind, message, domain, code, …) of the last job
 * that failed in the service, or NULL (borrowed). */
GVariant *rf_service_client_get_last_error (RfServiceClient *client);

/* The job id of the last job rf_service_client_run() submitted (0 before). */
guint64 rf_service_client_get_last_job (RfServiceClient *client);
/* The underlying connection (borrowed), for tests that speak raw D-Bus. */
GDBusConnection *rf_service_client_get_connection (RfServiceClient *client);

/* Starts the service, in this process's clients, with `@program serve
 * --daemon` (the CLI passes its own executable; NULL forgets it). */
void rf_service_client_set_serve_program (const char *program);

/* Starts the service unless one answers; waits until it listens.
 * Errors: RF_SERVICE_ERROR_UNAVAILABLE with the starter's message. */
gboolean rf_service_start (GError **error);

G_END_DECLS
