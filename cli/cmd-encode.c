/* cmd-encode.c — `rectify encode --clip FILE --t5 FILE --prompt TEXT
 * --out-dir DIR`: writes txt.npy [1, L, d_model] (T5) and y.npy [1, D]
 * (CLIP pooled), the inputs `rectify dit --txt/--y` take. Embeddings are
 * cached per encoder file and token ids (rf-embed-cache.h). */
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "rectify-cli.h"
#include "rf-npy.h"
#include "rf-text-encode.h"

int
rf_cmd_encode (int argc, char **argv)
{
  g_autofree char *clip = NULL, *t5 = NULL, *prompt = NULL, *out_dir = NULL;
  g_autofree char *clip_tok = NULL, *t5_tok = NULL, *device = NULL, *t5_device = NULL;
  g_autofree char *cache_dir = NULL;
  gint max_length = 512;
  gboolean no_cache = FALSE;
  GOptionEntry entries[] = {
    { "clip", 0, 0, G_OPTION_ARG_FILENAME, &clip, N_("CLIP-L text model (safetensors)"), "FILE" },
    { "t5", 0, 0, G_OPTION_ARG_FILENAME, &t5, N_("T5 v1.1 encoder (safetensors or GGUF)"), "FILE" },
    { "prompt", 'p', 0, G_OPTION_ARG_FILENAME, &prompt, N_("the prompt (UTF-8)"), "TEXT" },
    { "out-dir", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir, N_("folder for txt.npy and y.npy"), "DIR" },
    { "max-length", 'n', 0, G_OPTION_ARG_INT, &max_length,
      N_("T5 tokens (512 for FLUX dev, 256 for schnell)"), "N" },
    { "device", 'd', 0, G_OPTION_ARG_STRING, &device,
      N_("where the encoders run: cpu, vulkan, vulkan:N (default: CLIP auto, T5 cpu)"), "DEV" },
    { "t5-device", 0, 0, G_OPTION_ARG_STRING, &t5_device,
      N_("where T5 runs (default cpu, or --device when given)"), "DEV" },
    { "clip-tokenizer", 0, 0, G_OPTION_ARG_FILENAME, &clip_tok,
      N_("CLIP tokenizer (default: found next to the model)"), "PATH" },
    { "t5-tokenizer", 0, 0, G_OPTION_ARG_FILENAME, &t5_tok,
      N_("T5 tokenizer (default: next to the model, or in its GGUF)"), "PATH" },
    { "cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &cache_dir,
      N_("embedding cache folder (default ~/.cache/rectify/embeddings)"), "DIR" },
    { "no-cache", 0, 0, G_OPTION_ARG_NONE, &no_cache, N_("neither read nor write the cache"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("— encode a prompt for FLUX"));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return rf_cli_fail ("encode", error);
  if (clip == NULL || t5 == NULL || prompt == NULL || out_dir == NULL || argc != 1
      || max_length < 1 || max_length > 4096)
    {
      g_printerr ("%s", _("Usage: rectify encode --clip FILE --t5 FILE --prompt TEXT --out-dir DIR "
                          "[--max-length N] [--device DEV] [--t5-device DEV]\n"));
      return 2;
    }
  RfTextEncodeOptions opt = {
    .clip_path = clip, .t5_path = t5, .clip_tokenizer = clip_tok, .t5_tokenizer = t5_tok,
    .clip_device = device, .t5_device = t5_device ? t5_device : device,
    .max_length = (guint) max_length, .cache_dir = cache_dir, .no_cache = no_cache,
  };
  g_autoptr (RfTextEmbeddings) e = rf_text_encode (&opt, prompt, &error);
  if (e == NULL)
    return rf_cli_fail ("encode", error);
  for (guint i = 0; i < e->warnings->len; i++)
    g_printerr (_("rectify encode: warning: %s\n"), (const char *) g_ptr_array_index (e->warnings, i));
  if (g_mkdir_with_parents (out_dir, 0755) != 0)
    {
      int err = errno;
      g_printerr (_("rectify encode: cannot create %s: %s\n"), out_dir, g_strerror (err));
      return 1;
    }
  g_autofree char *txt_path = g_build_filename (out_dir, "txt.npy", NULL);
  g_autofree char *y_path = g_build_filename (out_dir, "y.npy", NULL);
  const gint64 txt_shape[3] = { 1, e->txt_len, e->txt_dim }, y_shape[2] = { 1, e->y_dim };
  if (!rf_npy_save (txt_path, RF_DTYPE_F32, 3, txt_shape, e->txt, &error)
      || !rf_npy_save (y_path, RF_DTYPE_F32, 2, y_shape, e->y, &error))
    return rf_cli_fail ("encode", error);
  printf ("%s [1, %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]%s\n", txt_path, e->txt_len,
          e->txt_dim, e->txt_cached ? _(" (cached)") : "");
  printf ("%s [1, %" G_GINT64_FORMAT "]%s\n", y_path, e->y_dim, e->y_cached ? _(" (cached)") : "");
  return 0;
}
