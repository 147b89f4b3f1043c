/* rectify-generate.c — the rectify:generate GEGL operation: a source
 * that makes a width × height image from a prompt. The model never runs
 * in the host process (see rf-gegl-run.h); the shared body is
 * rf-gegl-op.c. */
#include <glib/gi18n-lib.h>
#include <gegl.h>

#ifdef GEGL_PROPERTIES

#include "rf-gegl-op.h"

property_string (prompt, _("Prompt"), "")
  description (_("What the image should show"))
  ui_meta ("multiline", "true")
property_int (width, _("Width"), 512)
  description (_("Width of the image in pixels"))
  value_range (8, 8192)
  ui_range (64, 2048)
  ui_meta ("unit", "pixel-distance")
  ui_meta ("axis", "x")
property_int (height, _("Height"), 512)
  description (_("Height of the image in pixels"))
  value_range (8, 8192)
  ui_range (64, 2048)
  ui_meta ("unit", "pixel-distance")
  ui_meta ("axis", "y")
RF_GEGL_COMMON_PROPERTIES

#else

#define GEGL_OP_SOURCE
#define GEGL_OP_NAME rectify_generate
#define GEGL_OP_C_SOURCE rectify-generate.c

#include "gegl-op.h"

static GeglRectangle
get_bounding_box (GeglOperation *operation)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  GeglRectangle box = { 0, 0, o->width, o->height };
  return box;
}

static gboolean
process (GeglOperation *operation, GeglBuffer *output, const GeglRectangle *result,
         gint level)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  RfGeglJob job = { "generate", o->prompt, NULL, o->steps, o->seed, o->model, o->device };
  GeglRectangle box = get_bounding_box (operation);
  return rf_gegl_op_process (operation, &job, NULL, NULL, output, &box);
}

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GeglOperationClass *operation_class = GEGL_OPERATION_CLASS (klass);
  GEGL_OPERATION_SOURCE_CLASS (klass)->process = process;
  rf_gegl_op_class_setup (operation_class, "rectify:generate",
    _("Rectify Generate"), _("Generate (GEGL)..."),
    _("Make an image from a prompt with a FLUX.1 model run by Rectify outside this process"));
  operation_class->get_bounding_box = get_bounding_box;
}

#endif
