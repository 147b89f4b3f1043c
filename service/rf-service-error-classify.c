/* rf-service-error-classify.c — engine errors to service error codes (the
 * service side: it knows the engine's error domains). */
#include <gio/gio.h>

#include "rf-error.h"
#include "rf-service-error.h"

RfServiceErrorCode
rf_service_error_classify (const GError *error)
{
  if (error == NULL)
    return RF_SERVICE_ERROR_FAILED;
  if (error->domain == RF_SERVICE_ERROR && (guint) error->code < RF_SERVICE_ERROR_N_CODES)
    return (RfServiceErrorCode) error->code;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || g_error_matches (error, RF_CORE_ERROR, RF_CORE_ERROR_CANCELLED))
    return RF_SERVICE_ERROR_CANCELLED;
  if (g_error_matches (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_DEVICE_LOST))
    return RF_SERVICE_ERROR_DEVICE_LOST;
  if (g_error_matches (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_OUT_OF_MEMORY)
      || g_error_matches (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY))
    return RF_SERVICE_ERROR_OUT_OF_MEMORY;
  if (g_error_matches (error, RF_MODEL_ERROR, RF_MODEL_ERROR_NOT_FOUND)
      || g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return RF_SERVICE_ERROR_MODEL_MISSING;
  if (error->domain == RF_CORE_ERROR
      && (error->code == RF_CORE_ERROR_SHAPE || error->code == RF_CORE_ERROR_INVALID))
    return RF_SERVICE_ERROR_INVALID;
  return RF_SERVICE_ERROR_FAILED;
}
