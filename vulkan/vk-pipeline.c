/* vk-pipeline.c — one compute pipeline per shader id, created on first
 * use, and the validated on-disk pipeline cache.
 *
 * Cache file layout (little-endian, 56-byte header, then Vulkan's blob):
 *   0  "RFPCACHE"          magic
 *   8  u32 version (1)
 *  12  u32 vendorID   16 u32 deviceID   20 u32 driverVersion
 *  24  u8[16] pipelineCacheUUID
 *  40  u64 blob size   48 u32 FNV-1a of the blob   52 u32 zero
 * A file whose header does not match the device exactly (another GPU,
 * another driver build, truncated or damaged) is ignored and replaced;
 * Vulkan's own blob header is checked as well before the blob is handed
 * to the driver, because drivers have crashed on foreign blobs. */
#include "vk-internal.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#define CACHE_MAGIC "RFPCACHE"
#define CACHE_VERSION 1
#define CACHE_HEADER 56

const RfVkPipeline *
rf_vk_pipeline_get (RfVkBackend *vk, RfShaderId id, guint n_bindings, guint32 push_size,
                    GError **error)
{
  RfVkPipeline *p = &vk->pipelines[id];
  if (p->pipeline != VK_NULL_HANDLE)
    {
      if (p->n_bindings == n_bindings && p->push_size == push_size)
        return p;
      g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_FAILED,
                   "shader %s dispatched with %u bindings and %u push bytes, "
                   "earlier with %u and %u", rf_shader_table[id].name, n_bindings,
                   push_size, p->n_bindings, p->push_size);
      return NULL;
    }
  VkDescriptorSetLayoutBinding bindings[RF_VK_MAX_BINDINGS];
  for (guint i = 0; i < n_bindings; i++)
    bindings[i] = (VkDescriptorSetLayoutBinding) {
      .binding = i,
      .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
      .descriptorCount = 1,
      .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
    };
  const VkDescriptorSetLayoutCreateInfo dli = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
    .bindingCount = n_bindings,
    .pBindings = bindings,
  };
  const VkPushConstantRange range = {
    .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
    .size = push_size,
  };
  VkShaderModule module = VK_NULL_HANDLE;
  const VkShaderModuleCreateInfo smi = {
    .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
    .codeSize = rf_shader_table[id].size,
    .pCode = rf_shader_table[id].code,
  };
  gboolean ok = RF_VK_CHECK (vk, vkCreateDescriptorSetLayout (vk->device, &dli, NULL,
                                                              &p->set_layout), error);
  if (ok)
    {
      const VkPipelineLayoutCreateInfo pli = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
        .setLayoutCount = 1,
        .pSetLayouts = &p->set_layout,
        .pushConstantRangeCount = push_size ? 1 : 0,
        .pPushConstantRanges = &range,
      };
      ok = RF_VK_CHECK (vk, vkCreatePipelineLayout (vk->device, &pli, NULL, &p->layout), error)
           && RF_VK_CHECK (vk, vkCreateShaderModule (vk->device, &smi, NULL, &module), error);
    }
  if (ok)
    {
      const VkComputePipelineCreateInfo cpi = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .stage = {
          .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
          .stage = VK_SHADER_STAGE_COMPUTE_BIT,
          .module = module,
          .pName = "main",
        },
        .layout = p->layout,
      };
      ok = RF_VK_CHECK (vk, vkCreateComputePipelines (vk->device, vk->pipeline_cache, 1, &cpi,
                                                      NULL, &p->pipeline), error);
    }
  if (module != VK_NULL_HANDLE)
    vkDestroyShaderModule (vk->device, module, NULL);
  if (!ok)
    {
      g_prefix_error (error, "shader %s: ", rf_shader_table[id].name);
      if (p->layout != VK_NULL_HANDLE)
        vkDestroyPipelineLayout (vk->device, p->layout, NULL);
      if (p->set_layout != VK_NULL_HANDLE)
        vkDestroyDescriptorSetLayout (vk->device, p->set_layout, NULL);
      memset (p, 0, sizeof *p);
      return NULL;
    }
  p->n_bindings = n_bindings;
  p->push_size = push_size;
  vk->pipeline_cache_dirty = TRUE;
  return p;
}

void
rf_vk_pipelines_destroy (RfVkBackend *vk)
{
  for (int i = 0; i < RF_SHADER_COUNT; i++)
    {
      RfVkPipeline *p = &vk->pipelines[i];
      if (p->pipeline != VK_NULL_HANDLE)
        vkDestroyPipeline (vk->device, p->pipeline, NULL);
      if (p->layout != VK_NULL_HANDLE)
        vkDestroyPipelineLayout (vk->device, p->layout, NULL);
      if (p->set_layout != VK_NULL_HANDLE)
        vkDestroyDescriptorSetLayout (vk->device, p->set_layout, NULL);
      memset (p, 0, sizeof *p);
    }
}

/* ---- on-disk cache ---- */

static guint32
fnv1a (const guint8 *p, gsize n)
{
  guint32 h = 2166136261u;
  for (gsize i = 0; i < n; i++)
    h = (h ^ p[i]) * 16777619u;
  return h;
}

static void
put32 (guint8 *p, guint32 v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static guint32
get32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

char *
rf_vk_pipeline_cache_path (const RfVkDeviceCaps *caps)
{
  char hex[2 * VK_UUID_SIZE + 1];
  for (guint i = 0; i < VK_UUID_SIZE; i++)
    g_snprintf (hex + 2 * i, 3, "%02x", caps->device_uuid[i]);
  g_autofree char *name = g_strdup_printf ("pipeline-cache-%s.bin", hex);
  return g_build_filename (g_get_user_cache_dir (), "rectify", name, NULL);
}

const guint8 *
rf_vk_pipeline_cache_parse (const guint8 *data, gsize len,
                            const VkPhysicalDeviceProperties *props, gsize *blob_len)
{
  *blob_len = 0;
  if (data == NULL || len < CACHE_HEADER || memcmp (data, CACHE_MAGIC, 8) != 0
      || get32 (data + 8) != CACHE_VERSION || get32 (data + 12) != props->vendorID
      || get32 (data + 16) != props->deviceID || get32 (data + 20) != props->driverVersion
      || memcmp (data + 24, props->pipelineCacheUUID, VK_UUID_SIZE) != 0)
    return NULL;
  guint64 size = (guint64) get32 (data + 40) | (guint64) get32 (data + 44) << 32;
  const guint8 *blob = data + CACHE_HEADER;
  if (size != len - CACHE_HEADER || fnv1a (blob, size) != get32 (data + 48))
    return NULL;
  /* Vulkan's header: length, version one, vendor, device, cache UUID */
  if (size < 32 || get32 (blob) < 32 || get32 (blob + 4) != VK_PIPELINE_CACHE_HEADER_VERSION_ONE
      || get32 (blob + 8) != props->vendorID || get32 (blob + 12) != props->deviceID
      || memcmp (blob + 16, props->pipelineCacheUUID, VK_UUID_SIZE) != 0)
    return NULL;
  *blob_len = size;
  return blob;
}

gboolean
rf_vk_pipeline_cache_write (const char *path, const VkPhysicalDeviceProperties *props,
                            const void *blob, gsize blob_len, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int e = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
                   _("cannot create %s: %s"), dir, g_strerror (e));
      return FALSE;
    }
  g_autofree guint8 *data = g_malloc0 (CACHE_HEADER + blob_len);
  memcpy (data, CACHE_MAGIC, 8);
  put32 (data + 8, CACHE_VERSION);
  put32 (data + 12, props->vendorID);
  put32 (data + 16, props->deviceID);
  put32 (data + 20, props->driverVersion);
  memcpy (data + 24, props->pipelineCacheUUID, VK_UUID_SIZE);
  put32 (data + 40, (guint32) blob_len);
  put32 (data + 44, (guint32) ((guint64) blob_len >> 32));
  memcpy (data + CACHE_HEADER, blob, blob_len);
  put32 (data + 48, fnv1a (data + CACHE_HEADER, blob_len));
  /* g_file_set_contents writes a temporary file and renames it over
   * the old one, so readers never see a half-written cache */
  return g_file_set_contents (path, (const char *) data, (gssize) (CACHE_HEADER + blob_len),
                              error);
}

gboolean
rf_vk_pipeline_cache_open (RfVkBackend *vk, GError **error)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0, blob_len = 0;
  const guint8 *blob = NULL;
  const char *env = g_getenv ("RECTIFY_VK_PIPELINE_CACHE");
  if (env == NULL || strcmp (env, "0") != 0)
    {
      vk->pipeline_cache_path = rf_vk_pipeline_cache_path (&vk->caps);
      if (g_file_get_contents (vk->pipeline_cache_path, (char **) &data, &len, NULL))
        blob = rf_vk_pipeline_cache_parse (data, len, &vk->caps.props, &blob_len);
      if (data != NULL && blob == NULL)
        g_debug ("ignoring foreign or damaged pipeline cache %s", vk->pipeline_cache_path);
    }
  VkPipelineCacheCreateInfo ci = {
    .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
    .initialDataSize = blob_len,
    .pInitialData = blob,
  };
  VkResult r = vkCreatePipelineCache (vk->device, &ci, NULL, &vk->pipeline_cache);
  if (r != VK_SUCCESS && blob != NULL)
    {
      /* the driver refused a blob that passed our checks: start empty */
      ci.initialDataSize = 0;
      ci.pInitialData = NULL;
      r = vkCreatePipelineCache (vk->device, &ci, NULL, &vk->pipeline_cache);
    }
  return rf_vk_check_result (vk, r, "vkCreatePipelineCache", __FILE__, __LINE__, error);
}

void
rf_vk_pipeline_cache_close (RfVkBackend *vk)
{
  if (vk->pipeline_cache == VK_NULL_HANDLE)
    return;
  if (vk->pipeline_cache_dirty && vk->pipeline_cache_path != NULL && !vk->lost)
    {
      size_t n = 0;
      g_autofree void *blob = NULL;
      g_autoptr (GError) error = NULL;
      if (vkGetPipelineCacheData (vk->device, vk->pipeline_cache, &n, NULL) == VK_SUCCESS && n > 0)
        {
          blob = g_malloc (n);
          if (vkGetPipelineCacheData (vk->device, vk->pipeline_cache, &n, blob) == VK_SUCCESS
              && !rf_vk_pipeline_cache_write (vk->pipeline_cache_path, &vk->caps.props, blob, n,
                                              &error))
            g_debug ("pipeline cache not saved: %s", error->message);
        }
    }
  vkDestroyPipelineCache (vk->device, vk->pipeline_cache, NULL);
  vk->pipeline_cache = VK_NULL_HANDLE;
  g_clear_pointer (&vk->pipeline_cache_path, g_free);
}
