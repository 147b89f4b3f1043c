/* rf-plugin-dialog.h — the dialog parts both plug-ins add by hand: the
 * model list (the sets found, with what each lacks), the device list,
 * and the last seed used with a button to reuse it. GTK 2 and GTK 3. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct _RfPluginChoices RfPluginChoices;

/* Called when the user asks to reuse @seed. */
typedef void (*RfPluginReuseSeedFunc) (gint64 seed, gpointer user_data);

/* Builds the widgets with @model and @device selected (a model or
 * device not in the lists is added as given). @last_seed < 0 hides the
 * seed row. */
RfPluginChoices *rf_plugin_choices_new (const char *model, const char *device, gint64 last_seed,
                                        RfPluginReuseSeedFunc reuse, gpointer user_data);
void rf_plugin_choices_free (RfPluginChoices *choices);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfPluginChoices, rf_plugin_choices_free)

/* The widget to pack (owned by its container once packed). */
GtkWidget *rf_plugin_choices_get_widget (RfPluginChoices *choices);
/* The selected values (owned by @choices). */
const char *rf_plugin_choices_get_model (RfPluginChoices *choices);
const char *rf_plugin_choices_get_device (RfPluginChoices *choices);

G_END_DECLS
