/* rf-service-buffer-tensor.c — service buffers to and from engine tensors
 * (the service side; clients only need rf-service-buffer.c). */
#include <glib/gi18n-lib.h>
#include <math.h>

#include "rf-service-buffer.h"
#include "rf-service-error.h"

RfServiceBuffer *
rf_service_buffer_new_from_tensor (const char *name, const RfTensor *t, GError **error)
{
  g_autofree float *f = rf_tensor_read_f32 (t, error);
  if (f == NULL)
    return NULL;
  return rf_service_buffer_new_f32 (name, t->ndim, t->shape, f, error);
}

RfTensor *
rf_service_buffer_to_tensor (const RfServiceBuffer *b, RfBackend *backend, GError **error)
{
  int ndim;
  gint64 shape[RF_MAX_DIMS];
  if (!rf_service_buffer_get_shape (b, &ndim, shape, error))
    return NULL;
  g_autoptr (RfTensor) t = rf_tensor_new (backend, RF_DTYPE_F32, ndim, shape, error);
  /* the mapping may be unaligned for nothing: mmap is page-aligned */
  if (t == NULL || !rf_tensor_write (t, b->data, b->size, error))
    return NULL;
  return g_steal_pointer (&t);
}

RfServiceBuffer *
rf_service_buffer_new_rgb8 (const char *name, const RfTensor *image, GError **error)
{
  if (image->ndim != 4 || image->shape[0] != 1 || image->shape[1] != 3)
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                   _("a preview image must be [1, 3, H, W]"));
      return NULL;
    }
  gint64 h = image->shape[2], w = image->shape[3];
  g_autofree float *f = rf_tensor_read_f32 (image, error);
  if (f == NULL)
    return NULL;
  g_autoptr (RfServiceBuffer) b = rf_service_buffer_new (name, (gsize) (h * w * 3), error);
  if (b == NULL)
    return NULL;
  for (gint64 c = 0; c < 3; c++)
    for (gint64 i = 0; i < h * w; i++)
      {
        float v = (f[c * h * w + i] + 1.0f) * 127.5f;
        b->data[i * 3 + c] = (guint8) (isnan (v) ? 0 : CLAMP (lrintf (v), 0, 255));
      }
  GVariantBuilder bld;
  g_variant_builder_init (&bld, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&bld, "{sv}", "format", g_variant_new_string ("rgb8"));
  g_variant_builder_add (&bld, "{sv}", "width", g_variant_new_int32 ((gint32) w));
  g_variant_builder_add (&bld, "{sv}", "height", g_variant_new_int32 ((gint32) h));
  rf_service_buffer_set_meta (b, g_variant_builder_end (&bld));
  if (!rf_service_buffer_seal (b, error))
    return NULL;
  return g_steal_pointer (&b);
}
