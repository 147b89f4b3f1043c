/* rf-model-info.c — `rectify models info`: open every model file under a
 * path, recognise and check each model in it, and say what is missing. */
#include "rf-model-info.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "rf-error.h"

static void
part_free (RfModelPart *p)
{
  g_free (p->path);
  rf_component_free (p->component);
  g_free (p->description);
  g_free (p->layout);
  g_free (p->dtypes);
  g_free (p->error);
  g_free (p);
}

void
rf_model_info_free (RfModelInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->path);
  g_ptr_array_unref (info->parts);
  g_free (info->missing);
  g_free (info);
}

char *
rf_format_bytes (guint64 bytes)
{
  if (bytes >= 1000000000ull)
    return g_strdup_printf ("%.1f GB", bytes / 1e9);
  if (bytes >= 1000000ull)
    return g_strdup_printf ("%.1f MB", bytes / 1e6);
  if (bytes >= 1000ull)
    return g_strdup_printf ("%.1f kB", bytes / 1e3);
  return g_strdup_printf ("%" G_GUINT64_FORMAT " bytes", bytes);
}

char *
rf_format_count (gint64 n)
{
  if (n >= 1000000000)
    return g_strdup_printf ("%.2f B", n / 1e9);
  if (n >= 1000000)
    return g_strdup_printf ("%.1f M", n / 1e6);
  return g_strdup_printf ("%" G_GINT64_FORMAT, n);
}

char *
rf_component_describe_layout (const RfComponent *c, RfModelFormat format)
{
  if (c->scheme == RF_NAME_SCHEME_DIFFUSERS)
    return *c->prefix ? g_strdup_printf ("diffusers names, prefix '%s'", c->prefix)
                      : g_strdup ("diffusers");
  if (c->scheme == RF_NAME_SCHEME_LLAMA_CPP)
    return g_strdup ("llama.cpp GGUF names");
  if (*c->prefix == '\0')
    {
      if (format == RF_MODEL_FORMAT_GGUF)
        return g_strdup ("GGUF with reference names");
      gboolean bfl = c->family == RF_FAMILY_FLUX_DIT || c->family == RF_FAMILY_AUTOENCODER;
      return g_strdup_printf ("%s %s", bfl ? "BFL" : "transformers",
                              format == RF_MODEL_FORMAT_SAFETENSORS_SHARDED ? "sharded" : "single file");
    }
  if (strcmp (c->prefix, "model.diffusion_model.") == 0 || strcmp (c->prefix, "vae.") == 0
      || g_str_has_prefix (c->prefix, "text_encoders."))
    return g_strdup_printf ("ComfyUI (prefix %s)", c->prefix);
  if (strcmp (c->prefix, "first_stage_model.") == 0 || g_str_has_prefix (c->prefix, "cond_stage_model."))
    return g_strdup_printf ("Stability checkpoint (prefix %s)", c->prefix);
  return g_strdup_printf ("prefix %s", c->prefix);
}

static char *
dtype_mix (const RfWeights *w)
{
  guint counts[RF_DTYPE_COUNT] = { 0 };
  for (guint i = 0; i < rf_weights_get_n (w); i++)
    counts[rf_weights_get_nth (w, i)->dtype]++;
  GString *s = g_string_new (NULL);
  for (int d = 0; d < RF_DTYPE_COUNT; d++)
    if (counts[d])
      g_string_append_printf (s, "%s%s ×%u", s->len ? ", " : "", rf_dtype_name (d), counts[d]);
  return g_string_free (s, FALSE);
}

static void
add_file (RfModelInfo *info, const char *path)
{
  GError *error = NULL;
  g_autoptr (RfModelFile) mf = rf_model_file_open (path, &error);
  if (mf == NULL)
    {
      RfModelPart *p = g_new0 (RfModelPart, 1);
      p->path = g_strdup (path);
      p->error = g_strdup (error->message);
      g_error_free (error);
      g_ptr_array_add (info->parts, p);
      return;
    }
  g_autoptr (GPtrArray) components = rf_weights_detect (mf);
  if (components->len == 0)
    {
      RfModelPart *p = g_new0 (RfModelPart, 1);
      p->path = g_strdup (path);
      p->format = rf_model_file_get_format (mf);
      p->file_bytes = rf_model_file_get_size (mf);
      p->n_tensors = rf_model_file_get_n_tensors (mf);
      p->error = g_strdup (_("no FLUX transformer, autoencoder, CLIP or T5 tensors recognised"));
      g_ptr_array_add (info->parts, p);
      return;
    }
  for (guint i = 0; i < components->len; i++)
    {
      RfComponent *c = g_ptr_array_index (components, i);
      RfModelPart *p = g_new0 (RfModelPart, 1);
      p->path = g_strdup (path);
      p->format = rf_model_file_get_format (mf);
      p->file_bytes = rf_model_file_get_size (mf);
      p->layout = rf_component_describe_layout (c, p->format);
      g_autoptr (RfWeights) w = rf_weights_load (mf, c, &error);
      if (w == NULL)
        {
          p->error = g_strdup (error->message);
          g_clear_error (&error);
        }
      else
        {
          p->config = *rf_weights_get_config (w);
          p->description = rf_weights_describe (w);
          p->dtypes = dtype_mix (w);
          p->n_tensors = rf_weights_get_n (w);
          p->n_params = rf_weights_get_n_params (w);
          p->n_bytes = rf_weights_get_n_bytes (w);
        }
      p->component = g_steal_pointer (&components->pdata[i]);
      g_ptr_array_add (info->parts, p);
    }
}

static int
cmp_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

static gboolean
is_model_file_name (const char *name)
{
  return g_str_has_suffix (name, ".safetensors") || g_str_has_suffix (name, ".sft")
         || g_str_has_suffix (name, ".gguf") || g_str_has_suffix (name, ".safetensors.index.json");
}

GPtrArray *
rf_model_list_files (const char *dir)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return files;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  gboolean has_index = FALSE;
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (is_model_file_name (name))
      {
        has_index |= g_str_has_suffix (name, ".index.json");
        g_ptr_array_add (names, g_strdup (name));
      }
  g_ptr_array_sort (names, cmp_strings);
  for (guint i = 0; i < names->len; i++)
    {
      const char *n = g_ptr_array_index (names, i);
      /* "model-00001-of-00003.safetensors" is a shard of the index */
      if (has_index && !g_str_has_suffix (n, ".index.json") && strstr (n, "-of-") != NULL)
        continue;
      g_autofree char *full = g_build_filename (dir, n, NULL);
      if (g_file_test (full, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (files, g_steal_pointer (&full));
    }
  return files;
}

static void
compute_missing (RfModelInfo *info)
{
  gboolean dit = FALSE, ae = FALSE, clip = FALSE, t5 = FALSE;
  for (guint i = 0; i < info->parts->len; i++)
    {
      const RfModelPart *p = g_ptr_array_index (info->parts, i);
      if (p->error || p->component == NULL)
        continue;
      switch (p->component->family)
        {
        case RF_FAMILY_FLUX_DIT: dit = TRUE; break;
        case RF_FAMILY_AUTOENCODER: ae |= p->config.ae.has_decoder; break;
        case RF_FAMILY_CLIP_TEXT: clip |= p->config.clip.hidden == 768; break;
        case RF_FAMILY_T5_ENCODER: t5 = TRUE; break;
        default: break;
        }
    }
  GString *s = g_string_new (NULL);
  if (!dit)
    g_string_append_printf (s, "%s%s", s->len ? "; " : "", _("no FLUX transformer found"));
  if (!ae)
    g_string_append_printf (s, "%s%s", s->len ? "; " : "", _("no autoencoder found"));
  if (!clip)
    g_string_append_printf (s, "%s%s", s->len ? "; " : "", _("no CLIP-L text encoder found"));
  if (!t5)
    g_string_append_printf (s, "%s%s", s->len ? "; " : "", _("no T5 text encoder found"));
  info->missing = s->len ? g_string_free (s, FALSE) : (g_string_free (s, TRUE), NULL);
}

RfModelInfo *
rf_model_info_gather (const char *path, GError **error)
{
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_NOT_FOUND, _("%s: no such file or folder"),
                   path);
      return NULL;
    }
  RfModelInfo *info = g_new0 (RfModelInfo, 1);
  info->path = g_strdup (path);
  info->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) part_free);
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    add_file (info, path);
  else
    {
      g_autoptr (GPtrArray) files = rf_model_list_files (path);
      /* a diffusers folder (model_index.json) or a folder of folders:
       * look one level down as well */
      g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
      g_autoptr (GPtrArray) subdirs = g_ptr_array_new_with_free_func (g_free);
      const char *name;
      while (d && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *full = g_build_filename (path, name, NULL);
          if (name[0] != '.' && g_file_test (full, G_FILE_TEST_IS_DIR))
            g_ptr_array_add (subdirs, g_steal_pointer (&full));
        }
      g_ptr_array_sort (subdirs, cmp_strings);
      for (guint i = 0; i < subdirs->len; i++)
        {
          g_autoptr (GPtrArray) sub = rf_model_list_files (g_ptr_array_index (subdirs, i));
          for (guint k = 0; k < sub->len; k++)
            g_ptr_array_add (files, g_steal_pointer (&sub->pdata[k]));
        }
      if (files->len == 0)
        {
          g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_NOT_FOUND,
                       _("%s: no model files (.safetensors, .gguf) in this folder"), path);
          rf_model_info_free (info);
          return NULL;
        }
      for (guint i = 0; i < files->len; i++)
        add_file (info, g_ptr_array_index (files, i));
    }
  compute_missing (info);
  return info;
}

gboolean
rf_model_info_is_ok (const RfModelInfo *info)
{
  gboolean any = FALSE;
  for (guint i = 0; i < info->parts->len; i++)
    {
      const RfModelPart *p = g_ptr_array_index (info->parts, i);
      if (p->error)
        return FALSE;
      any |= p->component != NULL;
    }
  return any;
}

char *
rf_model_info_format (const RfModelInfo *info)
{
  GString *s = g_string_new (NULL);
  const char *last_path = NULL;
  for (guint i = 0; i < info->parts->len; i++)
    {
      const RfModelPart *p = g_ptr_array_index (info->parts, i);
      if (last_path == NULL || strcmp (last_path, p->path) != 0)
        {
          g_autofree char *size = rf_format_bytes (p->file_bytes);
          if (p->component || p->n_tensors)
            g_string_append_printf (s, "%s (%s, %s)\n", p->path, rf_model_format_name (p->format), size);
          else
            g_string_append_printf (s, "%s\n", p->path);
          last_path = p->path;
        }
      if (p->component)
        g_string_append_printf (s, "  %s [%s]\n", rf_model_family_name (p->component->family),
                                p->layout);
      if (p->error)
        {
          g_string_append_printf (s, "    error: %s\n", p->error);
          continue;
        }
      g_autofree char *params = rf_format_count (p->n_params);
      g_autofree char *bytes = rf_format_bytes (p->n_bytes);
      g_string_append_printf (s, "    %s\n", p->description);
      if (p->component->family == RF_FAMILY_FLUX_DIT)
        g_string_append_printf (s, "    variant: %s\n", rf_flux_variant_name (p->config.flux.variant));
      g_string_append_printf (s, "    %u tensors, %s parameters, %s; dtypes: %s\n", p->n_tensors,
                              params, bytes, p->dtypes);
    }
  if (info->missing)
    g_string_append_printf (s, _("To run FLUX.1 this still needs: %s.\n"), info->missing);
  else
    g_string_append (s, _("Complete: transformer, autoencoder and both text encoders found.\n"));
  return g_string_free (s, FALSE);
}
