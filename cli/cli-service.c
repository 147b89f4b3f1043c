/* cli-service.c — running an expert command's work in the service. */
#include <glib/gi18n-lib.h>

#include "cli-service.h"
#include "rectify-cli.h"
#include "rf-error.h"
#include "rf-npy.h"
#include "rf-service-client.h"
#include "rf-service-error.h"

static RfServiceBuffer *
load_input (const char *name, const char *path, GError **error)
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
  return rf_service_buffer_new_f32 (name, npy->ndim, npy->shape, f, error);
}

int
rf_cli_service_run (const char *cmd, const char *type, GVariant *params,
                    const char *const *names, const char *const *paths, const char *out_path)
{
  g_autoptr (GVariant) p = g_variant_ref_sink (params);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_service_buffer_free);
  for (int i = 0; names[i] != NULL; i++)
    {
      RfServiceBuffer *b = load_input (names[i], paths[i], &error);
      if (b == NULL)
        return rf_cli_fail (cmd, error);
      g_ptr_array_add (inputs, b);
    }
  g_autoptr (RfServiceClient) client = rf_service_client_new (RF_SERVICE_CLIENT_START, &error);
  g_autoptr (GPtrArray) outputs = client ? rf_service_client_run (client, type, p, inputs, NULL,
                                                                  NULL, NULL, &error) : NULL;
  if (outputs == NULL)
    return rf_cli_fail (cmd, error);
  RfServiceBuffer *out = rf_service_buffers_find (outputs, "out");
  int ndim = 0;
  gint64 shape[RF_MAX_DIMS];
  if (out == NULL)
    g_set_error (&error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_PROTOCOL,
                 _("the service returned no output"));
  if (out == NULL || !rf_service_buffer_get_shape (out, &ndim, shape, &error)
      || !rf_npy_save (out_path, RF_DTYPE_F32, ndim, shape, out->data, &error))
    return rf_cli_fail (cmd, error);
  return 0;
}
