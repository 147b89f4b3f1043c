/* rectify-edit.c — the rectify:edit GEGL operation: changes the input to
 * match a prompt (RF-Edit), keeping its structure. The model never runs
 * in the host process (see rf-gegl-run.h); the shared body is
 * rf-gegl-op.c. */
#include <glib/gi18n-lib.h>
#include <gegl.h>

#ifdef GEGL_PROPERTIES

#include "rf-gegl-op.h"

property_string (prompt, _("Prompt"), "")
  description (_("What the result should show"))
  ui_meta ("multiline", "true")
property_string (source_prompt, _("Source prompt"), "")
  description (_("What the input shows now"))
RF_GEGL_COMMON_PROPERTIES

#else

#define GEGL_OP_FILTER
#define GEGL_OP_NAME rectify_edit
#define GEGL_OP_C_SOURCE rectify-edit.c

#include "gegl-op.h"

static gboolean
process (GeglOperation *operation, GeglBuffer *input, GeglBuffer *output,
         const GeglRectangle *result, gint level)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  RfGeglJob job = { "edit", o->prompt, o->source_prompt, o->steps, o->seed, o->model,
                    o->device };
  return rf_gegl_op_process (operation, &job, input, NULL, output,
                             gegl_buffer_get_extent (input));
}

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GEGL_OPERATION_FILTER_CLASS (klass)->process = process;
  rf_gegl_op_class_setup (GEGL_OPERATION_CLASS (klass), "rectify:edit",
    _("Rectify Edit"), _("Edit (GEGL)..."),
    _("Change the image to match a prompt, keeping its structure, with a FLUX.1 model run "
      "by Rectify outside this process"));
}

#endif
