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

/* One device: its backend and the memory its models hold. Budgets are per
 * device: VRAM on a GPU, RAM on the CPU. */
typedef struct {
  RfBackend *backend;
  guint64 budget;
  guint64 resident;
} Device;

struct _RfServiceModels {
  GMutex lock;          /* guards entries, devices and their counters */
  char *default_device;
  guint64 fixed_budget; /* from the configuration; 0: each device's own */
  GHashTable *devices;  /* device name → Device* */
  GList *entries;       /* Entry*, most recently used first */
};

static void
device_free (Device *d)
{
  rf_backend_free (d->backend);
  g_free (d);
}

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
  m->fixed_budget = budget;
  m->devices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) device_free);
  return m;
}

void
rf_service_models_free (RfServiceModels *m)
{
  if (m == NULL)
    return;
  /* models before the backends they live on */
  g_list_free_full (m->entries, (GDestroyNotify) entry_free);
  g_hash_table_destroy (m->devices);
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
  g_mutex_lock (&m->lock);
  Device *d = g_hash_table_lookup (m->devices, name);
  g_mutex_unlock (&m->lock);
  if (d != NULL)
    return d->backend;
  RfBackend *be = rf_backend_new_by_name (name, error);
  if (be == NULL)
    return NULL;
  d = g_new0 (Device, 1);
  d->backend = be;
  d->budget = m->fixed_budget ? m->fixed_budget : rf_backend_memory_budget (be);
  if (d->budget == 0) /* the CPU: half the RAM, the rest is GIMP's */
    d->budget = (guint64) sysconf (_SC_PHYS_PAGES) * (guint64) sysconf (_SC_PAGESIZE) / 2;
  g_mutex_lock (&m->lock);
  g_hash_table_insert (m->devices, g_strdup (name), d);
  g_mutex_unlock (&m->lock);
  return be;
}

/* Drops unpinned entries on @dev, least recently used first, until @need
 * more bytes fit its budget. Called with the lock held. */
static void
evict_for (RfServiceModels *m, Device *dev, const char *name, guint64 need)
{
  GList *l = g_list_last (m->entries);
  while (l != NULL && dev->resident + need > dev->budget)
    {
      GList *prev = l->prev;
      Entry *e = l->data;
      if (!e->pinned && g_str_equal (e->device, name))
        {
          dev->resident -= e->bytes;
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
  Device *d = g_hash_table_lookup (m->devices, dev);
  if (estimate > d->budget && !kind->can_stream)
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_OUT_OF_MEMORY,
                   _("%s needs %.1f MiB but the service's memory budget on %s is %.1f MiB "
                     "(%.1f MiB in use by other models)"), path, estimate / 1048576.0, dev,
                   d->budget / 1048576.0, d->resident / 1048576.0);
      g_mutex_unlock (&m->lock);
      return NULL;
    }
  evict_for (m, d, dev, MIN (estimate, d->budget));
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
  ((Device *) g_hash_table_lookup (m->devices, dev))->resident += e->bytes;
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
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, m->devices);
  while (g_hash_table_iter_next (&it, &key, &value))
    evict_for (m, value, key, 0);
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
          m->entries = g_list_delete_link (m->entries, l);
          entry_free (e);
        }
      l = next;
    }
  g_hash_table_remove (m->devices, name);
  g_mutex_unlock (&m->lock);
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
rf_service_models_get_budget (RfServiceModels *m, const char *device)
{
  g_mutex_lock (&m->lock);
  Device *d = g_hash_table_lookup (m->devices, device_name (m, device));
  guint64 v = d ? d->budget : m->fixed_budget;
  g_mutex_unlock (&m->lock);
  return v;
}

guint64
rf_service_models_get_resident (RfServiceModels *m, const char *device)
{
  g_mutex_lock (&m->lock);
  Device *d = g_hash_table_lookup (m->devices, device_name (m, device));
  guint64 v = d ? d->resident : 0;
  g_mutex_unlock (&m->lock);
  return v;
}

const char *
rf_service_models_get_default_device (RfServiceModels *m)
{
  return m->default_device;
}
