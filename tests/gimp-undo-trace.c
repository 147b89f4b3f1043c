/* gimp-undo-trace.c — a test-only LD_PRELOAD library for the Rectify
 * plug-in process (GIMP 2.10 and 3): logs, to $RECTIFY_UNDO_LOG, every
 * undo-group start/end and every call that changes the image, with the
 * group depth at the time. GIMP's PDB has no undo call, so the tests
 * check "one undo step" through this: exactly one group per run, and
 * nothing written to the image outside it.
 *
 * The wrapped functions take only integer and pointer arguments (image
 * and item IDs in 2.10, objects in 3), so one forwarder with six such
 * arguments serves both APIs under the x86-64 and AArch64 calling
 * conventions. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef uintptr_t (*Fn) (uintptr_t, uintptr_t, uintptr_t, uintptr_t, uintptr_t, uintptr_t);

static int depth;

static void
log_call (const char *name)
{
  const char *path = getenv ("RECTIFY_UNDO_LOG");
  FILE *f = path ? fopen (path, "a") : NULL;
  if (f == NULL)
    return;
  fprintf (f, "%ld %s %d\n", (long) getpid (), name, depth);
  fclose (f);
}

static uintptr_t
forward (const char *name, uintptr_t a, uintptr_t b, uintptr_t c, uintptr_t d, uintptr_t e,
         uintptr_t f)
{
  Fn real = (Fn) (uintptr_t) dlsym (RTLD_NEXT, name);
  if (real == NULL)
    {
      fprintf (stderr, "gimp-undo-trace: no %s\n", name);
      abort ();
    }
  return real (a, b, c, d, e, f);
}

#define WRAP(name) \
  uintptr_t name (uintptr_t a, uintptr_t b, uintptr_t c, uintptr_t d, uintptr_t e, uintptr_t f); \
  uintptr_t name (uintptr_t a, uintptr_t b, uintptr_t c, uintptr_t d, uintptr_t e, uintptr_t f) \
  { \
    log_call (#name); \
    return forward (#name, a, b, c, d, e, f); \
  }

uintptr_t gimp_image_undo_group_start (uintptr_t a, uintptr_t b, uintptr_t c, uintptr_t d,
                                       uintptr_t e, uintptr_t f);
uintptr_t
gimp_image_undo_group_start (uintptr_t a, uintptr_t b, uintptr_t c, uintptr_t d, uintptr_t e,
                             uintptr_t f)
{
  depth++;
  log_call ("gimp_image_undo_group_start");
  return forward ("gimp_image_undo_group_start", a, b, c, d, e, f);
}

uintptr_t gimp_image_undo_group_end (uintptr_t a, uintptr_t b, uintptr_t c, uintptr_t d,
                                     uintptr_t e, uintptr_t f);
uintptr_t
gimp_image_undo_group_end (uintptr_t a, uintptr_t b, uintptr_t c, uintptr_t d, uintptr_t e,
                           uintptr_t f)
{
  uintptr_t r = forward ("gimp_image_undo_group_end", a, b, c, d, e, f);
  depth--;
  log_call ("gimp_image_undo_group_end");
  return r;
}

/* every call through which the plug-in changes the image */
WRAP (gimp_image_insert_layer)
WRAP (gimp_layer_set_offsets)
WRAP (gimp_drawable_merge_shadow)
WRAP (gimp_drawable_update)
WRAP (gimp_item_attach_parasite)
WRAP (gimp_drawable_fill)
WRAP (gimp_image_remove_layer)
