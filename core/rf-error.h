/* rf-error.h — one GError domain per module. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RF_CORE_ERROR   (rf_core_error_quark ())
#define RF_VULKAN_ERROR (rf_vulkan_error_quark ())
#define RF_MODEL_ERROR  (rf_model_error_quark ())

GQuark rf_core_error_quark (void);
GQuark rf_vulkan_error_quark (void);
GQuark rf_model_error_quark (void);

typedef enum {
  RF_CORE_ERROR_SHAPE,        /* shapes of op arguments do not fit */
  RF_CORE_ERROR_DTYPE,        /* a dtype the op or backend does not take */
  RF_CORE_ERROR_BACKEND,      /* tensors live on different backends */
  RF_CORE_ERROR_NO_MEMORY,    /* host allocation failed or would be absurd */
  RF_CORE_ERROR_INVALID,      /* a parameter out of range */
  RF_CORE_ERROR_UNSUPPORTED,  /* backend cannot run this op variant */
  RF_CORE_ERROR_CANCELLED,
  RF_CORE_ERROR_IO,
} RfCoreError;

typedef enum {
  RF_VULKAN_ERROR_NO_DEVICE,
  RF_VULKAN_ERROR_DEVICE_NOT_FOUND, /* RECTIFY_DEVICE matched nothing */
  RF_VULKAN_ERROR_OUT_OF_MEMORY,
  RF_VULKAN_ERROR_DEVICE_LOST,
  RF_VULKAN_ERROR_FAILED,           /* any other VkResult failure */
  RF_VULKAN_ERROR_VALIDATION,       /* validation layer reported a message */
} RfVulkanError;

typedef enum {
  RF_MODEL_ERROR_IO,
  RF_MODEL_ERROR_FORMAT,      /* malformed file */
  RF_MODEL_ERROR_UNSUPPORTED, /* valid but not supported (dtype, version) */
  RF_MODEL_ERROR_MISMATCH,    /* missing/extra/mis-shaped tensors */
  RF_MODEL_ERROR_NOT_FOUND,
} RfModelError;

G_END_DECLS
