/* rf-service-error.c — the service error domain and its D-Bus names. */
#include <gio/gio.h>

#include "rf-error.h"
#include "rf-service-error.h"

static const GDBusErrorEntry error_entries[] = {
  { RF_SERVICE_ERROR_FAILED, "org.rectify.Service1.Error.Failed" },
  { RF_SERVICE_ERROR_INVALID, "org.rectify.Service1.Error.Invalid" },
  { RF_SERVICE_ERROR_UNKNOWN_JOB, "org.rectify.Service1.Error.UnknownJob" },
  { RF_SERVICE_ERROR_MODEL_MISSING, "org.rectify.Service1.Error.ModelMissing" },
  { RF_SERVICE_ERROR_OUT_OF_MEMORY, "org.rectify.Service1.Error.OutOfMemory" },
  { RF_SERVICE_ERROR_DEVICE_LOST, "org.rectify.Service1.Error.DeviceLost" },
  { RF_SERVICE_ERROR_CANCELLED, "org.rectify.Service1.Error.Cancelled" },
  { RF_SERVICE_ERROR_BUSY, "org.rectify.Service1.Error.Busy" },
  { RF_SERVICE_ERROR_TOO_LARGE, "org.rectify.Service1.Error.TooLarge" },
  { RF_SERVICE_ERROR_UNAVAILABLE, "org.rectify.Service1.Error.Unavailable" },
  { RF_SERVICE_ERROR_DISCONNECTED, "org.rectify.Service1.Error.Disconnected" },
  { RF_SERVICE_ERROR_PROTOCOL, "org.rectify.Service1.Error.Protocol" },
};
G_STATIC_ASSERT (G_N_ELEMENTS (error_entries) == RF_SERVICE_ERROR_N_CODES);

static const char *const kind_names[] = {
  "failed", "invalid", "unknown-job", "model-missing", "out-of-memory", "device-lost",
  "cancelled", "busy", "too-large", "unavailable", "disconnected", "protocol",
};
G_STATIC_ASSERT (G_N_ELEMENTS (kind_names) == RF_SERVICE_ERROR_N_CODES);

GQuark
rf_service_error_quark (void)
{
  static gsize quark = 0;
  g_dbus_error_register_error_domain ("rf-service-error-quark", &quark, error_entries,
                                      G_N_ELEMENTS (error_entries));
  return (GQuark) quark;
}

const char *
rf_service_error_kind_name (RfServiceErrorCode code)
{
  return (guint) code < RF_SERVICE_ERROR_N_CODES ? kind_names[code] : kind_names[0];
}

RfServiceErrorCode
rf_service_error_from_kind (const char *kind)
{
  for (guint i = 0; kind != NULL && i < RF_SERVICE_ERROR_N_CODES; i++)
    if (g_str_equal (kind, kind_names[i]))
      return (RfServiceErrorCode) i;
  return RF_SERVICE_ERROR_FAILED;
}

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
