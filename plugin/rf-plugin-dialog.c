/* rf-plugin-dialog.c — model, device and seed rows for the dialogs. */
#include "rf-plugin-dialog.h"

#include <glib/gi18n-lib.h>

#include "rf-plugin-core.h"

struct _RfPluginChoices {
  GtkWidget *table;
  GtkWidget *model_combo, *missing_label, *device_combo;
  GPtrArray *models;      /* RfPluginModel*, the combo's rows in order */
  GPtrArray *devices;     /* char*, the combo's rows in order */
  gint64 last_seed;
  RfPluginReuseSeedFunc reuse;
  gpointer reuse_data;
};

static void
on_model_changed (GtkComboBox *combo, gpointer data)
{
  RfPluginChoices *c = data;
  int i = gtk_combo_box_get_active (combo);
  const RfPluginModel *m = i >= 0 && (guint) i < c->models->len
                           ? g_ptr_array_index (c->models, i) : NULL;
  char *text = m && m->missing && *m->missing
               ? g_strdup_printf (_("Missing: %s"), m->missing) : g_strdup ("");
  gtk_label_set_text (GTK_LABEL (c->missing_label), text);
  g_free (text);
}

static void
on_reuse (GtkButton *button, gpointer data)
{
  RfPluginChoices *c = data;
  if (c->reuse)
    c->reuse (c->last_seed, c->reuse_data);
}

static void
attach (RfPluginChoices *c, int row, const char *label, GtkWidget *widget)
{
  GtkWidget *l = label ? gtk_label_new_with_mnemonic (label) : NULL;
#if GTK_CHECK_VERSION (3, 0, 0)
  if (l)
    {
      gtk_label_set_xalign (GTK_LABEL (l), 0.0f);
      gtk_grid_attach (GTK_GRID (c->table), l, 0, row, 1, 1);
    }
  gtk_widget_set_hexpand (widget, TRUE);
  gtk_grid_attach (GTK_GRID (c->table), widget, 1, row, 1, 1);
#else
  if (l)
    {
      gtk_misc_set_alignment (GTK_MISC (l), 0.0f, 0.5f);
      gtk_table_attach (GTK_TABLE (c->table), l, 0, 1, row, row + 1, GTK_FILL, GTK_FILL, 0, 0);
    }
  gtk_table_attach (GTK_TABLE (c->table), widget, 1, 2, row, row + 1, GTK_EXPAND | GTK_FILL,
                    GTK_FILL, 0, 0);
#endif
  if (l)
    gtk_label_set_mnemonic_widget (GTK_LABEL (l), widget);
}

RfPluginChoices *
rf_plugin_choices_new (const char *model, const char *device, gint64 last_seed,
                       RfPluginReuseSeedFunc reuse, gpointer user_data)
{
  RfPluginChoices *c = g_new0 (RfPluginChoices, 1);
  c->last_seed = last_seed;
  c->reuse = reuse;
  c->reuse_data = user_data;
#if GTK_CHECK_VERSION (3, 0, 0)
  c->table = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (c->table), 6);
  gtk_grid_set_column_spacing (GTK_GRID (c->table), 6);
#else
  c->table = gtk_table_new (4, 2, FALSE);
  gtk_table_set_row_spacings (GTK_TABLE (c->table), 6);
  gtk_table_set_col_spacings (GTK_TABLE (c->table), 6);
#endif
  gtk_container_set_border_width (GTK_CONTAINER (c->table), 6);

  /* models: the sets the service (or, without one, a search here) finds,
   * the given one added when it is not among them */
  c->models = rf_plugin_list_models (NULL);
  c->model_combo = gtk_combo_box_text_new ();
  int active = 0;
  for (guint i = 0; i < c->models->len; i++)
    {
      const RfPluginModel *m = g_ptr_array_index (c->models, i);
      gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (c->model_combo), m->label);
      if (model && g_strcmp0 (m->value, model) == 0)
        active = (int) i;
    }
  if (model && *model && active == 0)
    {
      RfPluginModel *m = g_new0 (RfPluginModel, 1);
      m->value = g_strdup (model);
      m->label = g_strdup (model);
      g_ptr_array_add (c->models, m);
      gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (c->model_combo), m->label);
      active = (int) c->models->len - 1;
    }
  attach (c, 0, _("_Model:"), c->model_combo);
  c->missing_label = gtk_label_new ("");
  gtk_label_set_line_wrap (GTK_LABEL (c->missing_label), TRUE);
  attach (c, 1, NULL, c->missing_label);
  g_signal_connect (c->model_combo, "changed", G_CALLBACK (on_model_changed), c);
  gtk_combo_box_set_active (GTK_COMBO_BOX (c->model_combo), active);

  /* devices */
  char **values = NULL, **labels = NULL;
  rf_plugin_list_devices (&values, &labels);
  c->devices = g_ptr_array_new_with_free_func (g_free);
  c->device_combo = gtk_combo_box_text_new ();
  active = 0;
  for (int i = 0; values[i]; i++)
    {
      g_ptr_array_add (c->devices, g_strdup (values[i]));
      gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (c->device_combo), labels[i]);
      if (g_strcmp0 (values[i], device) == 0)
        active = i;
    }
  if (device && *device && active == 0 && g_strcmp0 (device, "auto") != 0)
    {
      g_ptr_array_add (c->devices, g_strdup (device));
      gtk_combo_box_text_append_text (GTK_COMBO_BOX_TEXT (c->device_combo), device);
      active = (int) c->devices->len - 1;
    }
  g_strfreev (values);
  g_strfreev (labels);
  gtk_combo_box_set_active (GTK_COMBO_BOX (c->device_combo), active);
  attach (c, 2, _("_Device:"), c->device_combo);

  if (last_seed >= 0)
    {
      char *number = g_strdup_printf ("%" G_GINT64_FORMAT, last_seed);
      char *text = g_strdup_printf (_("_Reuse the last seed (%s)"), number);
      g_free (number);
      GtkWidget *button = gtk_button_new_with_mnemonic (text);
      g_free (text);
      g_signal_connect (button, "clicked", G_CALLBACK (on_reuse), c);
      attach (c, 3, NULL, button);
    }
  g_object_ref_sink (c->table);
  gtk_widget_show_all (c->table);
  return c;
}

void
rf_plugin_choices_free (RfPluginChoices *c)
{
  if (c == NULL)
    return;
  g_object_unref (c->table);
  g_ptr_array_unref (c->models);
  g_ptr_array_unref (c->devices);
  g_free (c);
}

GtkWidget *
rf_plugin_choices_get_widget (RfPluginChoices *c)
{
  return c->table;
}

const char *
rf_plugin_choices_get_model (RfPluginChoices *c)
{
  int i = gtk_combo_box_get_active (GTK_COMBO_BOX (c->model_combo));
  return i >= 0 && (guint) i < c->models->len
         ? ((RfPluginModel *) g_ptr_array_index (c->models, i))->value : "";
}

const char *
rf_plugin_choices_get_device (RfPluginChoices *c)
{
  int i = gtk_combo_box_get_active (GTK_COMBO_BOX (c->device_combo));
  return i >= 0 && (guint) i < c->devices->len ? g_ptr_array_index (c->devices, i) : "auto";
}
