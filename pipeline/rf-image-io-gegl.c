/* rf-image-io-gegl.c — the GEGL codec: every format the installed GEGL
 * operations read or write (rf-image-io.c does the checks and the atomic
 * write). */
#include <gegl.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "rf-image-io-private.h"
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
rf_gegl_io_shutdown (void)
{
  g_mutex_lock (&init_lock);
  if (initialised)
    gegl_exit ();
  initialised = FALSE;
  g_mutex_unlock (&init_lock);
}

const char *
rf_gegl_io_version (void)
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

static const char *
load_op (RfImageFormat format)
{
  switch (format)
    {
    case RF_IMAGE_FORMAT_PNG: return "gegl:png-load";
    case RF_IMAGE_FORMAT_JPEG: return "gegl:jpg-load";
    case RF_IMAGE_FORMAT_TIFF: return "gegl:tiff-load";
    case RF_IMAGE_FORMAT_EXR: return "gegl:exr-load";
    case RF_IMAGE_FORMAT_WEBP: return "gegl:webp-load";
    case RF_IMAGE_FORMAT_GIF: return "gegl:gif-load";
    case RF_IMAGE_FORMAT_PPM: return "gegl:ppm-load";
    case RF_IMAGE_FORMAT_HDR: return "gegl:rgbe-load";
    case RF_IMAGE_FORMAT_UNKNOWN: break;
    }
  return NULL;
}

static const char *
save_op (RfImageFormat format)
{
  switch (format)
    {
    case RF_IMAGE_FORMAT_PNG: return "gegl:png-save";
    case RF_IMAGE_FORMAT_JPEG: return "gegl:jpg-save";
    case RF_IMAGE_FORMAT_TIFF: return "gegl:tiff-save";
    case RF_IMAGE_FORMAT_EXR: return "gegl:exr-save";
    default: return NULL;
    }
}

gboolean
rf_gegl_io_can_load (RfImageFormat format)
{
  const char *op = load_op (format);
  ensure_init ();
  return op != NULL && gegl_has_operation (op);
}

gboolean
rf_gegl_io_can_save (RfImageFormat format)
{
  const char *op = save_op (format);
  ensure_init ();
  return op != NULL && gegl_has_operation (op);
}

/* Loads @path into a new GeglBuffer (its own format), or NULL. */
static GeglBuffer *
load_buffer (const char *path, const char *op, GError **error)
{
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

RfImage *
rf_gegl_io_load (const char *path, RfImageFormat image_format, int channels, GError **error)
{
  ensure_init ();
  const char *format = channels == 4 ? "R'G'B'A float" : "Y'A float";
  g_autoptr (GeglBuffer) buffer = load_buffer (path, load_op (image_format), error);
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

gboolean
rf_gegl_io_save (const RfImage *image, RfImageFormat format, const char *tmp_path,
                 GError **error)
{
  ensure_init ();
  const char *op = save_op (format);
  gboolean exr = format == RF_IMAGE_FORMAT_EXR, jpg = format == RF_IMAGE_FORMAT_JPEG;
  int bits = jpg ? 8 : exr ? 32 : image->bits <= 8 ? 8 : image->bits <= 16 ? 16 : 32;
  if (format == RF_IMAGE_FORMAT_PNG && bits > 16)
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

  g_autoptr (GeglNode) graph = gegl_node_new ();
  GeglNode *src = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer", buffer,
                                       NULL);
  GeglNode *save = gegl_node_new_child (graph, "operation", op, "path", tmp_path, NULL);
  if (format == RF_IMAGE_FORMAT_PNG)
    gegl_node_set (save, "bitdepth", bits, NULL);
  else if (jpg)
    gegl_node_set (save, "quality", 95, NULL);
  gegl_node_link (src, save);
  gegl_node_process (save);
  /* GEGL's savers report nothing; rf-image-io.c checks the file is not empty */
  (void) error;
  return TRUE;
}
