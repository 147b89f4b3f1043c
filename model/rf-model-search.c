/* rf-model-search.c — model discovery on the search path (see
 * rf-model-search.h). Listing opens each file's header only. */
#include "rf-model-search.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "rf-model-info.h"

#define MAX_DEPTH 6

static char *
expand_home (const char *p)
{
  if (p[0] == '~' && (p[1] == '/' || p[1] == '\0'))
    return g_build_filename (g_get_home_dir (), p + 1, NULL);
  return g_strdup (p);
}

static void
add_dir (GPtrArray *dirs, GHashTable *seen, const char *dir)
{
  g_autofree char *expanded = expand_home (dir);
  g_autofree char *canon = g_canonicalize_filename (expanded, NULL);
  if (*dir == '\0' || !g_file_test (canon, G_FILE_TEST_IS_DIR) || g_hash_table_contains (seen, canon))
    return;
  g_hash_table_add (seen, g_strdup (canon));
  g_ptr_array_add (dirs, g_steal_pointer (&canon));
}

char **
rf_model_search_dirs (const char *const *explicit_dirs, char **warning)
{
  GPtrArray *dirs = g_ptr_array_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (const char *const *d = explicit_dirs; d && *d; d++)
    add_dir (dirs, seen, *d);
  const char *env = g_getenv ("RECTIFY_MODELS");
  if (env)
    {
      g_auto (GStrv) parts = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);
      for (char **p = parts; *p; p++)
        add_dir (dirs, seen, *p);
    }
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "rectify", "models", NULL);
  add_dir (dirs, seen, data_dir);

  g_autofree char *config = g_build_filename (g_get_user_config_dir (), "rectify", "config.ini", NULL);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  GError *error = NULL;
  if (g_key_file_load_from_file (kf, config, G_KEY_FILE_NONE, &error))
    {
      g_auto (GStrv) extra = g_key_file_get_string_list (kf, "models", "extra_dirs", NULL, NULL);
      for (char **p = extra; p && *p; p++)
        add_dir (dirs, seen, g_strstrip (*p));
    }
  else
    {
      if (warning && !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        *warning = g_strdup_printf (_("ignoring %s: %s"), config, error->message);
      g_clear_error (&error);
    }
  g_ptr_array_add (dirs, NULL);
  return (char **) g_ptr_array_free (dirs, FALSE);
}

void
rf_model_entry_free (RfModelEntry *e)
{
  if (e == NULL)
    return;
  g_free (e->path);
  g_free (e->summary);
  g_free (e);
}

static RfModelEntry *
examine (const char *path)
{
  RfModelEntry *e = g_new0 (RfModelEntry, 1);
  e->path = g_strdup (path);
  GError *error = NULL;
  g_autoptr (RfModelFile) mf = rf_model_file_open (path, &error);
  if (mf == NULL)
    {
      e->summary = g_strdup_printf (_("unreadable: %s"), error->message);
      g_error_free (error);
      return e;
    }
  g_autoptr (GPtrArray) comps = rf_weights_detect (mf);
  g_autofree char *size = rf_format_bytes (rf_model_file_get_size (mf));
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < comps->len; i++)
    {
      const RfComponent *c = g_ptr_array_index (comps, i);
      g_autofree char *layout = rf_component_describe_layout (c, rf_model_file_get_format (mf));
      g_string_append_printf (s, "%s%s", i ? " + " : "", rf_model_family_name (c->family));
      if (c->family == RF_FAMILY_FLUX_DIT)
        {
          g_autoptr (RfWeights) w = rf_weights_load (mf, c, NULL);
          if (w)
            g_string_append_printf (s, " %s",
                                    rf_flux_variant_name (rf_weights_get_config (w)->flux.variant));
        }
      g_string_append_printf (s, " (%s)", layout);
    }
  if (comps->len == 0)
    g_string_append (s, _("no known model"));
  else
    e->ok = TRUE;
  g_string_append_printf (s, ", %s", size);
  e->summary = g_string_free (s, FALSE);
  return e;
}

static int
cmp_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

static void
walk (const char *dir, int depth, GPtrArray *out, GHashTable *seen)
{
  g_autoptr (GPtrArray) files = rf_model_list_files (dir);
  for (guint i = 0; i < files->len; i++)
    {
      const char *f = g_ptr_array_index (files, i);
      if (g_hash_table_contains (seen, f))
        continue;
      g_hash_table_add (seen, g_strdup (f));
      g_ptr_array_add (out, examine (f));
    }
  if (depth >= MAX_DEPTH)
    return;
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr (GPtrArray) subdirs = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *full = g_build_filename (dir, name, NULL);
      if (name[0] != '.' && !g_file_test (full, G_FILE_TEST_IS_SYMLINK)
          && g_file_test (full, G_FILE_TEST_IS_DIR))
        g_ptr_array_add (subdirs, g_steal_pointer (&full));
    }
  g_ptr_array_sort (subdirs, cmp_strings);
  for (guint i = 0; i < subdirs->len; i++)
    walk (g_ptr_array_index (subdirs, i), depth + 1, out, seen);
}

GPtrArray *
rf_model_search (const char *const *dirs)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_model_entry_free);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (const char *const *d = dirs; d && *d; d++)
    walk (*d, 0, out, seen);
  return out;
}
