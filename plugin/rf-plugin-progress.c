/* rf-plugin-progress.c — the progress window with previews and Cancel
 * (see rf-plugin-progress.h). The worker only writes into Run under the
 * lock; a 40 ms timer on the main thread copies that into the widgets. */
#include "rf-plugin-progress.h"

#include <glib/gi18n-lib.h>

#define PREVIEW_SIDE 320
#define POLL_MS 40

typedef struct {
  /* the job (read-only for the worker) */
  const RfPluginJob *job;
  const RfImage *image, *mask;
  GCancellable *cancel;
  /* written by the worker under the lock */
  GMutex lock;
  double fraction;
  char *text;
  RfImage *preview;          /* the latest, not shown yet */
  guint step, n_steps;
  gboolean done;
  RfImage *result;
  guint64 seed;
  GError *error;
  /* main thread */
  GMainLoop *loop;
  GtkWidget *window, *picture, *bar, *label;
  RfPluginProgressFunc progress;
  gpointer user_data;
  gboolean screenshot_done;
} Run;

static void
worker_progress (double fraction, const char *text, gpointer data)
{
  Run *r = data;
  g_mutex_lock (&r->lock);
  r->fraction = fraction;
  g_free (r->text);
  r->text = g_strdup (text);
  g_mutex_unlock (&r->lock);
}

static void
worker_preview (const RfImage *preview, guint step, guint n_steps, gpointer data)
{
  Run *r = data;
  RfImage *copy = rf_image_copy (preview);
  g_mutex_lock (&r->lock);
  rf_image_free (r->preview);
  r->preview = copy;
  r->step = step;
  r->n_steps = n_steps;
  g_mutex_unlock (&r->lock);
}

static gpointer
worker (gpointer data)
{
  Run *r = data;
  GError *error = NULL;
  guint64 seed = 0;
  RfImage *result = rf_plugin_run (r->job, r->image, r->mask, worker_progress, worker_preview,
                                   r, r->cancel, &seed, &error);
  g_mutex_lock (&r->lock);
  r->result = result;
  r->seed = seed;
  r->error = error;
  r->done = TRUE;
  g_mutex_unlock (&r->lock);
  return NULL;
}

/* RGB of @im (R'G'B'A float) scaled to fit PREVIEW_SIDE. */
static GdkPixbuf *
pixbuf_from_image (const RfImage *im)
{
  GdkPixbuf *full = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, im->width, im->height);
  guchar *px = gdk_pixbuf_get_pixels (full);
  int stride = gdk_pixbuf_get_rowstride (full);
  for (int y = 0; y < im->height; y++)
    for (int x = 0; x < im->width; x++)
      {
        const float *s = im->data + ((gsize) y * im->width + x) * im->channels;
        for (int c = 0; c < 3; c++)
          px[y * stride + x * 3 + c] = (guchar) (CLAMP (s[im->channels >= 3 ? c : 0], 0.0f, 1.0f)
                                                 * 255.0f + 0.5f);
      }
  double scale = MIN ((double) PREVIEW_SIDE / im->width, (double) PREVIEW_SIDE / im->height);
  int w = MAX (1, (int) (im->width * scale + 0.5)), h = MAX (1, (int) (im->height * scale + 0.5));
  GdkPixbuf *scaled = gdk_pixbuf_scale_simple (full, w, h,
                                               scale > 1 ? GDK_INTERP_NEAREST : GDK_INTERP_BILINEAR);
  g_object_unref (full);
  return scaled;
}

gboolean
rf_plugin_save_screenshot (GtkWidget *widget, const char *path)
{
  while (gtk_events_pending ())
    gtk_main_iteration ();
  GdkWindow *window = gtk_widget_get_window (widget);
  GdkPixbuf *shot = NULL;
  if (window)
    {
      int w = gdk_window_get_width (window), h = gdk_window_get_height (window);
#if GTK_CHECK_VERSION (3, 0, 0)
      shot = gdk_pixbuf_get_from_window (window, 0, 0, w, h);
#else
      shot = gdk_pixbuf_get_from_drawable (NULL, window, NULL, 0, 0, 0, 0, w, h);
#endif
    }
  GError *error = NULL;
  gboolean ok = shot && gdk_pixbuf_save (shot, path, "png", &error, NULL);
  if (!ok)
    g_printerr ("rectify: no screenshot: %s\n", error ? error->message : "no pixels");
  g_clear_error (&error);
  if (shot)
    g_object_unref (shot);
  return ok;
}

static void
on_cancel (GtkWidget *button, gpointer data)
{
  Run *r = data;
  g_cancellable_cancel (r->cancel);
  gtk_label_set_text (GTK_LABEL (r->label), _("Cancelling after the current step..."));
  gtk_widget_set_sensitive (button, FALSE);
}

static gboolean
on_delete (GtkWidget *window, GdkEvent *event, gpointer data)
{
  Run *r = data;
  g_cancellable_cancel (r->cancel);
  return TRUE;   /* the window goes when the job has stopped */
}

static gboolean
poll (gpointer data)
{
  Run *r = data;
  g_mutex_lock (&r->lock);
  double fraction = r->fraction;
  char *text = g_steal_pointer (&r->text);
  RfImage *preview = g_steal_pointer (&r->preview);
  guint step = r->step, n_steps = r->n_steps;
  gboolean done = r->done;
  g_mutex_unlock (&r->lock);

  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (r->bar), CLAMP (fraction, 0.0, 1.0));
  if (text)
    {
      gtk_progress_bar_set_text (GTK_PROGRESS_BAR (r->bar), text);
      if (r->progress)
        r->progress (fraction, text, r->user_data);
    }
  if (preview)
    {
      GdkPixbuf *pb = pixbuf_from_image (preview);
      gtk_image_set_from_pixbuf (GTK_IMAGE (r->picture), pb);
      g_object_unref (pb);
      char *msg = g_strdup_printf (_("Step %u of %u"), step, n_steps);
      if (!g_cancellable_is_cancelled (r->cancel))
        gtk_label_set_text (GTK_LABEL (r->label), msg);
      g_free (msg);
    }
  if (preview && !r->screenshot_done)
    {
      /* test hooks, once the first preview is set (the screenshot lets
       * GTK draw it first) */
      r->screenshot_done = TRUE;
      const char *shot = g_getenv ("RECTIFY_PROGRESS_SCREENSHOT");
      if (shot && *shot)
        rf_plugin_save_screenshot (r->window, shot);
      if (g_strcmp0 (g_getenv ("RECTIFY_PROGRESS_CANCEL"), "1") == 0)
        on_cancel (g_object_get_data (G_OBJECT (r->window), "cancel-button"), r);
    }
  g_free (text);
  rf_image_free (preview);
  if (done)
    {
      g_main_loop_quit (r->loop);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
build_window (Run *r, const char *title)
{
  r->window = gtk_window_new (GTK_WINDOW_TOPLEVEL);
  gtk_window_set_title (GTK_WINDOW (r->window), title);
  gtk_window_set_position (GTK_WINDOW (r->window), GTK_WIN_POS_CENTER);
  gtk_container_set_border_width (GTK_CONTAINER (r->window), 12);
#if GTK_CHECK_VERSION (3, 0, 0)
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *buttons = gtk_button_box_new (GTK_ORIENTATION_HORIZONTAL);
#else
  GtkWidget *box = gtk_vbox_new (FALSE, 8);
  GtkWidget *buttons = gtk_hbutton_box_new ();
#endif
  gtk_container_add (GTK_CONTAINER (r->window), box);
  r->picture = gtk_image_new ();
  gtk_widget_set_size_request (r->picture, PREVIEW_SIDE, PREVIEW_SIDE * 3 / 4);
  gtk_box_pack_start (GTK_BOX (box), r->picture, TRUE, TRUE, 0);
  r->label = gtk_label_new (_("Loading the model..."));
  gtk_box_pack_start (GTK_BOX (box), r->label, FALSE, FALSE, 0);
  r->bar = gtk_progress_bar_new ();
#if GTK_CHECK_VERSION (3, 0, 0)
  gtk_progress_bar_set_show_text (GTK_PROGRESS_BAR (r->bar), TRUE);
#endif
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (r->bar), "");
  gtk_box_pack_start (GTK_BOX (box), r->bar, FALSE, FALSE, 0);
  gtk_button_box_set_layout (GTK_BUTTON_BOX (buttons), GTK_BUTTONBOX_END);
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  gtk_container_add (GTK_CONTAINER (buttons), cancel);
  gtk_box_pack_start (GTK_BOX (box), buttons, FALSE, FALSE, 0);
  g_object_set_data (G_OBJECT (r->window), "cancel-button", cancel);
  g_signal_connect (cancel, "clicked", G_CALLBACK (on_cancel), r);
  g_signal_connect (r->window, "delete-event", G_CALLBACK (on_delete), r);
  gtk_widget_show_all (r->window);
}

RfImage *
rf_plugin_progress_run (const char *title, const RfPluginJob *job, const RfImage *image,
                        const RfImage *mask, RfPluginProgressFunc progress, gpointer user_data,
                        guint64 *seed_used, GError **error)
{
  Run r = { job, image, mask, g_cancellable_new () };
  g_mutex_init (&r.lock);
  r.progress = progress;
  r.user_data = user_data;
  r.loop = g_main_loop_new (NULL, FALSE);
  build_window (&r, title);
  GThread *thread = g_thread_new ("rectify-job", worker, &r);
  g_timeout_add (POLL_MS, poll, &r);
  g_main_loop_run (r.loop);
  g_thread_join (thread);

  gtk_widget_destroy (r.window);
  while (gtk_events_pending ())
    gtk_main_iteration ();
  g_main_loop_unref (r.loop);
  g_object_unref (r.cancel);
  rf_image_free (r.preview);
  g_free (r.text);
  g_mutex_clear (&r.lock);
  if (seed_used)
    *seed_used = r.seed;
  if (r.result == NULL)
    g_propagate_error (error, r.error);
  return r.result;
}
