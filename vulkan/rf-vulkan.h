/* rf-vulkan.h — the Vulkan backend: construction and device listing.
 *
 * Devices are ranked discrete GPU > integrated GPU > virtual GPU > CPU
 * (lavapipe). The environment variable RECTIFY_DEVICE (an index as
 * printed by `rectify devices`, or a case-insensitive part of the name)
 * overrides the choice; a value that matches nothing is an error that
 * lists the devices. Other switches: RECTIFY_VK_VALIDATION=1,
 * RECTIFY_VK_DISABLE_F16=1, RECTIFY_VK_PROFILE=1,
 * RECTIFY_VK_MAX_DISPATCHES_PER_SUBMIT=N, RECTIFY_VK_MAX_BINDING_RANGE=bytes,
 * RECTIFY_VK_FORCE_STAGING=1 (see vulkan/README.md).
 */
#pragma once

#include "rf-backend.h"

G_BEGIN_DECLS

/* Creates a Vulkan backend on the device picked by @device_selector
 * (index or name part; NULL or "" = RECTIFY_DEVICE, else the best
 * device). Errors: RF_VULKAN_ERROR_NO_DEVICE when no usable device
 * exists, RF_VULKAN_ERROR_DEVICE_NOT_FOUND (message lists the devices),
 * RF_VULKAN_ERROR_FAILED for any other Vulkan failure. Free with
 * rf_backend_free(). */
RfBackend *rf_backend_new_vulkan (const char *device_selector, GError **error);

typedef struct {
  guint64 size;      /* bytes */
  guint64 budget;    /* bytes usable by this process (VK_EXT_memory_budget), 0 = unknown */
  guint64 usage;     /* bytes in use by this process, 0 = unknown */
  gboolean device_local;
} RfVulkanHeap;

/* One physical device as `rectify devices` shows it. */
typedef struct {
  int index;
  char *name;
  const char *type;            /* "discrete GPU", "integrated GPU", "virtual GPU", "CPU", "other" */
  char *driver;                /* driver name and version text */
  guint32 vendor_id, device_id;
  guint32 api_version;         /* VK_MAKE_API_VERSION */
  gboolean usable;             /* Vulkan 1.2 and a compute queue */
  char *unusable_reason;       /* when !usable */
  gboolean selected;           /* the device a backend would use now */
  GArray *heaps;               /* RfVulkanHeap */
  guint32 subgroup_size;
  gboolean fp16, storage16, int8, storage8, subgroup_size_control;
  gboolean coopmat;            /* VK_KHR/NV_cooperative_matrix advertised */
  gboolean f16_disabled;       /* fp16/storage16 hidden by RECTIFY_VK_DISABLE_F16 */
  guint64 max_binding_range;   /* maxStorageBufferRange (or the env override) */
  guint64 max_allocation;      /* maxMemoryAllocationSize */
  guint64 max_buffer_size;     /* maintenance4 maxBufferSize, 0 = unknown */
  guint32 max_shared_memory;   /* maxComputeSharedMemorySize */
  guint32 max_workgroup_invocations;
  guint32 max_workgroup_count[3];
  guint32 min_binding_alignment; /* minStorageBufferOffsetAlignment */
} RfVulkanDeviceInfo;

void rf_vulkan_device_info_free (RfVulkanDeviceInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfVulkanDeviceInfo, rf_vulkan_device_info_free)

/* Lists every Vulkan device (usable or not) and marks the one that
 * @device_selector (NULL = RECTIFY_DEVICE, else automatic) picks.
 * Returns a GPtrArray of RfVulkanDeviceInfo that frees its elements; an
 * empty array when Vulkan works but has no device. Errors:
 * RF_VULKAN_ERROR_NO_DEVICE when no Vulkan driver loads at all;
 * RF_VULKAN_ERROR_DEVICE_NOT_FOUND when the selector matches nothing
 * (*@out_devices still receives the list so callers can print it). */
gboolean rf_vulkan_list_devices (const char *device_selector, GPtrArray **out_devices,
                                 GError **error);

/* Multi-line, human-readable description (name, type, heaps, features,
 * limits). Free with g_free(). */
char *rf_vulkan_device_info_format (const RfVulkanDeviceInfo *info);

G_END_DECLS
