/* fuzz-npy.c — libFuzzer target: .npy parsing. */
#include <stdint.h>

#include "rf-npy.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  RfNpy *npy = rf_npy_parse (data, size, "fuzz", &error);
  if (npy)
    {
      float *f = rf_npy_dup_f32 (npy);
      g_free (f);
    }
  g_clear_error (&error);
  rf_npy_free (npy);
  return 0;
}
