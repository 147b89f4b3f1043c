/* rectify-gimp2.c — the GIMP 2.10 (libgimp-2.0) layer of the Rectify
 * plug-in: the same PDB procedures as the GIMP 3 one, a small dialog,
 * values remembered with gimp_set_data. The work is in ../rf-plugin-core.c. */
#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "rf-plugin-core.h"
#include "rf-plugin-dialog.h"
#include "rf-plugin-progress.h"

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

/* What gimp_set_data remembers between runs (fixed-size: stored raw). */
typedef struct {
  char prompt[1024];
  char source_prompt[1024];
  gint32 steps;
  gint32 seed;
  char model[1024];
  char device[64];
  gint32 in_place;
  gint32 last_seed;   /* the seed of the last run, -1 before one */
  double strength;    /* inpaint (last: data stored by older versions lacks it) */
} Values;

static void
values_default (Values *v)
{
  memset (v, 0, sizeof *v);
  v->seed = -1;
  v->last_seed = -1;
  v->strength = 1.0;
  g_strlcpy (v->device, "auto", sizeof v->device);
}

/* The PDB arguments of @info: inpaint also takes the strength. */
static int
n_args (const ProcInfo *info)
{
  return info->kind == RF_JOB_INPAINT ? 11 : 10;
}

static void
query (void)
{
  static const GimpParamDef args[] = {
    { GIMP_PDB_INT32, "run-mode", "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1) }" },
    { GIMP_PDB_IMAGE, "image", "Input image" },
    { GIMP_PDB_DRAWABLE, "drawable", "Input drawable" },
    { GIMP_PDB_STRING, "prompt", "What the result should show" },
    { GIMP_PDB_STRING, "source-prompt", "Edit: what the layer shows now" },
    { GIMP_PDB_INT32, "steps", "Sampling steps (0 = the model's default)" },
    { GIMP_PDB_INT32, "seed", "Noise seed (-1 = random)" },
    { GIMP_PDB_STRING, "model", "A FLUX.1 transformer file (empty = installed, else the test model)" },
    { GIMP_PDB_STRING, "device", "auto, cpu, vulkan or vulkan:N" },
    { GIMP_PDB_INT32, "in-place", "Write into the layer instead of a new layer above (TRUE, FALSE)" },
    /* inpaint only; appended, so older calls keep their argument order */
    { GIMP_PDB_FLOAT, "strength", "Inpaint: how much of the selection is regenerated, above 0 "
      "and at most 1 (1 = from pure noise)" },
  };
  static const GimpParamDef rets[] = {
    { GIMP_PDB_INT32, "seed-used", "The seed the noise came from" },
  };
  gimp_plugin_domain_register (GETTEXT_PACKAGE, RECTIFY_LOCALEDIR);
  for (gsize i = 0; i < G_N_ELEMENTS (procs); i++)
    {
      gimp_install_procedure (procs[i].name, N_(procs[i].blurb), procs[i].blurb,
                              "Rectify authors", "Rectify authors", "2026",
                              N_(procs[i].menu_label), "RGB*, GRAY*", GIMP_PLUGIN,
                              n_args (&procs[i]), G_N_ELEMENTS (rets), args, rets);
      gimp_plugin_menu_register (procs[i].name, "<Image>/Filters/Rectify");
    }
}

static GtkWidget *
add_entry (GtkWidget *table, int row, const char *label, const char *text)
{
  GtkWidget *entry = gtk_entry_new ();
  gtk_entry_set_text (GTK_ENTRY (entry), text);
  gtk_entry_set_width_chars (GTK_ENTRY (entry), 40);
  gimp_table_attach_aligned (GTK_TABLE (table), 0, row, label, 0.0, 0.5, entry, 1, FALSE);
  return entry;
}

static void
reuse_seed (gint64 seed, gpointer user_data)
{
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (user_data), (double) seed);
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

static gboolean
run_dialog (const ProcInfo *info, Values *v)
{
  gimp_ui_init ("rectify", FALSE);
  GtkWidget *dialog = gimp_dialog_new (_(info->menu_label), "rectify", NULL, 0,
                                       gimp_standard_help_func, info->name,
                                       _("_Cancel"), GTK_RESPONSE_CANCEL,
                                       _("_OK"), GTK_RESPONSE_OK, NULL);
  GtkWidget *content = gtk_dialog_get_content_area (GTK_DIALOG (dialog));
  gboolean inpaint = info->kind == RF_JOB_INPAINT;
  GtkWidget *table = gtk_table_new (inpaint ? 6 : 5, 2, FALSE);
  gtk_table_set_row_spacings (GTK_TABLE (table), 6);
  gtk_table_set_col_spacings (GTK_TABLE (table), 6);
  gtk_container_set_border_width (GTK_CONTAINER (table), 12);
  gtk_box_pack_start (GTK_BOX (content), table, TRUE, TRUE, 0);
  GtkWidget *prompt = add_entry (table, 0, _("_Prompt:"), v->prompt);
  GtkWidget *source = add_entry (table, 1, _("_Source prompt:"), v->source_prompt);
  GtkObject *steps_adj = gtk_adjustment_new (v->steps, 0, 1000, 1, 10, 0);
  GtkWidget *steps = gtk_spin_button_new (GTK_ADJUSTMENT (steps_adj), 1, 0);
  gimp_table_attach_aligned (GTK_TABLE (table), 0, 2, _("S_teps:"), 0.0, 0.5, steps, 1, TRUE);
  int row = 3;   /* after the steps: inpaint's strength, then the seed */
  GtkWidget *strength = NULL;
  if (inpaint)
    {
      GtkObject *strength_adj = gtk_adjustment_new (v->strength, 0.01, 1.0, 0.05, 0.1, 0);
      strength = gtk_spin_button_new (GTK_ADJUSTMENT (strength_adj), 0.05, 2);
      gimp_help_set_help_data (strength, _("How much of the selection is regenerated: 1 from "
                                           "pure noise, lower keeps more of the image there "
                                           "and runs that share of the steps"), NULL);
      gimp_table_attach_aligned (GTK_TABLE (table), 0, row++, _("Stre_ngth:"), 0.0, 0.5,
                                 strength, 1, TRUE);
    }
  GtkObject *seed_adj = gtk_adjustment_new (v->seed, -1, G_MAXINT, 1, 100, 0);
  GtkWidget *seed = gtk_spin_button_new (GTK_ADJUSTMENT (seed_adj), 1, 0);
  gimp_table_attach_aligned (GTK_TABLE (table), 0, row++, _("See_d (-1 random):"), 0.0, 0.5,
                             seed, 1, TRUE);
  GtkWidget *in_place = gtk_check_button_new_with_mnemonic (_("_Replace the layer"));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (in_place), v->in_place);
  gtk_table_attach_defaults (GTK_TABLE (table), in_place, 1, 2, row, row + 1);
  g_autoptr (RfPluginChoices) choices = rf_plugin_choices_new (v->model, v->device, v->last_seed,
                                                               reuse_seed, seed);
  gtk_box_pack_start (GTK_BOX (content), rf_plugin_choices_get_widget (choices), FALSE, FALSE,
                      0);
  gtk_widget_show_all (dialog);
  if (g_getenv ("RECTIFY_DIALOG_SCREENSHOT"))
    g_timeout_add (2000, screenshot_and_close, dialog);
  gboolean ok = gimp_dialog_run (GIMP_DIALOG (dialog)) == GTK_RESPONSE_OK;
  if (ok)
    {
      g_strlcpy (v->prompt, gtk_entry_get_text (GTK_ENTRY (prompt)), sizeof v->prompt);
      g_strlcpy (v->source_prompt, gtk_entry_get_text (GTK_ENTRY (source)),
                 sizeof v->source_prompt);
      v->steps = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (steps));
      v->seed = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (seed));
      g_strlcpy (v->model, rf_plugin_choices_get_model (choices), sizeof v->model);
      g_strlcpy (v->device, rf_plugin_choices_get_device (choices), sizeof v->device);
      v->in_place = gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (in_place));
      if (strength)
        v->strength = gtk_spin_button_get_value (GTK_SPIN_BUTTON (strength));
    }
  gtk_widget_destroy (dialog);
  return ok;
}

static void
on_progress (double fraction, const char *text, gpointer user_data)
{
  gimp_progress_update (fraction);
}

/* Does the work; returns the status and sets *message on failure. */
static GimpPDBStatusType
process (const ProcInfo *info, gint32 image, gint32 drawable, const Values *v,
         gboolean interactive, guint64 *seed_used, char **message)
{
  if (gimp_drawable_is_indexed (drawable))
    {
      *message = g_strdup (_("Rectify needs an RGB or grayscale image: convert indexed images "
                             "first (Image ▸ Mode ▸ RGB)."));
      return GIMP_PDB_EXECUTION_ERROR;
    }
  int ox = 0, oy = 0;
  gimp_drawable_offsets (drawable, &ox, &oy);
  int w = gimp_drawable_width (drawable), h = gimp_drawable_height (drawable);
  GeglRectangle rect = { 0, 0, w, h };

  g_autoptr (RfImage) mask = NULL;
  if (!gimp_selection_is_empty (image))
    {
      GeglBuffer *sbuf = gimp_drawable_get_buffer (gimp_image_get_selection (image));
      GeglRectangle srect = { ox, oy, w, h };
      mask = rf_plugin_image_from_buffer (sbuf, &srect, TRUE);
      g_object_unref (sbuf);
      if (!rf_plugin_mask_any (mask))
        {
          *message = g_strdup (_("The selection does not touch this layer."));
          return GIMP_PDB_EXECUTION_ERROR;
        }
    }
  else if (info->kind == RF_JOB_INPAINT)
    {
      *message = g_strdup (_("Select the region to inpaint first (any selection tool; "
                             "feathered edges blend)."));
      return GIMP_PDB_EXECUTION_ERROR;
    }

  GeglBuffer *buffer = gimp_drawable_get_buffer (drawable);
  g_autoptr (RfImage) input = rf_plugin_image_from_buffer (buffer, &rect, FALSE);
  g_object_unref (buffer);

  gimp_progress_init (_("Rectify: running the model"));
  RfPluginJob job = { info->kind, v->prompt, v->source_prompt, (guint) MAX (v->steps, 0),
                      v->seed, v->model, v->device,
                      info->kind == RF_JOB_INPAINT ? v->strength : 1.0 };
  g_autoptr (GError) error = NULL;
  /* interactive: our own window with previews and a cooperative Cancel */
  g_autoptr (RfImage) output = interactive
    ? rf_plugin_progress_run (_(info->menu_label), &job, input, mask, on_progress, NULL,
                              seed_used, &error)
    : rf_plugin_run (&job, input, mask, on_progress, NULL, NULL, NULL, seed_used, &error);
  if (output == NULL)
    {
      *message = g_strdup (error->message);
      return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
             ? GIMP_PDB_CANCEL : GIMP_PDB_EXECUTION_ERROR;
    }

  g_autofree char *done = rf_plugin_seed_text (_("Rectify: done"), *seed_used);
  gimp_progress_set_text (done);
  g_autofree char *seed_str = g_strdup_printf ("%" G_GUINT64_FORMAT, *seed_used);
  g_autofree char *layer_name = rf_plugin_seed_text (_("Rectify result"), *seed_used);
  GimpParasite *parasite = gimp_parasite_new (RF_PLUGIN_SEED_PARASITE,
                                              GIMP_PARASITE_PERSISTENT | GIMP_PARASITE_UNDOABLE,
                                              strlen (seed_str) + 1, seed_str);
  /* only now, with the result complete, is the image touched: one undo step */
  gimp_image_undo_group_start (image);
  if (v->in_place)
    {
      GeglBuffer *shadow = gimp_drawable_get_shadow_buffer (drawable);
      rf_plugin_image_to_buffer (output, shadow, 0, 0);
      g_object_unref (shadow);
      gimp_drawable_merge_shadow (drawable, TRUE);
      gimp_drawable_update (drawable, 0, 0, w, h);
      gimp_item_attach_parasite (drawable, parasite);
    }
  else
    {
      gint32 layer = gimp_layer_new (image, layer_name, w, h,
                                     gimp_drawable_type_with_alpha (drawable), 100.0,
                                     GIMP_LAYER_MODE_NORMAL);
      gint32 parent = gimp_item_is_layer (drawable) ? gimp_item_get_parent (drawable) : -1;
      int position = gimp_item_is_layer (drawable)
                     ? gimp_image_get_item_position (image, drawable) : 0;
      gimp_image_insert_layer (image, layer, parent > 0 ? parent : 0, position);
      gimp_layer_set_offsets (layer, ox, oy);
      GeglBuffer *lbuf = gimp_drawable_get_buffer (layer);
      rf_plugin_image_to_buffer (output, lbuf, 0, 0);
      g_object_unref (lbuf);
      gimp_drawable_update (layer, 0, 0, w, h);
      gimp_item_attach_parasite (layer, parasite);
    }
  gimp_image_undo_group_end (image);
  gimp_parasite_free (parasite);
  return GIMP_PDB_SUCCESS;
}

static void
run (const gchar *name, gint nparams, const GimpParam *param, gint *nreturn_vals,
     GimpParam **return_vals)
{
  static GimpParam values[2];
  *nreturn_vals = 1;
  *return_vals = values;
  values[0].type = GIMP_PDB_STATUS;
  values[0].data.d_status = GIMP_PDB_CALLING_ERROR;

  const ProcInfo *info = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (procs); i++)
    if (strcmp (procs[i].name, name) == 0)
      info = &procs[i];
  if (info == NULL || nparams < 3)
    return;
  rf_plugin_init_i18n (RECTIFY_LOCALEDIR);
  textdomain (GETTEXT_PACKAGE);
  gegl_init (NULL, NULL);

  GimpRunMode mode = param[0].data.d_int32;
  gint32 image = param[1].data.d_image, drawable = param[2].data.d_drawable;
  Values v;
  values_default (&v);
  gimp_get_data (name, &v);
  if (mode == GIMP_RUN_NONINTERACTIVE)
    {
      /* inpaint: 10 arguments from callers older than the strength */
      if (nparams != n_args (info) && !(info->kind == RF_JOB_INPAINT && nparams == 10))
        return;
      values_default (&v);
      g_strlcpy (v.prompt, param[3].data.d_string ? param[3].data.d_string : "", sizeof v.prompt);
      g_strlcpy (v.source_prompt, param[4].data.d_string ? param[4].data.d_string : "",
                 sizeof v.source_prompt);
      v.steps = param[5].data.d_int32;
      v.seed = param[6].data.d_int32;
      g_strlcpy (v.model, param[7].data.d_string ? param[7].data.d_string : "", sizeof v.model);
      g_strlcpy (v.device, param[8].data.d_string ? param[8].data.d_string : "auto",
                 sizeof v.device);
      v.in_place = param[9].data.d_int32;
      if (nparams > 10)
        v.strength = param[10].data.d_float;
    }
  else if (mode == GIMP_RUN_INTERACTIVE && !run_dialog (info, &v))
    {
      values[0].data.d_status = GIMP_PDB_CANCEL;
      return;
    }

  guint64 seed_used = 0;
  static char *message = NULL;
  g_clear_pointer (&message, g_free);
  GimpPDBStatusType status = process (info, image, drawable, &v, mode == GIMP_RUN_INTERACTIVE,
                                      &seed_used, &message);
  values[0].data.d_status = status;
  if (status == GIMP_PDB_SUCCESS)
    {
      /* remembered for the dialog's "reuse the last seed", whatever the
       * mode; a script's other values do not replace the dialog's */
      Values keep = v;
      if (mode == GIMP_RUN_NONINTERACTIVE)
        {
          values_default (&keep);
          gimp_get_data (name, &keep);
        }
      keep.last_seed = (gint32) (seed_used & G_MAXINT32);
      gimp_set_data (name, &keep, sizeof keep);
      if (mode == GIMP_RUN_INTERACTIVE)
        gimp_displays_flush ();
      *nreturn_vals = 2;
      values[1].type = GIMP_PDB_INT32;
      values[1].data.d_int32 = (gint32) (seed_used & G_MAXINT32);
    }
  else if (message)
    {
      *nreturn_vals = 2;
      values[1].type = GIMP_PDB_STRING;
      values[1].data.d_string = message;
    }
  gegl_exit ();
}

const GimpPlugInInfo PLUG_IN_INFO = { NULL, NULL, query, run };

MAIN ()
