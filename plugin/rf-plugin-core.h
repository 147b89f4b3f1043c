/* rf-plugin-core.h — what the GIMP 2.10 and 3 plug-ins share: running a
 * job on pixels read from a drawable, and moving pixels between GEGL
 * buffers and RfImage. The version layers only talk to libgimp.
 *
 * The model runs in the engine service (rf-service-pipeline.h), started on
 * demand: the plug-in process is a thin client, and the models stay
 * loaded between filter runs (GIMP starts a new plug-in process for each).
 * When the service cannot be had, or with RECTIFY_LOCAL=1, it runs in the
 * plug-in process instead (a separate process from GIMP too). Either
 * way a crash or GIMP's own cancel, which kills the plug-in, cannot harm
 * the image: nothing is written before the result is complete.
 */
#pragma once

#include <gegl.h>
#include <gio/gio.h>

#include "rf-pipeline.h"
#include "rf-service-pipeline.h"

G_BEGIN_DECLS

typedef struct {
  RfJobKind kind;          /* RF_JOB_INPAINT, RF_JOB_EDIT or RF_JOB_GENERATE */
  const char *prompt;
  const char *source_prompt;
  guint steps;             /* 0 = the model's default */
  gint64 seed;             /* < 0 = random */
  const char *model;       /* a transformer file, or NULL/"" = search, else the test model */
  const char *device;      /* "auto", "cpu", "vulkan[:N]"; NULL = auto */
  double strength;         /* inpaint: how much of the selection is regenerated, (0, 1], 1 =
                              from pure noise; edit and generate: 1. Passed as is: the
                              pipeline refuses other values with a clear message */
} RfPluginJob;

/* Called with the fraction done (0..1) and a short translated text. */
typedef void (*RfPluginProgressFunc) (double fraction, const char *text, gpointer user_data);
/* A preview of the result at the work size after sampling step @step
 * (borrowed for the call). Called on the thread running the job. */
typedef void (*RfPluginPreviewFunc) (const RfImage *preview, guint step, guint n_steps,
                                     gpointer user_data);

/* Every how many sampling steps a preview is made when one is asked for. */
#define RF_PLUGIN_PREVIEW_EVERY 1

/* Runs @job on @image (RGBA, the drawable's pixels) through @mask (1
 * channel, the same size, 1 = change; NULL = everything), in the engine
 * service unless RECTIFY_LOCAL is set or the service cannot be started
 * (then here, after a notice on stderr and through @progress). The
 * result is the same either way, bit for bit. It is composited through
 * the mask, so pixels where it is 0 are @image's bit for bit. @seed_used
 * gets the seed. Cancelling @cancellable cancels the service's job (it
 * stops before the next model step). Returns a new image, or NULL with
 * @error (G_IO_ERROR_CANCELLED on cancel). */
RfImage *rf_plugin_run (const RfPluginJob *job, const RfImage *image, const RfImage *mask,
                        RfPluginProgressFunc progress, RfPluginPreviewFunc preview,
                        gpointer user_data, GCancellable *cancellable, guint64 *seed_used,
                        GError **error);

/* One entry of the dialogs' model list. */
typedef struct {
  char *value;    /* what the "model" argument gets: "" (automatic) or a transformer file */
  char *label;    /* translated: file name and what is missing, or "Automatic" */
  char *missing;  /* translated list of missing parts, "" when complete; NULL for "" */
} RfPluginModel;

void rf_plugin_model_free (RfPluginModel *model);

/* The model sets found: "automatic" first, then each transformer in the
 * search folders (rf_model_search_dirs) completed with
 * rf_model_set_complete, then the tiny test set when it exists. Asks the
 * engine service (rf_service_pipeline_list_model_sets: the sets it will
 * run, with what each lacks); searches here with RECTIFY_LOCAL or when
 * the service cannot be had. @from_service (may be NULL) says which.
 * Returns RfPluginModel*; never fails (unreadable files are left out). */
GPtrArray *rf_plugin_list_models (gboolean *from_service);

/* The set a local run on @model ("" or NULL: the installed models, else
 * the test model) uses, as the service resolves it. NULL with @error when
 * the file is no transformer or no model is installed at all. */
RfModelSet *rf_plugin_resolve_models (const char *model, GError **error);

/* Whether RECTIFY_LOCAL asks for running in the plug-in process. */
gboolean rf_plugin_env_local (void);

/* A client of the engine service (started when needed), or NULL: with
 * @error when it cannot be had (RF_SERVICE_ERROR_UNAVAILABLE), without
 * one when RECTIFY_LOCAL asks for running here. */
RfServiceClient *rf_plugin_service_client (GError **error);

/* The device choices: "auto", "cpu", then "vulkan:N" for each usable
 * Vulkan device (with its name in @labels, translated). Both arrays are
 * NULL-terminated and the same length; free with g_strfreev. */
void rf_plugin_list_devices (char ***values, char ***labels);

/* "@what (seed N)" for the new layer's name and the progress text. */
char *rf_plugin_seed_text (const char *what, guint64 seed);

/* The parasite name under which the seed used is attached to the layer
 * (a decimal string). */
#define RF_PLUGIN_SEED_PARASITE "rectify-seed"

/* Reads @rect of @buffer as RGBA ("R'G'B'A float") or, with @mask TRUE,
 * as one channel ("Y float"). Never fails for valid arguments. */
RfImage *rf_plugin_image_from_buffer (GeglBuffer *buffer, const GeglRectangle *rect,
                                      gboolean mask);

/* Writes @image into @buffer at (@x, @y) in the buffer's own format. */
void rf_plugin_image_to_buffer (const RfImage *image, GeglBuffer *buffer, int x, int y);

/* Whether any mask value is above zero. */
gboolean rf_plugin_mask_any (const RfImage *mask);

/* Binds the "rectify" text domain to @localedir (from the plug-in's
 * install) so the dialogs are translated. */
void rf_plugin_init_i18n (const char *localedir);

G_END_DECLS
