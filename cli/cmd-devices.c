/* cmd-devices.c — `rectify devices`: list the Vulkan devices and mark
 * the one Rectify would use (honouring RECTIFY_DEVICE). */
#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "rectify-cli.h"
#include "rf-error.h"
#include "vulkan/rf-vulkan.h"

int
rf_cli_devices (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
        {
          printf (_("Usage: rectify devices\n\n"
                    "Lists the Vulkan devices with their memory, features and limits and\n"
                    "marks the one Rectify uses. Pick another with RECTIFY_DEVICE=<index or\n"
                    "part of the name>.\n"));
          return 0;
        }
      fprintf (stderr, _("rectify devices: unknown option '%s'\n"), argv[i]);
      return 2;
    }

  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  gboolean ok = rf_vulkan_list_devices (NULL, &devices, &error);
  if (devices == NULL)
    {
      printf (_("No Vulkan driver could be loaded; Rectify will use the CPU backend.\n"));
      printf ("(%s)\n", error->message);
      return 0;
    }
  if (devices->len == 0)
    printf (_("No Vulkan devices; Rectify will use the CPU backend.\n"));
  gboolean any_selected = FALSE;
  for (guint i = 0; i < devices->len; i++)
    {
      const RfVulkanDeviceInfo *d = g_ptr_array_index (devices, i);
      g_autofree char *text = rf_vulkan_device_info_format (d);
      fputs (text, stdout);
      any_selected = any_selected || d->selected;
    }
  if (!ok)
    return rf_cli_fail ("devices", error);
  if (devices->len > 0 && !any_selected)
    printf (_("No device is usable; Rectify will use the CPU backend.\n"));
  return 0;
}
