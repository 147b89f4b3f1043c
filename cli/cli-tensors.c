/* cli-tensors.c — helpers of the expert commands (see cli-tensors.h). */
#include <glib/gi18n-lib.h>

#include "cli-tensors.h"
#include "rf-error.h"
#include "rf-npy.h"

RfBackend *
rf_cli_backend (const char *device, GError **error)
{
  return rf_backend_new_by_name (device, error);
}

RfTensor *
rf_cli_load_npy (RfBackend *be, const char *path, GError **error)
{
  g_autoptr (RfNpy) npy = rf_npy_load (path, error);
  if (npy == NULL)
    return NULL;
  if (npy->ndim < 1 || npy->ndim > RF_MAX_DIMS)
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_UNSUPPORTED,
                   _("%s: arrays of %d dimensions are not inputs of this command"), path,
                   npy->ndim);
      return NULL;
    }
  g_autofree float *f = rf_npy_dup_f32 (npy);
  g_autoptr (RfTensor) t = rf_tensor_new (be, RF_DTYPE_F32, npy->ndim, npy->shape, error);
  if (t == NULL || !rf_tensor_write_f32 (t, f, rf_npy_numel (npy), error))
    return NULL;
  return g_steal_pointer (&t);
}

gboolean
rf_cli_save_npy (const RfTensor *t, const char *path, GError **error)
{
  g_autofree float *f = rf_tensor_read_f32 (t, error);
  return f != NULL && rf_npy_save (path, RF_DTYPE_F32, t->ndim, t->shape, f, error);
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

double
rf_cli_median (double *v, int n)
{
  qsort (v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
