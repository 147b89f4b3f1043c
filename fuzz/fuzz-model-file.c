/* fuzz-model-file.c — libFuzzer target: safetensors and GGUF headers
 * (format chosen by content, as rf_model_file_open does). Built twice:
 * as fuzz-safetensors / fuzz-gguf with libFuzzer, each seeded with its
 * own corpus, and in the normal build as a corpus replay test. Every
 * accepted file is walked the way a loader would: tensors, metadata,
 * name detection and the load checks. */
#include <stdint.h>
#include <string.h>

#include "rf-model-file.h"
#include "rf-quant.h"
#include "rf-weights.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  RfModelFile *mf = rf_model_file_new_from_data (data, size, "fuzz", &error);
  if (mf == NULL)
    {
      g_clear_error (&error);
      return 0;
    }
  /* touch every byte the reader vouched for */
  float buf[256];
  for (guint i = 0; i < rf_model_file_get_n_tensors (mf); i++)
    {
      const RfFileTensor *t = rf_model_file_get_tensor (mf, i);
      const RfDTypeInfo *info = rf_dtype_info (t->dtype);
      if (t->nbytes && info->is_float && t->nbytes >= info->block_bytes)
        {
          gint64 n = MIN (rf_file_tensor_numel (t), 256) / info->block_elems * info->block_elems;
          rf_quant_dequantize (t->dtype, t->data, buf, n);
          volatile guint8 last = t->data[t->nbytes - 1];
          (void) last;
        }
    }
  for (guint i = 0; i < rf_model_file_get_n_metadata (mf); i++)
    {
      const RfMetaValue *v = rf_model_file_get_metadata (mf, rf_model_file_get_metadata_key (mf, i));
      for (guint64 k = 0; k < MIN (rf_meta_array_get_length (v), 64); k++)
        {
          gint64 iv;
          double fv;
          rf_meta_array_get_int (v, k, &iv);
          rf_meta_array_get_float (v, k, &fv);
          const char *s = rf_meta_array_get_string (v, k);
          if (s)
            (void) strlen (s);
          rf_meta_array_get_length (rf_meta_array_get_array (v, k));
        }
    }
  GPtrArray *comps = rf_weights_detect (mf);
  for (guint i = 0; i < comps->len; i++)
    {
      RfWeights *w = rf_weights_load (mf, g_ptr_array_index (comps, i), &error);
      g_clear_error (&error);
      rf_weights_free (w);
    }
  g_ptr_array_unref (comps);
  rf_model_file_free (mf);
  return 0;
}
