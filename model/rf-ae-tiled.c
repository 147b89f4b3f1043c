/* rf-ae-tiled.c — encode/decode in overlapping tiles so any image size
 * fits a memory budget. Each tile is run on its own; overlaps are blended
 * with weights that ramp linearly across the overlap (and stay 1 at the
 * image border), accumulated on the host, then normalised — no seams. */
#include <string.h>

#include "rf-ae-tiled.h"
#include "rf-error.h"

/* Tile origins along an axis of @size: every @step, the last one flush
 * with the end. */
static int
tile_starts (gint64 size, gint64 tile, gint64 overlap, gint64 *starts, int max)
{
  if (size <= tile)
    {
      starts[0] = 0;
      return 1;
    }
  gint64 step = MAX (1, tile - overlap);
  int n = 0;
  for (gint64 s = 0; n < max; s += step)
    {
      if (s + tile >= size)
        {
          starts[n++] = size - tile;
          break;
        }
      starts[n++] = s;
    }
  return n;
}

/* Weight of position @x in a tile [start, start + len) of an axis of
 * @size where neighbours overlap by @ramp positions. The outer quarter of
 * the overlap gets weight 0: there the tile saw zero padding instead of
 * its neighbour's pixels, so only the neighbour's values count. Then it
 * ramps linearly to 1. At the image border there is no ramp. */
static float
ramp_weight (gint64 x, gint64 start, gint64 len, gint64 size, gint64 ramp)
{
  float w = 1.0f;
  if (ramp <= 0)
    return w;
  gint64 margin = ramp / 4;
  float span = (float) MAX (ramp - 2 * margin, 1);
  if (start > 0)
    w = MIN (w, (x - margin + 0.5f) / span);
  if (start + len < size)
    w = MIN (w, (len - x - margin - 0.5f) / span);
  /* never exactly 0, so a pixel that only edges cover still gets a value */
  return MAX (w, 1e-6f);
}

RfTensor *
rf_tiled_apply (const RfTensor *in, gint64 tile, gint64 overlap, int num, int den,
                gint64 out_c, RfTileFunc code, gpointer code_data, RfAeProgressFunc progress,
                gpointer progress_data, GError **error)
{
  RfBackend *be = rf_tensor_backend (in);
  gint64 h = in->shape[2], w = in->shape[3];
  gint64 oh = h * num / den, ow = w * num / den;
  gint64 ys[4096], xs[4096];
  int ny = tile_starts (h, tile, overlap, ys, G_N_ELEMENTS (ys));
  int nx = tile_starts (w, tile, overlap, xs, G_N_ELEMENTS (xs));
  gint64 n_out = out_c * oh * ow;
  g_autofree float *acc = g_try_new0 (float, n_out);
  g_autofree float *wsum = g_try_new0 (float, oh * ow);
  if (acc == NULL || wsum == NULL)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY,
                   "autoencoder: cannot allocate a %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                   " output on the host", ow, oh);
      return NULL;
    }
  gint64 ramp = overlap * num / den;
  if (in->ndim != 4 || in->shape[0] != 1 || tile < 1 || overlap < 0 || overlap >= tile)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_INVALID,
                   "tiling: needs a [1, C, H, W] input and 0 <= overlap < tile");
      return NULL;
    }
  for (int ty = 0; ty < ny; ty++)
    for (int tx = 0; tx < nx; tx++)
      {
        gint64 th = MIN (tile, h), tw = MIN (tile, w);
        g_autoptr (RfTensor) rows = rf_tensor_view_narrow (in, 2, ys[ty], th, error);
        g_autoptr (RfTensor) part = rows ? rf_tensor_view_narrow (rows, 3, xs[tx], tw, error) : NULL;
        g_autoptr (RfTensor) res = part ? code (code_data, part, error) : NULL;
        g_autofree float *host = res ? rf_tensor_read_f32 (res, error) : NULL;
        if (host == NULL)
          return NULL;
        gint64 rh = res->shape[2], rw = res->shape[3];
        if (rh != th * num / den || rw != tw * num / den || res->shape[1] != out_c)
          {
            g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                         "tiling: a tile function returned the wrong shape");
            return NULL;
          }
        gint64 oy = ys[ty] * num / den, ox = xs[tx] * num / den;
        for (gint64 y = 0; y < rh; y++)
          {
            float wy = ramp_weight (y, oy, rh, oh, ramp);
            for (gint64 x = 0; x < rw; x++)
              {
                float wt = wy * ramp_weight (x, ox, rw, ow, ramp);
                gint64 o = (oy + y) * ow + ox + x;
                wsum[o] += wt;
                for (gint64 c = 0; c < out_c; c++)
                  acc[c * oh * ow + o] += wt * host[(c * rh + y) * rw + x];
              }
          }
        if (progress != NULL && !progress (progress_data, ty * nx + tx + 1, ny * nx, error))
          return NULL;
      }
  for (gint64 c = 0; c < out_c; c++)
    for (gint64 o = 0; o < oh * ow; o++)
      acc[c * oh * ow + o] /= wsum[o];
  g_autoptr (RfTensor) out = rf_tensor_new_4d (be, RF_DTYPE_F32, 4, 1, out_c, oh, ow, error);
  if (out == NULL || !rf_tensor_write_f32 (out, acc, n_out, error))
    return NULL;
  return g_steal_pointer (&out);
}

static RfTensor *
decode_tile (gpointer ae, const RfTensor *tile, GError **error)
{
  return rf_ae_decode (ae, tile, error);
}

static RfTensor *
encode_tile (gpointer ae, const RfTensor *tile, GError **error)
{
  return rf_ae_encode (ae, tile, error);
}

RfTensor *
rf_ae_decode_tiled (RfAe *ae, const RfTensor *latent, int tile, int overlap,
                    RfAeProgressFunc progress, gpointer progress_data, GError **error)
{
  const RfAeParams *cf = rf_ae_get_config (ae);
  if (tile < 1 || overlap < 0 || overlap >= tile)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_INVALID,
                   "autoencoder: tile %d with overlap %d is not usable", tile, overlap);
      return NULL;
    }
  int f = rf_ae_get_factor (ae);
  return rf_tiled_apply (latent, tile, overlap, f, 1, cf->out_channels,
                         decode_tile, ae, progress, progress_data, error);
}

RfTensor *
rf_ae_encode_tiled (RfAe *ae, const RfTensor *image, int tile, int overlap,
                    RfAeProgressFunc progress, gpointer progress_data, GError **error)
{
  const RfAeParams *cf = rf_ae_get_config (ae);
  int f = rf_ae_get_factor (ae);
  if (tile < 1 || overlap < 0 || overlap >= tile)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_INVALID,
                   "autoencoder: tile %d with overlap %d is not usable", tile, overlap);
      return NULL;
    }
  if (image->ndim != 4 || image->shape[2] % f || image->shape[3] % f)
    {
      char d[96];
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                   "autoencoder: image %s must be [1, 3, H, W] with H and W multiples of %d",
                   rf_tensor_describe (image, d, sizeof d), f);
      return NULL;
    }
  /* tiles and overlaps in image pixels, multiples of the factor */
  return rf_tiled_apply (image, (gint64) tile * f, (gint64) overlap * f, 1, f, cf->z_channels,
                         encode_tile, ae, progress, progress_data, error);
}
