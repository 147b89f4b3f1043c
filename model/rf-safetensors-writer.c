/* rf-safetensors-writer.c — safetensors writer (format in rf-safetensors.c). */
#include "rf-safetensors-writer.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "rf-error.h"
#include "rf-model-file.h"

typedef struct {
  char *name;
  RfDType dtype;
  int ndim;
  gint64 shape[RF_MODEL_MAX_DIMS];
  GBytes *data;
} Entry;

struct _RfSafetensorsWriter {
  GArray *entries;          /* Entry */
  GHashTable *names;
  GPtrArray *meta_keys, *meta_values;
};

static void
entry_clear (Entry *e)
{
  g_free (e->name);
  g_bytes_unref (e->data);
}

RfSafetensorsWriter *
rf_safetensors_writer_new (void)
{
  RfSafetensorsWriter *w = g_new0 (RfSafetensorsWriter, 1);
  w->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (w->entries, (GDestroyNotify) entry_clear);
  w->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  w->meta_keys = g_ptr_array_new_with_free_func (g_free);
  w->meta_values = g_ptr_array_new_with_free_func (g_free);
  return w;
}

void
rf_safetensors_writer_free (RfSafetensorsWriter *w)
{
  if (w == NULL)
    return;
  g_array_unref (w->entries);
  g_hash_table_unref (w->names);
  g_ptr_array_unref (w->meta_keys);
  g_ptr_array_unref (w->meta_values);
  g_free (w);
}

const char *
rf_safetensors_dtype_name (RfDType dtype)
{
  switch (dtype)
    {
    case RF_DTYPE_F32: return "F32";
    case RF_DTYPE_F16: return "F16";
    case RF_DTYPE_BF16: return "BF16";
    case RF_DTYPE_F8_E4M3: return "F8_E4M3";
    case RF_DTYPE_F8_E5M2: return "F8_E5M2";
    case RF_DTYPE_I8: return "I8";
    case RF_DTYPE_U8: return "U8";
    case RF_DTYPE_I16: return "I16";
    case RF_DTYPE_I32: return "I32";
    case RF_DTYPE_I64: return "I64";
    case RF_DTYPE_F64: return "F64";
    case RF_DTYPE_BOOL: return "BOOL";
    default: return NULL;
    }
}

gboolean
rf_safetensors_writer_add (RfSafetensorsWriter *w, const char *name, RfDType dtype,
                           int ndim, const gint64 *shape, gconstpointer data,
                           GError **error)
{
  if (rf_safetensors_dtype_name (dtype) == NULL)
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_FORMAT,
                   _("safetensors cannot hold %s tensors ('%s')"), rf_dtype_name (dtype), name);
      return FALSE;
    }
  if (*name == '\0' || strcmp (name, "__metadata__") == 0 || g_hash_table_contains (w->names, name))
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_FORMAT,
                   _("tensor name '%s' is empty, reserved or already used"), name);
      return FALSE;
    }
  guint64 numel = 1, nbytes;
  if (ndim < 0 || ndim > RF_MODEL_MAX_DIMS)
    goto bad_shape;
  for (int d = 0; d < ndim; d++)
    {
      if (shape[d] < 0 || (shape[d] && numel > G_MAXINT64 / (guint64) shape[d]))
        goto bad_shape;
      numel *= (guint64) shape[d];
    }
  if (!rf_dtype_bytes_for (dtype, numel, &nbytes) || nbytes > G_MAXSIZE)
    goto bad_shape;

  Entry e = { g_strdup (name), dtype, ndim, { 0 }, g_bytes_new (data, nbytes) };
  if (ndim > 0)
    memcpy (e.shape, shape, sizeof (gint64) * (gsize) ndim);
  g_array_append_val (w->entries, e);
  g_hash_table_add (w->names, g_strdup (name));
  return TRUE;

bad_shape:
  g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_FORMAT,
               _("tensor '%s' has an invalid shape"), name);
  return FALSE;
}

void
rf_safetensors_writer_set_metadata (RfSafetensorsWriter *w, const char *key,
                                    const char *value)
{
  for (guint i = 0; i < w->meta_keys->len; i++)
    if (strcmp (g_ptr_array_index (w->meta_keys, i), key) == 0)
      {
        g_free (w->meta_values->pdata[i]);
        w->meta_values->pdata[i] = g_strdup (value);
        return;
      }
  g_ptr_array_add (w->meta_keys, g_strdup (key));
  g_ptr_array_add (w->meta_values, g_strdup (value));
}

static char *
build_header (RfSafetensorsWriter *w, gsize *len)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  guint64 offset = 0;
  json_builder_begin_object (b);
  if (w->meta_keys->len)
    {
      json_builder_set_member_name (b, "__metadata__");
      json_builder_begin_object (b);
      for (guint i = 0; i < w->meta_keys->len; i++)
        {
          json_builder_set_member_name (b, g_ptr_array_index (w->meta_keys, i));
          json_builder_add_string_value (b, g_ptr_array_index (w->meta_values, i));
        }
      json_builder_end_object (b);
    }
  for (guint i = 0; i < w->entries->len; i++)
    {
      const Entry *e = &g_array_index (w->entries, Entry, i);
      gsize n = g_bytes_get_size (e->data);
      json_builder_set_member_name (b, e->name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "dtype");
      json_builder_add_string_value (b, rf_safetensors_dtype_name (e->dtype));
      json_builder_set_member_name (b, "shape");
      json_builder_begin_array (b);
      for (int d = 0; d < e->ndim; d++)
        json_builder_add_int_value (b, e->shape[d]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "data_offsets");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, (gint64) offset);
      json_builder_add_int_value (b, (gint64) (offset + n));
      json_builder_end_array (b);
      json_builder_end_object (b);
      offset += n;
    }
  json_builder_end_object (b);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  char *text = json_generator_to_data (gen, len);
  /* pad with spaces so the data section starts 8-byte aligned */
  gsize padded = (*len + 7) / 8 * 8;
  text = g_realloc (text, padded + 1);
  memset (text + *len, ' ', padded - *len);
  text[padded] = '\0';
  *len = padded;
  return text;
}

GBytes *
rf_safetensors_writer_to_bytes (RfSafetensorsWriter *w)
{
  gsize hlen;
  g_autofree char *header = build_header (w, &hlen);
  GByteArray *out = g_byte_array_new ();
  guint64 n_le = GUINT64_TO_LE ((guint64) hlen);
  g_byte_array_append (out, (const guint8 *) &n_le, 8);
  g_byte_array_append (out, (const guint8 *) header, (guint) hlen);
  for (guint i = 0; i < w->entries->len; i++)
    {
      gsize n;
      const guint8 *p = g_bytes_get_data (g_array_index (w->entries, Entry, i).data, &n);
      if (n)
        g_byte_array_append (out, p, (guint) n);
    }
  return g_byte_array_free_to_bytes (out);
}

gboolean
rf_safetensors_writer_save (RfSafetensorsWriter *w, const char *path, GError **error)
{
  gsize hlen;
  g_autofree char *header = build_header (w, &hlen);
  g_autofree char *tmp = g_strconcat (path, ".part", NULL);
  FILE *f = fopen (tmp, "wb");
  gboolean ok = f != NULL;
  guint64 n_le = GUINT64_TO_LE ((guint64) hlen);
  ok = ok && fwrite (&n_le, 8, 1, f) == 1 && fwrite (header, 1, hlen, f) == hlen;
  for (guint i = 0; ok && i < w->entries->len; i++)
    {
      gsize n;
      const guint8 *p = g_bytes_get_data (g_array_index (w->entries, Entry, i).data, &n);
      ok = n == 0 || fwrite (p, 1, n, f) == n;
    }
  if (f != NULL && fclose (f) != 0)
    ok = FALSE;
  if (ok && g_rename (tmp, path) != 0)
    ok = FALSE;
  if (!ok)
    {
      int err = errno;
      g_unlink (tmp);
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_IO, _("cannot write %s: %s"), path,
                   g_strerror (err));
      return FALSE;
    }
  return TRUE;
}
