/* rf-gegl-run.h — how the rectify:* GEGL ops run a job outside the host
 * process: in the engine service (started on demand), which keeps the
 * models loaded between runs. The pixels go as float images in sealed
 * shared memory, the result comes back into @output, the service's step
 * progress becomes gegl_operation_progress(). The module links only the
 * service's client side: the model never runs, and Vulkan is never
 * initialised, in the host process (GIMP, `gegl`). RECTIFY_LOCAL does not
 * apply here: there is no in-process path. This is the only file of
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
  double strength;       /* inpaint: (0, 1]; 0 (left out) = the default, 1 */
} RfGeglJob;

/* Runs @job on @rect of @input (NULL for generate: @rect's size is asked
 * for) and @mask (may be NULL) in the engine service and writes the
 * result to @rect of @output. FALSE with @error when the service cannot
 * be started (RF_SERVICE_ERROR_UNAVAILABLE), the model is missing or the
 * job fails (the service's message). The service is started as
 * rf-service-client.h says ($RECTIFY_SERVE_COMMAND, else the installed
 * `rectify serve --daemon`, else `rectify` on PATH). */
gboolean rf_gegl_run (GeglOperation *operation, const RfGeglJob *job, GeglBuffer *input,
                      GeglBuffer *mask, GeglBuffer *output, const GeglRectangle *rect,
                      GError **error);

G_END_DECLS
