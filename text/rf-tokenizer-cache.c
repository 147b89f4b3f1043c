/* rf-tokenizer-cache.c — tokenizers already read, kept for the next
 * rf_tokenizer_load of the same files. The engine service runs many jobs
 * with the same text encoders; a CLIP tokenizer.json is megabytes of JSON
 * and T5's vocabulary 32k pieces, so reading them per job costs a
 * noticeable part of a fast job. Entries are keyed by the files'
 * identity and state (device, inode, size, modification time), so an
 * edited or replaced file is read again; a few entries are kept, the
 * oldest dropped first. Tokenizers are immutable once built, so one may
 * serve several threads. */
#include <glib/gstdio.h>

#include "rf-tokenizer-private.h"

#define CACHE_ENTRIES 8

typedef struct {
  char *key;
  RfTokenizer *tok;   /* one reference held by the cache */
} Entry;

static GMutex lock;
static GQueue entries = G_QUEUE_INIT;   /* of Entry*, newest first */

/* The identity and state of @a (and @b), or NULL when one cannot be
 * stat'ed (then nothing is cached). */
static char *
make_key (const char *a, const char *b)
{
  GString *key = g_string_new (NULL);
  const char *paths[] = { a, b };
  for (int i = 0; i < 2 && paths[i] != NULL; i++)
    {
      GStatBuf st;
      if (g_stat (paths[i], &st) != 0)
        return g_string_free (key, TRUE), NULL;
      g_string_append_printf (key, "%llu:%llu:%lld:%lld.%09ld;", (unsigned long long) st.st_dev,
                              (unsigned long long) st.st_ino, (long long) st.st_size,
                              (long long) st.st_mtim.tv_sec, (long) st.st_mtim.tv_nsec);
    }
  return g_string_free (key, FALSE);
}

RfTokenizer *
rf_tokenizer_cache_lookup (const char *a, const char *b)
{
  g_autofree char *key = make_key (a, b);
  if (key == NULL)
    return NULL;
  RfTokenizer *hit = NULL;
  g_mutex_lock (&lock);
  for (GList *l = entries.head; l != NULL && hit == NULL; l = l->next)
    {
      Entry *e = l->data;
      if (g_str_equal (e->key, key))
        hit = rf_tokenizer_ref (e->tok);
    }
  g_mutex_unlock (&lock);
  return hit;
}

void
rf_tokenizer_cache_insert (const char *a, const char *b, RfTokenizer *tok)
{
  char *key = make_key (a, b);
  if (key == NULL)
    return;
  Entry *e = g_new (Entry, 1);
  *e = (Entry) { key, rf_tokenizer_ref (tok) };
  g_mutex_lock (&lock);
  g_queue_push_head (&entries, e);
  Entry *old = entries.length > CACHE_ENTRIES ? g_queue_pop_tail (&entries) : NULL;
  g_mutex_unlock (&lock);
  if (old != NULL)
    {
      rf_tokenizer_free (old->tok);
      g_free (old->key);
      g_free (old);
    }
}

void
rf_tokenizer_cache_clear (void)
{
  g_mutex_lock (&lock);
  Entry *e;
  while ((e = g_queue_pop_head (&entries)) != NULL)
    {
      rf_tokenizer_free (e->tok);
      g_free (e->key);
      g_free (e);
    }
  g_mutex_unlock (&lock);
}
