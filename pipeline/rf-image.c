/* rf-image.c — host float images: allocation, crop, resampling (no engine:
 * clients of the service link this; tensors are in rf-image-tensor.c). */
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "rf-error.h"
#include "rf-image.h"

/* 2^28 pixels (16k × 16k): beyond any image GIMP users edit with these
 * models, and small enough that pixel counts times channels never overflow. */
#define RF_IMAGE_MAX_PIXELS (G_GINT64_CONSTANT (1) << 28)

RfImage *
rf_image_new (int width, int height, int channels, GError **error)
{
  if (width < 1 || height < 1 || (channels != 1 && channels != 4)
      || (gint64) width * height > RF_IMAGE_MAX_PIXELS)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_INVALID,
                   _("Cannot make a %d×%d image with %d channels"), width, height, channels);
      return NULL;
    }
  float *data = g_try_new0 (float, (gsize) width * height * channels);
  if (data == NULL)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY,
                   _("Out of memory for a %d×%d image"), width, height);
      return NULL;
    }
  RfImage *im = g_new0 (RfImage, 1);
  im->width = width;
  im->height = height;
  im->channels = channels;
  im->bits = 32;
  im->data = data;
  return im;
}

void
rf_image_free (RfImage *image)
{
  if (image == NULL)
    return;
  g_free (image->data);
  g_free (image);
}

RfImage *
rf_image_copy (const RfImage *image)
{
  g_return_val_if_fail (image != NULL, NULL);
  RfImage *c = rf_image_new (image->width, image->height, image->channels, NULL);
  if (c == NULL)
    return NULL;
  c->bits = image->bits;
  memcpy (c->data, image->data, sizeof (float) * image->width * image->height * image->channels);
  return c;
}

RfImage *
rf_image_crop (const RfImage *image, int x, int y, int w, int h)
{
  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (x >= 0 && y >= 0 && w > 0 && h > 0, NULL);
  g_return_val_if_fail (x + w <= image->width && y + h <= image->height, NULL);
  RfImage *c = rf_image_new (w, h, image->channels, NULL);
  if (c == NULL)
    return NULL;
  c->bits = image->bits;
  for (int r = 0; r < h; r++)
    memcpy (rf_image_pixel (c, 0, r), rf_image_pixel (image, x, y + r),
            sizeof (float) * w * image->channels);
  return c;
}

/* Filter taps for one axis: output o reads n[o] inputs from first[o] with
 * weights w[o·max_taps ..] summing to 1. */
typedef struct {
  int *first, *n;
  float *w;
  int max_taps;
} Taps;

static void
taps_clear (Taps *t)
{
  g_free (t->first);
  g_free (t->n);
  g_free (t->w);
}

static void
taps_init (Taps *t, int in, int out)
{
  double scale = (double) in / out;
  double support = MAX (1.0, scale);  /* triangle half-width in input pixels */
  t->max_taps = (int) ceil (2 * support) + 2;
  t->first = g_new (int, out);
  t->n = g_new (int, out);
  t->w = g_new0 (float, (gsize) out * t->max_taps);
  for (int o = 0; o < out; o++)
    {
      double c = (o + 0.5) * scale - 0.5;
      int lo = (int) floor (c - support) + 1, hi = (int) ceil (c + support) - 1;
      lo = MAX (lo, 0);
      hi = MIN (hi, in - 1);
      if (hi - lo + 1 > t->max_taps)
        hi = lo + t->max_taps - 1;
      double sum = 0;
      float *w = t->w + (gsize) o * t->max_taps;
      for (int i = lo; i <= hi; i++)
        {
          double x = 1.0 - fabs (i - c) / support;
          w[i - lo] = (float) MAX (x, 0.0);
          sum += w[i - lo];
        }
      if (sum <= 0)
        {
          /* the nearest pixel alone (only reachable on degenerate sizes) */
          lo = CLAMP ((int) floor (c + 0.5), 0, in - 1);
          hi = lo;
          w[0] = 1;
          sum = 1;
        }
      for (int i = 0; i <= hi - lo; i++)
        w[i] = (float) (w[i] / sum);
      t->first[o] = lo;
      t->n[o] = hi - lo + 1;
    }
}

/* Resamples @src (w × h × c floats) to (ow × oh × c). */
static void
resample (const float *src, int w, int h, int c, float *dst, int ow, int oh)
{
  Taps tx, ty;
  taps_init (&tx, w, ow);
  taps_init (&ty, h, oh);
  float *tmp = g_new0 (float, (gsize) ow * h * c);   /* horizontal pass */
  for (int y = 0; y < h; y++)
    for (int o = 0; o < ow; o++)
      {
        const float *wt = tx.w + (gsize) o * tx.max_taps;
        float *d = tmp + ((gsize) y * ow + o) * c;
        for (int i = 0; i < tx.n[o]; i++)
          {
            const float *s = src + ((gsize) y * w + tx.first[o] + i) * c;
            for (int k = 0; k < c; k++)
              d[k] += wt[i] * s[k];
          }
      }
  memset (dst, 0, sizeof (float) * ow * oh * c);
  for (int o = 0; o < oh; o++)
    {
      const float *wt = ty.w + (gsize) o * ty.max_taps;
      for (int i = 0; i < ty.n[o]; i++)
        {
          const float *s = tmp + (gsize) (ty.first[o] + i) * ow * c;
          float *d = dst + (gsize) o * ow * c;
          for (gsize k = 0; k < (gsize) ow * c; k++)
            d[k] += wt[i] * s[k];
        }
    }
  g_free (tmp);
  taps_clear (&tx);
  taps_clear (&ty);
}

RfImage *
rf_image_resize (const RfImage *image, int width, int height)
{
  g_return_val_if_fail (image != NULL, NULL);
  if (width == image->width && height == image->height)
    return rf_image_copy (image);
  RfImage *out = rf_image_new (width, height, image->channels, NULL);
  if (out == NULL)
    return NULL;
  out->bits = image->bits;
  if (image->channels == 1)
    {
      resample (image->data, image->width, image->height, 1, out->data, width, height);
      return out;
    }
  /* RGBA: premultiplied colour, alpha, and plain colour for where the
   * resampled alpha vanishes (colour of fully transparent areas) */
  gsize n_in = (gsize) image->width * image->height, n_out = (gsize) width * height;
  float *in7 = g_new (float, n_in * 7);
  float *out7 = g_new (float, n_out * 7);
  for (gsize i = 0; i < n_in; i++)
    {
      const float *p = image->data + i * 4;
      float a = CLAMP (p[3], 0.f, 1.f);
      for (int k = 0; k < 3; k++)
        {
          in7[i * 7 + k] = p[k] * a;
          in7[i * 7 + 4 + k] = p[k];
        }
      in7[i * 7 + 3] = p[3];
    }
  resample (in7, image->width, image->height, 7, out7, width, height);
  for (gsize i = 0; i < n_out; i++)
    {
      const float *q = out7 + i * 7;
      float *p = out->data + i * 4;
      float a = CLAMP (q[3], 0.f, 1.f);
      for (int k = 0; k < 3; k++)
        p[k] = a > 1e-6f ? q[k] / a : q[4 + k];
      p[3] = q[3];
    }
  g_free (in7);
  g_free (out7);
  return out;
}

double
rf_image_psnr (const RfImage *a, const RfImage *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, 0);
  g_return_val_if_fail (a->width == b->width && a->height == b->height, 0);
  g_return_val_if_fail (a->channels == 4 && b->channels == 4, 0);
  gsize hw = (gsize) a->width * a->height;
  double se = 0;
  for (gsize i = 0; i < hw; i++)
    for (int k = 0; k < 3; k++)
      {
        double d = (double) a->data[i * 4 + k] - b->data[i * 4 + k];
        se += d * d;
      }
  double mse = se / (3.0 * hw);
  return mse > 0 ? 10.0 * log10 (1.0 / mse) : INFINITY;
}
