/* rf-image-io-private.h — the codecs behind rf-image-io.c.
 *
 * rf-image-io.c owns the checks (readable input, writable output) and the
 * atomic write (a temporary file in the target folder, renamed into
 * place); a codec only reads a file or writes a temporary one. libpng is
 * always there; GEGL, when built with it, reads and writes every format
 * its installed operations know, and PNG falls back to libpng when
 * GEGL's PNG operations are missing (a stripped install, a moved module
 * folder). */
#pragma once

#include <stdio.h>

#include "rf-image.h"

G_BEGIN_DECLS

typedef enum {
  RF_IMAGE_FORMAT_UNKNOWN,
  RF_IMAGE_FORMAT_PNG,
  RF_IMAGE_FORMAT_JPEG,
  RF_IMAGE_FORMAT_TIFF,
  RF_IMAGE_FORMAT_EXR,
  RF_IMAGE_FORMAT_WEBP,
  RF_IMAGE_FORMAT_GIF,
  RF_IMAGE_FORMAT_PPM,
  RF_IMAGE_FORMAT_HDR,
} RfImageFormat;

/* libpng (rf-image-io-png.c). @channels 4 = RGBA, 1 = mask (luminance of
 * the encoded values times alpha). */
RfImage *rf_png_load (const char *path, int channels, GError **error);
/* Writes @image to @fp as 8- or 16-bit RGBA. */
gboolean rf_png_write (FILE *fp, const RfImage *image, int bits, GError **error);
const char *rf_png_version (void);

#ifdef RF_HAVE_GEGL
/* GEGL (rf-image-io-gegl.c). Whether GEGL can read / write @format with
 * the operations installed. */
gboolean rf_gegl_io_can_load (RfImageFormat format);
gboolean rf_gegl_io_can_save (RfImageFormat format);
RfImage *rf_gegl_io_load (const char *path, RfImageFormat format, int channels, GError **error);
/* Writes @image to @tmp_path (created empty by the caller). */
gboolean rf_gegl_io_save (const RfImage *image, RfImageFormat format, const char *tmp_path,
                          GError **error);
const char *rf_gegl_io_version (void);
void rf_gegl_io_shutdown (void);
#endif

G_END_DECLS
