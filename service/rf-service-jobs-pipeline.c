/* rf-service-jobs-pipeline.c — the pipeline job types in the service:
 * generate, invert, reconstruct, edit, inpaint (one rf_pipeline_run each)
 * and model-sets. Wire format: rf-service-pipeline.h.
 *
 * Each job makes a short-lived RfPipeline whose models come from the
 * service's resident cache (rf-service-models.h) through the pipeline's
 * loader hook, so a second job on the same files loads nothing: only a
 * real load reports the "load-model" phase. Text encoders are model kinds
 * of their own ("clip", "t5"); T5 is accounted on the CPU, where it runs
 * (as in process: rf-conditioner-text.c).
 */
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "rf-clip-text.h"
#include "rf-model-search.h"
#include "rf-service-error.h"
#include "rf-service-job.h"
#include "rf-service-pipeline.h"
#include "rf-t5-encoder.h"

/* --- text encoders as model kinds ------------------------------------- */

/* What the cache holds for a text encoder: the model and its file (kept
 * open by the cache entry; the embedding cache keys on it). */
typedef struct {
  gpointer model;
  const RfModelFile *mf;
  GDestroyNotify free;
} TextModel;

static void
text_model_free (gpointer data)
{
  TextModel *tm = data;
  tm->free (tm->model);
  g_free (tm);
}

static gpointer
load_clip (RfBackend *be, const RfModelFile *mf, GError **error)
{
  RfClipText *m = rf_clip_text_new (mf, error);
  if (m == NULL)
    return NULL;
  TextModel *tm = g_new0 (TextModel, 1);
  *tm = (TextModel) { m, mf, (GDestroyNotify) rf_clip_text_free };
  return tm;
}

static gpointer
load_t5 (RfBackend *be, const RfModelFile *mf, GError **error)
{
  RfT5Encoder *m = rf_t5_encoder_new (mf, error);
  if (m == NULL)
    return NULL;
  TextModel *tm = g_new0 (TextModel, 1);
  *tm = (TextModel) { m, mf, (GDestroyNotify) rf_t5_encoder_free };
  return tm;
}

/* Layers are uploaded as they run and freed after (text/), so what stays
 * is the file mapping: counted at the file's size against the budget, but
 * never refused for it. */
static const RfServiceModelKind model_clip = { "clip", load_clip, text_model_free, NULL, TRUE };
static const RfServiceModelKind model_t5 = { "t5", load_t5, text_model_free, NULL, TRUE };

/* --- reading the request ------------------------------------------------ */

static gboolean
param_typed (GVariant *params, const char *key, const GVariantType *type, GVariant **out,
             GError **error)
{
  g_autoptr (GVariant) v = g_variant_lookup_value (params, key, NULL);
  if (v == NULL)
    return TRUE;
  if (!g_variant_is_of_type (v, type))
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                   _("parameter '%s' must be of type %s"), key, g_variant_type_peek_string (type));
      return FALSE;
    }
  *out = g_steal_pointer (&v);
  return TRUE;
}

static gboolean
param_bool (GVariant *params, const char *key, gboolean *out, GError **error)
{
  g_autoptr (GVariant) v = NULL;
  if (!param_typed (params, key, G_VARIANT_TYPE_BOOLEAN, &v, error))
    return FALSE;
  if (v)
    *out = g_variant_get_boolean (v);
  return TRUE;
}

static gboolean
param_u64 (GVariant *params, const char *key, guint64 *out, GError **error)
{
  g_autoptr (GVariant) v = NULL;
  if (!param_typed (params, key, G_VARIANT_TYPE_UINT64, &v, error))
    return FALSE;
  if (v)
    *out = g_variant_get_uint64 (v);
  return TRUE;
}

/* Any double, NaN included: the pipeline checks the range, so the error
 * is the one a local run gives. */
static gboolean
param_double_any (GVariant *params, const char *key, double *out, GError **error)
{
  g_autoptr (GVariant) v = NULL;
  if (!param_typed (params, key, G_VARIANT_TYPE_DOUBLE, &v, error))
    return FALSE;
  if (v)
    *out = g_variant_get_double (v);
  return TRUE;
}

static gboolean
param_u32 (GVariant *params, const char *key, guint *out, GError **error)
{
  g_autoptr (GVariant) v = NULL;
  if (!param_typed (params, key, G_VARIANT_TYPE_UINT32, &v, error))
    return FALSE;
  if (v)
    *out = g_variant_get_uint32 (v);
  return TRUE;
}

/* A path parameter: absent, or absolute (the service's folder is not the
 * client's). */
static gboolean
param_path (GVariant *params, const char *key, char **out, GError **error)
{
  const char *s = NULL;
  if (!rf_service_param_string (params, key, FALSE, &s, error))
    return FALSE;
  if (s != NULL && !g_path_is_absolute (s))
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                   _("parameter '%s' must be an absolute path"), key);
      return FALSE;
    }
  *out = g_strdup (s);
  return TRUE;
}

static RfModelSet *
read_model_set (GVariant *params, GError **error)
{
  g_autoptr (RfModelSet) set = rf_model_set_new ();
  if (!param_path (params, "flux", &set->flux, error)
      || !param_path (params, "fill", &set->fill, error)
      || !param_path (params, "ae", &set->ae, error)
      || !param_path (params, "clip", &set->clip, error)
      || !param_path (params, "t5", &set->t5, error)
      || !param_path (params, "clip-tokenizer", &set->clip_tokenizer, error)
      || !param_path (params, "t5-tokenizer", &set->t5_tokenizer, error)
      || !param_bool (params, "test-model", &set->test_model, error))
    return NULL;
  return g_steal_pointer (&set);
}

/* An RfImage from a tensor buffer [H, W, @channels]. */
static RfImage *
read_image (RfServiceBuffer *b, int channels, GError **error)
{
  int ndim = 0;
  gint64 shape[RF_MAX_DIMS];
  if (!rf_service_buffer_get_shape (b, &ndim, shape, error))
    return NULL;
  if (ndim != 3 || shape[2] != channels || shape[0] > 65536 || shape[1] > 65536)
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                   _("input buffer '%s' must be [height, width, %d]"), b->name, channels);
      return NULL;
    }
  RfImage *im = rf_image_new ((int) shape[1], (int) shape[0], channels, error);
  if (im == NULL)
    return NULL;
  memcpy (im->data, b->data, b->size);
  gint32 bits = 32;
  g_variant_lookup (b->meta, "bits", "i", &bits);
  im->bits = bits == 8 || bits == 16 ? bits : 32;
  return im;
}

static RfLatent *
read_latent (RfServiceBuffer *b, GError **error)
{
  int ndim = 0;
  gint64 shape[RF_MAX_DIMS];
  if (!rf_service_buffer_get_shape (b, &ndim, shape, error))
    return NULL;
  if (ndim != 3 || shape[0] > 4096 || shape[1] > 65536 || shape[2] > 65536)
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                   _("input buffer '%s' must be [channels, height, width]"), b->name);
      return NULL;
    }
  RfLatent *l = g_new0 (RfLatent, 1);
  l->channels = (int) shape[0];
  l->height = (int) shape[1];
  l->width = (int) shape[2];
  l->data = g_memdup2 (b->data, b->size);
  return l;
}

/* --- running ------------------------------------------------------------ */

typedef struct {
  RfServiceJob *job;
  const char *device;
} Run;

static gboolean
load_model (RfPipelinePart part, const char *path, RfPipelineModel *out, gpointer data,
            GError **error)
{
  Run *r = data;
  RfServiceModels *models = rf_service_job_get_models (r->job);
  if (part == RF_PIPELINE_PART_CLIP || part == RF_PIPELINE_PART_T5)
    {
      gboolean t5 = part == RF_PIPELINE_PART_T5;
      /* T5-XXL runs on the CPU unless asked otherwise (text/), CLIP on the job's device */
      const char *dev = t5 ? "cpu" : r->device;
      TextModel *tm = rf_service_job_get_model (r->job, t5 ? &model_t5 : &model_clip, path, dev,
                                                error);
      out->backend = tm ? rf_service_models_get_backend (models, dev, error) : NULL;
      if (out->backend == NULL)
        return FALSE;
      out->model = tm->model;
      out->file = tm->mf;
      return TRUE;
    }
  const RfServiceModelKind *kind = part == RF_PIPELINE_PART_AE      ? &rf_service_model_ae
                                   : part == RF_PIPELINE_PART_TAEF1 ? &rf_service_model_taef1
                                                                     : &rf_service_model_flux;
  out->model = rf_service_job_get_model (r->job, kind, path, r->device, error);
  out->backend = rf_service_models_get_backend (models, r->device, NULL);
  return out->model != NULL;
}

static void
on_progress (RfJobPhase phase, guint step, guint n_steps, gpointer data)
{
  Run *r = data;
  /* cancellation is the pipeline's (params.cancellable): ignore the check here */
  rf_service_job_progress (r->job, rf_job_phase_name (phase), (int) step, (int) n_steps, NULL);
}

static void
on_notice (const char *message, gpointer data)
{
  Run *r = data;
  rf_service_job_notice (r->job, message);
}

static void
on_preview (const RfImage *im, guint step, guint n_steps, gpointer data)
{
  Run *r = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (RfServiceBuffer) b = rf_service_buffer_new ("preview",
                                                         (gsize) im->width * im->height * 3,
                                                         &error);
  if (b == NULL)
    return;
  for (gsize i = 0; i < (gsize) im->width * im->height; i++)
    for (int c = 0; c < 3; c++)
      {
        float v = im->channels >= 3 ? im->data[i * im->channels + c] : im->data[i];
        v = isnan (v) ? 0.0f : CLAMP (v, 0.0f, 1.0f);
        b->data[i * 3 + c] = (guint8) lrintf (v * 255.0f);
      }
  GVariantBuilder bld;
  g_variant_builder_init (&bld, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&bld, "{sv}", "format", g_variant_new_string ("rgb8"));
  g_variant_builder_add (&bld, "{sv}", "width", g_variant_new_int32 (im->width));
  g_variant_builder_add (&bld, "{sv}", "height", g_variant_new_int32 (im->height));
  g_variant_builder_add (&bld, "{sv}", "n-steps", g_variant_new_uint32 (n_steps));
  rf_service_buffer_set_meta (b, g_variant_builder_end (&bld));
  if (rf_service_buffer_seal (b, &error))
    rf_service_job_preview (r->job, (int) step, g_steal_pointer (&b));
}

static RfServiceBuffer *
image_output (const RfImage *im, GError **error)
{
  gint64 shape[3] = { im->height, im->width, im->channels };
  RfServiceBuffer *b = rf_service_buffer_new_f32 ("image", 3, shape, im->data, error);
  if (b == NULL)
    return NULL;
  GVariantDict d;
  g_variant_dict_init (&d, b->meta);
  g_variant_dict_insert (&d, "bits", "i", im->bits);
  rf_service_buffer_set_meta (b, g_variant_dict_end (&d));
  return b;
}

static void
set_result (RfServiceJob *job, const RfJobResult *r)
{
#define SET(key, v) rf_service_job_set_result (job, key, v)
  SET ("seed", g_variant_new_uint64 (r->seed));
  SET ("steps", g_variant_new_uint32 (r->steps));
  SET ("nfe", g_variant_new_uint32 (r->nfe));
  SET ("guidance", g_variant_new_double (r->guidance));
  if (r->solver)
    SET ("solver", g_variant_new_string (r->solver));
  if (r->method)
    SET ("method", g_variant_new_string (r->method));
  SET ("work-width", g_variant_new_int32 (r->work_width));
  SET ("work-height", g_variant_new_int32 (r->work_height));
  SET ("crop-x", g_variant_new_int32 (r->crop_x));
  SET ("crop-y", g_variant_new_int32 (r->crop_y));
  SET ("crop-width", g_variant_new_int32 (r->crop_width));
  SET ("crop-height", g_variant_new_int32 (r->crop_height));
  SET ("seconds-load", g_variant_new_double (r->seconds_load));
  SET ("seconds-encode", g_variant_new_double (r->seconds_encode));
  SET ("seconds-sample", g_variant_new_double (r->seconds_sample));
  SET ("seconds-decode", g_variant_new_double (r->seconds_decode));
  SET ("seconds-total", g_variant_new_double (r->seconds_total));
  SET ("seconds-per-step", g_variant_new_double (r->seconds_per_step));
  SET ("psnr", g_variant_new_double (r->psnr));
  SET ("latent-error", g_variant_new_double (r->latent_error));
  SET ("v-cache-bytes", g_variant_new_uint64 (r->v_cache_bytes));
#undef SET
}

static gboolean
read_job_params (GVariant *params, RfJobParams *p, GError **error)
{
  int solver = RF_DEFAULT_INT, method = RF_INPAINT_AUTO;
  guint steps = RF_DEFAULT_STEPS, preview_every = 0;
  double guidance = NAN, max_pixels = 0;
  if (!rf_service_param_string (params, "prompt", FALSE, &p->prompt, error)
      || !rf_service_param_string (params, "source-prompt", FALSE, &p->source_prompt, error)
      || !rf_service_param_int (params, "width", FALSE, 0, 65536, &p->width, error)
      || !rf_service_param_int (params, "height", FALSE, 0, 65536, &p->height, error)
      || !param_u64 (params, "seed", &p->seed, error)
      || !param_u32 (params, "steps", &steps, error)
      || !rf_service_param_double (params, "guidance", FALSE, -1e9, 1e9, &guidance, error)
      || !rf_service_param_int (params, "solver", FALSE, -1, RF_SOLVER_N_KINDS - 1, &solver, error)
      || !rf_service_param_double (params, "max-pixels", FALSE, 0, 1e10, &max_pixels, error)
      || !rf_service_param_int (params, "inject", FALSE, -1, 1000, &p->inject, error)
      || !rf_service_param_int (params, "v-blocks", FALSE, -1, 1000, &p->v_blocks, error)
      || !rf_service_param_int (params, "resample", FALSE, 0, 1000, &p->resample, error)
      || !param_double_any (params, "strength", &p->strength, error)
      || !rf_service_param_int (params, "inpaint-method", FALSE, RF_INPAINT_AUTO,
                                RF_INPAINT_BLEND, &method, error)
      || !param_bool (params, "allow-full-mask", &p->allow_full_mask, error)
      || !param_u32 (params, "preview-every", &preview_every, error))
    return FALSE;
  p->steps = steps;
  p->guidance = guidance;
  p->solver = solver;
  p->max_pixels = max_pixels;
  p->inpaint_method = (RfInpaintMethod) method;
  p->preview_every = preview_every;
  return TRUE;
}

static gboolean
run_pipeline (RfServiceJob *job, GVariant *params, GPtrArray *inputs, RfJobKind kind,
              GError **error)
{
  Run r = { job, NULL };
  g_autofree char *cond_dir = NULL, *source_cond_dir = NULL;
  g_autoptr (RfModelSet) set = read_model_set (params, error);
  if (set == NULL || !rf_service_param_string (params, "device", FALSE, &r.device, error)
      || !param_path (params, "cond-dir", &cond_dir, error)
      || !param_path (params, "source-cond-dir", &source_cond_dir, error))
    return FALSE;
  RfJobParams p;
  rf_job_params_init (&p, kind);
  if (!read_job_params (params, &p, error))
    return FALSE;
  g_autoptr (RfImage) image = NULL, mask = NULL;
  g_autoptr (RfLatent) noise = NULL;
  RfServiceBuffer *b;
  if ((b = rf_service_buffers_find (inputs, "image")) != NULL
      && (image = read_image (b, 4, error)) == NULL)
    return FALSE;
  if ((b = rf_service_buffers_find (inputs, "mask")) != NULL
      && (mask = read_image (b, 1, error)) == NULL)
    return FALSE;
  if ((b = rf_service_buffers_find (inputs, "noise")) != NULL
      && (noise = read_latent (b, error)) == NULL)
    return FALSE;
  p.image = image;
  p.mask = mask;
  p.noise = noise;

  RfBackend *be = rf_service_models_get_backend (rf_service_job_get_models (job), r.device,
                                                 error);
  if (be == NULL)
    return FALSE;
  g_autoptr (RfPipeline) pipe = rf_pipeline_new (be, set);
  rf_pipeline_set_loader (pipe, load_model, &r);
  const char *dirs[2] = { cond_dir, source_cond_dir };
  for (int i = 0; i < 2; i++)
    if (dirs[i] != NULL)
      {
        RfConditioner *c = rf_conditioner_new_npy_dir (dirs[i], error);
        if (c == NULL)
          return FALSE;
        rf_pipeline_set_conditioner (pipe, i == 1, c);
      }
  p.progress = on_progress;
  p.notice = on_notice;
  p.preview = p.preview_every ? on_preview : NULL;
  p.user_data = &r;
  p.cancellable = rf_service_job_get_cancellable (job);
  g_autoptr (RfJobResult) result = rf_pipeline_run (pipe, &p, error);
  if (result == NULL)
    return FALSE;
  if (result->image != NULL)
    {
      RfServiceBuffer *out = image_output (result->image, error);
      if (out == NULL)
        return FALSE;
      rf_service_job_add_output (job, out);
    }
  if (result->latent != NULL)
    {
      const RfLatent *l = result->latent;
      gint64 shape[3] = { l->channels, l->height, l->width };
      RfServiceBuffer *out = rf_service_buffer_new_f32 ("latent", 3, shape, l->data, error);
      if (out == NULL)
        return FALSE;
      rf_service_job_add_output (job, out);
    }
  set_result (job, result);
  rf_service_job_set_result (job, "device", g_variant_new_string (rf_backend_description (be)));
  return TRUE;
}

#define PIPELINE_JOB(fn, kind) \
  static gboolean fn (RfServiceJob *job, GVariant *params, GPtrArray *inputs, GError **error) \
  { return run_pipeline (job, params, inputs, kind, error); }

PIPELINE_JOB (run_generate, RF_JOB_GENERATE)
PIPELINE_JOB (run_invert, RF_JOB_INVERT)
PIPELINE_JOB (run_reconstruct, RF_JOB_RECONSTRUCT)
PIPELINE_JOB (run_edit, RF_JOB_EDIT)
PIPELINE_JOB (run_inpaint, RF_JOB_INPAINT)

/* --- model-sets ------------------------------------------------------- */

static GVariant *
describe_set (const RfModelSet *set)
{
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  const char *keys[] = { "flux", "fill", "ae", "clip", "t5", "clip-tokenizer", "t5-tokenizer" };
  const char *vals[] = { set->flux, set->fill, set->ae, set->clip, set->t5, set->clip_tokenizer,
                         set->t5_tokenizer };
  GVariantBuilder missing;
  g_variant_builder_init (&missing, G_VARIANT_TYPE_STRING_ARRAY);
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      if (vals[i] != NULL)
        g_variant_dict_insert (&d, keys[i], "s", vals[i]);
      else if (i < 5)
        g_variant_builder_add (&missing, "s", keys[i]);
    }
  gboolean usable = (set->flux || set->fill) && set->ae
                    && ((set->clip && set->t5) || set->test_model);
  g_autofree char *text = rf_model_set_describe (set);
  g_variant_dict_insert_value (&d, "missing", g_variant_builder_end (&missing));
  g_variant_dict_insert (&d, "usable", "b", usable);
  g_variant_dict_insert (&d, "test-model", "b", set->test_model);
  g_variant_dict_insert (&d, "description", "s", text);
  return g_variant_dict_end (&d);
}

/* The set a job on @model (a transformer file, "" = none) runs with, as
 * the CLI and the plug-ins resolve it in process: the file (Fill or
 * not) completed from @dirs, else the best set in @dirs, else the tiny
 * test set. */
static RfModelSet *
resolve_set (const char *model, const char *const *dirs, GError **error)
{
  return rf_model_set_resolve (NULL, model, dirs, TRUE, NULL, error);
}

static gboolean
run_model_sets (RfServiceJob *job, GVariant *params, GPtrArray *inputs, GError **error)
{
  g_autoptr (GVariant) extra = NULL;
  const char *model = NULL;
  if (!param_typed (params, "dirs", G_VARIANT_TYPE_STRING_ARRAY, &extra, error)
      || !rf_service_param_string (params, "model", FALSE, &model, error))
    return FALSE;
  if (model != NULL && *model && !g_path_is_absolute (model))
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                   _("parameter '%s' must be an absolute path"), "model");
      return FALSE;
    }
  g_autofree const char **extra_dirs = extra ? g_variant_get_strv (extra, NULL) : NULL;
  g_auto (GStrv) dirs = rf_model_search_dirs (extra_dirs, NULL);
  if (!rf_service_job_progress (job, "search", 0, 1, error))
    return FALSE;
  if (model != NULL)
    {
      g_autoptr (RfModelSet) set = resolve_set (model, (const char *const *) dirs, error);
      if (set == NULL)
        return FALSE;
      GVariantBuilder one;
      g_variant_builder_init (&one, G_VARIANT_TYPE ("aa{sv}"));
      g_variant_builder_add_value (&one, describe_set (set));
      rf_service_job_set_result (job, "sets", g_variant_builder_end (&one));
      return rf_service_job_progress (job, "search", 1, 1, error);
    }
  g_autoptr (GPtrArray) found = rf_model_search ((const char *const *) dirs);
  GVariantBuilder sets;
  g_variant_builder_init (&sets, G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr (RfModelSet) test = rf_model_set_new_test ();
  gboolean test_listed = FALSE;
  for (guint i = 0; i < found->len; i++)
    {
      RfModelEntry *e = g_ptr_array_index (found, i);
      gboolean fill = FALSE;
      if (!e->ok || !rf_model_set_classify_flux (e->path, &fill, NULL) || fill)
        continue;
      if (!rf_service_job_check_cancelled (job, error))
        {
          g_variant_builder_clear (&sets);
          return FALSE;
        }
      g_autoptr (RfModelSet) set = rf_model_set_new ();
      set->flux = g_strdup (e->path);
      rf_model_set_complete (set, (const char *const *) dirs);
      test_listed |= test && g_strcmp0 (test->flux, set->flux) == 0;
      g_variant_builder_add_value (&sets, describe_set (set));
    }
  if (test != NULL && !test_listed)
    g_variant_builder_add_value (&sets, describe_set (test));
  rf_service_job_set_result (job, "sets", g_variant_builder_end (&sets));
  return rf_service_job_progress (job, "search", 1, 1, error);
}

static const RfServiceJobType pipeline_types[] = {
  { "generate", "text to image (rf_pipeline_run)", run_generate },
  { "invert", "image to noise latent (rf_pipeline_run)", run_invert },
  { "reconstruct", "inversion round trip (rf_pipeline_run)", run_reconstruct },
  { "edit", "RF-Edit of an image to a prompt (rf_pipeline_run)", run_edit },
  { "inpaint", "regenerate a masked region (rf_pipeline_run)", run_inpaint },
  { "model-sets", "the model sets in the search folders, with their missing parts",
    run_model_sets },
};

void
rf_service_register_pipeline_job_types (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (pipeline_types); i++)
    rf_service_register_job_type (&pipeline_types[i]);
}
