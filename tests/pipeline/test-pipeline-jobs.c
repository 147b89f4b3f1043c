/* test-pipeline-jobs.c — the pipeline's invariants on the tiny model set:
 * sizes (too small, odd, above the budget), pixels outside the mask,
 * determinism, cancel, progress and previews, and every bad input giving
 * its own error.
 *
 *   test-pipeline-jobs [--backend cpu|vulkan]
 */
#include "pipeline-test.h"

static RfBackend *be;

static RfJobResult *
run (RfPipeline *pipe, RfJobParams *p, GError **error)
{
  return rf_pipeline_run (pipe, p, error);
}

static void
too_small (void)
{
  g_autoptr (RfPipeline) pipe = test_pipeline (be, NULL, FALSE);
  g_autoptr (RfImage) im = test_image (1, 1);
  g_autoptr (RfImage) mask = test_mask (1, 1, 0, 0, 1, 1);
  RfJobKind kinds[] = { RF_JOB_EDIT, RF_JOB_INPAINT, RF_JOB_RECONSTRUCT };
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      RfJobParams p;
      rf_job_params_init (&p, kinds[i]);
      p.image = im;
      p.mask = mask;
      g_autoptr (GError) error = NULL;
      g_autoptr (RfJobResult) r = run (pipe, &p, &error);
      char name[64];
      g_snprintf (name, sizeof name, "1x1 %s: clear error", rf_job_kind_name (kinds[i]));
      report (name, r == NULL && g_error_matches (error, RF_PIPELINE_ERROR,
                                                  RF_PIPELINE_ERROR_IMAGE_SIZE),
              "%s", error ? error->message : "no error");
    }
  RfJobParams p;
  rf_job_params_init (&p, RF_JOB_GENERATE);
  p.width = 1;
  p.height = 1;
  g_autoptr (GError) error = NULL;
  g_autoptr (RfJobResult) r = run (pipe, &p, &error);
  report ("1x1 generate: clear error", r == NULL && g_error_matches (error, RF_PIPELINE_ERROR,
                                                                     RF_PIPELINE_ERROR_IMAGE_SIZE),
          "%s", error ? error->message : "no error");
}

static void
odd_sizes (void)
{
  g_autoptr (RfPipeline) pipe = test_pipeline (be, NULL, TRUE);
  g_autoptr (RfImage) im = test_image (17, 33);
  g_autoptr (RfImage) mask = test_mask (17, 33, 8, 20, 4, 3);
  RfJobKind kinds[] = { RF_JOB_GENERATE, RF_JOB_EDIT, RF_JOB_INPAINT };
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      RfJobParams p;
      rf_job_params_init (&p, kinds[i]);
      p.image = im;
      p.mask = mask;
      p.width = 17;
      p.height = 33;
      p.steps = 3;
      p.prompt = "odd";
      g_autoptr (GError) error = NULL;
      g_autoptr (RfJobResult) r = run (pipe, &p, &error);
      char name[64];
      g_snprintf (name, sizeof name, "17x33 %s", rf_job_kind_name (kinds[i]));
      gboolean ok = r && r->image && r->image->width == 17 && r->image->height == 33
                    && r->work_width % 4 == 0 && r->work_height % 4 == 0;
      report (name, ok, r ? "out %dx%d, work %dx%d" : "%s",
              r ? r->image->width : 0, r ? r->image->height : 0, r ? r->work_width : 0,
              r ? r->work_height : 0);
      if (!r)
        printf ("     %s\n", error->message);
    }
}

static void
above_budget (void)
{
  g_autoptr (RfPipeline) pipe = test_pipeline (be, NULL, FALSE);
  g_autoptr (RfImage) im = test_image (150, 90);
  g_autoptr (RfImage) mask = test_mask (150, 90, 100, 40, 12, 6);
  RfJobKind kinds[] = { RF_JOB_EDIT, RF_JOB_INPAINT };
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      RfJobParams p;
      rf_job_params_init (&p, kinds[i]);
      p.image = im;
      p.mask = mask;
      p.steps = 2;
      p.max_pixels = 1200;   /* far below 150 × 90 */
      g_autoptr (GError) error = NULL;
      g_autoptr (RfJobResult) r = run (pipe, &p, &error);
      char name[64];
      g_snprintf (name, sizeof name, "above budget %s: resized and mapped back",
                  rf_job_kind_name (kinds[i]));
      gboolean ok = r && r->image->width == 150 && r->image->height == 90
                    && r->work_width * r->work_height <= 1200 && r->work_width % 4 == 0;
      report (name, ok, r ? "work %dx%d for 150x90" : "%s", r ? r->work_width : 0,
              r ? r->work_height : 0);
      if (!r)
        printf ("     %s\n", error->message);
    }
  /* a big image: the inpaint context is the mask's neighbourhood, not the image */
  g_autoptr (RfImage) big = test_image (400, 300);
  g_autoptr (RfImage) bmask = test_mask (400, 300, 300, 80, 10, 4);
  RfJobParams p;
  rf_job_params_init (&p, RF_JOB_INPAINT);
  p.image = big;
  p.mask = bmask;
  p.steps = 2;
  p.max_pixels = 32 * 32;   /* the crop is what is checked; keep the work small */
  g_autoptr (GError) error = NULL;
  g_autoptr (RfJobResult) r = run (pipe, &p, &error);
  /* 512 px at factor 8 → 128 px at the test model's factor 2 */
  gboolean ok = r && r->crop_width >= 128 && r->crop_height >= 128 && r->crop_width < 400
                && r->crop_x <= 300 - 14 && r->crop_x + r->crop_width >= 300 + 14;
  report ("inpaint crops to the mask's context", ok, r ? "crop %dx%d at (%d,%d)" : "%s",
          r ? r->crop_width : 0, r ? r->crop_height : 0, r ? r->crop_x : 0, r ? r->crop_y : 0);
}

static void
outside_mask (RfInpaintMethod method, int resample)
{
  g_autoptr (RfPipeline) pipe = test_pipeline (be, NULL, TRUE);
  g_autoptr (RfImage) im = test_image (40, 36);
  g_autoptr (RfImage) mask = test_mask (40, 36, 25, 15, 6, 5);
  RfJobParams p;
  rf_job_params_init (&p, RF_JOB_INPAINT);
  p.image = im;
  p.mask = mask;
  p.steps = 3;
  p.inpaint_method = method;
  p.resample = resample;
  p.prompt = "a hot air balloon";
  g_autoptr (GError) error = NULL;
  g_autoptr (RfJobResult) r = run (pipe, &p, &error);
  gsize n = 40 * 36, kept = 0, changed_inside = 0, bad = 0;
  for (gsize i = 0; r && i < n; i++)
    {
      gboolean same = memcmp (r->image->data + i * 4, im->data + i * 4, 4 * sizeof (float)) == 0;
      if (mask->data[i] == 0)
        {
          kept++;
          bad += !same;
        }
      else if (mask->data[i] >= 1 && !same)
        changed_inside++;
    }
  char name[64];
  g_snprintf (name, sizeof name, "inpaint %s%s: outside the mask untouched",
              r ? r->method : "?", resample ? " (RePaint)" : "");
  report (name, r && bad == 0 && kept > 0 && changed_inside > 0,
          r ? "%zu of %zu kept pixels differ; %zu inside changed; nfe %u" : "%s",
          r ? bad : 0, r ? kept : 0, r ? changed_inside : 0, r ? r->nfe : 0);
  if (!r)
    printf ("     %s\n", error->message);
  else if (resample)
    report ("RePaint resampling costs its evaluations", r->nfe == 3 + 2 * (guint) resample,
            "nfe %u for 3 steps, %d resamplings", r->nfe, resample);
}

static void
determinism (void)
{
  g_autoptr (RfPipeline) pipe = test_pipeline (be, NULL, FALSE);
  RfImage *out[3] = { NULL };
  guint64 seeds[3] = { 42, 42, 43 };
  for (int i = 0; i < 3; i++)
    {
      RfJobParams p;
      rf_job_params_init (&p, RF_JOB_GENERATE);
      p.width = 24;
      p.height = 20;
      p.steps = 3;
      p.seed = seeds[i];
      p.prompt = "a cat";
      g_autoptr (RfJobResult) r = run (pipe, &p, NULL);
      out[i] = r ? g_steal_pointer (&r->image) : NULL;
    }
  gboolean ok = out[0] && out[1] && out[2];
  double same = ok ? max_abs_diff (out[0], out[1]) : -1;
  double other = ok ? max_abs_diff (out[0], out[2]) : -1;
  report ("same seed, same output", ok && same == 0, "max diff %g", same);
  report ("other seed, other output", ok && other > 1e-3, "max diff %g", other);
  for (int i = 0; i < 3; i++)
    rf_image_free (out[i]);
}

typedef struct {
  GCancellable *cancel;
  int last_phase;
  guint last_step, sample_steps, previews, notices, preview_w;
  gboolean monotone;
  guint cancel_at;
  guint preview_h;
  RfImage *last_preview;   /* a copy of the latest preview, owned */
} Watch;

static void
on_progress (RfJobPhase phase, guint step, guint n_steps, gpointer data)
{
  Watch *w = data;
  if ((int) phase < w->last_phase || ((int) phase == w->last_phase && step < w->last_step))
    w->monotone = FALSE;
  w->last_phase = phase;
  w->last_step = step;
  if (phase == RF_PHASE_SAMPLE)
    w->sample_steps = step;
  if (phase == RF_PHASE_SAMPLE && w->cancel_at && step == w->cancel_at)
    g_cancellable_cancel (w->cancel);
}

static void
on_preview (const RfImage *im, guint step, guint n_steps, gpointer data)
{
  Watch *w = data;
  w->previews++;
  w->preview_w = im->width;
  w->preview_h = im->height;
  rf_image_free (w->last_preview);
  w->last_preview = rf_image_copy (im);
}

static void
on_notice (const char *msg, gpointer data)
{
  ((Watch *) data)->notices++;
}

static void
callbacks (void)
{
  g_autoptr (RfPipeline) pipe = test_pipeline (be, NULL, FALSE);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  Watch w = { cancel, -1, 0, 0, 0, 0, 0, TRUE, 0, 0, NULL };
  RfJobParams p;
  rf_job_params_init (&p, RF_JOB_GENERATE);
  p.width = 32;
  p.height = 16;
  p.steps = 4;
  p.preview_every = 2;
  p.progress = on_progress;
  p.preview = on_preview;
  p.notice = on_notice;
  p.user_data = &w;
  p.cancellable = cancel;
  g_autoptr (GError) error = NULL;
  g_autoptr (RfJobResult) r = run (pipe, &p, &error);
  report ("progress in order, every step", r && w.monotone && w.sample_steps == 4,
          "last sample step %u", w.sample_steps);
  report ("previews every 2 steps at the work size", r && w.previews == 2 && w.preview_w == 32
          && w.preview_h == 16, "%u previews, %ux%u", w.previews, w.preview_w, w.preview_h);
  report ("previews decoded by the set's TAEF1", r && g_strcmp0 (r->preview_decoder, "taef1") == 0,
          "%s", r && r->preview_decoder ? r->preview_decoder : "none");

  /* the same job on the set without TAEF1: the autoencoder makes the
   * previews (other pixels), the result is the same */
  g_autoptr (RfModelSet) no_tae = rf_model_set_copy (rf_pipeline_get_model_set (pipe));
  g_clear_pointer (&no_tae->taef1, g_free);
  g_autoptr (RfPipeline) pipe_ae = rf_pipeline_new (be, no_tae);
  Watch wa = { NULL, -1, 0, 0, 0, 0, 0, TRUE, 0, 0, NULL };
  p.user_data = &wa;
  p.cancellable = NULL;
  g_autoptr (GError) ea = NULL;
  g_autoptr (RfJobResult) ra = run (pipe_ae, &p, &ea);
  double prev_diff = (w.last_preview && wa.last_preview)
                     ? max_abs_diff (w.last_preview, wa.last_preview) : -1;
  report ("without TAEF1: autoencoder previews, same size",
          ra && g_strcmp0 (ra->preview_decoder, "autoencoder") == 0 && wa.previews == 2
          && wa.preview_w == 32 && wa.preview_h == 16, "%s, %u previews %ux%u",
          ra && ra->preview_decoder ? ra->preview_decoder : (ea ? ea->message : "none"),
          wa.previews, wa.preview_w, wa.preview_h);
  report ("TAEF1 and autoencoder previews differ, results equal",
          prev_diff > 1e-3 && r && ra && max_abs_diff (r->image, ra->image) == 0,
          "preview diff %g", prev_diff);
  g_clear_pointer (&w.last_preview, rf_image_free);
  g_clear_pointer (&wa.last_preview, rf_image_free);

  /* an unreadable TAEF1 file: previews fall back to the autoencoder */
  g_autoptr (RfModelSet) bad_tae = rf_model_set_copy (no_tae);
  bad_tae->taef1 = g_build_filename (rf_model_set_test_dir (), "ae.safetensors", NULL);
  g_autoptr (RfPipeline) pipe_bad = rf_pipeline_new (be, bad_tae);
  Watch wb = { NULL, -1, 0, 0, 0, 0, 0, TRUE, 0, 0, NULL };
  p.user_data = &wb;
  g_autoptr (GError) eb = NULL;
  g_autoptr (RfJobResult) rb = run (pipe_bad, &p, &eb);
  report ("a file without TAEF1: autoencoder previews, a notice",
          rb && g_strcmp0 (rb->preview_decoder, "autoencoder") == 0 && wb.previews == 2
          && wb.notices > wa.notices, "%s, %u notices (%u without)",
          rb && rb->preview_decoder ? rb->preview_decoder : (eb ? eb->message : "none"),
          wb.notices, wa.notices);
  g_clear_pointer (&wb.last_preview, rf_image_free);
  p.cancellable = cancel;
  report ("notices: test model and plan", w.notices >= 2, "%u notices", w.notices);
  report ("metadata: seed, steps, timings", r && r->steps == 4 && r->nfe == 4
          && r->seconds_total > 0 && r->seconds_per_step > 0, "steps %u nfe %u %.3f s/step",
          r ? r->steps : 0, r ? r->nfe : 0, r ? r->seconds_per_step : 0);

  /* cancel from the progress callback after sampling step 2 */
  Watch w2 = { cancel, -1, 0, 0, 0, 0, 0, TRUE, 2, 0, NULL };
  p.user_data = &w2;
  p.preview_every = 0;
  g_autoptr (GError) e2 = NULL;
  g_autoptr (RfJobResult) r2 = run (pipe, &p, &e2);
  report ("cancel mid-run: no result, G_IO_ERROR_CANCELLED",
          r2 == NULL && g_error_matches (e2, G_IO_ERROR, G_IO_ERROR_CANCELLED)
          && w2.sample_steps == 2, "%s after step %u", e2 ? e2->message : "finished",
          w2.sample_steps);
}

static void
expect_error (const char *name, RfPipeline *pipe, RfJobParams *p, GQuark domain, int code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RfJobResult) r = run (pipe, p, &error);
  report (name, r == NULL && g_error_matches (error, domain, code), "%s",
          error ? error->message : "no error");
}

static void
bad_inputs (void)
{
  g_autoptr (RfPipeline) pipe = test_pipeline (be, NULL, FALSE);
  g_autoptr (RfImage) im = test_image (32, 32);
  g_autoptr (RfImage) other = test_mask (20, 32, 10, 10, 4, 2);
  g_autoptr (RfImage) empty = rf_image_new (32, 32, 1, NULL);
  g_autoptr (RfImage) full = rf_image_new (32, 32, 1, NULL);
  for (int i = 0; i < 32 * 32; i++)
    full->data[i] = 1;
  RfJobParams p;
  rf_job_params_init (&p, RF_JOB_INPAINT);
  p.image = im;
  p.steps = 2;
  expect_error ("no mask", pipe, &p, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MASK);
  p.mask = other;
  expect_error ("mask of another size", pipe, &p, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MASK);
  p.mask = empty;
  expect_error ("empty mask: nothing to do", pipe, &p, RF_PIPELINE_ERROR,
                RF_PIPELINE_ERROR_MASK_EMPTY);
  p.mask = full;
  expect_error ("fully white mask", pipe, &p, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MASK_FULL);
  p.allow_full_mask = TRUE;
  g_autoptr (RfJobResult) r = run (pipe, &p, NULL);
  report ("fully white mask when allowed", r != NULL && r->image->width == 32, "%s",
          r ? "regenerated everything" : "failed");
  p.allow_full_mask = FALSE;
  p.mask = other;

  p.kind = RF_JOB_EDIT;
  p.prompt = "caf\xe9";   /* Latin-1, not UTF-8 */
  expect_error ("prompt in another encoding", pipe, &p, RF_PIPELINE_ERROR,
                RF_PIPELINE_ERROR_PROMPT);
  p.prompt = "tab\tok but bell \a not";
  expect_error ("prompt with control characters", pipe, &p, RF_PIPELINE_ERROR,
                RF_PIPELINE_ERROR_PROMPT);
  p.prompt = "fine";
  p.steps = 5000;
  expect_error ("absurd step count", pipe, &p, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID);
  p.steps = 2;

  /* missing model parts */
  g_autoptr (RfModelSet) no_ae = rf_model_set_new_test ();
  g_clear_pointer (&no_ae->ae, g_free);
  g_autoptr (RfPipeline) p_no_ae = rf_pipeline_new (be, no_ae);
  expect_error ("no autoencoder", p_no_ae, &p, RF_PIPELINE_ERROR,
                RF_PIPELINE_ERROR_MODEL_MISSING);
  g_autoptr (RfModelSet) no_text = rf_model_set_new_test ();
  no_text->test_model = FALSE;   /* a real set without text encoders */
  g_autoptr (RfPipeline) p_no_text = rf_pipeline_new (be, no_text);
  expect_error ("no text encoder", p_no_text, &p, RF_PIPELINE_ERROR,
                RF_PIPELINE_ERROR_MODEL_MISSING);
  g_autoptr (RfModelSet) no_flux = rf_model_set_new_test ();
  g_clear_pointer (&no_flux->flux, g_free);
  g_autoptr (RfPipeline) p_no_flux = rf_pipeline_new (be, no_flux);
  expect_error ("no transformer", p_no_flux, &p, RF_PIPELINE_ERROR,
                RF_PIPELINE_ERROR_MODEL_MISSING);
  g_autoptr (RfImage) mask = test_mask (32, 32, 10, 10, 4, 2);
  p.kind = RF_JOB_INPAINT;
  p.mask = mask;
  p.inpaint_method = RF_INPAINT_FILL;
  expect_error ("Fill asked for but absent", pipe, &p, RF_PIPELINE_ERROR,
                RF_PIPELINE_ERROR_MODEL_MISSING);
}

static void
schnell_defaults (void)
{
  g_autoptr (RfPipeline) pipe = test_pipeline (be, "flux-schnell.safetensors", FALSE);
  RfJobParams p;
  rf_job_params_init (&p, RF_JOB_GENERATE);
  p.width = p.height = 16;
  g_autoptr (GError) error = NULL;
  g_autoptr (RfJobResult) r = run (pipe, &p, &error);
  report ("schnell generate: 4 Euler steps", r && r->steps == 4 && r->nfe == 4
          && g_strcmp0 (r->solver, "euler") == 0, r ? "%u steps, nfe %u" : "%s",
          r ? r->steps : 0, r ? r->nfe : 0);
}

/* The tiny CLIP (hidden 32) and T5 (d_model 32) of tests/data/text fit
 * the tiny transformer's inputs: the whole text path, prompt to image. */
static void
text_encoders (void)
{
  g_autoptr (RfModelSet) set = rf_model_set_new_test ();
  set->test_model = FALSE;
  set->clip = g_build_filename (RECTIFY_SOURCE_DIR, "tests", "data", "text", "clip-encoder",
                                "model.safetensors", NULL);
  set->t5 = g_build_filename (RECTIFY_SOURCE_DIR, "tests", "data", "text", "t5-encoder",
                              "model.safetensors", NULL);
  set->clip_tokenizer = g_build_filename (RECTIFY_SOURCE_DIR, "tests", "data", "text", "clip",
                                          "tokenizer.json", NULL);
  set->t5_tokenizer = g_build_filename (RECTIFY_SOURCE_DIR, "tests", "data", "text", "t5",
                                        "spiece.model", NULL);
  g_autoptr (RfPipeline) pipe = rf_pipeline_new (be, set);
  const char *prompts[] = { "a lighthouse at dusk", "a lighthouse at dusk", "a red balloon" };
  RfImage *out[3] = { NULL };
  g_autoptr (GError) error = NULL;
  for (int i = 0; i < 3 && error == NULL; i++)
    {
      RfJobParams p;
      rf_job_params_init (&p, RF_JOB_GENERATE);
      p.width = p.height = 16;
      p.steps = 2;
      p.seed = 5;
      p.prompt = prompts[i];
      g_autoptr (RfJobResult) r = run (pipe, &p, &error);
      out[i] = r ? g_steal_pointer (&r->image) : NULL;
    }
  gboolean ok = out[0] && out[1] && out[2];
  report ("text encoders: same prompt, same image", ok && max_abs_diff (out[0], out[1]) == 0,
          "%s", ok ? "CLIP + T5 (tiny)" : error->message);
  report ("text encoders: another prompt, another image",
          ok && max_abs_diff (out[0], out[2]) > 1e-3, "max diff %g",
          ok ? max_abs_diff (out[0], out[2]) : -1);
  for (int i = 0; i < 3; i++)
    rf_image_free (out[i]);
}

/* The search finds every part of the tiny set, TAEF1 included, both
 * from the search folders and from the transformer's own folder. */
static void
model_search (void)
{
  const char *dir = rf_model_set_test_dir ();
  const char *dirs[] = { dir, NULL };
  g_autoptr (RfModelSet) found = rf_model_set_new ();
  rf_model_set_complete (found, dirs);
  g_autofree char *tae_base = found->taef1 ? g_path_get_basename (found->taef1) : NULL;
  g_autofree char *ae_base = found->ae ? g_path_get_basename (found->ae) : NULL;
  report ("search folders: TAEF1 and autoencoder found",
          g_strcmp0 (tae_base, "taef1.safetensors") == 0
          && g_strcmp0 (ae_base, "ae.safetensors") == 0 && found->flux && found->test_model,
          "taef1 %s, ae %s", tae_base ? tae_base : "missing", ae_base ? ae_base : "missing");
  g_autoptr (RfModelSet) beside = rf_model_set_new ();
  beside->flux = g_build_filename (dir, "flux-schnell.safetensors", NULL);
  rf_model_set_complete (beside, NULL);
  g_autofree char *tae_b = beside->taef1 ? g_path_get_basename (beside->taef1) : NULL;
  report ("TAEF1 next to the transformer", g_strcmp0 (tae_b, "taef1.safetensors") == 0, "%s",
          tae_b ? tae_b : "missing");
  /* a TAEF1 file is not taken for an autoencoder or a transformer */
  g_autoptr (RfModelSet) only = rf_model_set_new ();
  only->taef1 = g_build_filename (dir, "taef1.safetensors", NULL);
  rf_model_set_complete (only, NULL);
  report ("a TAEF1 file is only a preview decoder", only->ae == NULL && only->flux == NULL,
          "ae %s, flux %s", only->ae ? only->ae : "none", only->flux ? only->flux : "none");
}

int
main (int argc, char **argv)
{
  be = test_backend_from_args (argc, argv);
  if (be == NULL)
    return 77;
  too_small ();
  odd_sizes ();
  above_budget ();
  outside_mask (RF_INPAINT_BLEND, 0);
  outside_mask (RF_INPAINT_BLEND, 1);
  outside_mask (RF_INPAINT_FILL, 0);
  determinism ();
  callbacks ();
  bad_inputs ();
  schnell_defaults ();
  text_encoders ();
  model_search ();
  int rc = finish ();
  rf_backend_free (be);
  return rc;
}
