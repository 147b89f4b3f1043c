/* rf-gegl-op.c — the op body the rectify:* GEGL ops share. */
#include "rf-gegl-op.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

/* The ops' labels and descriptions are translated (dgettext) when GEGL
 * registers their classes, right after it loads the module, so the text
 * domain is bound as the module loads. $RECTIFY_LOCALEDIR overrides the
 * install's folder (relocated installs, tests). */
__attribute__ ((constructor)) static void
bind_text_domain (void)
{
  const char *dir = g_getenv ("RECTIFY_LOCALEDIR");
  bindtextdomain (GETTEXT_PACKAGE, dir && *dir ? dir : RECTIFY_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
}

static void
prepare (GeglOperation *operation)
{
  const Babl *rgba = babl_format ("R'G'B'A float");
  if (gegl_node_has_pad (operation->node, "input"))
    gegl_operation_set_format (operation, "input", rgba);
  if (gegl_node_has_pad (operation->node, "aux"))
    gegl_operation_set_format (operation, "aux", babl_format ("Y float"));
  gegl_operation_set_format (operation, "output", rgba);
}

/* The whole input (a filter) or the op's own extent (a source). */
static GeglRectangle
whole (GeglOperation *operation, const GeglRectangle *roi)
{
  if (gegl_node_has_pad (operation->node, "input"))
    {
      GeglRectangle *r = gegl_operation_source_get_bounding_box (operation, "input");
      return r && !gegl_rectangle_is_infinite_plane (r) ? *r : *roi;
    }
  GeglRectangle box = gegl_operation_get_bounding_box (operation);
  return gegl_rectangle_is_empty (&box) ? *roi : box;
}

static GeglRectangle
get_required_for_output (GeglOperation *operation, const gchar *input_pad,
                         const GeglRectangle *roi)
{
  return whole (operation, roi);
}

static GeglRectangle
get_cached_region (GeglOperation *operation, const GeglRectangle *roi)
{
  return whole (operation, roi);
}

void
rf_gegl_op_class_setup (GeglOperationClass *klass, const char *name, const char *title,
                        const char *menu_label, const char *description)
{
  klass->prepare = prepare;
  klass->get_required_for_output = get_required_for_output;
  klass->get_cached_region = get_cached_region;
  klass->threaded = FALSE;
  gegl_operation_class_set_keys (klass,
    "name", name,
    "title", title,
    "categories", "generation",
    "gimp:menu-path", "<Image>/Filters/Rectify",
    "gimp:menu-label", menu_label,
    "description", description,
    NULL);
}

gboolean
rf_gegl_op_process (GeglOperation *operation, const RfGeglJob *job, GeglBuffer *input,
                    GeglBuffer *aux, GeglBuffer *output, const GeglRectangle *rect)
{
  const char *name = gegl_operation_get_name (operation);
  g_autoptr (GError) error = NULL;
  gboolean ok;
  if (g_strcmp0 (job->command, "inpaint") == 0 && aux == NULL)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("no mask on the aux pad"));
      ok = FALSE;
    }
  else
    ok = rf_gegl_run (operation, job, input, aux, output, rect, &error);
  if (!ok)
    {
      g_warning ("%s: %s%s", name, error->message,
                 input ? _("; passing the input through") : "");
      if (input)
        gegl_buffer_copy (input, rect, GEGL_ABYSS_NONE, output, rect);
    }
  return TRUE;
}
