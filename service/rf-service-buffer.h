/* rf-service-buffer.h — bytes shared between client and service through
 * a sealed memfd: the socket carries only the file descriptor.
 *
 * A buffer is made writable (rf_service_buffer_new), filled, then sealed
 * (no write, grow or shrink) and mapped read-only; only sealed buffers
 * are sent, and a receiver accepts only sealed memfds, so the bytes cannot
 * change or vanish (SIGBUS) while a job reads them.
 *
 * Tensor buffers carry metadata {"dtype": "f32", "shape": ax} and hold
 * little-endian f32 in C order; preview images {"format": "rgb8",
 * "width": i, "height": i} hold interleaved 8-bit RGB rows.
 */
#pragma once

#include <glib.h>

#include "rf-tensor.h"

G_BEGIN_DECLS

typedef struct {
  char *name;
  GVariant *meta;     /* a{sv}, never NULL */
  int fd;             /* the memfd, owned */
  guint8 *data;       /* the mapping: writable until sealed, then read-only; NULL when size is 0 */
  gsize size;
  gboolean sealed;
} RfServiceBuffer;

/* A writable, zero-filled buffer of @size bytes. Errors: RF_SERVICE_ERROR_FAILED. */
RfServiceBuffer *rf_service_buffer_new (const char *name, gsize size, GError **error);

/* Seals @buffer and remaps it read-only (idempotent). */
gboolean rf_service_buffer_seal (RfServiceBuffer *buffer, GError **error);

/* Takes ownership of @fd (closed on failure too) and maps it read-only.
 * Refuses (RF_SERVICE_ERROR_INVALID) anything but a memfd sealed against
 * writing, growing and shrinking, and sizes over @max_size
 * (RF_SERVICE_ERROR_TOO_LARGE). @meta (a{sv}, taken: floating or a full reference) may be NULL. */
RfServiceBuffer *rf_service_buffer_new_from_fd (const char *name, int fd, GVariant *meta,
                                                guint64 max_size, GError **error);

void rf_service_buffer_free (RfServiceBuffer *buffer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfServiceBuffer, rf_service_buffer_free)

/* Replaces the metadata (a{sv}; a floating reference is sunk). */
void rf_service_buffer_set_meta (RfServiceBuffer *buffer, GVariant *meta);

/* A sealed tensor buffer of @ndim (1..4) dims holding @data as f32. */
RfServiceBuffer *rf_service_buffer_new_f32 (const char *name, int ndim, const gint64 *shape,
                                            const float *data, GError **error);

/* A sealed tensor buffer with @t's contents (read back as f32). */
RfServiceBuffer *rf_service_buffer_new_from_tensor (const char *name, const RfTensor *t,
                                                    GError **error);

/* Reads the tensor metadata: checks dtype f32, 1..4 positive dims and a
 * size that matches. Errors: RF_SERVICE_ERROR_INVALID naming the buffer. */
gboolean rf_service_buffer_get_shape (const RfServiceBuffer *buffer, int *ndim,
                                      gint64 shape[RF_MAX_DIMS], GError **error);

/* A new f32 tensor on @backend with the buffer's contents. */
RfTensor *rf_service_buffer_to_tensor (const RfServiceBuffer *buffer, RfBackend *backend,
                                       GError **error);

/* A sealed 8-bit RGB image from @image [1, 3, H, W] in [-1, 1]. */
RfServiceBuffer *rf_service_buffer_new_rgb8 (const char *name, const RfTensor *image,
                                             GError **error);

/* The buffer called @name in @buffers (of RfServiceBuffer*), or NULL. */
RfServiceBuffer *rf_service_buffers_find (GPtrArray *buffers, const char *name);

G_END_DECLS
