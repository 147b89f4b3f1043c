/* rf-safetensors-writer.h — writes safetensors files (tools, tests, and
 * `rectify` commands that save tensors). Tensors are written in the
 * order added, contiguously, after a JSON header padded with spaces to a
 * multiple of 8 bytes, which is what the reference writer produces. */
#pragma once

#include <glib.h>

#include "rf-dtype.h"

G_BEGIN_DECLS

typedef struct _RfSafetensorsWriter RfSafetensorsWriter;

RfSafetensorsWriter *rf_safetensors_writer_new (void);
void rf_safetensors_writer_free (RfSafetensorsWriter *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfSafetensorsWriter, rf_safetensors_writer_free)

/* Adds a tensor; @data (rf_dtype_bytes_for(dtype, numel) bytes) is
 * copied. @shape is in PyTorch order, @ndim ≤ 4. Fails with
 * RF_MODEL_ERROR_FORMAT on a duplicate name, a quantized dtype (not
 * representable in safetensors) or a bad shape. */
gboolean rf_safetensors_writer_add (RfSafetensorsWriter *w, const char *name,
                                    RfDType dtype, int ndim, const gint64 *shape,
                                    gconstpointer data, GError **error);

/* Sets a `__metadata__` string. */
void rf_safetensors_writer_set_metadata (RfSafetensorsWriter *w,
                                         const char *key, const char *value);

/* The complete file as bytes. */
GBytes *rf_safetensors_writer_to_bytes (RfSafetensorsWriter *w);

/* Writes the file (to a temporary name, then renamed into place).
 * Errors: RF_MODEL_ERROR_IO. */
gboolean rf_safetensors_writer_save (RfSafetensorsWriter *w, const char *path,
                                     GError **error);

/* The safetensors dtype string ("BF16") for @dtype, or NULL. */
const char *rf_safetensors_dtype_name (RfDType dtype);

G_END_DECLS
