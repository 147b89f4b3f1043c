/* rf-image-io.c — image files in and out: the checks, the format by
 * content or extension, the atomic write, and the choice of codec
 * (GEGL where it has the format, else libpng for PNG). */
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "rf-image-io-private.h"
#include "rf-image-io.h"
#include "rf-pipeline.h"

void
rf_image_io_init (void)
{
}

void
rf_image_io_shutdown (void)
{
#ifdef RF_HAVE_GEGL
  rf_gegl_io_shutdown ();
#endif
}

const char *
rf_image_io_backend (void)
{
#ifdef RF_HAVE_GEGL
  return rf_gegl_io_version ();
#else
  return rf_png_version ();
#endif
}

/* The format of @path's content (magic bytes). Chosen here rather than by
 * gegl:load, whose fallbacks (ffmpeg, raw camera files) can chew for
 * minutes on a file that is not an image at all. */
static RfImageFormat
format_of_content (const char *path)
{
  guint8 m[12] = { 0 };
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    return RF_IMAGE_FORMAT_UNKNOWN;
  size_t n = fread (m, 1, sizeof m, f);
  fclose (f);
  if (n >= 8 && memcmp (m, "\x89PNG\r\n\x1a\n", 8) == 0)
    return RF_IMAGE_FORMAT_PNG;
  if (n >= 3 && m[0] == 0xff && m[1] == 0xd8 && m[2] == 0xff)
    return RF_IMAGE_FORMAT_JPEG;
  if (n >= 4 && (memcmp (m, "II*\0", 4) == 0 || memcmp (m, "MM\0*", 4) == 0))
    return RF_IMAGE_FORMAT_TIFF;
  if (n >= 4 && memcmp (m, "\x76\x2f\x31\x01", 4) == 0)
    return RF_IMAGE_FORMAT_EXR;
  if (n >= 12 && memcmp (m, "RIFF", 4) == 0 && memcmp (m + 8, "WEBP", 4) == 0)
    return RF_IMAGE_FORMAT_WEBP;
  if (n >= 4 && memcmp (m, "GIF8", 4) == 0)
    return RF_IMAGE_FORMAT_GIF;
  if (n >= 2 && m[0] == 'P' && m[1] >= '1' && m[1] <= '6')
    return RF_IMAGE_FORMAT_PPM;
  if (n >= 2 && memcmp (m, "#?", 2) == 0)
    return RF_IMAGE_FORMAT_HDR;
  return RF_IMAGE_FORMAT_UNKNOWN;
}

static RfImageFormat
format_of_name (const char *path)
{
  const char *dot = strrchr (path, '.');
  if (dot == NULL || strchr (dot, G_DIR_SEPARATOR))
    return RF_IMAGE_FORMAT_UNKNOWN;
  g_autofree char *ext = g_ascii_strdown (dot + 1, -1);
  if (strcmp (ext, "png") == 0)
    return RF_IMAGE_FORMAT_PNG;
  if (strcmp (ext, "jpg") == 0 || strcmp (ext, "jpeg") == 0)
    return RF_IMAGE_FORMAT_JPEG;
  if (strcmp (ext, "tif") == 0 || strcmp (ext, "tiff") == 0)
    return RF_IMAGE_FORMAT_TIFF;
  if (strcmp (ext, "exr") == 0)
    return RF_IMAGE_FORMAT_EXR;
  return RF_IMAGE_FORMAT_UNKNOWN;
}

static gboolean
can_save (RfImageFormat format)
{
#ifdef RF_HAVE_GEGL
  if (rf_gegl_io_can_save (format))
    return TRUE;
#endif
  return format == RF_IMAGE_FORMAT_PNG;
}

static RfImage *
load (const char *path, int channels, GError **error)
{
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO, _("%s: no such file"), path);
      return NULL;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) || g_access (path, R_OK) != 0)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
                   _("%s: not a readable file"), path);
      return NULL;
    }
  RfImageFormat format = format_of_content (path);
#ifdef RF_HAVE_GEGL
  if (format != RF_IMAGE_FORMAT_UNKNOWN && rf_gegl_io_can_load (format))
    return rf_gegl_io_load (path, format, channels, error);
#endif
  if (format == RF_IMAGE_FORMAT_PNG)
    return rf_png_load (path, channels, error);
#ifdef RF_HAVE_GEGL
  g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
               _("%s: not an image Rectify can read (PNG, JPEG, TIFF, EXR, WebP, GIF, PPM, "
                 "HDR)"), path);
#else
  g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
               _("%s: not an image Rectify can read (this build reads PNG only)"), path);
#endif
  return NULL;
}

RfImage *
rf_image_load (const char *path, GError **error)
{
  return load (path, 4, error);
}

RfImage *
rf_image_load_mask (const char *path, GError **error)
{
  return load (path, 1, error);
}

gboolean
rf_image_check_writable (const char *path, GError **error)
{
  if (!can_save (format_of_name (path)))
    {
      if (can_save (RF_IMAGE_FORMAT_JPEG))
        g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
                     _("%s: cannot tell the format; name the output .png, .jpg, .tif or .exr"),
                     path);
      else
        g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
                     _("%s: this installation writes PNG only; name the output .png"), path);
      return FALSE;
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
                   _("%s is a folder, not a file name"), path);
      return FALSE;
    }
  g_autofree char *dir = g_path_get_dirname (path);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
                   _("cannot write %s: the folder %s does not exist"), path, dir);
      return FALSE;
    }
  /* the real test: can a file be created there (permissions, read-only
   * mounts, ACLs all answer the same way) */
  g_autofree char *probe = g_build_filename (dir, ".rectify-probe-XXXXXX", NULL);
  int fd = g_mkstemp (probe);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
                   _("cannot write %s: %s"), path, g_strerror (e));
      return FALSE;
    }
  close (fd);
  g_unlink (probe);
  if (g_file_test (path, G_FILE_TEST_EXISTS) && g_access (path, W_OK) != 0)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
                   _("cannot write %s: the existing file is read-only"), path);
      return FALSE;
    }
  return TRUE;
}

/* Encodes @image into @tmp (an empty file of ours) with the codec that
 * has @format. */
static gboolean
encode (const RfImage *image, RfImageFormat format, const char *tmp, GError **error)
{
#ifdef RF_HAVE_GEGL
  if (rf_gegl_io_can_save (format))
    return rf_gegl_io_save (image, format, tmp, error);
#endif
  FILE *fp = fopen (tmp, "wb");
  if (fp == NULL)
    {
      int e = errno;
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO, "%s", g_strerror (e));
      return FALSE;
    }
  gboolean ok = rf_png_write (fp, image, image->bits > 8 ? 16 : 8, error);
  if (fclose (fp) != 0 && ok)
    {
      int e = errno;
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO, "%s", g_strerror (e));
      ok = FALSE;
    }
  return ok;
}

gboolean
rf_image_save (const RfImage *image, const char *path, GError **error)
{
  g_return_val_if_fail (image != NULL && path != NULL, FALSE);
  if (!rf_image_check_writable (path, error))
    return FALSE;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmpl = g_strdup_printf (".%s.XXXXXX", base);
  g_autofree char *tmp = g_build_filename (dir, tmpl, NULL);
  int fd = g_mkstemp (tmp);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO, _("cannot write %s: %s"),
                   path, g_strerror (e));
      return FALSE;
    }
  close (fd);
  g_autoptr (GError) local = NULL;
  GStatBuf st;
  gboolean ok = encode (image, format_of_name (path), tmp, &local);
  if (ok && (g_stat (tmp, &st) != 0 || st.st_size == 0))
    {
      g_set_error (&local, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
                   _("the encoder wrote nothing"));
      ok = FALSE;
    }
  if (ok)
    {
      /* mkstemp makes the file 0600; give it the usual permissions */
      mode_t mask = umask (0);
      umask (mask);
      g_chmod (tmp, 0666 & ~mask);
      if (g_rename (tmp, path) != 0)
        {
          int e = errno;
          g_set_error (&local, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO, "%s", g_strerror (e));
          ok = FALSE;
        }
    }
  if (!ok)
    {
      g_unlink (tmp);
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO, _("cannot write %s: %s"),
                   path, local->message);
    }
  return ok;
}
