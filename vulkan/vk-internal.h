/* vk-internal.h — private state of the Vulkan backend, shared by the
 * files in vulkan/. Op files need only vk-dispatch.h. */
#pragma once

#include <glib/gi18n-lib.h>

#include "rf-error.h"
#include "rf-vulkan.h"
#include "vk-dispatch.h"

G_BEGIN_DECLS

#define RF_VK_N_FRAMES 2
#define RF_VK_DEFAULT_MAX_DISPATCHES 100
#define RF_VK_BLOCK_SIZE (G_GUINT64_CONSTANT (256) << 20)
#define RF_VK_STAGING_SIZE (G_GUINT64_CONSTANT (16) << 20)
/* Sub-allocations start at multiples of this (covers every
 * minStorageBufferOffsetAlignment and nonCoherentAtomSize seen). */
#define RF_VK_MIN_ALIGN 256

/* ---- vk-check.c: every VkResult goes through here ---- */

const char *rf_vk_result_name (VkResult r);
/* TRUE on success (r >= 0). Otherwise sets @error with @call, the
 * result name and file:line; VK_ERROR_DEVICE_LOST marks @vk (may be
 * NULL) lost for good and uses RF_VULKAN_ERROR_DEVICE_LOST,
 * out-of-memory results RF_VULKAN_ERROR_OUT_OF_MEMORY. */
gboolean rf_vk_check_result (RfVkBackend *vk, VkResult r, const char *call,
                             const char *file, int line, GError **error);
#define RF_VK_CHECK(vk, call, error) \
  rf_vk_check_result ((vk), (call), #call, __FILE__, __LINE__, (error))
/* FALSE with RF_VULKAN_ERROR_DEVICE_LOST once the device was lost. */
gboolean rf_vk_check_alive (RfVkBackend *vk, GError **error);

/* ---- vk-instance.c ---- */

typedef struct {
  VkInstance instance;
  VkDebugUtilsMessengerEXT messenger;
  PFN_vkDestroyDebugUtilsMessengerEXT destroy_messenger;
  gboolean validation;       /* the Khronos layer is active */
  GMutex lock;
  GPtrArray *messages;       /* char*: validation messages not yet reported */
} RfVkInstance;

/* Creates an instance; with RECTIFY_VK_VALIDATION=1 and the layer
 * installed, enables it (synchronization validation included) and a
 * messenger that records warnings and errors. Error:
 * RF_VULKAN_ERROR_NO_DEVICE when no Vulkan driver loads. */
RfVkInstance *rf_vk_instance_new (GError **error);
void rf_vk_instance_free (RfVkInstance *inst);
/* Validation messages received by any instance of this process so far
 * (tests check it after freeing backends: teardown messages count). */
guint rf_vk_validation_message_count (void);
/* FALSE with RF_VULKAN_ERROR_VALIDATION naming the recorded messages
 * (then forgets them). */
gboolean rf_vk_instance_take_messages (RfVkInstance *inst, GError **error);

/* ---- vk-device.c: probing, choice, logical device ---- */

typedef struct {
  VkPhysicalDevice pd;
  int index;
  VkPhysicalDeviceProperties props;
  char driver[VK_MAX_DRIVER_NAME_SIZE + VK_MAX_DRIVER_INFO_SIZE + 4];
  guint8 device_uuid[VK_UUID_SIZE];
  VkPhysicalDeviceMemoryProperties mem;
  guint64 heap_budget[VK_MAX_MEMORY_HEAPS];  /* 0 = unknown */
  guint64 heap_usage[VK_MAX_MEMORY_HEAPS];
  gboolean usable;
  const char *unusable_reason;
  guint32 queue_family;
  guint32 timestamp_bits;    /* 0: no timestamps on the compute queue */
  gboolean fp16, storage16, int8, storage8, f16_disabled;
  guint32 subgroup_size, subgroup_ops;
  gboolean subgroup_size_control;
  guint32 min_subgroup_size, max_subgroup_size;
  gboolean coopmat, memory_budget_ext, maintenance4;
  guint64 max_binding_range;  /* after RECTIFY_VK_MAX_BINDING_RANGE */
  guint64 max_allocation;
  guint64 max_buffer_size;    /* 0 = unknown (no maintenance4) */
} RfVkDeviceCaps;

/* Probes every physical device (RfVkDeviceCaps, in enumeration order). */
GArray *rf_vk_probe_devices (VkInstance instance, GError **error);
/* Index into @caps of the device @selector picks (NULL/"" falls back to
 * RECTIFY_DEVICE, then to the best usable device), or -1 with an error
 * (NO_DEVICE / DEVICE_NOT_FOUND listing the devices). */
int rf_vk_select_device (GArray *caps, const char *selector, GError **error);
/* "discrete GPU", "integrated GPU", "virtual GPU", "CPU", "other" */
const char *rf_vk_device_type_name (VkPhysicalDeviceType t);
/* Creates vk->device and vk->queue for vk->caps. */
gboolean rf_vk_device_create (RfVkBackend *vk, GError **error);

/* ---- vk-memory.c: sub-allocator ---- */

typedef enum {
  RF_VK_POOL_DEVICE,   /* tensors */
  RF_VK_POOL_STAGING,  /* host-visible transfer memory */
  RF_VK_POOL_COUNT
} RfVkPool;

typedef struct {
  VkDeviceMemory memory;
  VkBuffer buffer;        /* covers the whole block */
  guint64 size;
  guint8 *mapped;         /* NULL unless host-visible and mapped */
  gboolean dedicated;     /* one allocation larger than a block */
  RfVkPool pool;
  GArray *free_ranges;    /* RfVkRange sorted by offset, coalesced */
  guint64 used;
} RfVkBlock;

typedef struct {
  RfVkBlock *block;
  guint64 offset;         /* in block, multiple of the pool alignment */
  guint64 size;           /* rounded up to the alignment */
} RfVkAlloc;

typedef struct RfVkMemory RfVkMemory;

typedef struct {
  guint n_blocks;
  guint64 block_bytes;   /* device memory held */
  guint64 used_bytes;    /* handed out */
  guint64 block_size;    /* regular block size */
  gboolean mapped;       /* pool memory is host-mapped */
} RfVkMemoryStats;

RfVkMemory *rf_vk_memory_new (RfVkBackend *vk, GError **error);
void rf_vk_memory_free (RfVkBackend *vk, RfVkMemory *mem);
/* Error: RF_VULKAN_ERROR_OUT_OF_MEMORY with the sizes, heap and budget. */
gboolean rf_vk_memory_alloc (RfVkBackend *vk, RfVkPool pool, guint64 size,
                             RfVkAlloc *out, GError **error);
void rf_vk_memory_release (RfVkBackend *vk, RfVkAlloc *a);
void rf_vk_memory_stats (RfVkBackend *vk, RfVkPool pool, RfVkMemoryStats *out);

/* ---- vk-buffer.c: RfBuffer implementation ---- */

typedef struct {
  RfVkAlloc alloc;
  guint64 last_serial;    /* batch that last used the buffer */
} RfVkBuf;

gboolean rf_vk_buffer_alloc (RfBackend *be, RfBuffer *buf, GError **error);
void     rf_vk_buffer_release (RfBackend *be, RfBuffer *buf);
gboolean rf_vk_buffer_write (RfBackend *be, RfBuffer *buf, guint64 offset,
                             const void *src, guint64 n, GError **error);
gboolean rf_vk_buffer_read (RfBackend *be, RfBuffer *buf, guint64 offset,
                            void *dst, guint64 n, GError **error);

/* ---- vk-pipeline.c / vk-pipeline-cache.c ---- */

typedef struct {
  VkPipeline pipeline;
  VkPipelineLayout layout;
  VkDescriptorSetLayout set_layout;
  guint n_bindings;
  guint32 push_size;
} RfVkPipeline;

/* The pipeline for @id, created on first use with @n_bindings storage
 * buffers and @push_size bytes of push constants. */
const RfVkPipeline *rf_vk_pipeline_get (RfVkBackend *vk, RfShaderId id,
                                        guint n_bindings, guint32 push_size,
                                        GError **error);
void rf_vk_pipelines_destroy (RfVkBackend *vk);

/* On-disk cache: our header (magic, version, vendor, device, driver,
 * pipelineCacheUUID, blob size) in front of Vulkan's blob. */
/* <user cache dir>/rectify/pipeline-cache-<deviceUUID>.bin */
char *rf_vk_pipeline_cache_path (const RfVkDeviceCaps *caps);
/* The Vulkan blob inside @data if the header matches @props exactly,
 * else NULL (foreign, stale or damaged files are ignored). */
const guint8 *rf_vk_pipeline_cache_parse (const guint8 *data, gsize len,
                                          const VkPhysicalDeviceProperties *props,
                                          gsize *blob_len);
/* Writes header + @blob to @path via a temporary file and rename. */
gboolean rf_vk_pipeline_cache_write (const char *path,
                                     const VkPhysicalDeviceProperties *props,
                                     const void *blob, gsize blob_len,
                                     GError **error);
gboolean rf_vk_pipeline_cache_open (RfVkBackend *vk, GError **error);
void rf_vk_pipeline_cache_close (RfVkBackend *vk);

/* ---- vk-command.c: batches, barriers, submission ---- */

typedef struct {
  VkCommandBuffer cmd;
  VkFence fence;
  VkDescriptorPool pool;
  VkQueryPool queries;       /* RECTIFY_VK_PROFILE only */
  GHashTable *held;          /* RfBuffer* referenced until the fence signals */
  GHashTable *hazards;       /* RfBuffer* -> RF_VK_ACCESS_* since the last barrier */
  GArray *profiled;          /* RfShaderId per timestamp pair */
  guint n_dispatches;
  gboolean recording;        /* begun, not yet submitted */
  gboolean pending;          /* submitted, fence not yet waited for */
  guint64 serial;
} RfVkFrame;

gboolean rf_vk_frames_init (RfVkBackend *vk, GError **error);
void rf_vk_frames_destroy (RfVkBackend *vk);
/* The frame being recorded, begun if needed. */
RfVkFrame *rf_vk_frame_current (RfVkBackend *vk, GError **error);
/* Keeps @buf alive for the current frame and stamps its serial. */
void rf_vk_frame_hold (RfVkBackend *vk, RfVkFrame *f, RfBuffer *buf);
/* Barrier before a transfer and after it (vkCmdCopyBuffer users). */
void rf_vk_frame_barrier_to_transfer (RfVkBackend *vk, RfVkFrame *f);
void rf_vk_frame_barrier_from_transfer (RfVkBackend *vk, RfVkFrame *f);
/* Submits the current frame (if it holds work). */
gboolean rf_vk_flush (RfVkBackend *vk, GError **error);
/* Waits until all work touching @buf completed (flushing if needed). */
gboolean rf_vk_wait_buffer (RfVkBackend *vk, RfBuffer *buf, GError **error);
/* Submits and waits for everything; reports validation messages. */
gboolean rf_vk_synchronize (RfBackend *be, GError **error);

/* ---- vk-profile.c: RECTIFY_VK_PROFILE=1 ---- */

typedef struct RfVkProfile RfVkProfile;
RfVkProfile *rf_vk_profile_new (void);
void rf_vk_profile_add (RfVkProfile *p, RfShaderId id, double ns);
/* Prints the per-shader summary to stderr and frees. */
void rf_vk_profile_report_free (RfVkProfile *p, const char *device_name);

/* ---- the backend ---- */

struct _RfVkBackend {
  RfBackend base;                 /* first: RfBackend* casts to RfVkBackend* */
  RfVkInstance *inst;
  RfVkDeviceCaps caps;
  VkDevice device;
  VkQueue queue;
  VkCommandPool cmd_pool;
  gboolean lost;                  /* sticky after VK_ERROR_DEVICE_LOST */
  gboolean direct_map;            /* tensors live in host-mapped memory */
  RfVkMemory *memory;
  RfVkPipeline pipelines[RF_SHADER_COUNT];
  VkPipelineCache pipeline_cache;
  char *pipeline_cache_path;      /* NULL: no disk cache */
  gboolean pipeline_cache_dirty;
  RfVkFrame frames[RF_VK_N_FRAMES];
  guint cur_frame;
  guint64 next_serial;            /* serial of the next frame to begin */
  guint64 completed_serial;       /* every frame <= this has completed */
  guint max_dispatches;
  RfVkAlloc staging;              /* lazily allocated, RF_VK_STAGING_SIZE */
  RfVkProfile *profile;
  double timestamp_period;        /* ns per tick */
};

static inline RfVkBackend *
rf_vk_backend (RfBackend *be)
{
  return (RfVkBackend *) be;
}

/* Parses an unsigned environment variable; @fallback when unset or bad. */
guint64 rf_vk_env_u64 (const char *name, guint64 fallback);
gboolean rf_vk_env_flag (const char *name);

G_END_DECLS
