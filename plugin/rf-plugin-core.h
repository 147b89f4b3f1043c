/* rf-plugin-core.h — what the GIMP 2.10 and 3 plug-ins share: running a
 * job on pixels read from a drawable, and moving pixels between GEGL
 * buffers and RfImage. The version layers only talk to libgimp.
 *
 * The model runs in the plug-in process (a separate process from GIMP,
 * so a crash or GIMP's own cancel, which kills the plug-in, cannot harm
 * the image: nothing is written before the result is complete).
 */
#pragma once

#include <gegl.h>
#include <gio/gio.h>

#include "rf-pipeline.h"

G_BEGIN_DECLS

typedef struct {
  RfJobKind kind;          /* RF_JOB_INPAINT, RF_JOB_EDIT or RF_JOB_GENERATE */
  const char *prompt;
  const char *source_prompt;
  guint steps;             /* 0 = the model's default */
  gint64 seed;             /* < 0 = random */
  const char *model;       /* a transformer file, or NULL/"" = search, else the test model */
  const char *device;      /* "auto", "cpu", "vulkan[:N]"; NULL = auto */
} RfPluginJob;

/* Called with the fraction done (0..1) and a short translated text. */
typedef void (*RfPluginProgressFunc) (double fraction, const char *text, gpointer user_data);

/* Runs @job on @image (RGBA, the drawable's pixels) through @mask (1
 * channel, the same size, 1 = change; NULL = everything). The result is
 * composited through the mask, so pixels where it is 0 are @image's bit
 * for bit. @seed_used gets the seed. Returns a new image, or NULL with
 * @error (G_IO_ERROR_CANCELLED on cancel). */
RfImage *rf_plugin_run (const RfPluginJob *job, const RfImage *image, const RfImage *mask,
                        RfPluginProgressFunc progress, gpointer user_data,
                        GCancellable *cancellable, guint64 *seed_used, GError **error);

/* Reads @rect of @buffer as RGBA ("R'G'B'A float") or, with @mask TRUE,
 * as one channel ("Y float"). Never fails for valid arguments. */
RfImage *rf_plugin_image_from_buffer (GeglBuffer *buffer, const GeglRectangle *rect,
                                      gboolean mask);

/* Writes @image into @buffer at (@x, @y) in the buffer's own format. */
void rf_plugin_image_to_buffer (const RfImage *image, GeglBuffer *buffer, int x, int y);

/* Whether any mask value is above zero. */
gboolean rf_plugin_mask_any (const RfImage *mask);

/* Binds the "rectify" text domain to @localedir (from the plug-in's
 * install) so the dialogs are translated. */
void rf_plugin_init_i18n (const char *localedir);

G_END_DECLS
