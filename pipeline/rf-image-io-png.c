/* rf-image-io-png.c — the libpng codec: PNG when Rectify is built
 * without GEGL (meson -Dgegl=disabled) or GEGL lacks its PNG operations.
 *
 * Samples are taken as stored (sRGB-encoded, as GEGL and GIMP read a PNG
 * without colour chunks), 8 or 16 bits; palette, grey and missing alpha
 * are expanded to RGBA. libpng reports errors by longjmp, so the buffers
 * live outside the setjmp frame and are freed on both paths. */
#include <glib/gi18n-lib.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "rf-image-io-private.h"
#include "rf-pipeline.h"

const char *
rf_png_version (void)
{
  return "libpng " PNG_LIBPNG_VER_STRING;
}

typedef struct {
  char message[200];
} PngError;

static void
on_error (png_structp png, png_const_charp msg)
{
  PngError *e = png_get_error_ptr (png);
  g_strlcpy (e->message, msg, sizeof e->message);
  png_longjmp (png, 1);
}

static void
on_warning (png_structp png, png_const_charp msg)
{
}

/* Reads @fp into *@rgba (RGBA, 16-bit samples when *@bits is 16, native
 * endianness). FALSE with @err set on failure. */
static gboolean
read_rgba (FILE *fp, PngError *err, guint8 **rgba, png_uint_32 *w, png_uint_32 *h, int *bits)
{
  png_structp png = png_create_read_struct (PNG_LIBPNG_VER_STRING, err, on_error, on_warning);
  png_infop info = png ? png_create_info_struct (png) : NULL;
  png_bytep *volatile rows = NULL;
  guint8 *volatile data = NULL;
  if (info == NULL)
    {
      g_strlcpy (err->message, "out of memory", sizeof err->message);
      png_destroy_read_struct (&png, NULL, NULL);
      return FALSE;
    }
  if (setjmp (png_jmpbuf (png)))
    {
      g_free (rows);
      g_free (data);
      png_destroy_read_struct (&png, &info, NULL);
      return FALSE;
    }
  png_init_io (png, fp);
  png_read_info (png, info);
  *w = png_get_image_width (png, info);
  *h = png_get_image_height (png, info);
  *bits = png_get_bit_depth (png, info) == 16 ? 16 : 8;
  if ((guint64) *w * *h > (G_GUINT64_CONSTANT (1) << 28))
    png_error (png, "image too large");
  png_set_expand (png);
  png_set_gray_to_rgb (png);
  if (!(png_get_color_type (png, info) & PNG_COLOR_MASK_ALPHA)
      && !png_get_valid (png, info, PNG_INFO_tRNS))
    png_set_add_alpha (png, 0xffff, PNG_FILLER_AFTER);
  if (*bits == 16 && G_BYTE_ORDER == G_LITTLE_ENDIAN)
    png_set_swap (png);
  png_read_update_info (png, info);
  gsize stride = (gsize) *w * 4 * (*bits / 8);
  if (png_get_rowbytes (png, info) != stride)
    png_error (png, "unexpected row layout");
  data = g_try_malloc (stride * *h);
  rows = g_try_new (png_bytep, *h);
  if (data == NULL || rows == NULL)
    png_error (png, "out of memory");
  for (png_uint_32 y = 0; y < *h; y++)
    rows[y] = data + y * stride;
  png_read_image (png, rows);
  png_read_end (png, NULL);
  png_destroy_read_struct (&png, &info, NULL);
  g_free (rows);
  *rgba = data;
  return TRUE;
}

RfImage *
rf_png_load (const char *path, int channels, GError **error)
{
  FILE *fp = fopen (path, "rb");
  if (fp == NULL)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
                   _("%s: not a readable file"), path);
      return NULL;
    }
  PngError err = { "" };
  guint8 *raw = NULL;
  png_uint_32 w = 0, h = 0;
  int bits = 8;
  gboolean ok = read_rgba (fp, &err, &raw, &w, &h, &bits);
  fclose (fp);
  if (!ok)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
                   _("%s: the file is damaged or not a complete image (%s)"), path, err.message);
      return NULL;
    }
  g_autofree guint8 *data = raw;
  g_autoptr (RfImage) im = rf_image_new ((int) w, (int) h, channels, error);
  if (im == NULL)
    return NULL;
  im->bits = bits;
  gsize n = (gsize) w * h;
  for (gsize i = 0; i < n; i++)
    {
      float rgba[4];
      for (int k = 0; k < 4; k++)
        rgba[k] = bits == 16 ? ((const guint16 *) data)[i * 4 + k] / 65535.f
                             : data[i * 4 + k] / 255.f;
      if (channels == 4)
        memcpy (im->data + i * 4, rgba, sizeof rgba);
      else   /* luminance (Rec. 709 weights on the encoded values) times alpha */
        im->data[i] = CLAMP ((0.2126f * rgba[0] + 0.7152f * rgba[1] + 0.0722f * rgba[2])
                             * rgba[3], 0.f, 1.f);
    }
  return g_steal_pointer (&im);
}

static gboolean
write_rows (FILE *fp, const RfImage *image, int bits, PngError *err)
{
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, err, on_error, on_warning);
  png_infop info = png ? png_create_info_struct (png) : NULL;
  guint8 *volatile row = NULL;
  if (info == NULL)
    {
      g_strlcpy (err->message, "out of memory", sizeof err->message);
      png_destroy_write_struct (&png, NULL);
      return FALSE;
    }
  if (setjmp (png_jmpbuf (png)))
    {
      g_free (row);
      png_destroy_write_struct (&png, &info);
      return FALSE;
    }
  png_init_io (png, fp);
  png_set_IHDR (png, info, (png_uint_32) image->width, (png_uint_32) image->height, bits,
                PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                PNG_FILTER_TYPE_DEFAULT);
  png_write_info (png, info);
  if (bits == 16 && G_BYTE_ORDER == G_LITTLE_ENDIAN)
    png_set_swap (png);
  row = g_malloc ((gsize) image->width * 4 * (bits / 8));
  for (int y = 0; y < image->height; y++)
    {
      for (int x = 0; x < image->width; x++)
        {
          const float *p = rf_image_pixel (image, x, y);
          float rgba[4] = { p[0], p[0], p[0], 1 };
          if (image->channels == 4)
            memcpy (rgba, p, sizeof rgba);
          for (int k = 0; k < 4; k++)
            {
              float v = CLAMP (rgba[k], 0.f, 1.f);
              if (bits == 16)
                ((guint16 *) row)[x * 4 + k] = (guint16) (v * 65535.f + 0.5f);
              else
                row[x * 4 + k] = (guint8) (v * 255.f + 0.5f);
            }
        }
      png_write_row (png, row);
    }
  png_write_end (png, NULL);
  png_destroy_write_struct (&png, &info);
  g_free (row);
  return TRUE;
}

gboolean
rf_png_write (FILE *fp, const RfImage *image, int bits, GError **error)
{
  PngError err = { "" };
  if (write_rows (fp, image, bits, &err))
    return TRUE;
  g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO, "libpng: %s", err.message);
  return FALSE;
}
