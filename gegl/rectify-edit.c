/* rectify-edit.c — the rectify:edit GEGL operation: changes the input to
 * match a prompt (RF-Edit), keeping its structure. Like rectify:inpaint it
 * runs the model in a separate Rectify process, never in the host. */
#include <glib/gi18n-lib.h>
#include <gegl.h>

#ifdef GEGL_PROPERTIES

property_string (prompt, _("Prompt"), "")
  description (_("What the result should show"))
property_string (source_prompt, _("Source prompt"), "")
  description (_("What the input shows now"))
property_int (steps, _("Steps"), 0)
  description (_("Sampling steps (0 = the model's default)"))
  value_range (0, 1000)
property_int (seed, _("Seed"), -1)
  description (_("Noise seed (-1 = random)"))
  value_range (-1, G_MAXINT)
property_string (model, _("Model"), "")
  description (_("A FLUX.1 transformer file (empty = the installed models, else the tiny "
                 "test model)"))
property_string (device, _("Device"), "auto")
  description (_("auto, cpu, vulkan or vulkan:N"))

#else

#define GEGL_OP_FILTER
#define GEGL_OP_NAME rectify_edit
#define GEGL_OP_C_SOURCE rectify-edit.c

#include "gegl-op.h"
#include "rf-gegl-run.h"

static void
prepare (GeglOperation *operation)
{
  gegl_operation_set_format (operation, "input", babl_format ("R'G'B'A float"));
  gegl_operation_set_format (operation, "output", babl_format ("R'G'B'A float"));
}

/* The model needs the whole image at once. */
static GeglRectangle
get_required_for_output (GeglOperation *operation, const gchar *input_pad,
                         const GeglRectangle *roi)
{
  GeglRectangle *r = gegl_operation_source_get_bounding_box (operation, "input");
  return r ? *r : *roi;
}

static GeglRectangle
get_cached_region (GeglOperation *operation, const GeglRectangle *roi)
{
  GeglRectangle *r = gegl_operation_source_get_bounding_box (operation, "input");
  return r ? *r : *roi;
}

static gboolean
process (GeglOperation *operation, GeglBuffer *input, GeglBuffer *output,
         const GeglRectangle *result, gint level)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  const GeglRectangle *extent = gegl_buffer_get_extent (input);
  RfGeglJob job = { "edit", o->prompt, o->source_prompt, o->steps, o->seed, o->model,
                    o->device };
  g_autoptr (GError) error = NULL;
  if (!rf_gegl_run (operation, &job, input, NULL, output, extent, &error))
    {
      g_warning ("rectify:edit: %s", error->message);
      gegl_buffer_copy (input, extent, GEGL_ABYSS_NONE, output, extent);
    }
  return TRUE;
}

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GeglOperationClass *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationFilterClass *filter_class = GEGL_OPERATION_FILTER_CLASS (klass);
  operation_class->prepare = prepare;
  operation_class->get_required_for_output = get_required_for_output;
  operation_class->get_cached_region = get_cached_region;
  operation_class->threaded = FALSE;
  filter_class->process = process;
  gegl_operation_class_set_keys (operation_class,
    "name", "rectify:edit",
    "title", _("Rectify Edit"),
    "categories", "generation",
    "gimp:menu-path", "<Image>/Filters/Rectify",
    "gimp:menu-label", _("Edit (GEGL)..."),
    "description", _("Change the image to match a prompt, keeping its structure, with a "
                     "FLUX.1 model run by Rectify outside this process"),
    NULL);
}

#endif
