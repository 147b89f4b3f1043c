/* rf-image-io.h — image files in and out.
 *
 * Through GEGL's loaders and savers (PNG, JPEG, TIFF, EXR and whatever
 * else the installed GEGL reads; 8, 16 and 32-bit) when Rectify is built
 * with GEGL, else PNG only through libpng. Images come in as "R'G'B'A
 * float" (sRGB-encoded, what the models were trained on) and go out at
 * the source's bit depth where the format allows. Writes are atomic: a
 * temporary file in the target folder renamed into place, so a failed or
 * cancelled job leaves nothing behind.
 */
#pragma once

#include "rf-image.h"

G_BEGIN_DECLS

/* Prepares the image library (GEGL starts on the first read or write);
 * rf_image_io_shutdown() at exit releases it. */
void rf_image_io_init (void);
void rf_image_io_shutdown (void);

/* "GEGL 0.4.42" or "libpng 1.6.39". */
const char *rf_image_io_backend (void);

/* An RGBA image; RF_PIPELINE_ERROR_IO when the file is missing,
 * unreadable or not an image. */
RfImage *rf_image_load (const char *path, GError **error);

/* A 1-channel mask: luminance (as stored, not linearised) times alpha,
 * so white = 1 and transparent = 0. */
RfImage *rf_image_load_mask (const char *path, GError **error);

/* Checks, before any work, that @path can be written: a supported
 * extension (.png .jpg .jpeg .tif .tiff .exr), an existing writable
 * folder, not a folder itself. RF_PIPELINE_ERROR_IO otherwise. */
gboolean rf_image_check_writable (const char *path, GError **error);

/* Writes @image (RGBA or mask) atomically; the format follows the
 * extension, the bit depth @image->bits where the format has it. */
gboolean rf_image_save (const RfImage *image, const char *path, GError **error);

G_END_DECLS
