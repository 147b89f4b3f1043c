/* cpu-backend.c — the CPU reference backend: host buffers and op dispatch.
 *
 * Buffers are plain 64-byte aligned host memory, so reads and writes are
 * memcpy and every op has finished when run_op returns (synchronize is a
 * no-op). The kernels live in the other cpu-*.c files.
 */
#include "cpu-private.h"

#include <cblas.h>
#include <glib/gi18n-lib.h>
#include <omp.h>
#include <stdlib.h>
#include <unistd.h>

#define RF_CPU_ALIGN 64

/* Largest host allocation we attempt: the machine's physical memory.
 * Anything larger is a size bug or a model that cannot run here, and
 * Linux would "succeed" and then kill the process on first touch. */
static guint64
max_alloc_bytes (void)
{
  long pages = sysconf (_SC_PHYS_PAGES), page = sysconf (_SC_PAGESIZE);
  if (pages <= 0 || page <= 0)
    return G_GUINT64_CONSTANT (1) << 40;
  return (guint64) pages * (guint64) page;
}

static gboolean
cpu_buffer_alloc (RfBackend *be, RfBuffer *buf, GError **error)
{
  guint64 limit = max_alloc_bytes ();
  if (buf->size > limit || buf->size > G_MAXSIZE - RF_CPU_ALIGN)
    {
      g_autofree char *want = g_format_size (buf->size);
      g_autofree char *have = g_format_size (limit);
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY,
                   _("cannot allocate %s on the CPU: the machine has %s of memory"),
                   want, have);
      return FALSE;
    }
  /* aligned_alloc wants a size that is a multiple of the alignment */
  gsize size = (gsize) ((buf->size + RF_CPU_ALIGN - 1) / RF_CPU_ALIGN * RF_CPU_ALIGN);
  void *p = NULL;
  if (posix_memalign (&p, RF_CPU_ALIGN, MAX (size, RF_CPU_ALIGN)) != 0)
    {
      g_autofree char *want = g_format_size (buf->size);
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY,
                   _("out of memory allocating %s on the CPU"), want);
      return FALSE;
    }
  buf->host = p;
  return TRUE;
}

static void
cpu_buffer_release (RfBackend *be, RfBuffer *buf)
{
  free (buf->host);
  buf->host = NULL;
}

static gboolean
check_range (const RfBuffer *buf, guint64 offset, guint64 n, GError **error)
{
  if (offset <= buf->size && n <= buf->size - offset)
    return TRUE;
  g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_INVALID,
               "buffer access [%" G_GUINT64_FORMAT ", +%" G_GUINT64_FORMAT
               ") outside a buffer of %" G_GUINT64_FORMAT " bytes", offset, n, buf->size);
  return FALSE;
}

static gboolean
cpu_buffer_write (RfBackend *be, RfBuffer *buf, guint64 offset, const void *src,
                  guint64 n, GError **error)
{
  if (!check_range (buf, offset, n, error))
    return FALSE;
  memcpy ((guint8 *) buf->host + offset, src, n);
  return TRUE;
}

static gboolean
cpu_buffer_read (RfBackend *be, RfBuffer *buf, guint64 offset, void *dst,
                 guint64 n, GError **error)
{
  if (!check_range (buf, offset, n, error))
    return FALSE;
  memcpy (dst, (const guint8 *) buf->host + offset, n);
  return TRUE;
}

static gboolean
cpu_run_op (RfBackend *be, const RfOp *op, GError **error)
{
  RfCpuBackend *cpu = rf_cpu_backend (be);
  switch (op->kind)
    {
    case RF_OP_ADD:
    case RF_OP_SUB:
    case RF_OP_MUL:
    case RF_OP_SCALE:
    case RF_OP_GELU:
    case RF_OP_SILU:
    case RF_OP_RELU:
    case RF_OP_TANH:
    case RF_OP_SIGMOID:
    case RF_OP_MODULATE:
    case RF_OP_GATED_ADD:
      return rf_cpu_run_elementwise (cpu, op, error);
    case RF_OP_COPY:
      return rf_cpu_run_copy (cpu, op, error);
    case RF_OP_LINEAR:
      return rf_cpu_run_linear (cpu, op, error);
    case RF_OP_MATMUL:
      return rf_cpu_run_matmul (cpu, op, error);
    case RF_OP_LAYERNORM:
      return rf_cpu_run_layernorm (cpu, op, error);
    case RF_OP_RMSNORM:
      return rf_cpu_run_rmsnorm (cpu, op, error);
    case RF_OP_GROUPNORM:
      return rf_cpu_run_groupnorm (cpu, op, error);
    case RF_OP_SOFTMAX:
      return rf_cpu_run_softmax (cpu, op, error);
    case RF_OP_ATTENTION:
      return rf_cpu_run_attention (cpu, op, error);
    case RF_OP_ROPE:
      return rf_cpu_run_rope (cpu, op, error);
    case RF_OP_CONV2D:
      return rf_cpu_run_conv2d (cpu, op, error);
    case RF_OP_UPSAMPLE_NEAREST2X:
      return rf_cpu_run_upsample_nearest2x (cpu, op, error);
    case RF_OP_TIMESTEP_EMBED:
      return rf_cpu_run_timestep_embed (cpu, op, error);
    case RF_OP_REDUCE:
      return rf_cpu_run_reduce (cpu, op, error);
    case RF_OP_COUNT:
      break;
    }
  g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_UNSUPPORTED,
               "cpu backend: unknown op kind %d", (int) op->kind);
  return FALSE;
}

static gboolean
cpu_synchronize (RfBackend *be, GError **error)
{
  return TRUE; /* every op completed inside run_op */
}

static gboolean
cpu_supports_weight_dtype (const RfBackend *be, RfDType dtype)
{
  return rf_cpu_linear_supports_dtype (dtype);
}

static void
cpu_destroy (RfBackend *be)
{
  rf_backend_clear_base (be);
  g_free (be);
}

static const RfBackendClass cpu_class = {
  .name = "cpu",
  .buffer_alloc = cpu_buffer_alloc,
  .buffer_release = cpu_buffer_release,
  .buffer_write = cpu_buffer_write,
  .buffer_read = cpu_buffer_read,
  .run_op = cpu_run_op,
  .synchronize = cpu_synchronize,
  .supports_weight_dtype = cpu_supports_weight_dtype,
  .destroy = cpu_destroy,
};

float *
rf_cpu_scratch_new (const RfCpuBackend *cpu, gint64 n_floats, const char *what,
                    GError **error)
{
  guint64 bytes = (guint64) MAX (n_floats, 1) * sizeof (float) * (guint64) cpu->n_threads;
  float *p = bytes <= G_MAXSIZE ? g_try_malloc ((gsize) bytes) : NULL;
  if (p == NULL)
    {
      g_autofree char *size = g_format_size (bytes);
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY,
                   _("out of memory allocating %s of scratch space for %s"), size, what);
    }
  return p;
}

/* OpenMP's default team size (all cores, or OMP_NUM_THREADS), read once:
 * with an OpenMP build of OpenBLAS, openblas_set_num_threads(1) below
 * would lower omp_get_max_threads() for every later call. */
static int
default_threads (void)
{
  static gsize once = 0;
  static int n;
  if (g_once_init_enter (&once))
    {
      n = omp_get_max_threads ();
      g_once_init_leave (&once, 1);
    }
  return n;
}

RfBackend *
rf_backend_new_cpu (int n_threads)
{
  RfCpuBackend *cpu = g_new0 (RfCpuBackend, 1);
  if (n_threads <= 0)
    n_threads = default_threads ();
  cpu->n_threads = CLAMP (n_threads, 1, 1024);
  /* Our kernels split the work across OpenMP threads and call BLAS
   * inside those regions; a multi-threaded BLAS would oversubscribe. */
  openblas_set_num_threads (1);
  /* the kernel set OpenBLAS picked matters: 0.3.21 runs Zen 4/5 with
   * its Haswell (AVX2) kernels unless OPENBLAS_CORETYPE says otherwise */
  rf_backend_init_base (&cpu->base, &cpu_class, RF_BACKEND_CPU,
                        g_strdup_printf ("cpu (%d thread%s, OpenBLAS %s)", cpu->n_threads,
                                         cpu->n_threads == 1 ? "" : "s",
                                         openblas_get_corename ()));
  return &cpu->base;
}
