/* rf-model-info.h — what a file or folder holds, for `rectify models
 * info` and the service's "what is missing" answer. */
#pragma once

#include <glib.h>

#include "rf-model-file.h"
#include "rf-weights.h"

G_BEGIN_DECLS

typedef struct {
  char *path;                 /* the model file */
  RfModelFormat format;
  guint64 file_bytes;
  RfComponent *component;     /* NULL when the file could not be read */
  RfModelConfig config;       /* valid when error == NULL and component != NULL */
  char *description;          /* rf_weights_describe() */
  char *layout;               /* "BFL single file", "ComfyUI (...)", "diffusers", ... */
  char *dtypes;               /* "bf16 780" */
  guint n_tensors;
  gint64 n_params;
  guint64 n_bytes;
  char *error;                /* why it cannot be used, or NULL */
} RfModelPart;

typedef struct {
  char *path;
  GPtrArray *parts;           /* RfModelPart* */
  char *missing;              /* what running FLUX.1 still needs, or NULL */
} RfModelInfo;

/* Examines @path: one model file (any format), a sharded index, a
 * diffusers folder, or a folder of model files. Every file is opened and
 * checked; problems are recorded in the parts, not returned. Fails only
 * when @path cannot be read at all or holds no model file
 * (RF_MODEL_ERROR_NOT_FOUND / _IO). */
RfModelInfo *rf_model_info_gather (const char *path, GError **error);
void rf_model_info_free (RfModelInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfModelInfo, rf_model_info_free)

/* TRUE when every part loaded and at least one model was recognised. */
gboolean rf_model_info_is_ok (const RfModelInfo *info);
/* Human-readable report; g_free it. */
char *rf_model_info_format (const RfModelInfo *info);

/* The model files directly under @dir (sorted): *.safetensors, *.sft,
 * *.gguf and *.safetensors.index.json, leaving out the shards of an index
 * present in the same folder. */
GPtrArray *rf_model_list_files (const char *dir);

/* The layout in words, e.g. "ComfyUI (prefix model.diffusion_model.)". */
char *rf_component_describe_layout (const RfComponent *c, RfModelFormat format);

/* "23.8 GB" / "11.90 B" style numbers; g_free them. */
char *rf_format_bytes (guint64 bytes);
char *rf_format_count (gint64 n);

G_END_DECLS
