/* rectify-inpaint.c — the rectify:inpaint GEGL operation: input = image,
 * aux = mask (white = regenerate, grey feathers). The model never runs in
 * the host process (GIMP): the op hands the pixels to a separate Rectify
 * process and reads its result back, so a driver crash cannot take the
 * host down. Pixels where the mask is 0 come back unchanged. */
#include <glib/gi18n-lib.h>
#include <gegl.h>

#ifdef GEGL_PROPERTIES

property_string (prompt, _("Prompt"), "")
  description (_("What to put in the masked region"))
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

#define GEGL_OP_COMPOSER
#define GEGL_OP_NAME rectify_inpaint
#define GEGL_OP_C_SOURCE rectify-inpaint.c

#include "gegl-op.h"
#include "rf-gegl-run.h"

static void
prepare (GeglOperation *operation)
{
  gegl_operation_set_format (operation, "input", babl_format ("R'G'B'A float"));
  gegl_operation_set_format (operation, "aux", babl_format ("Y float"));
  gegl_operation_set_format (operation, "output", babl_format ("R'G'B'A float"));
}

/* The model needs the whole image at once: a region needs everything. */
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
process (GeglOperation *operation, GeglBuffer *input, GeglBuffer *aux, GeglBuffer *output,
         const GeglRectangle *result, gint level)
{
  GeglProperties *o = GEGL_PROPERTIES (operation);
  const GeglRectangle *extent = gegl_buffer_get_extent (input);
  if (aux == NULL)
    {
      g_warning ("rectify:inpaint: no mask on the aux pad; passing the input through");
      gegl_buffer_copy (input, extent, GEGL_ABYSS_NONE, output, extent);
      return TRUE;
    }
  RfGeglJob job = { "inpaint", o->prompt, NULL, o->steps, o->seed, o->model, o->device };
  g_autoptr (GError) error = NULL;
  if (!rf_gegl_run (operation, &job, input, aux, output, extent, &error))
    {
      g_warning ("rectify:inpaint: %s", error->message);
      gegl_buffer_copy (input, extent, GEGL_ABYSS_NONE, output, extent);
    }
  return TRUE;
}

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GeglOperationClass *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationComposerClass *composer_class = GEGL_OPERATION_COMPOSER_CLASS (klass);
  operation_class->prepare = prepare;
  operation_class->get_required_for_output = get_required_for_output;
  operation_class->get_cached_region = get_cached_region;
  operation_class->threaded = FALSE;
  composer_class->process = process;
  gegl_operation_class_set_keys (operation_class,
    "name", "rectify:inpaint",
    "title", _("Rectify Inpaint"),
    "categories", "generation",
    "gimp:menu-path", "<Image>/Filters/Rectify",
    "gimp:menu-label", _("Inpaint (GEGL)..."),
    "description", _("Regenerate the region of the image that the aux mask marks, from a "
                     "prompt, with a FLUX.1 model run by Rectify outside this process"),
    NULL);
}

#endif
