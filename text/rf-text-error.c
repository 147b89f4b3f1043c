/* rf-text-error.c — the text module's GError domain. */
#include "rf-text-error.h"

G_DEFINE_QUARK (rf-text-error-quark, rf_text_error)
