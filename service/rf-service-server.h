/* rf-service-server.h — the engine service: one per user, owns the GPU
 * and the resident models, serves clients over the private socket of
 * rf-service-protocol.h until it has been idle for a while.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *device;     /* default backend name (NULL: "auto") */
  guint64 budget;         /* model memory budget in bytes (0: the device's) */
  double idle_timeout_s;  /* exit after this long without jobs; <= 0: never */
} RfServiceConfig;

typedef enum {
  RF_SERVICE_RUN_EXITED,          /* served, then exited (idle or Shutdown) */
  RF_SERVICE_RUN_ALREADY_RUNNING, /* another instance holds the lock and serves */
  RF_SERVICE_RUN_FAILED,          /* could not start; @error set */
} RfServiceRunResult;

/* Takes the per-user lock, listens and serves until idle or Shutdown.
 * When listening starts, writes "R" to @ready_fd (if >= 0) and closes
 * it. Uses an inherited listening socket when started by systemd socket
 * activation (LISTEN_FDS=1). A second instance started while one serves
 * returns RF_SERVICE_RUN_ALREADY_RUNNING without touching anything. */
RfServiceRunResult rf_service_server_run (const RfServiceConfig *config, int ready_fd,
                                          GError **error);

/* `rectify serve` and test servers: parses [--daemon] [--idle-timeout S]
 * [--device D] [--budget BYTES] (the idle timeout defaults to
 * $RECTIFY_SERVICE_IDLE_TIMEOUT, else 600 s) and serves; with --daemon
 * it detaches and returns in the parent once the service listens (or
 * another one already does). Job types must be registered before. Returns
 * the exit status. */
int rf_service_main (int argc, char **argv);

G_END_DECLS
