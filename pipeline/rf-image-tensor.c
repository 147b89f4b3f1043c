/* rf-image-tensor.c — host float images to and from [1, 3, H, W] tensors. */
#include <glib/gi18n-lib.h>
#include <math.h>

#include "rf-error.h"
#include "rf-image.h"

RfTensor *
rf_image_to_tensor (const RfImage *image, RfBackend *backend, GError **error)
{
  g_return_val_if_fail (image != NULL && image->channels == 4, NULL);
  gsize hw = (gsize) image->width * image->height;
  g_autoptr (RfTensor) t = rf_tensor_new_4d (backend, RF_DTYPE_F32, 4, 1, 3, image->height,
                                             image->width, error);
  if (t == NULL)
    return NULL;
  g_autofree float *planar = g_try_new (float, hw * 3);
  if (planar == NULL)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY,
                   _("Out of memory for a %d×%d image"), image->width, image->height);
      return NULL;
    }
  for (gsize i = 0; i < hw; i++)
    for (int k = 0; k < 3; k++)
      {
        float v = image->data[i * 4 + k];
        v = isfinite (v) ? CLAMP (v, 0.f, 1.f) : 0.f;
        planar[k * hw + i] = 2.f * v - 1.f;
      }
  if (!rf_tensor_write_f32 (t, planar, (gint64) hw * 3, error))
    return NULL;
  return g_steal_pointer (&t);
}

RfImage *
rf_image_from_tensor (const RfTensor *tensor, GError **error)
{
  g_return_val_if_fail (tensor != NULL, NULL);
  if (tensor->ndim != 4 || tensor->shape[0] != 1 || tensor->shape[1] != 3)
    {
      char buf[64];
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                   _("An image tensor is [1, 3, H, W], not %s"),
                   rf_tensor_describe (tensor, buf, sizeof buf));
      return NULL;
    }
  g_autofree float *planar = rf_tensor_read_f32 (tensor, error);
  if (planar == NULL)
    return NULL;
  RfImage *im = rf_image_new ((int) tensor->shape[3], (int) tensor->shape[2], 4, error);
  if (im == NULL)
    return NULL;
  gsize hw = (gsize) im->width * im->height;
  for (gsize i = 0; i < hw; i++)
    {
      for (int k = 0; k < 3; k++)
        {
          float v = 0.5f * (planar[k * hw + i] + 1.f);
          im->data[i * 4 + k] = isfinite (v) ? CLAMP (v, 0.f, 1.f) : 0.f;
        }
      im->data[i * 4 + 3] = 1.f;
    }
  return im;
}
