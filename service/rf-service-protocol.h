/* rf-service-protocol.h — what client and service agree on: names,
 * limits, where the socket lives.
 *
 * Transport: a unix stream socket $XDG_RUNTIME_DIR/rectify/service.sock
 * (directory 0700, socket 0600, peers of the same uid only), speaking
 * peer-to-peer D-Bus (EXTERNAL authentication, no bus daemon) to one
 * object RF_SERVICE_OBJECT_PATH with interface RF_SERVICE_INTERFACE:
 *
 *   Submit (s type, a{sv} params, a(sa{sv}h) inputs) → (t job)
 *   Cancel (t job) → (b known)
 *   Status () → (a{sv})            pid, version, uptime, queue, jobs, devices
 *   ListModels () → (aa{sv})       kind, path, device, bytes, last-used
 *   Shutdown () → ()
 *   StopWhenIdle () → (b now)      exit now when idle (TRUE), else after the last job;
 *                                  clients of another version ask this (see
 *                                  rf-service-client.h)
 *   signal Progress (t job, s phase, i done, i total)
 *   signal Preview (t job, i step, a{sv} meta, h image)
 *   signal Notice (t job, s message)   one line for the user (pipelines' plan, warnings)
 *   signal Finished (t job, b ok, a{sv} error, a{sv} result, a(sa{sv}h) outputs)
 *
 * Buffers (a(sa{sv}h)): a name, metadata and a sealed memfd holding the
 * bytes (see rf-service-buffer.h): pixels never cross the socket. A job's
 * signals go only to the connection that submitted it. Finished's error
 * dict holds "kind" (rf_service_error_kind_name), "message", and for
 * out-of-memory the numbers "needed-bytes", "budget-bytes",
 * "resident-bytes"; device-lost adds "device-reset" (b).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RF_SERVICE_INTERFACE   "org.rectify.Service1"
#define RF_SERVICE_OBJECT_PATH "/org/rectify/Service1"

/* Limits the service enforces on every peer. Parameters are small (pixels
 * go through memfds), so a message body over 1 MiB is refused. */
#define RF_SERVICE_MAX_BODY_BYTES   (1u << 20)
#define RF_SERVICE_MAX_FDS          16
#define RF_SERVICE_MAX_BUFFER_BYTES (G_GUINT64_CONSTANT (16) << 30)
#define RF_SERVICE_MAX_QUEUE        64
#define RF_SERVICE_MAX_CONNECTIONS  32
#define RF_SERVICE_AUTH_TIMEOUT_MS  5000
/* Default idle timeout before the service exits (seconds). */
#define RF_SERVICE_DEFAULT_IDLE_S   600.0

/* The version a service reports in Status: RECTIFY_VERSION, or for tests
 * $RECTIFY_TEST_SERVICE_VERSION (clients compare it with their own). */
const char *rf_service_protocol_version (void);

/* The D-Bus introspection data of the interface (static string). */
const char *rf_service_introspection_xml (void);

/* $XDG_RUNTIME_DIR/rectify (g_get_user_runtime_dir() falls back to the
 * cache dir when unset). Newly allocated. */
char *rf_service_runtime_dir (void);
/* <runtime dir>/service.sock, newly allocated. */
char *rf_service_socket_path (void);

/* Creates the runtime directory with mode 0700 if it is absent; refuses
 * (RF_SERVICE_ERROR_UNAVAILABLE) one that is a symlink, not a directory,
 * owned by another uid or open to group/others. */
gboolean rf_service_ensure_runtime_dir (GError **error);

G_END_DECLS
