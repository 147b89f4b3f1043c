/* cli-tensors.h — what the expert commands share: a backend from
 * --device, .npy files as tensors and back. */
#pragma once

#include "rf-backend.h"

/* "cpu", "vulkan", "vulkan:<sel>", NULL/"auto" (see rf_backend_new_by_name). */
RfBackend *rf_cli_backend (const char *device, GError **error);

/* An f32 tensor on @be from an .npy file (f32 or f16). */
RfTensor *rf_cli_load_npy (RfBackend *be, const char *path, GError **error);

/* Writes @t as a little-endian f32 .npy file, atomically (no partial
 * file on failure). */
gboolean rf_cli_save_npy (const RfTensor *t, const char *path, GError **error);

/* Median of @n doubles (sorts them). */
double rf_cli_median (double *v, int n);
