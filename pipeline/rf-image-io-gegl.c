/* rf-image-io-gegl.c — image files through GEGL's load and save ops. */
#include <errno.h>
#include <gegl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "rf-image-io.h"
#include "rf-pipeline.h"

void
rf_image_io_init (void)
{
  gegl_init (NULL, NULL);
}

void
rf_image_io_shutdown (void)
{
  gegl_exit ();
}

const char *
rf_image_io_backend (void)
{
  static char name[32];
  if (name[0] == '\0')
    {
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

/* Loads @path into a new GeglBuffer (its own format), or NULL. */
static GeglBuffer *
load_buffer (const char *path, GError **error)
{
  if (!check_readable (path, error))
    return NULL;
  GeglBuffer *buffer = NULL;
  g_autoptr (GeglNode) graph = gegl_node_new ();
  GeglNode *load = gegl_node_new_child (graph, "operation", "gegl:load", "path", path, NULL);
  GeglNode *sink = gegl_node_new_child (graph, "operation", "gegl:buffer-sink", "buffer", &buffer,
                                        NULL);
  gegl_node_link (load, sink);
  gegl_node_process (sink);
  if (buffer == NULL || gegl_buffer_get_width (buffer) < 1 || gegl_buffer_get_height (buffer) < 1)
    {
      g_clear_object (&buffer);
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
                   _("%s: not an image GEGL can read (PNG, JPEG, TIFF, EXR, ...)"), path);
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
