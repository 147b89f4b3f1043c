/* vk-test.h — tiny harness shared by the Vulkan tests: one line per
 * case, exit 77 when no Vulkan device exists, any validation message
 * (teardown included) fails the program. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vk-internal.h"

static int vk_test_failures;

#define CHECK(cond, ...)                                                   \
  do {                                                                     \
    if (!(cond))                                                           \
      {                                                                    \
        printf ("    check failed at %s:%d: ", __FILE__, __LINE__);        \
        printf (__VA_ARGS__);                                              \
        printf ("\n");                                                     \
        ok = FALSE;                                                        \
      }                                                                    \
  } while (0)

#define CHECK_NO_ERROR(call)                                               \
  do {                                                                     \
    GError *e_ = NULL;                                                     \
    if (!(call))                                                           \
      {                                                                    \
        printf ("    %s failed at %s:%d: %s\n", #call, __FILE__, __LINE__, \
                e_ ? e_->message : "(no error)");                          \
        ok = FALSE;                                                        \
      }                                                                    \
    g_clear_error (&e_);                                                   \
  } while (0)

static inline void
vk_test_report (const char *name, gboolean ok)
{
  printf ("%-56s %s\n", name, ok ? "ok" : "FAIL");
  fflush (stdout);
  if (!ok)
    vk_test_failures++;
}

/* A Vulkan backend, or exit(77) when there is no device at all. */
static inline RfBackend *
vk_test_backend_or_skip (void)
{
  g_autoptr (GError) error = NULL;
  RfBackend *be = rf_backend_new_vulkan (NULL, &error);
  if (be == NULL)
    {
      printf ("SKIP: %s\n", error->message);
      exit (g_error_matches (error, RF_VULKAN_ERROR, RF_VULKAN_ERROR_NO_DEVICE) ? 77 : 1);
    }
  return be;
}

static inline int
vk_test_finish (void)
{
  guint n = rf_vk_validation_message_count ();
  if (n > 0)
    {
      printf ("FAIL: %u validation message(s), see stderr\n", n);
      vk_test_failures++;
    }
  printf ("%s: %d failure(s)\n", vk_test_failures ? "FAIL" : "PASS", vk_test_failures);
  return vk_test_failures ? 1 : 0;
}
