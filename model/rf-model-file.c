/* rf-model-file.c — format dispatch, tensor table and metadata shared by
 * the safetensors and GGUF readers. */
#include "rf-model-file-private.h"

#include <inttypes.h>
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

RfModelFile *
rf_model_file_new_empty (const char *path, RfModelFormat format)
{
  RfModelFile *mf = g_new0 (RfModelFile, 1);
  mf->path = g_strdup (path);
  mf->format = format;
  mf->mappings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_mapped_file_unref);
  mf->tensors = g_array_new (FALSE, TRUE, sizeof (RfFileTensor));
  mf->tensor_index = g_hash_table_new (g_str_hash, g_str_equal);
  mf->metadata = g_hash_table_new (g_str_hash, g_str_equal);
  mf->metadata_keys = g_ptr_array_new ();
  mf->allocs = g_ptr_array_new_with_free_func (g_free);
  return mf;
}

void
rf_model_file_free (RfModelFile *mf)
{
  if (mf == NULL)
    return;
  for (guint i = 0; i < mf->tensors->len; i++)
    g_free (g_array_index (mf->tensors, RfFileTensor, i).name);
  g_array_unref (mf->tensors);
  g_hash_table_unref (mf->tensor_index);
  g_hash_table_unref (mf->metadata);
  g_ptr_array_unref (mf->metadata_keys);
  g_ptr_array_unref (mf->allocs);
  g_ptr_array_unref (mf->mappings);
  g_free (mf->path);
  g_free (mf);
}

gpointer
rf_model_file_alloc (RfModelFile *mf, gsize size)
{
  gpointer p = g_malloc0 (size ? size : 1);
  g_ptr_array_add (mf->allocs, p);
  return p;
}

char *
rf_model_file_strndup (RfModelFile *mf, const char *s, gsize len)
{
  char *p = rf_model_file_alloc (mf, len + 1);
  memcpy (p, s, len);
  return p;
}

gboolean
rf_model_file_add_tensor (RfModelFile *mf, RfFileTensor *t, const char *label,
                          GError **error)
{
  if (g_hash_table_contains (mf->tensor_index, t->name))
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_FORMAT,
                   _("%s: tensor '%s' appears twice"), label, t->name);
      g_free (t->name);
      t->name = NULL;
      return FALSE;
    }
  g_array_append_val (mf->tensors, *t);
  /* the name pointer is stable even when the array grows */
  g_hash_table_insert (mf->tensor_index, t->name,
                       GUINT_TO_POINTER (mf->tensors->len));
  t->name = NULL;
  return TRUE;
}

gboolean
rf_model_file_add_metadata (RfModelFile *mf, const char *key, RfMetaValue *value,
                            const char *label, GError **error)
{
  if (g_hash_table_contains (mf->metadata, key))
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_FORMAT,
                   _("%s: metadata key '%s' appears twice"), label, key);
      return FALSE;
    }
  g_hash_table_insert (mf->metadata, (gpointer) key, value);
  g_ptr_array_add (mf->metadata_keys, (gpointer) key);
  return TRUE;
}

typedef struct {
  guint64 begin, end;
  guint index;
} Range;

static int
range_cmp (gconstpointer a, gconstpointer b)
{
  const Range *ra = a, *rb = b;
  if (ra->begin != rb->begin)
    return ra->begin < rb->begin ? -1 : 1;
  return ra->end < rb->end ? -1 : ra->end > rb->end;
}

gboolean
rf_model_file_check_overlaps (RfModelFile *mf, guint shard, guint first,
                              const char *label, GError **error)
{
  g_autoptr (GArray) ranges = g_array_new (FALSE, FALSE, sizeof (Range));
  for (guint i = first; i < mf->tensors->len; i++)
    {
      const RfFileTensor *t = &g_array_index (mf->tensors, RfFileTensor, i);
      if (t->shard != shard || t->nbytes == 0)
        continue;
      Range r = { (guint64) (guintptr) t->data, (guint64) (guintptr) t->data + t->nbytes, i };
      g_array_append_val (ranges, r);
    }
  g_array_sort (ranges, range_cmp);
  for (guint i = 1; i < ranges->len; i++)
    {
      const Range *prev = &g_array_index (ranges, Range, i - 1);
      const Range *cur = &g_array_index (ranges, Range, i);
      if (cur->begin < prev->end)
        {
          g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_FORMAT,
                       _("%s: the data of tensors '%s' and '%s' overlap"), label,
                       g_array_index (mf->tensors, RfFileTensor, prev->index).name,
                       g_array_index (mf->tensors, RfFileTensor, cur->index).name);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
rf_model_tensor_nbytes (RfDType dtype, int ndim, const gint64 *shape,
                        guint64 *nbytes, const char *label, const char *name,
                        GError **error)
{
  guint64 numel = 1;
  for (int d = 0; d < ndim; d++)
    {
      if (shape[d] < 0 || shape[d] > RF_MODEL_MAX_DIM)
        {
          g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_FORMAT,
                       _("%s: tensor '%s': dimension %d is %" PRId64
                         ", outside [0, 2^40]"), label, name, d, shape[d]);
          return FALSE;
        }
      if (shape[d] != 0 && numel > G_MAXINT64 / (guint64) shape[d])
        {
          g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_FORMAT,
                       _("%s: tensor '%s': the element count overflows"), label, name);
          return FALSE;
        }
      numel *= (guint64) shape[d];
    }
  const RfDTypeInfo *info = rf_dtype_info (dtype);
  if (ndim > 0 && info->block_elems > 1 && shape[ndim - 1] % info->block_elems != 0)
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_FORMAT,
                   _("%s: tensor '%s': innermost dimension %" PRId64
                     " is not a multiple of the %s block size %u"),
                   label, name, shape[ndim - 1], info->name, info->block_elems);
      return FALSE;
    }
  if (!rf_dtype_bytes_for (dtype, numel, nbytes))
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_FORMAT,
                   _("%s: tensor '%s': the byte size overflows or is not whole blocks"),
                   label, name);
      return FALSE;
    }
  return TRUE;
}

GMappedFile *
rf_model_map_file (const char *path, GError **error)
{
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    {
      int err = errno;
      g_set_error (error, RF_MODEL_ERROR,
                   err == ENOENT ? RF_MODEL_ERROR_NOT_FOUND : RF_MODEL_ERROR_IO,
                   _("%s: %s"), path, g_strerror (err));
      return NULL;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_IO,
                   _("%s: is a directory, not a model file"), path);
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_IO,
                   _("%s: not a regular file"), path);
      return NULL;
    }
  GError *local = NULL;
  GMappedFile *map = g_mapped_file_new (path, FALSE, &local);
  if (map == NULL)
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_IO, _("%s: cannot map: %s"),
                   path, local->message);
      g_error_free (local);
    }
  return map;
}

static gboolean
looks_like_gguf (const guint8 *data, gsize size)
{
  return size >= 4 && memcmp (data, "GGUF", 4) == 0;
}

static gboolean
parse_single (RfModelFile *mf, const guint8 *data, gsize size, const char *label,
              GError **error)
{
  if (size == 0)
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_FORMAT,
                   _("%s: the file is empty"), label);
      return FALSE;
    }
  if (looks_like_gguf (data, size))
    {
      mf->format = RF_MODEL_FORMAT_GGUF;
      return rf_gguf_parse (mf, data, size, label, error);
    }
  /* Anything else must be safetensors: its parser says what is wrong. */
  mf->format = RF_MODEL_FORMAT_SAFETENSORS;
  return rf_safetensors_parse (mf, data, size, 0, label, error);
}

RfModelFile *
rf_model_file_new_from_data (const guint8 *data, gsize size, const char *label,
                             GError **error)
{
  g_return_val_if_fail (data != NULL || size == 0, NULL);
  RfModelFile *mf = rf_model_file_new_empty (label, RF_MODEL_FORMAT_SAFETENSORS);
  mf->total_bytes = size;
  if (!parse_single (mf, data ? data : (const guint8 *) "", size, label, error))
    {
      rf_model_file_free (mf);
      return NULL;
    }
  return mf;
}

RfModelFile *
rf_model_file_open (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  if (g_str_has_suffix (path, ".index.json"))
    return rf_safetensors_open_index (path, error);

  GMappedFile *map = rf_model_map_file (path, error);
  if (map == NULL)
    return NULL;
  RfModelFile *mf = rf_model_file_new_empty (path, RF_MODEL_FORMAT_SAFETENSORS);
  g_ptr_array_add (mf->mappings, map);
  gsize size = g_mapped_file_get_length (map);
  const guint8 *data = (const guint8 *) g_mapped_file_get_contents (map);
  mf->total_bytes = size;
  g_autofree char *label = g_filename_display_name (path);
  if (!parse_single (mf, data, size, label, error))
    {
      rf_model_file_free (mf);
      return NULL;
    }
  return mf;
}

RfModelFormat
rf_model_file_get_format (const RfModelFile *mf)
{
  return mf->format;
}

const char *
rf_model_format_name (RfModelFormat format)
{
  switch (format)
    {
    case RF_MODEL_FORMAT_SAFETENSORS: return "safetensors";
    case RF_MODEL_FORMAT_SAFETENSORS_SHARDED: return "safetensors (sharded)";
    case RF_MODEL_FORMAT_GGUF: return "gguf";
    }
  return "unknown";
}

const char *
rf_model_file_get_path (const RfModelFile *mf)
{
  return mf->path;
}

guint64
rf_model_file_get_size (const RfModelFile *mf)
{
  return mf->total_bytes;
}

guint
rf_model_file_get_n_tensors (const RfModelFile *mf)
{
  return mf->tensors->len;
}

const RfFileTensor *
rf_model_file_get_tensor (const RfModelFile *mf, guint i)
{
  g_return_val_if_fail (i < mf->tensors->len, NULL);
  return &g_array_index (mf->tensors, RfFileTensor, i);
}

const RfFileTensor *
rf_model_file_find_tensor (const RfModelFile *mf, const char *name)
{
  guint idx = GPOINTER_TO_UINT (g_hash_table_lookup (mf->tensor_index, name));
  return idx ? &g_array_index (mf->tensors, RfFileTensor, idx - 1) : NULL;
}

gint64
rf_file_tensor_numel (const RfFileTensor *t)
{
  gint64 n = 1;
  for (int d = 0; d < t->ndim; d++)
    n *= t->shape[d];
  return n;
}

char *
rf_file_tensor_describe (const RfFileTensor *t, char *buf, gsize len)
{
  GString *s = g_string_new ("[");
  for (int d = 0; d < t->ndim; d++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? ", " : "", t->shape[d]);
  g_string_append_printf (s, "] %s", rf_dtype_name (t->dtype));
  g_strlcpy (buf, s->str, len);
  g_string_free (s, TRUE);
  return buf;
}

guint
rf_model_file_get_n_metadata (const RfModelFile *mf)
{
  return mf->metadata_keys->len;
}

const char *
rf_model_file_get_metadata_key (const RfModelFile *mf, guint i)
{
  g_return_val_if_fail (i < mf->metadata_keys->len, NULL);
  return g_ptr_array_index (mf->metadata_keys, i);
}

const RfMetaValue *
rf_model_file_get_metadata (const RfModelFile *mf, const char *key)
{
  return g_hash_table_lookup (mf->metadata, key);
}

const char *
rf_model_file_get_metadata_string (const RfModelFile *mf, const char *key)
{
  return rf_meta_value_get_string (rf_model_file_get_metadata (mf, key));
}
