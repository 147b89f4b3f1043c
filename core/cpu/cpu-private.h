/* cpu-private.h — shared by the files of the CPU reference backend.
 *
 * The CPU backend is the oracle every other backend is tested against, so
 * its kernels are written to be read: one function per op, f32 math with
 * double accumulation where sums get long, OpenMP over rows or tiles, and
 * GEMMs through OpenBLAS. Every kernel gets inputs that rf-ops.c has
 * validated (see the contract in rf-backend-impl.h).
 *
 * Threading: kernels parallelise with OpenMP themselves (num_threads =
 * the backend's thread count) and call OpenBLAS single-threaded from
 * inside their parallel regions, so the two thread pools never compete.
 * Results do not depend on the thread count: work is split into tiles
 * whose boundaries are independent of it.
 */
#pragma once

#include <math.h>
#include <string.h>

#include "rf-backend-impl.h"
#include "rf-error.h"

G_BEGIN_DECLS

typedef struct {
  RfBackend base;
  int n_threads;
} RfCpuBackend;

/* Below this many elements of work a kernel runs on the calling thread
 * (an OpenMP `if` clause): waking the pool costs more than it saves. */
#define RF_CPU_PARALLEL_MIN 16384

static inline RfCpuBackend *
rf_cpu_backend (RfBackend *be)
{
  return (RfCpuBackend *) be;
}

/* First byte / first f32 element of a tensor's view. */
static inline guint8 *
rf_cpu_bytes (const RfTensor *t)
{
  return (guint8 *) t->buffer->host + t->offset;
}

static inline float *
rf_cpu_f32 (const RfTensor *t)
{
  return (float *) rf_cpu_bytes (t);
}

/* Rows of a contiguous tensor when viewed as [rows, last dim]. */
static inline gint64
rf_cpu_rows (const RfTensor *t)
{
  gint64 n = 1;
  for (int d = 0; d < t->ndim - 1; d++)
    n *= t->shape[d];
  return n;
}

static inline float
rf_cpu_bf16_to_f32 (guint16 b)
{
  guint32 u = (guint32) b << 16;
  float f;
  memcpy (&f, &u, 4);
  return f;
}

/* Σ x in double (the simd pragma allows reassociating the sum). */
static inline double
rf_cpu_sum_f64 (const float *x, gint64 n)
{
  double s = 0.0;
#pragma omp simd reduction (+ : s)
  for (gint64 j = 0; j < n; j++)
    s += x[j];
  return s;
}

/* exp(x) for f32, written so that loops under `#pragma omp simd`
 * vectorise (glibc's expf does not): exp(x) = 2^n · e^r with
 * n = round(x·log2 e) and r = x − n·ln 2 (ln 2 in two parts so n·C1 is
 * exact), e^r from the Cephes degree-6 polynomial. At most 1 ulp from
 * exp over the normal range (checked exhaustively); subnormal results
 * are gradual, overflow gives +inf, NaN stays NaN.
 * Out-of-range x is fixed up at the end with integer bit masks rather
 * than clamps or ?: on floats, which GCC turns into branches that stop
 * vectorisation; integer math is unsigned, so garbage lanes are never UB. */
static inline float
rf_cpu_expf (float x)
{
  const float magic = 12582912.0f; /* 1.5·2^23: adding it rounds to an integer */
  float t = x * 1.44269504088896341f + magic;
  float n = t - magic;
  guint32 tb, mb = 0x4b400000u; /* bits of magic */
  memcpy (&tb, &t, 4);
  gint32 ni = (gint32) (tb - mb); /* n as an integer; in [-159, 128] for x in range */
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  /* 2^n as two normal factors, so subnormal and overflowing results
   * round once, at the last multiplication */
  gint32 n1 = ni / 2, n2 = ni - n1;
  guint32 b1 = ((guint32) n1 + 127u) << 23, b2 = ((guint32) n2 + 127u) << 23;
  float s1, s2;
  memcpy (&s1, &b1, 4);
  memcpy (&s2, &b2, 4);
  float y = p * s1 * s2;
  /* exp is +inf from 88.73 on and 0 below -103.98 (NaN fails both tests) */
  guint32 yb, over = 0u - (guint32) (x > 89.0f), under = 0u - (guint32) (x < -110.0f);
  memcpy (&yb, &y, 4);
  yb = (yb & ~(over | under)) | (over & 0x7f800000u);
  memcpy (&y, &yb, 4);
  return y;
}

/* A 65536-entry f16 → f32 table, built once. */
const float *rf_cpu_f16_table (void);

/* Decodes @n elements of a plain float dtype (f32, f16, bf16, f8) at
 * @src (contiguous) into @dst. Returns FALSE for any other dtype. */
gboolean rf_cpu_decode_f32 (RfDType dtype, const void *src, float *dst, gint64 n);

/* g_try_malloc of @n_floats floats per thread, as one block; sets
 * RF_CORE_ERROR_NO_MEMORY naming @what on failure. */
float *rf_cpu_scratch_new (const RfCpuBackend *cpu, gint64 n_floats,
                           const char *what, GError **error);

/* Kernels, one per op kind (or family). Each returns FALSE with a GError
 * only for what validation cannot know in advance (memory, dtypes the
 * CPU cannot run). */
gboolean rf_cpu_run_elementwise (RfCpuBackend *cpu, const RfOp *op, GError **error);
gboolean rf_cpu_run_copy (RfCpuBackend *cpu, const RfOp *op, GError **error);
gboolean rf_cpu_run_linear (RfCpuBackend *cpu, const RfOp *op, GError **error);
gboolean rf_cpu_run_matmul (RfCpuBackend *cpu, const RfOp *op, GError **error);
gboolean rf_cpu_run_layernorm (RfCpuBackend *cpu, const RfOp *op, GError **error);
gboolean rf_cpu_run_rmsnorm (RfCpuBackend *cpu, const RfOp *op, GError **error);
gboolean rf_cpu_run_groupnorm (RfCpuBackend *cpu, const RfOp *op, GError **error);
gboolean rf_cpu_run_softmax (RfCpuBackend *cpu, const RfOp *op, GError **error);
gboolean rf_cpu_run_attention (RfCpuBackend *cpu, const RfOp *op, GError **error);
gboolean rf_cpu_run_rope (RfCpuBackend *cpu, const RfOp *op, GError **error);
gboolean rf_cpu_run_conv2d (RfCpuBackend *cpu, const RfOp *op, GError **error);
gboolean rf_cpu_run_upsample_nearest2x (RfCpuBackend *cpu, const RfOp *op, GError **error);
gboolean rf_cpu_run_timestep_embed (RfCpuBackend *cpu, const RfOp *op, GError **error);
gboolean rf_cpu_run_reduce (RfCpuBackend *cpu, const RfOp *op, GError **error);

/* Whether linear can take weights of @dtype (see cpu-linalg.c). */
gboolean rf_cpu_linear_supports_dtype (RfDType dtype);

G_END_DECLS
