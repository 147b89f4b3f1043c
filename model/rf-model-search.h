/* rf-model-search.h — where Rectify looks for models.
 *
 * In order: explicit folders given by the caller, each folder in
 * $RECTIFY_MODELS (separated by G_SEARCHPATH_SEPARATOR, ':' on Unix),
 * $XDG_DATA_HOME/rectify/models (~/.local/share/rectify/models), and the
 * folders listed in $XDG_CONFIG_HOME/rectify/config.ini
 *   [models]
 *   extra_dirs=/path/ComfyUI/models;~/forge/models;~/sd.cpp/models
 * (a GKeyFile string list), so existing ComfyUI/Forge/sd.cpp model
 * folders are used in place.
 */
#pragma once

#include <glib.h>

#include "rf-model-file.h"
#include "rf-weights.h"

G_BEGIN_DECLS

/* The search folders that exist, without duplicates; g_strfreev it.
 * A broken config file is reported through @warning (may be NULL) and
 * otherwise ignored. */
char **rf_model_search_dirs (const char *const *explicit_dirs, char **warning);

typedef struct {
  char *path;            /* model file, sharded index */
  char *summary;         /* "flux-dit dev (BFL single file), bf16" or "unreadable: ..." */
  gboolean ok;
} RfModelEntry;

void rf_model_entry_free (RfModelEntry *e);

/* Model files under @dirs (recursively, at most 6 levels, symlinked
 * folders not followed), each opened and recognised; RfModelEntry*. */
GPtrArray *rf_model_search (const char *const *dirs);

G_END_DECLS
