/* rectify-gimp3.c — the GIMP 3 (libgimp-3.0) layer of the Rectify
 * plug-in: procedure registration, the dialog, reading the drawable and
 * selection, and writing the result in one undo group. The work itself
 * is in ../rf-plugin-core.c, shared with the GIMP 2.10 plug-in. */
#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "rf-plugin-core.h"
#include "rf-plugin-dialog.h"
#include "rf-plugin-progress.h"

#define RECTIFY_TYPE_PLUGIN (rectify_plugin_get_type ())
G_DECLARE_FINAL_TYPE (RectifyPlugin, rectify_plugin, RECTIFY, PLUGIN, GimpPlugIn)

struct _RectifyPlugin {
  GimpPlugIn parent_instance;
};

G_DEFINE_TYPE (RectifyPlugin, rectify_plugin, GIMP_TYPE_PLUG_IN)

typedef struct {
  const char *name;
  RfJobKind kind;
  const char *menu_label;
  const char *blurb;
} ProcInfo;

static const ProcInfo procs[] = {
  { "plug-in-rectify-inpaint", RF_JOB_INPAINT, N_("_Inpaint..."),
    N_("Regenerate the selected region from a prompt with a FLUX.1 model") },
  { "plug-in-rectify-edit", RF_JOB_EDIT, N_("_Edit..."),
    N_("Change the layer (or the selection) to match a prompt, keeping its structure") },
  { "plug-in-rectify-generate", RF_JOB_GENERATE, N_("_Generate..."),
    N_("Make a new image from a prompt on the layer (or the selection)") },
};

static const ProcInfo *
find_proc (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (procs); i++)
    if (g_strcmp0 (procs[i].name, name) == 0)
      return &procs[i];
  return NULL;
}

static GList *
rectify_query_procedures (GimpPlugIn *plug_in)
{
  GList *list = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (procs); i++)
    list = g_list_append (list, g_strdup (procs[i].name));
  return list;
}

static gboolean
rectify_set_i18n (GimpPlugIn *plug_in, const gchar *procedure_name, gchar **gettext_domain,
                  gchar **catalog_dir)
{
  /* GIMP 3 takes catalogs relative to the plug-in's folder: the path
   * from the installed plug-in to the locale folder (see meson.build) */
  *gettext_domain = g_strdup (GETTEXT_PACKAGE);
  *catalog_dir = g_strdup (RECTIFY_GIMP3_CATALOG);
  return TRUE;
}

static void
on_progress (double fraction, const char *text, gpointer user_data)
{
  gimp_progress_update (fraction);
}

/* RECTIFY_DIALOG_SCREENSHOT=FILE (tests): saves the dialog as a PNG once
 * it is drawn, then cancels it (RECTIFY_DIALOG_ACCEPT=1: presses OK). */
static gboolean
screenshot_and_close (gpointer user_data)
{
  GtkWidget *dialog = user_data;
  rf_plugin_save_screenshot (dialog, g_getenv ("RECTIFY_DIALOG_SCREENSHOT"));
  gtk_dialog_response (GTK_DIALOG (dialog),
                       g_strcmp0 (g_getenv ("RECTIFY_DIALOG_ACCEPT"), "1") == 0
                       ? GTK_RESPONSE_OK : GTK_RESPONSE_CANCEL);
  return G_SOURCE_REMOVE;
}

static void
reuse_seed (gint64 seed, gpointer user_data)
{
  g_object_set (user_data, "seed", (int) seed, NULL);
}

/* The generated dialog for the PDB arguments, plus our model, device and
 * last-seed rows; FALSE when cancelled. */
static gboolean
run_dialog (GimpProcedure *procedure, GimpProcedureConfig *config, const ProcInfo *info)
{
  gimp_ui_init ("rectify");
  g_autofree char *model = NULL, *device = NULL;
  int last_seed = -1;
  g_object_get (config, "model", &model, "device", &device, "last-seed", &last_seed, NULL);
  GtkWidget *dialog = gimp_procedure_dialog_new (procedure, config, _(info->menu_label));
  if (info->kind == RF_JOB_INPAINT)
    gimp_procedure_dialog_fill (GIMP_PROCEDURE_DIALOG (dialog), "prompt", "source-prompt",
                                "steps", "strength", "seed", "in-place", NULL);
  else
    gimp_procedure_dialog_fill (GIMP_PROCEDURE_DIALOG (dialog), "prompt", "source-prompt",
                                "steps", "seed", "in-place", NULL);
  g_autoptr (RfPluginChoices) choices = rf_plugin_choices_new (model, device, last_seed,
                                                               reuse_seed, config);
  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dialog))),
                      rf_plugin_choices_get_widget (choices), FALSE, FALSE, 0);
  if (g_getenv ("RECTIFY_DIALOG_SCREENSHOT"))
    g_timeout_add (2000, screenshot_and_close, dialog);
  gboolean ok = gimp_procedure_dialog_run (GIMP_PROCEDURE_DIALOG (dialog));
  if (ok)
    g_object_set (config, "model", rf_plugin_choices_get_model (choices),
                  "device", rf_plugin_choices_get_device (choices), NULL);
  gtk_widget_destroy (dialog);
  return ok;
}

static GimpValueArray *
fail (GimpProcedure *procedure, GError *error)
{
  GimpPDBStatusType status = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                             ? GIMP_PDB_CANCEL : GIMP_PDB_EXECUTION_ERROR;
  return gimp_procedure_new_return_values (procedure, status, error);
}

static GimpValueArray *
rectify_run (GimpProcedure *procedure, GimpRunMode run_mode, GimpImage *image,
             GimpDrawable **drawables, GimpProcedureConfig *config, gpointer run_data)
{
  const ProcInfo *info = run_data;
  gegl_init (NULL, NULL);

  if (drawables == NULL || drawables[0] == NULL || drawables[1] != NULL)
    return fail (procedure, g_error_new (GIMP_PLUG_IN_ERROR, 0,
                                         _("Rectify works on exactly one layer.")));
  GimpDrawable *drawable = drawables[0];
  if (gimp_drawable_is_indexed (drawable))
    return fail (procedure, g_error_new (GIMP_PLUG_IN_ERROR, 0,
                 _("Rectify needs an RGB or grayscale image: convert indexed images first "
                   "(Image ▸ Mode ▸ RGB).")));

  if (run_mode == GIMP_RUN_INTERACTIVE && !run_dialog (procedure, config, info))
    return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL, NULL);

  g_autofree char *prompt = NULL, *source_prompt = NULL, *model = NULL, *device = NULL;
  int steps = 0, seed = -1;
  gboolean in_place = FALSE;
  g_object_get (config, "prompt", &prompt, "source-prompt", &source_prompt, "steps", &steps,
                "seed", &seed, "model", &model, "device", &device, "in-place", &in_place,
                NULL);
  double strength = 1.0;   /* only inpaint has the argument */
  if (info->kind == RF_JOB_INPAINT)
    g_object_get (config, "strength", &strength, NULL);

  int ox = 0, oy = 0;
  gimp_drawable_get_offsets (drawable, &ox, &oy);
  int w = gimp_drawable_get_width (drawable), h = gimp_drawable_get_height (drawable);
  GeglRectangle rect = { 0, 0, w, h };

  g_autoptr (RfImage) mask = NULL;
  if (!gimp_selection_is_empty (image))
    {
      /* the selection lives in image coordinates: the layer's part of it */
      GimpSelection *sel = gimp_image_get_selection (image);
      g_autoptr (GeglBuffer) sbuf = gimp_drawable_get_buffer (GIMP_DRAWABLE (sel));
      GeglRectangle srect = { ox, oy, w, h };
      mask = rf_plugin_image_from_buffer (sbuf, &srect, TRUE);
      if (!rf_plugin_mask_any (mask))
        return fail (procedure, g_error_new (GIMP_PLUG_IN_ERROR, 0,
                     _("The selection does not touch this layer.")));
    }
  else if (info->kind == RF_JOB_INPAINT)
    return fail (procedure, g_error_new (GIMP_PLUG_IN_ERROR, 0,
                 _("Select the region to inpaint first (any selection tool; feathered "
                   "edges blend).")));

  g_autoptr (GeglBuffer) buffer = gimp_drawable_get_buffer (drawable);
  g_autoptr (RfImage) input = rf_plugin_image_from_buffer (buffer, &rect, FALSE);

  gimp_progress_init (_("Rectify: running the model"));
  RfPluginJob job = { info->kind, prompt, source_prompt, (guint) steps, seed, model, device,
                      strength };
  guint64 seed_used = 0;
  GError *error = NULL;
  /* interactive: our own window with previews and a cooperative Cancel */
  g_autoptr (RfImage) output = run_mode == GIMP_RUN_INTERACTIVE
    ? rf_plugin_progress_run (_(info->menu_label), &job, input, mask, on_progress, NULL,
                              &seed_used, &error)
    : rf_plugin_run (&job, input, mask, on_progress, NULL, NULL, NULL, &seed_used, &error);
  if (output == NULL)
    return fail (procedure, error);
  g_autofree char *done = rf_plugin_seed_text (_("Rectify: done"), seed_used);
  gimp_progress_set_text (done);
  g_object_set (config, "last-seed", (int) (seed_used & G_MAXINT), NULL);
  g_autofree char *seed_str = g_strdup_printf ("%" G_GUINT64_FORMAT, seed_used);
  GimpParasite *parasite = gimp_parasite_new (RF_PLUGIN_SEED_PARASITE,
                                              GIMP_PARASITE_PERSISTENT | GIMP_PARASITE_UNDOABLE,
                                              strlen (seed_str) + 1, seed_str);
  g_autofree char *layer_name = rf_plugin_seed_text (_("Rectify result"), seed_used);

  /* everything is computed: only now is the image touched, in one undo step */
  gimp_image_undo_group_start (image);
  if (in_place)
    {
      g_autoptr (GeglBuffer) shadow = gimp_drawable_get_shadow_buffer (drawable);
      rf_plugin_image_to_buffer (output, shadow, 0, 0);
      gegl_buffer_flush (shadow);
      gimp_drawable_merge_shadow (drawable, TRUE);
      gimp_drawable_update (drawable, 0, 0, w, h);
      gimp_item_attach_parasite (GIMP_ITEM (drawable), parasite);
    }
  else
    {
      GimpLayer *layer = gimp_layer_new (image, layer_name, w, h,
                                         gimp_drawable_type_with_alpha (drawable), 100.0,
                                         GIMP_LAYER_MODE_NORMAL);
      GimpLayer *parent = GIMP_IS_LAYER (drawable)
        ? GIMP_LAYER (gimp_item_get_parent (GIMP_ITEM (drawable))) : NULL;
      int position = GIMP_IS_LAYER (drawable)
        ? gimp_image_get_item_position (image, GIMP_ITEM (drawable)) : 0;
      gimp_image_insert_layer (image, layer, parent, position);
      gimp_layer_set_offsets (layer, ox, oy);
      g_autoptr (GeglBuffer) lbuf = gimp_drawable_get_buffer (GIMP_DRAWABLE (layer));
      rf_plugin_image_to_buffer (output, lbuf, 0, 0);
      gegl_buffer_flush (lbuf);
      gimp_drawable_update (GIMP_DRAWABLE (layer), 0, 0, w, h);
      gimp_item_attach_parasite (GIMP_ITEM (layer), parasite);
    }
  gimp_image_undo_group_end (image);
  gimp_parasite_free (parasite);
  if (run_mode == GIMP_RUN_INTERACTIVE)
    gimp_displays_flush ();

  GimpValueArray *values = gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
  GIMP_VALUES_SET_INT (values, 1, (int) (seed_used & G_MAXINT));
  return values;
}

static GimpProcedure *
rectify_create_procedure (GimpPlugIn *plug_in, const gchar *name)
{
  const ProcInfo *info = find_proc (name);
  if (info == NULL)
    return NULL;
  GimpProcedure *procedure = gimp_image_procedure_new (plug_in, name, GIMP_PDB_PROC_TYPE_PLUGIN,
                                                       rectify_run, (gpointer) info, NULL);
  gimp_procedure_set_image_types (procedure, "RGB*, GRAY*");
  gimp_procedure_set_sensitivity_mask (procedure, GIMP_PROCEDURE_SENSITIVE_DRAWABLE);
  gimp_procedure_set_menu_label (procedure, _(info->menu_label));
  gimp_procedure_add_menu_path (procedure, "<Image>/Filters/Rectify");
  gimp_procedure_set_documentation (procedure, _(info->blurb), _(info->blurb), name);
  gimp_procedure_set_attribution (procedure, "Rectify authors", "Rectify authors", "2026");

  gimp_procedure_add_string_argument (procedure, "prompt", _("_Prompt"),
                                      _("What the result should show"), "", G_PARAM_READWRITE);
  gimp_procedure_add_string_argument (procedure, "source-prompt", _("_Source prompt"),
                                      _("Edit: what the layer shows now"), "",
                                      G_PARAM_READWRITE);
  gimp_procedure_add_int_argument (procedure, "steps", _("S_teps"),
                                   _("Sampling steps (0 = the model's default)"), 0, 1000, 0,
                                   G_PARAM_READWRITE);
  gimp_procedure_add_int_argument (procedure, "seed", _("See_d"),
                                   _("Noise seed (-1 = random; the seed used is returned)"),
                                   -1, G_MAXINT, -1, G_PARAM_READWRITE);
  gimp_procedure_add_string_argument (procedure, "model", _("_Model"),
                                      _("A FLUX.1 transformer file (empty = the installed "
                                        "models, else the tiny test model)"), "",
                                      G_PARAM_READWRITE);
  gimp_procedure_add_string_argument (procedure, "device", _("_Device"),
                                      _("auto, cpu, vulkan or vulkan:N"), "auto",
                                      G_PARAM_READWRITE);
  gimp_procedure_add_boolean_argument (procedure, "in-place", _("_Replace the layer"),
                                       _("Write into the layer instead of a new layer above"),
                                       FALSE, G_PARAM_READWRITE);
  /* appended, so calls written before it existed keep their argument order */
  if (info->kind == RF_JOB_INPAINT)
    gimp_procedure_add_double_argument (procedure, "strength", _("Stre_ngth"),
                                        _("How much of the selection is regenerated: 1 from "
                                          "pure noise, lower keeps more of the image there "
                                          "and runs that share of the steps"), 0.01, 1.0, 1.0,
                                        G_PARAM_READWRITE);
  gimp_procedure_add_int_aux_argument (procedure, "last-seed", _("Last seed"),
                                       _("The seed of the last run (remembered)"), -1,
                                       G_MAXINT, -1, G_PARAM_READWRITE);
  gimp_procedure_add_int_return_value (procedure, "seed-used", _("Seed used"),
                                       _("The seed the noise came from"), 0, G_MAXINT, 0,
                                       G_PARAM_READWRITE);
  return procedure;
}

static void
rectify_plugin_class_init (RectifyPluginClass *klass)
{
  GimpPlugInClass *plug_in_class = GIMP_PLUG_IN_CLASS (klass);
  plug_in_class->query_procedures = rectify_query_procedures;
  plug_in_class->create_procedure = rectify_create_procedure;
  plug_in_class->set_i18n = rectify_set_i18n;
}

static void
rectify_plugin_init (RectifyPlugin *self)
{
}

GIMP_MAIN (RECTIFY_TYPE_PLUGIN)
