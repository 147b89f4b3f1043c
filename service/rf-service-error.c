/* rf-service-error.c — the service error domain and its D-Bus names. */
#include <gio/gio.h>

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
