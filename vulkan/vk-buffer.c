/* vk-buffer.c — RfBuffer on Vulkan: sub-allocated device memory and
 * host transfers.
 *
 * Where tensors live in host-visible coherent memory (integrated GPUs,
 * lavapipe) transfers are plain memcpy after waiting for the buffer's
 * pending work. Otherwise they go through one staging buffer in chunks
 * of RF_VK_STAGING_SIZE: each chunk is a copy recorded in order with the
 * ops, submitted and waited for (RECTIFY_VK_FORCE_STAGING=1 takes this
 * path on every device, so tests exercise it on lavapipe). */
#include "vk-internal.h"

#include <string.h>

gboolean
rf_vk_buffer_alloc (RfBackend *be, RfBuffer *buf, GError **error)
{
  RfVkBackend *vk = rf_vk_backend (be);
  RfVkBuf *vb = g_new0 (RfVkBuf, 1);
  if (!rf_vk_memory_alloc (vk, RF_VK_POOL_DEVICE, buf->size, &vb->alloc, error))
    {
      g_free (vb);
      return FALSE;
    }
  buf->impl = vb;
  return TRUE;
}

void
rf_vk_buffer_release (RfBackend *be, RfBuffer *buf)
{
  RfVkBuf *vb = buf->impl;
  if (vb == NULL)
    return;
  rf_vk_memory_release (rf_vk_backend (be), &vb->alloc);
  g_free (vb);
  buf->impl = NULL;
}

static gboolean
check_range (RfBuffer *buf, guint64 offset, guint64 n, GError **error)
{
  if (offset <= buf->size && n <= buf->size - offset)
    return TRUE;
  g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_INVALID,
               "transfer of %" G_GUINT64_FORMAT " bytes at %" G_GUINT64_FORMAT
               " is outside a buffer of %" G_GUINT64_FORMAT " bytes", n, offset, buf->size);
  return FALSE;
}

static gboolean
ensure_staging (RfVkBackend *vk, GError **error)
{
  if (vk->staging.block != NULL)
    return TRUE;
  return rf_vk_memory_alloc (vk, RF_VK_POOL_STAGING, RF_VK_STAGING_SIZE, &vk->staging, error);
}

/* Records a copy between @buf and the staging buffer, then submits and
 * waits for it. @to_device: staging → buffer. */
static gboolean
staged_copy (RfVkBackend *vk, RfBuffer *buf, guint64 offset, guint64 n,
             gboolean to_device, GError **error)
{
  RfVkBuf *vb = buf->impl;
  RfVkFrame *f = rf_vk_frame_current (vk, error);
  if (f == NULL)
    return FALSE;
  const VkBufferCopy region = {
    .srcOffset = to_device ? vk->staging.offset : vb->alloc.offset + offset,
    .dstOffset = to_device ? vb->alloc.offset + offset : vk->staging.offset,
    .size = n,
  };
  VkBuffer staging = vk->staging.block->buffer, dev = vb->alloc.block->buffer;
  rf_vk_frame_barrier_to_transfer (vk, f);
  vkCmdCopyBuffer (f->cmd, to_device ? staging : dev, to_device ? dev : staging, 1, &region);
  rf_vk_frame_barrier_from_transfer (vk, f);
  rf_vk_frame_hold (vk, f, buf);
  return rf_vk_wait_buffer (vk, buf, error);
}

gboolean
rf_vk_buffer_write (RfBackend *be, RfBuffer *buf, guint64 offset, const void *src,
                    guint64 n, GError **error)
{
  RfVkBackend *vk = rf_vk_backend (be);
  RfVkBuf *vb = buf->impl;
  if (!rf_vk_check_alive (vk, error) || !check_range (buf, offset, n, error))
    return FALSE;
  if (n == 0)
    return TRUE;
  if (vb->alloc.block->mapped != NULL)
    {
      /* earlier recorded ops may still read or write the old contents */
      if (!rf_vk_wait_buffer (vk, buf, error))
        return FALSE;
      memcpy (vb->alloc.block->mapped + vb->alloc.offset + offset, src, n);
      return TRUE;
    }
  if (!ensure_staging (vk, error))
    return FALSE;
  const guint8 *p = src;
  for (guint64 done = 0; done < n;)
    {
      guint64 chunk = MIN (n - done, vk->staging.size);
      memcpy (vk->staging.block->mapped + vk->staging.offset, p + done, chunk);
      if (!staged_copy (vk, buf, offset + done, chunk, TRUE, error))
        return FALSE;
      done += chunk;
    }
  return TRUE;
}

gboolean
rf_vk_buffer_read (RfBackend *be, RfBuffer *buf, guint64 offset, void *dst, guint64 n,
                   GError **error)
{
  RfVkBackend *vk = rf_vk_backend (be);
  RfVkBuf *vb = buf->impl;
  if (!rf_vk_check_alive (vk, error) || !check_range (buf, offset, n, error))
    return FALSE;
  if (n > 0 && vb->alloc.block->mapped != NULL)
    {
      if (!rf_vk_wait_buffer (vk, buf, error))
        return FALSE;
      memcpy (dst, vb->alloc.block->mapped + vb->alloc.offset + offset, n);
    }
  else if (n > 0)
    {
      if (!ensure_staging (vk, error))
        return FALSE;
      guint8 *p = dst;
      for (guint64 done = 0; done < n;)
        {
          guint64 chunk = MIN (n - done, vk->staging.size);
          if (!staged_copy (vk, buf, offset + done, chunk, FALSE, error))
            return FALSE;
          memcpy (p + done, vk->staging.block->mapped + vk->staging.offset, chunk);
          done += chunk;
        }
    }
  /* validation messages from the work that produced the data */
  return rf_vk_instance_take_messages (vk->inst, error);
}
