/* rf-model-file-private.h — what the format readers share with
 * rf-model-file.c. Not installed; not for model code. */
#pragma once

#include <gio/gio.h>

#include "rf-error.h"
#include "rf-model-file.h"

/* Caps that keep a hostile header from making us allocate or loop much
 * more than its own size. */
#define RF_MODEL_MAX_TENSORS      (1u << 20)
#define RF_MODEL_MAX_NAME_LEN     4096
#define RF_MODEL_MAX_DIM          (G_GINT64_CONSTANT (1) << 40)

struct _RfModelFile {
  char *path;
  RfModelFormat format;
  GPtrArray *mappings;        /* GMappedFile*, one per shard */
  GArray *tensors;            /* RfFileTensor */
  GHashTable *tensor_index;   /* name (owned by tensors) → index + 1 */
  GHashTable *metadata;       /* key (in allocs) → RfMetaValue* (in allocs) */
  GPtrArray *metadata_keys;   /* key order as in the file */
  GPtrArray *allocs;          /* metadata memory, freed together */
  guint64 total_bytes;
};

RfModelFile *rf_model_file_new_empty (const char *path, RfModelFormat format);

/* Zeroed memory owned by @mf (freed with it). */
gpointer rf_model_file_alloc (RfModelFile *mf, gsize size);
char *rf_model_file_strndup (RfModelFile *mf, const char *s, gsize len);

/* Takes ownership of t->name. Fails on a duplicate name. */
gboolean rf_model_file_add_tensor (RfModelFile *mf, RfFileTensor *t,
                                   const char *label, GError **error);
/* @key and @value must come from rf_model_file_alloc. Fails on a
 * duplicate key. */
gboolean rf_model_file_add_metadata (RfModelFile *mf, const char *key,
                                     RfMetaValue *value, const char *label,
                                     GError **error);

/* Checks that the byte ranges of the tensors of @shard (from index
 * @first on) do not overlap; zero-byte tensors are exempt. */
gboolean rf_model_file_check_overlaps (RfModelFile *mf, guint shard,
                                       guint first, const char *label,
                                       GError **error);

/* Overflow-checked product of @ndim dims, each in [0, RF_MODEL_MAX_DIM];
 * then the byte size for @dtype. FALSE with a FORMAT error otherwise. */
gboolean rf_model_tensor_nbytes (RfDType dtype, int ndim, const gint64 *shape,
                                 guint64 *nbytes, const char *label,
                                 const char *name, GError **error);

/* Format parsers over bytes that stay valid as long as @mf. Tensors go
 * to @mf with shard index @shard. */
gboolean rf_safetensors_parse (RfModelFile *mf, const guint8 *data, gsize size,
                               guint shard, const char *label, GError **error);
gboolean rf_gguf_parse (RfModelFile *mf, const guint8 *data, gsize size,
                        const char *label, GError **error);
/* Opens a sharded checkpoint from its index file. */
RfModelFile *rf_safetensors_open_index (const char *path, GError **error);
/* Maps @path; refuses directories and non-regular files. */
GMappedFile *rf_model_map_file (const char *path, GError **error);
