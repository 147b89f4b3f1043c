/* rf-plugin-models.c — which model set a plug-in job runs with, and the
 * dialogs' model list: from the engine service, or searched in the
 * plug-in process when it runs the job itself. */
#include "rf-plugin-core.h"

#include <glib/gi18n-lib.h>

#include "rf-model-search.h"

RfModelSet *
rf_plugin_resolve_models (const char *model, GError **error)
{
  g_autofree char *warning = NULL;
  g_auto (GStrv) dirs = rf_model_search_dirs (NULL, &warning);
  return rf_model_set_resolve (NULL, model, (const char *const *) dirs, TRUE, NULL, error);
}

void
rf_plugin_model_free (RfPluginModel *model)
{
  if (model == NULL)
    return;
  g_free (model->value);
  g_free (model->label);
  g_free (model->missing);
  g_free (model);
}

/* The translated name of a part the service reports missing ("fill", "ae",
 * "clip", "t5"), or NULL when it does not matter for @set (the test set
 * brings its own conditioning). */
static const char *
part_name (const char *part, gboolean test_model)
{
  if (g_str_equal (part, "ae"))
    return _("autoencoder");
  if (g_str_equal (part, "clip"))
    return test_model ? NULL : _("CLIP-L text encoder");
  if (g_str_equal (part, "t5"))
    return test_model ? NULL : _("T5 text encoder");
  if (g_str_equal (part, "fill"))
    return _("Fill (inpainting blends instead)");
  return NULL;
}

/* What @set lacks for the three jobs, translated ("" when nothing):
 * @missing as the service lists it, else looked at here (with TAEF1,
 * which only a local run uses for its previews). */
static char *
describe_missing (const RfModelSet *set, const char *const *missing)
{
  g_autoptr (GPtrArray) parts = g_ptr_array_new ();
  if (missing != NULL)
    {
      for (const char *const *m = missing; *m; m++)
        {
          const char *name = part_name (*m, set->test_model);
          if (name)
            g_ptr_array_add (parts, (gpointer) name);
        }
    }
  else
    {
      if (set->ae == NULL)
        g_ptr_array_add (parts, (gpointer) _("autoencoder"));
      if (!set->test_model && set->clip == NULL)
        g_ptr_array_add (parts, (gpointer) _("CLIP-L text encoder"));
      if (!set->test_model && set->t5 == NULL)
        g_ptr_array_add (parts, (gpointer) _("T5 text encoder"));
      if (set->fill == NULL)
        g_ptr_array_add (parts, (gpointer) _("Fill (inpainting blends instead)"));
      if (set->taef1 == NULL)
        g_ptr_array_add (parts, (gpointer) _("TAEF1 (slower previews)"));
    }
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (", ", (char **) parts->pdata);
}

static RfPluginModel *
model_entry (const char *value, const RfModelSet *set, const char *const *missing,
             const char *name)
{
  RfPluginModel *m = g_new0 (RfPluginModel, 1);
  m->value = g_strdup (value);
  m->missing = describe_missing (set, missing);
  m->label = *m->missing ? g_strdup_printf (_("%s (missing: %s)"), name, m->missing)
                         : g_strdup (name);
  return m;
}

/* The sets the service sees; FALSE with @error when it cannot be asked. */
static gboolean
list_from_service (RfServiceClient *client, GPtrArray *list, GError **error)
{
  g_autoptr (GPtrArray) sets = rf_service_pipeline_list_model_sets (client, NULL, error);
  if (sets == NULL)
    return FALSE;
  for (guint i = 0; i < sets->len; i++)
    {
      const RfServiceModelSetInfo *info = g_ptr_array_index (sets, i);
      const RfModelSet *set = info->set;
      const char *file = set->flux ? set->flux : set->fill;
      if (file == NULL)
        continue;
      g_autofree char *name = set->test_model ? g_strdup (_("Tiny test model (random weights)"))
                                              : g_path_get_basename (file);
      g_ptr_array_add (list, model_entry (file, set, (const char *const *) info->missing, name));
    }
  return TRUE;
}

/* The sets found by searching here (the files' headers are read in this
 * process; no model is loaded). */
static void
list_here (GPtrArray *list)
{
  g_autofree char *warning = NULL;
  g_auto (GStrv) dirs = rf_model_search_dirs (NULL, &warning);
  g_autoptr (GPtrArray) files = rf_model_search ((const char *const *) dirs);
  for (guint i = 0; i < files->len; i++)
    {
      const RfModelEntry *e = g_ptr_array_index (files, i);
      gboolean fill = FALSE;
      if (!e->ok || !rf_model_set_classify_flux (e->path, &fill, NULL))
        continue;
      g_autoptr (RfModelSet) set = rf_model_set_new ();
      if (fill)
        set->fill = g_strdup (e->path);
      else
        set->flux = g_strdup (e->path);
      rf_model_set_complete (set, (const char *const *) dirs);
      g_autofree char *name = g_path_get_basename (e->path);
      g_ptr_array_add (list, model_entry (e->path, set, NULL, name));
    }
  g_autoptr (RfModelSet) test = rf_model_set_new_test ();
  if (test)
    g_ptr_array_add (list, model_entry (test->flux, test, NULL,
                                        _("Tiny test model (random weights)")));
}

GPtrArray *
rf_plugin_list_models (gboolean *from_service)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_plugin_model_free);
  RfPluginModel *automatic = g_new0 (RfPluginModel, 1);
  automatic->value = g_strdup ("");
  automatic->label = g_strdup (_("Automatic (the installed models, else the test model)"));
  g_ptr_array_add (list, automatic);

  g_autoptr (GError) error = NULL;
  g_autoptr (RfServiceClient) client = rf_plugin_service_client (&error);
  gboolean served = client && list_from_service (client, list, &error);
  if (!served)
    {
      if (error)
        g_printerr ("rectify: %s\n", error->message);
      g_ptr_array_set_size (list, 1);
      list_here (list);
    }
  if (from_service)
    *from_service = served;
  return list;
}
