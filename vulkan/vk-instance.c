/* vk-instance.c — VkInstance, optional Khronos validation and the
 * messenger that turns validation output into errors. */
#include "vk-internal.h"

#include <stdio.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RF_VK_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define RF_VK_ASAN 1
#endif

#ifdef RF_VK_ASAN
#include <dlfcn.h>
#include <link.h>

/* Sanitizer builds only: the loader unloads drivers and layers in
 * vkDestroyInstance, after which LeakSanitizer cannot name the module
 * of their (deliberately unfreed) allocations and tests/lsan.supp cannot
 * match them. Pinning the modules keeps the names resolvable. */
static int
pin_module (struct dl_phdr_info *info, size_t size, void *data)
{
  const char *n = info->dlpi_name;
  if (n != NULL && (strstr (n, "libvulkan_") || strstr (n, "VkLayer") || strstr (n, "libLLVM")))
    dlopen (n, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
  return 0;
}

static void
pin_vulkan_modules (void)
{
  dl_iterate_phdr (pin_module, NULL);
}
#else
static void
pin_vulkan_modules (void)
{
}
#endif

#define VALIDATION_LAYER "VK_LAYER_KHRONOS_validation"

/* every message this process received, for tests */
static gint total_messages;

guint
rf_vk_validation_message_count (void)
{
  return (guint) g_atomic_int_get (&total_messages);
}

/* Called by the layer on any thread. Messages are printed at once and
 * kept until the next synchronize/read reports them as a GError. */
static VkBool32 VKAPI_PTR
on_debug_message (VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                  VkDebugUtilsMessageTypeFlagsEXT types,
                  const VkDebugUtilsMessengerCallbackDataEXT *data, void *user_data)
{
  RfVkInstance *inst = user_data;
  const char *level = (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)
                        ? "error" : "warning";
  char *msg = g_strdup_printf ("validation %s: %s", level,
                               data->pMessage ? data->pMessage : "(no text)");
  fprintf (stderr, "rectify: %s\n", msg);
  g_atomic_int_inc (&total_messages);
  g_mutex_lock (&inst->lock);
  g_ptr_array_add (inst->messages, msg);
  g_mutex_unlock (&inst->lock);
  return VK_FALSE;
}

static gboolean
has_layer (const char *name)
{
  guint32 n = 0;
  if (vkEnumerateInstanceLayerProperties (&n, NULL) != VK_SUCCESS || n == 0)
    return FALSE;
  g_autofree VkLayerProperties *layers = g_new0 (VkLayerProperties, n);
  if (vkEnumerateInstanceLayerProperties (&n, layers) < 0)
    return FALSE;
  for (guint32 i = 0; i < n; i++)
    if (strcmp (layers[i].layerName, name) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
has_instance_extension (const char *layer, const char *name)
{
  guint32 n = 0;
  if (vkEnumerateInstanceExtensionProperties (layer, &n, NULL) != VK_SUCCESS || n == 0)
    return FALSE;
  g_autofree VkExtensionProperties *exts = g_new0 (VkExtensionProperties, n);
  if (vkEnumerateInstanceExtensionProperties (layer, &n, exts) < 0)
    return FALSE;
  for (guint32 i = 0; i < n; i++)
    if (strcmp (exts[i].extensionName, name) == 0)
      return TRUE;
  return FALSE;
}

RfVkInstance *
rf_vk_instance_new (GError **error)
{
  g_autoptr (GPtrArray) exts = g_ptr_array_new ();
  g_autoptr (GPtrArray) layers = g_ptr_array_new ();
  RfVkInstance *inst = g_new0 (RfVkInstance, 1);
  g_mutex_init (&inst->lock);
  inst->messages = g_ptr_array_new_with_free_func (g_free);

  gboolean want_validation = rf_vk_env_flag ("RECTIFY_VK_VALIDATION");
  gboolean sync_validation = FALSE;
  if (want_validation && has_layer (VALIDATION_LAYER)
      && has_instance_extension (NULL, VK_EXT_DEBUG_UTILS_EXTENSION_NAME))
    {
      inst->validation = TRUE;
      g_ptr_array_add (layers, (gpointer) VALIDATION_LAYER);
      g_ptr_array_add (exts, (gpointer) VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
      if (has_instance_extension (VALIDATION_LAYER, VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME))
        {
          sync_validation = TRUE;
          g_ptr_array_add (exts, (gpointer) VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME);
        }
    }
  else if (want_validation)
    g_debug ("RECTIFY_VK_VALIDATION=1 but %s is not installed", VALIDATION_LAYER);

  const VkApplicationInfo app = {
    .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
    .pApplicationName = "rectify",
    .pEngineName = "rectify",
    /* the highest version we know; devices below it still work (1.2 is our floor) */
    .apiVersion = VK_API_VERSION_1_3,
  };
  const VkValidationFeatureEnableEXT enables[] = {
    VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT,
  };
  VkValidationFeaturesEXT features = {
    .sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT,
    .enabledValidationFeatureCount = G_N_ELEMENTS (enables),
    .pEnabledValidationFeatures = enables,
  };
  VkDebugUtilsMessengerCreateInfoEXT messenger_info = {
    .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
    .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT
                       | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
    .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT
                   | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT
                   | VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
    .pfnUserCallback = on_debug_message,
    .pUserData = inst,
  };
  /* chained into instance creation, so messages from vkCreateInstance
   * and vkDestroyInstance are caught too */
  if (sync_validation)
    messenger_info.pNext = &features;
  VkInstanceCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
    .pNext = inst->validation ? &messenger_info : NULL,
    .pApplicationInfo = &app,
    .enabledLayerCount = layers->len,
    .ppEnabledLayerNames = (const char *const *) layers->pdata,
    .enabledExtensionCount = exts->len,
    .ppEnabledExtensionNames = (const char *const *) exts->pdata,
  };
  VkResult r = vkCreateInstance (&info, NULL, &inst->instance);
  if (r != VK_SUCCESS)
    {
      g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_NO_DEVICE,
                   _("no Vulkan driver could be loaded (vkCreateInstance: %s)"),
                   rf_vk_result_name (r));
      inst->instance = VK_NULL_HANDLE;
      rf_vk_instance_free (inst);
      return NULL;
    }
  pin_vulkan_modules ();
  if (inst->validation)
    {
      PFN_vkCreateDebugUtilsMessengerEXT create = (PFN_vkCreateDebugUtilsMessengerEXT)
        vkGetInstanceProcAddr (inst->instance, "vkCreateDebugUtilsMessengerEXT");
      inst->destroy_messenger = (PFN_vkDestroyDebugUtilsMessengerEXT)
        vkGetInstanceProcAddr (inst->instance, "vkDestroyDebugUtilsMessengerEXT");
      messenger_info.pNext = NULL;
      if (create == NULL || inst->destroy_messenger == NULL
          || !RF_VK_CHECK (NULL, create (inst->instance, &messenger_info, NULL,
                                         &inst->messenger), error))
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_FAILED,
                         _("the validation layer has no debug messenger"));
          rf_vk_instance_free (inst);
          return NULL;
        }
    }
  return inst;
}

void
rf_vk_instance_free (RfVkInstance *inst)
{
  if (inst == NULL)
    return;
  if (inst->messenger != VK_NULL_HANDLE)
    inst->destroy_messenger (inst->instance, inst->messenger, NULL);
  if (inst->instance != VK_NULL_HANDLE)
    vkDestroyInstance (inst->instance, NULL);
  g_ptr_array_unref (inst->messages);
  g_mutex_clear (&inst->lock);
  g_free (inst);
}

gboolean
rf_vk_instance_take_messages (RfVkInstance *inst, GError **error)
{
  g_mutex_lock (&inst->lock);
  guint n = inst->messages->len;
  g_autofree char *first = n ? g_strdup (g_ptr_array_index (inst->messages, 0)) : NULL;
  g_ptr_array_set_size (inst->messages, 0);
  g_mutex_unlock (&inst->lock);
  if (n == 0)
    return TRUE;
  g_set_error (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_VALIDATION,
               ngettext ("the Vulkan validation layer reported %u message; the first: %s",
                         "the Vulkan validation layer reported %u messages; the first: %s", n),
               n, first);
  return FALSE;
}
