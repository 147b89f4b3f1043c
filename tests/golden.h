/* golden.h — shared helpers of the model golden tests: .npy inputs as
 * tensors, and relative error against a golden array. */
#pragma once

#include <math.h>
#include <stdio.h>

#include "rf-error.h"
#include "rf-npy.h"
#include "rf-ops.h"

static inline char *
golden_path (const char *dir, const char *file)
{
  const char *src = g_getenv ("RECTIFY_SOURCE_DIR");
  return g_build_filename (src ? src : ".", "tests", "data", dir, file, NULL);
}

/* A new f32 tensor on @be from tests/data/@dir/@file. */
static inline RfTensor *
golden_tensor (RfBackend *be, const char *dir, const char *file, GError **error)
{
  g_autofree char *path = golden_path (dir, file);
  g_autoptr (RfNpy) npy = rf_npy_load (path, error);
  if (npy == NULL)
    return NULL;
  if (npy->ndim < 1 || npy->ndim > RF_MAX_DIMS)
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_FORMAT, "%s: %d dims", path, npy->ndim);
      return NULL;
    }
  g_autofree float *f = rf_npy_dup_f32 (npy);
  g_autoptr (RfTensor) t = rf_tensor_new (be, RF_DTYPE_F32, npy->ndim, npy->shape, error);
  if (t == NULL || !rf_tensor_write_f32 (t, f, rf_npy_numel (npy), error))
    return NULL;
  return g_steal_pointer (&t);
}

/* The first value of a golden file; @fallback when it does not exist
 * (e.g. no guidance input for schnell). */
static inline float
golden_scalar (const char *dir, const char *file, float fallback)
{
  g_autofree char *path = golden_path (dir, file);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return fallback;
  g_autoptr (GError) error = NULL;
  g_autoptr (RfNpy) npy = rf_npy_load (path, &error);
  g_assert_no_error (error);
  g_autofree float *f = rf_npy_dup_f32 (npy);
  return f[0];
}

/* ‖got − ref‖₂ / ‖ref‖₂ against tests/data/@dir/@file; -1 on a shape
 * mismatch or read error (printed). */
static inline double
golden_rel_error (const RfTensor *got, const char *dir, const char *file)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = golden_path (dir, file);
  g_autoptr (RfNpy) npy = rf_npy_load (path, &error);
  g_autofree float *a = npy ? rf_tensor_read_f32 (got, &error) : NULL;
  if (a == NULL)
    {
      printf ("# %s: %s\n", file, error->message);
      return -1;
    }
  if (rf_npy_numel (npy) != rf_tensor_numel (got))
    {
      printf ("# %s: %" G_GINT64_FORMAT " values, the output has %" G_GINT64_FORMAT "\n", file,
              rf_npy_numel (npy), rf_tensor_numel (got));
      return -1;
    }
  g_autofree float *r = rf_npy_dup_f32 (npy);
  double err = 0, norm = 0;
  for (gint64 i = 0; i < rf_npy_numel (npy); i++)
    {
      if (!isfinite (a[i]))
        return INFINITY;
      err += ((double) a[i] - r[i]) * ((double) a[i] - r[i]);
      norm += (double) r[i] * r[i];
    }
  return sqrt (err / MAX (norm, 1e-30));
}
