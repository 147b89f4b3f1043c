/* vk-split.c — fitting op operands into storage-buffer bindings.
 *
 * A binding may start only at a multiple of minStorageBufferOffsetAlignment
 * and cover at most maxStorageBufferRange bytes (128 MiB on older
 * lavapipe; a FLUX MLP weight in f32 is 144 MiB). rf_vk_bind_range()
 * turns a byte range into a legal binding plus an element offset;
 * rf_vk_for_each_box() cuts a 4-D index space into boxes whose operands
 * each fit one binding, halving along the dimension that contributes
 * most to the offending span until everything fits. */
#include "vk-internal.h"

#include <string.h>

guint64
rf_vk_max_binding_range (RfVkBackend *vk)
{
  /* a multiple of 4: shaders address 32-bit words */
  return vk->caps.max_binding_range & ~(guint64) 3;
}

guint64
rf_vk_binding_alignment (RfVkBackend *vk)
{
  return MAX ((guint64) 16, vk->caps.props.limits.minStorageBufferOffsetAlignment);
}

gboolean
rf_vk_has_storage16 (RfVkBackend *vk)
{
  return vk->caps.storage16;
}

gboolean
rf_vk_has_float16 (RfVkBackend *vk)
{
  return vk->caps.fp16;
}

/* The binding [start, start + range) for bytes [lo, hi) of @buf. */
static void
binding_span (RfVkBackend *vk, const RfBuffer *buf, guint64 lo, guint64 hi,
              guint64 *start, guint64 *range)
{
  guint64 align = rf_vk_binding_alignment (vk);
  const RfVkBuf *vb = buf->impl;
  *start = lo / align * align;
  /* whole words, never past the sub-allocation (a multiple of 256) */
  guint64 end = MIN ((hi + 3) & ~(guint64) 3, vb->alloc.size);
  *range = end - *start;
}

gboolean
rf_vk_bind_range (RfVkBackend *vk, RfBuffer *buf, guint64 offset, guint64 len,
                  guint32 elem_size, gboolean write, RfVkBinding *out,
                  guint32 *first_elem, GError **error)
{
  g_return_val_if_fail (elem_size > 0 && buf->backend == &vk->base, FALSE);
  guint64 start, range;
  if (offset > buf->size || len > buf->size - offset)
    {
      g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_FAILED,
                   "range [%" G_GUINT64_FORMAT ", +%" G_GUINT64_FORMAT ") is outside its buffer",
                   offset, len);
      return FALSE;
    }
  binding_span (vk, buf, offset, offset + MAX (len, 1), &start, &range);
  if (range > rf_vk_max_binding_range (vk) || (offset - start) % elem_size != 0)
    {
      g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_FAILED,
                   "%" G_GUINT64_FORMAT " bytes at offset %" G_GUINT64_FORMAT
                   " cannot be bound at once (limit %" G_GUINT64_FORMAT
                   " bytes, element size %u); the op must split it", len, offset,
                   rf_vk_max_binding_range (vk), elem_size);
      return FALSE;
    }
  *out = (RfVkBinding) { buf, start, range, write };
  if (first_elem != NULL)
    *first_elem = (guint32) ((offset - start) / elem_size);
  return TRUE;
}

void
rf_vk_view_from_tensor (RfVkView *v, const RfTensor *t, gboolean write)
{
  gint64 shape[4];
  memset (v, 0, sizeof *v);
  v->buffer = t->buffer;
  v->offset = t->offset;
  v->elem_size = rf_dtype_info (t->dtype)->block_bytes;
  v->write = write;
  rf_tensor_shape4 (t, shape, v->stride);
}

/* Byte range [lo, hi) that @v touches over the box, and the byte
 * offset of the box origin. Strides may be negative (reversed views). */
static void
view_span (const RfVkView *v, const gint64 origin[4], const gint64 extent[4],
           guint64 *lo, guint64 *hi, guint64 *at_origin)
{
  gint64 first = (gint64) (v->offset / v->elem_size), min = 0, max = 0;
  for (int d = 0; d < 4; d++)
    {
      first += origin[d] * v->stride[d];
      gint64 reach = (extent[d] - 1) * v->stride[d];
      if (reach < 0)
        min += reach;
      else
        max += reach;
    }
  *at_origin = (guint64) first * v->elem_size;
  *lo = (guint64) (first + min) * v->elem_size;
  *hi = (guint64) (first + max + 1) * v->elem_size;
}

typedef struct {
  RfVkBackend *vk;
  const RfVkView *views;
  guint n_views;
  RfVkBoxFunc func;
  gpointer user_data;
} SplitCtx;

static gboolean
box_run (SplitCtx *s, const gint64 origin[4], const gint64 extent[4], GError **error)
{
  guint64 max_range = rf_vk_max_binding_range (s->vk);
  guint64 numel = 1;
  for (int d = 0; d < 4; d++)
    numel *= (guint64) extent[d];
  if (numel == 0)
    return TRUE;

  /* the view (or the element count) that overflows most decides the cut */
  double worst = numel >= (G_GUINT64_CONSTANT (1) << 31) ? 2.0 : 0.0;
  int worst_view = -1;
  RfVkBox box;
  memset (&box, 0, sizeof box);
  for (guint i = 0; i < s->n_views; i++)
    {
      guint64 lo, hi, at, start, range;
      view_span (&s->views[i], origin, extent, &lo, &hi, &at);
      binding_span (s->vk, s->views[i].buffer, lo, hi, &start, &range);
      double ratio = (double) range / (double) max_range;
      if (range > max_range && ratio > worst)
        {
          worst = ratio;
          worst_view = (int) i;
        }
      box.bind[i] = (RfVkBinding) { s->views[i].buffer, start, range, s->views[i].write };
      box.first[i] = (guint32) ((at - start) / s->views[i].elem_size);
      /* two's complement: shaders add negative strides as uint and wrap
       * back into the binding, since every reached element lies in it */
      for (int d = 0; d < 4; d++)
        box.stride[i][d] = extent[d] > 1 ? (guint32) (guint64) s->views[i].stride[d] : 0;
    }
  if (worst == 0.0)
    {
      for (int d = 0; d < 4; d++)
        box.extent[d] = (guint32) extent[d];
      box.n = (guint32) numel;
      return s->func (s->vk, &box, s->user_data, error);
    }

  /* cut the dimension with the largest span (or extent, for numel) in half */
  int cut = -1;
  guint64 best = 0;
  for (int d = 0; d < 4; d++)
    {
      if (extent[d] < 2)
        continue;
      guint64 w = worst_view >= 0
        ? (guint64) (extent[d] - 1) * (guint64) ABS (s->views[worst_view].stride[d])
        : (guint64) extent[d];
      if (cut < 0 || w > best)
        {
          cut = d;
          best = w;
        }
    }
  if (cut < 0 || best == 0)
    {
      g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_FAILED,
                   "an operand cannot be split to fit a %" G_GUINT64_FORMAT "-byte binding",
                   max_range);
      return FALSE;
    }
  gint64 o2[4], e2[4];
  memcpy (o2, origin, sizeof o2);
  memcpy (e2, extent, sizeof e2);
  e2[cut] = extent[cut] / 2;
  if (!box_run (s, o2, e2, error))
    return FALSE;
  o2[cut] += e2[cut];
  e2[cut] = extent[cut] - e2[cut];
  return box_run (s, o2, e2, error);
}

gboolean
rf_vk_for_each_box (RfVkBackend *vk, const gint64 shape[4], const RfVkView *views,
                    guint n_views, RfVkBoxFunc func, gpointer user_data, GError **error)
{
  g_return_val_if_fail (n_views <= RF_VK_MAX_VIEWS, FALSE);
  for (guint i = 0; i < n_views; i++)
    for (int d = 0; d < 4; d++)
      if (ABS (views[i].stride[d]) > G_MAXINT32)
        {
          g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_UNSUPPORTED,
                       "vulkan: stride %" G_GINT64_FORMAT " is not supported",
                       views[i].stride[d]);
          return FALSE;
        }
  SplitCtx s = { vk, views, n_views, func, user_data };
  const gint64 origin[4] = { 0, 0, 0, 0 };
  return box_run (&s, origin, shape, error);
}
