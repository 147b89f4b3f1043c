/* vk-memory.c — the sub-allocator.
 *
 * Each pool owns blocks of one VkDeviceMemory with one VkBuffer over the
 * whole block; a tensor buffer is a range of a block (first fit over a
 * sorted, coalesced free list), so binding it is (block buffer, offset)
 * and no per-tensor Vulkan objects exist. Requests larger than a block
 * get a dedicated block of their own. Ranges start at multiples of
 * RF_VK_MIN_ALIGN (or minStorageBufferOffsetAlignment if larger), so
 * every tensor buffer start is a valid binding offset. At most one
 * empty regular block per pool is kept for reuse; others are freed. */
#include "vk-internal.h"

#include <string.h>

typedef struct {
  guint64 offset, size;
} RfVkRange;

typedef struct {
  GPtrArray *blocks;     /* RfVkBlock* */
  guint64 block_size;
  guint64 align;
  gboolean mapped;
} RfVkPoolState;

struct RfVkMemory {
  RfVkPoolState pools[RF_VK_POOL_COUNT];
};

#define MIB(x) ((double) (x) / (1024.0 * 1024.0))

static guint64
round_up (guint64 v, guint64 a)
{
  return (v + a - 1) / a * a;
}

static int
find_type (const RfVkDeviceCaps *c, guint32 bits, VkMemoryPropertyFlags need,
           VkMemoryPropertyFlags prefer)
{
  int found = -1;
  for (guint32 i = 0; i < c->mem.memoryTypeCount; i++)
    {
      VkMemoryPropertyFlags f = c->mem.memoryTypes[i].propertyFlags;
      if (!(bits & (1u << i)) || (f & need) != need)
        continue;
      if ((f & prefer) == prefer)
        return (int) i;
      if (found < 0)
        found = (int) i;
    }
  return found;
}

static void
block_destroy (RfVkBackend *vk, RfVkBlock *b)
{
  if (b == NULL)
    return;
  if (b->mapped != NULL && !vk->lost)
    vkUnmapMemory (vk->device, b->memory);
  if (b->buffer != VK_NULL_HANDLE)
    vkDestroyBuffer (vk->device, b->buffer, NULL);
  if (b->memory != VK_NULL_HANDLE)
    vkFreeMemory (vk->device, b->memory, NULL);
  if (b->free_ranges)
    g_array_unref (b->free_ranges);
  g_free (b);
}

static gboolean
fail_oom (RfVkBackend *vk, guint64 size, int heap, const char *why, GError **error)
{
  const RfVkDeviceCaps *c = &vk->caps;
  g_autofree char *heap_text = NULL;
  if (heap >= 0)
    heap_text = c->heap_budget[heap]
      ? g_strdup_printf (_("heap %d: %.0f MiB, budget %.0f MiB, in use %.0f MiB"), heap,
                         MIB (c->mem.memoryHeaps[heap].size), MIB (c->heap_budget[heap]),
                         MIB (c->heap_usage[heap]))
      : g_strdup_printf (_("heap %d: %.0f MiB"), heap, MIB (c->mem.memoryHeaps[heap].size));
  RfVkMemoryStats st;
  rf_vk_memory_stats (vk, RF_VK_POOL_DEVICE, &st);
  g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_OUT_OF_MEMORY,
               _("out of GPU memory on %s: cannot allocate %.1f MiB (%s; %s; rectify holds "
                 "%.0f MiB of tensors in %.0f MiB of blocks)"),
               c->props.deviceName, MIB (size), why, heap_text ? heap_text : _("no heap"),
               MIB (st.used_bytes), MIB (st.block_bytes));
  return FALSE;
}

static RfVkBlock *
block_new (RfVkBackend *vk, RfVkPool pool, guint64 size, GError **error)
{
  RfVkPoolState *ps = &vk->memory->pools[pool];
  const RfVkDeviceCaps *c = &vk->caps;
  RfVkBlock *b = g_new0 (RfVkBlock, 1);
  b->size = size;
  b->pool = pool;
  const VkBufferCreateInfo binfo = {
    .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
    .size = size,
    .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT
             | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
    .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
  };
  if (!RF_VK_CHECK (vk, vkCreateBuffer (vk->device, &binfo, NULL, &b->buffer), error))
    goto fail;
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements (vk->device, b->buffer, &req);

  VkMemoryPropertyFlags need, prefer;
  if (pool == RF_VK_POOL_STAGING)
    {
      need = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
      prefer = need | VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
    }
  else if (ps->mapped)
    need = prefer = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT
                    | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  else
    need = prefer = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  int type = find_type (c, req.memoryTypeBits, need, prefer);
  if (type < 0 && pool == RF_VK_POOL_DEVICE && !ps->mapped)
    type = find_type (c, req.memoryTypeBits, 0, 0);
  if (type < 0)
    {
      g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_FAILED,
                   _("%s has no suitable memory type for %s buffers"), c->props.deviceName,
                   pool == RF_VK_POOL_STAGING ? "staging" : "tensor");
      goto fail;
    }
  int heap = (int) c->mem.memoryTypes[type].heapIndex;
  if (req.size > c->mem.memoryHeaps[heap].size)
    {
      fail_oom (vk, size, heap, _("larger than the whole memory heap"), error);
      goto fail;
    }
  const VkMemoryAllocateInfo ainfo = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
    .allocationSize = req.size,
    .memoryTypeIndex = (guint32) type,
  };
  VkResult r = vkAllocateMemory (vk->device, &ainfo, NULL, &b->memory);
  if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
    {
      b->memory = VK_NULL_HANDLE;
      fail_oom (vk, size, heap, rf_vk_result_name (r), error);
      goto fail;
    }
  if (!rf_vk_check_result (vk, r, "vkAllocateMemory", __FILE__, __LINE__, error))
    {
      b->memory = VK_NULL_HANDLE;
      goto fail;
    }
  if (!RF_VK_CHECK (vk, vkBindBufferMemory (vk->device, b->buffer, b->memory, 0), error))
    goto fail;
  if (ps->mapped || pool == RF_VK_POOL_STAGING)
    {
      void *p = NULL;
      if (!RF_VK_CHECK (vk, vkMapMemory (vk->device, b->memory, 0, VK_WHOLE_SIZE, 0, &p), error))
        goto fail;
      b->mapped = p;
    }
  b->free_ranges = g_array_new (FALSE, FALSE, sizeof (RfVkRange));
  RfVkRange all = { 0, size };
  g_array_append_val (b->free_ranges, all);
  return b;

fail:
  block_destroy (vk, b);
  return NULL;
}

RfVkMemory *
rf_vk_memory_new (RfVkBackend *vk, GError **error)
{
  const RfVkDeviceCaps *c = &vk->caps;
  RfVkMemory *m = g_new0 (RfVkMemory, 1);
  guint64 block = RF_VK_BLOCK_SIZE;
  if (c->max_allocation)
    block = MIN (block, c->max_allocation);
  if (c->max_buffer_size)
    block = MIN (block, c->max_buffer_size);
  guint64 align = MAX (RF_VK_MIN_ALIGN, c->props.limits.minStorageBufferOffsetAlignment);
  align = MAX (align, c->props.limits.nonCoherentAtomSize);
  for (int p = 0; p < RF_VK_POOL_COUNT; p++)
    {
      m->pools[p].blocks = g_ptr_array_new ();
      m->pools[p].block_size = block / align * align;
      m->pools[p].align = align;
    }
  /* staging needs one RF_VK_STAGING_SIZE range, not a tensor block */
  m->pools[RF_VK_POOL_STAGING].block_size = MIN (m->pools[RF_VK_POOL_STAGING].block_size,
                                                 RF_VK_STAGING_SIZE);
  m->pools[RF_VK_POOL_DEVICE].mapped = vk->direct_map;
  m->pools[RF_VK_POOL_STAGING].mapped = TRUE;
  return m;
}

void
rf_vk_memory_free (RfVkBackend *vk, RfVkMemory *m)
{
  if (m == NULL)
    return;
  for (int p = 0; p < RF_VK_POOL_COUNT; p++)
    {
      for (guint i = 0; i < m->pools[p].blocks->len; i++)
        block_destroy (vk, g_ptr_array_index (m->pools[p].blocks, i));
      g_ptr_array_unref (m->pools[p].blocks);
    }
  g_free (m);
}

static gboolean
take_range (RfVkBlock *b, guint64 size, guint64 *offset)
{
  for (guint i = 0; i < b->free_ranges->len; i++)
    {
      RfVkRange *r = &g_array_index (b->free_ranges, RfVkRange, i);
      if (r->size < size)
        continue;
      *offset = r->offset;
      r->offset += size;
      r->size -= size;
      if (r->size == 0)
        g_array_remove_index (b->free_ranges, i);
      b->used += size;
      return TRUE;
    }
  return FALSE;
}

gboolean
rf_vk_memory_alloc (RfVkBackend *vk, RfVkPool pool, guint64 size, RfVkAlloc *out,
                    GError **error)
{
  RfVkPoolState *ps = &vk->memory->pools[pool];
  const RfVkDeviceCaps *c = &vk->caps;
  memset (out, 0, sizeof *out);
  if (!rf_vk_check_alive (vk, error))
    return FALSE;
  if (size > G_MAXUINT64 / 2)
    return fail_oom (vk, size, -1, _("absurd size"), error);
  guint64 aligned = round_up (MAX (size, 1), ps->align);

  if (aligned > ps->block_size)
    {
      /* one dedicated block, within the device's per-allocation limits */
      guint64 limit = c->max_allocation ? c->max_allocation : G_MAXUINT64;
      if (c->max_buffer_size)
        limit = MIN (limit, c->max_buffer_size);
      if (aligned > limit)
        {
          g_autofree char *why = g_strdup_printf (
            _("more than the largest single allocation of %.0f MiB the device allows"),
            MIB (limit));
          return fail_oom (vk, size, -1, why, error);
        }
      RfVkBlock *b = block_new (vk, pool, aligned, error);
      if (b == NULL)
        return FALSE;
      b->dedicated = TRUE;
      b->used = aligned;
      g_array_set_size (b->free_ranges, 0);
      g_ptr_array_add (ps->blocks, b);
      *out = (RfVkAlloc) { b, 0, aligned };
      return TRUE;
    }

  for (guint i = 0; i < ps->blocks->len; i++)
    {
      RfVkBlock *b = g_ptr_array_index (ps->blocks, i);
      guint64 off;
      if (!b->dedicated && take_range (b, aligned, &off))
        {
          *out = (RfVkAlloc) { b, off, aligned };
          return TRUE;
        }
    }
  RfVkBlock *b = block_new (vk, pool, ps->block_size, error);
  if (b == NULL)
    return FALSE;
  g_ptr_array_add (ps->blocks, b);
  guint64 off = 0;
  take_range (b, aligned, &off);
  *out = (RfVkAlloc) { b, off, aligned };
  return TRUE;
}

static void
give_range (RfVkBlock *b, guint64 offset, guint64 size)
{
  GArray *fr = b->free_ranges;
  guint i = 0;
  while (i < fr->len && g_array_index (fr, RfVkRange, i).offset < offset)
    i++;
  RfVkRange r = { offset, size };
  g_array_insert_val (fr, i, r);
  /* merge with the next, then with the previous neighbour */
  if (i + 1 < fr->len)
    {
      RfVkRange *a = &g_array_index (fr, RfVkRange, i), *n = a + 1;
      if (a->offset + a->size == n->offset)
        {
          a->size += n->size;
          g_array_remove_index (fr, i + 1);
        }
    }
  if (i > 0)
    {
      RfVkRange *p = &g_array_index (fr, RfVkRange, i - 1), *a = p + 1;
      if (p->offset + p->size == a->offset)
        {
          p->size += a->size;
          g_array_remove_index (fr, i);
        }
    }
  b->used -= size;
}

void
rf_vk_memory_release (RfVkBackend *vk, RfVkAlloc *a)
{
  RfVkBlock *b = a->block;
  if (b == NULL)
    return;
  RfVkPoolState *ps = &vk->memory->pools[b->pool];
  if (b->dedicated)
    {
      g_ptr_array_remove (ps->blocks, b);
      block_destroy (vk, b);
    }
  else
    {
      give_range (b, a->offset, a->size);
      if (b->used == 0)
        {
          /* keep one empty block as a spare, free any other */
          for (guint i = 0; i < ps->blocks->len; i++)
            {
              RfVkBlock *o = g_ptr_array_index (ps->blocks, i);
              if (o != b && !o->dedicated && o->used == 0)
                {
                  g_ptr_array_remove (ps->blocks, b);
                  block_destroy (vk, b);
                  break;
                }
            }
        }
    }
  memset (a, 0, sizeof *a);
}

void
rf_vk_memory_stats (RfVkBackend *vk, RfVkPool pool, RfVkMemoryStats *out)
{
  memset (out, 0, sizeof *out);
  if (vk->memory == NULL)
    return;
  RfVkPoolState *ps = &vk->memory->pools[pool];
  out->block_size = ps->block_size;
  out->mapped = ps->mapped;
  for (guint i = 0; i < ps->blocks->len; i++)
    {
      RfVkBlock *b = g_ptr_array_index (ps->blocks, i);
      out->n_blocks++;
      out->block_bytes += b->size;
      out->used_bytes += b->used;
    }
}
