/* rf-service-models.h — the service's resident models: backends by
 * device name and loaded models, least recently used first out when a new
 * model would exceed the memory budget.
 *
 * Used from the service's worker thread only (jobs run one at a time),
 * except rf_service_models_list(), which any thread may call. Models a
 * running job has fetched are pinned until rf_service_models_unpin_all().
 */
#pragma once

#include "rf-backend.h"
#include "rf-model-file.h"

G_BEGIN_DECLS

typedef struct _RfServiceModels RfServiceModels;

/* A kind of model the cache can hold. Instances are static. */
typedef struct {
  const char *name;                  /* "flux", "ae", "taef1", … */
  gpointer (*load) (RfBackend *backend, const RfModelFile *mf, GError **error);
  GDestroyNotify free;
  /* Bytes the loaded model keeps resident; NULL: the file's size. */
  guint64 (*resident_bytes) (gpointer model, const RfModelFile *mf);
  /* Loads even when larger than the budget (FLUX streams its blocks). */
  gboolean can_stream;
} RfServiceModelKind;

extern const RfServiceModelKind rf_service_model_flux;   /* RfFlux */
extern const RfServiceModelKind rf_service_model_ae;     /* RfAe */
extern const RfServiceModelKind rf_service_model_taef1;  /* RfTaef1 */

/* Reports model loading: @done 0 of 1 before, 1 of 1 after. */
typedef void (*RfServiceLoadFunc) (gpointer user_data, const char *path, int done, int total);

/* @default_device: the backend name used when a job names none (NULL:
 * "auto"). @budget: bytes the models on each device may keep; 0 picks
 * each device's own (rf_backend_memory_budget) or, on the CPU, half the
 * RAM. */
RfServiceModels *rf_service_models_new (const char *default_device, guint64 budget);
void rf_service_models_free (RfServiceModels *models);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfServiceModels, rf_service_models_free)

/* The backend for @device (NULL: the default), created on first use and
 * kept. Borrowed. */
RfBackend *rf_service_models_get_backend (RfServiceModels *models, const char *device,
                                          GError **error);

/* The model of @kind in @path on @device, loaded unless resident; pinned
 * until rf_service_models_unpin_all(). Evicts unpinned models, least
 * recently used first, to stay under the budget. Errors: the loader's,
 * RF_SERVICE_ERROR_OUT_OF_MEMORY with the numbers when the model alone
 * exceeds the budget and cannot stream. Borrowed. */
gpointer rf_service_models_get (RfServiceModels *models, const RfServiceModelKind *kind,
                                const char *path, const char *device,
                                RfServiceLoadFunc progress, gpointer progress_data,
                                GError **error);

void rf_service_models_unpin_all (RfServiceModels *models);

/* After a lost device: frees every model on @device and its backend, then
 * creates the backend again. Returns whether the new backend works. */
gboolean rf_service_models_reset_device (RfServiceModels *models, const char *device,
                                         GError **error);

/* Models resident now (aa{sv}: kind, path, device, bytes, uses), most
 * recently used first. Thread-safe. */
GVariant *rf_service_models_list (RfServiceModels *models);

/* Budget and bytes held on @device (NULL: the default); before the
 * device's first use, the configured budget (maybe 0) and 0. */
guint64 rf_service_models_get_budget (RfServiceModels *models, const char *device);
guint64 rf_service_models_get_resident (RfServiceModels *models, const char *device);
/* The default device's name as given ("auto" when none). */
const char *rf_service_models_get_default_device (RfServiceModels *models);

G_END_DECLS
