/* test-ops.c — every op on a backend under test against the CPU reference.
 *
 * The C cousin of ggml's test-backend-ops: each case builds the same
 * random inputs on both backends (same seed), runs one op, and compares
 * outputs with normalised MSE under a per-op threshold. Outputs sit
 * between guard bytes that must survive; inputs are optionally strided
 * views whose padding holds huge values, so reading outside the view
 * shows up as a large error; NaN/Inf positions must match.
 *
 *   test-ops [--backend vulkan|cpu1] [--filter SUBSTRING] [--list]
 *
 * "cpu1" compares a 1-thread CPU backend with the multi-threaded one.
 * Exit 77 when the backend under test cannot be created (no Vulkan
 * device), so meson reports a skip, never a pass.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rf-backend-impl.h"
#include "rf-error.h"
#include "rf-ops.h"
#include "rf-quant.h"
#include "vulkan/rf-vulkan.h"

#define GUARD_ELEMS 64
#define GUARD_BITS 0x7fa5a5a5u /* a NaN payload no op produces */
#define PAD_VALUE 1.0e30f      /* fills the gaps of strided inputs */

typedef struct {
  RfBackend *be;
  GRand *rng;
  gboolean strided;
  GPtrArray *owned; /* RfTensor* freed after the case */
  GError *error;    /* first failure while building */
  gboolean inject;  /* put NaN, +Inf, -Inf into the next input */
} Ctx;

typedef struct {
  const char *name;
  gboolean (*run) (Ctx *c, const void *params, RfTensor **out);
  const void *params;
  double max_nmse;
  gboolean nan_parity; /* inject NaN/Inf into the first input */
} Case;

/* ---- building inputs ---- */

static float
rnd (Ctx *c, float lo, float hi)
{
  return (float) g_rand_double_range (c->rng, lo, hi);
}

static RfTensor *
keep (Ctx *c, RfTensor *t)
{
  if (t != NULL)
    g_ptr_array_add (c->owned, t);
  return t;
}

/* A tensor of @shape filled from the case's random stream. When the
 * context asks for strided inputs and the shape allows, the result is a
 * narrowed view of a wider tensor whose extra columns hold PAD_VALUE. */
static RfTensor *
input_dtype (Ctx *c, RfDType dtype, int ndim, const gint64 *shape, float lo, float hi)
{
  if (c->error)
    return NULL;
  gint64 numel = 1;
  for (int d = 0; d < ndim; d++)
    numel *= shape[d];
  g_autofree float *data = g_new (float, MAX (numel, 1));
  for (gint64 i = 0; i < numel; i++)
    data[i] = rnd (c, lo, hi);
  if (c->inject)
    {
      const float special[3] = { NAN, INFINITY, -INFINITY };
      for (gint64 i = 0; i < MIN (numel, 3); i++)
        data[i] = special[i];
      c->inject = FALSE;
    }
  if (c->strided && dtype == RF_DTYPE_F32)
    {
      gint64 wide[RF_MAX_DIMS];
      memcpy (wide, shape, sizeof (gint64) * ndim);
      wide[ndim - 1] += 3;
      gint64 inner = shape[ndim - 1], rows = numel / MAX (inner, 1);
      g_autofree float *padded = g_new (float, MAX (rows * wide[ndim - 1], 1));
      for (gint64 r = 0; r < rows; r++)
        for (gint64 j = 0; j < wide[ndim - 1]; j++)
          padded[r * wide[ndim - 1] + j] = j < inner ? data[r * inner + j] : PAD_VALUE;
      RfTensor *base = keep (c, rf_tensor_new (c->be, dtype, ndim, wide, &c->error));
      if (base == NULL || !rf_tensor_write_f32 (base, padded, rows * wide[ndim - 1], &c->error))
        return NULL;
      return keep (c, rf_tensor_view_narrow (base, ndim - 1, 0, inner, &c->error));
    }
  RfTensor *t = keep (c, rf_tensor_new (c->be, dtype, ndim, shape, &c->error));
  if (t == NULL || !rf_tensor_write_f32 (t, data, numel, &c->error))
    return NULL;
  return t;
}

static RfTensor *
input (Ctx *c, int ndim, const gint64 *shape, float lo, float hi)
{
  return input_dtype (c, RF_DTYPE_F32, ndim, shape, lo, hi);
}

/* An f32 output of @shape inside a buffer with guard elements on both
 * sides; output_guards_ok() checks them afterwards. */
static RfTensor *
output (Ctx *c, int ndim, const gint64 *shape)
{
  if (c->error)
    return NULL;
  gint64 numel = 1;
  for (int d = 0; d < ndim; d++)
    numel *= shape[d];
  gint64 total = numel + 2 * GUARD_ELEMS;
  RfTensor *base = keep (c, rf_tensor_new_4d (c->be, RF_DTYPE_F32, 1, total, 0, 0, 0, &c->error));
  if (base == NULL)
    return NULL;
  g_autofree guint32 *fill = g_new (guint32, total);
  for (gint64 i = 0; i < total; i++)
    fill[i] = GUARD_BITS;
  if (!rf_tensor_write (base, fill, total * 4, &c->error))
    return NULL;
  g_autoptr (RfTensor) mid = rf_tensor_view_narrow (base, 0, GUARD_ELEMS, numel, &c->error);
  if (mid == NULL)
    return NULL;
  return keep (c, rf_tensor_view_reshape (mid, ndim, shape, &c->error));
}

static gboolean
output_guards_ok (RfTensor *out, GError **error)
{
  /* the guarded base buffer starts GUARD_ELEMS floats before the view */
  gint64 numel = rf_tensor_numel (out), total = numel + 2 * GUARD_ELEMS;
  RfTensor base = *out;
  base.ndim = 1;
  base.shape[0] = total;
  base.stride[0] = 1;
  base.offset = out->offset - GUARD_ELEMS * 4;
  g_autofree guint32 *all = g_new (guint32, total);
  if (!rf_tensor_read (&base, all, total * 4, error))
    return FALSE;
  for (gint64 i = 0; i < total; i++)
    if ((i < GUARD_ELEMS || i >= GUARD_ELEMS + numel) && all[i] != GUARD_BITS)
      {
        g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_INVALID,
                     "guard element %" G_GINT64_FORMAT " overwritten (0x%08x)",
                     i < GUARD_ELEMS ? i - GUARD_ELEMS : i - GUARD_ELEMS - numel, all[i]);
        return FALSE;
      }
  return TRUE;
}

#define SHAPE(...) ((const gint64[]){ __VA_ARGS__ })
#define NDIM(...) ((int) (sizeof ((gint64[]){ __VA_ARGS__ }) / sizeof (gint64)))
#define IN(lo, hi, ...) input (c, NDIM (__VA_ARGS__), SHAPE (__VA_ARGS__), lo, hi)
#define OUT(...) output (c, NDIM (__VA_ARGS__), SHAPE (__VA_ARGS__))

/* ---- cases ---- */

typedef struct { RfOpKind kind; gint64 shape[4]; int ndim; } UnaryP;

static gboolean
run_unary (Ctx *c, const void *pp, RfTensor **out)
{
  const UnaryP *p = pp;
  RfTensor *x = input (c, p->ndim, p->shape, -4, 4);
  RfTensor *y = output (c, p->ndim, p->shape);
  if (c->error)
    return FALSE;
  *out = y;
  switch (p->kind)
    {
    case RF_OP_GELU: return rf_op_gelu (y, x, &c->error);
    case RF_OP_SILU: return rf_op_silu (y, x, &c->error);
    case RF_OP_RELU: return rf_op_relu (y, x, &c->error);
    case RF_OP_TANH: return rf_op_tanh (y, x, &c->error);
    case RF_OP_SIGMOID: return rf_op_sigmoid (y, x, &c->error);
    case RF_OP_SCALE: return rf_op_scale (y, x, -0.37f, 1.5f, &c->error);
    default: g_assert_not_reached ();
    }
}

typedef struct { RfOpKind kind; int na, nb, nd; gint64 a[4], b[4], d[4]; } BinaryP;

static gboolean
run_binary (Ctx *c, const void *pp, RfTensor **out)
{
  const BinaryP *p = pp;
  RfTensor *a = input (c, p->na, p->a, -2, 2);
  RfTensor *b = input (c, p->nb, p->b, -2, 2);
  RfTensor *y = output (c, p->nd, p->d);
  if (c->error)
    return FALSE;
  *out = y;
  switch (p->kind)
    {
    case RF_OP_ADD: return rf_op_add (y, a, b, &c->error);
    case RF_OP_SUB: return rf_op_sub (y, a, b, &c->error);
    case RF_OP_MUL: return rf_op_mul (y, a, b, &c->error);
    case RF_OP_MODULATE:
      {
        RfTensor *s = input (c, p->nb, p->b, -1, 1);
        return !c->error && rf_op_modulate (y, a, b, s, &c->error);
      }
    case RF_OP_GATED_ADD:
      {
        RfTensor *v = input (c, p->na, p->a, -1, 1);
        return !c->error && rf_op_gated_add (y, a, b, v, &c->error);
      }
    default: g_assert_not_reached ();
    }
}

typedef struct { RfDType from, to; int ndim; gint64 shape[4]; int perm[4]; } CopyP;

static gboolean
run_copy (Ctx *c, const void *pp, RfTensor **out)
{
  const CopyP *p = pp;
  /* values exactly representable in f16 and bf16 keep the comparison exact */
  RfTensor *x = input (c, p->ndim, p->shape, -8, 8);
  if (c->error)
    return FALSE;
  RfTensor *src = x;
  if (p->from != RF_DTYPE_F32)
    {
      src = keep (c, rf_tensor_new (c->be, p->from, p->ndim, p->shape, &c->error));
      if (src == NULL || !rf_op_copy (src, x, &c->error))
        return FALSE;
    }
  const RfTensor *view = src;
  if (p->perm[0] != p->perm[1])
    view = keep (c, rf_tensor_view_permute (src, p->perm, &c->error));
  if (view == NULL)
    return FALSE;
  RfTensor *mid = keep (c, rf_tensor_new (c->be, p->to, view->ndim, view->shape, &c->error));
  RfTensor *y = output (c, view->ndim, view->shape);
  if (c->error)
    return FALSE;
  *out = y;
  return rf_op_copy (mid, view, &c->error) && rf_op_copy (y, mid, &c->error);
}

typedef struct { int axis; gint64 a[3], b[3]; } ConcatP;

static gboolean
run_concat (Ctx *c, const void *pp, RfTensor **out)
{
  const ConcatP *p = pp;
  RfTensor *a = input (c, 3, p->a, -1, 1);
  RfTensor *b = input (c, 3, p->b, -1, 1);
  gint64 cat[3] = { p->a[0], p->a[1], p->a[2] };
  cat[p->axis] += p->b[p->axis];
  RfTensor *joined = keep (c, rf_tensor_new (c->be, RF_DTYPE_F32, 3, cat, &c->error));
  RfTensor *a2 = keep (c, rf_tensor_new (c->be, RF_DTYPE_F32, 3, p->a, &c->error));
  RfTensor *b2 = keep (c, rf_tensor_new (c->be, RF_DTYPE_F32, 3, p->b, &c->error));
  RfTensor *y = output (c, 3, cat);
  if (c->error)
    return FALSE;
  *out = y;
  const RfTensor *parts[2] = { a, b };
  RfTensor *const back[2] = { a2, b2 };
  const RfTensor *again[2] = { a2, b2 };
  /* concat, split back, concat again: exercises both directions */
  return rf_op_concat (joined, parts, 2, p->axis, &c->error)
         && rf_op_split (back, 2, joined, p->axis, &c->error)
         && rf_op_concat (y, again, 2, p->axis, &c->error);
}

typedef struct { RfDType wtype; gboolean bias; int nx; gint64 x[4]; gint64 n; } LinearP;

/* Block-quantized and f8 weights are quantized on the host so both backends get
 * the same bytes; each backend then decodes them in its own kernel. */
static gboolean
run_linear_quantized (Ctx *c, const LinearP *p, RfTensor *x, gint64 k, RfTensor **out)
{
  gint64 numel = p->n * k;
  guint64 bytes = 0;
  g_autofree float *w = g_new (float, numel);
  for (gint64 i = 0; i < numel; i++)
    w[i] = rnd (c, -0.5f, 0.5f);
  g_assert (rf_dtype_bytes_for (p->wtype, numel, &bytes));
  g_autofree guint8 *q = g_malloc (bytes);
  g_assert (rf_quant_quantize (p->wtype, w, q, numel));
  RfTensor *wt = keep (c, rf_tensor_new (c->be, p->wtype, 2, SHAPE (p->n, k), &c->error));
  RfTensor *b = p->bias ? input (c, 1, SHAPE (p->n), -1, 1) : NULL;
  gint64 d[4];
  memcpy (d, p->x, sizeof d);
  d[p->nx - 1] = p->n;
  RfTensor *y = output (c, p->nx, d);
  if (c->error || !rf_tensor_write (wt, q, bytes, &c->error))
    return FALSE;
  *out = y;
  return rf_op_linear (y, x, wt, b, &c->error);
}

static gboolean
run_linear (Ctx *c, const void *pp, RfTensor **out)
{
  const LinearP *p = pp;
  gint64 k = p->x[p->nx - 1];
  RfTensor *x = input (c, p->nx, p->x, -1, 1);
  if (rf_dtype_info (p->wtype)->is_quantized || p->wtype == RF_DTYPE_F8_E4M3
      || p->wtype == RF_DTYPE_F8_E5M2)
    return run_linear_quantized (c, p, x, k, out);
  RfTensor *w32 = input (c, 2, SHAPE (p->n, k), -0.5f, 0.5f);
  RfTensor *b = p->bias ? input (c, 1, SHAPE (p->n), -1, 1) : NULL;
  gint64 d[4];
  memcpy (d, p->x, sizeof d);
  d[p->nx - 1] = p->n;
  RfTensor *y = output (c, p->nx, d);
  if (c->error)
    return FALSE;
  RfTensor *w = w32;
  if (p->wtype != RF_DTYPE_F32)
    {
      w = keep (c, rf_tensor_new (c->be, p->wtype, 2, w32->shape, &c->error));
      if (w == NULL || !rf_op_copy (w, w32, &c->error))
        return FALSE;
    }
  *out = y;
  return rf_op_linear (y, x, w, b, &c->error);
}

typedef struct { int n; gint64 a[4], b[4], d[4]; gboolean trans_b; } MatmulP;

static gboolean
run_matmul (Ctx *c, const void *pp, RfTensor **out)
{
  const MatmulP *p = pp;
  RfTensor *a = input (c, p->n, p->a, -1, 1);
  RfTensor *b = input (c, p->n, p->b, -1, 1);
  RfTensor *y = output (c, p->n, p->d);
  if (c->error)
    return FALSE;
  *out = y;
  return rf_op_matmul (y, a, b, p->trans_b, &c->error);
}

typedef struct { RfOpKind kind; int ndim; gint64 shape[4]; float f; int groups; gboolean affine; } NormP;

static gboolean
run_norm (Ctx *c, const void *pp, RfTensor **out)
{
  const NormP *p = pp;
  RfTensor *x = input (c, p->ndim, p->shape, -3, 5);
  RfTensor *y = output (c, p->ndim, p->shape);
  gint64 d = p->kind == RF_OP_GROUPNORM ? p->shape[1] : p->shape[p->ndim - 1];
  RfTensor *w = p->affine ? input (c, 1, SHAPE (d), 0.5f, 1.5f) : NULL;
  RfTensor *b = p->affine ? input (c, 1, SHAPE (d), -1, 1) : NULL;
  if (c->error)
    return FALSE;
  *out = y;
  switch (p->kind)
    {
    case RF_OP_LAYERNORM: return rf_op_layernorm (y, x, p->f, &c->error);
    case RF_OP_RMSNORM: return rf_op_rmsnorm (y, x, w, p->f, &c->error);
    case RF_OP_GROUPNORM: return rf_op_groupnorm (y, x, p->groups, w, b, p->f, &c->error);
    case RF_OP_SOFTMAX: return rf_op_softmax (y, x, p->f, &c->error);
    default: g_assert_not_reached ();
    }
}

typedef struct { RfReduceKind kind; int ndim; gint64 shape[4]; } ReduceP;

static gboolean
run_reduce (Ctx *c, const void *pp, RfTensor **out)
{
  const ReduceP *p = pp;
  RfTensor *x = input (c, p->ndim, p->shape, -2, 2);
  gint64 d[4];
  memcpy (d, p->shape, sizeof d);
  d[p->ndim - 1] = 1;
  RfTensor *y = output (c, p->ndim, d);
  if (c->error)
    return FALSE;
  *out = y;
  return rf_op_reduce (y, x, p->kind, &c->error);
}

typedef struct { gint64 b, h, l, d; } RopeP;

static gboolean
run_rope (Ctx *c, const void *pp, RfTensor **out)
{
  const RopeP *p = pp;
  RfTensor *x = input (c, 4, SHAPE (p->b, p->h, p->l, p->d), -1, 1);
  gint64 n = p->l * p->d / 2;
  g_autofree float *pe_data = g_new (float, 2 * n);
  for (gint64 i = 0; i < n; i++)
    {
      float a = rnd (c, -20, 20);
      pe_data[2 * i] = cosf (a);
      pe_data[2 * i + 1] = sinf (a);
    }
  RfTensor *pe = keep (c, rf_tensor_new_4d (c->be, RF_DTYPE_F32, 3, p->l, p->d / 2, 2, 0, &c->error));
  RfTensor *y = OUT (p->b, p->h, p->l, p->d);
  if (c->error || !rf_tensor_write_f32 (pe, pe_data, 2 * n, &c->error))
    return FALSE;
  *out = y;
  return rf_op_rope (y, x, pe, &c->error);
}

/* bias is [1, H, Lq, Lk] unless bias_per_batch ([B, ...]) or
 * bias_shared_heads ([..., 1, Lq, Lk]) */
typedef struct {
  gint64 b, h, lq, lk, d, dv;
  gboolean causal, bias;
  float scale;
  gboolean bias_per_batch, bias_shared_heads;
} AttnP;

static gboolean
run_attention (Ctx *c, const void *pp, RfTensor **out)
{
  const AttnP *p = pp;
  RfTensor *q = IN (-2, 2, p->b, p->h, p->lq, p->d);
  RfTensor *k = IN (-2, 2, p->b, p->h, p->lk, p->d);
  RfTensor *v = IN (-1, 1, p->b, p->h, p->lk, p->dv);
  RfTensor *bias = p->bias ? IN (-3, 3, p->bias_per_batch ? p->b : 1,
                                 p->bias_shared_heads ? 1 : p->h, p->lq, p->lk) : NULL;
  RfTensor *y = OUT (p->b, p->h, p->lq, p->dv);
  if (c->error)
    return FALSE;
  *out = y;
  return rf_op_attention (y, q, k, v, bias, p->scale, p->causal, &c->error);
}

typedef struct { gint64 b, cin, h, w, cout, kh, kw; RfConv2dParams cp; gboolean bias; } ConvP;

static gboolean
run_conv (Ctx *c, const void *pp, RfTensor **out)
{
  const ConvP *p = pp;
  gint64 oh, ow;
  g_assert (rf_conv2d_out_size (p->h, p->w, p->kh, p->kw, &p->cp, &oh, &ow));
  RfTensor *x = IN (-1, 1, p->b, p->cin, p->h, p->w);
  RfTensor *w = IN (-0.5f, 0.5f, p->cout, p->cin, p->kh, p->kw);
  RfTensor *bias = p->bias ? IN (-1, 1, p->cout) : NULL;
  RfTensor *y = OUT (p->b, p->cout, oh, ow);
  if (c->error)
    return FALSE;
  *out = y;
  return rf_op_conv2d (y, x, w, bias, &p->cp, &c->error);
}

typedef struct { gint64 b, ch, h, w; } UpP;

static gboolean
run_upsample (Ctx *c, const void *pp, RfTensor **out)
{
  const UpP *p = pp;
  RfTensor *x = IN (-1, 1, p->b, p->ch, p->h, p->w);
  RfTensor *y = OUT (p->b, p->ch, 2 * p->h, 2 * p->w);
  if (c->error)
    return FALSE;
  *out = y;
  return rf_op_upsample_nearest2x (y, x, &c->error);
}

typedef struct { gint64 b, dim; float factor; gboolean sin_first; } TembP;

static gboolean
run_temb (Ctx *c, const void *pp, RfTensor **out)
{
  const TembP *p = pp;
  RfTensor *t = IN (0, 1, p->b);
  RfTensor *y = OUT (p->b, p->dim);
  if (c->error)
    return FALSE;
  *out = y;
  return rf_op_timestep_embedding (y, t, p->factor, 10000.0f, p->sin_first, &c->error);
}

#include "test-ops-cases.h"

/* ---- comparison ---- */

static RfTensor *
run_case (const Case *cs, RfBackend *be, gboolean strided, GPtrArray *owned,
          GError **error)
{
  Ctx c = { .be = be, .rng = g_rand_new_with_seed (0x5eed + (guint32) g_str_hash (cs->name)),
            .strided = strided, .owned = owned, .inject = cs->nan_parity };
  RfTensor *out = NULL;
  gboolean ok = cs->run (&c, cs->params, &out);
  g_rand_free (c.rng);
  if (!ok || c.error)
    {
      if (c.error == NULL)
        g_set_error (&c.error, RF_CORE_ERROR, RF_CORE_ERROR_INVALID, "case failed");
      g_propagate_error (error, c.error);
      return NULL;
    }
  if (!rf_backend_synchronize (be, error) || !output_guards_ok (out, error))
    return NULL;
  return out;
}

typedef struct { double nmse; gint64 nonfinite_mismatch, nonfinite; } Diff;

static Diff
compare (const float *ref, const float *got, gint64 n)
{
  Diff d = { 0 };
  double err = 0, norm = 0;
  for (gint64 i = 0; i < n; i++)
    {
      gboolean rf = isfinite (ref[i]), gf = isfinite (got[i]);
      if (!rf || !gf)
        {
          d.nonfinite++;
          if (rf != gf || isnan (ref[i]) != isnan (got[i])
              || (isinf (ref[i]) && ref[i] != got[i]))
            d.nonfinite_mismatch++;
          continue;
        }
      double e = (double) got[i] - ref[i];
      err += e * e;
      norm += (double) ref[i] * ref[i];
    }
  d.nmse = norm > 0 ? err / norm : err;
  return d;
}

int
main (int argc, char **argv)
{
  const char *backend_name = "vulkan";
  const char *filter = NULL;
  gboolean list = FALSE;
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--backend") == 0 && i + 1 < argc)
        backend_name = argv[++i];
      else if (strcmp (argv[i], "--filter") == 0 && i + 1 < argc)
        filter = argv[++i];
      else if (strcmp (argv[i], "--list") == 0)
        list = TRUE;
      else
        {
          fprintf (stderr, "usage: %s [--backend vulkan|cpu1] [--filter S] [--list]\n", argv[0]);
          return 2;
        }
    }
  if (list)
    {
      for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
        printf ("%s\n", cases[i].name);
      return 0;
    }

  g_autoptr (GError) error = NULL;
  g_autoptr (RfBackend) ref = rf_backend_new_cpu (0);
  g_autoptr (RfBackend) test = NULL;
  if (strcmp (backend_name, "cpu1") == 0)
    test = rf_backend_new_cpu (1);
  else
    test = rf_backend_new_by_name (backend_name, &error);
  if (test == NULL)
    {
      printf ("SKIP: no %s backend: %s\n", backend_name, error->message);
      return 77;
    }
  printf ("# reference: %s\n# under test: %s\n", rf_backend_description (ref),
          rf_backend_description (test));
  printf ("%-44s %-8s %12s %10s %12s  %s\n", "case", "layout", "nmse", "max", "time", "result");

  int passed = 0, failed = 0;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    for (int strided = 0; strided < 2; strided++)
      {
        const Case *cs = &cases[i];
        if (filter && !strstr (cs->name, filter))
          continue;
        g_autoptr (GPtrArray) owned_ref = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_tensor_free);
        g_autoptr (GPtrArray) owned_test = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_tensor_free);
        g_autoptr (GError) err = NULL;
        g_autofree float *a = NULL, *b = NULL;
        const char *layout = strided ? "strided" : "contig";
        RfTensor *ra = run_case (cs, ref, strided, owned_ref, &err);
        if (ra != NULL)
          a = rf_tensor_read_f32 (ra, &err);
        if (a == NULL)
          {
            printf ("%-44s %-8s %12s %10s  FAIL (reference: %s)\n", cs->name, layout, "-", "-", err->message);
            failed++;
            continue;
          }
        gint64 t0 = g_get_monotonic_time ();
        RfTensor *rb = run_case (cs, test, strided, owned_test, &err);
        double ms = (g_get_monotonic_time () - t0) / 1000.0;
        if (rb != NULL)
          b = rf_tensor_read_f32 (rb, &err);
        if (b == NULL)
          {
            printf ("%-44s %-8s %12s %10s  FAIL (%s)\n", cs->name, layout, "-", "-", err->message);
            failed++;
            continue;
          }
        Diff d = compare (a, b, rf_tensor_numel (ra));
        gboolean ok = d.nmse <= cs->max_nmse && d.nonfinite_mismatch == 0;
        printf ("%-44s %-8s %12.3e %10.1e %9.1f ms  %s", cs->name, layout, d.nmse, cs->max_nmse,
                ms, ok ? "ok" : "FAIL");
        if (d.nonfinite)
          printf (" (%" G_GINT64_FORMAT " non-finite, %" G_GINT64_FORMAT " mismatched)",
                  d.nonfinite, d.nonfinite_mismatch);
        printf ("\n");
        ok ? passed++ : failed++;
      }
  printf ("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
