/* rectify.c — the `rectify` command-line program: subcommand dispatch. */
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "rf-config.h"
#include "rectify-cli.h"
#include "rf-service-client.h"

static const RfCliCommand commands[] = {
  { "generate", rf_cmd_generate, N_("make an image from a prompt") },
  { "edit", rf_cmd_edit, N_("change an image to match a prompt (RF-Edit)") },
  { "inpaint", rf_cmd_inpaint, N_("regenerate the masked part of an image") },
  { "invert", rf_cmd_invert, N_("invert an image to the noise that samples back to it") },
  { "reconstruct", rf_cmd_reconstruct, N_("invert and sample back; print the PSNR") },
  { "devices", rf_cli_devices, N_("list Vulkan devices and the one Rectify uses") },
  { "models", rf_cmd_models, N_("inspect and find model files") },
  { "dit", rf_cmd_dit, N_("one velocity evaluation of a FLUX transformer (.npy in and out)") },
  { "vae", rf_cmd_vae, N_("encode or decode with the autoencoder (.npy in and out)") },
  { "tokenize", rf_cmd_tokenize, N_("print the CLIP or T5 token ids of a prompt") },
  { "encode", rf_cmd_encode, N_("encode a prompt with CLIP and T5 (txt.npy, y.npy)") },
  { "serve", rf_cmd_serve, N_("the engine service that keeps models loaded (started on demand)") },
};

int
rf_cli_fail (const char *cmd, const GError *error)
{
  g_printerr ("rectify %s: %s\n", cmd, error ? error->message : _("failed"));
  return 1;
}

static void
print_usage (FILE *out)
{
  fprintf (out, "%s", _("Usage: rectify COMMAND [OPTIONS...]\n\n"
                         "Rectified-flow image models (FLUX.1) on Vulkan.\n\nCommands:\n"));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-12s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "%s", _("\nRun 'rectify COMMAND --help' for a command's options.\n"));
}

/* Messages follow the user's locale; $RECTIFY_LOCALEDIR overrides the
 * install's catalogue folder (relocated installs, tests), as for the GEGL
 * ops. `rectify serve` runs through here too, so the service's errors,
 * which travel to its clients, are in the locale the service started in. */
static void
init_i18n (void)
{
  setlocale (LC_ALL, "");
  const char *dir = g_getenv ("RECTIFY_LOCALEDIR");
  bindtextdomain (GETTEXT_PACKAGE, dir && *dir ? dir : RECTIFY_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
}

int
main (int argc, char **argv)
{
  init_i18n ();

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("rectify %s\n", RECTIFY_VERSION);
      return 0;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      {
        /* clients in this process start the service from this very program */
        g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
        rf_service_client_set_serve_program (self);
        int status = commands[i].run (argc - 1, argv + 1);
        rf_service_client_set_serve_program (NULL);
        return status;
      }

  fprintf (stderr, _("rectify: unknown command '%s'\n\n"), argv[1]);
  print_usage (stderr);
  return 2;
}
