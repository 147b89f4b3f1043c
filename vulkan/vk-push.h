/* vk-push.h — push-constant structs, declared once here and mirrored in
 * the GLSL includes named beside each struct. Sizes are checked at
 * compile time; a layout change must touch both sides. */
#pragma once

#include <glib.h>

/* shaders/rf-eltwise.glsl (elementwise.comp, copy.comp). One dispatch
 * covers a 4-D box; tensor t (0 = dst, 1..3 = sources) reaches box
 * element i at offset[t] + Σ i_d·stride[t][d] elements from its binding. */
typedef struct {
  guint32 shape[4];      /* box extents, outermost first */
  guint32 stride[4][4];  /* [tensor][dim], elements; 0 where broadcast */
  guint32 offset[4];     /* [tensor] box origin, elements from binding start */
  guint32 n;             /* elements in the box */
  float f0, f1;          /* SCALE: scale, bias */
  guint32 pad;
} RfVkEltwisePush;

_Static_assert (sizeof (RfVkEltwisePush) == 112, "mirror of rf-eltwise.glsl");
_Static_assert (G_STRUCT_OFFSET (RfVkEltwisePush, stride) == 16, "uvec4 stride[4]");
_Static_assert (G_STRUCT_OFFSET (RfVkEltwisePush, offset) == 80, "uvec4 offset");
_Static_assert (G_STRUCT_OFFSET (RfVkEltwisePush, n) == 96, "uint n");
