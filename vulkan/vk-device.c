/* vk-device.c — physical-device probing, the device choice
 * (RECTIFY_DEVICE) and logical-device creation. */
#include "vk-internal.h"

#include <string.h>

static gboolean
has_ext (const VkExtensionProperties *exts, guint32 n, const char *name)
{
  for (guint32 i = 0; i < n; i++)
    if (strcmp (exts[i].extensionName, name) == 0)
      return TRUE;
  return FALSE;
}

static void
probe_one (VkPhysicalDevice pd, int index, RfVkDeviceCaps *c)
{
  memset (c, 0, sizeof *c);
  c->pd = pd;
  c->index = index;
  vkGetPhysicalDeviceProperties (pd, &c->props);
  vkGetPhysicalDeviceMemoryProperties (pd, &c->mem);
  c->max_binding_range = c->props.limits.maxStorageBufferRange;

  guint32 n_q = 0;
  vkGetPhysicalDeviceQueueFamilyProperties (pd, &n_q, NULL);
  g_autofree VkQueueFamilyProperties *qs = g_new0 (VkQueueFamilyProperties, MAX (n_q, 1));
  vkGetPhysicalDeviceQueueFamilyProperties (pd, &n_q, qs);
  gboolean have_compute = FALSE;
  for (guint32 i = 0; i < n_q && !have_compute; i++)
    if (qs[i].queueFlags & VK_QUEUE_COMPUTE_BIT)
      {
        have_compute = TRUE;
        c->queue_family = i;
        c->timestamp_bits = qs[i].timestampValidBits;
      }

  if (c->props.apiVersion < VK_API_VERSION_1_2)
    {
      c->unusable_reason = N_("needs Vulkan 1.2");
      return;
    }
  if (!have_compute)
    {
      c->unusable_reason = N_("has no compute queue");
      return;
    }
  c->usable = TRUE;

  guint32 n_ext = 0;
  vkEnumerateDeviceExtensionProperties (pd, NULL, &n_ext, NULL);
  g_autofree VkExtensionProperties *exts = g_new0 (VkExtensionProperties, MAX (n_ext, 1));
  vkEnumerateDeviceExtensionProperties (pd, NULL, &n_ext, exts);
  gboolean v13 = c->props.apiVersion >= VK_API_VERSION_1_3;
  c->memory_budget_ext = has_ext (exts, n_ext, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  c->maintenance4 = v13 || has_ext (exts, n_ext, VK_KHR_MAINTENANCE_4_EXTENSION_NAME);
  gboolean size_control = v13 || has_ext (exts, n_ext, VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
  c->coopmat = has_ext (exts, n_ext, "VK_KHR_cooperative_matrix")
               || has_ext (exts, n_ext, "VK_NV_cooperative_matrix");

  /* properties */
  VkPhysicalDeviceMaintenance4Properties m4p = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_4_PROPERTIES };
  VkPhysicalDeviceSubgroupSizeControlProperties sscp = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES };
  VkPhysicalDeviceDriverProperties drv = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES };
  VkPhysicalDeviceVulkan11Properties p11 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_PROPERTIES, .pNext = &drv };
  if (size_control)
    {
      sscp.pNext = p11.pNext;
      p11.pNext = &sscp;
    }
  if (c->maintenance4)
    {
      m4p.pNext = p11.pNext;
      p11.pNext = &m4p;
    }
  VkPhysicalDeviceProperties2 p2 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &p11 };
  vkGetPhysicalDeviceProperties2 (pd, &p2);
  g_snprintf (c->driver, sizeof c->driver, "%s%s%s", drv.driverName,
              drv.driverInfo[0] ? " " : "", drv.driverInfo);
  memcpy (c->device_uuid, p11.deviceUUID, VK_UUID_SIZE);
  c->subgroup_size = p11.subgroupSize;
  c->subgroup_ops = p11.subgroupSupportedOperations;
  c->max_allocation = p11.maxMemoryAllocationSize;
  c->max_buffer_size = c->maintenance4 ? m4p.maxBufferSize : 0;
  c->min_subgroup_size = size_control ? sscp.minSubgroupSize : c->subgroup_size;
  c->max_subgroup_size = size_control ? sscp.maxSubgroupSize : c->subgroup_size;

  /* features */
  VkPhysicalDeviceSubgroupSizeControlFeatures sscf = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES };
  VkPhysicalDeviceVulkan12Features f12 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES };
  VkPhysicalDeviceVulkan11Features f11 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES, .pNext = &f12 };
  if (size_control)
    f12.pNext = &sscf;
  VkPhysicalDeviceFeatures2 f2 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &f11 };
  vkGetPhysicalDeviceFeatures2 (pd, &f2);
  c->storage16 = f11.storageBuffer16BitAccess;
  c->fp16 = f12.shaderFloat16;
  c->int8 = f12.shaderInt8;
  c->storage8 = f12.storageBuffer8BitAccess;
  c->subgroup_size_control = size_control && sscf.subgroupSizeControl;

  if (rf_vk_env_flag ("RECTIFY_VK_DISABLE_F16") && (c->storage16 || c->fp16))
    {
      c->f16_disabled = TRUE;
      c->storage16 = c->fp16 = FALSE;
    }
  guint64 range = rf_vk_env_u64 ("RECTIFY_VK_MAX_BINDING_RANGE", 0);
  if (range >= 64 && range < c->max_binding_range)
    c->max_binding_range = range;

  if (c->memory_budget_ext)
    {
      VkPhysicalDeviceMemoryBudgetPropertiesEXT budget = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT };
      VkPhysicalDeviceMemoryProperties2 mp2 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2, .pNext = &budget };
      vkGetPhysicalDeviceMemoryProperties2 (pd, &mp2);
      for (guint32 h = 0; h < c->mem.memoryHeapCount; h++)
        {
          c->heap_budget[h] = budget.heapBudget[h];
          c->heap_usage[h] = budget.heapUsage[h];
        }
    }
}

GArray *
rf_vk_probe_devices (VkInstance instance, GError **error)
{
  guint32 n = 0;
  if (!RF_VK_CHECK (NULL, vkEnumeratePhysicalDevices (instance, &n, NULL), error))
    return NULL;
  g_autofree VkPhysicalDevice *pds = g_new0 (VkPhysicalDevice, MAX (n, 1));
  if (!RF_VK_CHECK (NULL, vkEnumeratePhysicalDevices (instance, &n, pds), error))
    return NULL;
  GArray *caps = g_array_sized_new (FALSE, TRUE, sizeof (RfVkDeviceCaps), n);
  g_array_set_size (caps, n);
  for (guint32 i = 0; i < n; i++)
    probe_one (pds[i], (int) i, &g_array_index (caps, RfVkDeviceCaps, i));
  return caps;
}

const char *
rf_vk_device_type_name (VkPhysicalDeviceType t)
{
  switch (t)
    {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "CPU";
    default: return "other";
    }
}

static int
type_rank (VkPhysicalDeviceType t)
{
  switch (t)
    {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 3;
    default: return 4;
    }
}

static guint64
device_local_bytes (const RfVkDeviceCaps *c)
{
  guint64 best = 0;
  for (guint32 h = 0; h < c->mem.memoryHeapCount; h++)
    if (c->mem.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      best = MAX (best, c->mem.memoryHeaps[h].size);
  return best;
}

/* TRUE if @a should be preferred over @b. */
static gboolean
better (const RfVkDeviceCaps *a, const RfVkDeviceCaps *b)
{
  int ra = type_rank (a->props.deviceType), rb = type_rank (b->props.deviceType);
  if (ra != rb)
    return ra < rb;
  return device_local_bytes (a) > device_local_bytes (b);
}

static char *
list_text (GArray *caps)
{
  if (caps->len == 0)
    return g_strdup (_("(none)"));
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < caps->len; i++)
    {
      const RfVkDeviceCaps *c = &g_array_index (caps, RfVkDeviceCaps, i);
      g_string_append_printf (s, "%s%d: %s%s%s", i ? "; " : "", c->index,
                              c->props.deviceName, c->usable ? "" : " — ",
                              c->usable ? "" : _(c->unusable_reason));
    }
  return g_string_free (s, FALSE);
}

int
rf_vk_select_device (GArray *caps, const char *selector, GError **error)
{
  const char *source = "vulkan:";
  if (selector == NULL || *selector == '\0')
    {
      selector = g_getenv ("RECTIFY_DEVICE");
      source = "RECTIFY_DEVICE=";
    }
  int best = -1;
  if (selector == NULL || *selector == '\0')
    {
      for (guint i = 0; i < caps->len; i++)
        {
          const RfVkDeviceCaps *c = &g_array_index (caps, RfVkDeviceCaps, i);
          if (c->usable && (best < 0 || better (c, &g_array_index (caps, RfVkDeviceCaps, best))))
            best = (int) i;
        }
      if (best < 0)
        {
          g_autofree char *list = list_text (caps);
          g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_NO_DEVICE,
                       _("no usable Vulkan device (devices: %s)"), list);
        }
      return best;
    }

  guint64 want_index;
  gboolean by_index = g_ascii_string_to_unsigned (selector, 10, 0, G_MAXINT, &want_index, NULL);
  g_autofree char *want = g_utf8_casefold (selector, -1);
  int unusable = -1;
  for (guint i = 0; i < caps->len; i++)
    {
      const RfVkDeviceCaps *c = &g_array_index (caps, RfVkDeviceCaps, i);
      g_autofree char *name = g_utf8_casefold (c->props.deviceName, -1);
      gboolean match = by_index ? (guint64) c->index == want_index : strstr (name, want) != NULL;
      if (!match)
        continue;
      if (!c->usable)
        unusable = (int) i;
      else if (best < 0 || better (c, &g_array_index (caps, RfVkDeviceCaps, best)))
        best = (int) i;
    }
  if (best >= 0)
    return best;
  g_autofree char *list = list_text (caps);
  if (unusable >= 0)
    {
      const RfVkDeviceCaps *c = &g_array_index (caps, RfVkDeviceCaps, unusable);
      g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_DEVICE_NOT_FOUND,
                   _("%s%s picks %s, which %s (devices: %s)"), source, selector,
                   c->props.deviceName, _(c->unusable_reason), list);
    }
  else
    g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_DEVICE_NOT_FOUND,
                 _("%s%s matches no Vulkan device; use an index or part of a name "
                   "from: %s"), source, selector, list);
  return -1;
}

gboolean
rf_vk_device_create (RfVkBackend *vk, GError **error)
{
  const RfVkDeviceCaps *c = &vk->caps;
  gboolean v13 = c->props.apiVersion >= VK_API_VERSION_1_3;
  g_autoptr (GPtrArray) exts = g_ptr_array_new ();
  guint32 n_ext = 0;
  vkEnumerateDeviceExtensionProperties (c->pd, NULL, &n_ext, NULL);
  g_autofree VkExtensionProperties *avail = g_new0 (VkExtensionProperties, MAX (n_ext, 1));
  vkEnumerateDeviceExtensionProperties (c->pd, NULL, &n_ext, avail);
  if (c->memory_budget_ext)
    g_ptr_array_add (exts, (gpointer) VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  if (!v13 && c->maintenance4)
    g_ptr_array_add (exts, (gpointer) VK_KHR_MAINTENANCE_4_EXTENSION_NAME);
  if (!v13 && c->subgroup_size_control)
    g_ptr_array_add (exts, (gpointer) VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
  /* required by the spec wherever it is advertised */
  if (has_ext (avail, n_ext, "VK_KHR_portability_subset"))
    g_ptr_array_add (exts, (gpointer) "VK_KHR_portability_subset");

  /* enable exactly what was probed (and not hidden by env switches) */
  VkPhysicalDeviceMaintenance4Features m4 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_4_FEATURES,
    .maintenance4 = VK_TRUE };
  VkPhysicalDeviceSubgroupSizeControlFeatures ssc = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES,
    .subgroupSizeControl = VK_TRUE };
  VkPhysicalDeviceVulkan12Features f12 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
    .shaderFloat16 = c->fp16,
    .shaderInt8 = c->int8,
    .storageBuffer8BitAccess = c->storage8,
  };
  VkPhysicalDeviceVulkan11Features f11 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES,
    .pNext = &f12,
    .storageBuffer16BitAccess = c->storage16,
  };
  if (c->subgroup_size_control)
    {
      ssc.pNext = f12.pNext;
      f12.pNext = &ssc;
    }
  if (c->maintenance4)
    {
      m4.pNext = f12.pNext;
      f12.pNext = &m4;
    }
  const float priority = 1.0f;
  const VkDeviceQueueCreateInfo queue = {
    .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
    .queueFamilyIndex = c->queue_family,
    .queueCount = 1,
    .pQueuePriorities = &priority,
  };
  const VkDeviceCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
    .pNext = &f11,
    .queueCreateInfoCount = 1,
    .pQueueCreateInfos = &queue,
    .enabledExtensionCount = exts->len,
    .ppEnabledExtensionNames = (const char *const *) exts->pdata,
  };
  if (!RF_VK_CHECK (vk, vkCreateDevice (c->pd, &info, NULL, &vk->device), error))
    return FALSE;
  vkGetDeviceQueue (vk->device, c->queue_family, 0, &vk->queue);
  return TRUE;
}
