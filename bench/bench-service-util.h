/* bench-service-util.h — what the service benchmarks share: timing,
 * medians and stopping the user's service between cold and warm runs. */
#pragma once

#include <glib.h>

/* The median of @v[0..@n) (sorts @v). */
double bench_median (double *v, int n);
/* Monotonic milliseconds. */
double bench_now_ms (void);
/* Asks a running service to exit and waits (up to 5 s) until it has. */
void bench_stop_service (void);
/* Points this process's clients at a private service: a fresh
 * XDG_RUNTIME_DIR and RECTIFY_SERVE_COMMAND = "@rectify serve --daemon
 * --idle-timeout @idle_s". Returns the folder (g_free). */
char *bench_private_service (const char *rectify, int idle_s);
