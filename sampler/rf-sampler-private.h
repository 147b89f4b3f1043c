/* rf-sampler-private.h — helpers shared by the sampler sources; not public. */
#pragma once

#include <glib/gi18n-lib.h>
#include "rf-sampler.h"

G_BEGIN_DECLS

/* Runs one velocity evaluation: checks cancellation, reports the stage, calls
 * the velocity and rejects non-finite output. */
gboolean rf_sampler_eval (const RfSamplerCallbacks *cb,
                          guint                     step,
                          guint                     stage,
                          const float              *x,
                          double                    t,
                          float                    *v_out,
                          GError                  **error);

/* Progress and preview after a finished step. */
void rf_sampler_report (const RfSamplerCallbacks *cb,
                        guint                     step,
                        guint                     n_steps,
                        double                    t,
                        const float              *x);

/* g_try_new0 of n floats; sets RF_SAMPLER_ERROR_NO_MEMORY on failure. */
float *rf_sampler_alloc (gsize n, GError **error);

/* Validates the callbacks struct (programmer errors are g_return checks). */
gboolean rf_sampler_check_callbacks (const RfSamplerCallbacks *cb, GError **error);

G_END_DECLS
