/* rf-backend.h — a compute backend: buffers plus one entry point per op.
 *
 * Backends are tables of function pointers (RfBackendClass); models and
 * pipelines never see which one they run on. Ops are recorded in order;
 * rf_backend_synchronize() (and any read back to the host) waits for them.
 */
#pragma once

#include <glib.h>

#include "rf-tensor.h"

G_BEGIN_DECLS

typedef enum {
  RF_BACKEND_CPU,
  RF_BACKEND_VULKAN,
} RfBackendKind;

/* Creates the CPU reference backend. @n_threads 0 = all cores. */
RfBackend *rf_backend_new_cpu (int n_threads);

/* Creates a backend by name: "cpu", "vulkan", "vulkan:<index|name part>"
 * or "auto" (Vulkan if a device exists, else CPU with a one-line notice
 * on stderr). NULL/"" means "auto". Errors name the devices that exist. */
RfBackend *rf_backend_new_by_name (const char *name, GError **error);

void rf_backend_free (RfBackend *backend);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfBackend, rf_backend_free)

RfBackendKind rf_backend_kind (const RfBackend *backend);
/* e.g. "cpu (2 threads, OpenBLAS)" or "vulkan: NVIDIA GeForce ..." */
const char *rf_backend_description (const RfBackend *backend);

/* Waits for all recorded work; returns the first error it produced. */
gboolean rf_backend_synchronize (RfBackend *backend, GError **error);

/* Whether the backend can run ops on tensors of @dtype as weights. */
gboolean rf_backend_supports_weight_dtype (const RfBackend *backend,
                                           RfDType dtype);

/* Bytes of device memory this process may use (the largest device-local
 * heap's budget, or RECTIFY_MEMORY_BUDGET=bytes when set); 0 when the
 * backend has no such limit (the CPU). Models stream weights when they
 * would not fit. */
guint64 rf_backend_memory_budget (const RfBackend *backend);

G_END_DECLS
