/* vk-devices.c — the device listing behind `rectify devices`. */
#include "vk-internal.h"

#include <string.h>

#define MIB(x) ((double) (x) / (1024.0 * 1024.0))

void
rf_vulkan_device_info_free (RfVulkanDeviceInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->driver);
  g_free (info->unusable_reason);
  if (info->heaps)
    g_array_unref (info->heaps);
  g_free (info);
}

static RfVulkanDeviceInfo *
info_from_caps (const RfVkDeviceCaps *c)
{
  RfVulkanDeviceInfo *d = g_new0 (RfVulkanDeviceInfo, 1);
  d->index = c->index;
  d->name = g_strdup (c->props.deviceName);
  d->type = rf_vk_device_type_name (c->props.deviceType);
  d->driver = g_strdup (c->driver);
  d->vendor_id = c->props.vendorID;
  d->device_id = c->props.deviceID;
  d->api_version = c->props.apiVersion;
  d->usable = c->usable;
  d->unusable_reason = c->usable ? NULL : g_strdup (_(c->unusable_reason));
  d->heaps = g_array_new (FALSE, TRUE, sizeof (RfVulkanHeap));
  for (guint32 h = 0; h < c->mem.memoryHeapCount; h++)
    {
      RfVulkanHeap heap = {
        .size = c->mem.memoryHeaps[h].size,
        .budget = c->heap_budget[h],
        .usage = c->heap_usage[h],
        .device_local = (c->mem.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) != 0,
      };
      g_array_append_val (d->heaps, heap);
    }
  d->subgroup_size = c->subgroup_size;
  d->fp16 = c->fp16;
  d->storage16 = c->storage16;
  d->int8 = c->int8;
  d->storage8 = c->storage8;
  d->subgroup_size_control = c->subgroup_size_control;
  d->coopmat = c->coopmat;
  d->f16_disabled = c->f16_disabled;
  d->max_binding_range = c->max_binding_range;
  d->max_allocation = c->max_allocation;
  d->max_buffer_size = c->max_buffer_size;
  d->max_shared_memory = c->props.limits.maxComputeSharedMemorySize;
  d->max_workgroup_invocations = c->props.limits.maxComputeWorkGroupInvocations;
  memcpy (d->max_workgroup_count, c->props.limits.maxComputeWorkGroupCount,
          sizeof d->max_workgroup_count);
  d->min_binding_alignment = (guint32) c->props.limits.minStorageBufferOffsetAlignment;
  return d;
}

gboolean
rf_vulkan_list_devices (const char *device_selector, GPtrArray **out_devices, GError **error)
{
  *out_devices = NULL;
  RfVkInstance *inst = rf_vk_instance_new (error);
  if (inst == NULL)
    return FALSE;
  g_autoptr (GArray) caps = rf_vk_probe_devices (inst->instance, error);
  if (caps == NULL)
    {
      rf_vk_instance_free (inst);
      return FALSE;
    }
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_vulkan_device_info_free);
  for (guint i = 0; i < caps->len; i++)
    g_ptr_array_add (list, info_from_caps (&g_array_index (caps, RfVkDeviceCaps, i)));
  gboolean ok = TRUE;
  if (caps->len > 0)
    {
      g_autoptr (GError) local = NULL;
      int pick = rf_vk_select_device (caps, device_selector, &local);
      if (pick >= 0)
        ((RfVulkanDeviceInfo *) g_ptr_array_index (list, pick))->selected = TRUE;
      else if (g_error_matches (local, RF_VULKAN_ERROR, RF_VULKAN_ERROR_DEVICE_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          ok = FALSE;
        }
    }
  rf_vk_instance_free (inst);
  *out_devices = list;
  return ok;
}

/* "512 KiB", "128 MiB", "24.0 GiB" */
static char *
format_bytes (guint64 b)
{
  if (b < (G_GUINT64_CONSTANT (1) << 20))
    return g_strdup_printf ("%" G_GUINT64_FORMAT " KiB", b >> 10);
  if (b < (G_GUINT64_CONSTANT (16) << 30))
    return g_strdup_printf ("%.0f MiB", MIB (b));
  return g_strdup_printf ("%.1f GiB", MIB (b) / 1024.0);
}

static const char *
yes_no (gboolean v)
{
  return v ? _("yes") : _("no");
}

char *
rf_vulkan_device_info_format (const RfVulkanDeviceInfo *d)
{
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "%s [%d] %s (%s)%s\n", d->selected ? "*" : " ", d->index, d->name,
                          d->type, d->selected ? _("  <- selected") : "");
  if (!d->usable)
    g_string_append_printf (s, _("      cannot be used: %s\n"), d->unusable_reason);
  g_string_append_printf (s, _("      driver: %s; Vulkan %u.%u.%u; vendor 0x%04x, device 0x%04x\n"),
                          d->driver[0] ? d->driver : "?", VK_API_VERSION_MAJOR (d->api_version),
                          VK_API_VERSION_MINOR (d->api_version),
                          VK_API_VERSION_PATCH (d->api_version), d->vendor_id, d->device_id);
  for (guint h = 0; h < d->heaps->len; h++)
    {
      const RfVulkanHeap *heap = &g_array_index (d->heaps, RfVulkanHeap, h);
      g_string_append_printf (s, _("      memory heap %u: %.0f MiB%s"), h, MIB (heap->size),
                              heap->device_local ? _(", device-local") : "");
      if (heap->budget)
        g_string_append_printf (s, _(", budget %.0f MiB, in use %.0f MiB"), MIB (heap->budget),
                                MIB (heap->usage));
      g_string_append_c (s, '\n');
    }
  if (d->usable)
    {
      g_string_append_printf (s, _("      subgroup size %u%s; fp16 %s, 16-bit storage %s%s; "
                                   "int8 %s, 8-bit storage %s; cooperative matrix %s\n"),
                              d->subgroup_size,
                              d->subgroup_size_control ? _(" (size control)") : "",
                              yes_no (d->fp16), yes_no (d->storage16),
                              d->f16_disabled ? _(" (off: RECTIFY_VK_DISABLE_F16)") : "",
                              yes_no (d->int8), yes_no (d->storage8), yes_no (d->coopmat));
      g_autofree char *range = format_bytes (d->max_binding_range);
      g_autofree char *alloc = format_bytes (d->max_allocation);
      g_autofree char *bufsz = d->max_buffer_size ? format_bytes (d->max_buffer_size) : g_strdup ("?");
      g_string_append_printf (s, _("      limits: binding %s, allocation %s, buffer %s"),
                              range, alloc, bufsz);
      g_string_append_printf (s, _(", shared memory %u KiB, workgroup %u invocations, "
                                   "groups %u×%u×%u, binding alignment %u\n"),
                              d->max_shared_memory / 1024, d->max_workgroup_invocations,
                              d->max_workgroup_count[0], d->max_workgroup_count[1],
                              d->max_workgroup_count[2], d->min_binding_alignment);
    }
  return g_string_free (s, FALSE);
}
