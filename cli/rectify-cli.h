/* rectify-cli.h — subcommands of the `rectify` program.
 *
 * Each subcommand lives in its own cmd-*.c and is listed once in
 * rectify.c's table. A subcommand returns the process exit status and
 * prints its own errors ("rectify <cmd>: <message>") to stderr.
 */
#pragma once

#include <glib.h>

typedef int (*RfCliCommandFunc) (int argc, char **argv);

typedef struct {
  const char *name;
  RfCliCommandFunc run;
  const char *summary; /* N_(): translated where shown */
} RfCliCommand;

/* Prints "rectify <cmd>: <error->message>" to stderr; returns 1. */
int rf_cli_fail (const char *cmd, const GError *error);

/* Subcommands (cmd-*.c). */
int rf_cli_devices (int argc, char **argv);

/* cmd-models.c */
int rf_cmd_models (int argc, char **argv);

/* cmd-dit.c, cmd-vae.c: the expert model commands */
int rf_cmd_dit (int argc, char **argv);
int rf_cmd_vae (int argc, char **argv);
/* cmd-tokenize.c */
int rf_cmd_tokenize (int argc, char **argv);

/* cmd-encode.c */
int rf_cmd_encode (int argc, char **argv);

/* cmd-serve.c: the engine service */
int rf_cmd_serve (int argc, char **argv);

/* cmd-generate.c, cmd-edit.c, cmd-inpaint.c, cmd-invert.c,
 * cmd-reconstruct.c: the image jobs (shared machinery in cli-job.c) */
int rf_cmd_generate (int argc, char **argv);
int rf_cmd_edit (int argc, char **argv);
int rf_cmd_inpaint (int argc, char **argv);
int rf_cmd_invert (int argc, char **argv);
int rf_cmd_reconstruct (int argc, char **argv);
