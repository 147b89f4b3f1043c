/* vk-check.c — VkResult → GError, the sticky device-lost flag, and
 * environment switches. Nothing in the backend aborts: every failing
 * Vulkan call ends up here and becomes an error the caller returns. */
#include "vk-internal.h"

#include <string.h>

const char *
rf_vk_result_name (VkResult r)
{
  switch (r)
    {
#define N(x) case x: return #x;
      N (VK_SUCCESS)
      N (VK_NOT_READY)
      N (VK_TIMEOUT)
      N (VK_EVENT_SET)
      N (VK_EVENT_RESET)
      N (VK_INCOMPLETE)
      N (VK_ERROR_OUT_OF_HOST_MEMORY)
      N (VK_ERROR_OUT_OF_DEVICE_MEMORY)
      N (VK_ERROR_INITIALIZATION_FAILED)
      N (VK_ERROR_DEVICE_LOST)
      N (VK_ERROR_MEMORY_MAP_FAILED)
      N (VK_ERROR_LAYER_NOT_PRESENT)
      N (VK_ERROR_EXTENSION_NOT_PRESENT)
      N (VK_ERROR_FEATURE_NOT_PRESENT)
      N (VK_ERROR_INCOMPATIBLE_DRIVER)
      N (VK_ERROR_TOO_MANY_OBJECTS)
      N (VK_ERROR_FORMAT_NOT_SUPPORTED)
      N (VK_ERROR_FRAGMENTED_POOL)
      N (VK_ERROR_UNKNOWN)
      N (VK_ERROR_OUT_OF_POOL_MEMORY)
      N (VK_ERROR_INVALID_EXTERNAL_HANDLE)
      N (VK_ERROR_FRAGMENTATION)
      N (VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
      N (VK_PIPELINE_COMPILE_REQUIRED)
      N (VK_ERROR_VALIDATION_FAILED_EXT)
#undef N
    default:
      return "VK_ERROR_(unknown)";
    }
}

gboolean
rf_vk_check_result (RfVkBackend *vk, VkResult r, const char *call,
                    const char *file, int line, GError **error)
{
  if (r >= 0)
    return TRUE;
  int code = RF_VULKAN_ERROR_FAILED;
  if (r == VK_ERROR_DEVICE_LOST)
    {
      code = RF_VULKAN_ERROR_DEVICE_LOST;
      if (vk != NULL)
        vk->lost = TRUE;
    }
  else if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
    code = RF_VULKAN_ERROR_OUT_OF_MEMORY;
  const char *base = strrchr (file, '/');
  g_set_error (error, RF_VULKAN_ERROR, code, _("Vulkan call %s failed with %s (%s:%d)%s"),
               call, rf_vk_result_name (r), base ? base + 1 : file, line,
               r == VK_ERROR_DEVICE_LOST
                 ? _("; the GPU was reset or crashed, the Vulkan backend cannot be used any more")
                 : "");
  return FALSE;
}

gboolean
rf_vk_check_alive (RfVkBackend *vk, GError **error)
{
  if (!vk->lost)
    return TRUE;
  g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_DEVICE_LOST,
               _("the Vulkan device %s was lost earlier (GPU reset or driver crash); "
                 "create a new backend"), vk->caps.props.deviceName);
  return FALSE;
}

guint64
rf_vk_env_u64 (const char *name, guint64 fallback)
{
  const char *s = g_getenv (name);
  guint64 v;
  if (s == NULL || *s == '\0' || !g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT64, &v, NULL))
    return fallback;
  return v;
}

gboolean
rf_vk_env_flag (const char *name)
{
  const char *s = g_getenv (name);
  return s != NULL && *s != '\0' && strcmp (s, "0") != 0;
}
