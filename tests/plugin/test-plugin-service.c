/* test-plugin-service.c — the GIMP plug-ins' shared core (rf-plugin-core.h)
 * as a thin client of the engine service, without GIMP:
 *   - inpaint, edit and generate through the service give the same bytes
 *     as RECTIFY_LOCAL=1 (in the plug-in process), with previews and
 *     rising progress, and the job is listed done in the service;
 *   - models stay loaded across runs (the service's use counts grow);
 *   - cancelling from the progress window's thread cancels the service's
 *     job within one model step: G_IO_ERROR_CANCELLED;
 *   - the dialogs' model list comes from the service, and from a search
 *     here with RECTIFY_LOCAL=1;
 *   - with no service to be had, the job runs here after a notice, with
 *     the same result.
 * Runs in a private XDG_RUNTIME_DIR with the built `rectify serve`
 * ($RECTIFY_EXE) and stops it at the end. */
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "rf-plugin-core.h"
#include "service-test-util.h"

#define W 40
#define H 32

static RfImage *
make_image (void)
{
  RfImage *im = rf_image_new (W, H, 4, NULL);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        float *p = rf_image_pixel (im, x, y);
        p[0] = (float) x / W;
        p[1] = (float) y / H;
        p[2] = (float) ((x * y) % 7) / 7.0f;
        p[3] = 1.0f;
      }
  return im;
}

/* A feathered rectangle: 1 inside, a ramp of 3 pixels, 0 outside. */
static RfImage *
make_mask (void)
{
  RfImage *m = rf_image_new (W, H, 1, NULL);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        int d = MIN (MIN (x - 10, 30 - x), MIN (y - 8, 24 - y));
        rf_image_pixel (m, x, y)[0] = d >= 3 ? 1.0f : d < 0 ? 0.0f : (d + 1) / 4.0f;
      }
  return m;
}

typedef struct {
  int n_progress, n_previews, n_sample;
  double last;
  gboolean monotone;
  char *notice;
  GCancellable *cancel_at_preview;   /* cancelled at the first preview */
  gint64 cancelled_us;
} Seen;

static void
on_progress (double fraction, const char *text, gpointer data)
{
  Seen *s = data;
  if (fraction + 1e-9 < s->last && s->n_progress > 0)
    s->monotone = FALSE;
  s->last = fraction;
  s->n_progress++;
  if (g_str_equal (text, "sample"))
    s->n_sample++;
  if (strstr (text, "not available") && s->notice == NULL)
    s->notice = g_strdup (text);
}

static void
on_preview (const RfImage *preview, guint step, guint n_steps, gpointer data)
{
  Seen *s = data;
  g_assert_cmpint (preview->channels, ==, 4);
  g_assert_cmpuint (n_steps, >, 0);
  s->n_previews++;
  if (s->cancel_at_preview && s->cancelled_us == 0)
    {
      s->cancelled_us = g_get_monotonic_time ();
      g_cancellable_cancel (s->cancel_at_preview);
    }
}

static void
local (gboolean on)
{
  if (on)
    g_setenv ("RECTIFY_LOCAL", "1", TRUE);
  else
    g_unsetenv ("RECTIFY_LOCAL");
}

static RfImage *
run_job_strength (RfJobKind kind, guint steps, double strength, Seen *seen,
                  GCancellable *cancel, GError **error)
{
  g_autoptr (RfImage) image = make_image ();
  g_autoptr (RfImage) mask = make_mask ();
  RfPluginJob job = { kind, "a red ball", kind == RF_JOB_EDIT ? "stripes" : NULL, steps, 7, "",
                      "cpu", strength };
  guint64 seed = 0;
  RfImage *out = rf_plugin_run (&job, image, kind == RF_JOB_GENERATE ? NULL : mask, on_progress,
                                on_preview, seen, cancel, &seed, error);
  if (out)
    g_assert_cmpuint (seed, ==, 7);
  return out;
}

static RfImage *
run_job (RfJobKind kind, guint steps, Seen *seen, GCancellable *cancel, GError **error)
{
  return run_job_strength (kind, steps, 1.0, seen, cancel, error);
}

/* Whether the service's status lists a finished @type job. */
static gboolean
service_ran (const char *type)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfServiceClient) c = rf_service_client_new (RF_SERVICE_CLIENT_NONE, &error);
  g_assert_no_error (error);
  st_service_pid (c);   /* remembered: killed at the end whatever happens */
  g_autoptr (GVariant) st = rf_service_client_status (c, &error);
  g_assert_no_error (error);
  g_autoptr (GVariant) jobs = g_variant_lookup_value (st, "jobs", G_VARIANT_TYPE ("aa{sv}"));
  GVariantIter it;
  GVariant *j;
  gboolean found = FALSE;
  g_variant_iter_init (&it, jobs);
  while ((j = g_variant_iter_next_value (&it)) != NULL)
    {
      const char *t = "", *state = "";
      g_variant_lookup (j, "type", "&s", &t);
      g_variant_lookup (j, "state", "&s", &state);
      found |= g_str_equal (t, type) && g_str_equal (state, "done");
      g_variant_unref (j);
    }
  return found;
}

static void
test_same_as_local (gconstpointer data)
{
  RfJobKind kind = GPOINTER_TO_INT (data);
  const char *name = rf_job_kind_name (kind);
  g_autoptr (GError) error = NULL;
  Seen served = { 0, 0, 0, 0, TRUE, NULL, NULL, 0 };
  local (FALSE);
  g_autoptr (RfImage) a = run_job (kind, 3, &served, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (served.notice);
  g_assert_true (service_ran (name));
  Seen here = { 0, 0, 0, 0, TRUE, NULL, NULL, 0 };
  local (TRUE);
  g_autoptr (RfImage) b = run_job (kind, 3, &here, NULL, &error);
  local (FALSE);
  g_assert_no_error (error);
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  gboolean same = memcmp (a->data, b->data, sizeof (float) * W * H * 4) == 0;
  printf ("%s %s: service and RECTIFY_LOCAL=1 %s; %d previews, %d progress calls (%s)\n",
          same ? "ok" : "FAIL", name, same ? "bit-identical" : "differ", served.n_previews,
          served.n_progress, served.monotone ? "rising" : "falling back");
  g_assert_true (same);
  g_assert_cmpint (served.n_previews, >=, 3);
  g_assert_true (served.monotone);
  g_assert_cmpfloat (served.last, ==, 1.0);
  /* inpaint: pixels outside the mask are the input's */
  if (kind == RF_JOB_INPAINT)
    {
      g_autoptr (RfImage) in = make_image ();
      g_assert_cmpfloat (a->data[0], ==, in->data[0]);
      g_assert_cmpint (memcmp (rf_image_pixel (a, W - 1, H - 1), rf_image_pixel (in, W - 1, H - 1),
                               4 * sizeof (float)), ==, 0);
    }
}

/* Inpaint strength 0.5 (of 4 steps: the last 2) through the service is
 * the in-process result bit for bit, and not the strength-1 one; a bad
 * strength is the pipeline's error. */
static void
test_strength (void)
{
  g_autoptr (GError) error = NULL;
  Seen served = { 0, 0, 0, 0, TRUE, NULL, NULL, 0 };
  local (FALSE);
  g_autoptr (RfImage) a = run_job_strength (RF_JOB_INPAINT, 4, 0.5, &served, NULL, &error);
  g_assert_no_error (error);
  Seen here = { 0, 0, 0, 0, TRUE, NULL, NULL, 0 };
  local (TRUE);
  g_autoptr (RfImage) b = run_job_strength (RF_JOB_INPAINT, 4, 0.5, &here, NULL, &error);
  g_assert_no_error (error);
  local (FALSE);
  Seen full = { 0, 0, 0, 0, TRUE, NULL, NULL, 0 };
  g_autoptr (RfImage) c = run_job_strength (RF_JOB_INPAINT, 4, 1.0, &full, NULL, &error);
  g_assert_no_error (error);
  gboolean same = memcmp (a->data, b->data, sizeof (float) * W * H * 4) == 0;
  gboolean other = memcmp (a->data, c->data, sizeof (float) * W * H * 4) != 0;
  printf ("%s inpaint strength 0.5: service and RECTIFY_LOCAL=1 %s, %s strength 1; "
          "%d previews (strength 1: %d)\n", same && other ? "ok" : "FAIL",
          same ? "bit-identical" : "differ", other ? "unlike" : "SAME AS", served.n_previews,
          full.n_previews);
  g_assert_true (same && other);
  g_assert_cmpint (served.n_previews, ==, 2);
  g_assert_cmpint (full.n_previews, ==, 4);
  Seen bad = { 0, 0, 0, 0, TRUE, NULL, NULL, 0 };
  g_autoptr (RfImage) d = run_job_strength (RF_JOB_INPAINT, 4, 0.0, &bad, NULL, &error);
  g_assert_null (d);
  g_assert_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID);
  printf ("ok inpaint strength 0: %s\n", error->message);
}

/* A second run on the same files loads nothing: the service's use counts
 * of the transformer grow. */
static guint64
flux_uses (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfServiceClient) c = rf_service_client_new (RF_SERVICE_CLIENT_NONE, &error);
  g_assert_no_error (error);
  g_autoptr (GVariant) models = rf_service_client_list_models (c, &error);
  g_assert_no_error (error);
  GVariantIter it;
  GVariant *m;
  guint64 uses = 0;
  g_variant_iter_init (&it, models);
  while ((m = g_variant_iter_next_value (&it)) != NULL)
    {
      const char *kind = "";
      guint64 u = 0;
      g_variant_lookup (m, "kind", "&s", &kind);
      g_variant_lookup (m, "uses", "t", &u);
      if (g_str_equal (kind, "flux"))
        uses += u;
      g_variant_unref (m);
    }
  return uses;
}

static void
test_warm (void)
{
  g_autoptr (GError) error = NULL;
  Seen s = { 0, 0, 0, 0, TRUE, NULL, NULL, 0 };
  local (FALSE);
  g_autoptr (RfImage) a = run_job (RF_JOB_GENERATE, 2, &s, NULL, &error);
  g_assert_no_error (error);
  guint64 before = flux_uses ();
  g_autoptr (RfImage) b = run_job (RF_JOB_GENERATE, 2, &s, NULL, &error);
  g_assert_no_error (error);
  guint64 after = flux_uses ();
  printf ("%s models stay loaded: transformer uses %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT
          "\n", after > before && before > 0 ? "ok" : "FAIL", before, after);
  g_assert_cmpuint (before, >, 0);
  g_assert_cmpuint (after, >, before);
}

static void
test_cancel (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  Seen s = { 0, 0, 0, 0, TRUE, NULL, cancel, 0 };
  local (FALSE);
  g_autoptr (RfImage) out = run_job (RF_JOB_INPAINT, 1000, &s, cancel, &error);
  /* steps take milliseconds on the test model: the latency is the round trip */
  double latency = (g_get_monotonic_time () - s.cancelled_us) / 1e6;
  gboolean ok = out == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                && s.n_sample < 1000 && latency < 2.0;
  printf ("%s cancel at the first preview: %s at step %d of 1000, %.3f s after the request\n",
          ok ? "ok" : "FAIL", error ? error->message : "finished", s.n_sample, latency);
  g_assert_null (out);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (s.n_sample, <, 1000);
  g_assert_cmpfloat (latency, <, 2.0);
  /* the service keeps serving */
  g_clear_error (&error);
  Seen t = { 0, 0, 0, 0, TRUE, NULL, NULL, 0 };
  g_autoptr (RfImage) again = run_job (RF_JOB_GENERATE, 2, &t, NULL, &error);
  g_assert_no_error (error);
}

static const RfPluginModel *
find_test_model (GPtrArray *list)
{
  for (guint i = 1; i < list->len; i++)
    {
      const RfPluginModel *m = g_ptr_array_index (list, i);
      if (strstr (m->label, "test model"))
        return m;
    }
  return NULL;
}

static void
test_models (void)
{
  gboolean from_service = FALSE;
  local (FALSE);
  g_autoptr (GPtrArray) served = rf_plugin_list_models (&from_service);
  g_assert_true (from_service);
  g_assert_cmpstr (((RfPluginModel *) g_ptr_array_index (served, 0))->value, ==, "");
  const RfPluginModel *a = find_test_model (served);
  g_assert_nonnull (a);
  local (TRUE);
  g_autoptr (GPtrArray) here = rf_plugin_list_models (&from_service);
  local (FALSE);
  g_assert_false (from_service);
  const RfPluginModel *b = find_test_model (here);
  g_assert_nonnull (b);
  printf ("ok model list from the service: %u entries, test set '%s' (here: '%s')\n",
          served->len, a->label, b->label);
  g_assert_cmpstr (a->value, ==, b->value);
}

static void
test_fallback (void)
{
  g_autoptr (GError) error = NULL;
  local (TRUE);
  Seen h = { 0, 0, 0, 0, TRUE, NULL, NULL, 0 };
  g_autoptr (RfImage) b = run_job (RF_JOB_INPAINT, 2, &h, NULL, &error);
  g_assert_no_error (error);
  local (FALSE);
  st_stop_service ();
  g_autofree char *cmd = g_strdup (g_getenv ("RECTIFY_SERVE_COMMAND"));
  g_setenv ("RECTIFY_SERVE_COMMAND", "false", TRUE);
  Seen s = { 0, 0, 0, 0, TRUE, NULL, NULL, 0 };
  g_autoptr (RfImage) a = run_job (RF_JOB_INPAINT, 2, &s, NULL, &error);
  gboolean from_service = TRUE;
  g_autoptr (GPtrArray) list = rf_plugin_list_models (&from_service);
  g_setenv ("RECTIFY_SERVE_COMMAND", cmd, TRUE);
  g_assert_no_error (error);
  printf ("%s no service: ran here after the notice \"%s\"\n", s.notice ? "ok" : "FAIL",
          s.notice ? s.notice : "(none)");
  g_assert_nonnull (s.notice);
  g_free (s.notice);
  g_assert_cmpint (memcmp (a->data, b->data, sizeof (float) * W * H * 4), ==, 0);
  g_assert_false (from_service);
  g_assert_nonnull (find_test_model (list));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  const char *exe = g_getenv ("RECTIFY_EXE");
  if (exe == NULL)
    {
      printf ("SKIP: RECTIFY_EXE is not set\n");
      return 77;
    }
  st_setup (NULL);
  g_autofree char *quoted = g_shell_quote (exe);
  g_autofree char *cmd = g_strdup_printf ("%s serve --daemon", quoted);
  g_setenv ("RECTIFY_SERVE_COMMAND", cmd, TRUE);
  g_test_add_data_func ("/plugin-service/inpaint", GINT_TO_POINTER (RF_JOB_INPAINT),
                        test_same_as_local);
  g_test_add_data_func ("/plugin-service/edit", GINT_TO_POINTER (RF_JOB_EDIT), test_same_as_local);
  g_test_add_data_func ("/plugin-service/generate", GINT_TO_POINTER (RF_JOB_GENERATE),
                        test_same_as_local);
  g_test_add_func ("/plugin-service/strength", test_strength);
  g_test_add_func ("/plugin-service/warm", test_warm);
  g_test_add_func ("/plugin-service/cancel", test_cancel);
  g_test_add_func ("/plugin-service/models", test_models);
  g_test_add_func ("/plugin-service/fallback", test_fallback);
  int status = g_test_run ();
  return st_teardown (status);
}
