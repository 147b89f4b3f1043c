/* cli-job.c — shared machinery of the image-job commands (see cli-job.h). */
#include <inttypes.h>
#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-job.h"
#include "cli-tensors.h"
#include "rectify-cli.h"
#include "rf-model-search.h"
#include "rf-npy.h"
#include "rf-service-pipeline.h"

void
rf_cli_job_init (RfCliJob *cj, const char *cmd, RfCliOutputKind output_kind)
{
  memset (cj, 0, sizeof *cj);
  cj->cmd = cmd;
  cj->output_kind = output_kind;
  cj->guidance = NAN;
  g_autofree char *name = g_strdup_printf ("rectify %s", cmd);
  g_set_prgname (name);   /* "Usage: rectify edit [OPTION…]" */
  rf_image_io_init ();
}

void
rf_cli_job_clear (RfCliJob *cj)
{
  g_free (cj->model);
  g_strfreev (cj->model_dirs);
  g_free (cj->ae);
  g_free (cj->fill);
  g_free (cj->clip);
  g_free (cj->t5);
  g_free (cj->clip_tokenizer);
  g_free (cj->t5_tokenizer);
  g_free (cj->cond_dir);
  g_free (cj->source_cond_dir);
  g_free (cj->device);
  g_free (cj->output);
  g_free (cj->preview);
  g_free (cj->seed);
  g_free (cj->solver);
  rf_image_io_shutdown ();
}

GOptionEntry *
rf_cli_job_entries (RfCliJob *cj, const GOptionEntry *specific)
{
  const char *out_arg = cj->output_kind == RF_CLI_OUTPUT_LATENT ? "NOISE.npy" : "IMAGE";
  const char *out_help = cj->output_kind == RF_CLI_OUTPUT_LATENT
                           ? N_("write the noise latent [1, 16, h, w] here (.npy)")
                           : cj->output_kind == RF_CLI_OUTPUT_OPTIONAL
                           ? N_("also write the reconstruction (.png, .jpg, .tif, .exr)")
                           : N_("output image (.png, .jpg, .tif, .exr)");
  GOptionEntry shared[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &cj->output, out_help, out_arg },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &cj->model,
      N_("FLUX.1 transformer file (dev, schnell or Fill; safetensors or GGUF)"), "FILE" },
    { "model-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &cj->model_dirs,
      N_("look for model files here first (repeatable)"), "DIR" },
    { "ae", 0, 0, G_OPTION_ARG_FILENAME, &cj->ae, N_("autoencoder file (ae.safetensors)"), "FILE" },
    { "clip", 0, 0, G_OPTION_ARG_FILENAME, &cj->clip, N_("CLIP-L text encoder file"), "FILE" },
    { "t5", 0, 0, G_OPTION_ARG_FILENAME, &cj->t5, N_("T5-XXL text encoder file"), "FILE" },
    { "clip-tokenizer", 0, 0, G_OPTION_ARG_FILENAME, &cj->clip_tokenizer,
      N_("CLIP tokenizer (default: found next to the CLIP file)"), "PATH" },
    { "t5-tokenizer", 0, 0, G_OPTION_ARG_FILENAME, &cj->t5_tokenizer,
      N_("T5 tokenizer (default: next to the T5 file or in its GGUF)"), "PATH" },
    { "cond-dir", 0, 0, G_OPTION_ARG_FILENAME, &cj->cond_dir,
      N_("precomputed prompt embeddings (txt.npy, y.npy from 'rectify encode') instead of "
         "the text encoders"), "DIR" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &cj->device,
      N_("cpu, vulkan, vulkan:<device> or auto (default)"), "DEVICE" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &cj->seed,
      N_("random seed (default: a new one, printed)"), "N" },
    { "steps", 0, 0, G_OPTION_ARG_INT, &cj->steps, N_("sampling steps (default: the model's)"),
      "N" },
    { "guidance", 0, 0, G_OPTION_ARG_DOUBLE, &cj->guidance,
      N_("guidance embedding of FLUX.1 dev/Fill (schnell ignores it)"), "G" },
    { "solver", 0, 0, G_OPTION_ARG_STRING, &cj->solver,
      N_("euler, heun, rf2 (RF-Solver), rf3, dpmpp-2m or ab"), "NAME" },
    { "megapixels", 0, 0, G_OPTION_ARG_DOUBLE, &cj->megapixels,
      N_("work-size budget (default 1 for FLUX.1); larger inputs are scaled down and back"),
      "MP" },
    { "preview-every", 0, 0, G_OPTION_ARG_INT, &cj->preview_every,
      N_("write a preview every N steps"), "N" },
    { "preview", 0, 0, G_OPTION_ARG_FILENAME, &cj->preview,
      N_("preview file (default: next to the output, removed at the end)"), "IMAGE" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &cj->quiet, N_("no progress or notices"), NULL },
    { "service", 0, 0, G_OPTION_ARG_NONE, &cj->service,
      N_("run in the engine service (started if needed) and fail when it cannot be had "
         "(default: the service when available, else this process)"), NULL },
    { "local", 0, 0, G_OPTION_ARG_NONE, &cj->local,
      N_("run in this process, not in the engine service (also: RECTIFY_LOCAL=1)"), NULL },
    { NULL }
  };
  gsize n_spec = 0;
  while (specific && specific[n_spec].long_name)
    n_spec++;
  GOptionEntry *all = g_new0 (GOptionEntry, n_spec + G_N_ELEMENTS (shared));
  memcpy (all, specific, n_spec * sizeof (GOptionEntry));
  memcpy (all + n_spec, shared, sizeof shared);
  return all;
}

char *
rf_cli_job_prompt (char *raw)
{
  if (raw == NULL || g_utf8_validate (raw, -1, NULL))
    return raw;
  char *conv = g_locale_to_utf8 (raw, -1, NULL, NULL, NULL);
  if (conv == NULL)
    return raw;
  g_free (raw);
  return conv;
}

gboolean
rf_cli_job_params (RfCliJob *cj, RfJobParams *p)
{
  if (cj->seed)
    {
      guint64 v;
      if (!g_ascii_string_to_unsigned (cj->seed, 10, 0, G_MAXUINT64, &v, NULL))
        {
          g_printerr (_("rectify %s: --seed takes a whole number from 0 to %" PRIu64
                        "\n"), cj->cmd, G_MAXUINT64);
          return FALSE;
        }
      p->seed = v;
    }
  else
    p->seed = ((guint64) g_random_int () << 32) | g_random_int ();
  if (cj->steps < 0 || cj->steps > 1000)
    {
      g_printerr (_("rectify %s: --steps takes 1 to 1000\n"), cj->cmd);
      return FALSE;
    }
  p->steps = (guint) cj->steps;
  p->guidance = cj->guidance;
  if (cj->solver)
    {
      RfSolverKind kind;
      g_autoptr (GError) error = NULL;
      if (!rf_solver_kind_from_name (cj->solver, &kind, &error))
        {
          g_printerr ("rectify %s: %s\n", cj->cmd, error->message);
          return FALSE;
        }
      p->solver = kind;
    }
  if (cj->megapixels < 0 || cj->megapixels > 64)
    {
      g_printerr (_("rectify %s: --megapixels takes 0.01 to 64\n"), cj->cmd);
      return FALSE;
    }
  p->max_pixels = cj->megapixels * 1024 * 1024;
  if (cj->preview_every < 0)
    {
      g_printerr (_("rectify %s: --preview-every takes a positive number\n"), cj->cmd);
      return FALSE;
    }
  p->preview_every = (guint) cj->preview_every;
  return TRUE;
}

/* --- output paths --- */

static gboolean
check_output (RfCliJob *cj, GError **error)
{
  if (cj->output == NULL)
    {
      if (cj->output_kind == RF_CLI_OUTPUT_OPTIONAL)
        return TRUE;
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_INVALID,
                   _("name the output with -o FILE"));
      return FALSE;
    }
  if (cj->output_kind != RF_CLI_OUTPUT_LATENT)
    return rf_image_check_writable (cj->output, error);
  if (!g_str_has_suffix (cj->output, ".npy"))
    {
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO,
                   _("%s: the noise latent is written as .npy"), cj->output);
      return FALSE;
    }
  /* same probe as for images: a file can be created next to it */
  g_autofree char *dir = g_path_get_dirname (cj->output);
  g_autofree char *probe = g_build_filename (dir, ".rectify-probe-XXXXXX", NULL);
  int fd = g_file_test (cj->output, G_FILE_TEST_IS_DIR) ? -1 : g_mkstemp (probe);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, RF_PIPELINE_ERROR, RF_PIPELINE_ERROR_IO, _("cannot write %s: %s"),
                   cj->output, g_file_test (cj->output, G_FILE_TEST_IS_DIR)
                                 ? _("it is a folder") : g_strerror (e));
      return FALSE;
    }
  close (fd);
  g_unlink (probe);
  return TRUE;
}

static char *
default_preview_path (const char *output)
{
  const char *dot = output ? strrchr (output, '.') : NULL;
  g_autofree char *stem = dot && !strchr (dot, G_DIR_SEPARATOR)
                            ? g_strndup (output, dot - output) : g_strdup (output ? output
                                                                                  : "rectify");
  return g_strconcat (stem, ".preview.png", NULL);
}

/* --- models --- */

static RfModelSet *
resolve_models (RfCliJob *cj, GError **error)
{
  gboolean explicit = cj->model || cj->model_dirs || cj->ae || cj->fill || cj->clip || cj->t5;
  RfModelSet *set = rf_model_set_new ();
  set->fill = g_strdup (cj->fill);
  set->ae = g_strdup (cj->ae);
  set->clip = g_strdup (cj->clip);
  set->t5 = g_strdup (cj->t5);
  set->clip_tokenizer = g_strdup (cj->clip_tokenizer);
  set->t5_tokenizer = g_strdup (cj->t5_tokenizer);
  g_autofree char *warning = NULL;
  g_auto (GStrv) dirs = rf_model_search_dirs ((const char *const *) cj->model_dirs, &warning);
  if (warning && !cj->quiet)
    g_printerr ("rectify %s: %s\n", cj->cmd, warning);
  RfModelSet *resolved = rf_model_set_resolve (set, cj->model, (const char *const *) dirs,
                                               !explicit, &cj->used_test_model, error);
  if (resolved != NULL && cj->used_test_model)
    g_printerr (_("rectify %s: no FLUX.1 model is installed: running the tiny test model in "
                  "%s.\n%s\n"), cj->cmd, rf_model_set_test_dir (), rf_model_set_install_hint ());
  return resolved;
}

/* --- progress --- */

typedef struct {
  RfCliJob *cj;
  gboolean tty;
  int phase;
  guint last_bucket;
  gint64 phase_start;
  gboolean line_open;
  char *preview_path;
  gboolean preview_written;
} Ui;

static const char *
phase_label (RfJobPhase phase)
{
  switch (phase)
    {
    case RF_PHASE_LOAD: return _("load");
    case RF_PHASE_ENCODE: return _("encode");
    case RF_PHASE_INVERT: return _("invert");
    case RF_PHASE_SAMPLE: return _("sample");
    case RF_PHASE_DECODE: return _("decode");
    }
  return "?";
}

static void
end_line (Ui *ui)
{
  if (ui->line_open)
    fputc ('\n', stderr);
  ui->line_open = FALSE;
}

static void
on_progress (RfJobPhase phase, guint step, guint n_steps, gpointer data)
{
  Ui *ui = data;
  if (ui->cj->quiet || n_steps == 0)
    return;
  gint64 now = g_get_monotonic_time ();
  if ((int) phase != ui->phase)
    {
      end_line (ui);
      ui->phase = phase;
      ui->phase_start = now;
      ui->last_bucket = G_MAXUINT;
    }
  if (ui->tty)
    {
      const int width = 24;
      int fill = (int) ((gint64) width * step / n_steps);
      char bar[32];
      for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
      bar[width] = '\0';
      double per = step ? (now - ui->phase_start) / 1e6 / step : 0;
      fprintf (stderr, "\r  %-7s [%s] %4u/%-4u", phase_label (phase), bar, step, n_steps);
      if (step && (phase == RF_PHASE_SAMPLE || phase == RF_PHASE_INVERT))
        fprintf (stderr, _("  %.2f s/step  ~%.0f s left "), per, per * (n_steps - step));
      fflush (stderr);
      ui->line_open = TRUE;
      return;
    }
  /* not a terminal: a line at the start and every 5% of the steps */
  if (phase != RF_PHASE_SAMPLE && phase != RF_PHASE_INVERT)
    return;
  guint bucket = step * 20 / n_steps;
  if (step == 0 || (step != 1 && bucket == ui->last_bucket && step != n_steps))
    return;
  ui->last_bucket = bucket;
  fprintf (stderr, "%s %u/%u\n", phase_label (phase), step, n_steps);
  fflush (stderr);
}

static void
on_notice (const char *msg, gpointer data)
{
  Ui *ui = data;
  if (ui->cj->quiet)
    return;
  end_line (ui);
  g_printerr ("rectify %s: %s\n", ui->cj->cmd, msg);
}

static void
on_preview (const RfImage *im, guint step, guint n_steps, gpointer data)
{
  Ui *ui = data;
  g_autoptr (GError) error = NULL;
  if (rf_image_save (im, ui->preview_path, &error))
    ui->preview_written = TRUE;
  else if (!ui->cj->quiet)
    {
      end_line (ui);
      g_printerr (_("rectify %s: preview not written: %s\n"), ui->cj->cmd, error->message);
    }
}

/* --- in the service or in process --- */

static gboolean
env_local (void)
{
  const char *v = g_getenv ("RECTIFY_LOCAL");
  return v && *v && g_strcmp0 (v, "0") != 0 && g_ascii_strcasecmp (v, "no") != 0
         && g_ascii_strcasecmp (v, "false") != 0;
}

/* A client of the engine service, or NULL to run in process (@error set
 * only when --service was asked for and the service cannot be had). */
static RfServiceClient *
use_service (RfCliJob *cj, GError **error)
{
  if (cj->local || (!cj->service && env_local ()))
    return NULL;
  g_autoptr (GError) why = NULL;
  RfServiceClient *client = rf_service_client_new (RF_SERVICE_CLIENT_START, &why);
  if (client != NULL)
    return client;
  if (cj->service)
    {
      g_propagate_error (error, g_steal_pointer (&why));
      return NULL;
    }
  if (!cj->quiet)
    g_printerr (_("rectify %s: the engine service is not available (%s); running in this "
                  "process\n"), cj->cmd, why->message);
  return NULL;
}

/* --- running with Ctrl-C as cancel --- */

typedef struct {
  RfPipeline *pipe;                   /* in process, or */
  RfServiceClient *client;            /* in the service */
  const RfModelSet *set;
  RfServicePipelineOptions options;
  const RfJobParams *params;
  RfJobResult *result;
  GError *error;
  GMainLoop *loop;
} Work;

static gboolean
quit_loop (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static gpointer
worker (gpointer data)
{
  Work *w = data;
  w->result = w->client ? rf_service_pipeline_run_full (w->client, w->set, &w->options, w->params,
                                                        &w->error)
                        : rf_pipeline_run (w->pipe, w->params, &w->error);
  g_idle_add (quit_loop, w->loop);
  return NULL;
}

static gboolean
on_signal (gpointer cancellable)
{
  g_cancellable_cancel (cancellable);
  return G_SOURCE_CONTINUE;
}

static void
print_metadata (RfCliJob *cj, const RfJobParams *p, const RfJobResult *r)
{
  if (p->kind != RF_JOB_INVERT && p->kind != RF_JOB_RECONSTRUCT && p->kind != RF_JOB_EDIT)
    printf ("seed: %" G_GUINT64_FORMAT "\n", r->seed);
  printf ("steps: %u\nnfe: %u\nsolver: %s\nguidance: %g\n", r->steps, r->nfe, r->solver,
          r->guidance);
  if (r->method)
    printf ("method: %s\n", r->method);
  if (p->strength < 1)
    printf ("strength: %g\n", p->strength);
  printf ("work size: %dx%d\n", r->work_width, r->work_height);
  if (p->kind == RF_JOB_INPAINT)
    printf ("region: %dx%d+%d+%d\n", r->crop_width, r->crop_height, r->crop_x, r->crop_y);
  if (p->kind == RF_JOB_EDIT)
    printf ("v cache: %" G_GUINT64_FORMAT " bytes\n", r->v_cache_bytes);
  if (!isnan (r->psnr))
    printf ("psnr: %.2f dB\nlatent error: %.4g\n", r->psnr, r->latent_error);
  printf ("time: %.2f s (load %.2f, encode %.2f, sample %.2f, decode %.2f), %.3f s/step\n",
          r->seconds_total, r->seconds_load, r->seconds_encode, r->seconds_sample,
          r->seconds_decode, r->seconds_per_step);
  if (cj->output)
    printf ("output: %s\n", cj->output);
  if (cj->used_test_model)
    printf (_("note: made with the tiny test model (random weights)\n"));
}

static gboolean
write_output (RfCliJob *cj, const RfJobResult *r, GError **error)
{
  if (cj->output == NULL)
    return TRUE;
  if (cj->output_kind == RF_CLI_OUTPUT_LATENT)
    {
      gint64 shape[4] = { 1, r->latent->channels, r->latent->height, r->latent->width };
      return rf_npy_save (cj->output, RF_DTYPE_F32, 4, shape, r->latent->data, error);
    }
  return rf_image_save (r->image, cj->output, error);
}

int
rf_cli_job_run (RfCliJob *cj, RfJobParams *params)
{
  g_autoptr (GError) error = NULL;
  if (!check_output (cj, &error))
    return rf_cli_fail (cj->cmd, error);
  if (cj->service && cj->local)
    {
      g_printerr (_("rectify %s: --service and --local exclude each other\n"), cj->cmd);
      return 2;
    }
  g_autoptr (RfModelSet) set = resolve_models (cj, &error);
  if (set == NULL)
    return rf_cli_fail (cj->cmd, error);
  g_autoptr (RfServiceClient) client = use_service (cj, &error);
  if (client == NULL && error != NULL)
    return rf_cli_fail (cj->cmd, error);
  g_autoptr (RfBackend) be = client ? NULL : rf_cli_backend (cj->device, &error);
  if (be == NULL && client == NULL)
    return rf_cli_fail (cj->cmd, error);
  g_autoptr (RfPipeline) pipe = client ? NULL : rf_pipeline_new (be, set);
  /* in the service, the embeddings are read there (Work.options) */
  if (cj->cond_dir && client == NULL)
    {
      RfConditioner *c = rf_conditioner_new_npy_dir (cj->cond_dir, &error);
      if (c == NULL)
        return rf_cli_fail (cj->cmd, error);
      rf_pipeline_set_conditioner (pipe, FALSE, c);
    }
  if (cj->source_cond_dir && client == NULL)
    {
      RfConditioner *c = rf_conditioner_new_npy_dir (cj->source_cond_dir, &error);
      if (c == NULL)
        return rf_cli_fail (cj->cmd, error);
      rf_pipeline_set_conditioner (pipe, TRUE, c);
    }

  Ui ui = { cj, isatty (STDERR_FILENO), -1, G_MAXUINT, 0, FALSE, NULL, FALSE };
  gboolean own_preview = cj->preview == NULL;
  if (params->preview_every)
    {
      ui.preview_path = own_preview ? default_preview_path (cj->output) : g_strdup (cj->preview);
      if (!rf_image_check_writable (ui.preview_path, &error))
        {
          g_free (ui.preview_path);
          return rf_cli_fail (cj->cmd, error);
        }
      params->preview = on_preview;
    }
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  params->progress = on_progress;
  params->notice = on_notice;
  params->user_data = &ui;
  params->cancellable = cancel;

  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  guint sig_int = g_unix_signal_add (SIGINT, on_signal, cancel);
  guint sig_term = g_unix_signal_add (SIGTERM, on_signal, cancel);
  Work w = { pipe, client, set, { cj->device, cj->cond_dir, cj->source_cond_dir }, params, NULL,
             NULL, loop };
  GThread *thread = g_thread_new ("rectify-job", worker, &w);
  g_main_loop_run (loop);
  g_thread_join (thread);
  g_source_remove (sig_int);
  g_source_remove (sig_term);
  end_line (&ui);

  g_autoptr (RfJobResult) result = w.result;
  int status = 0;
  if (result == NULL)
    {
      status = g_error_matches (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? 130 : 1;
      if (status == 130)
        g_printerr (_("rectify %s: cancelled; nothing written\n"), cj->cmd);
      else
        rf_cli_fail (cj->cmd, w.error);
      g_clear_error (&w.error);
    }
  else if (!write_output (cj, result, &error))
    status = rf_cli_fail (cj->cmd, error);
  else
    print_metadata (cj, params, result);
  if (ui.preview_path && (own_preview || status != 0) && ui.preview_written)
    g_unlink (ui.preview_path);
  g_free (ui.preview_path);
  return status;
}
