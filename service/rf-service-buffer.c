/* rf-service-buffer.c — sealed memfd buffers (see rf-service-buffer.h). */
#include <inttypes.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rf-service-buffer.h"
#include "rf-service-error.h"
#include "rf-service-protocol.h"

/* elements of the largest tensor a buffer may hold */
#define RF_SERVICE_MAX_ELEMENTS (RF_SERVICE_MAX_BUFFER_BYTES / sizeof (float))

#define REQUIRED_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static gboolean
fail_errno (GError **error, int code, const char *what, const char *name)
{
  int err = errno;
  g_set_error (error, RF_SERVICE_ERROR, code, _("buffer '%s': %s: %s"), name, what,
               g_strerror (err));
  return FALSE;
}

RfServiceBuffer *
rf_service_buffer_new (const char *name, gsize size, GError **error)
{
  g_return_val_if_fail (name != NULL, NULL);
  g_autoptr (RfServiceBuffer) b = g_new0 (RfServiceBuffer, 1);
  b->name = g_strdup (name);
  b->meta = g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
  b->size = size;
  b->fd = memfd_create ("rectify-buffer", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (b->fd < 0)
    {
      fail_errno (error, RF_SERVICE_ERROR_FAILED, "memfd_create", name);
      return NULL;
    }
  if (ftruncate (b->fd, (off_t) size) != 0)
    {
      fail_errno (error, RF_SERVICE_ERROR_OUT_OF_MEMORY, "ftruncate", name);
      return NULL;
    }
  if (size > 0)
    {
      void *p = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
      if (p == MAP_FAILED)
        {
          fail_errno (error, RF_SERVICE_ERROR_OUT_OF_MEMORY, "mmap", name);
          return NULL;
        }
      b->data = p;
    }
  return g_steal_pointer (&b);
}

gboolean
rf_service_buffer_seal (RfServiceBuffer *b, GError **error)
{
  g_return_val_if_fail (b != NULL, FALSE);
  if (b->sealed)
    return TRUE;
  /* the writable shared mapping must go before F_SEAL_WRITE is allowed */
  if (b->data != NULL)
    munmap (b->data, b->size);
  b->data = NULL;
  if (fcntl (b->fd, F_ADD_SEALS, REQUIRED_SEALS | F_SEAL_SEAL) != 0)
    return fail_errno (error, RF_SERVICE_ERROR_FAILED, "sealing", b->name);
  if (b->size > 0)
    {
      void *p = mmap (NULL, b->size, PROT_READ, MAP_SHARED, b->fd, 0);
      if (p == MAP_FAILED)
        return fail_errno (error, RF_SERVICE_ERROR_OUT_OF_MEMORY, "mmap", b->name);
      b->data = p;
    }
  b->sealed = TRUE;
  return TRUE;
}

RfServiceBuffer *
rf_service_buffer_new_from_fd (const char *name, int fd, GVariant *meta, guint64 max_size,
                               GError **error)
{
  g_autoptr (RfServiceBuffer) b = g_new0 (RfServiceBuffer, 1);
  b->name = g_strdup (name ? name : "");
  b->fd = fd;
  b->meta = g_variant_take_ref (meta ? meta : g_variant_new ("a{sv}", NULL));
  int seals = fcntl (fd, F_GET_SEALS);
  if (seals < 0 || (seals & REQUIRED_SEALS) != REQUIRED_SEALS)
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                   _("buffer '%s' is not a sealed memfd (seal it against write, grow and "
                     "shrink)"), b->name);
      return NULL;
    }
  struct stat st;
  if (fstat (fd, &st) != 0)
    {
      fail_errno (error, RF_SERVICE_ERROR_INVALID, "fstat", b->name);
      return NULL;
    }
  if ((guint64) st.st_size > max_size)
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_TOO_LARGE,
                   _("buffer '%s' holds %" PRIu64 " bytes, more than the limit of %"
                     PRIu64), b->name, (guint64) st.st_size, max_size);
      return NULL;
    }
  b->size = (gsize) st.st_size;
  b->sealed = TRUE;
  if (b->size > 0)
    {
      void *p = mmap (NULL, b->size, PROT_READ, MAP_SHARED, fd, 0);
      if (p == MAP_FAILED)
        {
          fail_errno (error, RF_SERVICE_ERROR_INVALID, "mmap", b->name);
          return NULL;
        }
      b->data = p;
    }
  return g_steal_pointer (&b);
}

void
rf_service_buffer_free (RfServiceBuffer *b)
{
  if (b == NULL)
    return;
  if (b->data != NULL)
    munmap (b->data, b->size);
  if (b->fd >= 0)
    close (b->fd);
  g_clear_pointer (&b->meta, g_variant_unref);
  g_free (b->name);
  g_free (b);
}

void
rf_service_buffer_set_meta (RfServiceBuffer *b, GVariant *meta)
{
  g_return_if_fail (b != NULL && meta != NULL);
  GVariant *old = b->meta;
  b->meta = g_variant_ref_sink (meta);
  g_variant_unref (old);
}

static GVariant *
tensor_meta (int ndim, const gint64 *shape)
{
  GVariantBuilder bld;
  g_variant_builder_init (&bld, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&bld, "{sv}", "dtype", g_variant_new_string ("f32"));
  g_variant_builder_add (&bld, "{sv}", "shape",
                         g_variant_new_fixed_array (G_VARIANT_TYPE_INT64, shape, ndim,
                                                    sizeof (gint64)));
  return g_variant_builder_end (&bld);
}

RfServiceBuffer *
rf_service_buffer_new_f32 (const char *name, int ndim, const gint64 *shape, const float *data,
                           GError **error)
{
  g_return_val_if_fail (ndim >= 1 && ndim <= RF_MAX_DIMS, NULL);
  guint64 n = 1;
  for (int i = 0; i < ndim; i++)
    {
      if (shape[i] <= 0 || (guint64) shape[i] > RF_SERVICE_MAX_ELEMENTS / n)
        {
          g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                       _("buffer '%s': bad shape"), name);
          return NULL;
        }
      n *= (guint64) shape[i];
    }
  g_autoptr (RfServiceBuffer) b = rf_service_buffer_new (name, n * sizeof (float), error);
  if (b == NULL)
    return NULL;
  memcpy (b->data, data, n * sizeof (float));
  rf_service_buffer_set_meta (b, tensor_meta (ndim, shape));
  if (!rf_service_buffer_seal (b, error))
    return NULL;
  return g_steal_pointer (&b);
}

gboolean
rf_service_buffer_get_shape (const RfServiceBuffer *b, int *ndim, gint64 shape[RF_MAX_DIMS],
                             GError **error)
{
  const char *dtype = NULL;
  g_autoptr (GVariant) sv = NULL;
  gsize n = 0;
  const gint64 *dims = NULL;
  if (g_variant_lookup (b->meta, "dtype", "&s", &dtype) && g_str_equal (dtype, "f32")
      && (sv = g_variant_lookup_value (b->meta, "shape", G_VARIANT_TYPE ("ax"))) != NULL)
    dims = g_variant_get_fixed_array (sv, &n, sizeof (gint64));
  if (dims == NULL || n < 1 || n > RF_MAX_DIMS)
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                   _("buffer '%s' is not a tensor (needs dtype \"f32\" and a shape of 1 to %d "
                     "dimensions)"), b->name, RF_MAX_DIMS);
      return FALSE;
    }
  guint64 count = 1;
  for (gsize i = 0; i < n; i++)
    {
      if (dims[i] <= 0 || (guint64) dims[i] > RF_SERVICE_MAX_ELEMENTS / count)
        {
          g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                       _("buffer '%s' has a bad shape"), b->name);
          return FALSE;
        }
      count *= (guint64) dims[i];
      shape[i] = dims[i];
    }
  if (count * sizeof (float) != b->size)
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID,
                   _("buffer '%s' holds %zu bytes but its shape needs %"
                     PRIu64), b->name, b->size, count * sizeof (float));
      return FALSE;
    }
  *ndim = (int) n;
  return TRUE;
}

RfServiceBuffer *
rf_service_buffers_find (GPtrArray *buffers, const char *name)
{
  for (guint i = 0; buffers != NULL && i < buffers->len; i++)
    {
      RfServiceBuffer *b = g_ptr_array_index (buffers, i);
      if (g_str_equal (b->name, name))
        return b;
    }
  return NULL;
}
