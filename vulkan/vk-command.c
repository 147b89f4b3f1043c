/* vk-command.c — recording, barriers and bounded submission.
 *
 * Work is recorded into one of RF_VK_N_FRAMES command buffers ("frames")
 * used round-robin: while one executes, the next is recorded. A frame is
 * submitted when it holds max_dispatches dispatches (so no single submit
 * runs long enough to trip a driver watchdog), when a read needs its
 * results, or on synchronize. Each frame references every RfBuffer its
 * commands touch until its fence signals.
 *
 * Barriers: within a frame, a dispatch that reads a buffer written since
 * the last barrier, or writes a buffer touched since then, gets a
 * compute→compute memory barrier (shader write → shader read/write; no
 * full pipeline barriers). Each frame starts with one barrier covering
 * work from earlier submissions and ends with one making writes visible
 * to the host. */
#include "vk-internal.h"

#include <string.h>

enum { ACCESS_READ = 1, ACCESS_WRITE = 2 };

static void
memory_barrier (RfVkFrame *f, VkPipelineStageFlags src_stage, VkAccessFlags src,
                VkPipelineStageFlags dst_stage, VkAccessFlags dst)
{
  const VkMemoryBarrier mb = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
    .srcAccessMask = src,
    .dstAccessMask = dst,
  };
  vkCmdPipelineBarrier (f->cmd, src_stage, dst_stage, 0, 1, &mb, 0, NULL, 0, NULL);
}

#define STAGES_GPU (VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT)
#define ACCESS_GPU_WRITE (VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT)
#define ACCESS_GPU_ALL (VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT \
                        | VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT)

gboolean
rf_vk_frames_init (RfVkBackend *vk, GError **error)
{
  const VkCommandPoolCreateInfo cpi = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
    .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
    .queueFamilyIndex = vk->caps.queue_family,
  };
  if (!RF_VK_CHECK (vk, vkCreateCommandPool (vk->device, &cpi, NULL, &vk->cmd_pool), error))
    return FALSE;
  for (int i = 0; i < RF_VK_N_FRAMES; i++)
    {
      RfVkFrame *f = &vk->frames[i];
      f->held = g_hash_table_new (NULL, NULL);
      f->hazards = g_hash_table_new (NULL, NULL);
      f->profiled = g_array_new (FALSE, FALSE, sizeof (RfShaderId));
      const VkCommandBufferAllocateInfo cai = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = vk->cmd_pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
      };
      const VkFenceCreateInfo fci = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
      const VkDescriptorPoolSize size = {
        .type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
        .descriptorCount = vk->max_dispatches * RF_VK_MAX_BINDINGS,
      };
      const VkDescriptorPoolCreateInfo dpi = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
        .maxSets = vk->max_dispatches,
        .poolSizeCount = 1,
        .pPoolSizes = &size,
      };
      if (!RF_VK_CHECK (vk, vkAllocateCommandBuffers (vk->device, &cai, &f->cmd), error)
          || !RF_VK_CHECK (vk, vkCreateFence (vk->device, &fci, NULL, &f->fence), error)
          || !RF_VK_CHECK (vk, vkCreateDescriptorPool (vk->device, &dpi, NULL, &f->pool), error))
        return FALSE;
      if (vk->profile != NULL)
        {
          const VkQueryPoolCreateInfo qpi = {
            .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
            .queryType = VK_QUERY_TYPE_TIMESTAMP,
            .queryCount = 2 * vk->max_dispatches,
          };
          if (!RF_VK_CHECK (vk, vkCreateQueryPool (vk->device, &qpi, NULL, &f->queries), error))
            return FALSE;
        }
    }
  return TRUE;
}

static void
release_held (RfVkFrame *f)
{
  GHashTableIter it;
  gpointer key;
  /* unref after clearing: a release may re-enter the allocator only */
  g_autoptr (GPtrArray) bufs = g_ptr_array_new ();
  g_hash_table_iter_init (&it, f->held);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (bufs, key);
  g_hash_table_remove_all (f->held);
  for (guint i = 0; i < bufs->len; i++)
    rf_buffer_unref (g_ptr_array_index (bufs, i));
}

static void
read_profile (RfVkBackend *vk, RfVkFrame *f)
{
  guint n = f->profiled->len;
  if (vk->profile == NULL || n == 0)
    return;
  g_autofree guint64 *ts = g_new0 (guint64, 2 * n);
  VkResult r = vkGetQueryPoolResults (vk->device, f->queries, 0, 2 * n, 2 * n * sizeof (guint64),
                                      ts, sizeof (guint64),
                                      VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
  if (r == VK_SUCCESS)
    {
      guint64 mask = vk->caps.timestamp_bits >= 64 ? G_MAXUINT64
                                                    : (G_GUINT64_CONSTANT (1) << vk->caps.timestamp_bits) - 1;
      for (guint i = 0; i < n; i++)
        {
          guint64 ticks = (ts[2 * i + 1] - ts[2 * i]) & mask;
          rf_vk_profile_add (vk->profile, g_array_index (f->profiled, RfShaderId, i),
                             (double) ticks * vk->timestamp_period);
        }
    }
  g_array_set_size (f->profiled, 0);
}

/* Waits for @f's fence; frees what it held. */
static gboolean
frame_complete (RfVkBackend *vk, RfVkFrame *f, GError **error)
{
  if (!f->pending)
    return TRUE;
  gboolean ok = RF_VK_CHECK (vk, vkWaitForFences (vk->device, 1, &f->fence, VK_TRUE, G_MAXUINT64),
                             error);
  if (ok)
    {
      read_profile (vk, f);
      ok = RF_VK_CHECK (vk, vkResetFences (vk->device, 1, &f->fence), error);
    }
  /* after a failure nothing will complete: drop the references anyway */
  f->pending = FALSE;
  vk->completed_serial = MAX (vk->completed_serial, f->serial);
  release_held (f);
  return ok;
}

/* Completes every submitted frame with serial <= @serial, oldest first. */
static gboolean
complete_up_to (RfVkBackend *vk, guint64 serial, GError **error)
{
  for (;;)
    {
      RfVkFrame *oldest = NULL;
      for (int i = 0; i < RF_VK_N_FRAMES; i++)
        {
          RfVkFrame *f = &vk->frames[i];
          if (f->pending && f->serial <= serial && (oldest == NULL || f->serial < oldest->serial))
            oldest = f;
        }
      if (oldest == NULL)
        return TRUE;
      if (!frame_complete (vk, oldest, error))
        return FALSE;
    }
}

RfVkFrame *
rf_vk_frame_current (RfVkBackend *vk, GError **error)
{
  if (!rf_vk_check_alive (vk, error))
    return NULL;
  RfVkFrame *f = &vk->frames[vk->cur_frame];
  if (f->recording)
    return f;
  if (!complete_up_to (vk, f->serial, error)
      || !RF_VK_CHECK (vk, vkResetDescriptorPool (vk->device, f->pool, 0), error))
    return NULL;
  const VkCommandBufferBeginInfo bi = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
    .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
  };
  if (!RF_VK_CHECK (vk, vkBeginCommandBuffer (f->cmd, &bi), error))
    return NULL;
  f->serial = vk->next_serial++;
  f->recording = TRUE;
  f->n_dispatches = 0;
  g_hash_table_remove_all (f->hazards);
  if (f->queries != VK_NULL_HANDLE)
    vkCmdResetQueryPool (f->cmd, f->queries, 0, 2 * vk->max_dispatches);
  /* orders this frame after everything submitted before it */
  memory_barrier (f, STAGES_GPU, ACCESS_GPU_WRITE, STAGES_GPU, ACCESS_GPU_ALL);
  return f;
}

void
rf_vk_frame_hold (RfVkBackend *vk, RfVkFrame *f, RfBuffer *buf)
{
  if (!g_hash_table_contains (f->held, buf))
    g_hash_table_add (f->held, rf_buffer_ref (buf));
  ((RfVkBuf *) buf->impl)->last_serial = f->serial;
}

void
rf_vk_frame_barrier_to_transfer (RfVkBackend *vk, RfVkFrame *f)
{
  memory_barrier (f, STAGES_GPU, ACCESS_GPU_WRITE, VK_PIPELINE_STAGE_TRANSFER_BIT,
                  VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT);
}

void
rf_vk_frame_barrier_from_transfer (RfVkBackend *vk, RfVkFrame *f)
{
  memory_barrier (f, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                  STAGES_GPU, ACCESS_GPU_ALL);
  g_hash_table_remove_all (f->hazards);
}

gboolean
rf_vk_flush (RfVkBackend *vk, GError **error)
{
  if (!rf_vk_check_alive (vk, error))
    return FALSE;
  RfVkFrame *f = &vk->frames[vk->cur_frame];
  if (!f->recording)
    return TRUE;
  /* device writes become visible to host reads of mapped memory */
  memory_barrier (f, STAGES_GPU, ACCESS_GPU_WRITE, VK_PIPELINE_STAGE_HOST_BIT,
                  VK_ACCESS_HOST_READ_BIT);
  f->recording = FALSE;
  if (!RF_VK_CHECK (vk, vkEndCommandBuffer (f->cmd), error))
    {
      release_held (f);
      return FALSE;
    }
  const VkSubmitInfo si = {
    .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
    .commandBufferCount = 1,
    .pCommandBuffers = &f->cmd,
  };
  if (!RF_VK_CHECK (vk, vkQueueSubmit (vk->queue, 1, &si, f->fence), error))
    {
      release_held (f);
      return FALSE;
    }
  f->pending = TRUE;
  vk->cur_frame = (vk->cur_frame + 1) % RF_VK_N_FRAMES;
  return TRUE;
}

gboolean
rf_vk_wait_buffer (RfVkBackend *vk, RfBuffer *buf, GError **error)
{
  if (!rf_vk_check_alive (vk, error))
    return FALSE;
  guint64 serial = ((RfVkBuf *) buf->impl)->last_serial;
  if (serial <= vk->completed_serial)
    return TRUE;
  RfVkFrame *f = &vk->frames[vk->cur_frame];
  if (f->recording && f->serial <= serial && !rf_vk_flush (vk, error))
    return FALSE;
  return complete_up_to (vk, serial, error);
}

gboolean
rf_vk_synchronize (RfBackend *be, GError **error)
{
  RfVkBackend *vk = rf_vk_backend (be);
  if (!rf_vk_flush (vk, error) || !complete_up_to (vk, G_MAXUINT64, error))
    return FALSE;
  return rf_vk_instance_take_messages (vk->inst, error);
}

void
rf_vk_frames_destroy (RfVkBackend *vk)
{
  for (int i = 0; i < RF_VK_N_FRAMES; i++)
    {
      RfVkFrame *f = &vk->frames[i];
      if (f->held == NULL)
        continue;
      if (f->recording)
        {
          vkEndCommandBuffer (f->cmd);
          f->recording = FALSE;
        }
      if (f->pending && !vk->lost)
        vkWaitForFences (vk->device, 1, &f->fence, VK_TRUE, G_MAXUINT64);
      f->pending = FALSE;
      if (!vk->lost)
        read_profile (vk, f);
      release_held (f);
      g_hash_table_unref (f->held);
      g_hash_table_unref (f->hazards);
      g_array_unref (f->profiled);
      if (f->queries != VK_NULL_HANDLE)
        vkDestroyQueryPool (vk->device, f->queries, NULL);
      if (f->pool != VK_NULL_HANDLE)
        vkDestroyDescriptorPool (vk->device, f->pool, NULL);
      if (f->fence != VK_NULL_HANDLE)
        vkDestroyFence (vk->device, f->fence, NULL);
      memset (f, 0, sizeof *f);
    }
  if (vk->cmd_pool != VK_NULL_HANDLE)
    vkDestroyCommandPool (vk->device, vk->cmd_pool, NULL);
  vk->cmd_pool = VK_NULL_HANDLE;
}

/* ---- dispatch ---- */

static gboolean
check_binding (RfVkBackend *vk, const RfVkBinding *b, guint i, GError **error)
{
  const RfVkBuf *vb = b->buffer ? b->buffer->impl : NULL;
  if (vb == NULL || b->buffer->backend != &vk->base || b->range == 0
      || b->offset % rf_vk_binding_alignment (vk) != 0
      || b->range > rf_vk_max_binding_range (vk)
      || b->offset > vb->alloc.size || b->range > vb->alloc.size - b->offset)
    {
      g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_FAILED,
                   "binding %u (offset %" G_GUINT64_FORMAT ", range %" G_GUINT64_FORMAT
                   ") is not a valid range of a Vulkan buffer", i, b->offset, b->range);
      return FALSE;
    }
  return TRUE;
}

gboolean
rf_vk_dispatch (RfVkBackend *vk, RfShaderId id, const RfVkBinding *b, guint n,
                const void *push, gsize push_size, guint32 gx, guint32 gy, guint32 gz,
                GError **error)
{
  g_return_val_if_fail (id < RF_SHADER_COUNT && n <= RF_VK_MAX_BINDINGS, FALSE);
  g_return_val_if_fail (push_size % 4 == 0 && (push != NULL || push_size == 0), FALSE);
  if (!rf_vk_check_alive (vk, error))
    return FALSE;
  const guint32 *max = vk->caps.props.limits.maxComputeWorkGroupCount;
  if (gx > max[0] || gy > max[1] || gz > max[2] || push_size > vk->caps.props.limits.maxPushConstantsSize)
    {
      g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_FAILED,
                   "%s: dispatch %u×%u×%u or %zu push bytes exceed the device limits",
                   rf_shader_table[id].name, gx, gy, gz, (size_t) push_size);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    if (!check_binding (vk, &b[i], i, error))
      return FALSE;
  if ((guint64) gx * gy * gz == 0)
    return TRUE;
  const RfVkPipeline *p = rf_vk_pipeline_get (vk, id, n, (guint32) push_size, error);
  if (p == NULL)
    return FALSE;
  RfVkFrame *f = rf_vk_frame_current (vk, error);
  if (f != NULL && f->n_dispatches >= vk->max_dispatches)
    f = rf_vk_flush (vk, error) ? rf_vk_frame_current (vk, error) : NULL;
  if (f == NULL)
    return FALSE;

  VkDescriptorSet set;
  const VkDescriptorSetAllocateInfo dai = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
    .descriptorPool = f->pool,
    .descriptorSetCount = 1,
    .pSetLayouts = &p->set_layout,
  };
  if (!RF_VK_CHECK (vk, vkAllocateDescriptorSets (vk->device, &dai, &set), error))
    return FALSE;
  VkDescriptorBufferInfo infos[RF_VK_MAX_BINDINGS];
  VkWriteDescriptorSet writes[RF_VK_MAX_BINDINGS];
  gboolean need_barrier = FALSE;
  for (guint i = 0; i < n; i++)
    {
      const RfVkBuf *vb = b[i].buffer->impl;
      infos[i] = (VkDescriptorBufferInfo) {
        .buffer = vb->alloc.block->buffer,
        .offset = vb->alloc.offset + b[i].offset,
        .range = b[i].range,
      };
      writes[i] = (VkWriteDescriptorSet) {
        .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
        .dstSet = set,
        .dstBinding = i,
        .descriptorCount = 1,
        .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
        .pBufferInfo = &infos[i],
      };
      guint seen = GPOINTER_TO_UINT (g_hash_table_lookup (f->hazards, b[i].buffer));
      if (b[i].write ? seen != 0 : (seen & ACCESS_WRITE) != 0)
        need_barrier = TRUE;
    }
  vkUpdateDescriptorSets (vk->device, n, writes, 0, NULL);

  if (need_barrier)
    {
      memory_barrier (f, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
      g_hash_table_remove_all (f->hazards);
    }
  for (guint i = 0; i < n; i++)
    {
      guint seen = GPOINTER_TO_UINT (g_hash_table_lookup (f->hazards, b[i].buffer));
      seen |= b[i].write ? ACCESS_WRITE : ACCESS_READ;
      g_hash_table_insert (f->hazards, b[i].buffer, GUINT_TO_POINTER (seen));
      rf_vk_frame_hold (vk, f, b[i].buffer);
    }

  vkCmdBindPipeline (f->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->pipeline);
  vkCmdBindDescriptorSets (f->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, 1, &set, 0, NULL);
  if (push_size)
    vkCmdPushConstants (f->cmd, p->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, (guint32) push_size, push);
  guint q = f->profiled->len;
  if (f->queries != VK_NULL_HANDLE)
    vkCmdWriteTimestamp (f->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, f->queries, 2 * q);
  vkCmdDispatch (f->cmd, gx, gy, gz);
  if (f->queries != VK_NULL_HANDLE)
    {
      vkCmdWriteTimestamp (f->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, f->queries, 2 * q + 1);
      g_array_append_val (f->profiled, id);
    }
  f->n_dispatches++;
  return TRUE;
}

guint32
rf_vk_groups_1d (RfVkBackend *vk, guint64 n, guint32 local)
{
  guint64 groups = (n + local - 1) / local;
  return (guint32) MIN (groups, (guint64) vk->caps.props.limits.maxComputeWorkGroupCount[0]);
}
