/* test-service-models.c — real model jobs through the service: results
 * bit-identical to running in process (library and CLI, `rectify serve`
 * itself), models resident between jobs, LRU eviction and refusal under a
 * memory budget, and the device reset after a lost device. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "rf-model-load.h"
#include "rf-npy.h"
#include "rf-service-error.h"
#include "rf-service-preview.h"
#include "rf-taef1.h"
#include "service-test-util.h"

static char *ae_path, *flux_path;

static char *
data_path (const char *a, const char *b)
{
  return g_build_filename (g_getenv ("RECTIFY_SOURCE_DIR"), "tests", "data", a, b, NULL);
}

/* An .npy file as a tensor buffer and as a CPU tensor (the same floats). */
static RfServiceBuffer *
npy_buffer (const char *name, const char *path, RfBackend *be, RfTensor **tensor)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfNpy) npy = rf_npy_load (path, &error);
  g_assert_no_error (error);
  g_autofree float *f = rf_npy_dup_f32 (npy);
  RfServiceBuffer *b = rf_service_buffer_new_f32 (name, npy->ndim, npy->shape, f, &error);
  g_assert_no_error (error);
  if (tensor)
    {
      *tensor = rf_tensor_new (be, RF_DTYPE_F32, npy->ndim, npy->shape, &error);
      g_assert_no_error (error);
      g_assert_true (rf_tensor_write_f32 (*tensor, f, rf_npy_numel (npy), &error));
    }
  return b;
}

static void
assert_identical (GPtrArray *outputs, const RfTensor *local)
{
  g_autoptr (GError) error = NULL;
  RfServiceBuffer *out = rf_service_buffers_find (outputs, "out");
  g_assert_nonnull (out);
  int ndim;
  gint64 shape[RF_MAX_DIMS];
  g_assert_true (rf_service_buffer_get_shape (out, &ndim, shape, &error));
  g_assert_cmpint (ndim, ==, local->ndim);
  for (int i = 0; i < ndim; i++)
    g_assert_cmpint (shape[i], ==, local->shape[i]);
  g_autofree float *f = rf_tensor_read_f32 (local, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (out->size, ==, rf_tensor_numel (local) * sizeof (float));
  g_assert_true (memcmp (out->data, f, out->size) == 0);
}

static GVariant *
vae_params (void)
{
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "model", "s", ae_path);
  g_variant_dict_insert (&d, "device", "s", "cpu");
  return g_variant_dict_end (&d);
}

typedef struct {
  int loads;
} Seen;

static void
count_loads (gpointer data, const char *phase, int done, int total)
{
  Seen *s = data;
  if (g_str_equal (phase, "load-model") && done == total)
    s->loads++;
}

/* vae-decode of the golden latent through @c; returns the outputs. */
static GPtrArray *
service_decode (RfServiceClient *c, Seen *seen, GError **error)
{
  g_autofree char *latent = data_path ("ae", "in_latent.npy");
  g_autoptr (GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_service_buffer_free);
  g_ptr_array_add (inputs, npy_buffer ("in", latent, NULL, NULL));
  RfServiceJobCallbacks cb = { count_loads, NULL, seen };
  return rf_service_client_run (c, "vae-decode", vae_params (), inputs, &cb, NULL, NULL, error);
}

static RfTensor *
local_decode (RfBackend *be)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfModelFile) mf = rf_model_file_open (ae_path, &error);
  g_autoptr (RfAe) ae = rf_ae_load (be, mf, &error);
  g_assert_no_error (error);
  g_autofree char *latent = data_path ("ae", "in_latent.npy");
  g_autoptr (RfTensor) in = NULL;
  g_autoptr (RfServiceBuffer) unused = npy_buffer ("in", latent, be, &in);
  RfTensor *out = rf_ae_decode (ae, in, &error);
  g_assert_no_error (error);
  return out;
}

static void
test_vae_identical (void)
{
  g_autoptr (RfServiceClient) c = st_client ();
  g_autoptr (GError) error = NULL;
  g_autoptr (RfBackend) be = rf_backend_new_by_name ("cpu", &error);
  g_autoptr (RfModelFile) mf = rf_model_file_open (ae_path, &error);
  g_autoptr (RfAe) ae = rf_ae_load (be, mf, &error);
  g_assert_no_error (error);
  for (int encode = 0; encode < 2; encode++)
    {
      g_autofree char *in_path = data_path ("ae", encode ? "in_image.npy" : "in_latent.npy");
      g_autofree char *golden = data_path ("ae", encode ? "out_latent.npy" : "out_image.npy");
      g_autoptr (RfTensor) in = NULL;
      g_autoptr (GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_service_buffer_free);
      g_ptr_array_add (inputs, npy_buffer ("in", in_path, be, &in));
      g_autoptr (RfTensor) local = encode ? rf_ae_encode (ae, in, &error) : rf_ae_decode (ae, in, &error);
      g_assert_no_error (error);
      g_autoptr (GPtrArray) out = rf_service_client_run (c, encode ? "vae-encode" : "vae-decode",
                                                         vae_params (), inputs, NULL, NULL, NULL,
                                                         &error);
      g_assert_no_error (error);
      assert_identical (out, local);
      /* and it is the right answer, not just the same one */
      g_autoptr (RfNpy) ref = rf_npy_load (golden, &error);
      g_assert_no_error (error);
      RfServiceBuffer *ob = rf_service_buffers_find (out, "out");
      g_assert_cmpuint (ob->size, ==, ref->nbytes);
      double num = 0, den = 0;
      for (gsize i = 0; i < ob->size / 4; i++)
        {
          float a, b;
          memcpy (&a, ob->data + 4 * i, 4);
          memcpy (&b, (const guint8 *) ref->data + 4 * i, 4);
          num += (double) (a - b) * (a - b);
          den += (double) b * b;
        }
      g_assert_cmpfloat (num, <=, 1e-8 * den);
    }
}

static void
test_dit_identical (void)
{
  g_autoptr (RfServiceClient) c = st_client ();
  g_autoptr (GError) error = NULL;
  g_autoptr (RfBackend) be = rf_backend_new_by_name ("cpu", &error);
  g_autoptr (RfModelFile) mf = rf_model_file_open (flux_path, &error);
  g_autoptr (RfFlux) flux = rf_flux_load (be, mf, &error);
  g_assert_no_error (error);
  const char *names[] = { "img", "txt", "y" };
  const char *files[] = { "in_img.npy", "in_txt.npy", "in_y.npy" };
  RfTensor *t[3];
  g_autoptr (GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_service_buffer_free);
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *p = data_path ("flux/tiny", files[i]);
      g_ptr_array_add (inputs, npy_buffer (names[i], p, be, &t[i]));
    }
  g_autoptr (RfTensor) local = rf_tensor_new_4d (be, RF_DTYPE_F32, 3, 1, 15,
                                                 rf_flux_get_params (flux)->out_channels, 0, &error);
  g_assert_true (rf_flux_forward (flux, t[0], t[1], t[2], 0.7f, 3.5f, 3, 5, local, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 3; i++)
    rf_tensor_free (t[i]);
  GVariant *params = g_variant_new_parsed ("{'model': <%s>, 'device': <'cpu'>, 't': <0.7>, "
                                           "'guidance': <3.5>, 'rows': <3>, 'cols': <5>}",
                                           flux_path);
  g_autoptr (GPtrArray) out = rf_service_client_run (c, "dit", params, inputs, NULL, NULL, NULL,
                                                     &error);
  g_assert_no_error (error);
  assert_identical (out, local);
}

static void
test_resident (void)
{
  st_stop_service ();
  g_autoptr (RfServiceClient) c = st_client ();
  g_autoptr (GError) error = NULL;
  Seen first = { 0 }, second = { 0 };
  g_autoptr (GPtrArray) o1 = service_decode (c, &first, &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) o2 = service_decode (c, &second, &error);
  g_assert_no_error (error);
  g_assert_cmpint (first.loads, ==, 1);
  g_assert_cmpint (second.loads, ==, 0); /* stayed loaded */
  g_autoptr (GVariant) models = rf_service_client_list_models (c, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (models), ==, 1);
  g_autoptr (GVariant) m = g_variant_get_child_value (models, 0);
  guint64 uses = 0, bytes = 0;
  const char *kind = NULL;
  g_assert_true (g_variant_lookup (m, "uses", "t", &uses));
  g_assert_true (g_variant_lookup (m, "bytes", "t", &bytes));
  g_assert_true (g_variant_lookup (m, "kind", "&s", &kind));
  g_assert_cmpstr (kind, ==, "ae");
  g_assert_cmpuint (uses, ==, 2);
  g_assert_cmpuint (bytes, >, 1000000);
}

static char **
resident_kinds (RfServiceClient *c)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) models = rf_service_client_list_models (c, &error);
  g_assert_no_error (error);
  GPtrArray *kinds = g_ptr_array_new ();
  for (gsize i = 0; i < g_variant_n_children (models); i++)
    {
      g_autoptr (GVariant) m = g_variant_get_child_value (models, i);
      const char *kind = NULL;
      g_variant_lookup (m, "kind", "&s", &kind);
      g_ptr_array_add (kinds, g_strdup (kind));
    }
  g_ptr_array_add (kinds, NULL);
  return (char **) g_ptr_array_free (kinds, FALSE);
}

static void
run_dit (RfServiceClient *c, GError **error)
{
  g_autoptr (GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_service_buffer_free);
  const char *names[] = { "img", "txt", "y" }, *files[] = { "in_img.npy", "in_txt.npy", "in_y.npy" };
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *p = data_path ("flux/tiny", files[i]);
      g_ptr_array_add (inputs, npy_buffer (names[i], p, NULL, NULL));
    }
  GVariant *params = g_variant_new_parsed ("{'model': <%s>, 'device': <'cpu'>, 't': <0.5>, "
                                           "'rows': <3>, 'cols': <5>}", flux_path);
  g_autoptr (GPtrArray) out = rf_service_client_run (c, "dit", params, inputs, NULL, NULL, NULL,
                                                     error);
}

static void
test_lru_budget (void)
{
  /* the AE file is 1.3 MB, the tiny FLUX 0.55 MB: 1.5 MB holds one */
  st_stop_service ();
  st_set_server_args ("--budget 1500000");
  g_autoptr (RfServiceClient) c = st_client ();
  g_autoptr (GError) error = NULL;
  Seen seen = { 0 };
  g_autoptr (GPtrArray) o1 = service_decode (c, &seen, &error);
  g_assert_no_error (error);
  g_auto (GStrv) k1 = resident_kinds (c);
  g_assert_cmpstrv (k1, ((const char *[]) { "ae", NULL }));
  run_dit (c, &error);
  g_assert_no_error (error);
  g_auto (GStrv) k2 = resident_kinds (c);
  g_assert_cmpstrv (k2, ((const char *[]) { "flux", NULL }));
  g_autoptr (GPtrArray) o2 = service_decode (c, &seen, &error);
  g_assert_no_error (error);
  g_auto (GStrv) k3 = resident_kinds (c);
  g_assert_cmpstrv (k3, ((const char *[]) { "ae", NULL }));
  g_assert_cmpint (seen.loads, ==, 2);
  g_clear_pointer (&c, rf_service_client_free);

  /* under 1 MB the AE cannot load (it does not stream): a clear refusal */
  st_stop_service ();
  st_set_server_args ("--budget 1000000");
  c = st_client ();
  g_autoptr (GPtrArray) o3 = service_decode (c, &seen, &error);
  g_assert_null (o3);
  g_assert_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_OUT_OF_MEMORY);
  g_assert_nonnull (strstr (error->message, "needs 1.3 MiB"));
  g_assert_nonnull (strstr (error->message, "budget on cpu is 1.0 MiB"));
  g_clear_error (&error);
  /* FLUX streams its blocks instead */
  run_dit (c, &error);
  g_assert_no_error (error);
  st_stop_service ();
  st_set_server_args (NULL);
}

static void
test_device_lost_reset (void)
{
  g_autoptr (RfServiceClient) c = st_client ();
  g_autoptr (GError) error = NULL;
  Seen seen = { 0 };
  g_autoptr (GPtrArray) o1 = service_decode (c, &seen, &error);
  g_assert_no_error (error);
  g_auto (GStrv) before = resident_kinds (c);
  g_assert_cmpuint (g_strv_length (before), ==, 1);
  g_autoptr (GPtrArray) lost = rf_service_client_run (c, "device-lost",
                                                      g_variant_new_parsed ("{'device': <'cpu'>}"),
                                                      NULL, NULL, NULL, NULL, &error);
  g_assert_null (lost);
  g_assert_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_DEVICE_LOST);
  g_assert_nonnull (strstr (error->message, "recreated"));
  g_clear_error (&error);
  g_auto (GStrv) after = resident_kinds (c);
  g_assert_cmpuint (g_strv_length (after), ==, 0); /* models went with the device */
  g_autoptr (GPtrArray) o2 = service_decode (c, &seen, &error);
  g_assert_no_error (error);
  g_autoptr (RfBackend) be = rf_backend_new_by_name ("cpu", &error);
  g_assert_no_error (error);
  g_autoptr (RfTensor) local = local_decode (be);
  assert_identical (o2, local);
}

typedef struct {
  int n, step;
  GBytes *pixels;
  int width, height;
} Previews;

static void
keep_preview (gpointer data, int step, const RfServiceBuffer *image)
{
  Previews *p = data;
  p->n++;
  p->step = step;
  g_clear_pointer (&p->pixels, g_bytes_unref);
  p->pixels = g_bytes_new (image->data, image->size);
  g_variant_lookup (image->meta, "width", "i", &p->width);
  g_variant_lookup (image->meta, "height", "i", &p->height);
}

static void
assert_preview (GVariant *params, const char *latent_path, const RfServiceBuffer *expected)
{
  g_autoptr (RfServiceClient) c = st_client ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_service_buffer_free);
  g_ptr_array_add (inputs, npy_buffer ("latent", latent_path, NULL, NULL));
  Previews p = { 0 };
  RfServiceJobCallbacks cb = { NULL, keep_preview, &p };
  g_autoptr (GPtrArray) out = rf_service_client_run (c, "preview-latent", params, inputs, &cb,
                                                     NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (p.n, ==, 1);
  g_assert_cmpint (p.step, ==, 7);
  int w = 0, h = 0;
  g_variant_lookup (expected->meta, "width", "i", &w);
  g_variant_lookup (expected->meta, "height", "i", &h);
  g_assert_cmpint (p.width, ==, w);
  g_assert_cmpint (p.height, ==, h);
  gsize n = 0;
  const guint8 *px = g_bytes_get_data (p.pixels, &n);
  g_assert_cmpuint (n, ==, expected->size);
  g_assert_true (memcmp (px, expected->data, n) == 0);
  g_bytes_unref (p.pixels);
}

static void
test_previews (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfBackend) be = rf_backend_new_by_name ("cpu", &error);
  g_assert_no_error (error);

  /* TAEF1: the preview is the tiny decoder's image, as rgb8 */
  g_autofree char *taef1 = data_path ("taef1", "model.safetensors");
  g_autofree char *tlat = data_path ("taef1", "in_latent.npy");
  g_autoptr (RfModelFile) tmf = rf_model_file_open (taef1, &error);
  g_autoptr (RfTaef1) tae = rf_taef1_load (be, tmf, &error);
  g_autoptr (RfTensor) tin = NULL;
  g_autoptr (RfServiceBuffer) unused = npy_buffer ("latent", tlat, be, &tin);
  g_autoptr (RfTensor) timg = rf_taef1_decode (tae, tin, &error);
  g_assert_no_error (error);
  g_assert_cmpint (timg->shape[2], ==, 8 * tin->shape[2]);
  g_autoptr (RfServiceBuffer) texp = rf_service_buffer_new_rgb8 ("x", timg, &error);
  g_assert_no_error (error);
  assert_preview (g_variant_new_parsed ("{'taef1': <%s>, 'device': <'cpu'>}", taef1), tlat, texp);

  /* the projection fitted to the autoencoder: one latent pixel per pixel */
  g_autofree char *alat = data_path ("ae", "in_latent.npy");
  g_autoptr (RfModelFile) amf = rf_model_file_open (ae_path, &error);
  g_autoptr (RfAe) ae = rf_ae_load (be, amf, &error);
  g_assert_no_error (error);
  RfLatentRgb map;
  g_assert_true (rf_latent_rgb_fit (ae, be, &map, &error));
  g_assert_no_error (error);
  g_assert_cmpint (map.channels, ==, rf_ae_get_config (ae)->z_channels);
  /* the decoder responds to the latent, so the fitted map is not flat */
  double slope = 0;
  for (int c = 0; c < map.channels; c++)
    slope += fabsf (map.m[0][c]) + fabsf (map.m[1][c]) + fabsf (map.m[2][c]);
  g_assert_cmpfloat (slope, >, 1e-3);
  g_autoptr (RfTensor) ain = NULL;
  g_autoptr (RfServiceBuffer) unused2 = npy_buffer ("latent", alat, be, &ain);
  g_autoptr (RfServiceBuffer) aexp = rf_latent_rgb_apply (&map, "x", ain, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (aexp->size, ==, 3 * ain->shape[2] * ain->shape[3]);
  assert_preview (g_variant_new_parsed ("{'ae': <%s>, 'device': <'cpu'>}", ae_path), alat, aexp);
}

static gboolean
files_equal (const char *a, const char *b)
{
  g_autofree char *x = NULL, *y = NULL;
  gsize nx = 0, ny = 0;
  return g_file_get_contents (a, &x, &nx, NULL) && g_file_get_contents (b, &y, &ny, NULL)
         && nx == ny && nx > 128 && memcmp (x, y, nx) == 0;
}

static void
run_cli (const char *const *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) g_getenv ("RECTIFY_EXE"));
  for (int i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  /* the CLI starts the real `rectify serve` (itself) */
  g_auto (GStrv) env = g_environ_unsetenv (g_get_environ (), "RECTIFY_SERVE_COMMAND");
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  g_spawn_sync (NULL, (char **) argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("rectify %s failed: %s", args[0], err);
  g_assert_cmpstr (out, ==, ""); /* the command's output contract: silent */
}

static void
test_cli_identical (void)
{
  st_stop_service ();
  g_autofree char *tmp = g_dir_make_tmp ("rectify-cli-XXXXXX", NULL);
  g_autofree char *a = g_build_filename (tmp, "service.npy", NULL);
  g_autofree char *b = g_build_filename (tmp, "local.npy", NULL);
  g_autofree char *latent = data_path ("ae", "in_latent.npy");
  for (int service = 0; service < 2; service++)
    run_cli ((const char *[]) { "vae", "decode", "--model", ae_path, "--in", latent, "--out",
                                service ? a : b, "--device", "cpu",
                                service ? "--service" : "--local", NULL });
  g_assert_true (files_equal (a, b));
  g_autofree char *img = data_path ("flux/tiny", "in_img.npy");
  g_autofree char *txt = data_path ("flux/tiny", "in_txt.npy");
  g_autofree char *y = data_path ("flux/tiny", "in_y.npy");
  for (int service = 0; service < 2; service++)
    run_cli ((const char *[]) { "dit", "--model", flux_path, "--img", img, "--txt", txt, "--y", y,
                                "--t", "0.7", "--grid", "3x5", "--out", service ? a : b,
                                "--device", "cpu", service ? "--service" : "--local", NULL });
  g_assert_true (files_equal (a, b));
  /* it was `rectify serve`, not the test server */
  g_autoptr (GError) error = NULL;
  g_autoptr (RfServiceClient) c = rf_service_client_new (RF_SERVICE_CLIENT_NONE, &error);
  g_assert_no_error (error);
  st_service_pid (c);
  g_autoptr (GVariant) status = rf_service_client_status (c, &error);
  g_autoptr (GVariant) types = g_variant_lookup_value (status, "job-types", G_VARIANT_TYPE_STRING_ARRAY);
  g_autofree const char **tv = g_variant_get_strv (types, NULL);
  g_assert_true (g_strv_contains (tv, "dit"));
  g_assert_false (g_strv_contains (tv, "sleep-steps"));
  g_clear_pointer (&c, rf_service_client_free);
  st_stop_service ();
  g_unlink (a);
  g_unlink (b);
  g_rmdir (tmp);
}

int
main (int argc, char **argv)
{
  st_setup (NULL);
  g_test_init (&argc, &argv, NULL);
  ae_path = data_path ("ae", "model.safetensors");
  flux_path = data_path ("flux/tiny", "model.safetensors");
  g_test_add_func ("/service-models/vae-identical", test_vae_identical);
  g_test_add_func ("/service-models/dit-identical", test_dit_identical);
  g_test_add_func ("/service-models/resident", test_resident);
  g_test_add_func ("/service-models/device-lost-reset", test_device_lost_reset);
  g_test_add_func ("/service-models/lru-budget", test_lru_budget);
  g_test_add_func ("/service-models/previews", test_previews);
  g_test_add_func ("/service-models/cli-identical", test_cli_identical);
  int status = g_test_run ();
  g_free (ae_path);
  g_free (flux_path);
  return st_teardown (status);
}
