/* cli-job.h — what the image-job commands (generate, invert, reconstruct,
 * edit, inpaint) share: the common options, finding the models (or the
 * tiny test set), a progress bar, Ctrl-C as a cooperative cancel, atomic
 * output and the closing metadata. */
#pragma once

#include "rf-image-io.h"
#include "rf-pipeline.h"

typedef enum {
  RF_CLI_OUTPUT_IMAGE,     /* -o IMAGE (png, jpg, tif, exr) */
  RF_CLI_OUTPUT_LATENT,    /* -o NOISE.npy */
  RF_CLI_OUTPUT_OPTIONAL,  /* image, or none (reconstruct) */
} RfCliOutputKind;

typedef struct {
  const char *cmd;             /* "inpaint" */
  RfCliOutputKind output_kind;
  /* models */
  char *model, **model_dirs, *ae, *fill, *clip, *t5, *clip_tokenizer, *t5_tokenizer;
  char *cond_dir, *source_cond_dir;
  /* run */
  char *device, *output, *preview, *seed, *solver;
  int steps, preview_every;
  double guidance, megapixels;
  gboolean quiet;
  gboolean service, local;     /* --service / --local (default: the service when available) */
  /* state */
  gboolean used_test_model;
} RfCliJob;

/* Sets the defaults and starts the image library. */
void rf_cli_job_init (RfCliJob *cj, const char *cmd, RfCliOutputKind output_kind);
/* Frees the option strings and stops the image library. */
void rf_cli_job_clear (RfCliJob *cj);

/* A NULL-terminated entry array: @specific then the shared options
 * (g_free the array itself; the strings are static). */
GOptionEntry *rf_cli_job_entries (RfCliJob *cj, const GOptionEntry *specific);

/* A prompt option's bytes as UTF-8: unchanged when already UTF-8, else
 * converted from the locale's encoding, else left for the pipeline to
 * reject. Takes ownership of @raw. */
char *rf_cli_job_prompt (char *raw);

/* Fills @params' shared fields from the options; FALSE (usage message
 * printed) when one is out of range. */
gboolean rf_cli_job_params (RfCliJob *cj, RfJobParams *params);

/* Runs @params: checks the output path, picks the models, runs the job in
 * the engine service (started on demand) or, with --local,
 * RECTIFY_LOCAL=1 or no service to be had, in this process (Ctrl-C
 * cancels either way), writes the output and prints the metadata: the
 * same output and metadata both ways. Returns the exit status: 0, 1 on
 * error, 2 for --service with --local, 130 when cancelled. */
int rf_cli_job_run (RfCliJob *cj, RfJobParams *params);
