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
