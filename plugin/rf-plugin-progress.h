/* rf-plugin-progress.h — the plug-ins' own progress window for
 * interactive runs: a preview of the intermediate steps, a progress bar
 * and a cooperative Cancel. The job runs on a worker thread; the calling
 * (main) thread runs a main loop that drives the window, so libgimp and
 * GTK are only ever touched from the main thread. Written for GTK 2
 * (GIMP 2.10) and GTK 3 (GIMP 3) alike.
 *
 * Test hooks (environment): RECTIFY_PROGRESS_SCREENSHOT=FILE saves the
 * window as a PNG once a preview shows; RECTIFY_PROGRESS_CANCEL=1 then
 * presses Cancel.
 */
#pragma once

#include <gtk/gtk.h>

#include "rf-plugin-core.h"

G_BEGIN_DECLS

/* Runs rf_plugin_run() for @job on a worker thread while showing the
 * window titled @title; @progress (may be NULL) is also called on the
 * main thread, e.g. for GIMP's own progress bar. Returns what
 * rf_plugin_run returns; G_IO_ERROR_CANCELLED after Cancel or closing
 * the window. */
RfImage *rf_plugin_progress_run (const char *title, const RfPluginJob *job,
                                 const RfImage *image, const RfImage *mask,
                                 RfPluginProgressFunc progress, gpointer user_data,
                                 guint64 *seed_used, GError **error);

/* Saves @widget's window as a PNG at @path (tests); FALSE with a message
 * on stderr when it has no pixels yet. */
gboolean rf_plugin_save_screenshot (GtkWidget *widget, const char *path);

G_END_DECLS
