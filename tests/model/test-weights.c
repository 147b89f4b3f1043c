/* test-weights.c — canonical names and layouts. A tiny FLUX-shaped
 * tensor set is written in the BFL layout, ComfyUI-prefixed, and as
 * diffusers would store it (converted here, independently of the
 * library's rule tables: q/k/v split, final modulation halves swapped,
 * renamed); all must resolve to the same canonical tensors with the same
 * values. Likewise a tiny autoencoder (BFL vs diffusers), CLIP and T5
 * (transformers vs llama.cpp names) in one ComfyUI all-in-one file, and
 * one error listing every missing, unexpected and mis-shaped tensor. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "rf-error.h"
#include "rf-model-file.h"
#include "rf-safetensors-writer.h"
#include "rf-weights.h"

static int failures;

#define CHECK(cond, ...)                                           \
  G_STMT_START {                                                   \
    gboolean ok_ = (cond);                                         \
    printf ("%s ", ok_ ? "ok  " : "FAIL");                         \
    printf (__VA_ARGS__);                                          \
    printf ("\n");                                                 \
    failures += !ok_;                                              \
  } G_STMT_END

/* A named f32 tensor held by the test. */
typedef struct {
  char *name;
  int ndim;
  gint64 shape[4];
  float *data;
  gint64 n;
} T;

static void
t_free (T *t)
{
  g_free (t->name);
  g_free (t->data);
  g_free (t);
}

static GPtrArray *
set_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) t_free);
}

static guint32 seed = 1;

static T *
add (GPtrArray *set, int ndim, gint64 d0, gint64 d1, gint64 d2, gint64 d3, const char *fmt, ...)
  G_GNUC_PRINTF (7, 8);

static T *
add (GPtrArray *set, int ndim, gint64 d0, gint64 d1, gint64 d2, gint64 d3, const char *fmt, ...)
{
  T *t = g_new0 (T, 1);
  va_list ap;
  va_start (ap, fmt);
  t->name = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  gint64 dims[4] = { d0, d1, d2, d3 };
  t->ndim = ndim;
  t->n = 1;
  for (int d = 0; d < ndim; d++)
    t->n *= (t->shape[d] = dims[d]);
  t->data = g_new (float, t->n);
  for (gint64 i = 0; i < t->n; i++)
    {
      seed = seed * 1664525u + 1013904223u;
      t->data[i] = (float) (seed >> 8) / 16777216.0f - 0.5f;
    }
  g_ptr_array_add (set, t);
  return t;
}

static void
lin (GPtrArray *s, const char *name, gint64 out, gint64 in)
{
  add (s, 2, out, in, 0, 0, "%s.weight", name);
  add (s, 1, out, 0, 0, 0, "%s.bias", name);
}

/* FLUX per notes/models.md §1.6 */
enum { H = 32, HD = 16, M = 64, IN = 64, CTX = 24, VEC = 12, ND = 2, NS = 2 };

static GPtrArray *
flux_bfl (gboolean guidance, gint64 in_channels)
{
  GPtrArray *s = set_new ();
  lin (s, "img_in", H, in_channels);
  lin (s, "time_in.in_layer", H, 256);
  lin (s, "time_in.out_layer", H, H);
  lin (s, "vector_in.in_layer", H, VEC);
  lin (s, "vector_in.out_layer", H, H);
  if (guidance)
    {
      lin (s, "guidance_in.in_layer", H, 256);
      lin (s, "guidance_in.out_layer", H, H);
    }
  lin (s, "txt_in", H, CTX);
  for (int i = 0; i < ND; i++)
    for (int k = 0; k < 2; k++)
      {
        const char *st = k ? "txt" : "img";
        char n[128];
        g_snprintf (n, sizeof n, "double_blocks.%d.%s_mod.lin", i, st); lin (s, n, 6 * H, H);
        g_snprintf (n, sizeof n, "double_blocks.%d.%s_attn.qkv", i, st); lin (s, n, 3 * H, H);
        add (s, 1, HD, 0, 0, 0, "double_blocks.%d.%s_attn.norm.query_norm.scale", i, st);
        add (s, 1, HD, 0, 0, 0, "double_blocks.%d.%s_attn.norm.key_norm.scale", i, st);
        g_snprintf (n, sizeof n, "double_blocks.%d.%s_attn.proj", i, st); lin (s, n, H, H);
        g_snprintf (n, sizeof n, "double_blocks.%d.%s_mlp.0", i, st); lin (s, n, M, H);
        g_snprintf (n, sizeof n, "double_blocks.%d.%s_mlp.2", i, st); lin (s, n, H, M);
      }
  for (int i = 0; i < NS; i++)
    {
      char n[128];
      g_snprintf (n, sizeof n, "single_blocks.%d.linear1", i); lin (s, n, 3 * H + M, H);
      g_snprintf (n, sizeof n, "single_blocks.%d.linear2", i); lin (s, n, H, H + M);
      add (s, 1, HD, 0, 0, 0, "single_blocks.%d.norm.query_norm.scale", i);
      add (s, 1, HD, 0, 0, 0, "single_blocks.%d.norm.key_norm.scale", i);
      g_snprintf (n, sizeof n, "single_blocks.%d.modulation.lin", i); lin (s, n, 3 * H, H);
    }
  lin (s, "final_layer.linear", IN, H);
  lin (s, "final_layer.adaLN_modulation.1", 2 * H, H);
  return s;
}

/* Rows [r0, r0 + rows) of @t as a new tensor called @name. */
static void
add_rows (GPtrArray *out, const T *t, gint64 r0, gint64 rows, const char *name)
{
  T *c = add (out, t->ndim, rows, t->shape[1], 0, 0, "%s", name);
  gint64 row = t->n / t->shape[0];
  memcpy (c->data, t->data + r0 * row, sizeof (float) * (gsize) (rows * row));
}

static char *
replace (const char *s, const char *from, const char *to)
{
  g_auto (GStrv) parts = g_strsplit (s, from, -1);
  return g_strjoinv (to, parts);
}

/* What diffusers' convert_flux_to_diffusers.py produces. */
static GPtrArray *
flux_to_diffusers (GPtrArray *bfl)
{
  static const char *renames[][2] = {
    { "img_in.", "x_embedder." }, { "txt_in.", "context_embedder." },
    { "time_in.in_layer.", "time_text_embed.timestep_embedder.linear_1." },
    { "time_in.out_layer.", "time_text_embed.timestep_embedder.linear_2." },
    { "vector_in.in_layer.", "time_text_embed.text_embedder.linear_1." },
    { "vector_in.out_layer.", "time_text_embed.text_embedder.linear_2." },
    { "guidance_in.in_layer.", "time_text_embed.guidance_embedder.linear_1." },
    { "guidance_in.out_layer.", "time_text_embed.guidance_embedder.linear_2." },
    { "final_layer.linear.", "proj_out." },
    { "double_blocks.", "transformer_blocks." }, { "single_blocks.", "single_transformer_blocks." },
    { ".img_mod.lin.", ".norm1.linear." }, { ".txt_mod.lin.", ".norm1_context.linear." },
    { ".img_attn.norm.query_norm.scale", ".attn.norm_q.weight" },
    { ".img_attn.norm.key_norm.scale", ".attn.norm_k.weight" },
    { ".txt_attn.norm.query_norm.scale", ".attn.norm_added_q.weight" },
    { ".txt_attn.norm.key_norm.scale", ".attn.norm_added_k.weight" },
    { ".img_attn.proj.", ".attn.to_out.0." }, { ".txt_attn.proj.", ".attn.to_add_out." },
    { ".img_mlp.0.", ".ff.net.0.proj." }, { ".img_mlp.2.", ".ff.net.2." },
    { ".txt_mlp.0.", ".ff_context.net.0.proj." }, { ".txt_mlp.2.", ".ff_context.net.2." },
    { ".modulation.lin.", ".norm.linear." }, { ".norm.query_norm.scale", ".attn.norm_q.weight" },
    { ".norm.key_norm.scale", ".attn.norm_k.weight" }, { ".linear2.", ".proj_out." },
  };
  GPtrArray *out = set_new ();
  for (guint i = 0; i < bfl->len; i++)
    {
      const T *t = g_ptr_array_index (bfl, i);
      const char *suffix = g_str_has_suffix (t->name, ".weight") ? "weight" : "bias";
      g_autofree char *name = g_strdup (t->name);
      for (gsize r = 0; r < G_N_ELEMENTS (renames); r++)
        {
          char *n = replace (name, renames[r][0], renames[r][1]);
          g_free (name);
          name = n;
        }
      gint64 b;
      if (sscanf (t->name, "double_blocks.%" G_GINT64_FORMAT, &b) == 1 && strstr (t->name, "attn.qkv"))
        {
          gboolean img = strstr (t->name, "img_") != NULL;
          const char *q[] = { img ? "to_q" : "add_q_proj", img ? "to_k" : "add_k_proj", img ? "to_v" : "add_v_proj" };
          for (int k = 0; k < 3; k++)
            {
              g_autofree char *n = g_strdup_printf ("transformer_blocks.%" G_GINT64_FORMAT ".attn.%s.%s",
                                                    b, q[k], suffix);
              add_rows (out, t, k * H, H, n);
            }
        }
      else if (sscanf (t->name, "single_blocks.%" G_GINT64_FORMAT, &b) == 1 && strstr (t->name, "linear1"))
        {
          const char *q[] = { "attn.to_q", "attn.to_k", "attn.to_v", "proj_mlp" };
          gint64 rows[] = { H, H, H, M }, r0 = 0;
          for (int k = 0; k < 4; k++)
            {
              g_autofree char *n = g_strdup_printf ("single_transformer_blocks.%" G_GINT64_FORMAT ".%s.%s",
                                                    b, q[k], suffix);
              add_rows (out, t, r0, rows[k], n);
              r0 += rows[k];
            }
        }
      else if (g_str_has_prefix (t->name, "final_layer.adaLN_modulation.1."))
        {
          /* (shift, scale) → (scale, shift) */
          g_autofree char *n = g_strconcat ("norm_out.linear.", suffix, NULL);
          T *c = add (out, t->ndim, t->shape[0], t->shape[1], 0, 0, "%s", n);
          gint64 half = t->n / 2;
          memcpy (c->data, t->data + half, sizeof (float) * (gsize) half);
          memcpy (c->data + half, t->data, sizeof (float) * (gsize) half);
        }
      else
        {
          T *c = add (out, t->ndim, t->shape[0], t->shape[1], t->shape[2], t->shape[3], "%s", name);
          memcpy (c->data, t->data, sizeof (float) * (gsize) t->n);
        }
    }
  return out;
}

static GBytes *
to_file (GPtrArray *sets[], const char *prefixes[], int n_sets)
{
  g_autoptr (RfSafetensorsWriter) w = rf_safetensors_writer_new ();
  for (int k = 0; k < n_sets; k++)
    for (guint i = 0; i < sets[k]->len; i++)
      {
        const T *t = g_ptr_array_index (sets[k], i);
        g_autofree char *name = g_strconcat (prefixes[k], t->name, NULL);
        rf_safetensors_writer_add (w, name, RF_DTYPE_F32, t->ndim, t->shape, t->data, NULL);
      }
  return rf_safetensors_writer_to_bytes (w);
}

/* Opens @bytes, finds exactly one component of @family in @scheme under
 * @prefix, loads it. */
static RfWeights *
load_component (RfModelFile *mf, RfModelFamily family, RfNameScheme scheme, const char *prefix,
                const char *what)
{
  CHECK (mf != NULL, "%s: file parses", what);
  if (mf == NULL)
    return NULL;
  g_autoptr (GPtrArray) comps = rf_weights_detect (mf);
  const RfComponent *found = NULL;
  for (guint i = 0; i < comps->len; i++)
    {
      const RfComponent *c = g_ptr_array_index (comps, i);
      if (c->family == family && c->scheme == scheme && strcmp (c->prefix, prefix) == 0)
        found = c;
    }
  CHECK (found != NULL, "%s: %s detected (%s names, prefix '%s')", what, rf_model_family_name (family),
         rf_name_scheme_name (scheme), prefix);
  if (found == NULL)
    return NULL;
  GError *error = NULL;
  RfWeights *w = rf_weights_load (mf, found, &error);
  CHECK (w != NULL, "%s: loads%s%s", what, error ? ": " : "", error ? error->message : "");
  g_clear_error (&error);
  return w;
}

/* Every canonical tensor of @w equals the test's canonical set @ref. */
static void
compare (const RfWeights *w, GPtrArray *ref, const char *what)
{
  int bad = 0;
  gboolean count_ok = rf_weights_get_n (w) == ref->len;
  for (guint i = 0; i < ref->len; i++)
    {
      const T *t = g_ptr_array_index (ref, i);
      const RfWeight *wt = rf_weights_get (w, t->name);
      if (wt == NULL || rf_weight_numel (wt) != t->n || wt->ndim != t->ndim
          || memcmp (wt->shape, t->shape, sizeof (gint64) * (gsize) t->ndim) != 0)
        {
          if (bad++ < 3)
            printf ("     %s: %s\n", t->name, wt ? "wrong shape" : "not resolved");
          continue;
        }
      g_autofree float *v = g_new (float, t->n);
      if (!rf_weight_read_f32 (wt, v) || memcmp (v, t->data, sizeof (float) * (gsize) t->n) != 0)
        {
          if (bad++ < 3)
            printf ("     %s: values differ\n", t->name);
        }
    }
  CHECK (count_ok && bad == 0, "%s: all %u canonical tensors resolve with identical values", what, ref->len);
}

static void
test_flux_layouts (void)
{
  g_autoptr (GPtrArray) bfl = flux_bfl (TRUE, IN);
  g_autoptr (GPtrArray) diff = flux_to_diffusers (bfl);
  struct { GPtrArray *set; const char *prefix; RfNameScheme scheme; const char *what; } layouts[] = {
    { bfl, "", RF_NAME_SCHEME_CANONICAL, "BFL" },
    { bfl, "model.diffusion_model.", RF_NAME_SCHEME_CANONICAL, "ComfyUI" },
    { diff, "", RF_NAME_SCHEME_DIFFUSERS, "diffusers" },
  };
  for (gsize k = 0; k < G_N_ELEMENTS (layouts); k++)
    {
      GPtrArray *sets[] = { layouts[k].set };
      const char *prefixes[] = { layouts[k].prefix };
      g_autoptr (GBytes) bytes = to_file (sets, prefixes, 1);
      gsize len;
      const guint8 *p = g_bytes_get_data (bytes, &len);
      g_autoptr (RfModelFile) mf = rf_model_file_new_from_data (p, len, layouts[k].what, NULL);
      g_autoptr (RfWeights) w = load_component (mf, RF_FAMILY_FLUX_DIT, layouts[k].scheme,
                                                layouts[k].prefix, layouts[k].what);
      if (w == NULL)
        continue;
      const RfFluxConfig *c = &rf_weights_get_config (w)->flux;
      CHECK (c->hidden == H && c->heads == H / HD && c->head_dim == HD && c->mlp_hidden == M
             && c->in_channels == IN && c->out_channels == IN && c->context_dim == CTX && c->vec_dim == VEC
             && c->depth_double == ND && c->depth_single == NS && c->guidance && c->variant == RF_FLUX_DEV,
             "%s: hyper-parameters inferred (dev)", layouts[k].what);
      compare (w, bfl, layouts[k].what);
      const RfWeight *qkv = rf_weights_get (w, "double_blocks.1.txt_attn.qkv.weight");
      const RfWeight *fin = rf_weights_get (w, "final_layer.adaLN_modulation.1.bias");
      if (layouts[k].scheme == RF_NAME_SCHEME_DIFFUSERS)
        CHECK (qkv && qkv->op == RF_WEIGHT_CONCAT0 && qkv->n_src == 3 && fin && fin->op == RF_WEIGHT_SWAP_HALVES,
               "diffusers: qkv is a 3-way concat, final modulation a half swap");
      /* raw bytes follow the same transform (f32 here, so compare) */
      if (fin)
        {
          g_autofree float *raw = g_malloc (rf_weight_nbytes (fin));
          g_autofree float *f = g_new (float, rf_weight_numel (fin));
          rf_weight_read_raw (fin, (guint8 *) raw);
          rf_weight_read_f32 (fin, f);
          CHECK (memcmp (raw, f, rf_weight_nbytes (fin)) == 0, "%s: raw read applies the transform",
                 layouts[k].what);
        }
    }

  /* variants */
  g_autoptr (GPtrArray) schnell = flux_bfl (FALSE, IN);
  g_autoptr (GPtrArray) fill = flux_bfl (TRUE, 384);
  GPtrArray *sets[] = { schnell };
  const char *prefixes[] = { "" };
  g_autoptr (GBytes) b1 = to_file (sets, prefixes, 1);
  sets[0] = fill;
  g_autoptr (GBytes) b2 = to_file (sets, prefixes, 1);
  gsize l1, l2;
  const guint8 *m1_data = g_bytes_get_data (b1, &l1);
  g_autoptr (RfModelFile) m1 = rf_model_file_new_from_data (m1_data, l1, "schnell", NULL);
  GError *err = NULL;
  const guint8 *m2_data = g_bytes_get_data (b2, &l2);
  g_autoptr (RfModelFile) m2 = rf_model_file_new_from_data (m2_data, l2, "fill", &err);
  if (err)
    printf ("     %s\n", err->message);
  g_clear_error (&err);
  g_autoptr (RfWeights) w1 = load_component (m1, RF_FAMILY_FLUX_DIT, RF_NAME_SCHEME_CANONICAL, "", "schnell");
  g_autoptr (RfWeights) w2 = load_component (m2, RF_FAMILY_FLUX_DIT, RF_NAME_SCHEME_CANONICAL, "", "fill");
  CHECK (w1 && rf_weights_get_config (w1)->flux.variant == RF_FLUX_SCHNELL && rf_weights_get_n (w1) == schnell->len,
         "no guidance_in → schnell");
  CHECK (w2 && rf_weights_get_config (w2)->flux.variant == RF_FLUX_FILL, "img_in with 384 inputs → fill");
}

static void
test_mismatch_report (void)
{
  g_autoptr (GPtrArray) s = flux_bfl (TRUE, IN);
  /* drop one, misshape one, add a stranger */
  for (guint i = 0; i < s->len; i++)
    {
      T *t = g_ptr_array_index (s, i);
      if (strcmp (t->name, "double_blocks.1.img_attn.proj.weight") == 0)
        {
          g_ptr_array_remove_index (s, i);
          break;
        }
    }
  for (guint i = 0; i < s->len; i++)
    {
      T *t = g_ptr_array_index (s, i);
      if (strcmp (t->name, "single_blocks.0.linear2.weight") == 0)
        t->shape[1] -= 1, t->n -= t->shape[0];
    }
  add (s, 1, 3, 0, 0, 0, "double_blocks.0.extra.bias");
  GPtrArray *sets[] = { s };
  const char *prefixes[] = { "model.diffusion_model." };
  g_autoptr (GBytes) bytes = to_file (sets, prefixes, 1);
  gsize len;
  const guint8 *mf_data = g_bytes_get_data (bytes, &len);
  g_autoptr (RfModelFile) mf = rf_model_file_new_from_data (mf_data, len, "broken", NULL);
  g_autoptr (GPtrArray) comps = rf_weights_detect (mf);
  GError *error = NULL;
  RfWeights *w = comps->len == 1 ? rf_weights_load (mf, g_ptr_array_index (comps, 0), &error) : NULL;
  const char *m = error ? error->message : "";
  CHECK (w == NULL && g_error_matches (error, RF_MODEL_ERROR, RF_MODEL_ERROR_MISMATCH)
         && strstr (m, "1 missing, 1 unexpected, 1 mis-shaped")
         && strstr (m, "missing: model.diffusion_model.double_blocks.1.img_attn.proj.weight")
         && strstr (m, "unexpected: model.diffusion_model.double_blocks.0.extra.bias")
         && strstr (m, "mis-shaped: model.diffusion_model.single_blocks.0.linear2.weight is [32, 95] f32, "
                       "expected [32, 96]"),
         "one error lists every problem:\n%s", m);
  g_clear_error (&error);
  rf_weights_free (w);
}

/* BFL AutoEncoder names for ch, mults, nrb, z (notes §2.1) */
static GPtrArray *
ae_bfl (gint64 ch, const gint64 *mult, int levels, int nrb, gint64 z)
{
  GPtrArray *s = set_new ();
  char p[128];
#define CONV(o, i, k, ...) G_STMT_START { g_snprintf (p, sizeof p, __VA_ARGS__);              \
    add (s, 4, o, i, k, k, "%s.weight", p); add (s, 1, o, 0, 0, 0, "%s.bias", p); } G_STMT_END
#define NORM(c, ...) G_STMT_START { g_snprintf (p, sizeof p, __VA_ARGS__);                     \
    add (s, 1, c, 0, 0, 0, "%s.weight", p); add (s, 1, c, 0, 0, 0, "%s.bias", p); } G_STMT_END
#define RES(in, out, ...) G_STMT_START { char b_[96]; g_snprintf (b_, sizeof b_, __VA_ARGS__);  \
    NORM (in, "%s.norm1", b_); CONV (out, in, 3, "%s.conv1", b_); NORM (out, "%s.norm2", b_);   \
    CONV (out, out, 3, "%s.conv2", b_); if (in != out) CONV (out, in, 1, "%s.nin_shortcut", b_); } G_STMT_END
#define MID(side, c) G_STMT_START { RES (c, c, "%s.mid.block_1", side); NORM (c, "%s.mid.attn_1.norm", side); \
    CONV (c, c, 1, "%s.mid.attn_1.q", side); CONV (c, c, 1, "%s.mid.attn_1.k", side);        \
    CONV (c, c, 1, "%s.mid.attn_1.v", side); CONV (c, c, 1, "%s.mid.attn_1.proj_out", side); \
    RES (c, c, "%s.mid.block_2", side); } G_STMT_END
  gint64 bi = ch;
  CONV (ch, 3, 3, "encoder.conv_in");
  for (int i = 0; i < levels; i++)
    {
      for (int j = 0; j < nrb; j++)
        {
          RES (bi, ch * mult[i], "encoder.down.%d.block.%d", i, j);
          bi = ch * mult[i];
        }
      if (i != levels - 1)
        CONV (bi, bi, 3, "encoder.down.%d.downsample.conv", i);
    }
  MID ("encoder", bi);
  NORM (bi, "encoder.norm_out");
  CONV (2 * z, bi, 3, "encoder.conv_out");
  bi = ch * mult[levels - 1];
  CONV (bi, z, 3, "decoder.conv_in");
  MID ("decoder", bi);
  for (int i = levels - 1; i >= 0; i--)
    {
      for (int j = 0; j <= nrb; j++)
        {
          RES (bi, ch * mult[i], "decoder.up.%d.block.%d", i, j);
          bi = ch * mult[i];
        }
      if (i != 0)
        CONV (bi, bi, 3, "decoder.up.%d.upsample.conv", i);
    }
  NORM (bi, "decoder.norm_out");
  CONV (3, bi, 3, "decoder.conv_out");
  return s;
}

/* diffusers AutoencoderKL names (up_blocks counted from the top; attention as Linear) */
static GPtrArray *
ae_to_diffusers (GPtrArray *bfl, int levels)
{
  GPtrArray *out = set_new ();
  for (guint i = 0; i < bfl->len; i++)
    {
      const T *t = g_ptr_array_index (bfl, i);
      g_autofree char *n = g_strdup (t->name);
      int a, b;
      char rest[96];
      if (sscanf (t->name, "encoder.down.%d.block.%d.%95s", &a, &b, rest) == 3)
        n = (g_free (n), g_strdup_printf ("encoder.down_blocks.%d.resnets.%d.%s", a, b, rest));
      else if (sscanf (t->name, "decoder.up.%d.block.%d.%95s", &a, &b, rest) == 3)
        n = (g_free (n), g_strdup_printf ("decoder.up_blocks.%d.resnets.%d.%s", levels - 1 - a, b, rest));
      else if (sscanf (t->name, "encoder.down.%d.downsample.%95s", &a, rest) == 2)
        n = (g_free (n), g_strdup_printf ("encoder.down_blocks.%d.downsamplers.0.%s", a, rest));
      else if (sscanf (t->name, "decoder.up.%d.upsample.%95s", &a, rest) == 2)
        n = (g_free (n), g_strdup_printf ("decoder.up_blocks.%d.upsamplers.0.%s", levels - 1 - a, rest));
      static const char *r[][2] = {
        { ".nin_shortcut.", ".conv_shortcut." }, { ".mid.block_1.", ".mid_block.resnets.0." },
        { ".mid.block_2.", ".mid_block.resnets.1." }, { ".mid.attn_1.norm.", ".mid_block.attentions.0.group_norm." },
        { ".mid.attn_1.q.", ".mid_block.attentions.0.to_q." }, { ".mid.attn_1.k.", ".mid_block.attentions.0.to_k." },
        { ".mid.attn_1.v.", ".mid_block.attentions.0.to_v." },
        { ".mid.attn_1.proj_out.", ".mid_block.attentions.0.to_out.0." }, { ".norm_out.", ".conv_norm_out." },
      };
      for (gsize k = 0; k < G_N_ELEMENTS (r); k++)
        {
          char *m = replace (n, r[k][0], r[k][1]);
          g_free (n);
          n = m;
        }
      gboolean linear = strstr (n, "attentions.0.to_") && t->ndim == 4;
      T *c = add (out, linear ? 2 : t->ndim, t->shape[0], t->shape[1], t->shape[2], t->shape[3], "%s", n);
      memcpy (c->data, t->data, sizeof (float) * (gsize) t->n);
    }
  return out;
}

static GPtrArray *
clip_hf (void)
{
  GPtrArray *s = set_new ();
  add (s, 2, 10, 8, 0, 0, "text_model.embeddings.token_embedding.weight");
  add (s, 2, 7, 8, 0, 0, "text_model.embeddings.position_embedding.weight");
  for (int i = 0; i < 2; i++)
    {
      char n[96];
      const char *pr[] = { "q_proj", "k_proj", "v_proj", "out_proj" };
      for (int k = 0; k < 4; k++)
        {
          g_snprintf (n, sizeof n, "text_model.encoder.layers.%d.self_attn.%s", i, pr[k]);
          lin (s, n, 8, 8);
        }
      g_snprintf (n, sizeof n, "text_model.encoder.layers.%d.layer_norm1", i); lin (s, n, 8, 1);
      g_snprintf (n, sizeof n, "text_model.encoder.layers.%d.mlp.fc1", i); lin (s, n, 16, 8);
      g_snprintf (n, sizeof n, "text_model.encoder.layers.%d.mlp.fc2", i); lin (s, n, 8, 16);
      g_snprintf (n, sizeof n, "text_model.encoder.layers.%d.layer_norm2", i); lin (s, n, 8, 1);
    }
  lin (s, "text_model.final_layer_norm", 8, 1);
  /* layer norms are 1-d: fix the weights lin() made 2-d */
  for (guint i = 0; i < s->len; i++)
    {
      T *t = g_ptr_array_index (s, i);
      if (strstr (t->name, "norm") && t->ndim == 2)
        t->ndim = 1, t->n = t->shape[0], t->shape[1] = 0;
    }
  return s;
}

static GPtrArray *
t5 (gboolean llama)
{
  GPtrArray *s = set_new ();
  add (s, 2, 10, 8, 0, 0, llama ? "token_embd.weight" : "shared.weight");
  for (int i = 0; i < 2; i++)
    {
      if (llama)
        {
          add (s, 2, 8, 8, 0, 0, "enc.blk.%d.attn_q.weight", i);
          add (s, 2, 8, 8, 0, 0, "enc.blk.%d.attn_k.weight", i);
          add (s, 2, 8, 8, 0, 0, "enc.blk.%d.attn_v.weight", i);
          add (s, 2, 8, 8, 0, 0, "enc.blk.%d.attn_o.weight", i);
          if (i == 0)
            add (s, 2, 32, 2, 0, 0, "enc.blk.0.attn_rel_b.weight");
          add (s, 1, 8, 0, 0, 0, "enc.blk.%d.attn_norm.weight", i);
          add (s, 2, 12, 8, 0, 0, "enc.blk.%d.ffn_gate.weight", i);
          add (s, 2, 12, 8, 0, 0, "enc.blk.%d.ffn_up.weight", i);
          add (s, 2, 8, 12, 0, 0, "enc.blk.%d.ffn_down.weight", i);
          add (s, 1, 8, 0, 0, 0, "enc.blk.%d.ffn_norm.weight", i);
        }
      else
        {
          const char *p = "encoder.block";
          add (s, 2, 8, 8, 0, 0, "%s.%d.layer.0.SelfAttention.q.weight", p, i);
          add (s, 2, 8, 8, 0, 0, "%s.%d.layer.0.SelfAttention.k.weight", p, i);
          add (s, 2, 8, 8, 0, 0, "%s.%d.layer.0.SelfAttention.v.weight", p, i);
          add (s, 2, 8, 8, 0, 0, "%s.%d.layer.0.SelfAttention.o.weight", p, i);
          if (i == 0)
            add (s, 2, 32, 2, 0, 0, "%s.0.layer.0.SelfAttention.relative_attention_bias.weight", p);
          add (s, 1, 8, 0, 0, 0, "%s.%d.layer.0.layer_norm.weight", p, i);
          add (s, 2, 12, 8, 0, 0, "%s.%d.layer.1.DenseReluDense.wi_0.weight", p, i);
          add (s, 2, 12, 8, 0, 0, "%s.%d.layer.1.DenseReluDense.wi_1.weight", p, i);
          add (s, 2, 8, 12, 0, 0, "%s.%d.layer.1.DenseReluDense.wo.weight", p, i);
          add (s, 1, 8, 0, 0, 0, "%s.%d.layer.1.layer_norm.weight", p, i);
        }
    }
  add (s, 1, 8, 0, 0, 0, llama ? "enc.output_norm.weight" : "encoder.final_layer_norm.weight");
  return s;
}

static void
test_other_families (void)
{
  const gint64 mult[] = { 1, 2, 2 };
  g_autoptr (GPtrArray) ae = ae_bfl (8, mult, 3, 1, 4);
  g_autoptr (GPtrArray) ae_d = ae_to_diffusers (ae, 3);
  g_autoptr (GPtrArray) dit = flux_bfl (TRUE, IN);
  g_autoptr (GPtrArray) clip = clip_hf ();
  g_autoptr (GPtrArray) t5c = t5 (FALSE);
  seed = 99;
  g_autoptr (GPtrArray) t5l = t5 (TRUE);

  /* ComfyUI all-in-one: four families under their prefixes */
  GPtrArray *sets[] = { dit, ae, clip, t5c };
  const char *prefixes[] = { "model.diffusion_model.", "vae.", "text_encoders.clip_l.transformer.",
                             "text_encoders.t5xxl.transformer." };
  g_autoptr (GBytes) bytes = to_file (sets, prefixes, 4);
  gsize len;
  const guint8 *mf_data = g_bytes_get_data (bytes, &len);
  g_autoptr (RfModelFile) mf = rf_model_file_new_from_data (mf_data, len, "aio", NULL);
  g_autoptr (GPtrArray) comps = rf_weights_detect (mf);
  CHECK (comps->len == 4, "all-in-one: 4 components detected (%u)", comps->len);
  g_autoptr (RfWeights) wd = load_component (mf, RF_FAMILY_FLUX_DIT, RF_NAME_SCHEME_CANONICAL, prefixes[0], "aio dit");
  g_autoptr (RfWeights) wa = load_component (mf, RF_FAMILY_AUTOENCODER, RF_NAME_SCHEME_CANONICAL, prefixes[1], "aio ae");
  g_autoptr (RfWeights) wc = load_component (mf, RF_FAMILY_CLIP_TEXT, RF_NAME_SCHEME_CANONICAL, prefixes[2], "aio clip");
  g_autoptr (RfWeights) wt = load_component (mf, RF_FAMILY_T5_ENCODER, RF_NAME_SCHEME_CANONICAL, prefixes[3], "aio t5");
  if (wd) compare (wd, dit, "aio dit");
  if (wa)
    {
      compare (wa, ae, "aio ae (BFL names)");
      const RfAeConfig *c = &rf_weights_get_config (wa)->ae;
      CHECK (c->ch == 8 && c->n_levels == 3 && c->ch_mult[1] == 2 && c->num_res_blocks == 1
             && c->z_channels == 4 && c->has_encoder && c->has_decoder, "ae hyper-parameters");
    }
  if (wc)
    {
      compare (wc, clip, "aio clip");
      const RfClipConfig *c = &rf_weights_get_config (wc)->clip;
      CHECK (c->vocab == 10 && c->positions == 7 && c->hidden == 8 && c->layers == 2 && c->mlp_hidden == 16,
             "clip hyper-parameters");
    }
  if (wt)
    {
      compare (wt, t5c, "aio t5");
      const RfT5Config *c = &rf_weights_get_config (wt)->t5;
      CHECK (c->d_model == 8 && c->heads == 2 && c->d_ff == 12 && c->layers == 2 && c->rel_buckets == 32,
             "t5 hyper-parameters");
    }

  /* diffusers autoencoder and llama.cpp-named T5 resolve to the same canonical sets */
  GPtrArray *s1[] = { ae_d };
  const char *p0[] = { "" };
  g_autoptr (GBytes) b1 = to_file (s1, p0, 1);
  const guint8 *m1_data = g_bytes_get_data (b1, &len);
  g_autoptr (RfModelFile) m1 = rf_model_file_new_from_data (m1_data, len, "ae-diffusers", NULL);
  g_autoptr (RfWeights) w1 = load_component (m1, RF_FAMILY_AUTOENCODER, RF_NAME_SCHEME_DIFFUSERS, "", "ae diffusers");
  if (w1) compare (w1, ae, "ae diffusers");
  GPtrArray *s2[] = { t5l };
  g_autoptr (GBytes) b2 = to_file (s2, p0, 1);
  const guint8 *m2_data = g_bytes_get_data (b2, &len);
  g_autoptr (RfModelFile) m2 = rf_model_file_new_from_data (m2_data, len, "t5-gguf-names", NULL);
  g_autoptr (RfWeights) w2 = load_component (m2, RF_FAMILY_T5_ENCODER, RF_NAME_SCHEME_LLAMA_CPP, "", "t5 llama.cpp");
  if (w2)
    {
      /* same shapes as t5c; values differ (other seed), so compare shapes only */
      gboolean same = rf_weights_get_n (w2) == t5c->len;
      for (guint i = 0; same && i < t5c->len; i++)
        {
          const T *t = g_ptr_array_index (t5c, i);
          const RfWeight *x = rf_weights_get (w2, t->name);
          same = x && memcmp (x->shape, t->shape, sizeof (gint64) * (gsize) t->ndim) == 0;
        }
      CHECK (same, "t5 llama.cpp names: the same canonical tensors and shapes");
    }
}

int
main (void)
{
  setvbuf (stdout, NULL, _IOLBF, 0);
  test_flux_layouts ();
  test_mismatch_report ();
  test_other_families ();
  printf ("%d failures\n", failures);
  return failures ? 1 : 0;
}
