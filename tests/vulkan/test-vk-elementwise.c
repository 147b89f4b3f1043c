/* test-vk-elementwise.c — elementwise ops and copies on Vulkan against
 * an inline host reference, over odd shapes, broadcasts, strided and
 * permuted views, special values, and every dtype path; once with the
 * device's features and once with RECTIFY_VK_DISABLE_F16=1 (PACKED16
 * shaders) and profiling on. */
#include <math.h>

#include "vk-test.h"

static GRand *rng;

/* A device tensor with a host copy of its buffer's elements. */
typedef struct {
  RfTensor *t;
  float *host;     /* f32 tensors: values */
} Host;

static float
special (int i)
{
  const float s[] = { NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 1e-40f, -3e38f, 88.0f, -100.0f, 30.0f };
  return s[i % G_N_ELEMENTS (s)];
}

/* f32 tensor [shape] with random values (a few specials if asked). */
static Host
make (RfBackend *be, int ndim, const gint64 *shape, gboolean specials)
{
  Host h = { 0 };
  h.t = rf_tensor_new (be, RF_DTYPE_F32, ndim, shape, NULL);
  g_assert (h.t != NULL);
  gint64 n = rf_tensor_numel (h.t);
  h.host = g_new (float, MAX (n, 1));
  for (gint64 i = 0; i < n; i++)
    h.host[i] = (float) g_rand_double_range (rng, -4.0, 4.0);
  for (gint64 i = 0; specials && i < MIN (n, 10); i++)
    h.host[i * 7 % n] = special ((int) i);
  g_assert (rf_tensor_write (h.t, h.host, n * sizeof (float), NULL));
  return h;
}

static void
host_clear (Host *h)
{
  g_clear_pointer (&h->t, rf_tensor_free);
  g_clear_pointer (&h->host, g_free);
}

/* Value of view @v (into @base's buffer) broadcast to @dst's shape at
 * @dst's linear index @i, following core's right-aligned rules. */
static float
ref_value (const Host *base, const RfTensor *v, const RfTensor *dst, gint64 i)
{
  gint64 idx[4] = { 0 }, rem = i;
  for (int d = dst->ndim - 1; d >= 0; d--)
    {
      idx[d] = rem % dst->shape[d];
      rem /= dst->shape[d];
    }
  gint64 e = (gint64) (v->offset / 4);
  for (int d = dst->ndim - 1, s = v->ndim - 1; s >= 0; d--, s--)
    if (v->shape[s] != 1)
      e += idx[d] * v->stride[s];
  return base->host[e];
}

static double
apply_ref (RfOpKind k, double x, double y, double z, float f0, float f1)
{
  switch (k)
    {
    case RF_OP_ADD: return (float) x + (float) y;
    case RF_OP_SUB: return (float) x - (float) y;
    case RF_OP_MUL: return (float) x * (float) y;
    case RF_OP_SCALE: return x * f0 + f1;
    case RF_OP_GELU: return 0.5 * x * (1.0 + tanh (0.7978845608028654 * (x + 0.044715 * x * x * x)));
    case RF_OP_SILU: return x / (1.0 + exp (-x));
    case RF_OP_RELU: return x < 0 ? 0.0 : x;
    case RF_OP_TANH: return tanh (x);
    case RF_OP_SIGMOID: return 1.0 / (1.0 + exp (-x));
    case RF_OP_MODULATE: return x * (1.0 + z) + y;
    case RF_OP_GATED_ADD: return x + y * z;
    default: g_assert_not_reached ();
    }
}

static gboolean
close_enough (float got, double want, RfOpKind k)
{
  if (isnan (want) || isnan (got))
    return isnan (want) && isnan (got);
  if (isinf (want) || isinf (got))
    return got == want;
  double tol = (k == RF_OP_ADD || k == RF_OP_SUB || k == RF_OP_MUL || k == RF_OP_RELU)
                 ? 0.0 : 2e-6 * MAX (1.0, fabs (want));
  if (k == RF_OP_MODULATE || k == RF_OP_GATED_ADD || k == RF_OP_SCALE)
    tol = 1e-6 * MAX (1.0, fabs (want)); /* FMA contraction allowed */
  return fabs (got - want) <= tol;
}

typedef struct {
  const char *name;
  RfOpKind kind;
  int ndim;
  gint64 dst[4];
  gint64 src[3][4];   /* each as many dims as given, right-aligned; 0 ends */
  int layout;         /* 0 contiguous, 1 narrowed inputs, 2 permuted first
                       * input, 3 inputs reversed (negative strides) */
  gboolean specials;
} EltCase;

static int
dims_of (const gint64 *s)
{
  int n = 0;
  while (n < 4 && s[n] != 0)
    n++;
  return n;
}

static int
n_srcs (RfOpKind k)
{
  return k == RF_OP_ADD || k == RF_OP_SUB || k == RF_OP_MUL ? 2
         : k == RF_OP_MODULATE || k == RF_OP_GATED_ADD ? 3 : 1;
}

static gboolean
run_op (RfOpKind k, RfTensor *dst, RfTensor **v, GError **error)
{
  switch (k)
    {
    case RF_OP_ADD: return rf_op_add (dst, v[0], v[1], error);
    case RF_OP_SUB: return rf_op_sub (dst, v[0], v[1], error);
    case RF_OP_MUL: return rf_op_mul (dst, v[0], v[1], error);
    case RF_OP_SCALE: return rf_op_scale (dst, v[0], 0.75f, -1.5f, error);
    case RF_OP_GELU: return rf_op_gelu (dst, v[0], error);
    case RF_OP_SILU: return rf_op_silu (dst, v[0], error);
    case RF_OP_RELU: return rf_op_relu (dst, v[0], error);
    case RF_OP_TANH: return rf_op_tanh (dst, v[0], error);
    case RF_OP_SIGMOID: return rf_op_sigmoid (dst, v[0], error);
    case RF_OP_MODULATE: return rf_op_modulate (dst, v[0], v[1], v[2], error);
    case RF_OP_GATED_ADD: return rf_op_gated_add (dst, v[0], v[1], v[2], error);
    default: return FALSE;
    }
}

static gboolean
elt_case (RfBackend *be, const EltCase *c)
{
  gboolean ok = TRUE;
  g_autoptr (GError) e = NULL;
  int ns = n_srcs (c->kind);
  Host base[3] = { { 0 } };
  RfTensor *views[3] = { NULL };
  for (int i = 0; i < ns; i++)
    {
      int nd = dims_of (c->src[i]);
      gint64 shape[4];
      memcpy (shape, c->src[i], sizeof shape);
      if (c->layout == 1)
        {
          shape[nd - 1] += 3; /* view = narrow of a wider tensor */
          base[i] = make (be, nd, shape, c->specials && i == 0);
          views[i] = rf_tensor_view_narrow (base[i].t, nd - 1, 2, c->src[i][nd - 1], &e);
        }
      else if (c->layout == 2 && i == 0 && nd >= 2)
        {
          /* stored transposed in the last two dims, viewed back */
          int perm[4] = { 0, 1, 2, 3 };
          perm[nd - 2] = nd - 1;
          perm[nd - 1] = nd - 2;
          shape[nd - 2] = c->src[i][nd - 1];
          shape[nd - 1] = c->src[i][nd - 2];
          base[i] = make (be, nd, shape, c->specials);
          views[i] = rf_tensor_view_permute (base[i].t, perm, &e);
        }
      else if (c->layout == 3)
        {
          /* every dim reversed: offset at the last element, strides < 0 */
          base[i] = make (be, nd, shape, c->specials && i == 0);
          gint64 stride[4], off = 0;
          for (int d = 0; d < nd; d++)
            {
              stride[d] = -base[i].t->stride[d];
              off += (shape[d] - 1) * base[i].t->stride[d];
            }
          views[i] = rf_tensor_view_strided (base[i].t, nd, shape, stride, off, &e);
        }
      else
        {
          base[i] = make (be, nd, shape, c->specials && i == 0);
          views[i] = rf_tensor_view_narrow (base[i].t, 0, 0, shape[0], &e);
        }
      g_assert (views[i] != NULL);
    }
  g_autoptr (RfTensor) dst = rf_tensor_new (be, RF_DTYPE_F32, c->ndim, c->dst, &e);
  CHECK (dst && run_op (c->kind, dst, views, &e), "%s", e ? e->message : "");
  g_autofree float *got = dst ? rf_tensor_read_f32 (dst, &e) : NULL;
  CHECK (got != NULL, "read: %s", e ? e->message : "");
  gint64 n = dst ? rf_tensor_numel (dst) : 0, bad = 0;
  for (gint64 i = 0; got && i < n; i++)
    {
      double x = ref_value (&base[0], views[0], dst, i);
      double y = ns > 1 ? ref_value (&base[1], views[1], dst, i) : 0;
      double z = ns > 2 ? ref_value (&base[2], views[2], dst, i) : 0;
      double want = apply_ref (c->kind, x, y, z, 0.75f, -1.5f);
      if (!close_enough (got[i], want, c->kind) && bad++ < 3)
        CHECK (FALSE, "[%" G_GINT64_FORMAT "] f(%g, %g, %g) = %.9g, want %.9g", i, x, y, z,
               got[i], want);
    }
  for (int i = 0; i < ns; i++)
    {
      rf_tensor_free (views[i]);
      host_clear (&base[i]);
    }
  return ok && bad == 0;
}

#define S(...) { __VA_ARGS__ }
static const EltCase elt_cases[] = {
  { "scale [257]", RF_OP_SCALE, 1, S (257), { S (257) }, 0, TRUE },
  { "gelu [2,3,5,13] narrowed", RF_OP_GELU, 4, S (2, 3, 5, 13), { S (2, 3, 5, 13) }, 1, TRUE },
  { "silu [3,5,127]", RF_OP_SILU, 3, S (3, 5, 127), { S (3, 5, 127) }, 0, TRUE },
  { "relu [13,257] permuted", RF_OP_RELU, 2, S (13, 257), { S (13, 257) }, 2, TRUE },
  { "relu [1]", RF_OP_RELU, 1, S (1), { S (1) }, 0, FALSE },
  { "tanh [5,13]", RF_OP_TANH, 2, S (5, 13), { S (5, 13) }, 0, TRUE },
  { "sigmoid [3,257] narrowed", RF_OP_SIGMOID, 2, S (3, 257), { S (3, 257) }, 1, TRUE },
  { "add [2,3,5,13] + [3,1,13]", RF_OP_ADD, 4, S (2, 3, 5, 13), { S (2, 3, 5, 13), S (3, 1, 13) }, 0, TRUE },
  { "sub [3,5,13] - [13] narrowed", RF_OP_SUB, 3, S (3, 5, 13), { S (3, 5, 13), S (13) }, 1, FALSE },
  { "mul [5,1] * [1,7] (outer)", RF_OP_MUL, 2, S (5, 7), { S (5, 1), S (1, 7) }, 0, FALSE },
  { "mul [17,9] permuted * [17,9]", RF_OP_MUL, 2, S (17, 9), { S (17, 9), S (17, 9) }, 2, TRUE },
  { "gelu [3,37] reversed", RF_OP_GELU, 2, S (3, 37), { S (3, 37) }, 3, TRUE },
  { "add [2,5,13] reversed + [5,1] reversed", RF_OP_ADD, 3, S (2, 5, 13), { S (2, 5, 13), S (5, 1) }, 3, TRUE },
  { "modulate [2,13,64] shift/scale [2,1,64]", RF_OP_MODULATE, 3, S (2, 13, 64),
    { S (2, 13, 64), S (2, 1, 64), S (2, 1, 64) }, 0, FALSE },
  { "gated_add [2,13,64] gate [2,1,64] narrowed", RF_OP_GATED_ADD, 3, S (2, 13, 64),
    { S (2, 13, 64), S (2, 1, 64), S (2, 13, 64) }, 1, FALSE },
};

/* In place: x = x + y must read each element before writing it. */
static gboolean
in_place (RfBackend *be)
{
  gboolean ok = TRUE;
  g_autoptr (GError) e = NULL;
  const gint64 shape[2] = { 7, 33 };
  Host x = make (be, 2, shape, FALSE), y = make (be, 2, shape, FALSE);
  CHECK (rf_op_add (x.t, x.t, y.t, &e), "%s", e ? e->message : "");
  g_autofree float *got = rf_tensor_read_f32 (x.t, &e);
  for (int i = 0; got && i < 7 * 33; i++)
    if (got[i] != x.host[i] + y.host[i])
      {
        CHECK (FALSE, "[%d] %g != %g", i, got[i], x.host[i] + y.host[i]);
        break;
      }
  host_clear (&x);
  host_clear (&y);
  return ok && got;
}

/* ---- copies ---- */

static guint16
to16 (RfDType t, float f)
{
  return t == RF_DTYPE_F16 ? rf_f32_to_f16 (f) : rf_f32_to_bf16 (f);
}

static float
from16 (RfDType t, guint16 h)
{
  return t == RF_DTYPE_F16 ? rf_f16_to_f32 (h) : rf_bf16_to_f32 (h);
}

/* Values that stress rounding: ties, subnormals, overflow, NaN. */
static float
copy_value (int i)
{
  const float s[] = { NAN, INFINITY, -INFINITY, 65504.0f, 65520.0f, 1e5f, 5.96e-8f, 2.98e-8f,
                      2.99e-8f, 1e-10f, -0.0f, 1.0f + 0x1p-11f, 1.0f + 0x1p-8f + 0x1p-9f,
                      3.0e-5f, 6.1e-5f, 1e-40f };
  if (i < (int) G_N_ELEMENTS (s))
    return s[i];
  return (float) ((i * 7919 % 2001) - 1000) * 0.37f;
}

static gboolean
float_copy (RfBackend *be, RfDType sd, RfDType dd)
{
  gboolean ok = TRUE;
  g_autoptr (GError) e = NULL;
  const gint64 R = 9, C = 37; /* src [C,R] viewed as [R,C]; dst a narrow of [R, C+5] */
  gsize ssz = rf_dtype_info (sd)->block_bytes, dsz = rf_dtype_info (dd)->block_bytes;
  g_autoptr (RfTensor) sbase = rf_tensor_new_4d (be, sd, 2, C, R, 0, 0, &e);
  g_autoptr (RfTensor) dbase = rf_tensor_new_4d (be, dd, 2, R, C + 5, 0, 0, &e);
  g_autofree guint8 *sh = g_malloc (C * R * ssz), *dh = g_malloc (R * (C + 5) * dsz);
  for (int i = 0; i < C * R; i++)
    {
      float v = copy_value (i);
      if (ssz == 4)
        memcpy (sh + 4 * i, &v, 4);
      else
        {
          guint16 h = to16 (sd, v);
          memcpy (sh + 2 * i, &h, 2);
        }
    }
  memset (dh, 0xa5, R * (C + 5) * dsz);
  CHECK_NO_ERROR (rf_tensor_write (sbase, sh, C * R * ssz, &e_));
  CHECK_NO_ERROR (rf_tensor_write (dbase, dh, R * (C + 5) * dsz, &e_));
  const int perm[2] = { 1, 0 };
  g_autoptr (RfTensor) sv = rf_tensor_view_permute (sbase, perm, &e);
  g_autoptr (RfTensor) dv = rf_tensor_view_narrow (dbase, 1, 3, C, &e);
  CHECK (rf_op_copy (dv, sv, &e), "copy: %s", e ? e->message : "");
  g_autofree guint8 *out = g_malloc (R * (C + 5) * dsz);
  CHECK_NO_ERROR (rf_tensor_read (dbase, out, R * (C + 5) * dsz, &e_));
  int bad = 0;
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C + 5; c++)
      {
        gsize at = (gsize) (r * (C + 5) + c) * dsz;
        if (c < 3 || c >= C + 3)
          {
            if (memcmp (out + at, dh + at, dsz) != 0 && bad++ < 3)
              CHECK (FALSE, "guard [%d,%d] overwritten", r, c);
            continue;
          }
        /* source element (c-3, r) of the [C,R] base */
        int si = (c - 3) * R + r;
        float v;
        if (ssz == 4)
          memcpy (&v, sh + 4 * si, 4);
        else
          {
            guint16 h;
            memcpy (&h, sh + 2 * si, 2);
            v = from16 (sd, h);
          }
        guint32 want = 0, got = 0;
        if (dsz == 4)
          memcpy (&want, &v, 4);
        else
          want = to16 (dd, v);
        memcpy (&got, out + at, dsz);
        float got_f;
        memcpy (&got_f, &got, 4);
        gboolean nan_ok = dsz == 4 ? (isnan (v) && isnan (got_f))
                                   : (isnan (v) && isnan (from16 (dd, (guint16) got)));
        if (got != want && !nan_ok && bad++ < 3)
          CHECK (FALSE, "%s->%s [%d,%d] of %.9g: got 0x%x, want 0x%x", rf_dtype_name (sd),
                 rf_dtype_name (dd), r, c, v, got, want);
      }
  return ok && bad == 0;
}

/* Same-dtype raw copies of 1, 2, 4 and 8-byte elements, bit exact. */
static gboolean
raw_copy (RfBackend *be, RfDType t)
{
  gboolean ok = TRUE;
  g_autoptr (GError) e = NULL;
  gsize es = rf_dtype_info (t)->block_bytes;
  const gint64 A = 3, B = 11, C = 7;
  /* src [A,B,C] viewed as [C,A,B]; dst [C,A,B] contiguous */
  g_autoptr (RfTensor) sbase = rf_tensor_new_4d (be, t, 3, A, B, C, 0, &e);
  g_autoptr (RfTensor) dst = rf_tensor_new_4d (be, t, 3, C, A, B, 0, &e);
  gsize n = A * B * C;
  g_autofree guint8 *sh = g_malloc (n * es), *out = g_malloc (n * es);
  for (gsize i = 0; i < n * es; i++)
    sh[i] = (guint8) g_rand_int (rng);
  CHECK_NO_ERROR (rf_tensor_write (sbase, sh, n * es, &e_));
  const int perm[3] = { 2, 0, 1 };
  g_autoptr (RfTensor) sv = rf_tensor_view_permute (sbase, perm, &e);
  CHECK (rf_op_copy (dst, sv, &e), "copy %s: %s", rf_dtype_name (t), e ? e->message : "");
  CHECK_NO_ERROR (rf_tensor_read (dst, out, n * es, &e_));
  int bad = 0;
  for (gint64 c = 0; c < C; c++)
    for (gint64 a = 0; a < A; a++)
      for (gint64 b = 0; b < B; b++)
        {
          gsize di = (gsize) ((c * A + a) * B + b), si = (gsize) ((a * B + b) * C + c);
          if (memcmp (out + di * es, sh + si * es, es) != 0 && bad++ < 3)
            CHECK (FALSE, "%s [%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT "] differs",
                   rf_dtype_name (t), c, a, b);
        }
  return ok && bad == 0;
}

static void
run_all (RfBackend *be, const char *mode)
{
  char name[160];
  for (gsize i = 0; i < G_N_ELEMENTS (elt_cases); i++)
    {
      g_snprintf (name, sizeof name, "%s [%s]", elt_cases[i].name, mode);
      vk_test_report (name, elt_case (be, &elt_cases[i]));
    }
  g_snprintf (name, sizeof name, "add in place [%s]", mode);
  vk_test_report (name, in_place (be));
  const RfDType fl[3] = { RF_DTYPE_F32, RF_DTYPE_F16, RF_DTYPE_BF16 };
  for (int s = 0; s < 3; s++)
    for (int d = 0; d < 3; d++)
      {
        g_snprintf (name, sizeof name, "copy %s -> %s, permuted into a view [%s]",
                    rf_dtype_name (fl[s]), rf_dtype_name (fl[d]), mode);
        vk_test_report (name, float_copy (be, fl[s], fl[d]));
      }
  const RfDType raw[] = { RF_DTYPE_U8, RF_DTYPE_I16, RF_DTYPE_I32, RF_DTYPE_I64 };
  for (gsize i = 0; i < G_N_ELEMENTS (raw); i++)
    {
      g_snprintf (name, sizeof name, "copy %s bit-exact, permuted [%s]", rf_dtype_name (raw[i]), mode);
      vk_test_report (name, raw_copy (be, raw[i]));
    }
}

int
main (void)
{
  g_setenv ("RECTIFY_VK_PIPELINE_CACHE", "0", TRUE);
  rng = g_rand_new_with_seed (1234);
  RfBackend *be = vk_test_backend_or_skip ();
  printf ("# %s, 16-bit storage %s\n", rf_backend_description (be),
          rf_vk_has_storage16 (rf_vk_backend (be)) ? "yes" : "no");
  run_all (be, "device features");
  rf_backend_free (be);

  g_setenv ("RECTIFY_VK_DISABLE_F16", "1", TRUE);
  g_setenv ("RECTIFY_VK_PROFILE", "1", TRUE);
  be = vk_test_backend_or_skip ();
  gboolean ok = !rf_vk_has_storage16 (rf_vk_backend (be)) && !rf_vk_has_float16 (rf_vk_backend (be));
  vk_test_report ("RECTIFY_VK_DISABLE_F16 hides 16-bit storage", ok);
  run_all (be, "no f16, profiled");
  rf_backend_free (be);
  g_rand_free (rng);
  return vk_test_finish ();
}
