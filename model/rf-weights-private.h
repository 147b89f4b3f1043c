/* rf-weights-private.h — between rf-weights.c (resolution and checks)
 * and rf-weight-tables.c (per-family names, rules and inference). */
#pragma once

#include "rf-weights.h"

/* A rule names a canonical tensor pattern and its source tensors in a
 * scheme. Patterns may hold {i} and {j} (block indices), {v} and {w}
 * (one dot-free word, e.g. "weight"/"bias"); sources may also use {u},
 * which is n_rev − 1 − i (diffusers numbers decoder levels the other
 * way round). A canonical tensor no rule matches keeps its name. */
typedef struct {
  const char *canonical;
  RfWeightOp op;
  const char *src[RF_WEIGHT_MAX_SOURCES];
} RfNameRule;

/* An expected canonical tensor. */
typedef struct {
  char *name;
  int ndim;
  gint64 shape[RF_MODEL_MAX_DIMS];
} RfWeightSpec;

typedef struct {
  const RfModelFile *mf;
  const char *prefix;
  RfNameScheme scheme;
  const RfNameRule *rules;
  guint n_rules;
  gint64 n_rev;
} RfResolver;

typedef enum {
  RF_RESOLVE_OK,
  RF_RESOLVE_MISSING,
  RF_RESOLVE_INCONSISTENT,   /* sources present but do not fit together */
} RfResolveResult;

/* Resolves one canonical name. On MISSING, @missing (if not NULL) gets
 * the absent source names (with prefix, g_strdup'ed). On INCONSISTENT,
 * @why gets a message. out->name is not set. */
RfResolveResult rf_resolver_resolve (const RfResolver *r, const char *canonical,
                                     RfWeight *out, GPtrArray *missing, GString *why);
/* Shape of a canonical tensor as stored (FALSE if unresolvable). */
gboolean rf_resolver_shape (const RfResolver *r, const char *canonical,
                            int *ndim, gint64 *shape);
/* How many i = 0, 1, ... have the canonical tensor @fmt ("...%u...")
 * resolvable; stops at the first gap (at most 4096). */
gint64 rf_resolver_count (const RfResolver *r, const char *fmt);
/* Same for a source name (after the prefix) in the file. */
gint64 rf_resolver_count_raw (const RfResolver *r, const char *fmt);

/* ---- rf-weight-tables.c ---- */

/* Rules for @family in @scheme; NULL (n = 0) for the canonical scheme. */
const RfNameRule *rf_weight_rules (RfModelFamily family, RfNameScheme scheme, guint *n);
/* Source names (after the prefix) that may be present and are ignored;
 * an entry ending in '.' covers every name starting with it. */
const char *const *rf_weight_ignorable (RfModelFamily family);
/* Marker tensors (after the prefix) that identify @family in @scheme. */
const char *const *rf_weight_markers (RfModelFamily family, RfNameScheme scheme);
/* Infers the hyper-parameters. On failure appends to @problems and
 * returns FALSE. May set r->n_rev. */
gboolean rf_weight_infer_config (RfModelFamily family, RfResolver *r,
                                 RfModelConfig *config, GString *problems);
/* Appends the expected tensors (RfWeightSpec, owning their names). */
void rf_weight_expected (RfModelFamily family, const RfModelConfig *config,
                         GArray *specs);
