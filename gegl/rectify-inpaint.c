/* rectify-inpaint.c — the rectify:inpaint GEGL operation: input = image,
 * aux = mask (white = regenerate, grey feathers). Pixels where the mask
 * is 0 come back unchanged. The model never runs in the host process
 * (see rf-gegl-run.h); the shared body is rf-gegl-op.c. */
#include <glib/gi18n-lib.h>
#include <gegl.h>

#ifdef GEGL_PROPERTIES

#include "rf-gegl-op.h"

property_string (prompt, _("Prompt"), "")
  description (_("What to put in the masked region"))
  ui_meta ("multiline", "true")
property_double (strength, _("Strength"), 1.0)
  description (_("How much of the masked region is regenerated: 1 from pure noise, lower "
                 "values keep more of the image there and run that share of the steps"))
  value_range (0.01, 1.0)
RF_GEGL_COMMON_PROPERTIES

#else

#define GEGL_OP_COMPOSER
#define GEGL_OP_NAME rectify_inpaint
#define GEGL_OP_C_SOURCE rectify-inpaint.c

#include "gegl-op.h"

static gboolean
process (GeglOperation *operation, GeglBuffer *input, GeglBuffer *aux, GeglBuffer *output,
         const GeglRectangle *result, gint level)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  RfGeglJob job = { "inpaint", o->prompt, NULL, o->steps, o->seed, o->model, o->device,
                    o->strength };
  return rf_gegl_op_process (operation, &job, input, aux, output,
                             gegl_buffer_get_extent (input));
}

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GEGL_OPERATION_COMPOSER_CLASS (klass)->process = process;
  rf_gegl_op_class_setup (GEGL_OPERATION_CLASS (klass), "rectify:inpaint",
    _("Rectify Inpaint"), _("Inpaint (GEGL)..."),
    _("Regenerate the region of the image that the aux mask marks, from a prompt, with a "
      "FLUX.1 model run by Rectify outside this process"));
}

#endif
