/* rf-quant.h — CPU conversion between f32 and every stored dtype.
 *
 * Dequantization is bit-exact with ggml's reference (dequantize_row_*
 * in ggml-quants.c): same float operations in the same order. The block
 * layouts are documented beside each decoder in rf-quant.c.
 *
 * Quantization makes valid blocks for tests and tools (tiny quantized
 * models): Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1 follow ggml's reference
 * quantizers exactly; Q4_K, Q5_K and Q6_K use a simple one-pass
 * min/max fit (not ggml's iterative search), so they decode with ggml
 * but are a little less accurate than llama-quantize's output. Error
 * bounds per block are listed in rf-quant.c.
 */
#pragma once

#include <glib.h>

#include "rf-dtype.h"

G_BEGIN_DECLS

/* Decodes @n elements of @dtype at @src (any alignment) into @dst.
 * Returns FALSE when @dtype is not a float or block type, or @n is not a
 * whole number of blocks. */
gboolean rf_quant_dequantize (RfDType dtype, const void *src, float *dst, gint64 n);

/* Encodes @n floats as @dtype into @dst, which holds
 * rf_dtype_bytes_for(@dtype, @n) bytes. Supports F32, F16, BF16,
 * F8_E4M3 (saturating at ±448), F8_E5M2 and all block types. FALSE for
 * other dtypes or a partial block. */
gboolean rf_quant_quantize (RfDType dtype, const float *src, void *dst, gint64 n);

/* Whether rf_quant_quantize() takes @dtype. */
gboolean rf_quant_can_quantize (RfDType dtype);

/* Nearest f8 value, ties to even. E4M3FN saturates to ±448 (it has no
 * infinity); E5M2 rounds like f16 and keeps infinities. NaN stays NaN. */
guint8 rf_f32_to_f8_e4m3 (float f);
guint8 rf_f32_to_f8_e5m2 (float f);

G_END_DECLS
