/* test-gguf.c — reads tests/data/model/quant-types.gguf (made by
 * tools/make-model-test-files.py): metadata of every value type, shapes
 * in PyTorch order, and every quantized type dequantized bit-exactly
 * against the NumPy re-implementation of ggml's decoders stored beside
 * it as "<name>.expected". */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rf-model-file.h"
#include "rf-quant.h"

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
check_metadata (const RfModelFile *mf)
{
  gint64 i;
  double f;
  const RfMetaValue *v;
  CHECK (g_strcmp0 (rf_model_file_get_metadata_string (mf, "general.architecture"), "rectify-test") == 0,
         "string metadata");
  CHECK (rf_meta_value_get_int (rf_model_file_get_metadata (mf, "test.u8"), &i) && i == 200, "u8");
  CHECK (rf_meta_value_get_int (rf_model_file_get_metadata (mf, "test.i8"), &i) && i == -100, "i8");
  CHECK (rf_meta_value_get_int (rf_model_file_get_metadata (mf, "test.u16"), &i) && i == 60000, "u16");
  CHECK (rf_meta_value_get_int (rf_model_file_get_metadata (mf, "test.i16"), &i) && i == -30000, "i16");
  CHECK (rf_meta_value_get_int (rf_model_file_get_metadata (mf, "test.u32"), &i) && i == 4000000000, "u32");
  CHECK (rf_meta_value_get_int (rf_model_file_get_metadata (mf, "test.i32"), &i) && i == -2000000000, "i32");
  v = rf_model_file_get_metadata (mf, "test.u64");
  CHECK (v && v->type == RF_META_U64 && v->v.u == G_GUINT64_CONSTANT (9223372036854775813)
         && !rf_meta_value_get_int (v, &i), "u64 above INT64_MAX stays unsigned");
  CHECK (rf_meta_value_get_int (rf_model_file_get_metadata (mf, "test.i64"), &i)
         && i == -G_GINT64_CONSTANT (4611686018427387904), "i64");
  CHECK (rf_meta_value_get_float (rf_model_file_get_metadata (mf, "test.f32"), &f) && f == 1.5, "f32");
  CHECK (rf_meta_value_get_float (rf_model_file_get_metadata (mf, "test.f64"), &f) && f == -0.25, "f64");
  v = rf_model_file_get_metadata (mf, "test.bool");
  CHECK (v && v->type == RF_META_BOOL && v->v.b, "bool");
  CHECK (g_strcmp0 (rf_model_file_get_metadata_string (mf, "test.string"), "héllo wörld") == 0,
         "UTF-8 string");
  CHECK (!rf_meta_value_get_int (rf_model_file_get_metadata (mf, "test.string"), &i),
         "a string is not an int (type checked before use)");
  v = rf_model_file_get_metadata (mf, "test.array.i32");
  CHECK (rf_meta_array_get_length (v) == 3 && rf_meta_array_get_int (v, 1, &i) && i == -2
         && rf_meta_array_get_int (v, 2, &i) && i == 3 && !rf_meta_array_get_int (v, 3, &i)
         && rf_meta_array_get_string (v, 0) == NULL, "i32 array");
  v = rf_model_file_get_metadata (mf, "test.array.string");
  CHECK (rf_meta_array_get_length (v) == 3 && g_strcmp0 (rf_meta_array_get_string (v, 2), "▁tok") == 0
         && g_strcmp0 (rf_meta_array_get_string (v, 1), "") == 0, "string array");
  v = rf_model_file_get_metadata (mf, "test.array.nested");
  const RfMetaValue *a0 = rf_meta_array_get_array (v, 0), *a1 = rf_meta_array_get_array (v, 1);
  CHECK (rf_meta_array_get_length (v) == 2 && rf_meta_array_get_length (a0) == 2
         && rf_meta_array_get_int (a0, 1, &i) && i == 2
         && g_strcmp0 (rf_meta_array_get_string (a1, 0), "x") == 0, "nested arrays");
  CHECK (rf_meta_array_get_length (rf_model_file_get_metadata (mf, "test.array.empty")) == 0
         && rf_model_file_get_metadata (mf, "test.array.empty")->type == RF_META_ARRAY, "empty array");
  CHECK (rf_model_file_get_n_metadata (mf) == 19
         && strcmp (rf_model_file_get_metadata_key (mf, 0), "general.architecture") == 0,
         "metadata count and order (%u)", rf_model_file_get_n_metadata (mf));
}

static void
check_tensor (const RfModelFile *mf, const char *name, RfDType dtype)
{
  const RfFileTensor *t = rf_model_file_find_tensor (mf, name);
  g_autofree char *ename = g_strconcat (name, ".expected", NULL);
  const RfFileTensor *e = rf_model_file_find_tensor (mf, ename);
  if (t == NULL || e == NULL)
    {
      CHECK (FALSE, "%s present", name);
      return;
    }
  gint64 n = rf_file_tensor_numel (t);
  CHECK (t->dtype == dtype && t->ndim == e->ndim && memcmp (t->shape, e->shape, sizeof t->shape) == 0,
         "%s: dtype %s, shape in PyTorch order", name, rf_dtype_name (t->dtype));
  g_autofree float *got = g_new (float, n);
  g_autofree float *want = g_new (float, n);
  gboolean decoded = rf_quant_dequantize (t->dtype, t->data, got, n);
  memcpy (want, e->data, (gsize) n * 4);
  gint64 diff = 0;
  for (gint64 k = 0; k < n; k++)
    diff += memcmp (&got[k], &want[k], 4) != 0;
  CHECK (decoded && diff == 0, "%s: %" G_GINT64_FORMAT " values bit-exact (%" G_GINT64_FORMAT
         " differ)", name, n, diff);
}

int
main (void)
{
  const char *src = g_getenv ("RECTIFY_SOURCE_DIR");
  g_autofree char *path = g_build_filename (src ? src : ".", "tests", "data", "model",
                                            "quant-types.gguf", NULL);
  GError *error = NULL;
  g_autoptr (RfModelFile) mf = rf_model_file_open (path, &error);
  CHECK (mf != NULL, "open %s%s%s", path, error ? ": " : "", error ? error->message : "");
  if (mf == NULL)
    return 1;
  CHECK (rf_model_file_get_format (mf) == RF_MODEL_FORMAT_GGUF, "format is gguf");
  check_metadata (mf);

  const RfFileTensor *t = rf_model_file_find_tensor (mf, "f32");
  CHECK (t && t->ndim == 3 && t->shape[0] == 2 && t->shape[1] == 3 && t->shape[2] == 4,
         "f32 [2, 3, 4]: dims reversed from GGUF order");
  t = rf_model_file_find_tensor (mf, "q4_k");
  CHECK (t && t->ndim == 2 && t->shape[0] == 3 && t->shape[1] == 512 && t->nbytes == 6 * 144,
         "q4_k [3, 512], 6 blocks");
  CHECK (((guintptr) rf_model_file_find_tensor (mf, "q8_0")->data
          - (guintptr) rf_model_file_find_tensor (mf, "q8_0.expected")->data) % 64 == 0,
         "tensor data honours general.alignment = 64");

  static const struct { const char *name; RfDType dtype; } types[] = {
    { "q8_0", RF_DTYPE_Q8_0 }, { "q4_0", RF_DTYPE_Q4_0 }, { "q4_1", RF_DTYPE_Q4_1 },
    { "q5_0", RF_DTYPE_Q5_0 }, { "q5_1", RF_DTYPE_Q5_1 }, { "q4_k", RF_DTYPE_Q4_K },
    { "q5_k", RF_DTYPE_Q5_K }, { "q6_k", RF_DTYPE_Q6_K }, { "f16", RF_DTYPE_F16 },
    { "bf16", RF_DTYPE_BF16 },
  };
  for (gsize k = 0; k < G_N_ELEMENTS (types); k++)
    check_tensor (mf, types[k].name, types[k].dtype);

  printf ("%d failures\n", failures);
  return failures ? 1 : 0;
}
