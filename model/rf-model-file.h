/* rf-model-file.h — the tensors and metadata of a model file, any format.
 *
 * A model file is a safetensors file, a sharded safetensors checkpoint
 * (its `*.safetensors.index.json`) or a GGUF file. Opening one validates
 * the whole header against the file size (see rf-safetensors.c and
 * rf-gguf.c for the exact rules) and memory-maps the data; nothing is
 * copied. Every tensor is described the same way whatever the format:
 * a name, a dtype and a shape in PyTorch order (GGUF's reversed dims are
 * flipped), plus a pointer to its bytes inside the mapping.
 *
 * Tensor data may be unaligned (safetensors gives no alignment promise):
 * read it with memcpy or the rf-quant.h helpers, never through a cast.
 */
#pragma once

#include <glib.h>

#include "rf-dtype.h"

G_BEGIN_DECLS

#define RF_MODEL_MAX_DIMS 4

typedef enum {
  RF_MODEL_FORMAT_SAFETENSORS,
  RF_MODEL_FORMAT_SAFETENSORS_SHARDED,
  RF_MODEL_FORMAT_GGUF,
} RfModelFormat;

typedef struct {
  char *name;
  RfDType dtype;
  int ndim;                           /* 0 (a scalar) .. RF_MODEL_MAX_DIMS */
  gint64 shape[RF_MODEL_MAX_DIMS];    /* PyTorch order; unused dims are 0 */
  const guint8 *data;                 /* inside the mapping, maybe unaligned */
  guint64 nbytes;                     /* exactly what dtype and shape need */
  guint shard;                        /* which file of a sharded checkpoint */
} RfFileTensor;

/* Metadata value types; the numbers are GGUF's (safetensors metadata are
 * all strings). */
typedef enum {
  RF_META_U8 = 0,
  RF_META_I8 = 1,
  RF_META_U16 = 2,
  RF_META_I16 = 3,
  RF_META_U32 = 4,
  RF_META_I32 = 5,
  RF_META_F32 = 6,
  RF_META_BOOL = 7,
  RF_META_STRING = 8,
  RF_META_ARRAY = 9,
  RF_META_U64 = 10,
  RF_META_I64 = 11,
  RF_META_F64 = 12,
  RF_META_N_TYPES
} RfMetaType;

typedef struct _RfMetaValue RfMetaValue;

/* A decoded metadata value. Scalars are decoded; strings are valid UTF-8
 * without NUL bytes. Arrays of numbers point at the raw little-endian
 * elements in the file (read them with rf_meta_array_get_*); arrays of
 * strings and of arrays are decoded. Owned by the RfModelFile. */
struct _RfMetaValue {
  RfMetaType type;
  union {
    guint64 u;          /* U8 U16 U32 U64 */
    gint64 i;           /* I8 I16 I32 I64 */
    double f;           /* F32 F64 */
    gboolean b;         /* BOOL */
    const char *str;    /* STRING */
    struct {
      RfMetaType elem_type;
      guint64 count;
      const guint8 *raw;         /* numeric elements, packed */
      const char **strv;         /* STRING elements */
      const RfMetaValue *items;  /* ARRAY elements */
    } arr;
  } v;
};

typedef struct _RfModelFile RfModelFile;

/* Opens and validates @path: a .safetensors file, a
 * .safetensors.index.json (sharded; its shards are opened too) or a
 * .gguf file (recognised by content, not name). Errors: RF_MODEL_ERROR_IO
 * (cannot read, or a directory), _FORMAT (malformed, with the reason and
 * where), _UNSUPPORTED (a valid file using a dtype or version we do not
 * read). Free with rf_model_file_free(). */
RfModelFile *rf_model_file_open (const char *path, GError **error);

/* Parses a single-file model held in memory (format by content). @data
 * is not copied and must outlive the result. @label names the data in
 * error messages. Used by the fuzzers and tests. */
RfModelFile *rf_model_file_new_from_data (const guint8 *data, gsize size,
                                          const char *label, GError **error);

void rf_model_file_free (RfModelFile *mf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfModelFile, rf_model_file_free)

RfModelFormat rf_model_file_get_format (const RfModelFile *mf);
const char *rf_model_format_name (RfModelFormat format);
/* The path given to rf_model_file_open() (or the label). */
const char *rf_model_file_get_path (const RfModelFile *mf);
/* Bytes of all files together. */
guint64 rf_model_file_get_size (const RfModelFile *mf);

guint rf_model_file_get_n_tensors (const RfModelFile *mf);
/* Tensors in file order (header order for safetensors and GGUF). */
const RfFileTensor *rf_model_file_get_tensor (const RfModelFile *mf, guint i);
/* NULL when there is no tensor called @name. */
const RfFileTensor *rf_model_file_find_tensor (const RfModelFile *mf,
                                               const char *name);
/* Number of elements (1 for a scalar). */
gint64 rf_file_tensor_numel (const RfFileTensor *t);
/* "[3072, 64] bf16" into @buf; returns @buf. */
char *rf_file_tensor_describe (const RfFileTensor *t, char *buf, gsize len);

/* Metadata: GGUF key/values, or safetensors `__metadata__` (strings),
 * or the `metadata` of a sharded index (strings). */
guint rf_model_file_get_n_metadata (const RfModelFile *mf);
const char *rf_model_file_get_metadata_key (const RfModelFile *mf, guint i);
const RfMetaValue *rf_model_file_get_metadata (const RfModelFile *mf,
                                               const char *key);
/* The value of @key if it is a string, else NULL. */
const char *rf_model_file_get_metadata_string (const RfModelFile *mf,
                                               const char *key);

const char *rf_meta_type_name (RfMetaType type);
/* Scalar accessors: FALSE when @v is NULL or not of a fitting type.
 * get_int takes any integer type (a U64 above G_MAXINT64 fails);
 * get_float takes F32 and F64. */
gboolean rf_meta_value_get_int (const RfMetaValue *v, gint64 *out);
gboolean rf_meta_value_get_float (const RfMetaValue *v, double *out);
/* The string, or NULL when @v is not a string. */
const char *rf_meta_value_get_string (const RfMetaValue *v);
/* Array accessors: FALSE/NULL when @v is not an array, @i is out of range
 * or the element type does not fit (same rules as the scalar ones). */
guint64 rf_meta_array_get_length (const RfMetaValue *v);
gboolean rf_meta_array_get_int (const RfMetaValue *v, guint64 i, gint64 *out);
gboolean rf_meta_array_get_float (const RfMetaValue *v, guint64 i, double *out);
const char *rf_meta_array_get_string (const RfMetaValue *v, guint64 i);
const RfMetaValue *rf_meta_array_get_array (const RfMetaValue *v, guint64 i);

G_END_DECLS
