/* fuzz-tokenizer.c — libFuzzer target: the tokenizer file readers, chosen
 * by content: "GGUF" → GGUF tokenizer metadata, '{' → tokenizer.json,
 * a NUL byte splitting JSON from text → vocab.json + merges.txt,
 * anything else → a SentencePiece model (protobuf). Every accepted
 * tokenizer then encodes fixed prompts and the input's own bytes (when
 * they are UTF-8), which walks a hostile charsmap and vocabulary. */
#include <stdint.h>
#include <string.h>

#include "rf-tokenizer.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
exercise (RfTokenizer *tok, const uint8_t *data, size_t size)
{
  static const char *const prompts[] = {
    "", " ", "a photo of a cat", "  Ünïcödé\t漢字 😀 ﬁ  ", "<|endoftext|>'s x2", "\xe2\x96\x81"
  };
  for (gsize i = 0; i < G_N_ELEMENTS (prompts); i++)
    {
      GArray *ids = rf_tokenizer_encode (tok, prompts[i], -1, 77, TRUE, NULL, NULL);
      if (ids)
        g_array_unref (ids);
    }
  gsize n = MIN (size, 512);
  if (g_utf8_validate_len ((const char *) data, n, NULL))
    {
      GArray *ids = rf_tokenizer_encode (tok, (const char *) data, (gssize) n, 0, FALSE, NULL, NULL);
      if (ids)
        g_array_unref (ids);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  RfTokenizer *tok = NULL;
  const uint8_t *nul = size ? memchr (data, 0, size) : NULL;
  if (size >= 4 && memcmp (data, "GGUF", 4) == 0)
    {
      RfModelFile *mf = rf_model_file_new_from_data (data, size, "fuzz", &error);
      if (mf)
        tok = rf_tokenizer_new_from_model_file (mf, &error);
      g_clear_error (&error);
      if (tok)
        exercise (tok, data, size);
      rf_tokenizer_free (tok);
      rf_model_file_free (mf);
      return 0;
    }
  if (size > 0 && data[0] == '{' && nul == NULL)
    tok = rf_tokenizer_new_from_json ((const char *) data, size, "fuzz", &error);
  else if (size > 0 && data[0] == '{')
    tok = rf_tokenizer_new_from_bpe_files ((const char *) data, (gsize) (nul - data),
                                           (const char *) nul + 1, size - (gsize) (nul - data) - 1,
                                           "fuzz", &error);
  else
    tok = rf_tokenizer_new_from_spm (data, size, "fuzz", &error);
  g_clear_error (&error);
  if (tok)
    exercise (tok, data, size);
  rf_tokenizer_free (tok);
  return 0;
}
