/* rf-service-models.c — backends and resident models, LRU under a budget. */
#include <glib/gi18n-lib.h>
#include <unistd.h>

#include "rf-model-load.h"
#include "rf-service-error.h"
#include "rf-service-models.h"
#include "rf-taef1.h"

typedef struct {
  const RfServiceModelKind *kind;
  char *path;
  char *device;
  RfModelFile *mf;     /* kept open: weights may point into its mapping */
  gpointer model;
  guint64 bytes;
  guint64 uses;
  gint64 last_used;    /* monotonic µs */
  gboolean pinned;
} Entry;

struct _RfServiceModels {
  GMutex lock;          /* guards entries and the counters for list() */
  char *default_device;
  guint64 budget;       /* 0 until the first backend decides it */
  guint64 resident;
  GHashTable *backends; /* device name → RfBackend* */
  GList *entries;       /* Entry*, most recently used first */
};

static guint64
flux_resident (gpointer model, const RfModelFile *mf)
{
  guint64 resident = 0, streamed = 0;
  rf_flux_get_memory (model, &resident, &streamed);
  return resident;
}

static gpointer
load_flux (RfBackend *be, const RfModelFile *mf, GError **error)
{
  return rf_flux_load (be, mf, error);
}

static gpointer
load_ae (RfBackend *be, const RfModelFile *mf, GError **error)
{
  return rf_ae_load (be, mf, error);
}

static gpointer
load_taef1 (RfBackend *be, const RfModelFile *mf, GError **error)
{
  return rf_taef1_load (be, mf, error);
}

const RfServiceModelKind rf_service_model_flux = {
  "flux", load_flux, (GDestroyNotify) rf_flux_free, flux_resident, TRUE
};
const RfServiceModelKind rf_service_model_ae = {
  "ae", load_ae, (GDestroyNotify) rf_ae_free, NULL, FALSE
};
const RfServiceModelKind rf_service_model_taef1 = {
  "taef1", load_taef1, (GDestroyNotify) rf_taef1_free, NULL, FALSE
};

static void
entry_free (Entry *e)
{
  if (e->model != NULL)
    e->kind->free (e->model);
  rf_model_file_free (e->mf);
  g_free (e->path);
  g_free (e->device);
  g_free (e);
}

RfServiceModels *
rf_service_models_new (const char *default_device, guint64 budget)
{
  RfServiceModels *m = g_new0 (RfServiceModels, 1);
  g_mutex_init (&m->lock);
  m->default_device = g_strdup (default_device && *default_device ? default_device : "auto");
  m->budget = budget;
  m->backends = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) rf_backend_free);
  return m;
}

void
rf_service_models_free (RfServiceModels *m)
{
  if (m == NULL)
    return;
  /* models before the backends they live on */
  g_list_free_full (m->entries, (GDestroyNotify) entry_free);
  g_hash_table_destroy (m->backends);
  g_mutex_clear (&m->lock);
  g_free (m->default_device);
  g_free (m);
}

static const char *
device_name (RfServiceModels *m, const char *device)
{
  return device && *device ? device : m->default_device;
}

RfBackend *
rf_service_models_get_backend (RfServiceModels *m, const char *device, GError **error)
{
  const char *name = device_name (m, device);
  RfBackend *be = g_hash_table_lookup (m->backends, name);
  if (be != NULL)
    return be;
  be = rf_backend_new_by_name (name, error);
  if (be == NULL)
    return NULL;
  g_hash_table_insert (m->backends, g_strdup (name), be);
  g_mutex_lock (&m->lock);
  if (m->budget == 0)
    {
      m->budget = rf_backend_memory_budget (be);
      if (m->budget == 0)
        m->budget = (guint64) sysconf (_SC_PHYS_PAGES) * (guint64) sysconf (_SC_PAGESIZE) / 2;
    }
  g_mutex_unlock (&m->lock);
  return be;
}

/* Drops unpinned entries, least recently used first, until @need more
 * bytes fit. Called with the lock held. */
static void
evict_for (RfServiceModels *m, guint64 need)
{
  GList *l = g_list_last (m->entries);
  while (l != NULL && m->resident + need > m->budget)
    {
      GList *prev = l->prev;
      Entry *e = l->data;
      if (!e->pinned)
        {
          m->resident -= e->bytes;
          m->entries = g_list_delete_link (m->entries, l);
          entry_free (e);
        }
      l = prev;
    }
}

gpointer
rf_service_models_get (RfServiceModels *m, const RfServiceModelKind *kind, const char *path,
                       const char *device, RfServiceLoadFunc progress, gpointer progress_data,
                       GError **error)
{
  const char *dev = device_name (m, device);
  g_mutex_lock (&m->lock);
  for (GList *l = m->entries; l != NULL; l = l->next)
    {
      Entry *e = l->data;
      if (e->kind == kind && g_str_equal (e->path, path) && g_str_equal (e->device, dev))
        {
          e->pinned = TRUE;
          e->uses++;
          e->last_used = g_get_monotonic_time ();
          m->entries = g_list_remove_link (m->entries, l);
          m->entries = g_list_concat (l, m->entries);
          g_mutex_unlock (&m->lock);
          return e->model;
        }
    }
  g_mutex_unlock (&m->lock);

  RfBackend *be = rf_service_models_get_backend (m, dev, error);
  if (be == NULL)
    return NULL;
  g_autoptr (RfModelFile) mf = rf_model_file_open (path, error);
  if (mf == NULL)
    return NULL;
  guint64 estimate = rf_model_file_get_size (mf);
  g_mutex_lock (&m->lock);
  if (estimate > m->budget && !kind->can_stream)
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_OUT_OF_MEMORY,
                   _("%s needs %.1f MiB but the service's memory budget is %.1f MiB "
                     "(%.1f MiB in use by other models)"), path, estimate / 1048576.0,
                   m->budget / 1048576.0, m->resident / 1048576.0);
      g_mutex_unlock (&m->lock);
      return NULL;
    }
  evict_for (m, MIN (estimate, m->budget));
  g_mutex_unlock (&m->lock);

  if (progress)
    progress (progress_data, path, 0, 1);
  gpointer model = kind->load (be, mf, error);
  if (model == NULL)
    return NULL;
  if (progress)
    progress (progress_data, path, 1, 1);

  Entry *e = g_new0 (Entry, 1);
  e->kind = kind;
  e->path = g_strdup (path);
  e->device = g_strdup (dev);
  e->model = model;
  e->bytes = kind->resident_bytes ? kind->resident_bytes (model, mf) : estimate;
  e->mf = g_steal_pointer (&mf);
  e->pinned = TRUE;
  e->uses = 1;
  e->last_used = g_get_monotonic_time ();
  g_mutex_lock (&m->lock);
  m->entries = g_list_prepend (m->entries, e);
  m->resident += e->bytes;
  g_mutex_unlock (&m->lock);
  return model;
}

void
rf_service_models_unpin_all (RfServiceModels *m)
{
  g_mutex_lock (&m->lock);
  for (GList *l = m->entries; l != NULL; l = l->next)
    ((Entry *) l->data)->pinned = FALSE;
  /* a streaming model may have been let in over the budget */
  evict_for (m, 0);
  g_mutex_unlock (&m->lock);
}

gboolean
rf_service_models_reset_device (RfServiceModels *m, const char *device, GError **error)
{
  const char *dev = device_name (m, device);
  g_autofree char *name = g_strdup (dev);
  g_mutex_lock (&m->lock);
  for (GList *l = m->entries; l != NULL;)
    {
      GList *next = l->next;
      Entry *e = l->data;
      if (g_str_equal (e->device, name))
        {
          m->resident -= e->bytes;
          m->entries = g_list_delete_link (m->entries, l);
          entry_free (e);
        }
      l = next;
    }
  g_mutex_unlock (&m->lock);
  g_hash_table_remove (m->backends, name);
  return rf_service_models_get_backend (m, name, error) != NULL;
}

GVariant *
rf_service_models_list (RfServiceModels *m)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  g_mutex_lock (&m->lock);
  gint64 now = g_get_monotonic_time ();
  for (GList *l = m->entries; l != NULL; l = l->next)
    {
      Entry *e = l->data;
      g_variant_builder_open (&b, G_VARIANT_TYPE ("a{sv}"));
      g_variant_builder_add (&b, "{sv}", "kind", g_variant_new_string (e->kind->name));
      g_variant_builder_add (&b, "{sv}", "path", g_variant_new_string (e->path));
      g_variant_builder_add (&b, "{sv}", "device", g_variant_new_string (e->device));
      g_variant_builder_add (&b, "{sv}", "bytes", g_variant_new_uint64 (e->bytes));
      g_variant_builder_add (&b, "{sv}", "uses", g_variant_new_uint64 (e->uses));
      g_variant_builder_add (&b, "{sv}", "idle-seconds",
                             g_variant_new_double ((now - e->last_used) / 1e6));
      g_variant_builder_close (&b);
    }
  g_mutex_unlock (&m->lock);
  return g_variant_builder_end (&b);
}

guint64
rf_service_models_get_budget (RfServiceModels *m)
{
  g_mutex_lock (&m->lock);
  guint64 v = m->budget;
  g_mutex_unlock (&m->lock);
  return v;
}

guint64
rf_service_models_get_resident (RfServiceModels *m)
{
  g_mutex_lock (&m->lock);
  guint64 v = m->resident;
  g_mutex_unlock (&m->lock);
  return v;
}

const char *
rf_service_models_get_default_device (RfServiceModels *m)
{
  return m->default_device;
}
