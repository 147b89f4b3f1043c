/* vk-push-ops.h — push-constant blocks of the compute-op shaders, declared
 * once here and mirrored in GLSL (the shader's `Push` block names the
 * struct it mirrors). Sizes are checked so a field added on one side only
 * fails the build. */
#pragma once

#include <glib.h>

typedef struct {
  guint32 m, n, k;
  guint32 off_d, off_a, off_b, off_bias;
  guint32 has_bias;
  guint32 nb1;
  guint32 sa0, sa1, sb0, sb1, sd0, sd1;
  guint32 cin, h, w, kh, kw, stride_h, stride_w, pad_t, pad_l, wo;
  guint32 ldd;
} RfVkGemmPush;
_Static_assert (sizeof (RfVkGemmPush) == 26 * 4, "gemm.comp Push");

typedef struct {
  guint32 h, lq, lk, d, dv;
  guint32 off_d, off_q, off_k, off_v, off_bias;
  guint32 has_bias, causal;
  guint32 bias_sb, bias_sh;
  float scale;
  guint32 flags; /* RF_VK_ATTENTION_QK_VEC4 | RF_VK_ATTENTION_V_VEC4 */
} RfVkAttentionPush;
_Static_assert (sizeof (RfVkAttentionPush) == 16 * 4, "attention.comp Push");
/* q and k rows and offsets are multiples of 4 elements (vec4 loads) */
#define RF_VK_ATTENTION_QK_VEC4 1u
/* v rows and offset are multiples of 4 elements */
#define RF_VK_ATTENTION_V_VEC4 2u

typedef struct {
  guint32 rows, n;
  guint32 off_d, off_s, off_w;
  guint32 has_weight;
  float eps;
  float scale;
} RfVkRowwisePush;
_Static_assert (sizeof (RfVkRowwisePush) == 8 * 4, "rowwise.comp Push");

typedef struct {
  guint32 c, s, g;
  guint32 off_d, off_s, off_w, off_b;
  guint32 has_weight, has_bias;
  float eps;
} RfVkGroupnormPush;
_Static_assert (sizeof (RfVkGroupnormPush) == 10 * 4, "groupnorm.comp Push");

typedef struct {
  guint32 count;
  guint32 off_d, off_s, off_a;
  guint32 d0, d1, d2;
  float f0, f1;
} RfVkMiscPush;
_Static_assert (sizeof (RfVkMiscPush) == 9 * 4, "misc.comp Push");
