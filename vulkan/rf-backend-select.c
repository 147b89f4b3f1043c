/* rf-backend-select.c — rf_backend_new_by_name(): "cpu", "vulkan",
 * "vulkan:<index|name part>", "auto" (NULL/""). */
#include <glib/gi18n-lib.h>
#include <string.h>

#include "rf-error.h"
#include "rf-vulkan.h"

RfBackend *
rf_backend_new_by_name (const char *name, GError **error)
{
  if (name == NULL || *name == '\0' || g_ascii_strcasecmp (name, "auto") == 0)
    {
      g_autoptr (GError) local = NULL;
      /* a CPU-emulated Vulkan device (lavapipe) is 50-100x slower than the
       * CPU backend: take it only when RECTIFY_DEVICE asks for it */
      const char *forced = g_getenv ("RECTIFY_DEVICE");
      g_autoptr (GPtrArray) devices = NULL;
      if ((forced == NULL || *forced == '\0') && rf_vulkan_list_devices (NULL, &devices, NULL))
        for (guint i = 0; i < devices->len; i++)
          {
            const RfVulkanDeviceInfo *d = g_ptr_array_index (devices, i);
            if (d->selected && strcmp (d->type, "CPU") == 0)
              return rf_backend_new_cpu (0);
          }
      RfBackend *be = rf_backend_new_vulkan (NULL, &local);
      if (be != NULL)
        return be;
      /* a device the user asked for by RECTIFY_DEVICE must exist; any
       * other failure means "no GPU here": fall back, and say so */
      if (g_error_matches (local, RF_VULKAN_ERROR, RF_VULKAN_ERROR_DEVICE_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      g_printerr (_("rectify: no usable Vulkan device (%s); using the CPU backend\n"),
                  local->message);
      return rf_backend_new_cpu (0);
    }
  if (g_ascii_strcasecmp (name, "cpu") == 0)
    return rf_backend_new_cpu (0);
  if (g_ascii_strcasecmp (name, "vulkan") == 0)
    return rf_backend_new_vulkan (NULL, error);
  if (g_ascii_strncasecmp (name, "vulkan:", 7) == 0 && name[7] != '\0')
    return rf_backend_new_vulkan (name + 7, error);
  g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_INVALID,
               _("unknown backend '%s'; use cpu, vulkan, vulkan:<device> or auto"), name);
  return NULL;
}
