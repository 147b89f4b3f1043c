/* rf-error.c — GError domains. */
#include "rf-error.h"

G_DEFINE_QUARK (rf-core-error-quark, rf_core_error)
G_DEFINE_QUARK (rf-vulkan-error-quark, rf_vulkan_error)
G_DEFINE_QUARK (rf-model-error-quark, rf_model_error)
