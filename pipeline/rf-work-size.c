/* rf-work-size.c — the size a job runs at, and an inpaint's context. */
#include <math.h>

#include "rf-pipeline-private.h"

static int
round_to (double v, int multiple)
{
  int r = (int) floor (v / multiple + 0.5) * multiple;
  return MAX (r, multiple);
}

void
rf_work_size_fit (int w, int h, int multiple, double max_pixels, int *out_w, int *out_h)
{
  g_return_if_fail (w > 0 && h > 0 && multiple > 0);
  double s = 1.0;
  if ((double) w * h > max_pixels && max_pixels > 0)
    s = sqrt (max_pixels / ((double) w * h));
  int ow = round_to (w * s, multiple), oh = round_to (h * s, multiple);
  /* rounding up may leave the budget: step the larger side down */
  while ((double) ow * oh > max_pixels && max_pixels > 0 && (ow > multiple || oh > multiple))
    {
      if (ow >= oh && ow > multiple)
        ow -= multiple;
      else
        oh -= multiple;
    }
  *out_w = ow;
  *out_h = oh;
}

/* Grows [lo, lo + len) to @want within [0, limit), centred when possible. */
static void
grow (int *lo, int *len, int want, int limit)
{
  if (*len >= want)
    return;
  want = MIN (want, limit);
  int extra = want - *len;
  int a = *lo - extra / 2;
  a = CLAMP (a, 0, limit - want);
  *lo = a;
  *len = want;
}

gboolean
rf_work_mask_context (const RfImage *mask, int min_side, int *x, int *y, int *w, int *h)
{
  g_return_val_if_fail (mask != NULL && mask->channels == 1, FALSE);
  int x0 = mask->width, y0 = mask->height, x1 = -1, y1 = -1;
  for (int r = 0; r < mask->height; r++)
    for (int c = 0; c < mask->width; c++)
      if (*rf_image_pixel (mask, c, r) > 0)
        {
          x0 = MIN (x0, c);
          x1 = MAX (x1, c);
          y0 = MIN (y0, r);
          y1 = MAX (y1, r);
        }
  if (x1 < 0)
    return FALSE;
  int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  int pad = MAX (MAX (mask->width, mask->height) / 16, MAX (bw, bh) / 2);
  int ax = MAX (0, x0 - pad), ay = MAX (0, y0 - pad);
  int aw = MIN (mask->width, x1 + 1 + pad) - ax, ah = MIN (mask->height, y1 + 1 + pad) - ay;
  grow (&ax, &aw, min_side, mask->width);
  grow (&ay, &ah, min_side, mask->height);
  *x = ax;
  *y = ay;
  *w = aw;
  *h = ah;
  return TRUE;
}
