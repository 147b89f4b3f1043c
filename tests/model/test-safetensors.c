/* test-safetensors.c — writer → reader round trips (every dtype the
 * format holds, metadata, scalars, empty tensors) and sharded
 * checkpoints through *.safetensors.index.json. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "rf-error.h"
#include "rf-model-file.h"
#include "rf-safetensors-writer.h"

static int failures;

#define CHECK(cond, ...)                                           \
  G_STMT_START {                                                   \
    gboolean ok_ = (cond);                                         \
    printf ("%s ", ok_ ? "ok  " : "FAIL");                         \
    printf (__VA_ARGS__);                                          \
    printf ("\n");                                                 \
    failures += !ok_;                                              \
  } G_STMT_END

static void
round_trip (void)
{
  g_autoptr (RfSafetensorsWriter) w = rf_safetensors_writer_new ();
  static const RfDType dtypes[] = { RF_DTYPE_F32, RF_DTYPE_F16, RF_DTYPE_BF16, RF_DTYPE_F8_E4M3,
                                    RF_DTYPE_F8_E5M2, RF_DTYPE_I8, RF_DTYPE_U8, RF_DTYPE_I16,
                                    RF_DTYPE_I32, RF_DTYPE_I64, RF_DTYPE_F64, RF_DTYPE_BOOL };
  guint8 bytes[3 * 5 * 8];
  for (gsize i = 0; i < sizeof bytes; i++)
    bytes[i] = (guint8) (i * 37 + 11);
  GError *error = NULL;
  gint64 shape[] = { 3, 5 };
  for (gsize i = 0; i < G_N_ELEMENTS (dtypes); i++)
    {
      g_autofree char *name = g_strdup_printf ("t.%s", rf_dtype_name (dtypes[i]));
      CHECK (rf_safetensors_writer_add (w, name, dtypes[i], 2, shape, bytes, &error), "add %s", name);
    }
  gint64 empty_shape[] = { 4, 0 };
  float scalar = 2.5f;
  CHECK (rf_safetensors_writer_add (w, "scalar", RF_DTYPE_F32, 0, NULL, &scalar, &error), "add scalar");
  CHECK (rf_safetensors_writer_add (w, "empty", RF_DTYPE_F32, 2, empty_shape, NULL, &error), "add empty");
  CHECK (!rf_safetensors_writer_add (w, "scalar", RF_DTYPE_F32, 0, NULL, &scalar, &error),
         "a duplicate name is refused");
  g_clear_error (&error);
  CHECK (!rf_safetensors_writer_add (w, "q", RF_DTYPE_Q8_0, 0, NULL, bytes, &error),
         "a quantized dtype is refused: %s", error ? error->message : "");
  g_clear_error (&error);
  rf_safetensors_writer_set_metadata (w, "format", "pt");
  rf_safetensors_writer_set_metadata (w, "note", "ünïcode");

  g_autoptr (GBytes) file = rf_safetensors_writer_to_bytes (w);
  gsize len;
  const guint8 *data = g_bytes_get_data (file, &len);
  guint64 hlen;
  memcpy (&hlen, data, 8);
  CHECK (GUINT64_FROM_LE (hlen) % 8 == 0, "header padded to 8 bytes");
  g_autoptr (RfModelFile) mf = rf_model_file_new_from_data (data, len, "round-trip", &error);
  CHECK (mf != NULL, "read back%s%s", error ? ": " : "", error ? error->message : "");
  if (mf == NULL)
    return;
  CHECK (rf_model_file_get_n_tensors (mf) == G_N_ELEMENTS (dtypes) + 2, "tensor count");
  for (gsize i = 0; i < G_N_ELEMENTS (dtypes); i++)
    {
      g_autofree char *name = g_strdup_printf ("t.%s", rf_dtype_name (dtypes[i]));
      const RfFileTensor *t = rf_model_file_find_tensor (mf, name);
      guint64 nb = 15 * rf_dtype_info (dtypes[i])->block_bytes;
      CHECK (t && t->dtype == dtypes[i] && t->ndim == 2 && t->shape[0] == 3 && t->shape[1] == 5
             && t->nbytes == nb && memcmp (t->data, bytes, nb) == 0, "%s: dtype, shape and bytes", name);
    }
  const RfFileTensor *s = rf_model_file_find_tensor (mf, "scalar");
  float sv = 0;
  if (s)
    memcpy (&sv, s->data, 4);
  CHECK (s && s->ndim == 0 && s->nbytes == 4 && sv == 2.5f, "0-d scalar");
  const RfFileTensor *e = rf_model_file_find_tensor (mf, "empty");
  CHECK (e && e->ndim == 2 && e->shape[1] == 0 && e->nbytes == 0, "empty tensor");
  CHECK (g_strcmp0 (rf_model_file_get_metadata_string (mf, "note"), "ünïcode") == 0
         && g_strcmp0 (rf_model_file_get_metadata_string (mf, "format"), "pt") == 0, "__metadata__ kept");
  char buf[64];
  CHECK (strcmp (rf_file_tensor_describe (rf_model_file_find_tensor (mf, "t.bf16"), buf, sizeof buf),
                 "[3, 5] bf16") == 0, "describe: %s", buf);
}

static gboolean
write_shard (const char *path, const char *const *names)
{
  g_autoptr (RfSafetensorsWriter) w = rf_safetensors_writer_new ();
  for (const char *const *n = names; *n; n++)
    {
      float v[2] = { (float) strlen (*n), 1 };
      gint64 shape[] = { 2 };
      rf_safetensors_writer_add (w, *n, RF_DTYPE_F32, 1, shape, v, NULL);
    }
  rf_safetensors_writer_set_metadata (w, "format", "pt");
  return rf_safetensors_writer_save (w, path, NULL);
}

static void
sharded (void)
{
  g_autofree char *dir = g_dir_make_tmp ("rectify-shards-XXXXXX", NULL);
  g_autofree char *s1 = g_build_filename (dir, "model-00001-of-00002.safetensors", NULL);
  g_autofree char *s2 = g_build_filename (dir, "model-00002-of-00002.safetensors", NULL);
  g_autofree char *index = g_build_filename (dir, "model.safetensors.index.json", NULL);
  const char *n1[] = { "a", "bb", NULL }, *n2[] = { "ccc", NULL };
  write_shard (s1, n1);
  write_shard (s2, n2);
  const char *good = "{\"metadata\": {\"total_size\": 24}, \"weight_map\": {"
                     "\"a\": \"model-00001-of-00002.safetensors\", \"bb\": \"model-00001-of-00002.safetensors\","
                     "\"ccc\": \"model-00002-of-00002.safetensors\"}}";
  g_file_set_contents (index, good, -1, NULL);
  GError *error = NULL;
  RfModelFile *mf = rf_model_file_open (index, &error);
  gint64 total = 0;
  CHECK (mf && rf_model_file_get_format (mf) == RF_MODEL_FORMAT_SAFETENSORS_SHARDED
         && rf_model_file_get_n_tensors (mf) == 3 && rf_model_file_find_tensor (mf, "ccc")->shard == 1
         && rf_meta_value_get_int (rf_model_file_get_metadata (mf, "total_size"), &total) && total == 24
         && g_strcmp0 (rf_model_file_get_metadata_string (mf, "format"), "pt") == 0,
         "sharded checkpoint opens through its index%s%s", error ? ": " : "", error ? error->message : "");
  g_clear_error (&error);
  rf_model_file_free (mf);

  static const struct { const char *json; const char *text; } bad[] = {
    { "{\"weight_map\": {\"a\": \"../etc/passwd\"}}", "same folder" },
    { "{\"weight_map\": {\"a\": \"sub/x.safetensors\"}}", "same folder" },
    { "{\"weight_map\": {\"a\": 5}}", "same folder" },
    { "{\"weight_map\": {\"zz\": \"model-00001-of-00002.safetensors\"}}", "not there" },
    { "{\"weight_map\": {\"ccc\": \"model-00001-of-00002.safetensors\", "
      "\"a\": \"model-00002-of-00002.safetensors\"}}", "not there" },
    { "{\"weight_map\": {\"a\": \"missing.safetensors\"}}", "No such file" },
    { "{\"weight_map\": {}}", "empty" },
    { "{\"tensors\": {}}", "weight_map" },
    { "[", "JSON" },
    { "", "empty" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_file_set_contents (index, bad[i].json, -1, NULL);
      mf = rf_model_file_open (index, &error);
      CHECK (mf == NULL && error && error->domain == RF_MODEL_ERROR && strstr (error->message, bad[i].text),
             "bad index %zu: %s", i, error ? error->message : "accepted");
      g_clear_error (&error);
      rf_model_file_free (mf);
    }
  /* the same tensor in two shards */
  const char *n3[] = { "a", NULL };
  write_shard (s2, n3);
  g_file_set_contents (index, "{\"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\", "
                              "\"bb\": \"model-00002-of-00002.safetensors\"}}", -1, NULL);
  mf = rf_model_file_open (index, &error);
  CHECK (mf == NULL && error && strstr (error->message, "appears twice"), "tensor in two shards: %s",
         error ? error->message : "accepted");
  g_clear_error (&error);
  g_unlink (s1);
  g_unlink (s2);
  g_unlink (index);
  g_rmdir (dir);
}

int
main (void)
{
  round_trip ();
  sharded ();
  printf ("%d failures\n", failures);
  return failures ? 1 : 0;
}
