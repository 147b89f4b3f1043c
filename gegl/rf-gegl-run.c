/* rf-gegl-run.c — running a Rectify job in a separate process for the
 * GEGL ops. */
#include "rf-gegl-run.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdio.h>

/* Saves @rect of @buffer (moved to the origin) as @path in @format. */
static void
save_buffer (GeglBuffer *buffer, const GeglRectangle *rect, const char *format,
             const char *path)
{
  int channels = babl_format_get_n_components (babl_format (format));
  gsize n = (gsize) rect->width * rect->height * channels;
  g_autofree float *data = g_new (float, n);
  gegl_buffer_get (buffer, rect, 1.0, babl_format (format), data, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  GeglRectangle origin = { 0, 0, rect->width, rect->height };
  g_autoptr (GeglBuffer) copy = gegl_buffer_new (&origin, babl_format (format));
  gegl_buffer_set (copy, &origin, 0, babl_format (format), data, GEGL_AUTO_ROWSTRIDE);
  g_autoptr (GeglNode) graph = gegl_node_new ();
  GeglNode *src = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                                       "buffer", copy, NULL);
  GeglNode *save = gegl_node_new_child (graph, "operation", "gegl:save", "path", path, NULL);
  gegl_node_link (src, save);
  gegl_node_process (save);
}

static gboolean
load_into (const char *path, GeglBuffer *output, const GeglRectangle *rect, GError **error)
{
  g_autoptr (GeglNode) graph = gegl_node_new ();
  GeglNode *load = gegl_node_new_child (graph, "operation", "gegl:load", "path", path, NULL);
  GeglRectangle box = gegl_node_get_bounding_box (load);
  if (box.width != rect->width || box.height != rect->height)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("the result is %d×%d, not %d×%d"), box.width, box.height, rect->width,
                   rect->height);
      return FALSE;
    }
  const Babl *format = babl_format ("R'G'B'A float");
  g_autofree float *data = g_new (float, (gsize) box.width * box.height * 4);
  gegl_node_blit (load, 1.0, &box, format, data, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
  gegl_buffer_set (output, rect, 0, format, data, GEGL_AUTO_ROWSTRIDE);
  return TRUE;
}

/* Reads the CLI's stderr to its end: lines "PHASE STEP/N" (what it
 * prints when stderr is not a terminal, every 5% of a sampling or
 * inversion phase) become GEGL progress between 0.1 and 0.95, each new
 * phase starting over in its own share. Returns the last message: from
 * the last line starting "rectify " (the CLI's prefix for notices and
 * errors) to the end, continuation lines included; NULL when none. */
static char *
follow_progress (GeglOperation *operation, GSubprocess *proc)
{
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (g_subprocess_get_stderr_pipe (proc));
  GString *last = NULL;
  char *line;
  g_autofree char *phase = NULL;
  int n_phases = 0;
  while ((line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, NULL)) != NULL)
    {
      char word[64];
      unsigned step = 0, n = 0;
      if (sscanf (line, "%63s %u/%u", word, &step, &n) == 3 && n > 0 && step <= n)
        {
          if (g_strcmp0 (phase, word) != 0)
            {
              g_free (phase);
              phase = g_strdup (word);
              n_phases++;
            }
          /* an edit inverts then samples: the first phase gets half */
          double share = n_phases == 1 ? 1.0 : 0.5;
          double base = n_phases == 1 ? 0.0 : 0.5;
          double f = 0.1 + 0.85 * (base + share * step / n);
          gegl_operation_progress (operation, MIN (f, 0.95),
                                   (char *) _("Rectify: running the model"));
          g_free (line);
        }
      else
        {
          if (g_str_has_prefix (line, "rectify ") && last)
            g_string_free (g_steal_pointer (&last), TRUE);
          if (last == NULL)
            last = g_string_new (NULL);
          else
            g_string_append_c (last, '\n');
          g_string_append (last, line);
          g_free (line);
        }
    }
  if (last)
    g_strstrip (last->str);
  return last ? g_string_free (last, FALSE) : NULL;
}

static char *
find_cli (void)
{
  const char *env = g_getenv ("RECTIFY_CLI");
  if (env && *env)
    return g_strdup (env);
  g_autofree char *installed = g_build_filename (RECTIFY_BINDIR, "rectify", NULL);
  if (g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&installed);
  return g_strdup ("rectify");
}

gboolean
rf_gegl_run (GeglOperation *operation, const RfGeglJob *job, GeglBuffer *input,
             GeglBuffer *mask, GeglBuffer *output, const GeglRectangle *rect, GError **error)
{
  g_autofree char *dir = g_dir_make_tmp ("rectify-gegl-XXXXXX", error);
  if (dir == NULL)
    return FALSE;
  g_autofree char *in_path = g_build_filename (dir, "input.exr", NULL);
  g_autofree char *mask_path = g_build_filename (dir, "mask.exr", NULL);
  g_autofree char *out_path = g_build_filename (dir, "output.exr", NULL);
  gegl_operation_progress (operation, 0.0, (char *) _("Rectify: sending the image"));
  if (input)
    save_buffer (input, rect, "R'G'B'A float", in_path);
  if (mask)
    save_buffer (mask, rect, "Y float", mask_path);

  g_autofree char *cli = find_cli ();
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_strdup (cli));
  g_ptr_array_add (argv, g_strdup (job->command));
  if (input)
    g_ptr_array_add (argv, g_strdup (in_path));
  else
    {
      g_ptr_array_add (argv, g_strdup_printf ("--width=%d", rect->width));
      g_ptr_array_add (argv, g_strdup_printf ("--height=%d", rect->height));
    }
  if (job->source_prompt && *job->source_prompt)
    g_ptr_array_add (argv, g_strdup_printf ("--source-prompt=%s", job->source_prompt));
  if (mask)
    g_ptr_array_add (argv, g_strdup_printf ("--mask=%s", mask_path));
  g_ptr_array_add (argv, g_strdup_printf ("--prompt=%s", job->prompt ? job->prompt : ""));
  g_ptr_array_add (argv, g_strdup_printf ("--output=%s", out_path));
  g_ptr_array_add (argv, g_strdup_printf ("--device=%s", job->device && *job->device
                                                         ? job->device : "auto"));
  if (job->steps > 0)
    g_ptr_array_add (argv, g_strdup_printf ("--steps=%d", job->steps));
  if (job->seed >= 0)
    g_ptr_array_add (argv, g_strdup_printf ("--seed=%d", job->seed));
  if (job->model && *job->model)
    g_ptr_array_add (argv, g_strdup_printf ("--model=%s", job->model));
  g_ptr_array_add (argv, NULL);

  gegl_operation_progress (operation, 0.1, (char *) _("Rectify: running the model"));
  g_autoptr (GSubprocess) proc = g_subprocess_newv ((const char *const *) argv->pdata,
                                                    G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                    | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  gboolean ok = proc != NULL;
  g_autofree char *last_message = NULL;
  if (ok)
    last_message = follow_progress (operation, proc);
  if (ok)
    ok = g_subprocess_wait (proc, NULL, error);
  if (ok && !g_subprocess_get_successful (proc))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                   last_message ? last_message : _("rectify failed"));
      ok = FALSE;
    }
  if (ok)
    ok = load_into (out_path, output, rect, error);
  gegl_operation_progress (operation, 1.0, (char *) "");
  g_unlink (in_path);
  g_unlink (mask_path);
  g_unlink (out_path);
  g_rmdir (dir);
  return ok;
}
