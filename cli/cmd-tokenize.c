/* cmd-tokenize.c — `rectify tokenize --tokenizer PATH --prompt TEXT [--pad]`:
 * prints the ids on one line, space-separated, special tokens included,
 * padded only with --pad. Truncation to the model's length (77 for CLIP,
 * 512 for T5, or --max-length) is reported on stderr. */
#include <glib/gi18n-lib.h>
#include <stdio.h>

#include "rectify-cli.h"
#include "rf-tokenizer.h"

int
rf_cmd_tokenize (int argc, char **argv)
{
  g_autofree char *path = NULL, *prompt = NULL;
  gboolean pad = FALSE;
  gint max_length = -1;
  GOptionEntry entries[] = {
    { "tokenizer", 't', 0, G_OPTION_ARG_FILENAME, &path,
      N_("tokenizer file or folder (tokenizer.json, vocab.json + merges.txt, spiece.model, .gguf)"),
      "PATH" },
    /* raw bytes, so that invalid UTF-8 reaches the tokenizer's check */
    { "prompt", 'p', 0, G_OPTION_ARG_FILENAME, &prompt, N_("text to tokenize (UTF-8)"), "TEXT" },
    { "pad", 0, 0, G_OPTION_ARG_NONE, &pad, N_("pad to the maximum length"), NULL },
    { "max-length", 'n', 0, G_OPTION_ARG_INT, &max_length,
      N_("maximum number of ids (default 77 for CLIP, 512 for T5; 0: no limit)"), "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("— print the token ids of a prompt"));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return rf_cli_fail ("tokenize", error);
  if (path == NULL || prompt == NULL || argc != 1 || max_length < -1)
    {
      g_printerr ("%s", _("Usage: rectify tokenize --tokenizer PATH --prompt TEXT [--pad] "
                          "[--max-length N]\n"));
      return 2;
    }
  g_autoptr (RfTokenizer) tok = rf_tokenizer_load (path, &error);
  if (tok == NULL)
    return rf_cli_fail ("tokenize", error);
  guint limit = max_length < 0 ? rf_tokenizer_get_default_max_length (tok) : (guint) max_length;
  if (pad && limit == 0)
    {
      g_printerr ("%s", _("rectify tokenize: --pad needs a maximum length\n"));
      return 2;
    }
  guint dropped = 0;
  g_autoptr (GArray) ids = rf_tokenizer_encode (tok, prompt, -1, limit, pad, &dropped, &error);
  if (ids == NULL)
    return rf_cli_fail ("tokenize", error);
  if (dropped > 0)
    g_printerr (ngettext ("rectify tokenize: warning: the prompt is longer than %u tokens; "
                          "%u token was dropped\n",
                          "rectify tokenize: warning: the prompt is longer than %u tokens; "
                          "%u tokens were dropped\n", dropped), limit, dropped);
  GString *line = g_string_new (NULL);
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (line, i ? " %d" : "%d", g_array_index (ids, gint32, i));
  g_string_append_c (line, '\n');
  fputs (line->str, stdout);
  g_string_free (line, TRUE);
  return 0;
}
