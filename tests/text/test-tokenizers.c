/* test-tokenizers.c — the CLIP and T5 tokenizers against their oracles.
 *
 * tests/data/text/strings.json holds 2000 strings (Debian text mixed with
 * accents, CJK, emoji, odd whitespace, the empty string); t5-cases.json
 * holds sentencepiece's ids for them under two models, clip-cases.json the
 * reference BPE's (tools/reference/clip_tokenizer_ref.py). Every loader of
 * each model (spiece.model, tokenizer.json, GGUF; vocab.json + merges.txt,
 * tokenizer.json, the folder) must reproduce every string exactly.
 * Regenerate the data with tools/tokenizer/make-t5-spm.py and
 * make-clip-bpe.py (see tests/data/text/README.md).
 */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include "rf-tokenizer.h"

static int failures;

#define CHECK(cond, ...)                                   \
  do                                                       \
    {                                                      \
      gboolean ok_ = (cond);                               \
      printf ("%s ", ok_ ? "ok  " : "FAIL");               \
      printf (__VA_ARGS__);                                \
      printf ("\n");                                       \
      if (!ok_)                                            \
        failures++;                                        \
    }                                                      \
  while (0)

static char *
data_path (const char *rel)
{
  const char *src = g_getenv ("RECTIFY_SOURCE_DIR");
  return g_build_filename (src ? src : ".", "tests", "data", "text", rel, NULL);
}

static JsonParser *
load_json (const char *rel)
{
  g_autofree char *p = data_path (rel);
  JsonParser *parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  if (!json_parser_load_from_file (parser, p, &error))
    {
      printf ("FAIL cannot read %s: %s\n", p, error->message);
      exit (1);
    }
  return parser;
}

static RfTokenizer *
load_tokenizer (const char *rel)
{
  g_autofree char *p = data_path (rel);
  g_autoptr (GError) error = NULL;
  RfTokenizer *tok = rf_tokenizer_load (p, &error);
  CHECK (tok != NULL, "load %s%s%s", rel, error ? ": " : "", error ? error->message : "");
  return tok;
}

static void
print_ids (const char *what, const gint32 *ids, guint n)
{
  printf ("       %s:", what);
  for (guint i = 0; i < n; i++)
    printf (" %d", ids[i]);
  printf ("\n");
}

/* Every string of strings.json through @tok against @expect (arrays of
 * content ids), wrapped in the tokenizer's special tokens. */
static void
check_cases (const char *name, RfTokenizer *tok, JsonArray *strings, JsonArray *expect)
{
  if (tok == NULL)
    return;
  guint n = json_array_get_length (strings), bad = 0, total_ids = 0;
  gboolean clip = rf_tokenizer_get_kind (tok) == RF_TOKENIZER_CLIP_BPE;
  for (guint i = 0; i < n; i++)
    {
      const char *s = json_array_get_string_element (strings, i);
      JsonArray *e = json_array_get_array_element (expect, i);
      GArray *want = g_array_new (FALSE, FALSE, sizeof (gint32));
      gint32 bos = rf_tokenizer_get_bos_id (tok), eos = rf_tokenizer_get_eos_id (tok);
      if (clip)
        g_array_append_val (want, bos);
      for (guint k = 0; k < json_array_get_length (e); k++)
        {
          gint32 id = (gint32) json_array_get_int_element (e, k);
          g_array_append_val (want, id);
        }
      g_array_append_val (want, eos);
      g_autoptr (GError) error = NULL;
      GArray *got = rf_tokenizer_encode (tok, s, -1, 0, FALSE, NULL, &error);
      gboolean same = got && got->len == want->len
                      && memcmp (got->data, want->data, want->len * sizeof (gint32)) == 0;
      total_ids += want->len;
      if (!same && bad++ < 3)
        {
          g_autofree char *esc = g_strescape (s, NULL);
          printf ("     %s case %u \"%s\"%s%s\n", name, i, esc, error ? ": " : "",
                  error ? error->message : "");
          print_ids ("want", (const gint32 *) want->data, want->len);
          if (got)
            print_ids ("got ", (const gint32 *) got->data, got->len);
        }
      g_array_unref (want);
      if (got)
        g_array_unref (got);
    }
  CHECK (bad == 0, "%s: %u/%u strings (%u ids) match the oracle", name, n - bad, n, total_ids);
}

static GArray *
encode (RfTokenizer *tok, const char *text, gssize len, guint max_length, gboolean pad,
        guint *dropped, GError **error)
{
  return rf_tokenizer_encode (tok, text, len, max_length, pad, dropped, error);
}

static void
check_special (RfTokenizer *clip, RfTokenizer *t5)
{
  g_autoptr (GError) error = NULL;
  guint dropped = 99;
  gint32 bos = rf_tokenizer_get_bos_id (clip), eos = rf_tokenizer_get_eos_id (clip);

  /* CLIP: empty prompt, padding with <|endoftext|> to 77 */
  GArray *ids = encode (clip, "", -1, 77, TRUE, &dropped, &error);
  gboolean ok = ids && ids->len == 77 && g_array_index (ids, gint32, 0) == bos && dropped == 0;
  for (guint i = 1; ok && i < 77; i++)
    ok = g_array_index (ids, gint32, i) == eos;
  CHECK (ok, "clip: the empty prompt is <|startoftext|> then 76 × <|endoftext|>");
  g_clear_pointer (&ids, g_array_unref);

  /* CLIP: 100 words are cut to 75 between the specials, 25 dropped */
  GString *many = g_string_new (NULL);
  for (int i = 0; i < 100; i++)
    g_string_append (many, "a ");
  ids = encode (clip, many->str, -1, 77, TRUE, &dropped, &error);
  CHECK (ids && ids->len == 77 && dropped == 25 && g_array_index (ids, gint32, 76) == eos
         && g_array_index (ids, gint32, 75) != eos,
         "clip: 100 tokens truncate to 75 + specials, 25 dropped (got %u)", dropped);
  g_clear_pointer (&ids, g_array_unref);
  ids = encode (clip, many->str, -1, 0, FALSE, &dropped, &error);
  CHECK (ids && ids->len == 102 && dropped == 0, "clip: no maximum keeps all 100 tokens");
  g_clear_pointer (&ids, g_array_unref);
  g_string_free (many, TRUE);

  /* T5: </s> appended, <pad> after it, truncation keeps room for </s> */
  gint32 t5_eos = rf_tokenizer_get_eos_id (t5), t5_pad = rf_tokenizer_get_pad_id (t5);
  CHECK (t5_eos == 1 && t5_pad == 0 && rf_tokenizer_get_bos_id (t5) == -1,
         "t5: </s> = 1, <pad> = 0, no <s> (T5's layout)");
  ids = encode (t5, "", -1, 256, TRUE, &dropped, &error);
  ok = ids && ids->len == 256 && g_array_index (ids, gint32, 0) == t5_eos;
  for (guint i = 1; ok && i < 256; i++)
    ok = g_array_index (ids, gint32, i) == t5_pad;
  CHECK (ok, "t5: the empty prompt is </s> then 255 × <pad>");
  g_clear_pointer (&ids, g_array_unref);
  GArray *full = encode (t5, "the quick brown fox jumps over the lazy dog", -1, 0, FALSE, NULL, &error);
  ids = encode (t5, "the quick brown fox jumps over the lazy dog", -1, 5, TRUE, &dropped, &error);
  CHECK (full && ids && ids->len == 5 && g_array_index (ids, gint32, 4) == t5_eos
         && memcmp (ids->data, full->data, 4 * sizeof (gint32)) == 0
         && dropped == full->len - 5,
         "t5: max length 5 keeps the first 4 pieces and </s> (%u dropped)", dropped);
  g_clear_pointer (&ids, g_array_unref);
  g_clear_pointer (&full, g_array_unref);

  /* bad input */
  const char bad[] = "ok \xc3\x28 no";
  ids = encode (t5, bad, -1, 0, FALSE, NULL, &error);
  CHECK (ids == NULL && g_error_matches (error, RF_TEXT_ERROR, RF_TEXT_ERROR_INVALID_TEXT)
         && strstr (error->message, "offset 3") != NULL,
         "invalid UTF-8 is an error naming byte offset 3 (%s)", error ? error->message : "none");
  g_clear_error (&error);
  ids = encode (clip, "ab\0cd", 5, 0, FALSE, NULL, &error);
  CHECK (ids == NULL && error && strstr (error->message, "offset 2") != NULL,
         "a NUL byte is an error naming byte offset 2");
  g_clear_error (&error);
  ids = encode (clip, "x", -1, 1, FALSE, NULL, &error);
  CHECK (ids == NULL && g_error_matches (error, RF_TEXT_ERROR, RF_TEXT_ERROR_INVALID),
         "clip: a maximum length of 1 is refused");
  g_clear_error (&error);

  /* vocabulary sizes */
  guint nc = rf_tokenizer_get_vocab_size (clip), nt = rf_tokenizer_get_vocab_size (t5);
  CHECK (rf_tokenizer_check_vocab (clip, nc, "clip", NULL)
         && !rf_tokenizer_check_vocab (clip, nc + 1, "clip", &error)
         && g_error_matches (error, RF_TEXT_ERROR, RF_TEXT_ERROR_MISMATCH),
         "clip: the vocabulary must match the embedding rows exactly (%u)", nc);
  g_clear_error (&error);
  CHECK (rf_tokenizer_check_vocab (t5, nt + 128, "t5", NULL)
         && !rf_tokenizer_check_vocab (t5, nt - 1, "t5", NULL)
         && !rf_tokenizer_check_vocab (t5, nt + 4096, "t5", NULL),
         "t5: the embedding may pad the vocabulary (like 32000 → 32128) but not shrink it");
}

static void
check_bad_files (void)
{
  g_autoptr (GError) error = NULL;
  static const char *const garbage[] = {
    "", "{", "{}", "{\"model\":{\"type\":\"WordPiece\"}}",
    "{\"model\":{\"type\":\"Unigram\",\"vocab\":[[\"a\",-1.0]],\"unk_id\":5}}",
    "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[],\"end_of_word_suffix\":\"</w>\"}}",
    "\x0a\x05\x0a\x01\x61",          /* a piece field cut short */
    "\x12\x02\x18\x02\x0a\x03\x0a\x01\x61", /* a BPE-type sentencepiece model */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      const char *d = garbage[i];
      gsize n = i == 6 ? 5 : i == 7 ? 9 : strlen (d);
      RfTokenizer *t = n > 0 && d[0] == '{' ? rf_tokenizer_new_from_json (d, n, "bad", &error)
                                            : rf_tokenizer_new_from_spm ((const guint8 *) d, n, "bad", &error);
      CHECK (t == NULL && error != NULL, "malformed tokenizer file %" G_GSIZE_FORMAT " is refused: %s",
             i, error ? error->message : "(accepted)");
      rf_tokenizer_free (t);
      g_clear_error (&error);
    }
  const char merges[] = "#version: 0.2\na b c\n";
  RfTokenizer *t = rf_tokenizer_new_from_bpe_files ("{\"a\":0}", 7, merges, strlen (merges), "bad", &error);
  CHECK (t == NULL && error && strstr (error->message, "line 2"), "a bad merges.txt line is named: %s",
         error ? error->message : "(accepted)");
  g_clear_error (&error);
  g_autofree char *dir = data_path ("");
  g_autofree char *missing = g_build_filename (dir, "no-such-tokenizer", NULL);
  t = rf_tokenizer_load (missing, &error);
  CHECK (t == NULL && g_error_matches (error, RF_TEXT_ERROR, RF_TEXT_ERROR_IO),
         "a missing file is an I/O error");
  g_clear_error (&error);
}

int
main (void)
{
  g_autoptr (JsonParser) sp = load_json ("strings.json");
  g_autoptr (JsonParser) t5p = load_json ("t5-cases.json");
  g_autoptr (JsonParser) clipp = load_json ("clip-cases.json");
  JsonArray *strings = json_object_get_array_member (json_node_get_object (json_parser_get_root (sp)), "strings");
  JsonObject *t5ids = json_object_get_object_member (json_node_get_object (json_parser_get_root (t5p)), "ids");
  JsonObject *clipids = json_object_get_object_member (json_node_get_object (json_parser_get_root (clipp)), "ids");

  g_autoptr (RfTokenizer) t5 = load_tokenizer ("t5/spiece.model");
  check_cases ("t5/spiece.model", t5, strings, json_object_get_array_member (t5ids, "t5"));
  static const char *const t5b[] = { "t5-bytes/spiece.model", "t5-bytes/tokenizer.json",
                                     "t5-bytes/tokenizer.gguf" };
  for (gsize i = 0; i < G_N_ELEMENTS (t5b); i++)
    {
      g_autoptr (RfTokenizer) t = load_tokenizer (t5b[i]);
      check_cases (t5b[i], t, strings, json_object_get_array_member (t5ids, "t5-bytes"));
    }
  /* the tokenizer inside a multi-gigabyte GGUF encoder: a sparse 300 MB
   * copy, past the size limit for plain tokenizer files */
  {
    g_autofree char *src = data_path ("t5-bytes/tokenizer.gguf");
    g_autofree char *blob = NULL;
    gsize n = 0;
    g_autofree char *tmp = g_dir_make_tmp ("rectify-tok-XXXXXX", NULL);
    g_autofree char *big = g_build_filename (tmp, "t5-encoder.gguf", NULL);
    gboolean made = g_file_get_contents (src, &blob, &n, NULL)
                    && g_file_set_contents (big, blob, (gssize) n, NULL);
    int fd = made ? g_open (big, O_WRONLY, 0) : -1;
    made = fd >= 0 && ftruncate (fd, (off_t) 300 << 20) == 0;
    if (fd >= 0)
      close (fd);
    g_autoptr (GError) error = NULL;
    g_autoptr (RfTokenizer) t = made ? rf_tokenizer_load (big, &error) : NULL;
    CHECK (t != NULL, "load the tokenizer of a 300 MB GGUF file%s%s", error ? ": " : "",
           error ? error->message : "");
    if (t)
      check_cases ("300 MB GGUF", t, strings, json_object_get_array_member (t5ids, "t5-bytes"));
    g_unlink (big);
    g_rmdir (tmp);
  }
  /* loaded files are kept for reuse (the service runs many jobs): the same
   * unchanged file gives the same tokenizer, an edited one is read again */
  {
    g_autofree char *src = data_path ("t5-bytes/tokenizer.json");
    g_autofree char *blob = NULL;
    gsize n = 0;
    g_autofree char *tmp = g_dir_make_tmp ("rectify-tok-XXXXXX", NULL);
    g_autofree char *copy = g_build_filename (tmp, "tokenizer.json", NULL);
    gboolean made = g_file_get_contents (src, &blob, &n, NULL)
                    && g_file_set_contents (copy, blob, (gssize) n, NULL);
    g_autoptr (RfTokenizer) a = made ? rf_tokenizer_load (copy, NULL) : NULL;
    g_autoptr (RfTokenizer) b = made ? rf_tokenizer_load (copy, NULL) : NULL;
    CHECK (a != NULL && a == b, "an unchanged file is read once");
    /* the same content with one more byte of whitespace: another file state */
    g_autofree char *edited = g_strconcat (blob ? blob : "", "\n", NULL);
    made = made && g_file_set_contents (copy, edited, -1, NULL);
    g_autoptr (RfTokenizer) c = made ? rf_tokenizer_load (copy, NULL) : NULL;
    CHECK (c != NULL && c != a, "an edited file is read again");
    if (c)
      check_cases ("the edited file", c, strings, json_object_get_array_member (t5ids, "t5-bytes"));
    g_unlink (copy);
    g_autoptr (GError) error = NULL;
    g_autoptr (RfTokenizer) d = rf_tokenizer_load (copy, &error);
    CHECK (d == NULL && error != NULL, "a deleted file is not served from memory");
    g_rmdir (tmp);
  }
  static const char *const clips[] = { "clip/vocab.json", "clip/merges.txt", "clip/tokenizer.json",
                                       "clip" };
  g_autoptr (RfTokenizer) clip = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (clips); i++)
    {
      g_autoptr (RfTokenizer) t = load_tokenizer (clips[i]);
      check_cases (clips[i], t, strings, json_object_get_array_member (clipids, "clip"));
      if (i == 0)
        clip = g_steal_pointer (&t);
    }
  if (clip && t5)
    check_special (clip, t5);
  check_bad_files ();
  rf_tokenizer_cache_clear ();
  printf ("%s\n", failures ? "FAILED" : "all passed");
  return failures ? 1 : 0;
}
