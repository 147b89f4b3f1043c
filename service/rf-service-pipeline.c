/* rf-service-pipeline.c — the client side of the pipeline jobs: RfJobParams
 * and images to the wire format of rf-service-pipeline.h, and the reply
 * back to an RfJobResult. */
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "rf-service-error.h"
#include "rf-service-pipeline.h"

static char *
absolute (const char *path)
{
  return path ? g_canonicalize_filename (path, NULL) : NULL;
}

static void
add_path (GVariantBuilder *b, const char *key, const char *path)
{
  g_autofree char *abs = absolute (path);
  if (abs)
    g_variant_builder_add (b, "{sv}", key, g_variant_new_string (abs));
}

static GVariant *
build_params (const RfModelSet *set, const RfServicePipelineOptions *o, const RfJobParams *p)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  add_path (&b, "flux", set->flux);
  add_path (&b, "fill", set->fill);
  add_path (&b, "ae", set->ae);
  add_path (&b, "clip", set->clip);
  add_path (&b, "t5", set->t5);
  add_path (&b, "clip-tokenizer", set->clip_tokenizer);
  add_path (&b, "t5-tokenizer", set->t5_tokenizer);
  g_variant_builder_add (&b, "{sv}", "test-model", g_variant_new_boolean (set->test_model));
  if (o && o->device)
    g_variant_builder_add (&b, "{sv}", "device", g_variant_new_string (o->device));
  if (o)
    {
      add_path (&b, "cond-dir", o->cond_dir);
      add_path (&b, "source-cond-dir", o->source_cond_dir);
    }
  if (p->prompt)
    g_variant_builder_add (&b, "{sv}", "prompt", g_variant_new_string (p->prompt));
  if (p->source_prompt)
    g_variant_builder_add (&b, "{sv}", "source-prompt", g_variant_new_string (p->source_prompt));
  g_variant_builder_add (&b, "{sv}", "width", g_variant_new_int32 (p->width));
  g_variant_builder_add (&b, "{sv}", "height", g_variant_new_int32 (p->height));
  g_variant_builder_add (&b, "{sv}", "seed", g_variant_new_uint64 (p->seed));
  g_variant_builder_add (&b, "{sv}", "steps", g_variant_new_uint32 (p->steps));
  if (!isnan (p->guidance))
    g_variant_builder_add (&b, "{sv}", "guidance", g_variant_new_double (p->guidance));
  g_variant_builder_add (&b, "{sv}", "solver", g_variant_new_int32 (p->solver));
  g_variant_builder_add (&b, "{sv}", "max-pixels", g_variant_new_double (p->max_pixels));
  g_variant_builder_add (&b, "{sv}", "inject", g_variant_new_int32 (p->inject));
  g_variant_builder_add (&b, "{sv}", "v-blocks", g_variant_new_int32 (p->v_blocks));
  g_variant_builder_add (&b, "{sv}", "resample", g_variant_new_int32 (p->resample));
  g_variant_builder_add (&b, "{sv}", "strength", g_variant_new_double (p->strength));
  g_variant_builder_add (&b, "{sv}", "inpaint-method", g_variant_new_int32 (p->inpaint_method));
  g_variant_builder_add (&b, "{sv}", "allow-full-mask", g_variant_new_boolean (p->allow_full_mask));
  g_variant_builder_add (&b, "{sv}", "preview-every", g_variant_new_uint32 (p->preview_every));
  return g_variant_builder_end (&b);
}

static gboolean
add_image (GPtrArray *inputs, const char *name, const RfImage *im, GError **error)
{
  if (im == NULL)
    return TRUE;
  gint64 shape[3] = { im->height, im->width, im->channels };
  RfServiceBuffer *b = rf_service_buffer_new_f32 (name, 3, shape, im->data, error);
  if (b == NULL)
    return FALSE;
  GVariantDict d;
  g_variant_dict_init (&d, b->meta);
  g_variant_dict_insert (&d, "bits", "i", im->bits);
  rf_service_buffer_set_meta (b, g_variant_dict_end (&d));
  g_ptr_array_add (inputs, b);
  return TRUE;
}

/* --- callbacks ---------------------------------------------------------- */

static gboolean
phase_from_name (const char *name, RfJobPhase *out)
{
  for (int ph = RF_PHASE_LOAD; ph <= RF_PHASE_DECODE; ph++)
    if (g_str_equal (name, rf_job_phase_name (ph)))
      {
        *out = ph;
        return TRUE;
      }
  return FALSE;
}

static void
cb_progress (gpointer data, const char *phase, int done, int total)
{
  const RfJobParams *p = data;
  RfJobPhase ph;
  /* "load-model" (a real load in the service) has no phase of its own */
  if (p->progress && phase_from_name (phase, &ph) && done >= 0 && total >= 0)
    p->progress (ph, (guint) done, (guint) total, p->user_data);
}

static void
cb_preview (gpointer data, int step, const RfServiceBuffer *buf)
{
  const RfJobParams *p = data;
  const char *format = NULL;
  gint32 w = 0, h = 0;
  guint32 n_steps = 0;
  g_variant_lookup (buf->meta, "format", "&s", &format);
  g_variant_lookup (buf->meta, "width", "i", &w);
  g_variant_lookup (buf->meta, "height", "i", &h);
  g_variant_lookup (buf->meta, "n-steps", "u", &n_steps);
  if (p->preview == NULL || g_strcmp0 (format, "rgb8") != 0 || w < 1 || h < 1
      || (guint64) w * h * 3 != buf->size || step < 0)
    return;
  g_autoptr (RfImage) im = rf_image_new (w, h, 4, NULL);
  if (im == NULL)
    return;
  im->bits = 8;
  for (gsize i = 0; i < (gsize) w * h; i++)
    {
      for (int c = 0; c < 3; c++)
        im->data[i * 4 + c] = buf->data[i * 3 + c] / 255.0f;
      im->data[i * 4 + 3] = 1.0f;
    }
  p->preview (im, (guint) step, n_steps, p->user_data);
}

static void
cb_notice (gpointer data, const char *message)
{
  const RfJobParams *p = data;
  if (p->notice)
    p->notice (message, p->user_data);
}

/* --- the reply ---------------------------------------------------------- */

static gboolean
read_f32 (RfServiceBuffer *b, int ndim_want, gint64 shape[RF_MAX_DIMS], GError **error)
{
  int ndim = 0;
  if (!rf_service_buffer_get_shape (b, &ndim, shape, error))
    return FALSE;
  if (ndim != ndim_want || shape[0] > G_MAXINT || shape[1] > G_MAXINT || shape[2] > G_MAXINT)
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_PROTOCOL,
                   _("the service returned a '%s' buffer of an unexpected shape"), b->name);
      return FALSE;
    }
  return TRUE;
}

static RfJobResult *
read_result (GVariant *res, GPtrArray *outputs, GError **error)
{
  g_autoptr (RfJobResult) r = g_new0 (RfJobResult, 1);
  r->psnr = NAN;
  r->latent_error = NAN;
  const char *solver = NULL, *method = NULL;
  g_variant_lookup (res, "seed", "t", &r->seed);
  g_variant_lookup (res, "steps", "u", &r->steps);
  g_variant_lookup (res, "nfe", "u", &r->nfe);
  g_variant_lookup (res, "guidance", "d", &r->guidance);
  g_variant_lookup (res, "solver", "&s", &solver);
  g_variant_lookup (res, "method", "&s", &method);
  /* RfJobResult's strings are static: interned names are */
  r->solver = solver ? g_intern_string (solver) : NULL;
  r->method = method ? g_intern_string (method) : NULL;
  g_variant_lookup (res, "work-width", "i", &r->work_width);
  g_variant_lookup (res, "work-height", "i", &r->work_height);
  g_variant_lookup (res, "crop-x", "i", &r->crop_x);
  g_variant_lookup (res, "crop-y", "i", &r->crop_y);
  g_variant_lookup (res, "crop-width", "i", &r->crop_width);
  g_variant_lookup (res, "crop-height", "i", &r->crop_height);
  g_variant_lookup (res, "seconds-load", "d", &r->seconds_load);
  g_variant_lookup (res, "seconds-encode", "d", &r->seconds_encode);
  g_variant_lookup (res, "seconds-sample", "d", &r->seconds_sample);
  g_variant_lookup (res, "seconds-decode", "d", &r->seconds_decode);
  g_variant_lookup (res, "seconds-total", "d", &r->seconds_total);
  g_variant_lookup (res, "seconds-per-step", "d", &r->seconds_per_step);
  g_variant_lookup (res, "psnr", "d", &r->psnr);
  g_variant_lookup (res, "latent-error", "d", &r->latent_error);
  g_variant_lookup (res, "v-cache-bytes", "t", &r->v_cache_bytes);

  gint64 shape[RF_MAX_DIMS];
  RfServiceBuffer *b = rf_service_buffers_find (outputs, "image");
  if (b != NULL)
    {
      if (!read_f32 (b, 3, shape, error) || shape[2] != 4)
        {
          if (error && *error == NULL)
            g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_PROTOCOL,
                         _("the service returned an image that is not RGBA"));
          return NULL;
        }
      r->image = rf_image_new ((int) shape[1], (int) shape[0], 4, error);
      if (r->image == NULL)
        return NULL;
      memcpy (r->image->data, b->data, b->size);
      gint32 bits = 32;
      g_variant_lookup (b->meta, "bits", "i", &bits);
      r->image->bits = bits;
    }
  b = rf_service_buffers_find (outputs, "latent");
  if (b != NULL)
    {
      if (!read_f32 (b, 3, shape, error))
        return NULL;
      r->latent = g_new0 (RfLatent, 1);
      r->latent->channels = (int) shape[0];
      r->latent->height = (int) shape[1];
      r->latent->width = (int) shape[2];
      r->latent->data = g_memdup2 (b->data, b->size);
    }
  return g_steal_pointer (&r);
}

/* The service's error as the pipeline would have given it in process:
 * its own domain and code when the service sent them, cancellation as
 * G_IO_ERROR_CANCELLED. */
static void
restore_error (RfServiceClient *client, GError **error)
{
  GVariant *detail = rf_service_client_get_last_error (client);
  if (error == NULL || *error == NULL || (*error)->domain != RF_SERVICE_ERROR)
    return;
  const char *domain = NULL;
  gint32 code = 0;
  if (detail && g_variant_lookup (detail, "domain", "&s", &domain)
      && g_variant_lookup (detail, "code", "i", &code)
      && g_strcmp0 (domain, g_quark_to_string (RF_SERVICE_ERROR)) != 0)
    {
      GError *e = g_error_new_literal (g_quark_from_string (domain), code, (*error)->message);
      g_clear_error (error);
      g_propagate_error (error, e);
    }
  else if ((*error)->code == RF_SERVICE_ERROR_CANCELLED)
    {
      GError *e = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, (*error)->message);
      g_clear_error (error);
      g_propagate_error (error, e);
    }
}

RfJobResult *
rf_service_pipeline_run_full (RfServiceClient *client, const RfModelSet *set,
                              const RfServicePipelineOptions *options,
                              const RfJobParams *params, GError **error)
{
  g_return_val_if_fail (client != NULL && set != NULL && params != NULL, NULL);
  if (g_cancellable_set_error_if_cancelled (params->cancellable, error))
    return NULL;
  g_autoptr (GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_service_buffer_free);
  if (!add_image (inputs, "image", params->image, error)
      || !add_image (inputs, "mask", params->mask, error))
    return NULL;
  if (params->noise != NULL)
    {
      const RfLatent *l = params->noise;
      gint64 shape[3] = { l->channels, l->height, l->width };
      RfServiceBuffer *b = rf_service_buffer_new_f32 ("noise", 3, shape, l->data, error);
      if (b == NULL)
        return NULL;
      g_ptr_array_add (inputs, b);
    }
  RfServiceJobCallbacks cb = { cb_progress, cb_preview, (gpointer) params, cb_notice };
  g_autoptr (GVariant) res = NULL;
  g_autoptr (GPtrArray) outputs = rf_service_client_run (client, rf_job_kind_name (params->kind),
                                                         build_params (set, options, params),
                                                         inputs, &cb, params->cancellable, &res,
                                                         error);
  if (outputs == NULL)
    {
      restore_error (client, error);
      return NULL;
    }
  return read_result (res, outputs, error);
}

RfJobResult *
rf_service_pipeline_run (RfServiceClient *client, const RfModelSet *set, const char *device,
                         const RfJobParams *params, GError **error)
{
  RfServicePipelineOptions o = { device, NULL, NULL };
  return rf_service_pipeline_run_full (client, set, &o, params, error);
}

/* --- model sets ---------------------------------------------------------- */

void
rf_service_model_set_info_free (RfServiceModelSetInfo *info)
{
  if (info == NULL)
    return;
  rf_model_set_free (info->set);
  g_strfreev (info->missing);
  g_free (info->description);
  g_free (info);
}

static char *
dup_string (GVariant *d, const char *key)
{
  const char *s = NULL;
  return g_variant_lookup (d, key, "&s", &s) ? g_strdup (s) : NULL;
}

static RfServiceModelSetInfo *
read_set_info (GVariant *d)
{
  RfServiceModelSetInfo *info = g_new0 (RfServiceModelSetInfo, 1);
  info->set = rf_model_set_new ();
  info->set->flux = dup_string (d, "flux");
  info->set->fill = dup_string (d, "fill");
  info->set->ae = dup_string (d, "ae");
  info->set->clip = dup_string (d, "clip");
  info->set->t5 = dup_string (d, "t5");
  info->set->clip_tokenizer = dup_string (d, "clip-tokenizer");
  info->set->t5_tokenizer = dup_string (d, "t5-tokenizer");
  g_variant_lookup (d, "test-model", "b", &info->set->test_model);
  g_variant_lookup (d, "usable", "b", &info->usable);
  info->description = dup_string (d, "description");
  g_autoptr (GVariant) missing = g_variant_lookup_value (d, "missing", G_VARIANT_TYPE_STRING_ARRAY);
  info->missing = missing ? g_variant_dup_strv (missing, NULL) : g_new0 (char *, 1);
  return info;
}

/* Runs a model-sets job with @model (NULL: list them all). */
static GPtrArray *
model_sets (RfServiceClient *client, const char *model, const char *const *extra_dirs,
            GError **error)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  if (extra_dirs != NULL)
    {
      g_autoptr (GPtrArray) abs = g_ptr_array_new_with_free_func (g_free);
      for (const char *const *d = extra_dirs; *d; d++)
        g_ptr_array_add (abs, absolute (*d));
      g_variant_builder_add (&b, "{sv}", "dirs",
                             g_variant_new_strv ((const char *const *) abs->pdata, abs->len));
    }
  if (model != NULL)
    {
      g_autofree char *abs = *model ? absolute (model) : g_strdup ("");
      g_variant_builder_add (&b, "{sv}", "model", g_variant_new_string (abs));
    }
  g_autoptr (GVariant) res = NULL;
  g_autoptr (GPtrArray) outputs = rf_service_client_run (client, "model-sets",
                                                         g_variant_builder_end (&b), NULL, NULL,
                                                         NULL, &res, error);
  if (outputs == NULL)
    {
      restore_error (client, error);
      return NULL;
    }
  g_autoptr (GVariant) sets = g_variant_lookup_value (res, "sets", G_VARIANT_TYPE ("aa{sv}"));
  if (sets == NULL || (model != NULL && g_variant_n_children (sets) != 1))
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_PROTOCOL,
                   _("the service returned no model sets"));
      return NULL;
    }
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_service_model_set_info_free);
  GVariantIter it;
  GVariant *d;
  g_variant_iter_init (&it, sets);
  while ((d = g_variant_iter_next_value (&it)) != NULL)
    {
      g_ptr_array_add (out, read_set_info (d));
      g_variant_unref (d);
    }
  return out;
}

GPtrArray *
rf_service_pipeline_list_model_sets (RfServiceClient *client, const char *const *extra_dirs,
                                     GError **error)
{
  g_return_val_if_fail (client != NULL, NULL);
  return model_sets (client, NULL, extra_dirs, error);
}

RfServiceModelSetInfo *
rf_service_pipeline_resolve_model_set (RfServiceClient *client, const char *model,
                                       GError **error)
{
  g_return_val_if_fail (client != NULL, NULL);
  g_autoptr (GPtrArray) sets = model_sets (client, model ? model : "", NULL, error);
  return sets ? g_ptr_array_steal_index (sets, 0) : NULL;
}
