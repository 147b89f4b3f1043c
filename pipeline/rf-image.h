/* rf-image.h — float images on the host: what the pipeline takes and gives.
 *
 * Pixels are non-linear (sRGB-encoded, GEGL's "R'G'B'A float") values,
 * nominally in [0, 1], row-major, @channels interleaved floats per pixel:
 * 4 for an image (RGBA), 1 for a mask (0 keep .. 1 regenerate, any
 * feathering in between). The models see RGB mapped to [-1, 1].
 */
#pragma once

#include <glib.h>

#include "rf-tensor.h"

G_BEGIN_DECLS

typedef struct {
  int width, height;
  int channels;       /* 4 (RGBA) or 1 (mask) */
  int bits;           /* bit depth per channel of the source (8, 16, 32): a hint for saving */
  float *data;        /* width · height · channels */
} RfImage;

/* A zeroed image, or NULL with RF_CORE_ERROR_INVALID / _NO_MEMORY for a
 * bad or absurd size. */
RfImage *rf_image_new (int width, int height, int channels, GError **error);
RfImage *rf_image_copy (const RfImage *image);
void rf_image_free (RfImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfImage, rf_image_free)

static inline float *
rf_image_pixel (const RfImage *image, int x, int y)
{
  return image->data + ((gsize) y * image->width + x) * image->channels;
}

/* The rectangle [x, x + w) × [y, y + h) as a new image (must lie inside). */
RfImage *rf_image_crop (const RfImage *image, int x, int y, int w, int h);

/* Resampled to @width × @height with a separable triangle filter widened
 * by the scale when shrinking (area-like, no aliasing), clamped at the
 * edges. Colour channels are weighted by alpha for RGBA so transparent
 * pixels do not bleed. Same size: a copy. */
RfImage *rf_image_resize (const RfImage *image, int width, int height);

/* RGB of @image as a [1, 3, H, W] f32 tensor in [-1, 1] (values outside
 * [0, 1] clamped) on @backend. */
RfTensor *rf_image_to_tensor (const RfImage *image, RfBackend *backend, GError **error);

/* A [1, 3, H, W] tensor in [-1, 1] as an RGBA image (alpha 1), clamped
 * to [0, 1]. */
RfImage *rf_image_from_tensor (const RfTensor *tensor, GError **error);

/* PSNR in dB of the RGB of @a against @b (same size), peak 1. Infinite
 * for identical images. */
double rf_image_psnr (const RfImage *a, const RfImage *b);

G_END_DECLS
