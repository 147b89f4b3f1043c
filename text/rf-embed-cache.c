/* rf-embed-cache.c — the on-disk text-embedding cache (see the header). */
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "rf-embed-cache.h"
#include "rf-text-error.h"

static const guint8 MAGIC[8] = { 'R', 'F', 'E', 'M', 'B', 0, 0, 1 };
#define KEY_BYTES 32
#define HEADER_FIXED (8 + KEY_BYTES + 4)

char *
rf_embed_cache_default_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "rectify", "embeddings", NULL);
}

char *
rf_embed_cache_key (const RfModelFile *mf, const char *kind, const gint32 *ids, guint n,
                    GError **error)
{
  const char *path = rf_model_file_get_path (mf);
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    {
      int e = errno;
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_IO, _("%s: %s"), path, g_strerror (e));
      return NULL;
    }
  g_autofree char *canon = g_canonicalize_filename (path, NULL);
  g_autofree char *ident = g_strdup_printf (
    "rectify-embedding-cache 1\n%s\n%s\n%" G_GUINT64_FORMAT "\n%" G_GINT64_FORMAT ".%09ld\n%"
    G_GUINT64_FORMAT "\n%u\n", kind, canon, (guint64) st.st_size, (gint64) st.st_mtim.tv_sec,
    (long) st.st_mtim.tv_nsec, rf_model_file_get_size (mf), n);
  g_autoptr (GChecksum) cs = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (cs, (const guchar *) ident, -1);
  for (guint i = 0; i < n; i++)
    {
      guint32 le = GUINT32_TO_LE ((guint32) ids[i]);
      g_checksum_update (cs, (const guchar *) &le, 4);
    }
  return g_strdup (g_checksum_get_string (cs));
}

static void
key_bytes (const char *key, guint8 out[KEY_BYTES])
{
  memset (out, 0, KEY_BYTES);
  for (int i = 0; i < KEY_BYTES && key[2 * i] && key[2 * i + 1]; i++)
    out[i] = (guint8) (g_ascii_xdigit_value (key[2 * i]) << 4 | g_ascii_xdigit_value (key[2 * i + 1]));
}

static char *
entry_path (const char *dir, const char *key)
{
  g_autofree char *name = g_strconcat (key, ".emb", NULL);
  return g_build_filename (dir, name, NULL);
}

static void
sha256_of (const float *data, gsize n_bytes, guint8 out[32])
{
  g_autoptr (GChecksum) cs = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (cs, (const guchar *) data, n_bytes);
  gsize len = 32;
  g_checksum_get_digest (cs, out, &len);
}

float *
rf_embed_cache_load (const char *dir, const char *key, int ndim, gint64 *shape, char **why)
{
  g_return_val_if_fail (ndim >= 1 && ndim <= RF_EMBED_MAX_DIMS, NULL);
  if (why)
    *why = NULL;
  g_autofree char *path = entry_path (dir, key);
  g_autofree char *data = NULL;
  gsize size = 0;
  if (!g_file_get_contents (path, &data, &size, NULL))
    return NULL;
  const gsize head = HEADER_FIXED + 8 * (gsize) ndim + 32;
  guint8 kb[KEY_BYTES];
  key_bytes (key, kb);
  guint32 nd;
  if (size < head || memcmp (data, MAGIC, 8) != 0 || memcmp (data + 8, kb, KEY_BYTES) != 0)
    goto corrupt;
  memcpy (&nd, data + 8 + KEY_BYTES, 4);
  if (GUINT32_FROM_LE (nd) != (guint32) ndim)
    goto corrupt;
  guint64 numel = 1;
  for (int i = 0; i < ndim; i++)
    {
      gint64 d;
      memcpy (&d, data + HEADER_FIXED + 8 * i, 8);
      d = GINT64_FROM_LE (d);
      if (d < 1 || d > (1 << 30) || (shape[i] > 0 && d != shape[i]))
        goto corrupt;
      shape[i] = d;
      numel *= (guint64) d;
    }
  if (numel > (G_MAXSIZE - head) / 4 || size != head + numel * 4)
    goto corrupt;
  float *out = g_new (float, numel);
  memcpy (out, data + head, numel * 4);
  guint8 digest[32];
  sha256_of (out, numel * 4, digest);
  if (memcmp (digest, data + head - 32, 32) != 0)
    {
      g_free (out);
      goto corrupt;
    }
  return out;

corrupt:
  if (why)
    *why = g_strdup_printf (_("ignoring the damaged cache entry %s"), path);
  return NULL;
}

gboolean
rf_embed_cache_store (const char *dir, const char *key, int ndim, const gint64 *shape,
                      const float *data, GError **error)
{
  g_return_val_if_fail (ndim >= 1 && ndim <= RF_EMBED_MAX_DIMS, FALSE);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int e = errno;
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_IO, _("cannot create %s: %s"), dir,
                   g_strerror (e));
      return FALSE;
    }
  guint64 numel = 1;
  for (int i = 0; i < ndim; i++)
    numel *= (guint64) shape[i];
  GByteArray *buf = g_byte_array_sized_new (HEADER_FIXED + 8 * ndim + 32 + numel * 4);
  guint8 kb[KEY_BYTES], digest[32];
  key_bytes (key, kb);
  g_byte_array_append (buf, MAGIC, 8);
  g_byte_array_append (buf, kb, KEY_BYTES);
  guint32 nd = GUINT32_TO_LE ((guint32) ndim);
  g_byte_array_append (buf, (const guint8 *) &nd, 4);
  for (int i = 0; i < ndim; i++)
    {
      gint64 d = GINT64_TO_LE (shape[i]);
      g_byte_array_append (buf, (const guint8 *) &d, 8);
    }
  sha256_of (data, numel * 4, digest);
  g_byte_array_append (buf, digest, 32);
  g_byte_array_append (buf, (const guint8 *) data, numel * 4);
  g_autofree char *path = entry_path (dir, key);
  GError *e = NULL;
  gboolean ok = g_file_set_contents (path, (const char *) buf->data, buf->len, &e);
  g_byte_array_unref (buf);
  if (!ok)
    {
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_IO, "%s", e->message);
      g_error_free (e);
    }
  return ok;
}
