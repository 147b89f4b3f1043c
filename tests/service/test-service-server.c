/* test-service-server.c — the engine service with test-only job types
 * added, so the service tests can queue, cancel and kill deterministic
 * jobs. Never installed.
 *
 *   sleep-steps  params: steps (i), ms (i), preview (b)
 *                N steps of M ms; progress and the cancellation check come
 *                between steps; output "out" [steps] f32 with out[i] = 1.5·i,
 *                "echo" a copy of input "in" when given; result "steps" (i)
 *   device-lost  fails as a lost Vulkan device would (the service must
 *                recreate the device named by param "device")
 *   out-of-memory fails as an exhausted device heap would
 *   (and the real pipeline job types: rf-service-pipeline.h)
 *   preview-latent  input "latent" [1, C, h, w]; sends one preview (step 7)
 *                decoded by TAEF1 (param "taef1") or projected with a map
 *                fitted to the autoencoder in param "ae"
 */
#include <string.h>

#include "rf-error.h"
#include "rf-model-load.h"
#include "rf-service-pipeline.h"
#include "rf-service-preview.h"
#include "rf-service-job.h"
#include "rf-service-server.h"

static gboolean
run_sleep_steps (RfServiceJob *job, GVariant *params, GPtrArray *inputs, GError **error)
{
  int steps = 1, ms = 10;
  gboolean preview = FALSE;
  if (!rf_service_param_int (params, "steps", TRUE, 1, 100000, &steps, error)
      || !rf_service_param_int (params, "ms", FALSE, 0, 10000, &ms, error))
    return FALSE;
  g_variant_lookup (params, "preview", "b", &preview);
  g_autoptr (RfBackend) cpu = preview ? rf_backend_new_cpu (1) : NULL;
  for (int i = 0; i < steps; i++)
    {
      if (!rf_service_job_progress (job, "step", i, steps, error))
        return FALSE;
      g_usleep ((gulong) ms * 1000);
      if (preview)
        {
          /* a 2×3 image whose red channel encodes the step */
          g_autoptr (RfTensor) img = rf_tensor_new_4d (cpu, RF_DTYPE_F32, 4, 1, 3, 2, 3, error);
          float px[18];
          for (int k = 0; k < 18; k++)
            px[k] = k < 6 ? (float) (i % 256) / 127.5f - 1.0f : 0.0f;
          if (img == NULL || !rf_tensor_write_f32 (img, px, 18, error))
            return FALSE;
          RfServiceBuffer *b = rf_service_buffer_new_rgb8 ("preview", img, error);
          if (b == NULL)
            return FALSE;
          rf_service_job_preview (job, i, b);
        }
    }
  if (!rf_service_job_progress (job, "step", steps, steps, error))
    return FALSE;
  g_autofree float *v = g_new (float, steps);
  for (int i = 0; i < steps; i++)
    v[i] = 1.5f * (float) i;
  gint64 shape[1] = { steps };
  RfServiceBuffer *out = rf_service_buffer_new_f32 ("out", 1, shape, v, error);
  if (out == NULL)
    return FALSE;
  rf_service_job_add_output (job, out);
  RfServiceBuffer *in = rf_service_buffers_find (inputs, "in");
  if (in != NULL)
    {
      g_autoptr (RfServiceBuffer) echo = rf_service_buffer_new ("echo", in->size, error);
      if (echo == NULL)
        return FALSE;
      if (in->size)
        memcpy (echo->data, in->data, in->size);
      rf_service_buffer_set_meta (echo, g_variant_ref (in->meta));
      if (!rf_service_buffer_seal (echo, error))
        return FALSE;
      rf_service_job_add_output (job, g_steal_pointer (&echo));
    }
  rf_service_job_set_result (job, "steps", g_variant_new_int32 (steps));
  return TRUE;
}

static gboolean
run_device_lost (RfServiceJob *job, GVariant *params, GPtrArray *inputs, GError **error)
{
  g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_DEVICE_LOST,
               "vkQueueSubmit: VK_ERROR_DEVICE_LOST (simulated)");
  return FALSE;
}

static gboolean
run_out_of_memory (RfServiceJob *job, GVariant *params, GPtrArray *inputs, GError **error)
{
  g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_OUT_OF_MEMORY,
               "vkAllocateMemory of 8192 MiB: VK_ERROR_OUT_OF_DEVICE_MEMORY (simulated)");
  return FALSE;
}

static gboolean
run_preview_latent (RfServiceJob *job, GVariant *params, GPtrArray *inputs, GError **error)
{
  const char *taef1 = NULL, *ae_path = NULL, *device = NULL;
  RfServiceBuffer *in;
  if (!rf_service_param_string (params, "taef1", FALSE, &taef1, error)
      || !rf_service_param_string (params, "ae", FALSE, &ae_path, error)
      || !rf_service_param_string (params, "device", FALSE, &device, error)
      || (in = rf_service_input (inputs, "latent", error)) == NULL)
    return FALSE;
  RfServiceModels *models = rf_service_job_get_models (job);
  RfBackend *be = rf_service_models_get_backend (models, device, error);
  g_autoptr (RfTensor) latent = be ? rf_service_buffer_to_tensor (in, be, error) : NULL;
  if (latent == NULL)
    return FALSE;
  RfLatentRgb map;
  if (ae_path != NULL)
    {
      RfAe *ae = rf_service_job_get_model (job, &rf_service_model_ae, ae_path, device, error);
      if (ae == NULL || !rf_latent_rgb_fit (ae, be, &map, error))
        return FALSE;
    }
  return rf_service_job_preview_latent (job, 7, latent, taef1, device, ae_path ? &map : NULL,
                                        error);
}

static const RfServiceJobType test_types[] = {
  { "preview-latent", "test: one latent preview", run_preview_latent },
  { "sleep-steps", "test: N steps of M ms", run_sleep_steps },
  { "device-lost", "test: a lost device", run_device_lost },
  { "out-of-memory", "test: device memory exhausted", run_out_of_memory },
};

int
main (int argc, char **argv)
{
  rf_service_register_builtin_job_types ();
  rf_service_register_pipeline_job_types ();
  for (gsize i = 0; i < G_N_ELEMENTS (test_types); i++)
    rf_service_register_job_type (&test_types[i]);
  return rf_service_main (argc, argv);
}
