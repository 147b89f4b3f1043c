/* rf-vcache.h — RF-Edit's attention-value store (Wang et al., "Taming
 * Rectified Flow for Inversion and Editing", FLUX_Image_Edit).
 *
 * During inversion the self-attention V [1, heads, L, head_dim] of the
 * last single-stream blocks is stored for the high-noise steps; during
 * sampling with the target prompt the same (step interval, solver stage,
 * block) V replaces the freshly computed one. Inversion runs the reversed
 * schedule, so its step j covers sampling step n_steps − 1 − j: a V is
 * filed under the sampling step it will be injected into, as the
 * reference keys both by the larger t of the interval. Sampling injects
 * in its first @inject steps; inversion stores in its last @inject.
 * Values live on the host as f16 (half the f32 size).
 */
#pragma once

#include "rf-tensor.h"

G_BEGIN_DECLS

typedef enum {
  RF_VCACHE_OFF,
  RF_VCACHE_STORE,     /* inversion */
  RF_VCACHE_INJECT,    /* sampling */
} RfVCacheMode;

typedef struct _RfVCache RfVCache;

/* A store for a @n_steps schedule, @n_stages velocity evaluations per
 * step, sharing in @inject steps, single blocks [@first_block,
 * @first_block + @n_blocks). Nothing is allocated until values arrive. */
RfVCache *rf_vcache_new (guint n_steps, guint n_stages, guint inject, int first_block,
                         int n_blocks);
void rf_vcache_free (RfVCache *vc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfVCache, rf_vcache_free)

/* Host bytes the store will hold for V tensors of @numel elements. */
guint64 rf_vcache_plan_bytes (guint inject, guint n_stages, int n_blocks, gint64 numel);

/* Bytes held now. */
guint64 rf_vcache_get_bytes (const RfVCache *vc);

void rf_vcache_set_mode (RfVCache *vc, RfVCacheMode mode);
/* Where the solver is: step @step of the current run, evaluation @stage. */
void rf_vcache_set_position (RfVCache *vc, guint step, guint stage);

/* An RfFluxAttnHook (@user_data is the RfVCache): stores or replaces @v
 * as the mode and position say. Errors: RF_CORE_ERROR_NO_MEMORY when the
 * host store cannot grow, RF_CORE_ERROR_INVALID when an injection finds
 * nothing stored or a V of another size. */
gboolean rf_vcache_hook (gpointer user_data, int single_block, RfTensor *v, GError **error);

G_END_DECLS
