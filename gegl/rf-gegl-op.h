/* rf-gegl-op.h — what the rectify:* GEGL ops share: the properties every
 * op has, the whole-image region handling, the pad formats, the class
 * keys, and running the job (through rf-gegl-run.h, the one file that
 * knows where the model runs). An op file keeps only its own properties,
 * its base class and a process() that fills an RfGeglJob.
 *
 * The model sees the whole image at once, so every op asks for the
 * input's whole bounding box and caches it, and runs single-threaded.
 */
#pragma once

#include <gegl.h>
#include <gegl-plugin.h>

#include "rf-gegl-run.h"

G_BEGIN_DECLS

/* The properties after each op's own ones, for the GEGL_PROPERTIES block
 * of a chant file (the prompt first, as each op words it). */
#define RF_GEGL_COMMON_PROPERTIES \
  property_int (steps, _("Steps"), 0) \
    description (_("Sampling steps (0 = the model's default)")) \
    value_range (0, 1000) \
    ui_range (0, 50) \
  property_int (seed, _("Seed"), -1) \
    description (_("Noise seed (-1 = random)")) \
    value_range (-1, G_MAXINT) \
  property_string (model, _("Model"), "") \
    description (_("A FLUX.1 transformer file (empty = the installed models, else the tiny " \
                   "test model)")) \
  property_string (device, _("Device"), "auto") \
    description (_("auto, cpu, vulkan or vulkan:N"))

/* Sets prepare (R'G'B'A float on input and output, Y float on aux, for
 * the pads the op has), the whole-image region vfuncs, threaded = FALSE,
 * and the keys: @name ("rectify:x"), @title, @menu_label (GIMP's
 * Filters ▸ Rectify entry) and @description, all translated already. */
void rf_gegl_op_class_setup (GeglOperationClass *klass, const char *name, const char *title,
                             const char *menu_label, const char *description);

/* Runs @job on @input (NULL for generate: @rect's size is made) and
 * @aux (the mask, or NULL) into @rect of @output. A failure is logged as
 * a warning naming the op, and @input (if any) passes through unchanged:
 * GEGL has no way to report an error from process(). Returns TRUE
 * always, as process() must. */
gboolean rf_gegl_op_process (GeglOperation *operation, const RfGeglJob *job, GeglBuffer *input,
                             GeglBuffer *aux, GeglBuffer *output, const GeglRectangle *rect);

G_END_DECLS
