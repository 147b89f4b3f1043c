/* rf-dtype.h — element types of tensors and model files.
 *
 * Float types are stored one element at a time; the quantized types are
 * stored in blocks of `block_elems` elements taking `block_bytes` bytes
 * (llama.cpp/GGUF layouts, documented beside their decoders in
 * model/rf-quant.c). A quantized tensor's innermost dimension must be a
 * whole number of blocks.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  RF_DTYPE_F32 = 0,
  RF_DTYPE_F16,
  RF_DTYPE_BF16,
  RF_DTYPE_F8_E4M3,
  RF_DTYPE_F8_E5M2,
  RF_DTYPE_I8,
  RF_DTYPE_U8,
  RF_DTYPE_I16,
  RF_DTYPE_I32,
  RF_DTYPE_I64,
  RF_DTYPE_F64,
  RF_DTYPE_BOOL,
  RF_DTYPE_Q8_0,
  RF_DTYPE_Q4_0,
  RF_DTYPE_Q4_1,
  RF_DTYPE_Q5_0,
  RF_DTYPE_Q5_1,
  RF_DTYPE_Q4_K,
  RF_DTYPE_Q5_K,
  RF_DTYPE_Q6_K,
  RF_DTYPE_COUNT
} RfDType;

typedef struct {
  const char *name;        /* "f32", "bf16", "q4_k", ... */
  guint32 block_elems;     /* 1 for plain types */
  guint32 block_bytes;     /* bytes per block (= element size for plain types) */
  gboolean is_float;       /* can be decoded to f32 */
  gboolean is_quantized;   /* block type */
} RfDTypeInfo;

/* Static description of @dtype; NULL for an out-of-range value. */
const RfDTypeInfo *rf_dtype_info (RfDType dtype);

const char *rf_dtype_name (RfDType dtype);

/* Parses a name as printed by rf_dtype_name() (case-insensitive). */
gboolean rf_dtype_from_name (const char *name, RfDType *out);

/* Bytes taken by @n_elems elements, with overflow and block-alignment
 * checks. Returns FALSE (no GError: callers phrase the message) if
 * @n_elems is not a multiple of the block size or the size overflows. */
gboolean rf_dtype_bytes_for (RfDType dtype, guint64 n_elems, guint64 *out_bytes);

/* Scalar conversions shared by the CPU backend, file readers and tests.
 * Rounding is round-to-nearest-even, as PyTorch and the GPU do. */
float   rf_f16_to_f32 (guint16 h);
guint16 rf_f32_to_f16 (float f);
float   rf_bf16_to_f32 (guint16 b);
guint16 rf_f32_to_bf16 (float f);
float   rf_f8_e4m3_to_f32 (guint8 v);
float   rf_f8_e5m2_to_f32 (guint8 v);

G_END_DECLS
