/* cli-service.h — the expert commands' --service path: .npy files in,
 * a job in the engine service, .npy file out. */
#pragma once

#include <glib.h>

/* Runs job @type with @params (a{sv}, floating sunk) and one tensor input
 * per @names[i] read from @paths[i] (NULL-terminated), then writes the
 * output "out" to @out_path as f32 .npy. Starts the service if needed.
 * Prints "rectify <cmd>: <message>" on failure; returns the exit status. */
int rf_cli_service_run (const char *cmd, const char *type, GVariant *params,
                        const char *const *names, const char *const *paths,
                        const char *out_path);
