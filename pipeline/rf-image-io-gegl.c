/* rf-image-io-gegl.c — image files through GEGL's load and save ops. */
#include <errno.h>
#include <gegl.h>
#include <stdio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "rf-image-io.h"
#include "rf-pipeline.h"

/* gegl_init loads every operation module (~0.3 s), so it happens on the
 * first image read or write, not for --help or an early error. */
static gboolean initialised;
static GMutex init_lock;

static void
ensure_init (void)
{
  g_mutex_lock (&init_lock);
  if (!initialised)
    gegl_init (NULL, NULL);
  initialised = TRUE;
  g_mutex_unlock (&init_lock);
}

void
rf_image_io_init (void)
{
}

void
rf_image_io_shutdown (void)
{
  g_mutex_lock (&init_lock);
  if (initialised)
    gegl_exit ();
  initialised = FALSE;
  g_mutex_unlock (&init_lock);
}

const char *
rf_image_io_backend (void)
{
  static char name[32];
  if (name[0] == '\0')
    {
      ensure_init ();
      int ma, mi, mc;
      gegl_get_version (&ma, &mi, &mc);
      g_snprintf (name, sizeof name, "GEGL %d.%d.%d", ma, mi, mc);
    }
  return name;
}

static gboolean
check_readable (const char *path, GError **error)
{
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO, _("%s: no such file"), path);
      return FALSE;
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR) || g_access (path, R_OK) != 0)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
                   _("%s: not a readable file"), path);
      return FALSE;
    }
  return TRUE;
}

/* The load operation for @path's content (magic bytes), or NULL. Chosen
 * here rather than by gegl:load, whose fallbacks (ffmpeg, raw camera
 * files) can chew for minutes on a file that is not an image at all. */
static const char *
load_op (const char *path)
{
  guint8 m[12] = { 0 };
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    return NULL;
  size_t n = fread (m, 1, sizeof m, f);
  fclose (f);
  if (n >= 8 && memcmp (m, "\x89PNG\r\n\x1a\n", 8) == 0)
    return "gegl:png-load";
  if (n >= 3 && m[0] == 0xff && m[1] == 0xd8 && m[2] == 0xff)
    return "gegl:jpg-load";
  if (n >= 4 && (memcmp (m, "II*\0", 4) == 0 || memcmp (m, "MM\0*", 4) == 0))
    return "gegl:tiff-load";
  if (n >= 4 && memcmp (m, "\x76\x2f\x31\x01", 4) == 0)
    return "gegl:exr-load";
  if (n >= 12 && memcmp (m, "RIFF", 4) == 0 && memcmp (m + 8, "WEBP", 4) == 0)
    return "gegl:webp-load";
  if (n >= 4 && memcmp (m, "GIF8", 4) == 0)
    return "gegl:gif-load";
  if (n >= 2 && m[0] == 'P' && m[1] >= '1' && m[1] <= '6')
    return "gegl:ppm-load";
  if (n >= 2 && memcmp (m, "#?", 2) == 0)
    return "gegl:rgbe-load";
  return NULL;
}

/* Loads @path into a new GeglBuffer (its own format), or NULL. */
static GeglBuffer *
load_buffer (const char *path, GError **error)
{
  if (!check_readable (path, error))
    return NULL;
  ensure_init ();
  const char *op = load_op (path);
  if (op == NULL || !gegl_has_operation (op))
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
                   _("%s: not an image Rectify can read (PNG, JPEG, TIFF, EXR, WebP, GIF, PPM, "
                     "HDR)"), path);
      return NULL;
    }
  GeglBuffer *buffer = NULL;
  g_autoptr (GeglNode) graph = gegl_node_new ();
  GeglNode *load = gegl_node_new_child (graph, "operation", op, "path", path, NULL);
  GeglNode *sink = gegl_node_new_child (graph, "operation", "gegl:buffer-sink", "buffer", &buffer,
                                        NULL);
  gegl_node_link (load, sink);
  gegl_node_process (sink);
  if (buffer == NULL || gegl_buffer_get_width (buffer) < 1 || gegl_buffer_get_height (buffer) < 1)
    {
      g_clear_object (&buffer);
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
                   _("%s: the file is damaged or not a complete image"), path);
      return NULL;
    }
  return buffer;
}

static int
buffer_bits (GeglBuffer *buffer)
{
  const Babl *fmt = gegl_buffer_get_format (buffer);
  const Babl *type = babl_format_get_type (fmt, 0);
  if (type == babl_type ("u8"))
    return 8;
  if (type == babl_type ("u16"))
    return 16;
  return 32;
}

static RfImage *
load_as (const char *path, const char *format, int channels, GError **error)
{
  g_autoptr (GeglBuffer) buffer = load_buffer (path, error);
  if (buffer == NULL)
    return NULL;
  const GeglRectangle *r = gegl_buffer_get_extent (buffer);
  g_autoptr (RfImage) im = rf_image_new (r->width, r->height, channels, error);
  if (im == NULL)
    return NULL;
  im->bits = buffer_bits (buffer);
  if (channels == 4)
    {
      gegl_buffer_get (buffer, r, 1.0, babl_format (format), im->data, GEGL_AUTO_ROWSTRIDE,
                       GEGL_ABYSS_NONE);
      return g_steal_pointer (&im);
    }
  gsize n = (gsize) r->width * r->height;
  g_autofree float *ya = g_try_new (float, n * 2);
  if (ya == NULL)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO, _("%s: out of memory"), path);
      return NULL;
    }
  gegl_buffer_get (buffer, r, 1.0, babl_format (format), ya, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  for (gsize i = 0; i < n; i++)
    im->data[i] = CLAMP (ya[2 * i] * ya[2 * i + 1], 0.f, 1.f);
  return g_steal_pointer (&im);
}

RfImage *
rf_image_load (const char *path, GError **error)
{
  return load_as (path, "R'G'B'A float", 4, error);
}

RfImage *
rf_image_load_mask (const char *path, GError **error)
{
  return load_as (path, "Y'A float", 1, error);
}

/* The save operation for @path's extension, or NULL. */
static const char *
save_op (const char *path)
{
  const char *dot = strrchr (path, '.');
  if (dot == NULL || strchr (dot, G_DIR_SEPARATOR))
    return NULL;
  g_autofree char *ext = g_ascii_strdown (dot + 1, -1);
  if (strcmp (ext, "png") == 0)
    return "gegl:png-save";
  if (strcmp (ext, "jpg") == 0 || strcmp (ext, "jpeg") == 0)
    return "gegl:jpg-save";
  if (strcmp (ext, "tif") == 0 || strcmp (ext, "tiff") == 0)
    return "gegl:tiff-save";
  if (strcmp (ext, "exr") == 0)
    return "gegl:exr-save";
  return NULL;
}

gboolean
rf_image_check_writable (const char *path, GError **error)
{
  if (save_op (path) == NULL)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
                   _("%s: cannot tell the format; name the output .png, .jpg, .tif or .exr"),
                   path);
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

gboolean
rf_image_save (const RfImage *image, const char *path, GError **error)
{
  g_return_val_if_fail (image != NULL && path != NULL, FALSE);
  if (!rf_image_check_writable (path, error))
    return FALSE;
  ensure_init ();
  const char *op = save_op (path);
  gboolean exr = strcmp (op, "gegl:exr-save") == 0, jpg = strcmp (op, "gegl:jpg-save") == 0;
  int bits = jpg ? 8 : exr ? 32 : image->bits <= 8 ? 8 : image->bits <= 16 ? 16 : 32;
  if (strcmp (op, "gegl:png-save") == 0 && bits > 16)
    bits = 16;   /* PNG stops at 16 bits per channel */
  const char *type = bits == 8 ? "u8" : bits == 16 ? "u16" : "float";
  g_autofree char *fmt_name = g_strdup_printf ("%s %s",
                                               image->channels == 1 ? "Y'" : exr ? "RGBA"
                                                                                 : "R'G'B'A",
                                               type);
  const char *src_name = image->channels == 1 ? "Y' float" : "R'G'B'A float";
  GeglRectangle rect = { 0, 0, image->width, image->height };
  g_autoptr (GeglBuffer) buffer = gegl_buffer_new (&rect, babl_format (fmt_name));
  gegl_buffer_set (buffer, &rect, 0, babl_format (src_name), image->data, GEGL_AUTO_ROWSTRIDE);

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

  g_autoptr (GeglNode) graph = gegl_node_new ();
  GeglNode *src = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", buffer,
                                       NULL);
  GeglNode *save = gegl_node_new_child (graph, "operation", op, "path", tmp, NULL);
  if (strcmp (op, "gegl:png-save") == 0)
    gegl_node_set (save, "bitdepth", bits, NULL);
  else if (jpg)
    gegl_node_set (save, "quality", 95, NULL);
  gegl_node_link (src, save);
  gegl_node_process (save);

  GStatBuf st;
  if (g_stat (tmp, &st) != 0 || st.st_size == 0)
    {
      g_unlink (tmp);
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
                   _("cannot write %s: GEGL's %s wrote nothing"), path, op);
      return FALSE;
    }
  /* mkstemp makes the file 0600; give it the usual permissions */
  mode_t mask = umask (0);
  umask (mask);
  g_chmod (tmp, 0666 & ~mask);
  if (g_rename (tmp, path) != 0)
    {
      int e = errno;
      g_unlink (tmp);
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO, _("cannot write %s: %s"),
                   path, g_strerror (e));
      return FALSE;
    }
  return TRUE;
}
