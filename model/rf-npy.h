/* rf-npy.h — NumPy .npy arrays (f32 and f16, little-endian, C order).
 *
 * Tools and tests exchange tensors with PyTorch/NumPy through .npy files
 * (golden data, `rectify dit`/`vae` inputs and outputs). Format:
 * "\x93NUMPY", major, minor, u16 (v1) or u32 (v2, v3) header length, then
 * a Python dict literal {'descr': '<f4', 'fortran_order': False,
 * 'shape': (2, 3), } padded with spaces and a newline, then the data.
 */
#pragma once

#include <glib.h>

#include "rf-dtype.h"

G_BEGIN_DECLS

#define RF_NPY_MAX_DIMS 8

typedef struct {
  RfDType dtype;                    /* RF_DTYPE_F32 or RF_DTYPE_F16 */
  int ndim;
  gint64 shape[RF_NPY_MAX_DIMS];
  gpointer data;                    /* owned; little-endian, C order */
  gsize nbytes;
} RfNpy;

/* Reads @path. Errors (RF_MODEL_ERROR): _IO, _FORMAT for a malformed
 * header or a data size that does not match the shape, _UNSUPPORTED for
 * other dtypes, big-endian or Fortran order. Free with rf_npy_free(). */
RfNpy *rf_npy_load (const char *path, GError **error);

/* Same from bytes in memory (copied); @label names them in errors. */
RfNpy *rf_npy_parse (const guint8 *bytes, gsize size, const char *label,
                     GError **error);

void rf_npy_free (RfNpy *npy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfNpy, rf_npy_free)

gint64 rf_npy_numel (const RfNpy *npy);

/* A new f32 copy of the data (g_free it). */
float *rf_npy_dup_f32 (const RfNpy *npy);

/* The bytes of an .npy file for @data (@dtype F32 or F16, C order). */
GBytes *rf_npy_serialize (RfDType dtype, int ndim, const gint64 *shape,
                          gconstpointer data);

/* Writes an .npy file atomically. Errors: RF_MODEL_ERROR_IO. */
gboolean rf_npy_save (const char *path, RfDType dtype, int ndim,
                      const gint64 *shape, gconstpointer data, GError **error);

G_END_DECLS
