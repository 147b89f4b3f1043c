/* rf-weight-tables.c — the canonical tensor set of each family (as a
 * function of its hyper-parameters), how the hyper-parameters are read
 * off the tensors, and the translation rules of the other schemes.
 * Sources: notes/models.md §1.6 (FLUX names and the diffusers table),
 * §2.1 (autoencoder), §3 (CLIP-L, T5). */
#include "rf-weights-private.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------
 * Expected tensors
 * ------------------------------------------------------------------- */

static void G_GNUC_PRINTF (2, 0)
vadd (GArray *specs, const char *fmt, va_list ap, int ndim, const gint64 *dims)
{
  RfWeightSpec s = { 0 };
  s.name = g_strdup_vprintf (fmt, ap);
  s.ndim = ndim;
  for (int d = 0; d < ndim; d++)
    s.shape[d] = dims[d];
  g_array_append_val (specs, s);
}

/* spec1/2/4 (specs, shape..., name format, format args) */
static void G_GNUC_PRINTF (3, 4)
spec1 (GArray *specs, gint64 d0, const char *fmt, ...)
{
  va_list ap;
  gint64 dims[] = { d0 };
  va_start (ap, fmt);
  vadd (specs, fmt, ap, 1, dims);
  va_end (ap);
}

static void G_GNUC_PRINTF (4, 5)
spec2 (GArray *specs, gint64 d0, gint64 d1, const char *fmt, ...)
{
  va_list ap;
  gint64 dims[] = { d0, d1 };
  va_start (ap, fmt);
  vadd (specs, fmt, ap, 2, dims);
  va_end (ap);
}

static void G_GNUC_PRINTF (6, 7)
spec4 (GArray *specs, gint64 d0, gint64 d1, gint64 d2, gint64 d3, const char *fmt, ...)
{
  va_list ap;
  gint64 dims[] = { d0, d1, d2, d3 };
  va_start (ap, fmt);
  vadd (specs, fmt, ap, 4, dims);
  va_end (ap);
}

/* Linear layer "<name>.weight" [out, in] and "<name>.bias" [out]. */
static void
linear (GArray *specs, const char *name, gint64 out, gint64 in)
{
  spec2 (specs, out, in, "%s.weight", name);
  spec1 (specs, out, "%s.bias", name);
}

static void
flux_expected (const RfFluxConfig *c, GArray *s)
{
  const gint64 H = c->hidden, M = c->mlp_hidden, D = c->head_dim;
  linear (s, "img_in", H, c->in_channels);
  linear (s, "time_in.in_layer", H, 256);
  linear (s, "time_in.out_layer", H, H);
  linear (s, "vector_in.in_layer", H, c->vec_dim);
  linear (s, "vector_in.out_layer", H, H);
  if (c->guidance)
    {
      linear (s, "guidance_in.in_layer", H, 256);
      linear (s, "guidance_in.out_layer", H, H);
    }
  linear (s, "txt_in", H, c->context_dim);
  for (gint64 i = 0; i < c->depth_double; i++)
    for (int stream = 0; stream < 2; stream++)
      {
        const char *st = stream == 0 ? "img" : "txt";
        g_autofree char *p = g_strdup_printf ("double_blocks.%" G_GINT64_FORMAT ".%s", i, st);
        g_autofree char *mod = g_strconcat (p, "_mod.lin", NULL);
        g_autofree char *qkv = g_strconcat (p, "_attn.qkv", NULL);
        g_autofree char *proj = g_strconcat (p, "_attn.proj", NULL);
        g_autofree char *mlp0 = g_strconcat (p, "_mlp.0", NULL);
        g_autofree char *mlp2 = g_strconcat (p, "_mlp.2", NULL);
        linear (s, mod, 6 * H, H);
        linear (s, qkv, 3 * H, H);
        spec1 (s, D, "%s_attn.norm.query_norm.scale", p);
        spec1 (s, D, "%s_attn.norm.key_norm.scale", p);
        linear (s, proj, H, H);
        linear (s, mlp0, M, H);
        linear (s, mlp2, H, M);
      }
  for (gint64 i = 0; i < c->depth_single; i++)
    {
      g_autofree char *p = g_strdup_printf ("single_blocks.%" G_GINT64_FORMAT, i);
      g_autofree char *l1 = g_strconcat (p, ".linear1", NULL);
      g_autofree char *l2 = g_strconcat (p, ".linear2", NULL);
      g_autofree char *mod = g_strconcat (p, ".modulation.lin", NULL);
      linear (s, l1, 3 * H + M, H);
      linear (s, l2, H, H + M);
      spec1 (s, D, "%s.norm.query_norm.scale", p);
      spec1 (s, D, "%s.norm.key_norm.scale", p);
      linear (s, mod, 3 * H, H);
    }
  linear (s, "final_layer.linear", c->out_channels, H);
  linear (s, "final_layer.adaLN_modulation.1", 2 * H, H);
}

static void
conv (GArray *s, const char *name, gint64 out, gint64 in, gint64 k)
{
  spec4 (s, out, in, k, k, "%s.weight", name);
  spec1 (s, out, "%s.bias", name);
}

static void
group_norm (GArray *s, const char *name, gint64 ch)
{
  spec1 (s, ch, "%s.weight", name);
  spec1 (s, ch, "%s.bias", name);
}

static void
ae_resnet (GArray *s, const char *p, gint64 in, gint64 out)
{
  g_autofree char *n1 = g_strconcat (p, ".norm1", NULL);
  g_autofree char *c1 = g_strconcat (p, ".conv1", NULL);
  g_autofree char *n2 = g_strconcat (p, ".norm2", NULL);
  g_autofree char *c2 = g_strconcat (p, ".conv2", NULL);
  g_autofree char *sc = g_strconcat (p, ".nin_shortcut", NULL);
  group_norm (s, n1, in);
  conv (s, c1, out, in, 3);
  group_norm (s, n2, out);
  conv (s, c2, out, out, 3);
  if (in != out)
    conv (s, sc, out, in, 1);
}

static void
ae_mid (GArray *s, const char *side, gint64 C)
{
  const char *names[] = { "q", "k", "v", "proj_out" };
  g_autofree char *b1 = g_strconcat (side, ".mid.block_1", NULL);
  g_autofree char *b2 = g_strconcat (side, ".mid.block_2", NULL);
  g_autofree char *norm = g_strconcat (side, ".mid.attn_1.norm", NULL);
  ae_resnet (s, b1, C, C);
  group_norm (s, norm, C);
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *n = g_strdup_printf ("%s.mid.attn_1.%s", side, names[i]);
      conv (s, n, C, C, 1);
    }
  ae_resnet (s, b2, C, C);
}

static void
ae_expected (const RfAeConfig *c, GArray *s)
{
  const gint64 last = c->n_levels - 1;
  if (c->has_encoder)
    {
      gint64 block_in = c->ch;
      conv (s, "encoder.conv_in", c->ch, c->in_channels, 3);
      for (gint64 i = 0; i <= last; i++)
        {
          gint64 block_out = c->ch * c->ch_mult[i];
          for (gint64 j = 0; j < c->num_res_blocks; j++)
            {
              g_autofree char *p = g_strdup_printf ("encoder.down.%" G_GINT64_FORMAT ".block.%"
                                                    G_GINT64_FORMAT, i, j);
              ae_resnet (s, p, block_in, block_out);
              block_in = block_out;
            }
          if (i != last)
            {
              g_autofree char *p = g_strdup_printf ("encoder.down.%" G_GINT64_FORMAT
                                                    ".downsample.conv", i);
              conv (s, p, block_in, block_in, 3);
            }
        }
      ae_mid (s, "encoder", block_in);
      group_norm (s, "encoder.norm_out", block_in);
      conv (s, "encoder.conv_out", 2 * c->z_channels, block_in, 3);
    }
  if (c->has_decoder)
    {
      gint64 block_in = c->ch * c->ch_mult[last];
      conv (s, "decoder.conv_in", block_in, c->z_channels, 3);
      ae_mid (s, "decoder", block_in);
      for (gint64 i = last; i >= 0; i--)
        {
          gint64 block_out = c->ch * c->ch_mult[i];
          for (gint64 j = 0; j <= c->num_res_blocks; j++)
            {
              g_autofree char *p = g_strdup_printf ("decoder.up.%" G_GINT64_FORMAT ".block.%"
                                                    G_GINT64_FORMAT, i, j);
              ae_resnet (s, p, block_in, block_out);
              block_in = block_out;
            }
          if (i != 0)
            {
              g_autofree char *p = g_strdup_printf ("decoder.up.%" G_GINT64_FORMAT
                                                    ".upsample.conv", i);
              conv (s, p, block_in, block_in, 3);
            }
        }
      group_norm (s, "decoder.norm_out", block_in);
      conv (s, "decoder.conv_out", c->out_channels, block_in, 3);
    }
}

static void
clip_expected (const RfClipConfig *c, GArray *s)
{
  const gint64 D = c->hidden;
  spec2 (s, c->vocab, D, "text_model.embeddings.token_embedding.weight");
  spec2 (s, c->positions, D, "text_model.embeddings.position_embedding.weight");
  for (gint64 i = 0; i < c->layers; i++)
    {
      g_autofree char *p = g_strdup_printf ("text_model.encoder.layers.%" G_GINT64_FORMAT, i);
      const char *proj[] = { "q_proj", "k_proj", "v_proj", "out_proj" };
      for (gsize k = 0; k < G_N_ELEMENTS (proj); k++)
        {
          g_autofree char *n = g_strdup_printf ("%s.self_attn.%s", p, proj[k]);
          linear (s, n, D, D);
        }
      g_autofree char *ln1 = g_strconcat (p, ".layer_norm1", NULL);
      g_autofree char *ln2 = g_strconcat (p, ".layer_norm2", NULL);
      g_autofree char *fc1 = g_strconcat (p, ".mlp.fc1", NULL);
      g_autofree char *fc2 = g_strconcat (p, ".mlp.fc2", NULL);
      group_norm (s, ln1, D);
      linear (s, fc1, c->mlp_hidden, D);
      linear (s, fc2, D, c->mlp_hidden);
      group_norm (s, ln2, D);
    }
  group_norm (s, "text_model.final_layer_norm", D);
}

static void
t5_expected (const RfT5Config *c, GArray *s)
{
  const gint64 D = c->d_model, I = c->inner, F = c->d_ff;
  spec2 (s, c->vocab, D, "shared.weight");
  for (gint64 i = 0; i < c->layers; i++)
    {
      const char *p = "encoder.block";
      spec2 (s, I, D, "%s.%" G_GINT64_FORMAT ".layer.0.SelfAttention.q.weight", p, i);
      spec2 (s, I, D, "%s.%" G_GINT64_FORMAT ".layer.0.SelfAttention.k.weight", p, i);
      spec2 (s, I, D, "%s.%" G_GINT64_FORMAT ".layer.0.SelfAttention.v.weight", p, i);
      spec2 (s, D, I, "%s.%" G_GINT64_FORMAT ".layer.0.SelfAttention.o.weight", p, i);
      if (i == 0)
        spec2 (s, c->rel_buckets, c->heads,
               "%s.0.layer.0.SelfAttention.relative_attention_bias.weight", p);
      spec1 (s, D, "%s.%" G_GINT64_FORMAT ".layer.0.layer_norm.weight", p, i);
      spec2 (s, F, D, "%s.%" G_GINT64_FORMAT ".layer.1.DenseReluDense.wi_0.weight", p, i);
      spec2 (s, F, D, "%s.%" G_GINT64_FORMAT ".layer.1.DenseReluDense.wi_1.weight", p, i);
      spec2 (s, D, F, "%s.%" G_GINT64_FORMAT ".layer.1.DenseReluDense.wo.weight", p, i);
      spec1 (s, D, "%s.%" G_GINT64_FORMAT ".layer.1.layer_norm.weight", p, i);
    }
  spec1 (s, D, "encoder.final_layer_norm.weight");
}

void
rf_weight_expected (RfModelFamily family, const RfModelConfig *config, GArray *specs)
{
  switch (family)
    {
    case RF_FAMILY_FLUX_DIT: flux_expected (&config->flux, specs); break;
    case RF_FAMILY_AUTOENCODER: ae_expected (&config->ae, specs); break;
    case RF_FAMILY_CLIP_TEXT: clip_expected (&config->clip, specs); break;
    case RF_FAMILY_T5_ENCODER: t5_expected (&config->t5, specs); break;
    default: g_return_if_reached ();
    }
}

/* ---------------------------------------------------------------------
 * Hyper-parameter inference
 * ------------------------------------------------------------------- */

/* Dimension @d of canonical tensor @name, or 0 (and a problem) when it
 * is missing or has too few dims. */
static gint64
dim_of (const RfResolver *r, const char *name, int d, GString *problems)
{
  int ndim;
  gint64 shape[RF_MODEL_MAX_DIMS];
  if (rf_resolver_shape (r, name, &ndim, shape) && d < ndim && shape[d] > 0)
    return shape[d];
  g_string_append_printf (problems, "\n  cannot size the model: '%s' is missing or malformed", name);
  return 0;
}

static gboolean
infer_flux (RfResolver *r, RfFluxConfig *c, GString *p)
{
  gsize before = p->len;
  c->hidden = dim_of (r, "img_in.weight", 0, p);
  c->in_channels = dim_of (r, "img_in.weight", 1, p);
  c->context_dim = dim_of (r, "txt_in.weight", 1, p);
  c->vec_dim = dim_of (r, "vector_in.in_layer.weight", 1, p);
  c->out_channels = dim_of (r, "final_layer.linear.weight", 0, p);
  c->depth_double = rf_resolver_count (r, "double_blocks.%u.img_attn.qkv.weight");
  c->depth_single = rf_resolver_count (r, "single_blocks.%u.linear1.weight");
  if (c->depth_double > 0)
    {
      c->head_dim = dim_of (r, "double_blocks.0.img_attn.norm.query_norm.scale", 0, p);
      c->mlp_hidden = dim_of (r, "double_blocks.0.img_mlp.0.weight", 0, p);
    }
  else
    {
      c->head_dim = dim_of (r, "single_blocks.0.norm.query_norm.scale", 0, p);
      gint64 rows = dim_of (r, "single_blocks.0.linear1.weight", 0, p);
      c->mlp_hidden = rows - 3 * c->hidden;
    }
  if (p->len != before)
    return FALSE;
  if (c->head_dim <= 0 || c->hidden % c->head_dim != 0 || c->mlp_hidden <= 0)
    {
      g_string_append_printf (p, "\n  cannot size the model: hidden size %" G_GINT64_FORMAT
                              " is not a multiple of the head size %" G_GINT64_FORMAT,
                              c->hidden, c->head_dim);
      return FALSE;
    }
  c->heads = c->hidden / c->head_dim;
  c->guidance = rf_resolver_shape (r, "guidance_in.in_layer.weight", NULL, NULL);
  /* Fill: 64 latent + 64 masked-image latent + 256 packed-mask channels */
  if (c->in_channels == 384)
    c->variant = RF_FLUX_FILL;
  else
    c->variant = c->guidance ? RF_FLUX_DEV : RF_FLUX_SCHNELL;
  return TRUE;
}

static gboolean
infer_ae (RfResolver *r, RfAeConfig *c, GString *p)
{
  gsize before = p->len;
  c->has_encoder = rf_resolver_shape (r, "encoder.conv_in.weight", NULL, NULL);
  c->has_decoder = rf_resolver_shape (r, "decoder.conv_in.weight", NULL, NULL);
  /* diffusers numbers decoder levels from the top: count them first */
  r->n_rev = rf_resolver_count_raw (r, "decoder.up_blocks.%u.resnets.0.conv1.weight");
  if (!c->has_encoder && !c->has_decoder)
    {
      g_string_append (p, "\n  cannot size the model: neither encoder.conv_in nor decoder.conv_in");
      return FALSE;
    }
  if (c->has_encoder)
    {
      c->ch = dim_of (r, "encoder.conv_in.weight", 0, p);
      c->in_channels = dim_of (r, "encoder.conv_in.weight", 1, p);
      c->n_levels = rf_resolver_count (r, "encoder.down.%u.block.0.conv1.weight");
      c->num_res_blocks = rf_resolver_count (r, "encoder.down.0.block.%u.conv1.weight");
      c->z_channels = dim_of (r, "encoder.conv_out.weight", 0, p) / 2;
    }
  if (c->has_decoder)
    {
      c->ch = dim_of (r, "decoder.conv_out.weight", 1, p);
      c->out_channels = dim_of (r, "decoder.conv_out.weight", 0, p);
      c->z_channels = dim_of (r, "decoder.conv_in.weight", 1, p);
      if (!c->has_encoder)
        {
          c->n_levels = rf_resolver_count (r, "decoder.up.%u.block.0.conv1.weight");
          c->num_res_blocks = rf_resolver_count (r, "decoder.up.0.block.%u.conv1.weight") - 1;
        }
    }
  if (p->len != before)
    return FALSE;
  if (c->n_levels < 1 || c->n_levels > RF_AE_MAX_LEVELS || c->num_res_blocks < 1
      || c->ch <= 0 || c->z_channels <= 0)
    {
      g_string_append (p, "\n  cannot size the model: no complete level of resnet blocks");
      return FALSE;
    }
  const char *fmt = c->has_encoder ? "encoder.down.%" G_GINT64_FORMAT ".block.0.conv1.weight"
                                   : "decoder.up.%" G_GINT64_FORMAT ".block.0.conv1.weight";
  for (gint64 i = 0; i < c->n_levels; i++)
    {
      g_autofree char *n = g_strdup_printf (fmt, i);
      gint64 out = dim_of (r, n, 0, p);
      if (out % c->ch != 0)
        {
          g_string_append_printf (p, "\n  cannot size the model: '%s' has %" G_GINT64_FORMAT
                                  " channels, not a multiple of %" G_GINT64_FORMAT, n, out, c->ch);
          return FALSE;
        }
      c->ch_mult[i] = out / c->ch;
    }
  return p->len == before;
}

static gboolean
infer_clip (RfResolver *r, RfClipConfig *c, GString *p)
{
  gsize before = p->len;
  c->vocab = dim_of (r, "text_model.embeddings.token_embedding.weight", 0, p);
  c->hidden = dim_of (r, "text_model.embeddings.token_embedding.weight", 1, p);
  c->positions = dim_of (r, "text_model.embeddings.position_embedding.weight", 0, p);
  c->mlp_hidden = dim_of (r, "text_model.encoder.layers.0.mlp.fc1.weight", 0, p);
  c->layers = rf_resolver_count (r, "text_model.encoder.layers.%u.self_attn.q_proj.weight");
  /* the head count is not stored: the two CLIPs FLUX/SD3 use, else 64-wide heads */
  c->heads = c->hidden == 768 ? 12 : c->hidden == 1280 ? 20 : MAX (1, c->hidden / 64);
  return p->len == before;
}

static gboolean
infer_t5 (RfResolver *r, RfT5Config *c, GString *p)
{
  gsize before = p->len;
  const char *rel = "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight";
  c->vocab = dim_of (r, "shared.weight", 0, p);
  c->d_model = dim_of (r, "shared.weight", 1, p);
  c->inner = dim_of (r, "encoder.block.0.layer.0.SelfAttention.q.weight", 0, p);
  c->d_ff = dim_of (r, "encoder.block.0.layer.1.DenseReluDense.wi_0.weight", 0, p);
  c->rel_buckets = dim_of (r, rel, 0, p);
  c->heads = dim_of (r, rel, 1, p);
  c->layers = rf_resolver_count (r, "encoder.block.%u.layer.0.SelfAttention.q.weight");
  return p->len == before;
}

gboolean
rf_weight_infer_config (RfModelFamily family, RfResolver *r, RfModelConfig *config,
                        GString *problems)
{
  memset (config, 0, sizeof *config);
  switch (family)
    {
    case RF_FAMILY_FLUX_DIT: return infer_flux (r, &config->flux, problems);
    case RF_FAMILY_AUTOENCODER: return infer_ae (r, &config->ae, problems);
    case RF_FAMILY_CLIP_TEXT: return infer_clip (r, &config->clip, problems);
    case RF_FAMILY_T5_ENCODER: return infer_t5 (r, &config->t5, problems);
    default: g_return_val_if_reached (FALSE);
    }
}

/* ---------------------------------------------------------------------
 * Schemes
 * ------------------------------------------------------------------- */

#define COPY1(c, s) { c, RF_WEIGHT_COPY, { s } }

/* diffusers FluxTransformer2DModel (convert_flux_to_diffusers.py) */
static const RfNameRule flux_diffusers[] = {
  COPY1 ("img_in.{w}", "x_embedder.{w}"),
  COPY1 ("txt_in.{w}", "context_embedder.{w}"),
  COPY1 ("time_in.in_layer.{w}", "time_text_embed.timestep_embedder.linear_1.{w}"),
  COPY1 ("time_in.out_layer.{w}", "time_text_embed.timestep_embedder.linear_2.{w}"),
  COPY1 ("vector_in.in_layer.{w}", "time_text_embed.text_embedder.linear_1.{w}"),
  COPY1 ("vector_in.out_layer.{w}", "time_text_embed.text_embedder.linear_2.{w}"),
  COPY1 ("guidance_in.in_layer.{w}", "time_text_embed.guidance_embedder.linear_1.{w}"),
  COPY1 ("guidance_in.out_layer.{w}", "time_text_embed.guidance_embedder.linear_2.{w}"),
  COPY1 ("final_layer.linear.{w}", "proj_out.{w}"),
  /* diffusers' AdaLayerNormContinuous chunks (scale, shift), BFL (shift, scale) */
  { "final_layer.adaLN_modulation.1.{w}", RF_WEIGHT_SWAP_HALVES, { "norm_out.linear.{w}" } },
  COPY1 ("double_blocks.{i}.img_mod.lin.{w}", "transformer_blocks.{i}.norm1.linear.{w}"),
  COPY1 ("double_blocks.{i}.txt_mod.lin.{w}", "transformer_blocks.{i}.norm1_context.linear.{w}"),
  { "double_blocks.{i}.img_attn.qkv.{w}", RF_WEIGHT_CONCAT0,
    { "transformer_blocks.{i}.attn.to_q.{w}", "transformer_blocks.{i}.attn.to_k.{w}",
      "transformer_blocks.{i}.attn.to_v.{w}" } },
  { "double_blocks.{i}.txt_attn.qkv.{w}", RF_WEIGHT_CONCAT0,
    { "transformer_blocks.{i}.attn.add_q_proj.{w}", "transformer_blocks.{i}.attn.add_k_proj.{w}",
      "transformer_blocks.{i}.attn.add_v_proj.{w}" } },
  COPY1 ("double_blocks.{i}.img_attn.norm.query_norm.scale", "transformer_blocks.{i}.attn.norm_q.weight"),
  COPY1 ("double_blocks.{i}.img_attn.norm.key_norm.scale", "transformer_blocks.{i}.attn.norm_k.weight"),
  COPY1 ("double_blocks.{i}.txt_attn.norm.query_norm.scale",
         "transformer_blocks.{i}.attn.norm_added_q.weight"),
  COPY1 ("double_blocks.{i}.txt_attn.norm.key_norm.scale",
         "transformer_blocks.{i}.attn.norm_added_k.weight"),
  COPY1 ("double_blocks.{i}.img_attn.proj.{w}", "transformer_blocks.{i}.attn.to_out.0.{w}"),
  COPY1 ("double_blocks.{i}.txt_attn.proj.{w}", "transformer_blocks.{i}.attn.to_add_out.{w}"),
  COPY1 ("double_blocks.{i}.img_mlp.0.{w}", "transformer_blocks.{i}.ff.net.0.proj.{w}"),
  COPY1 ("double_blocks.{i}.img_mlp.2.{w}", "transformer_blocks.{i}.ff.net.2.{w}"),
  COPY1 ("double_blocks.{i}.txt_mlp.0.{w}", "transformer_blocks.{i}.ff_context.net.0.proj.{w}"),
  COPY1 ("double_blocks.{i}.txt_mlp.2.{w}", "transformer_blocks.{i}.ff_context.net.2.{w}"),
  COPY1 ("single_blocks.{i}.modulation.lin.{w}", "single_transformer_blocks.{i}.norm.linear.{w}"),
  { "single_blocks.{i}.linear1.{w}", RF_WEIGHT_CONCAT0,
    { "single_transformer_blocks.{i}.attn.to_q.{w}", "single_transformer_blocks.{i}.attn.to_k.{w}",
      "single_transformer_blocks.{i}.attn.to_v.{w}", "single_transformer_blocks.{i}.proj_mlp.{w}" } },
  COPY1 ("single_blocks.{i}.norm.query_norm.scale", "single_transformer_blocks.{i}.attn.norm_q.weight"),
  COPY1 ("single_blocks.{i}.norm.key_norm.scale", "single_transformer_blocks.{i}.attn.norm_k.weight"),
  COPY1 ("single_blocks.{i}.linear2.{w}", "single_transformer_blocks.{i}.proj_out.{w}"),
};

/* diffusers AutoencoderKL; attention projections are Linear there and
 * 1×1 convs in BFL's AutoEncoder (same elements). */
#define AE_MID(side)                                                                      \
  COPY1 (side ".mid.block_1.{v}.{w}", side ".mid_block.resnets.0.{v}.{w}"),               \
  COPY1 (side ".mid.block_2.{v}.{w}", side ".mid_block.resnets.1.{v}.{w}"),               \
  COPY1 (side ".mid.attn_1.norm.{w}", side ".mid_block.attentions.0.group_norm.{w}"),     \
  { side ".mid.attn_1.q.{w}", RF_WEIGHT_RESHAPE, { side ".mid_block.attentions.0.to_q.{w}" } }, \
  { side ".mid.attn_1.k.{w}", RF_WEIGHT_RESHAPE, { side ".mid_block.attentions.0.to_k.{w}" } }, \
  { side ".mid.attn_1.v.{w}", RF_WEIGHT_RESHAPE, { side ".mid_block.attentions.0.to_v.{w}" } }, \
  { side ".mid.attn_1.proj_out.{w}", RF_WEIGHT_RESHAPE,                                  \
    { side ".mid_block.attentions.0.to_out.0.{w}" } },                                    \
  COPY1 (side ".norm_out.{w}", side ".conv_norm_out.{w}")

static const RfNameRule ae_diffusers[] = {
  COPY1 ("encoder.down.{i}.block.{j}.nin_shortcut.{w}",
         "encoder.down_blocks.{i}.resnets.{j}.conv_shortcut.{w}"),
  COPY1 ("encoder.down.{i}.block.{j}.{v}.{w}", "encoder.down_blocks.{i}.resnets.{j}.{v}.{w}"),
  COPY1 ("encoder.down.{i}.downsample.conv.{w}", "encoder.down_blocks.{i}.downsamplers.0.conv.{w}"),
  AE_MID ("encoder"),
  COPY1 ("decoder.up.{i}.block.{j}.nin_shortcut.{w}",
         "decoder.up_blocks.{u}.resnets.{j}.conv_shortcut.{w}"),
  COPY1 ("decoder.up.{i}.block.{j}.{v}.{w}", "decoder.up_blocks.{u}.resnets.{j}.{v}.{w}"),
  COPY1 ("decoder.up.{i}.upsample.conv.{w}", "decoder.up_blocks.{u}.upsamplers.0.conv.{w}"),
  AE_MID ("decoder"),
};

/* llama.cpp's T5 encoder names (LLM_ARCH_T5ENCODER), as in city96's
 * t5-v1_1-xxl-encoder GGUFs. */
static const RfNameRule t5_llama_cpp[] = {
  COPY1 ("shared.weight", "token_embd.weight"),
  COPY1 ("encoder.block.{i}.layer.0.SelfAttention.q.weight", "enc.blk.{i}.attn_q.weight"),
  COPY1 ("encoder.block.{i}.layer.0.SelfAttention.k.weight", "enc.blk.{i}.attn_k.weight"),
  COPY1 ("encoder.block.{i}.layer.0.SelfAttention.v.weight", "enc.blk.{i}.attn_v.weight"),
  COPY1 ("encoder.block.{i}.layer.0.SelfAttention.o.weight", "enc.blk.{i}.attn_o.weight"),
  COPY1 ("encoder.block.{i}.layer.0.SelfAttention.relative_attention_bias.weight",
         "enc.blk.{i}.attn_rel_b.weight"),
  COPY1 ("encoder.block.{i}.layer.0.layer_norm.weight", "enc.blk.{i}.attn_norm.weight"),
  COPY1 ("encoder.block.{i}.layer.1.DenseReluDense.wi_0.weight", "enc.blk.{i}.ffn_gate.weight"),
  COPY1 ("encoder.block.{i}.layer.1.DenseReluDense.wi_1.weight", "enc.blk.{i}.ffn_up.weight"),
  COPY1 ("encoder.block.{i}.layer.1.DenseReluDense.wo.weight", "enc.blk.{i}.ffn_down.weight"),
  COPY1 ("encoder.block.{i}.layer.1.layer_norm.weight", "enc.blk.{i}.ffn_norm.weight"),
  COPY1 ("encoder.final_layer_norm.weight", "enc.output_norm.weight"),
};

/* transformers T5: the input embedding is stored as "shared" and, tied,
 * often again as "encoder.embed_tokens". */
static const RfNameRule t5_canonical[] = {
  { "shared.weight", RF_WEIGHT_ANY, { "shared.weight", "encoder.embed_tokens.weight" } },
};

const RfNameRule *
rf_weight_rules (RfModelFamily family, RfNameScheme scheme, guint *n)
{
  *n = 0;
  if (family == RF_FAMILY_FLUX_DIT && scheme == RF_NAME_SCHEME_DIFFUSERS)
    return (*n = G_N_ELEMENTS (flux_diffusers)), flux_diffusers;
  if (family == RF_FAMILY_AUTOENCODER && scheme == RF_NAME_SCHEME_DIFFUSERS)
    return (*n = G_N_ELEMENTS (ae_diffusers)), ae_diffusers;
  if (family == RF_FAMILY_T5_ENCODER && scheme == RF_NAME_SCHEME_LLAMA_CPP)
    return (*n = G_N_ELEMENTS (t5_llama_cpp)), t5_llama_cpp;
  if (family == RF_FAMILY_T5_ENCODER && scheme == RF_NAME_SCHEME_CANONICAL)
    return (*n = G_N_ELEMENTS (t5_canonical)), t5_canonical;
  return NULL;
}

const char *const *
rf_weight_ignorable (RfModelFamily family)
{
  static const char *const none[] = { NULL };
  /* buffers and heads of the full models that text encoding never uses */
  static const char *const clip[] = {
    "text_model.embeddings.position_ids", "text_projection.weight", "logit_scale",
    "vision_model.", "visual_projection.weight", NULL
  };
  static const char *const t5[] = { "decoder.", "lm_head.weight", NULL };
  switch (family)
    {
    case RF_FAMILY_CLIP_TEXT: return clip;
    case RF_FAMILY_T5_ENCODER: return t5;
    default: return none;
    }
}

const char *const *
rf_weight_markers (RfModelFamily family, RfNameScheme scheme)
{
  static const char *const none[] = { NULL };
  static const char *const flux[] = {
    "double_blocks.0.img_attn.qkv.weight", "single_blocks.0.linear1.weight", NULL };
  /* SD3 has transformer_blocks too; single_transformer_blocks is FLUX's */
  static const char *const flux_diff[] = { "single_transformer_blocks.0.norm.linear.weight", NULL };
  static const char *const ae[] = {
    "encoder.down.0.block.0.conv1.weight", "decoder.up.0.block.0.conv1.weight", NULL };
  static const char *const ae_diff[] = {
    "encoder.down_blocks.0.resnets.0.conv1.weight",
    "decoder.up_blocks.0.resnets.0.conv1.weight", NULL };
  static const char *const clip[] = { "text_model.encoder.layers.0.self_attn.q_proj.weight", NULL };
  static const char *const t5[] = { "encoder.block.0.layer.0.SelfAttention.q.weight", NULL };
  static const char *const t5_gguf[] = { "enc.blk.0.attn_q.weight", NULL };
  switch (family)
    {
    case RF_FAMILY_FLUX_DIT:
      return scheme == RF_NAME_SCHEME_CANONICAL ? flux
             : scheme == RF_NAME_SCHEME_DIFFUSERS ? flux_diff : none;
    case RF_FAMILY_AUTOENCODER:
      return scheme == RF_NAME_SCHEME_CANONICAL ? ae
             : scheme == RF_NAME_SCHEME_DIFFUSERS ? ae_diff : none;
    case RF_FAMILY_CLIP_TEXT:
      return scheme == RF_NAME_SCHEME_CANONICAL ? clip : none;
    case RF_FAMILY_T5_ENCODER:
      return scheme == RF_NAME_SCHEME_CANONICAL ? t5
             : scheme == RF_NAME_SCHEME_LLAMA_CPP ? t5_gguf : none;
    default:
      return none;
    }
}
