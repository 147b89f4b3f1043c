/* service-test-util.h — what the service tests share: a private runtime
 * directory, the test server as the on-demand command, and cleanup that
 * kills every service the test saw (they are detached, so nothing else
 * would). */
#pragma once

#include <sys/types.h>

#include "rf-service-client.h"

/* Creates a temporary $XDG_RUNTIME_DIR (call before anything asks GLib
 * for it), sets RECTIFY_SERVE_COMMAND to "$RECTIFY_TEST_SERVER --daemon
 * --device cpu @extra_args" and a 30 s idle timeout as a safety net. */
void st_setup (const char *extra_args);
/* Changes the extra server arguments for services started from now on. */
void st_set_server_args (const char *extra_args);
const char *st_runtime_dir (void);

/* A client (starting the service if needed) or a failed assertion. */
RfServiceClient *st_client (void);
/* The pid of the service @client talks to, remembered for cleanup. */
pid_t st_service_pid (RfServiceClient *client);
void st_track_pid (pid_t pid);
/* Whether @pid exists and is not a zombie. */
gboolean st_pid_alive (pid_t pid);
/* Waits up to @timeout_s for @pid to exit. */
gboolean st_wait_exit (pid_t pid, double timeout_s);
/* Stops the running service (if any) and waits for it to exit. */
void st_stop_service (void);

/* Kills every tracked service, fails when the service log holds a
 * sanitizer report, removes the runtime directory. Returns @status, or 1
 * when the log check failed. */
int st_teardown (int status);

/* An a{sv} tensor buffer of n floats 0, 1, 2, … */
RfServiceBuffer *st_ramp_buffer (const char *name, int n);
