/* rf-safetensors-index.c — sharded safetensors checkpoints.
 *
 * `model.safetensors.index.json` (transformers/diffusers):
 *   { "metadata": { "total_size": N, ... },
 *     "weight_map": { tensor name: "shard-00001-of-00002.safetensors" } }
 * The shards sit next to the index. Shard names must be plain file names
 * (no directories, no ".."): an index cannot make us open other files.
 * Every tensor the map names must be in the shard it names, and no
 * tensor may appear in two shards.
 */
#include "rf-model-file-private.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#define INDEX_MAX_BYTES (100u * 1000u * 1000u)
#define MAX_SHARDS 4096

#define FAIL(code, ...) \
  G_STMT_START { g_set_error (error, RF_MODEL_ERROR, code, __VA_ARGS__); goto out; } G_STMT_END

static gboolean
valid_shard_name (const char *s)
{
  return *s != '\0' && strchr (s, '/') == NULL && strchr (s, '\\') == NULL
         && strcmp (s, ".") != 0 && strcmp (s, "..") != 0;
}

static void
add_index_metadata (RfModelFile *mf, JsonObject *meta)
{
  g_autoptr (GList) keys = json_object_get_members (meta);
  for (GList *l = keys; l; l = l->next)
    {
      const char *key = l->data;
      JsonNode *v = json_object_get_member (meta, key);
      if (g_hash_table_contains (mf->metadata, key) || !JSON_NODE_HOLDS_VALUE (v))
        continue;
      RfMetaValue *mv = rf_model_file_alloc (mf, sizeof *mv);
      GType type = json_node_get_value_type (v);
      if (type == G_TYPE_STRING)
        {
          const char *s = json_node_get_string (v);
          mv->type = RF_META_STRING;
          mv->v.str = rf_model_file_strndup (mf, s, strlen (s));
        }
      else if (type == G_TYPE_INT64)
        {
          mv->type = RF_META_I64;
          mv->v.i = json_node_get_int (v);
        }
      else
        continue;
      rf_model_file_add_metadata (mf, rf_model_file_strndup (mf, key, strlen (key)), mv,
                                  "", NULL);
    }
}

RfModelFile *
rf_safetensors_open_index (const char *path, GError **error)
{
  RfModelFile *mf = NULL;
  g_autofree char *label = g_filename_display_name (path);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GMappedFile) map = rf_model_map_file (path, error);
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GHashTable) shard_ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) shard_names = g_ptr_array_new ();
  GList *names = NULL;
  GError *local = NULL;
  if (map == NULL)
    return NULL;

  gsize len = g_mapped_file_get_length (map);
  const char *text = g_mapped_file_get_contents (map);
  if (len == 0)
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: the index file is empty"), label);
  if (len > INDEX_MAX_BYTES)
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: the index file is larger than 100 MB"), label);
  if (!g_utf8_validate_len (text, len, NULL))
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: the index file is not valid UTF-8"), label);
  if (!json_parser_load_from_data (parser, text, (gssize) len, &local))
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_FORMAT,
                   _("%s: not valid JSON: %s"), label, local->message);
      g_clear_error (&local);
      goto out;
    }
  JsonNode *root = json_parser_get_root (parser);
  JsonObject *root_obj = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  JsonNode *map_node = root_obj ? json_object_get_member (root_obj, "weight_map") : NULL;
  JsonObject *wmap;
  if (map_node == NULL || !JSON_NODE_HOLDS_OBJECT (map_node))
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: no \"weight_map\" object; not a sharded checkpoint index"),
          label);
  wmap = json_node_get_object (map_node);
  names = json_object_get_members (wmap);

  /* shard file names in first-seen order */
  for (GList *l = names; l; l = l->next)
    {
      JsonNode *v = json_object_get_member (wmap, l->data);
      const char *shard = JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING
                            ? json_node_get_string (v) : NULL;
      if (shard == NULL || !valid_shard_name (shard))
        FAIL (RF_MODEL_ERROR_FORMAT,
              _("%s: tensor '%s' must map to a shard file name in the same folder"),
              label, (const char *) l->data);
      if (!g_hash_table_contains (shard_ids, shard))
        {
          if (shard_names->len >= MAX_SHARDS)
            FAIL (RF_MODEL_ERROR_FORMAT, _("%s: more than %d shards"), label, MAX_SHARDS);
          g_hash_table_insert (shard_ids, (gpointer) shard, GUINT_TO_POINTER (shard_names->len));
          g_ptr_array_add (shard_names, (gpointer) shard);
        }
    }
  if (shard_names->len == 0)
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: the weight map is empty"), label);

  mf = rf_model_file_new_empty (path, RF_MODEL_FORMAT_SAFETENSORS_SHARDED);
  for (guint s = 0; s < shard_names->len; s++)
    {
      g_autofree char *shard_path = g_build_filename (dir, g_ptr_array_index (shard_names, s), NULL);
      g_autofree char *shard_label = g_filename_display_name (shard_path);
      GMappedFile *shard_map = rf_model_map_file (shard_path, error);
      if (shard_map == NULL)
        goto fail;
      g_ptr_array_add (mf->mappings, shard_map);
      gsize size = g_mapped_file_get_length (shard_map);
      mf->total_bytes += size;
      if (size == 0)
        {
          g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_FORMAT,
                       _("%s: the file is empty"), shard_label);
          goto fail;
        }
      if (!rf_safetensors_parse (mf, (const guint8 *) g_mapped_file_get_contents (shard_map),
                                 size, s, shard_label, error))
        goto fail;
    }
  for (GList *l = names; l; l = l->next)
    {
      const char *shard = json_node_get_string (json_object_get_member (wmap, l->data));
      guint want = GPOINTER_TO_UINT (g_hash_table_lookup (shard_ids, shard));
      const RfFileTensor *t = rf_model_file_find_tensor (mf, l->data);
      if (t == NULL || t->shard != want)
        {
          g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_FORMAT,
                       _("%s: the index puts tensor '%s' in %s, but it is not there"),
                       label, (const char *) l->data, shard);
          goto fail;
        }
    }
  JsonNode *meta = json_object_get_member (root_obj, "metadata");
  if (meta && JSON_NODE_HOLDS_OBJECT (meta))
    add_index_metadata (mf, json_node_get_object (meta));
  goto out;

fail:
  g_clear_pointer (&mf, rf_model_file_free);
out:
  g_list_free (names);
  return mf;
}
