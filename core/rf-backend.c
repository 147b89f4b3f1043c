/* rf-backend.c — backend base object and buffer reference counting. */
#include "rf-backend-impl.h"
#include "rf-error.h"

void
rf_backend_init_base (RfBackend *be, const RfBackendClass *klass,
                      RfBackendKind kind, char *description_owned)
{
  be->klass = klass;
  be->kind = kind;
  be->description = description_owned;
}

void
rf_backend_clear_base (RfBackend *be)
{
  g_clear_pointer (&be->description, g_free);
}

void
rf_backend_free (RfBackend *backend)
{
  if (backend == NULL)
    return;
  backend->klass->destroy (backend);
}

RfBackendKind
rf_backend_kind (const RfBackend *backend)
{
  return backend->kind;
}

const char *
rf_backend_description (const RfBackend *backend)
{
  return backend->description ? backend->description : backend->klass->name;
}

gboolean
rf_backend_synchronize (RfBackend *backend, GError **error)
{
  return backend->klass->synchronize (backend, error);
}

gboolean
rf_backend_supports_weight_dtype (const RfBackend *backend, RfDType dtype)
{
  return backend->klass->supports_weight_dtype (backend, dtype);
}

RfBuffer *
rf_buffer_new (RfBackend *be, guint64 size, GError **error)
{
  RfBuffer *buf = g_new0 (RfBuffer, 1);
  buf->ref_count = 1;
  buf->backend = be;
  /* zero-sized tensors are legal; give them a minimal real allocation so
   * backends never special-case them */
  buf->size = size ? size : 4;
  if (!be->klass->buffer_alloc (be, buf, error))
    {
      g_free (buf);
      return NULL;
    }
  return buf;
}

RfBuffer *
rf_buffer_ref (RfBuffer *buf)
{
  g_atomic_int_inc (&buf->ref_count);
  return buf;
}

void
rf_buffer_unref (RfBuffer *buf)
{
  if (buf == NULL)
    return;
  if (g_atomic_int_dec_and_test (&buf->ref_count))
    {
      buf->backend->klass->buffer_release (buf->backend, buf);
      g_free (buf);
    }
}

guint64
rf_backend_memory_budget (const RfBackend *backend)
{
  const char *env = g_getenv ("RECTIFY_MEMORY_BUDGET");
  if (env != NULL && *env != '\0' && backend->kind != RF_BACKEND_CPU)
    return g_ascii_strtoull (env, NULL, 10);
  return backend->klass->memory_budget ? backend->klass->memory_budget (backend) : 0;
}
