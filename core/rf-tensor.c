/* rf-tensor.c — tensor allocation, views and host transfers. */
#include "rf-backend-impl.h"
#include "rf-error.h"

#include <string.h>

/* Larger than any real activation or weight tensor (2^40 elements = 4 TiB
 * of f32), small enough that byte counts never overflow. */
#define RF_MAX_NUMEL (G_GINT64_CONSTANT (1) << 40)

static gboolean
check_shape (RfDType dtype, int ndim, const gint64 *shape, GError **error)
{
  const RfDTypeInfo *info = rf_dtype_info (dtype);
  if (info == NULL)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_DTYPE,
                   "invalid dtype %d", (int) dtype);
      return FALSE;
    }
  if (ndim < 1 || ndim > RF_MAX_DIMS)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                   "tensors have 1 to %d dimensions, not %d", RF_MAX_DIMS, ndim);
      return FALSE;
    }
  gint64 numel = 1;
  for (int d = 0; d < ndim; d++)
    {
      if (shape[d] < 0 || shape[d] > RF_MAX_NUMEL)
        {
          g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                       "dimension %d has invalid size %" G_GINT64_FORMAT, d, shape[d]);
          return FALSE;
        }
      if (shape[d] != 0 && numel > RF_MAX_NUMEL / shape[d])
        {
          g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                       "tensor of more than 2^40 elements");
          return FALSE;
        }
      numel *= shape[d];
    }
  if (info->block_elems > 1 && shape[ndim - 1] % info->block_elems != 0)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                   "%s tensors need a last dimension divisible by %u, got %" G_GINT64_FORMAT,
                   info->name, info->block_elems, shape[ndim - 1]);
      return FALSE;
    }
  return TRUE;
}

static void
set_contiguous_strides (RfTensor *t)
{
  const RfDTypeInfo *info = rf_dtype_info (t->dtype);
  gint64 s = 1;
  for (int d = t->ndim - 1; d >= 0; d--)
    {
      t->stride[d] = s;
      /* strides of block types count blocks: only the last dim is blocked */
      s *= (d == t->ndim - 1) ? t->shape[d] / info->block_elems : t->shape[d];
    }
  for (int d = t->ndim; d < RF_MAX_DIMS; d++)
    {
      t->shape[d] = 1;
      t->stride[d] = 1;
    }
}

RfTensor *
rf_tensor_new (RfBackend *backend, RfDType dtype, int ndim,
               const gint64 *shape, GError **error)
{
  g_return_val_if_fail (backend != NULL, NULL);
  if (!check_shape (dtype, ndim, shape, error))
    return NULL;

  RfTensor *t = g_new0 (RfTensor, 1);
  t->dtype = dtype;
  t->ndim = ndim;
  memcpy (t->shape, shape, sizeof (gint64) * ndim);
  set_contiguous_strides (t);
  t->buffer = rf_buffer_new (backend, rf_tensor_nbytes (t), error);
  if (t->buffer == NULL)
    {
      g_free (t);
      return NULL;
    }
  return t;
}

RfTensor *
rf_tensor_new_4d (RfBackend *backend, RfDType dtype, int ndim, gint64 d0,
                  gint64 d1, gint64 d2, gint64 d3, GError **error)
{
  const gint64 shape[4] = { d0, d1, d2, d3 };
  return rf_tensor_new (backend, dtype, ndim, shape, error);
}

RfTensor *
rf_tensor_new_like (RfBackend *backend, const RfTensor *like, GError **error)
{
  return rf_tensor_new (backend, like->dtype, like->ndim, like->shape, error);
}

void
rf_tensor_free (RfTensor *t)
{
  if (t == NULL)
    return;
  rf_buffer_unref (t->buffer);
  g_free (t);
}

RfBackend *
rf_tensor_backend (const RfTensor *t)
{
  return t->buffer->backend;
}

gint64
rf_tensor_numel (const RfTensor *t)
{
  gint64 n = 1;
  for (int d = 0; d < t->ndim; d++)
    n *= t->shape[d];
  return n;
}

guint64
rf_tensor_nbytes (const RfTensor *t)
{
  guint64 bytes = 0;
  /* shapes were validated at creation, so this cannot overflow */
  rf_dtype_bytes_for (t->dtype, (guint64) rf_tensor_numel (t), &bytes);
  return bytes;
}

gboolean
rf_tensor_is_contiguous (const RfTensor *t)
{
  const RfDTypeInfo *info = rf_dtype_info (t->dtype);
  gint64 s = 1;
  for (int d = t->ndim - 1; d >= 0; d--)
    {
      if (t->shape[d] != 1 && t->stride[d] != s)
        return FALSE;
      s *= (d == t->ndim - 1) ? t->shape[d] / info->block_elems : t->shape[d];
    }
  return TRUE;
}

gboolean
rf_tensor_same_shape (const RfTensor *a, const RfTensor *b)
{
  if (a->ndim != b->ndim)
    return FALSE;
  for (int d = 0; d < a->ndim; d++)
    if (a->shape[d] != b->shape[d])
      return FALSE;
  return TRUE;
}

char *
rf_tensor_describe (const RfTensor *t, char *buf, gsize len)
{
  GString *s = g_string_new ("[");
  for (int d = 0; d < t->ndim; d++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? ", " : "", t->shape[d]);
  g_string_append_printf (s, "] %s", rf_dtype_name (t->dtype));
  g_strlcpy (buf, s->str, len);
  g_string_free (s, TRUE);
  return buf;
}

void
rf_tensor_shape4 (const RfTensor *t, gint64 shape[4], gint64 stride[4])
{
  int pad = 4 - t->ndim;
  for (int d = 0; d < 4; d++)
    {
      if (d < pad)
        {
          shape[d] = 1;
          stride[d] = 0;
        }
      else
        {
          shape[d] = t->shape[d - pad];
          stride[d] = t->stride[d - pad];
        }
    }
}

static RfTensor *
tensor_view_new (const RfTensor *t)
{
  RfTensor *v = g_new (RfTensor, 1);
  *v = *t;
  rf_buffer_ref (v->buffer);
  return v;
}

RfTensor *
rf_tensor_view_reshape (const RfTensor *t, int ndim, const gint64 *shape,
                        GError **error)
{
  if (!check_shape (t->dtype, ndim, shape, error))
    return NULL;
  gint64 numel = 1;
  for (int d = 0; d < ndim; d++)
    numel *= shape[d];
  char desc[96];
  if (numel != rf_tensor_numel (t))
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                   "reshape: %s has %" G_GINT64_FORMAT " elements, the new shape %"
                   G_GINT64_FORMAT, rf_tensor_describe (t, desc, sizeof desc),
                   rf_tensor_numel (t), numel);
      return NULL;
    }
  if (!rf_tensor_is_contiguous (t))
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                   "reshape: %s is a strided view; copy it to a contiguous tensor first",
                   rf_tensor_describe (t, desc, sizeof desc));
      return NULL;
    }
  RfTensor *v = tensor_view_new (t);
  v->ndim = ndim;
  memcpy (v->shape, shape, sizeof (gint64) * ndim);
  set_contiguous_strides (v);
  return v;
}

RfTensor *
rf_tensor_view_permute (const RfTensor *t, const int *perm, GError **error)
{
  gboolean seen[RF_MAX_DIMS] = { FALSE };
  for (int d = 0; d < t->ndim; d++)
    {
      if (perm[d] < 0 || perm[d] >= t->ndim || seen[perm[d]])
        {
          g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_INVALID,
                       "permute: invalid permutation for %d dimensions", t->ndim);
          return NULL;
        }
      seen[perm[d]] = TRUE;
    }
  if (rf_dtype_info (t->dtype)->is_quantized && perm[t->ndim - 1] != t->ndim - 1)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_DTYPE,
                   "permute: the block dimension of a %s tensor must stay last",
                   rf_dtype_name (t->dtype));
      return NULL;
    }
  RfTensor *v = tensor_view_new (t);
  for (int d = 0; d < t->ndim; d++)
    {
      v->shape[d] = t->shape[perm[d]];
      v->stride[d] = t->stride[perm[d]];
    }
  return v;
}

RfTensor *
rf_tensor_view_narrow (const RfTensor *t, int axis, gint64 start, gint64 len,
                       GError **error)
{
  char desc[96];
  if (axis < 0 || axis >= t->ndim || start < 0 || len < 0
      || start > t->shape[axis] || len > t->shape[axis] - start)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                   "narrow: [%" G_GINT64_FORMAT ", +%" G_GINT64_FORMAT ") on axis %d is outside %s",
                   start, len, axis, rf_tensor_describe (t, desc, sizeof desc));
      return NULL;
    }
  const RfDTypeInfo *info = rf_dtype_info (t->dtype);
  if (info->is_quantized && axis == t->ndim - 1)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_DTYPE,
                   "narrow: cannot slice inside the blocks of a %s tensor", info->name);
      return NULL;
    }
  RfTensor *v = tensor_view_new (t);
  v->shape[axis] = len;
  v->offset += (guint64) (start * t->stride[axis]) * info->block_bytes;
  return v;
}

RfTensor *
rf_tensor_view_strided (const RfTensor *t, int ndim, const gint64 *shape,
                        const gint64 *stride, gint64 offset, GError **error)
{
  const RfDTypeInfo *info = rf_dtype_info (t->dtype);
  if (!check_shape (t->dtype, ndim, shape, error))
    return NULL;
  if (info->is_quantized)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_DTYPE,
                   "strided views of %s tensors are not supported", info->name);
      return NULL;
    }
  /* the reachable element range, in elements from the buffer start */
  gint64 lo = (gint64) (t->offset / info->block_bytes) + offset, hi = lo;
  gboolean empty = FALSE;
  for (int d = 0; d < ndim; d++)
    {
      if (shape[d] == 0)
        empty = TRUE;
      else if (stride[d] >= 0)
        hi += stride[d] * (shape[d] - 1);
      else
        lo += stride[d] * (shape[d] - 1);
    }
  if (!empty && (lo < 0 || (guint64) (hi + 1) * info->block_bytes > t->buffer->size))
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                   "strided view reaches outside its buffer");
      return NULL;
    }
  RfTensor *v = tensor_view_new (t);
  v->ndim = ndim;
  for (int d = 0; d < RF_MAX_DIMS; d++)
    {
      v->shape[d] = d < ndim ? shape[d] : 1;
      v->stride[d] = d < ndim ? stride[d] : 1;
    }
  v->offset = t->offset + (guint64) offset * info->block_bytes;
  return v;
}

static gboolean
check_host_transfer (const RfTensor *t, gsize n_bytes, const char *what,
                     GError **error)
{
  char desc[96];
  if (!rf_tensor_is_contiguous (t))
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                   "%s: %s is strided; use the _f32 variant or copy first", what,
                   rf_tensor_describe (t, desc, sizeof desc));
      return FALSE;
    }
  if (n_bytes != rf_tensor_nbytes (t))
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                   "%s: %s takes %" G_GUINT64_FORMAT " bytes, got %" G_GSIZE_FORMAT,
                   what, rf_tensor_describe (t, desc, sizeof desc),
                   rf_tensor_nbytes (t), n_bytes);
      return FALSE;
    }
  return TRUE;
}

gboolean
rf_tensor_write (RfTensor *t, const void *data, gsize n_bytes, GError **error)
{
  if (!check_host_transfer (t, n_bytes, "tensor write", error))
    return FALSE;
  if (n_bytes == 0)
    return TRUE;
  RfBackend *be = rf_tensor_backend (t);
  return be->klass->buffer_write (be, t->buffer, t->offset, data, n_bytes, error);
}

gboolean
rf_tensor_read (const RfTensor *t, void *data, gsize n_bytes, GError **error)
{
  if (!check_host_transfer (t, n_bytes, "tensor read", error))
    return FALSE;
  if (n_bytes == 0)
    return TRUE;
  RfBackend *be = rf_tensor_backend (t);
  return be->klass->buffer_read (be, t->buffer, t->offset, data, n_bytes, error);
}

gboolean
rf_tensor_write_f32 (RfTensor *t, const float *data, gint64 n, GError **error)
{
  char desc[96];
  if (n != rf_tensor_numel (t))
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_SHAPE,
                   "tensor write: %s has %" G_GINT64_FORMAT " elements, got %" G_GINT64_FORMAT,
                   rf_tensor_describe (t, desc, sizeof desc), rf_tensor_numel (t), n);
      return FALSE;
    }
  if (t->dtype == RF_DTYPE_F32 && rf_tensor_is_contiguous (t))
    return rf_tensor_write (t, data, n * sizeof (float), error);

  /* strided or another dtype: stage as contiguous f32 and let the
   * backend's copy op convert and scatter */
  g_autoptr (RfTensor) tmp = rf_tensor_new (rf_tensor_backend (t), RF_DTYPE_F32,
                                            t->ndim, t->shape, error);
  if (tmp == NULL || !rf_tensor_write (tmp, data, n * sizeof (float), error))
    return FALSE;
  return rf_op_copy (t, tmp, error);
}

float *
rf_tensor_read_f32 (const RfTensor *t, GError **error)
{
  gint64 n = rf_tensor_numel (t);
  float *out = g_try_malloc ((gsize) MAX (n, 1) * sizeof (float));
  if (out == NULL)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY,
                   "cannot allocate %" G_GINT64_FORMAT " floats on the host", n);
      return NULL;
    }
  gboolean ok;
  if (t->dtype == RF_DTYPE_F32 && rf_tensor_is_contiguous (t))
    ok = rf_tensor_read (t, out, n * sizeof (float), error);
  else
    {
      g_autoptr (RfTensor) tmp = rf_tensor_new (rf_tensor_backend (t), RF_DTYPE_F32,
                                                t->ndim, t->shape, error);
      ok = tmp != NULL && rf_op_copy (tmp, t, error)
           && rf_tensor_read (tmp, out, n * sizeof (float), error);
    }
  if (!ok)
    g_clear_pointer (&out, g_free);
  return out;
}

RfTensor *
rf_tensor_to_backend (const RfTensor *t, RfBackend *dst_backend, GError **error)
{
  RfBackend *src_backend = rf_tensor_backend (t);
  g_autoptr (RfTensor) contig = NULL;
  const RfTensor *src = t;
  if (!rf_tensor_is_contiguous (t))
    {
      contig = rf_tensor_new (src_backend, t->dtype, t->ndim, t->shape, error);
      if (contig == NULL || !rf_op_copy (contig, t, error))
        return NULL;
      src = contig;
    }
  g_autoptr (RfTensor) out = rf_tensor_new (dst_backend, t->dtype, t->ndim, t->shape, error);
  if (out == NULL)
    return NULL;
  guint64 n = rf_tensor_nbytes (src);
  if (n == 0)
    return g_steal_pointer (&out);
  if (dst_backend == src_backend && !rf_dtype_info (t->dtype)->is_quantized)
    {
      if (!rf_op_copy (out, src, error))
        return NULL;
      return g_steal_pointer (&out);
    }
  g_autofree guint8 *host = g_try_malloc (n);
  if (host == NULL)
    {
      g_set_error (error, RF_CORE_ERROR, RF_CORE_ERROR_NO_MEMORY,
                   "cannot stage %" G_GUINT64_FORMAT " bytes on the host", n);
      return NULL;
    }
  if (!rf_tensor_read (src, host, n, error) || !rf_tensor_write (out, host, n, error))
    return NULL;
  return g_steal_pointer (&out);
}
