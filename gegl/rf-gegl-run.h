/* rf-gegl-run.h — how the rectify:* GEGL ops run a job outside the host
 * process: the pixels go to a `rectify` process through temporary
 * floating-point EXR files, its result comes back into @output, its
 * step lines become gegl_operation_progress(). This is the only file of
 * gegl/ that knows where the model runs (rf-gegl-op.c calls it). */
#pragma once

#include <gegl.h>
#include <gegl-plugin.h>

G_BEGIN_DECLS

typedef struct {
  const char *command;   /* "inpaint", "edit", "generate" */
  const char *prompt;
  const char *source_prompt; /* edit; NULL = none */
  int steps;             /* 0 = default */
  int seed;              /* -1 = random */
  const char *model;     /* "" = search / test model */
  const char *device;
} RfGeglJob;

/* Runs @job on @rect of @input (NULL for generate: @rect's size is asked
 * for) and @mask (may be NULL) and writes the
 * result to @rect of @output. FALSE with @error when the process cannot
 * start or fails (its message in the error). The executable is
 * $RECTIFY_CLI, else the installed `rectify`, else `rectify` on PATH. */
gboolean rf_gegl_run (GeglOperation *operation, const RfGeglJob *job, GeglBuffer *input,
                      GeglBuffer *mask, GeglBuffer *output, const GeglRectangle *rect,
                      GError **error);

G_END_DECLS
