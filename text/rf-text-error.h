/* rf-text-error.h — the GError domain of the text module (tokenizers,
 * text encoders, the embedding cache). It lives here rather than in
 * core/rf-error.h so that this module stays self-contained. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RF_TEXT_ERROR (rf_text_error_quark ())
GQuark rf_text_error_quark (void);

typedef enum {
  RF_TEXT_ERROR_IO,            /* a file cannot be read or written */
  RF_TEXT_ERROR_FORMAT,        /* a malformed tokenizer file */
  RF_TEXT_ERROR_UNSUPPORTED,   /* a valid file of a kind we do not handle */
  RF_TEXT_ERROR_INVALID_TEXT,  /* the prompt is not valid UTF-8 */
  RF_TEXT_ERROR_MISMATCH,      /* tokenizer and encoder do not belong together */
  RF_TEXT_ERROR_INVALID,       /* a parameter out of range */
} RfTextError;

G_END_DECLS
