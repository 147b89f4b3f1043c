/* vk-backend.c — the Vulkan RfBackendClass: construction, op dispatch
 * by family, teardown (reverse order of creation, device last). */
#include "vk-internal.h"
#include "vk-op-util.h"

#include <string.h>

static const char *const op_names[RF_OP_COUNT] = {
  [RF_OP_LINEAR] = "linear", [RF_OP_MATMUL] = "matmul", [RF_OP_ADD] = "add",
  [RF_OP_SUB] = "sub", [RF_OP_MUL] = "mul", [RF_OP_SCALE] = "scale",
  [RF_OP_GELU] = "gelu", [RF_OP_SILU] = "silu", [RF_OP_RELU] = "relu",
  [RF_OP_TANH] = "tanh", [RF_OP_SIGMOID] = "sigmoid", [RF_OP_LAYERNORM] = "layernorm",
  [RF_OP_RMSNORM] = "rmsnorm", [RF_OP_MODULATE] = "modulate", [RF_OP_GATED_ADD] = "gated_add",
  [RF_OP_SOFTMAX] = "softmax", [RF_OP_ROPE] = "rope", [RF_OP_ATTENTION] = "attention",
  [RF_OP_CONV2D] = "conv2d", [RF_OP_GROUPNORM] = "groupnorm",
  [RF_OP_UPSAMPLE_NEAREST2X] = "upsample_nearest2x", [RF_OP_COPY] = "copy",
  [RF_OP_TIMESTEP_EMBED] = "timestep_embedding", [RF_OP_REDUCE] = "reduce",
};

static gboolean
vk_run_op (RfBackend *be, const RfOp *op, GError **error)
{
  RfVkBackend *vk = rf_vk_backend (be);
  if (!rf_vk_check_alive (vk, error))
    return FALSE;
  switch (op->kind)
    {
    case RF_OP_ADD:
    case RF_OP_SUB:
    case RF_OP_MUL:
    case RF_OP_SCALE:
    case RF_OP_GELU:
    case RF_OP_SILU:
    case RF_OP_RELU:
    case RF_OP_TANH:
    case RF_OP_SIGMOID:
    case RF_OP_MODULATE:
    case RF_OP_GATED_ADD:
      return rf_vk_op_elementwise (vk, op, error);
    case RF_OP_COPY:
      return rf_vk_op_copy (vk, op, error);
    case RF_OP_LINEAR:
    case RF_OP_MATMUL:
    case RF_OP_CONV2D:
      return rf_vk_op_gemm (vk, op, error);
    case RF_OP_ATTENTION:
      return rf_vk_op_attention (vk, op, error);
    case RF_OP_LAYERNORM:
    case RF_OP_RMSNORM:
    case RF_OP_SOFTMAX:
    case RF_OP_REDUCE:
    case RF_OP_GROUPNORM:
      return rf_vk_op_rowwise (vk, op, error);
    case RF_OP_ROPE:
    case RF_OP_TIMESTEP_EMBED:
    case RF_OP_UPSAMPLE_NEAREST2X:
      return rf_vk_op_misc (vk, op, error);
    default:
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_UNSUPPORTED,
                   "the Vulkan backend has no %s kernel yet",
                   op->kind < RF_OP_COUNT && op_names[op->kind] ? op_names[op->kind] : "(unknown)");
      return FALSE;
    }
}

static gboolean
vk_supports_weight_dtype (const RfBackend *be, RfDType dtype)
{
  return rf_vk_gemm_supports_weight (dtype);
}

/* The largest device-local heap: its budget where VK_EXT_memory_budget
 * reports one, else 90% of its size (GIMP and the desktop need some). */
static guint64
vk_memory_budget (const RfBackend *be)
{
  const RfVkDeviceCaps *c = &rf_vk_backend ((RfBackend *) be)->caps;
  guint64 best = 0;
  for (guint32 i = 0; i < c->mem.memoryHeapCount; i++)
    {
      if (!(c->mem.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT))
        continue;
      guint64 b = c->heap_budget[i] ? c->heap_budget[i] : c->mem.memoryHeaps[i].size / 10 * 9;
      best = MAX (best, b);
    }
  return best;
}

static void
vk_destroy (RfBackend *be)
{
  RfVkBackend *vk = rf_vk_backend (be);
  if (vk->device != VK_NULL_HANDLE)
    {
      rf_vk_frames_destroy (vk);
      if (vk->staging.block != NULL)
        rf_vk_memory_release (vk, &vk->staging);
      rf_vk_pipelines_destroy (vk);
      rf_vk_pipeline_cache_close (vk);
      rf_vk_memory_free (vk, vk->memory);
      vk->memory = NULL;
      if (!vk->lost)
        vkDeviceWaitIdle (vk->device);
      vkDestroyDevice (vk->device, NULL);
    }
  rf_vk_profile_report_free (vk->profile, vk->caps.props.deviceName);
  rf_vk_instance_free (vk->inst);
  rf_backend_clear_base (&vk->base);
  g_free (vk);
}

static const RfBackendClass vk_class = {
  .name = "vulkan",
  .buffer_alloc = rf_vk_buffer_alloc,
  .buffer_release = rf_vk_buffer_release,
  .buffer_write = rf_vk_buffer_write,
  .buffer_read = rf_vk_buffer_read,
  .run_op = vk_run_op,
  .synchronize = rf_vk_synchronize,
  .supports_weight_dtype = vk_supports_weight_dtype,
  .memory_budget = vk_memory_budget,
  .destroy = vk_destroy,
};

/* Tensors may live in mapped memory where that memory is the device's
 * own (UMA: integrated GPUs, lavapipe); on discrete GPUs host-visible
 * VRAM is slow to read back and often small, so staging is used. */
static gboolean
can_map_tensors (const RfVkDeviceCaps *c)
{
  if (c->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU
      || rf_vk_env_flag ("RECTIFY_VK_FORCE_STAGING"))
    return FALSE;
  const VkMemoryPropertyFlags want = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT
    | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  for (guint32 i = 0; i < c->mem.memoryTypeCount; i++)
    if ((c->mem.memoryTypes[i].propertyFlags & want) == want)
      return TRUE;
  return FALSE;
}

RfBackend *
rf_backend_new_vulkan (const char *device_selector, GError **error)
{
  RfVkInstance *inst = rf_vk_instance_new (error);
  if (inst == NULL)
    return NULL;
  g_autoptr (GArray) caps = rf_vk_probe_devices (inst->instance, error);
  if (caps == NULL)
    {
      rf_vk_instance_free (inst);
      return NULL;
    }
  int pick = rf_vk_select_device (caps, device_selector, error);
  if (pick < 0)
    {
      rf_vk_instance_free (inst);
      return NULL;
    }

  RfVkBackend *vk = g_new0 (RfVkBackend, 1);
  vk->inst = inst;
  vk->caps = g_array_index (caps, RfVkDeviceCaps, pick);
  vk->next_serial = 1;
  vk->max_dispatches = (guint) CLAMP (rf_vk_env_u64 ("RECTIFY_VK_MAX_DISPATCHES_PER_SUBMIT",
                                                     RF_VK_DEFAULT_MAX_DISPATCHES), 1, 100000);
  if (rf_vk_env_flag ("RECTIFY_VK_PROFILE") && vk->caps.timestamp_bits > 0)
    {
      vk->profile = rf_vk_profile_new ();
      vk->timestamp_period = vk->caps.props.limits.timestampPeriod;
    }
  vk->direct_map = can_map_tensors (&vk->caps);
  rf_backend_init_base (&vk->base, &vk_class, RF_BACKEND_VULKAN,
                        g_strdup_printf ("vulkan: %s (%s)", vk->caps.props.deviceName,
                                         rf_vk_device_type_name (vk->caps.props.deviceType)));
  if (!rf_vk_device_create (vk, error)
      || (vk->memory = rf_vk_memory_new (vk, error)) == NULL
      || !rf_vk_pipeline_cache_open (vk, error)
      || !rf_vk_frames_init (vk, error)
      || !rf_vk_instance_take_messages (vk->inst, error))
    {
      g_prefix_error (error, _("cannot start Vulkan on %s: "), vk->caps.props.deviceName);
      vk_destroy (&vk->base);
      return NULL;
    }
  return &vk->base;
}
