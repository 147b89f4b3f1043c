/* test-service-pipeline.c — the pipeline jobs through the engine service
 * (rf-service-pipeline.h) on the tiny test model set: results bit-identical
 * to rf_pipeline_run in process (generate, invert, edit, inpaint), a second
 * job on the same set loads nothing, progress/preview/notice arrive, two
 * clients in parallel, cancelling one leaves the other alone, kill -9 mid
 * job, the model-sets listing, and the version check. */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rf-config.h"
#include "rf-service-error.h"
#include "rf-service-pipeline.h"
#include "service-test-util.h"

#define W 64
#define H 48

static RfModelSet *test_set;

/* --- inputs ------------------------------------------------------------- */

static RfImage *
make_image (void)
{
  RfImage *im = rf_image_new (W, H, 4, NULL);
  im->bits = 8;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        float *p = rf_image_pixel (im, x, y);
        p[0] = (float) x / W;
        p[1] = (float) y / H;
        p[2] = (float) ((x * 7 + y * 3) % 17) / 16.0f;
        p[3] = 1.0f;
      }
  return im;
}

static RfImage *
make_mask (void)
{
  RfImage *m = rf_image_new (W, H, 1, NULL);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        /* a feathered square in the middle */
        float dx = MAX (0, abs (x - W / 2) - 8), dy = MAX (0, abs (y - H / 2) - 6);
        rf_image_pixel (m, x, y)[0] = CLAMP (1.0f - (dx + dy) / 4.0f, 0.0f, 1.0f);
      }
  return m;
}

static void
init_params (RfJobParams *p, RfJobKind kind, const RfImage *image, const RfImage *mask)
{
  rf_job_params_init (p, kind);
  p->prompt = "a red ball";
  p->source_prompt = "a gradient";
  p->seed = 42;
  p->steps = 4;
  p->width = W;
  p->height = H;
  p->image = kind == RF_JOB_GENERATE ? NULL : image;
  p->mask = kind == RF_JOB_INPAINT ? mask : NULL;
}

static RfJobResult *
run_local (const RfJobParams *p)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfBackend) be = rf_backend_new_by_name ("cpu", &error);
  g_assert_no_error (error);
  g_autoptr (RfPipeline) pipe = rf_pipeline_new (be, test_set);
  RfJobResult *r = rf_pipeline_run (pipe, p, &error);
  g_assert_no_error (error);
  return r;
}

static gboolean
same_result (const RfJobResult *a, const RfJobResult *b)
{
  if (a->seed != b->seed || a->steps != b->steps || a->nfe != b->nfe
      || a->guidance != b->guidance || g_strcmp0 (a->solver, b->solver) != 0
      || g_strcmp0 (a->method, b->method) != 0 || a->work_width != b->work_width
      || a->work_height != b->work_height || a->crop_x != b->crop_x || a->crop_y != b->crop_y
      || a->crop_width != b->crop_width || a->crop_height != b->crop_height
      || a->v_cache_bytes != b->v_cache_bytes || (a->image == NULL) != (b->image == NULL)
      || (a->latent == NULL) != (b->latent == NULL))
    return FALSE;
  if (a->image
      && (a->image->width != b->image->width || a->image->height != b->image->height
          || a->image->bits != b->image->bits
          || memcmp (a->image->data, b->image->data,
                     sizeof (float) * a->image->width * a->image->height * 4) != 0))
    return FALSE;
  if (a->latent
      && (a->latent->channels != b->latent->channels || a->latent->height != b->latent->height
          || a->latent->width != b->latent->width
          || memcmp (a->latent->data, b->latent->data, sizeof (float) * a->latent->channels
                                                       * a->latent->height * a->latent->width)))
    return FALSE;
  return TRUE;
}

/* --- callbacks ----------------------------------------------------------- */

typedef struct {
  int n_sample, n_previews, n_notices, n_load;
  guint preview_n_steps;
  gboolean preview_ok;
  int cancel_at;                 /* cancel at this sampling step; -1 never */
  pid_t kill_pid;                /* kill -9 at the first sampling step; 0 never */
  GCancellable *cancellable;
  gint64 cancelled_us;           /* when the cancel was asked */
} Seen;

static void
on_progress (RfJobPhase phase, guint step, guint n_steps, gpointer data)
{
  Seen *s = data;
  if (phase == RF_PHASE_SAMPLE)
    s->n_sample++;
  if (phase == RF_PHASE_SAMPLE && s->cancel_at >= 0 && (int) step >= s->cancel_at
      && s->cancelled_us == 0)
    {
      s->cancelled_us = g_get_monotonic_time ();
      g_cancellable_cancel (s->cancellable);
    }
  if (phase == RF_PHASE_SAMPLE && step >= 1 && s->kill_pid > 0)
    {
      kill (s->kill_pid, SIGKILL);
      s->kill_pid = 0;
    }
}

static void
on_preview (const RfImage *im, guint step, guint n_steps, gpointer data)
{
  Seen *s = data;
  s->n_previews++;
  s->preview_n_steps = n_steps;
  s->preview_ok = im->width == W && im->height == H && im->channels == 4;
}

static void
on_notice (const char *msg, gpointer data)
{
  ((Seen *) data)->n_notices++;
}

/* Counts the service's "load-model" progress (real loads) of a raw job. */
static void
count_loads (gpointer data, const char *phase, int done, int total)
{
  if (g_str_equal (phase, "load-model") && done == 0)
    ((Seen *) data)->n_load++;
}

static RfJobResult *
run_service (RfServiceClient *c, RfJobParams *p, Seen *seen, GError **error)
{
  p->progress = seen ? on_progress : NULL;
  p->preview = seen ? on_preview : NULL;
  p->notice = seen ? on_notice : NULL;
  p->user_data = seen;
  p->cancellable = seen ? seen->cancellable : NULL;
  return rf_service_pipeline_run (c, test_set, NULL, p, error);
}

/* --- cases --------------------------------------------------------------- */

/* First job loads the transformer and the autoencoder; the same job again
 * loads nothing (no "load-model" progress, the cache's use counts grow). */
static void
test_second_job_loads_nothing (void)
{
  g_autoptr (RfServiceClient) c = st_client ();
  RfJobParams p;
  init_params (&p, RF_JOB_GENERATE, NULL, NULL);
  /* the raw job, to see the service's own progress phases */
  g_autoptr (GPtrArray) none = NULL;
  for (int round = 0; round < 2; round++)
    {
      Seen seen = { 0 };
      RfServiceJobCallbacks cb = { count_loads, NULL, &seen, NULL };
      GVariantBuilder b;
      g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
      g_variant_builder_add (&b, "{sv}", "flux", g_variant_new_string (test_set->flux));
      g_variant_builder_add (&b, "{sv}", "ae", g_variant_new_string (test_set->ae));
      g_variant_builder_add (&b, "{sv}", "test-model", g_variant_new_boolean (TRUE));
      g_variant_builder_add (&b, "{sv}", "width", g_variant_new_int32 (W));
      g_variant_builder_add (&b, "{sv}", "height", g_variant_new_int32 (H));
      g_variant_builder_add (&b, "{sv}", "steps", g_variant_new_uint32 (2));
      g_autoptr (GError) error = NULL;
      g_autoptr (GVariant) res = NULL;
      g_autoptr (GPtrArray) outs = rf_service_client_run (c, "generate", g_variant_builder_end (&b),
                                                          NULL, &cb, NULL, &res, &error);
      g_assert_no_error (error);
      g_assert_nonnull (rf_service_buffers_find (outs, "image"));
      g_print ("# round %d: %d model loads\n", round, seen.n_load);
      if (round == 0)
        g_assert_cmpint (seen.n_load, ==, 2);   /* transformer and autoencoder */
      else
        g_assert_cmpint (seen.n_load, ==, 0);
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) models = rf_service_client_list_models (c, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (models), ==, 2);
  for (gsize i = 0; i < 2; i++)
    {
      g_autoptr (GVariant) m = g_variant_get_child_value (models, i);
      guint64 uses = 0;
      g_assert_true (g_variant_lookup (m, "uses", "t", &uses));
      g_assert_cmpuint (uses, ==, 2);
    }
}

/* generate, invert, edit, inpaint (blend and Fill): the service's result
 * equals the in-process one bit for bit, metadata included. */
static void
test_same_as_local (void)
{
  g_autoptr (RfServiceClient) c = st_client ();
  g_autoptr (RfImage) image = make_image ();
  g_autoptr (RfImage) mask = make_mask ();
  /* strength 0.5 of 8 steps: the last 4 */
  struct { RfJobKind kind; RfInpaintMethod method; double strength; } cases[] = {
    { RF_JOB_GENERATE, RF_INPAINT_AUTO, 1 }, { RF_JOB_INVERT, RF_INPAINT_AUTO, 1 },
    { RF_JOB_EDIT, RF_INPAINT_AUTO, 1 }, { RF_JOB_INPAINT, RF_INPAINT_FILL, 1 },
    { RF_JOB_INPAINT, RF_INPAINT_BLEND, 1 }, { RF_JOB_INPAINT, RF_INPAINT_FILL, 0.5 },
    { RF_JOB_INPAINT, RF_INPAINT_BLEND, 0.5 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      RfJobParams p;
      init_params (&p, cases[i].kind, image, mask);
      p.inpaint_method = cases[i].method;
      p.strength = cases[i].strength;
      p.steps = cases[i].strength < 1 ? 8 : p.steps;
      p.preview_every = 1;
      Seen seen = { 0, .cancel_at = -1 };
      g_autoptr (GError) error = NULL;
      g_autoptr (RfJobResult) remote = run_service (c, &p, &seen, &error);
      g_assert_no_error (error);
      RfJobParams lp;
      init_params (&lp, cases[i].kind, image, mask);
      lp.inpaint_method = cases[i].method;
      lp.strength = p.strength;
      lp.steps = p.steps;
      g_autoptr (RfJobResult) local = run_local (&lp);
      gboolean same = same_result (remote, local);
      g_print ("# %s%s%s strength %g: %s, %d sample steps, %d previews, %d notices\n",
               rf_job_kind_name (cases[i].kind), local->method ? " " : "",
               local->method ? local->method : "", p.strength, same ? "identical" : "DIFFERENT",
               seen.n_sample, seen.n_previews, seen.n_notices);
      g_assert_true (same);
      if (cases[i].strength < 1)
        g_assert_cmpuint (local->steps, ==, 4);
      g_assert_cmpint (seen.n_notices, >=, 1);   /* the test-model notice at least */
      if (cases[i].kind != RF_JOB_INVERT)
        {
          g_assert_cmpint (seen.n_sample, >=, 4);
          g_assert_cmpint (seen.n_previews, >=, 1);
          g_assert_true (seen.preview_ok || cases[i].kind == RF_JOB_INPAINT);
          g_assert_cmpuint (seen.preview_n_steps, ==, local->steps);
        }
    }
}

/* Bad input is the pipeline's own error, as in process. */
static void
test_errors_as_local (void)
{
  g_autoptr (RfServiceClient) c = st_client ();
  g_autoptr (RfImage) image = make_image ();
  RfJobParams p;
  init_params (&p, RF_JOB_INPAINT, image, NULL);   /* no mask */
  g_autoptr (GError) error = NULL;
  g_autoptr (RfJobResult) r = run_service (c, &p, NULL, &error);
  g_assert_null (r);
  g_assert_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MASK);
  g_clear_error (&error);
  /* a strength out of range (NaN too) crosses the wire as is and is
   * refused by the pipeline, with its message */
  g_autoptr (RfImage) mask = make_mask ();
  const double strengths[] = { NAN, 0, 1.5 };
  for (gsize i = 0; i < G_N_ELEMENTS (strengths); i++)
    {
      init_params (&p, RF_JOB_INPAINT, image, mask);
      p.strength = strengths[i];
      g_autoptr (RfJobResult) rs = run_service (c, &p, NULL, &error);
      g_assert_null (rs);
      g_assert_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID);
      g_autoptr (RfBackend) be = rf_backend_new_by_name ("cpu", NULL);
      g_autoptr (RfPipeline) pipe = rf_pipeline_new (be, test_set);
      g_autoptr (GError) local_error = NULL;
      g_autoptr (RfJobResult) rl = rf_pipeline_run (pipe, &p, &local_error);
      g_assert_null (rl);
      g_assert_nonnull (local_error);
      g_print ("# strength %g: %s\n", strengths[i], error->message);
      g_assert_cmpstr (error->message, ==, local_error->message);
      g_clear_error (&error);
    }
  g_autoptr (RfModelSet) bad = rf_model_set_copy (test_set);
  g_free (bad->flux);
  bad->flux = g_strdup ("/nonexistent/flux.safetensors");
  init_params (&p, RF_JOB_GENERATE, NULL, NULL);
  g_autoptr (RfJobResult) r2 = rf_service_pipeline_run (c, bad, NULL, &p, &error);
  g_assert_null (r2);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "/nonexistent/flux.safetensors"));
  g_print ("# missing model: %s\n", error->message);
}

typedef struct {
  int cancel_at;
  int steps;
  RfJobResult *result;
  GError *error;
  int n_sample;
  double cancel_latency_s;
} Par;

static gpointer
parallel_job (gpointer data)
{
  Par *par = data;
  g_autoptr (RfServiceClient) c = st_client ();
  RfJobParams p;
  init_params (&p, RF_JOB_GENERATE, NULL, NULL);
  p.steps = par->steps;
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  Seen seen = { 0, .cancel_at = par->cancel_at, .cancellable = cancel };
  par->result = run_service (c, &p, &seen, &par->error);
  par->n_sample = seen.n_sample;
  if (seen.cancelled_us)
    par->cancel_latency_s = (g_get_monotonic_time () - seen.cancelled_us) / 1e6;
  return NULL;
}

/* Two clients at once both finish; then one is cancelled mid-job while the
 * other finishes with the right result. */
static void
test_parallel_and_cancel (void)
{
  RfJobParams lp;
  init_params (&lp, RF_JOB_GENERATE, NULL, NULL);
  g_autoptr (RfJobResult) local = run_local (&lp);
  for (int round = 0; round < 2; round++)
    {
      Par a = { round == 0 ? -1 : 3, round == 0 ? 4 : 1000, NULL, NULL, 0, 0 };
      Par b = { -1, 4, NULL, NULL, 0, 0 };
      GThread *ta = g_thread_new ("a", parallel_job, &a);
      GThread *tb = g_thread_new ("b", parallel_job, &b);
      g_thread_join (ta);
      g_thread_join (tb);
      g_assert_no_error (b.error);
      g_assert_true (same_result (b.result, local));
      if (round == 0)
        {
          g_assert_no_error (a.error);
          g_assert_true (same_result (a.result, local));
          g_print ("# two clients in parallel: both identical to in process\n");
        }
      else
        {
          g_assert_error (a.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          g_assert_null (a.result);
          /* stopped well before its end, soon after the request (steps take
           * milliseconds here: the latency is the round trip) */
          g_assert_cmpint (a.n_sample, <, 1000);
          g_assert_cmpfloat (a.cancel_latency_s, <, 2.0);
          g_print ("# cancelled at step %d of 1000, %.3f s after the request; the other job "
                   "finished identical to in process\n", a.n_sample, a.cancel_latency_s);
        }
      g_clear_pointer (&a.result, rf_job_result_free);
      g_clear_pointer (&b.result, rf_job_result_free);
      g_clear_error (&a.error);
    }
}

/* kill -9 of the service mid pipeline job: a clear error; the next request
 * starts a fresh service that works. */
static void
test_kill_mid_job (void)
{
  g_autoptr (RfServiceClient) c = st_client ();
  pid_t pid = st_service_pid (c);
  RfJobParams p;
  init_params (&p, RF_JOB_GENERATE, NULL, NULL);
  p.steps = 500;
  Seen seen = { 0, .cancel_at = -1, .kill_pid = pid };
  g_autoptr (GError) error = NULL;
  g_autoptr (RfJobResult) r = run_service (c, &p, &seen, &error);
  g_assert_null (r);
  g_assert_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_DISCONNECTED);
  g_print ("# killed: %s\n", error->message);
  g_assert_true (st_wait_exit (pid, 10));
  g_autoptr (RfServiceClient) c2 = st_client ();
  pid_t pid2 = st_service_pid (c2);
  g_assert_cmpint (pid2, !=, pid);
  init_params (&p, RF_JOB_GENERATE, NULL, NULL);
  g_clear_error (&error);
  g_autoptr (RfJobResult) r2 = run_service (c2, &p, NULL, &error);
  g_assert_no_error (error);
  RfJobParams lp;
  init_params (&lp, RF_JOB_GENERATE, NULL, NULL);
  g_autoptr (RfJobResult) local = run_local (&lp);
  g_assert_true (same_result (r2, local));
}

static void
test_model_sets (void)
{
  g_autoptr (RfServiceClient) c = st_client ();
  const char *extra[] = { rf_model_set_test_dir (), NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) sets = rf_service_pipeline_list_model_sets (c, extra, &error);
  g_assert_no_error (error);
  gboolean saw_test = FALSE, saw_dev = FALSE;
  for (guint i = 0; i < sets->len; i++)
    {
      RfServiceModelSetInfo *info = g_ptr_array_index (sets, i);
      g_autofree char *missing = g_strjoinv (",", info->missing);
      g_print ("# set %s: usable %d, missing [%s]%s\n", info->set->flux, info->usable, missing,
               info->set->test_model ? " (test set)" : "");
      g_assert_nonnull (info->description);
      if (info->set->test_model && g_str_has_suffix (info->set->flux, "flux-dev.safetensors"))
        {
          /* the test set: no text encoders, but usable (built-in conditioning) */
          g_assert_true (info->usable);
          g_assert_nonnull (info->set->ae);
          g_assert_true (g_strv_contains ((const char *const *) info->missing, "clip"));
          g_assert_true (g_strv_contains ((const char *const *) info->missing, "t5"));
          g_assert_false (g_strv_contains ((const char *const *) info->missing, "ae"));
          saw_test = TRUE;
          saw_dev |= info->set->fill != NULL;
        }
    }
  g_assert_true (saw_test);
  g_assert_true (saw_dev);
  g_assert_cmpuint (sets->len, ==, 2);   /* dev and schnell in the folder; the test set once */
}

typedef struct {
  RfServiceClient *client;
  GError *error;
} Busy;

static gpointer
busy_job (gpointer data)
{
  Busy *b = data;
  GVariantBuilder p;
  g_variant_builder_init (&p, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&p, "{sv}", "steps", g_variant_new_int32 (40));
  g_variant_builder_add (&p, "{sv}", "ms", g_variant_new_int32 (50));
  g_autoptr (GPtrArray) outs = rf_service_client_run (b->client, "sleep-steps",
                                                      g_variant_builder_end (&p), NULL, NULL,
                                                      NULL, NULL, &b->error);
  return NULL;
}

/* A service of another version: replaced when idle; when busy, a clear
 * error, and it exits once its job is done. */
static void
test_version_mismatch (void)
{
  st_stop_service ();
  const char *server = g_getenv ("RECTIFY_TEST_SERVER");
  g_autofree char *quoted = g_shell_quote (server);
  g_autofree char *old_cmd = g_strdup_printf ("env RECTIFY_TEST_SERVICE_VERSION=0.0.1-old %s "
                                              "--daemon --device cpu", quoted);
  g_autofree char *new_cmd = g_strdup (g_getenv ("RECTIFY_SERVE_COMMAND"));
  g_autoptr (GError) error = NULL;

  /* idle old service → replaced */
  g_setenv ("RECTIFY_SERVE_COMMAND", old_cmd, TRUE);
  g_assert_true (rf_service_start (&error));
  g_assert_no_error (error);
  g_autoptr (RfServiceClient) old = rf_service_client_new (RF_SERVICE_CLIENT_NONE, &error);
  g_assert_no_error (error);
  pid_t old_pid = st_service_pid (old);
  g_autoptr (GVariant) st = rf_service_client_status (old, &error);
  const char *v = NULL;
  g_variant_lookup (st, "version", "&s", &v);
  g_assert_cmpstr (v, ==, "0.0.1-old");
  g_clear_pointer (&old, rf_service_client_free);
  g_setenv ("RECTIFY_SERVE_COMMAND", new_cmd, TRUE);
  g_autoptr (RfServiceClient) c = rf_service_client_new (RF_SERVICE_CLIENT_START, &error);
  g_assert_no_error (error);
  pid_t new_pid = st_service_pid (c);
  g_assert_cmpint (new_pid, !=, old_pid);
  g_assert_false (st_pid_alive (old_pid));
  g_clear_pointer (&st, g_variant_unref);
  st = rf_service_client_status (c, &error);
  g_variant_lookup (st, "version", "&s", &v);
  g_assert_cmpstr (v, ==, RECTIFY_VERSION);
  g_print ("# idle old service %d replaced by %d (version %s)\n", old_pid, new_pid, v);
  g_clear_pointer (&c, rf_service_client_free);
  st_stop_service ();

  /* busy old service → clear error; it exits after its job */
  g_setenv ("RECTIFY_SERVE_COMMAND", old_cmd, TRUE);
  g_assert_true (rf_service_start (&error));
  Busy busy = { rf_service_client_new (RF_SERVICE_CLIENT_NONE, &error), NULL };
  g_assert_no_error (error);
  old_pid = st_service_pid (busy.client);
  g_setenv ("RECTIFY_SERVE_COMMAND", new_cmd, TRUE);
  GThread *t = g_thread_new ("busy", busy_job, &busy);
  g_usleep (300000);
  g_autoptr (RfServiceClient) refused = rf_service_client_new (RF_SERVICE_CLIENT_START, &error);
  g_assert_null (refused);
  g_assert_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "0.0.1-old"));
  g_print ("# busy old service: %s\n", error->message);
  g_thread_join (t);
  g_assert_no_error (busy.error);   /* its job was not disturbed */
  rf_service_client_free (busy.client);
  g_assert_true (st_wait_exit (old_pid, 10));
}

int
main (int argc, char **argv)
{
  st_setup (NULL);
  g_test_init (&argc, &argv, NULL);
  test_set = rf_model_set_new_test ();
  g_assert_nonnull (test_set);
  g_test_add_func ("/service-pipeline/second-job-loads-nothing", test_second_job_loads_nothing);
  g_test_add_func ("/service-pipeline/same-as-local", test_same_as_local);
  g_test_add_func ("/service-pipeline/errors-as-local", test_errors_as_local);
  g_test_add_func ("/service-pipeline/parallel-and-cancel", test_parallel_and_cancel);
  g_test_add_func ("/service-pipeline/kill-mid-job", test_kill_mid_job);
  g_test_add_func ("/service-pipeline/model-sets", test_model_sets);
  g_test_add_func ("/service-pipeline/version-mismatch", test_version_mismatch);
  int status = st_teardown (g_test_run ());
  rf_model_set_free (test_set);
  return status;
}
