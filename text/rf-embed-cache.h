/* rf-embed-cache.h — text embeddings on disk, so each encoder runs once
 * per prompt.
 *
 * Entries live in g_get_user_cache_dir()/rectify/embeddings (or a given
 * folder), one file per key: "<sha256 hex>.emb". The key hashes the
 * encoder file's identity (canonical path, size, mtime in ns, and the
 * total size of all its shards) with the exact token ids, which fix the
 * prompt, the tokenizer, truncation and padding length together.
 *
 * File layout (little-endian): "RFEMB\0\0\1" | the 32-byte key | u32 ndim
 * | ndim × i64 shape | 32-byte SHA-256 of the data | f32 data. Writes go
 * to a temporary file renamed into place (g_file_set_contents), so a
 * reader never sees half an entry; an entry whose header, size or
 * checksum is wrong is ignored (and overwritten by the next store).
 */
#pragma once

#include <glib.h>

#include "rf-model-file.h"

G_BEGIN_DECLS

#define RF_EMBED_MAX_DIMS 4

/* The default folder (not created). g_free it. */
char *rf_embed_cache_default_dir (void);

/* The key (64 hex digits) of @kind ("clip-pooled", "t5") run by the
 * encoder in @mf on @ids. Errors: RF_TEXT_ERROR_IO if the file cannot be
 * stat'ed. g_free it. */
char *rf_embed_cache_key (const RfModelFile *mf, const char *kind, const gint32 *ids,
                          guint n, GError **error);

/* The entry for @key in @dir, or NULL when there is none or it is
 * corrupt (*@why, may be NULL, then says which; NULL when simply absent).
 * *@shape receives @ndim dims, which must match the stored ones. */
float *rf_embed_cache_load (const char *dir, const char *key, int ndim, gint64 *shape,
                            char **why);

/* Stores an entry atomically, creating @dir. Errors: RF_TEXT_ERROR_IO. */
gboolean rf_embed_cache_store (const char *dir, const char *key, int ndim,
                               const gint64 *shape, const float *data, GError **error);

G_END_DECLS
