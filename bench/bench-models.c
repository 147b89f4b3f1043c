/* bench-models.c — the medium model set of the benchmarks, random
 * weights (see bench-models.h). */
#include <math.h>

#include "bench-models.h"
#include "rf-dtype.h"
#include "rf-philox.h"
#include "rf-safetensors-writer.h"

typedef struct {
  RfSafetensorsWriter *w;
  guint64 stream;
  gboolean ok;
} Writer;

static void
put (Writer *wr, const char *name, int ndim, gint64 d0, gint64 d1, gint64 d2, gint64 d3,
     float scale, float offset)
{
  gint64 shape[4] = { d0, d1, d2, d3 };
  gint64 n = 1;
  for (int i = 0; i < ndim; i++)
    n *= shape[i];
  g_autofree float *f = g_new (float, n);
  rf_philox_normal (7, wr->stream++, 0, f, n);
  g_autofree guint16 *h = g_new (guint16, n);
  for (gint64 i = 0; i < n; i++)
    h[i] = rf_f32_to_f16 (offset + scale * f[i]);
  wr->ok &= rf_safetensors_writer_add (wr->w, name, RF_DTYPE_F16, ndim, shape, h, NULL);
}

static void
linear (Writer *wr, const char *name, gint64 out, gint64 in)
{
  g_autofree char *w = g_strconcat (name, ".weight", NULL);
  g_autofree char *b = g_strconcat (name, ".bias", NULL);
  put (wr, w, 2, out, in, 0, 0, 1.f / sqrtf ((float) in), 0);
  put (wr, b, 1, out, 0, 0, 0, 0.01f, 0);
}

gboolean
bench_write_medium_flux (const char *path)
{
  const gint64 H = 512, M = 2048, D = 128, CTX = 4096, VEC = 768;
  Writer wr = { rf_safetensors_writer_new (), 1, TRUE };
  linear (&wr, "img_in", H, 64);
  linear (&wr, "time_in.in_layer", H, 256);
  linear (&wr, "time_in.out_layer", H, H);
  linear (&wr, "vector_in.in_layer", H, VEC);
  linear (&wr, "vector_in.out_layer", H, H);
  linear (&wr, "guidance_in.in_layer", H, 256);
  linear (&wr, "guidance_in.out_layer", H, H);
  linear (&wr, "txt_in", H, CTX);
  for (int i = 0; i < 2; i++)
    for (int s = 0; s < 2; s++)
      {
        g_autofree char *p = g_strdup_printf ("double_blocks.%d.%s", i, s ? "txt" : "img");
        char n[128];
        g_snprintf (n, sizeof n, "%s_mod.lin", p);
        linear (&wr, n, 6 * H, H);
        g_snprintf (n, sizeof n, "%s_attn.qkv", p);
        linear (&wr, n, 3 * H, H);
        g_snprintf (n, sizeof n, "%s_attn.norm.query_norm.scale", p);
        put (&wr, n, 1, D, 0, 0, 0, 0.04f, 1);
        g_snprintf (n, sizeof n, "%s_attn.norm.key_norm.scale", p);
        put (&wr, n, 1, D, 0, 0, 0, 0.04f, 1);
        g_snprintf (n, sizeof n, "%s_attn.proj", p);
        linear (&wr, n, H, H);
        g_snprintf (n, sizeof n, "%s_mlp.0", p);
        linear (&wr, n, M, H);
        g_snprintf (n, sizeof n, "%s_mlp.2", p);
        linear (&wr, n, H, M);
      }
  for (int i = 0; i < 4; i++)
    {
      char n[128];
      g_snprintf (n, sizeof n, "single_blocks.%d.linear1", i);
      linear (&wr, n, 3 * H + M, H);
      g_snprintf (n, sizeof n, "single_blocks.%d.linear2", i);
      linear (&wr, n, H, H + M);
      g_snprintf (n, sizeof n, "single_blocks.%d.norm.query_norm.scale", i);
      put (&wr, n, 1, D, 0, 0, 0, 0.04f, 1);
      g_snprintf (n, sizeof n, "single_blocks.%d.norm.key_norm.scale", i);
      put (&wr, n, 1, D, 0, 0, 0, 0.04f, 1);
      g_snprintf (n, sizeof n, "single_blocks.%d.modulation.lin", i);
      linear (&wr, n, 3 * H, H);
    }
  linear (&wr, "final_layer.linear", 64, H);
  linear (&wr, "final_layer.adaLN_modulation.1", 2 * H, H);
  rf_safetensors_writer_set_metadata (wr.w, "rectify.test_model", "1");
  gboolean ok = wr.ok && rf_safetensors_writer_save (wr.w, path, NULL);
  rf_safetensors_writer_free (wr.w);
  return ok;
}

static void
conv (Writer *wr, const char *name, gint64 out, gint64 in, gint64 k)
{
  g_autofree char *w = g_strconcat (name, ".weight", NULL);
  g_autofree char *b = g_strconcat (name, ".bias", NULL);
  put (wr, w, 4, out, in, k, k, 1.f / sqrtf ((float) (in * k * k)), 0);
  put (wr, b, 1, out, 0, 0, 0, 0.01f, 0);
}

static void
norm (Writer *wr, const char *name, gint64 ch)
{
  g_autofree char *w = g_strconcat (name, ".weight", NULL);
  g_autofree char *b = g_strconcat (name, ".bias", NULL);
  put (wr, w, 1, ch, 0, 0, 0, 0.04f, 1);
  put (wr, b, 1, ch, 0, 0, 0, 0.01f, 0);
}

static void
resnet (Writer *wr, const char *p, gint64 in, gint64 out)
{
  char n[160];
  g_snprintf (n, sizeof n, "%s.norm1", p);
  norm (wr, n, in);
  g_snprintf (n, sizeof n, "%s.conv1", p);
  conv (wr, n, out, in, 3);
  g_snprintf (n, sizeof n, "%s.norm2", p);
  norm (wr, n, out);
  g_snprintf (n, sizeof n, "%s.conv2", p);
  conv (wr, n, out, out, 3);
  if (in != out)
    {
      g_snprintf (n, sizeof n, "%s.nin_shortcut", p);
      conv (wr, n, out, in, 1);
    }
}

static void
mid (Writer *wr, const char *side, gint64 c)
{
  char n[160];
  g_snprintf (n, sizeof n, "%s.mid.block_1", side);
  resnet (wr, n, c, c);
  g_snprintf (n, sizeof n, "%s.mid.attn_1.norm", side);
  norm (wr, n, c);
  const char *names[] = { "q", "k", "v", "proj_out" };
  for (int i = 0; i < 4; i++)
    {
      g_snprintf (n, sizeof n, "%s.mid.attn_1.%s", side, names[i]);
      conv (wr, n, c, c, 1);
    }
  g_snprintf (n, sizeof n, "%s.mid.block_2", side);
  resnet (wr, n, c, c);
}

/* FLUX's autoencoder layout with ch 64, ch_mult 1,2,4,4, one resnet per level. */
gboolean
bench_write_medium_ae (const char *path)
{
  const gint64 ch = 64, mult[4] = { 1, 2, 4, 4 }, z = 16;
  Writer wr = { rf_safetensors_writer_new (), 1000, TRUE };
  char n[160];
  conv (&wr, "encoder.conv_in", ch, 3, 3);
  gint64 in = ch;
  for (int i = 0; i < 4; i++)
    {
      g_snprintf (n, sizeof n, "encoder.down.%d.block.0", i);
      resnet (&wr, n, in, ch * mult[i]);
      in = ch * mult[i];
      if (i != 3)
        {
          g_snprintf (n, sizeof n, "encoder.down.%d.downsample.conv", i);
          conv (&wr, n, in, in, 3);
        }
    }
  mid (&wr, "encoder", in);
  norm (&wr, "encoder.norm_out", in);
  conv (&wr, "encoder.conv_out", 2 * z, in, 3);
  in = ch * mult[3];
  conv (&wr, "decoder.conv_in", in, z, 3);
  mid (&wr, "decoder", in);
  for (int i = 3; i >= 0; i--)
    {
      for (int j = 0; j < 2; j++)
        {
          g_snprintf (n, sizeof n, "decoder.up.%d.block.%d", i, j);
          resnet (&wr, n, in, ch * mult[i]);
          in = ch * mult[i];
        }
      if (i != 0)
        {
          g_snprintf (n, sizeof n, "decoder.up.%d.upsample.conv", i);
          conv (&wr, n, in, in, 3);
        }
    }
  norm (&wr, "decoder.norm_out", in);
  conv (&wr, "decoder.conv_out", 3, in, 3);
  gboolean ok = wr.ok && rf_safetensors_writer_save (wr.w, path, NULL);
  rf_safetensors_writer_free (wr.w);
  return ok;
}

