/* rf-model-set.c — finding the files of a FLUX.1 model set. */
#include <glib/gi18n-lib.h>
#include <string.h>

#include "rf-config.h"
#include "rf-error.h"
#include "rf-model-file.h"
#include "rf-model-info.h"
#include "rf-model-set.h"
#include "rf-pipeline.h"
#include "rf-weights.h"

#define MAX_DEPTH 4

/* What one file offers. */
typedef struct {
  gboolean dev, schnell, fill, ae, clip, t5, taef1, test_model;
} Offer;

/* A TAE decoder (rf-taef1.h): diffusers AutoencoderTiny names, or the
 * original taef1_decoder numbering (0 is the Clamp, 1 the first conv, 3
 * the first Block); the first conv takes the 16 FLUX latent channels. */
static gboolean
is_taef1 (const RfModelFile *mf)
{
  const RfFileTensor *first = rf_model_file_find_tensor (mf, "decoder.layers.0.weight");
  const char *block = "decoder.layers.2.conv.0.weight";
  if (first == NULL)
    {
      first = rf_model_file_find_tensor (mf, "1.weight");
      block = "3.conv.0.weight";
    }
  return first != NULL && first->ndim == 4 && first->shape[1] == 16 && first->shape[2] == 3
         && first->shape[3] == 3 && rf_model_file_find_tensor (mf, block) != NULL;
}

static gboolean
examine (const char *path, Offer *o, GError **error)
{
  memset (o, 0, sizeof *o);
  g_autoptr (RfModelFile) mf = rf_model_file_open (path, error);
  if (mf == NULL)
    return FALSE;
  o->test_model = g_strcmp0 (rf_model_file_get_metadata_string (mf, "rectify.test_model"), "1") == 0;
  o->taef1 = is_taef1 (mf);
  g_autoptr (GPtrArray) comps = rf_weights_detect (mf);
  for (guint i = 0; i < comps->len; i++)
    {
      const RfComponent *c = g_ptr_array_index (comps, i);
      switch (c->family)
        {
        case RF_FAMILY_FLUX_DIT:
          {
            g_autoptr (RfWeights) w = rf_weights_load (mf, c, NULL);
            if (w == NULL)
              break;
            const RfFluxConfig *fc = &rf_weights_get_config (w)->flux;
            /* Fill takes the masked image and the mask besides the latent */
            if (fc->in_channels > fc->out_channels)
              o->fill = TRUE;
            else if (fc->guidance)
              o->dev = TRUE;
            else
              o->schnell = TRUE;
            break;
          }
        case RF_FAMILY_AUTOENCODER:
          o->ae = TRUE;
          break;
        case RF_FAMILY_CLIP_TEXT:
          o->clip = TRUE;
          break;
        case RF_FAMILY_T5_ENCODER:
          o->t5 = TRUE;
          break;
        default:
          break;
        }
    }
  return TRUE;
}

gboolean
rf_model_set_classify_flux (const char *path, gboolean *is_fill, GError **error)
{
  Offer o;
  if (!examine (path, &o, error))
    return FALSE;
  if (!o.dev && !o.schnell && !o.fill)
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_NOT_FOUND,
                   _("%s holds no FLUX.1 transformer (check it with 'rectify models info')"), path);
      return FALSE;
    }
  if (is_fill)
    *is_fill = o.fill && !o.dev && !o.schnell;
  return TRUE;
}

typedef struct {
  RfModelSet *set;
  gboolean want_flux;
  char *schnell;       /* a schnell transformer, used when no dev one turns up */
} Search;

static void
take (Search *s, const char *path, const Offer *o)
{
  RfModelSet *set = s->set;
  if (s->want_flux && set->flux == NULL && o->dev)
    set->flux = g_strdup (path);
  if (s->want_flux && s->schnell == NULL && o->schnell)
    s->schnell = g_strdup (path);
  if (set->fill == NULL && o->fill)
    set->fill = g_strdup (path);
  if (set->ae == NULL && o->ae)
    set->ae = g_strdup (path);
  if (set->clip == NULL && o->clip)
    set->clip = g_strdup (path);
  if (set->t5 == NULL && o->t5)
    set->t5 = g_strdup (path);
  if (set->taef1 == NULL && o->taef1)
    set->taef1 = g_strdup (path);
}

static gboolean
complete (const RfModelSet *set)
{
  return set->flux && set->fill && set->ae && set->clip && set->t5 && set->taef1;
}

static int
cmp_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

static void
walk (Search *s, const char *dir, int depth, GHashTable *seen)
{
  g_autofree char *canon = g_canonicalize_filename (dir, NULL);
  if (g_hash_table_contains (seen, canon))
    return;
  g_hash_table_add (seen, g_strdup (canon));
  g_autoptr (GPtrArray) files = rf_model_list_files (canon);
  for (guint i = 0; i < files->len && !complete (s->set); i++)
    {
      Offer o;
      if (examine (g_ptr_array_index (files, i), &o, NULL))
        take (s, g_ptr_array_index (files, i), &o);
    }
  if (depth >= MAX_DEPTH)
    return;
  g_autoptr (GDir) d = g_dir_open (canon, 0, NULL);
  g_autoptr (GPtrArray) subdirs = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *full = g_build_filename (canon, name, NULL);
      if (name[0] != '.' && !g_file_test (full, G_FILE_TEST_IS_SYMLINK)
          && g_file_test (full, G_FILE_TEST_IS_DIR))
        g_ptr_array_add (subdirs, g_steal_pointer (&full));
    }
  g_ptr_array_sort (subdirs, cmp_strings);
  for (guint i = 0; i < subdirs->len && !complete (s->set); i++)
    walk (s, g_ptr_array_index (subdirs, i), depth + 1, seen);
}

void
rf_model_set_complete (RfModelSet *set, const char *const *dirs)
{
  g_return_if_fail (set != NULL);
  Search s = { set, set->flux == NULL, NULL };
  /* the explicit files first: an all-in-one checkpoint carries the rest */
  const char *explicit_files[] = { set->flux, set->fill, set->ae, set->clip, set->t5,
                                   set->taef1 };
  for (gsize i = 0; i < G_N_ELEMENTS (explicit_files); i++)
    {
      Offer o;
      if (explicit_files[i] && examine (explicit_files[i], &o, NULL))
        {
          set->test_model |= o.test_model;
          take (&s, explicit_files[i], &o);
        }
    }
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (set->flux)
    {
      g_autofree char *dir = g_path_get_dirname (set->flux);
      walk (&s, dir, MAX_DEPTH, seen);   /* its own folder only, not below */
    }
  for (const char *const *d = dirs; d && *d; d++)
    if (!complete (set))
      walk (&s, *d, 0, seen);
  if (set->flux == NULL && s.schnell)
    set->flux = g_steal_pointer (&s.schnell);
  g_free (s.schnell);
  if (set->flux)
    {
      Offer o;
      if (examine (set->flux, &o, NULL))
        set->test_model = o.test_model;
    }
}

const char *
rf_model_set_test_dir (void)
{
  static gsize once;
  static const char *dir;
  if (g_once_init_enter (&once))
    {
      g_autofree char *src = g_build_filename (RECTIFY_SOURCE_DIR, "tests", "data", "pipeline", NULL);
      const char *found = NULL;
      if (g_file_test (src, G_FILE_TEST_IS_DIR))
        found = g_intern_string (src);
      else if (g_file_test (RF_PIPELINE_TEST_MODEL_DIR, G_FILE_TEST_IS_DIR))
        found = RF_PIPELINE_TEST_MODEL_DIR;
      dir = found ? found : "";
      g_once_init_leave (&once, 1);
    }
  return *dir ? dir : NULL;
}

RfModelSet *
rf_model_set_new_test (void)
{
  const char *dir = rf_model_set_test_dir ();
  if (dir == NULL)
    return NULL;
  RfModelSet *set = rf_model_set_new ();
  set->flux = g_build_filename (dir, "flux-dev.safetensors", NULL);
  set->fill = g_build_filename (dir, "flux-fill.safetensors", NULL);
  set->ae = g_build_filename (dir, "ae.safetensors", NULL);
  set->taef1 = g_build_filename (dir, "taef1.safetensors", NULL);
  set->test_model = TRUE;
  return set;
}

RfModelSet *
rf_model_set_resolve (RfModelSet *set_in, const char *model, const char *const *dirs,
                      gboolean allow_test, gboolean *used_test, GError **error)
{
  g_autoptr (RfModelSet) set = set_in ? set_in : rf_model_set_new ();
  if (used_test)
    *used_test = FALSE;
  if (model && *model)
    {
      gboolean fill = FALSE;
      if (!rf_model_set_classify_flux (model, &fill, error))
        return NULL;
      if (!fill)
        {
          g_free (set->flux);
          set->flux = g_strdup (model);
        }
      else if (set->fill == NULL)
        set->fill = g_strdup (model);
    }
  rf_model_set_complete (set, dirs);
  if (set->flux || set->fill)
    return g_steal_pointer (&set);
  if (!allow_test)
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MODEL_MISSING,
                   _("No FLUX.1 transformer found in the given files and folders.\n%s"),
                   rf_model_set_install_hint ());
      return NULL;
    }
  RfModelSet *test = rf_model_set_new_test ();
  if (test == NULL)
    g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_MODEL_MISSING,
                 _("No FLUX.1 model is installed.\n%s"), rf_model_set_install_hint ());
  else if (used_test)
    *used_test = TRUE;
  return test;
}

char *
rf_model_set_describe (const RfModelSet *set)
{
  const char *missing = _("missing");
  return g_strdup_printf (_("transformer   %s\n"
                            "Fill          %s\n"
                            "autoencoder   %s\n"
                            "CLIP-L        %s\n"
                            "T5            %s\n"
                            "TAEF1         %s%s"),
                          set->flux ? set->flux : missing, set->fill ? set->fill : missing,
                          set->ae ? set->ae : missing, set->clip ? set->clip : missing,
                          set->t5 ? set->t5 : missing, set->taef1 ? set->taef1 : missing,
                          set->test_model ? _("\n(the tiny test model set: random weights)") : "");
}

const char *
rf_model_set_install_hint (void)
{
  return _("To use real FLUX.1 models, download (Hugging Face; dev needs accepting its licence):\n"
           "  transformer  flux1-schnell.safetensors (black-forest-labs/FLUX.1-schnell) or\n"
           "               flux1-dev.safetensors (black-forest-labs/FLUX.1-dev), or a GGUF\n"
           "               quantization (city96/FLUX.1-dev-gguf) for GPUs with less memory\n"
           "  autoencoder  ae.safetensors (in either FLUX.1 repository)\n"
           "  text         clip_l.safetensors and t5xxl_fp16.safetensors (or t5xxl_fp8_e4m3fn)\n"
           "               (comfyanonymous/flux_text_encoders)\n"
           "  inpainting   flux1-fill-dev.safetensors (black-forest-labs/FLUX.1-Fill-dev), optional\n"
           "and put them in ~/.local/share/rectify/models (or any folder named by\n"
           "$RECTIFY_MODELS, --model-dir, or extra_dirs in ~/.config/rectify/config.ini;\n"
           "existing ComfyUI model folders work as they are). 'rectify models list' shows\n"
           "what Rectify finds.");
}
