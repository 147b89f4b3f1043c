/* rf-text-encode.c — prompt → (txt, y) with tokenizer discovery, checks
 * and the embedding cache. */
#include <glib/gi18n-lib.h>
#include <string.h>

#include "rf-clip-text.h"
#include "rf-embed-cache.h"
#include "rf-t5-encoder.h"
#include "rf-text-encode.h"
#include "rf-tokenizer.h"

void
rf_text_embeddings_free (RfTextEmbeddings *e)
{
  if (e == NULL)
    return;
  g_free (e->txt);
  g_free (e->y);
  if (e->warnings)
    g_ptr_array_unref (e->warnings);
  g_free (e);
}

/* Candidate tokenizer paths in @dir, in the order they are tried. */
static void
add_candidates (GPtrArray *out, const char *dir)
{
  static const char *const names[] = { "tokenizer.json", "spiece.model", "vocab.json" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      char *p = g_build_filename (dir, names[i], NULL);
      if (g_file_test (p, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (out, p);
      else
        g_free (p);
    }
}

RfTokenizer *
rf_text_find_tokenizer (const char *model_path, RfTokenizerKind kind, const char *option,
                        GError **error)
{
  g_autoptr (GPtrArray) cands = g_ptr_array_new_with_free_func (g_free);
  /* a GGUF encoder's own metadata first */
  g_autoptr (RfModelFile) mf = rf_model_file_open (model_path, NULL);
  if (mf && rf_model_file_get_metadata_string (mf, "tokenizer.ggml.model") != NULL)
    g_ptr_array_add (cands, g_strdup (model_path));
  g_clear_pointer (&mf, rf_model_file_free);
  g_autofree char *dir = g_path_get_dirname (model_path);
  add_candidates (cands, dir);
  /* diffusers: text_encoder/ ↔ tokenizer/, text_encoder_2/ ↔ tokenizer_2/ */
  g_autofree char *base = g_path_get_basename (dir);
  g_autofree char *parent = g_path_get_dirname (dir);
  if (g_str_has_prefix (base, "text_encoder"))
    {
      g_autofree char *sib = g_strconcat ("tokenizer", base + strlen ("text_encoder"), NULL);
      g_autofree char *sdir = g_build_filename (parent, sib, NULL);
      add_candidates (cands, sdir);
    }
  /* the first candidate of the right kind; others (the other encoder's
   * tokenizer in a shared folder) are skipped */
  for (guint i = 0; i < cands->len; i++)
    {
      g_autoptr (RfTokenizer) tok = rf_tokenizer_load (g_ptr_array_index (cands, i), NULL);
      if (tok && rf_tokenizer_get_kind (tok) == kind)
        return g_steal_pointer (&tok);
    }
  g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_IO,
               _("no %s tokenizer found for %s (looked for tokenizer.json, spiece.model or "
                 "vocab.json + merges.txt beside it%s); give one with %s"),
               rf_tokenizer_kind_name (kind), model_path,
               kind == RF_TOKENIZER_UNIGRAM ? _(" and in GGUF metadata") : "", option);
  return NULL;
}

static RfTokenizer *
open_tokenizer (const char *given, const char *model_path, const char *option,
                RfTokenizerKind want, GError **error)
{
  if (given == NULL)
    return rf_text_find_tokenizer (model_path, want, option, error);
  g_autoptr (RfTokenizer) tok = rf_tokenizer_load (given, error);
  if (tok == NULL)
    return NULL;
  if (rf_tokenizer_get_kind (tok) != want)
    {
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_MISMATCH,
                   _("%s is a %s tokenizer, but %s needs a %s one"), given,
                   rf_tokenizer_kind_name (rf_tokenizer_get_kind (tok)), option,
                   rf_tokenizer_kind_name (want));
      return NULL;
    }
  return g_steal_pointer (&tok);
}

static void
warn_dropped (RfTextEmbeddings *e, const char *model, guint dropped, guint max_length)
{
  if (dropped > 0)
    g_ptr_array_add (e->warnings,
                     g_strdup_printf (ngettext ("the prompt is too long for %s (%u tokens): "
                                                "%u token was dropped",
                                                "the prompt is too long for %s (%u tokens): "
                                                "%u tokens were dropped", dropped),
                                      model, max_length, dropped));
}

/* Looks up @key; on a miss runs @run and stores its result. */
typedef float *(*RunFunc) (gpointer data, GError **error);

static float *
cached (const RfTextEncodeOptions *opt, RfTextEmbeddings *e, const RfModelFile *mf,
        const char *kind, const GArray *ids, int ndim, gint64 *shape, RunFunc run,
        gpointer data, gboolean *hit, GError **error)
{
  g_autofree char *dir = opt->cache_dir ? g_strdup (opt->cache_dir) : rf_embed_cache_default_dir ();
  g_autofree char *key = NULL;
  *hit = FALSE;
  if (!opt->no_cache)
    {
      key = rf_embed_cache_key (mf, kind, (const gint32 *) ids->data, ids->len, error);
      if (key == NULL)
        return NULL;
      char *why = NULL;
      float *out = rf_embed_cache_load (dir, key, ndim, shape, &why);
      if (why)
        g_ptr_array_add (e->warnings, why);
      if (out)
        {
          *hit = TRUE;
          return out;
        }
    }
  float *out = run (data, error);
  if (out && key)
    {
      GError *se = NULL;
      if (!rf_embed_cache_store (dir, key, ndim, shape, out, &se))
        {
          g_ptr_array_add (e->warnings, g_strdup_printf (_("cannot cache the embedding: %s"),
                                                         se->message));
          g_error_free (se);
        }
    }
  return out;
}

typedef struct {
  RfClipText *clip;
  RfT5Encoder *t5;
  const char *device;
  RfBackend *backend;   /* borrowed; NULL: made from @device */
  const GArray *ids;
} RunCtx;

static float *
run_clip (gpointer data, GError **error)
{
  RunCtx *c = data;
  g_autoptr (RfBackend) own = c->backend ? NULL : rf_backend_new_by_name (c->device, error);
  RfBackend *be = c->backend ? c->backend : own;
  g_autoptr (RfTensor) pooled = NULL;
  if (be == NULL || !rf_clip_text_forward (c->clip, be, (const gint32 *) c->ids->data, c->ids->len,
                                           NULL, &pooled, error))
    return NULL;
  return rf_tensor_read_f32 (pooled, error);
}

static float *
run_t5 (gpointer data, GError **error)
{
  RunCtx *c = data;
  g_autoptr (RfBackend) own = c->backend ? NULL
                               : strcmp (c->device, "cpu") == 0 ? rf_backend_new_cpu (0)
                                                                : rf_backend_new_by_name (c->device, error);
  RfBackend *be = c->backend ? c->backend : own;
  g_autoptr (RfTensor) out = NULL;
  if (be == NULL || !rf_t5_encoder_forward (c->t5, be, (const gint32 *) c->ids->data, c->ids->len,
                                            &out, error))
    return NULL;
  return rf_tensor_read_f32 (out, error);
}

static gboolean
encode_clip (const RfTextEncodeOptions *opt, const char *prompt, RfTextEmbeddings *e,
             GError **error)
{
  g_autoptr (RfModelFile) own_mf = opt->clip_model ? NULL
                                                   : rf_model_file_open (opt->clip_path, error);
  g_autoptr (RfClipText) own = own_mf ? rf_clip_text_new (own_mf, error) : NULL;
  RfClipText *clip = opt->clip_model ? opt->clip_model : own;
  const RfModelFile *mf = opt->clip_model ? opt->clip_file : own_mf;
  if (clip == NULL)
    return FALSE;
  const RfClipConfig *cfg = rf_clip_text_get_config (clip);
  g_autoptr (RfTokenizer) tok = open_tokenizer (opt->clip_tokenizer, opt->clip_path,
                                                "--clip-tokenizer", RF_TOKENIZER_CLIP_BPE, error);
  if (tok == NULL || !rf_tokenizer_check_vocab (tok, cfg->vocab, opt->clip_path, error))
    return FALSE;
  guint L = (guint) MIN (RF_CLIP_MAX_LENGTH, cfg->positions), dropped = 0;
  g_autoptr (GArray) ids = rf_tokenizer_encode (tok, prompt, -1, L, TRUE, &dropped, error);
  if (ids == NULL)
    return FALSE;
  warn_dropped (e, "CLIP", dropped, L);
  RunCtx ctx = { .clip = clip, .device = opt->clip_device ? opt->clip_device : "auto",
                 .backend = opt->clip_backend, .ids = ids };
  gint64 shape[2] = { 1, cfg->hidden };
  e->y = cached (opt, e, mf, "clip-pooled", ids, 2, shape, run_clip, &ctx, &e->y_cached, error);
  e->y_dim = cfg->hidden;
  return e->y != NULL;
}

static gboolean
encode_t5 (const RfTextEncodeOptions *opt, const char *prompt, RfTextEmbeddings *e,
           GError **error)
{
  g_autoptr (RfModelFile) own_mf = opt->t5_model ? NULL : rf_model_file_open (opt->t5_path, error);
  g_autoptr (RfT5Encoder) own = own_mf ? rf_t5_encoder_new (own_mf, error) : NULL;
  RfT5Encoder *t5 = opt->t5_model ? opt->t5_model : own;
  const RfModelFile *mf = opt->t5_model ? opt->t5_file : own_mf;
  if (t5 == NULL)
    return FALSE;
  const RfT5Config *cfg = rf_t5_encoder_get_config (t5);
  g_autoptr (RfTokenizer) tok = open_tokenizer (opt->t5_tokenizer, opt->t5_path, "--t5-tokenizer",
                                                RF_TOKENIZER_UNIGRAM, error);
  if (tok == NULL || !rf_tokenizer_check_vocab (tok, cfg->vocab, opt->t5_path, error))
    return FALSE;
  guint L = opt->max_length ? opt->max_length : RF_T5_MAX_LENGTH_DEV, dropped = 0;
  g_autoptr (GArray) ids = rf_tokenizer_encode (tok, prompt, -1, L, TRUE, &dropped, error);
  if (ids == NULL)
    return FALSE;
  warn_dropped (e, "T5", dropped, L);
  RunCtx ctx = { .t5 = t5, .device = opt->t5_device ? opt->t5_device : "cpu",
                 .backend = opt->t5_backend, .ids = ids };
  gint64 shape[3] = { 1, L, cfg->d_model };
  e->txt = cached (opt, e, mf, "t5", ids, 3, shape, run_t5, &ctx, &e->txt_cached, error);
  e->txt_len = L;
  e->txt_dim = cfg->d_model;
  return e->txt != NULL;
}

RfTextEmbeddings *
rf_text_encode (const RfTextEncodeOptions *opt, const char *prompt, GError **error)
{
  g_return_val_if_fail (opt && opt->clip_path && opt->t5_path && prompt, NULL);
  g_autoptr (RfTextEmbeddings) e = g_new0 (RfTextEmbeddings, 1);
  e->warnings = g_ptr_array_new_with_free_func (g_free);
  if (!encode_clip (opt, prompt, e, error) || !encode_t5 (opt, prompt, e, error))
    return NULL;
  return g_steal_pointer (&e);
}
