/* rf-service-error.h — errors of the engine service, on both sides of
 * the socket.
 *
 * A job that fails in the service reaches the client as one of these
 * codes with the service's message; the same codes travel as D-Bus error
 * names (org.rectify.Service1.Error.<Name>) for refused method calls.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RF_SERVICE_ERROR (rf_service_error_quark ())
GQuark rf_service_error_quark (void);

typedef enum {
  RF_SERVICE_ERROR_FAILED,        /* any other failure of a job */
  RF_SERVICE_ERROR_INVALID,       /* bad parameters or input buffers */
  RF_SERVICE_ERROR_UNKNOWN_JOB,   /* no job type of that name */
  RF_SERVICE_ERROR_MODEL_MISSING, /* the model file is absent or holds no such model */
  RF_SERVICE_ERROR_OUT_OF_MEMORY, /* with needed/budget numbers in the message */
  RF_SERVICE_ERROR_DEVICE_LOST,   /* the service recreated its device */
  RF_SERVICE_ERROR_CANCELLED,
  RF_SERVICE_ERROR_BUSY,          /* queue or connection limit reached */
  RF_SERVICE_ERROR_TOO_LARGE,     /* a message over the service's limits */
  RF_SERVICE_ERROR_UNAVAILABLE,   /* no service running and none could be started */
  RF_SERVICE_ERROR_DISCONNECTED,  /* the service went away during the job */
  RF_SERVICE_ERROR_PROTOCOL,      /* a reply the client does not understand */
  RF_SERVICE_ERROR_N_CODES
} RfServiceErrorCode;

/* Short stable names ("out-of-memory", …) used in Finished replies. */
const char *rf_service_error_kind_name (RfServiceErrorCode code);
/* The code for @kind; RF_SERVICE_ERROR_FAILED when unknown. */
RfServiceErrorCode rf_service_error_from_kind (const char *kind);

/* Classifies an error from any module (model, Vulkan, core, GIO) into a
 * service code: missing files → MODEL_MISSING, device memory → OUT_OF_MEMORY,
 * VK_ERROR_DEVICE_LOST → DEVICE_LOST, cancellations → CANCELLED. */
RfServiceErrorCode rf_service_error_classify (const GError *error);

G_END_DECLS
