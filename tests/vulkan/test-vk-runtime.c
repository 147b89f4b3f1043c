/* test-vk-runtime.c — the Vulkan runtime without op math: transfers,
 * sub-allocator, binding splits, batching, pipeline cache, device
 * choice and error paths (OOM, device lost, validation). */
#include "vk-test.h"

#include <glib/gstdio.h>

static guint8
pattern (guint64 i, guint seed)
{
  return (guint8) ((i * 2654435761u + seed) >> 7);
}

/* Writes then reads sizes that are not multiples of 4 at odd offsets. */
static gboolean
round_trips (RfBackend *be)
{
  gboolean ok = TRUE;
  const guint64 sizes[] = { 1, 3, 5, 13, 257, 4099, 100003 };
  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      guint64 n = sizes[s];
      GError *error = NULL;
      RfBuffer *buf = rf_buffer_new (be, n + 7, &error);
      CHECK (buf != NULL, "alloc %" G_GUINT64_FORMAT ": %s", n, error ? error->message : "");
      g_clear_error (&error);
      if (buf == NULL)
        continue;
      /* a host shadow of the whole buffer: writes at odd offsets must
       * change exactly their bytes */
      g_autofree guint8 *shadow = g_malloc0 (buf->size), *all = g_malloc0 (buf->size);
      CHECK_NO_ERROR (be->klass->buffer_write (be, buf, 0, shadow, buf->size, &e_));
      for (guint64 off = 0; off < 8 && ok; off += 3)
        {
          guint64 len = MIN (n, buf->size - off);
          g_autofree guint8 *in = g_malloc (len), *out = g_malloc0 (len);
          for (guint64 i = 0; i < len; i++)
            in[i] = pattern (i, (guint) (s * 8 + off));
          memcpy (shadow + off, in, len);
          CHECK_NO_ERROR (be->klass->buffer_write (be, buf, off, in, len, &e_));
          CHECK_NO_ERROR (be->klass->buffer_read (be, buf, off, out, len, &e_));
          CHECK (memcmp (in, out, len) == 0, "size %" G_GUINT64_FORMAT " offset %" G_GUINT64_FORMAT
                 " differs", len, off);
          CHECK_NO_ERROR (be->klass->buffer_read (be, buf, 0, all, buf->size, &e_));
          CHECK (memcmp (shadow, all, buf->size) == 0, "bytes outside [%" G_GUINT64_FORMAT
                 ", +%" G_GUINT64_FORMAT ") changed", off, len);
        }
      GError *oob = NULL;
      guint8 b;
      CHECK (!be->klass->buffer_read (be, buf, buf->size, &b, 1, &oob), "read past the end succeeded");
      g_clear_error (&oob);
      rf_buffer_unref (buf);
    }
  return ok;
}

static gboolean
suballocator (RfBackend *be)
{
  RfVkBackend *vk = rf_vk_backend (be);
  gboolean ok = TRUE;
  RfVkMemoryStats st0, st1, st2;
  rf_vk_memory_stats (vk, RF_VK_POOL_DEVICE, &st0);
  RfBuffer *bufs[64];
  for (int i = 0; i < 64; i++)
    {
      GError *e = NULL;
      bufs[i] = rf_buffer_new (be, 1000 + 37 * i, &e);
      CHECK (bufs[i] != NULL, "alloc: %s", e ? e->message : "");
      g_clear_error (&e);
    }
  rf_vk_memory_stats (vk, RF_VK_POOL_DEVICE, &st1);
  CHECK (st1.n_blocks == MAX (st0.n_blocks, 1), "64 small buffers took %u blocks", st1.n_blocks);
  /* distinct, aligned, non-overlapping ranges */
  for (int i = 0; i < 64; i++)
    for (int j = i + 1; j < 64; j++)
      {
        RfVkBuf *a = bufs[i]->impl, *b = bufs[j]->impl;
        if (a->alloc.block == b->alloc.block)
          CHECK (a->alloc.offset + a->alloc.size <= b->alloc.offset
                 || b->alloc.offset + b->alloc.size <= a->alloc.offset, "buffers %d, %d overlap", i, j);
      }
  for (int i = 0; i < 64; i++)
    CHECK (((RfVkBuf *) bufs[i]->impl)->alloc.offset % rf_vk_binding_alignment (vk) == 0,
           "buffer %d misaligned", i);
  /* free every other one, then the freed space is reused first-fit */
  guint64 hole = ((RfVkBuf *) bufs[10]->impl)->alloc.offset;
  for (int i = 0; i < 64; i += 2)
    g_clear_pointer (&bufs[i], rf_buffer_unref);
  GError *e = NULL;
  RfBuffer *again = rf_buffer_new (be, 1000, &e);
  CHECK (again != NULL && ((RfVkBuf *) again->impl)->alloc.offset <= hole,
         "a freed range was not reused");
  g_clear_error (&e);
  for (int i = 1; i < 64; i += 2)
    g_clear_pointer (&bufs[i], rf_buffer_unref);
  rf_buffer_unref (again);
  rf_vk_memory_stats (vk, RF_VK_POOL_DEVICE, &st2);
  CHECK (st2.used_bytes == st0.used_bytes, "%" G_GUINT64_FORMAT " bytes leaked",
         st2.used_bytes - st0.used_bytes);
  /* larger than a block: a dedicated block, gone once released */
  RfBuffer *big = rf_buffer_new (be, st1.block_size + 1, &e);
  CHECK (big != NULL, "dedicated alloc: %s", e ? e->message : "");
  g_clear_error (&e);
  if (big != NULL)
    {
      RfVkMemoryStats st3;
      rf_vk_memory_stats (vk, RF_VK_POOL_DEVICE, &st3);
      CHECK (st3.n_blocks == st2.n_blocks + 1 && ((RfVkBuf *) big->impl)->alloc.block->dedicated,
             "no dedicated block");
      rf_buffer_unref (big);
      rf_vk_memory_stats (vk, RF_VK_POOL_DEVICE, &st3);
      CHECK (st3.n_blocks == st2.n_blocks, "dedicated block not freed");
    }
  return ok;
}

static gboolean
out_of_memory (RfBackend *be)
{
  RfVkBackend *vk = rf_vk_backend (be);
  gboolean ok = TRUE;
  guint64 heap = 0;
  for (guint32 h = 0; h < vk->caps.mem.memoryHeapCount; h++)
    heap = MAX (heap, vk->caps.mem.memoryHeaps[h].size);
  const guint64 sizes[] = { 2 * heap, G_GUINT64_CONSTANT (1) << 50 };
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      GError *e = NULL;
      RfBuffer *b = rf_buffer_new (be, sizes[i], &e);
      CHECK (b == NULL && g_error_matches (e, RF_VULKAN_ERROR, RF_VULKAN_ERROR_OUT_OF_MEMORY)
             && strstr (e->message, "MiB") != NULL,
             "allocating %" G_GUINT64_FORMAT " bytes: %s", sizes[i], e ? e->message : "succeeded");
      if (e)
        printf ("    (expected) %s\n", e->message);
      g_clear_error (&e);
      rf_buffer_unref (b);
    }
  /* the backend still works afterwards */
  RfBuffer *b = rf_buffer_new (be, 16, NULL);
  CHECK (b != NULL, "allocation after OOM failed");
  rf_buffer_unref (b);
  return ok;
}

static gboolean
count_box (RfVkBackend *vk, const RfVkBox *box, gpointer user_data, GError **error)
{
  guint *n = user_data;
  (*n)++;
  for (int i = 0; i < 2; i++)
    if (box->bind[i].range > rf_vk_max_binding_range (vk))
      return FALSE;
  return TRUE;
}

/* Needs RECTIFY_VK_MAX_BINDING_RANGE=4096 (set by main for this backend). */
static gboolean
binding_split (RfBackend *be)
{
  RfVkBackend *vk = rf_vk_backend (be);
  gboolean ok = TRUE;
  CHECK (rf_vk_max_binding_range (vk) == 4096, "range is %" G_GUINT64_FORMAT,
         rf_vk_max_binding_range (vk));
  g_autoptr (GError) e = NULL;
  g_autoptr (RfTensor) t = rf_tensor_new_4d (be, RF_DTYPE_F32, 2, 3, 5000, 0, 0, &e);
  g_autoptr (RfTensor) u = rf_tensor_new_4d (be, RF_DTYPE_F32, 2, 5000, 3, 0, 0, &e);
  if (t == NULL || u == NULL)
    return FALSE;
  const int perm[2] = { 1, 0 };
  g_autoptr (RfTensor) ut = rf_tensor_view_permute (u, perm, &e);
  RfVkView views[2];
  rf_vk_view_from_tensor (&views[0], t, TRUE);
  rf_vk_view_from_tensor (&views[1], ut, FALSE);
  gint64 shape[4] = { 1, 1, 3, 5000 };
  guint n = 0;
  CHECK (rf_vk_for_each_box (vk, shape, views, 2, count_box, &n, &e), "split failed: %s",
         e ? e->message : "a box exceeded the range");
  CHECK (n >= 15, "60000 bytes in 4096-byte bindings took only %u boxes", n);

  /* a chain of copies across many boxes gives the transposed data back */
  g_autofree float *in = g_new (float, 15000), *out = NULL;
  for (int i = 0; i < 15000; i++)
    in[i] = (float) i;
  CHECK_NO_ERROR (rf_tensor_write (u, in, sizeof (float) * 15000, &e_));
  CHECK_NO_ERROR (rf_op_copy (t, ut, &e_));
  out = rf_tensor_read_f32 (t, &e);
  CHECK (out != NULL, "read: %s", e ? e->message : "");
  for (int r = 0; out && r < 3; r++)
    for (int c = 0; c < 5000; c++)
      if (out[r * 5000 + c] != in[c * 3 + r])
        {
          CHECK (FALSE, "t[%d,%d] = %g, want %g", r, c, out[r * 5000 + c], in[c * 3 + r]);
          return FALSE;
        }

  /* reversed (negative stride) source across many boxes */
  const gint64 flat = 15000, back = -1;
  g_autoptr (RfTensor) uflat = rf_tensor_view_reshape (u, 1, &flat, &e);
  g_autoptr (RfTensor) rev = uflat ? rf_tensor_view_strided (uflat, 1, &flat, &back, flat - 1, &e) : NULL;
  g_autoptr (RfTensor) tflat = rf_tensor_view_reshape (t, 1, &flat, &e);
  CHECK (rev && tflat && rf_op_copy (tflat, rev, &e), "reversed copy: %s", e ? e->message : "");
  g_free (out);
  out = rf_tensor_read_f32 (t, &e);
  for (int i = 0; out && i < flat; i++)
    if (out[i] != in[flat - 1 - i])
      {
        CHECK (FALSE, "reversed [%d] = %g, want %g", i, out[i], in[flat - 1 - i]);
        return FALSE;
      }
  return ok && out != NULL;
}

/* Dependent ops in a row: within one batch they need barriers (the
 * synchronization validation layer reports any missing one), with
 * RECTIFY_VK_MAX_DISPATCHES_PER_SUBMIT=1 every op is its own submit. */
static gboolean
dependent_ops (RfBackend *be, guint want_max_dispatches)
{
  gboolean ok = TRUE;
  g_autoptr (GError) e = NULL;
  CHECK (rf_vk_backend (be)->max_dispatches == want_max_dispatches, "env not honoured");
  g_autoptr (RfTensor) x = rf_tensor_new_4d (be, RF_DTYPE_F32, 1, 1000, 0, 0, 0, &e);
  g_autoptr (RfTensor) y = rf_tensor_new_4d (be, RF_DTYPE_F32, 1, 1000, 0, 0, 0, &e);
  if (x == NULL || y == NULL)
    return FALSE;
  g_autofree float *zeros = g_new0 (float, 1000);
  CHECK_NO_ERROR (rf_tensor_write (x, zeros, 4000, &e_));
  for (int i = 0; i < 25; i++)
    {
      /* y = x + 1; x = y * 1  (ping-pong across submits and frames) */
      CHECK_NO_ERROR (rf_op_scale (y, x, 1.0f, 1.0f, &e_));
      CHECK_NO_ERROR (rf_op_scale (x, y, 1.0f, 0.0f, &e_));
    }
  g_autofree float *out = rf_tensor_read_f32 (x, &e);
  for (int i = 0; out && i < 1000; i++)
    if (out[i] != 25.0f)
      {
        CHECK (FALSE, "x[%d] = %g after 25 increments", i, out[i]);
        break;
      }
  return ok && out != NULL;
}

static gboolean
pipeline_cache_header (RfBackend *be)
{
  RfVkBackend *vk = rf_vk_backend (be);
  gboolean ok = TRUE;
  VkPhysicalDeviceProperties props = vk->caps.props;
  /* a blob with a valid Vulkan header for this device */
  guint8 blob[64] = { 0 };
  guint32 words[4] = { 32, VK_PIPELINE_CACHE_HEADER_VERSION_ONE, props.vendorID, props.deviceID };
  memcpy (blob, words, 16);
  memcpy (blob + 16, props.pipelineCacheUUID, VK_UUID_SIZE);
  g_autofree char *dir = g_dir_make_tmp ("rectify-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "sub", "cache.bin", NULL);
  CHECK_NO_ERROR (rf_vk_pipeline_cache_write (path, &props, blob, sizeof blob, &e_));
  g_autofree guint8 *data = NULL;
  gsize len = 0, blob_len = 0;
  CHECK (g_file_get_contents (path, (char **) &data, &len, NULL), "cache file not written");
  CHECK (rf_vk_pipeline_cache_parse (data, len, &props, &blob_len) == data + 56
         && blob_len == sizeof blob, "a valid file was rejected");
  /* each damage alone must be rejected */
  const struct { gsize at; const char *what; } damage[] = {
    { 0, "magic" }, { 8, "version" }, { 12, "vendor" }, { 16, "device" },
    { 20, "driver version" }, { 30, "cache UUID" }, { 40, "size" }, { 48, "checksum" },
    { 56 + 8, "Vulkan header vendor" }, { 56 + 40, "blob byte" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (damage) && data; i++)
    {
      g_autofree guint8 *bad = g_memdup2 (data, len);
      bad[damage[i].at] ^= 0x5a;
      CHECK (rf_vk_pipeline_cache_parse (bad, len, &props, &blob_len) == NULL,
             "damaged %s accepted", damage[i].what);
    }
  CHECK (data == NULL || rf_vk_pipeline_cache_parse (data, len - 1, &props, &blob_len) == NULL,
         "truncated file accepted");
  VkPhysicalDeviceProperties other = props;
  other.driverVersion++;
  CHECK (data == NULL || rf_vk_pipeline_cache_parse (data, len, &other, &blob_len) == NULL,
         "file of another driver version accepted");
  g_unlink (path);
  g_autofree char *sub = g_path_get_dirname (path);
  g_rmdir (sub);
  g_rmdir (dir);
  return ok;
}

/* A garbage cache file is ignored, the backend works, and freeing it
 * replaces the file with a valid one. XDG_CACHE_HOME points to a
 * private directory (set in main before GLib reads it). */
static gboolean
pipeline_cache_replace (void)
{
  gboolean ok = TRUE;
  g_autoptr (GError) e = NULL;
  RfBackend *probe = vk_test_backend_or_skip ();
  g_autofree char *path = rf_vk_pipeline_cache_path (&rf_vk_backend (probe)->caps);
  VkPhysicalDeviceProperties props = rf_vk_backend (probe)->caps.props;
  rf_backend_free (probe);
  g_autofree char *dir = g_path_get_dirname (path);
  g_mkdir_with_parents (dir, 0700);
  CHECK (g_file_set_contents (path, "RFPCACHE garbage from another machine", -1, NULL), "setup");

  RfBackend *be = rf_backend_new_vulkan (NULL, &e);
  CHECK (be != NULL, "backend with a bad cache file: %s", e ? e->message : "");
  if (be == NULL)
    return FALSE;
  g_autoptr (RfTensor) t = rf_tensor_new_4d (be, RF_DTYPE_F32, 1, 7, 0, 0, 0, &e);
  CHECK (t != NULL && rf_op_relu (t, t, &e) && rf_backend_synchronize (be, &e), "op: %s",
         e ? e->message : "");
  g_clear_pointer (&t, rf_tensor_free);
  rf_backend_free (be);
  g_autofree guint8 *data = NULL;
  gsize len = 0, blob_len = 0;
  CHECK (g_file_get_contents (path, (char **) &data, &len, NULL)
         && rf_vk_pipeline_cache_parse (data, len, &props, &blob_len) != NULL,
         "the bad cache file was not replaced by a valid one");
  return ok;
}

static gboolean
device_selection (void)
{
  gboolean ok = TRUE;
  g_autoptr (GPtrArray) devs = NULL;
  g_autoptr (GError) e = NULL;
  CHECK (rf_vulkan_list_devices (NULL, &devs, &e) && devs && devs->len > 0, "list: %s",
         e ? e->message : "no devices");
  if (devs == NULL || devs->len == 0)
    return FALSE;
  const RfVulkanDeviceInfo *first = g_ptr_array_index (devs, 0);
  g_autofree char *text = rf_vulkan_device_info_format (first);
  CHECK (strstr (text, first->name) != NULL && strstr (text, "subgroup") != NULL, "format: %s", text);

  g_setenv ("RECTIFY_DEVICE", "no-such-gpu-xyz", TRUE);
  RfBackend *be = rf_backend_new_vulkan (NULL, &e);
  CHECK (be == NULL && g_error_matches (e, RF_VULKAN_ERROR, RF_VULKAN_ERROR_DEVICE_NOT_FOUND)
         && strstr (e->message, "no-such-gpu-xyz") && strstr (e->message, first->name),
         "unknown RECTIFY_DEVICE: %s", e ? e->message : "a backend was created");
  if (e)
    printf ("    (expected) %s\n", e->message);
  g_clear_error (&e);
  g_autoptr (GPtrArray) devs2 = NULL;
  CHECK (!rf_vulkan_list_devices (NULL, &devs2, &e) && devs2 != NULL
         && g_error_matches (e, RF_VULKAN_ERROR, RF_VULKAN_ERROR_DEVICE_NOT_FOUND),
         "listing with an unknown RECTIFY_DEVICE did not report it");
  g_clear_error (&e);
  g_unsetenv ("RECTIFY_DEVICE");
  rf_backend_free (be);

  /* by index and by a part of the name, through the explicit selector */
  g_autofree char *part = g_ascii_strup (first->name, MIN (strlen (first->name), 4));
  const char *sels[] = { "0", part };
  for (gsize i = 0; i < G_N_ELEMENTS (sels); i++)
    {
      be = rf_backend_new_vulkan (sels[i], &e);
      CHECK (be != NULL || !first->usable, "selector '%s': %s", sels[i], e ? e->message : "");
      g_clear_error (&e);
      rf_backend_free (be);
    }
  be = rf_backend_new_vulkan ("99", &e);
  CHECK (be == NULL && g_error_matches (e, RF_VULKAN_ERROR, RF_VULKAN_ERROR_DEVICE_NOT_FOUND),
         "index 99 accepted");
  rf_backend_free (be);
  return ok;
}

/* Provokes a real validation error and checks that synchronize turns it
 * into RF_VULKAN_ERROR_VALIDATION. Returns the messages it caused. */
static gboolean
validation_reporting (RfBackend *be, guint *caused)
{
  RfVkBackend *vk = rf_vk_backend (be);
  gboolean ok = TRUE;
  *caused = 0;
  if (!vk->inst->validation)
    {
      printf ("    (validation layer not active: skipped)\n");
      return TRUE;
    }
  guint before = rf_vk_validation_message_count ();
  const VkBufferCreateInfo bad = {
    .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
    .size = 0, /* invalid: VUID-VkBufferCreateInfo-size-00912 */
    .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
  };
  VkBuffer buf = VK_NULL_HANDLE;
  printf ("    (a validation error about size 0 is expected below)\n");
  fflush (stdout);
  if (vkCreateBuffer (vk->device, &bad, NULL, &buf) == VK_SUCCESS && buf != VK_NULL_HANDLE)
    vkDestroyBuffer (vk->device, buf, NULL);
  *caused = rf_vk_validation_message_count () - before;
  g_autoptr (GError) e = NULL;
  CHECK (!rf_backend_synchronize (be, &e)
         && g_error_matches (e, RF_VULKAN_ERROR, RF_VULKAN_ERROR_VALIDATION),
         "synchronize after a validation error: %s", e ? e->message : "succeeded");
  g_clear_error (&e);
  CHECK (rf_backend_synchronize (be, &e), "the message was reported twice");
  return ok;
}

/* A lost device fails every later call with DEVICE_LOST, and freeing
 * the backend neither hangs nor crashes. */
static gboolean
device_lost (void)
{
  gboolean ok = TRUE;
  g_autoptr (GError) e = NULL;
  RfBackend *be = vk_test_backend_or_skip ();
  RfVkBackend *vk = rf_vk_backend (be);
  RfTensor *t = rf_tensor_new_4d (be, RF_DTYPE_F32, 1, 5, 0, 0, 0, &e);
  float v[5] = { 1, 2, 3, 4, 5 };
  CHECK (t && rf_tensor_write (t, v, sizeof v, &e) && rf_backend_synchronize (be, &e), "setup");
  /* what vkQueueSubmit/vkWaitForFences return after a GPU reset */
  CHECK (!RF_VK_CHECK (vk, VK_ERROR_DEVICE_LOST, &e), "not an error");
  CHECK (g_error_matches (e, RF_VULKAN_ERROR, RF_VULKAN_ERROR_DEVICE_LOST)
         && strstr (e->message, "VK_ERROR_DEVICE_LOST") && strstr (e->message, ".c:"),
         "check message: %s", e ? e->message : "");
  g_clear_error (&e);
  CHECK (!rf_backend_synchronize (be, &e)
         && g_error_matches (e, RF_VULKAN_ERROR, RF_VULKAN_ERROR_DEVICE_LOST), "synchronize");
  g_clear_error (&e);
  CHECK (!rf_op_relu (t, t, &e) && g_error_matches (e, RF_VULKAN_ERROR, RF_VULKAN_ERROR_DEVICE_LOST),
         "op after loss");
  g_clear_error (&e);
  CHECK (!rf_tensor_read (t, v, sizeof v, &e)
         && g_error_matches (e, RF_VULKAN_ERROR, RF_VULKAN_ERROR_DEVICE_LOST), "read after loss");
  g_clear_error (&e);
  RfTensor *u = rf_tensor_new_4d (be, RF_DTYPE_F32, 1, 5, 0, 0, 0, &e);
  CHECK (u == NULL && g_error_matches (e, RF_VULKAN_ERROR, RF_VULKAN_ERROR_DEVICE_LOST),
         "allocation after loss");
  rf_tensor_free (u);
  rf_tensor_free (t);
  /* the device is really fine: let teardown wait normally */
  vk->lost = FALSE;
  rf_backend_free (be);
  return ok;
}

int
main (void)
{
  g_autofree char *cache_home = g_dir_make_tmp ("rectify-cache-XXXXXX", NULL);
  g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);
  g_unsetenv ("RECTIFY_DEVICE");

  RfBackend *be = vk_test_backend_or_skip ();
  printf ("# %s\n", rf_backend_description (be));
  vk_test_report ("buffer round trips (direct)", round_trips (be));
  vk_test_report ("sub-allocator reuse and dedicated blocks", suballocator (be));
  vk_test_report ("out of memory is an error", out_of_memory (be));
  vk_test_report ("pipeline cache header checks", pipeline_cache_header (be));
  vk_test_report ("dependent ops in one batch", dependent_ops (be, RF_VK_DEFAULT_MAX_DISPATCHES));
  guint caused = 0;
  vk_test_report ("validation message becomes an error", validation_reporting (be, &caused));
  rf_backend_free (be);

  g_setenv ("RECTIFY_VK_FORCE_STAGING", "1", TRUE);
  be = vk_test_backend_or_skip ();
  gboolean staged = !rf_vk_backend (be)->direct_map;
  vk_test_report ("buffer round trips (staging)", staged && round_trips (be));
  rf_backend_free (be);
  g_unsetenv ("RECTIFY_VK_FORCE_STAGING");

  g_setenv ("RECTIFY_VK_MAX_BINDING_RANGE", "4096", TRUE);
  be = vk_test_backend_or_skip ();
  vk_test_report ("binding split under a 4096-byte range", binding_split (be));
  rf_backend_free (be);
  g_unsetenv ("RECTIFY_VK_MAX_BINDING_RANGE");

  g_setenv ("RECTIFY_VK_MAX_DISPATCHES_PER_SUBMIT", "1", TRUE);
  be = vk_test_backend_or_skip ();
  vk_test_report ("one dispatch per submit keeps order", dependent_ops (be, 1));
  rf_backend_free (be);
  g_unsetenv ("RECTIFY_VK_MAX_DISPATCHES_PER_SUBMIT");

  vk_test_report ("pipeline cache: bad file ignored and replaced", pipeline_cache_replace ());
  vk_test_report ("device selection and unknown RECTIFY_DEVICE", device_selection ());
  vk_test_report ("device lost is sticky", device_lost ());

  /* only the deliberately provoked messages may have happened */
  guint n = rf_vk_validation_message_count ();
  if (n != caused)
    {
      printf ("FAIL: %u unexpected validation message(s), see stderr\n", n - caused);
      vk_test_failures++;
    }
  printf ("%s: %d failure(s)\n", vk_test_failures ? "FAIL" : "PASS", vk_test_failures);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", cache_home);
  (void) !system (cmd);
  return vk_test_failures ? 1 : 0;
}
