/* test-npy.c — .npy round trips, files written by NumPy itself, and
 * malformed headers each rejected with a clear error. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rf-error.h"
#include "rf-npy.h"

static int failures;

#define CHECK(cond, ...)                                           \
  G_STMT_START {                                                   \
    gboolean ok_ = (cond);                                         \
    printf ("%s ", ok_ ? "ok  " : "FAIL");                         \
    printf (__VA_ARGS__);                                          \
    printf ("\n");                                                 \
    failures += !ok_;                                              \
  } G_STMT_END

static GBytes *
npy_with_header (const char *dict, gsize data_bytes)
{
  GByteArray *a = g_byte_array_new ();
  gsize hlen = strlen (dict);
  guint8 pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (guint8) (hlen & 0xff), (guint8) (hlen >> 8) };
  g_byte_array_append (a, pre, 10);
  g_byte_array_append (a, (const guint8 *) dict, (guint) hlen);
  for (gsize i = 0; i < data_bytes; i++)
    g_byte_array_append (a, (const guint8 *) "\0", 1);
  return g_byte_array_free_to_bytes (a);
}

static void
expect_error (const char *what, GBytes *bytes, int code, const char *text)
{
  GError *error = NULL;
  gsize len;
  const guint8 *p = g_bytes_get_data (bytes, &len);
  RfNpy *npy = rf_npy_parse (p, len, what, &error);
  CHECK (npy == NULL && g_error_matches (error, RF_MODEL_ERROR, code) && strstr (error->message, text),
         "%s: %s", what, error ? error->message : "accepted");
  rf_npy_free (npy);
  g_clear_error (&error);
  g_bytes_unref (bytes);
}

int
main (void)
{
  const char *src = g_getenv ("RECTIFY_SOURCE_DIR");
  GError *error = NULL;

  /* files written by numpy.save */
  g_autofree char *p32 = g_build_filename (src ? src : ".", "tests/data/model/numpy-f32.npy", NULL);
  g_autofree char *p16 = g_build_filename (src ? src : ".", "tests/data/model/numpy-f16.npy", NULL);
  g_autoptr (RfNpy) a = rf_npy_load (p32, &error);
  CHECK (a && a->dtype == RF_DTYPE_F32 && a->ndim == 3 && a->shape[0] == 2 && a->shape[1] == 3
         && a->shape[2] == 4, "numpy f32 [2, 3, 4]%s%s", error ? ": " : "", error ? error->message : "");
  g_clear_error (&error);
  g_autoptr (RfNpy) h = rf_npy_load (p16, &error);
  CHECK (h && h->dtype == RF_DTYPE_F16 && h->ndim == 2 && h->shape[0] == 3 && h->shape[1] == 4,
         "numpy f16 [3, 4]");
  g_clear_error (&error);
  if (a && h)
    {
      g_autofree float *fa = rf_npy_dup_f32 (a);
      g_autofree float *fh = rf_npy_dup_f32 (h);
      gboolean same = TRUE;
      for (int i = 0; i < 24; i++)
        same &= fa[i] == ((float) i - 7.5f) / 3.0f;
      for (int i = 0; i < 12; i++) /* (i − 7.5)/3 in f16: within 2^-11 relative */
        same &= fabsf (fh[i] - fa[i]) <= 0.0005f * fabsf (fa[i]) + 1e-6f;
      CHECK (same, "values (i − 7.5)/3 as numpy wrote them");
    }

  /* round trips, incl. 0-d and 1-d */
  g_autofree char *tmp = g_dir_make_tmp ("rectify-npy-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (tmp, "x.npy", NULL);
  float data[6] = { 1, -2, 3.5f, 0, 1e-3f, -7 };
  gint64 shapes[][3] = { { 2, 3 }, { 6 }, { 0 } };
  int ndims[] = { 2, 1, 0 };
  for (int c = 0; c < 3; c++)
    {
      gboolean saved = rf_npy_save (path, RF_DTYPE_F32, ndims[c], shapes[c], data, &error);
      g_autoptr (RfNpy) r = saved ? rf_npy_load (path, &error) : NULL;
      gboolean same = r && r->ndim == ndims[c] && r->dtype == RF_DTYPE_F32
                      && memcmp (r->shape, shapes[c], sizeof (gint64) * (gsize) ndims[c]) == 0
                      && memcmp (r->data, data, r->nbytes) == 0 && r->nbytes == (ndims[c] ? 24u : 4u);
      CHECK (same, "f32 round trip with %d dims", ndims[c]);
      g_clear_error (&error);
    }
  guint16 halfs[4] = { 0x3c00, 0xc000, 0x3555, 0x0001 };
  gint64 s4[] = { 4 };
  g_autoptr (GBytes) hb = rf_npy_serialize (RF_DTYPE_F16, 1, s4, halfs);
  gsize hl;
  const guint8 *hp = g_bytes_get_data (hb, &hl);
  g_autoptr (RfNpy) hr = rf_npy_parse (hp, hl, "f16", &error);
  CHECK (hr && hr->dtype == RF_DTYPE_F16 && memcmp (hr->data, halfs, 8) == 0 && (hl - 8) % 64 == 0,
         "f16 round trip, header padded to 64 bytes");
  g_unlink (path);
  g_rmdir (tmp);

  const char *good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n";
  g_autoptr (GBytes) ok = npy_with_header (good, 8);
  gsize ol;
  const guint8 *op = g_bytes_get_data (ok, &ol);
  g_autoptr (RfNpy) okn = rf_npy_parse (op, ol, "good", &error);
  CHECK (okn != NULL, "hand-written valid header");

  expect_error ("bad magic", g_bytes_new ("\x93NUMPX\1\0\0\0", 10), RF_MODEL_ERROR_FORMAT, "magic");
  expect_error ("too short", g_bytes_new ("\x93NUM", 4), RF_MODEL_ERROR_FORMAT, "magic");
  expect_error ("header past end", g_bytes_new ("\x93NUMPY\1\0\xff\x7f{", 11), RF_MODEL_ERROR_FORMAT,
                "past the end");
  expect_error ("version 9", g_bytes_new ("\x93NUMPY\x09\0\0\0", 10), RF_MODEL_ERROR_UNSUPPORTED, "version");
  expect_error ("f8 dtype", npy_with_header ("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 8),
                RF_MODEL_ERROR_UNSUPPORTED, "<f8");
  expect_error ("big-endian", npy_with_header ("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", 4),
                RF_MODEL_ERROR_UNSUPPORTED, "big-endian");
  expect_error ("fortran", npy_with_header ("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", 4),
                RF_MODEL_ERROR_UNSUPPORTED, "Fortran");
  expect_error ("missing shape", npy_with_header ("{'descr': '<f4', 'fortran_order': False, }", 4),
                RF_MODEL_ERROR_FORMAT, "lacks");
  expect_error ("repeated key", npy_with_header ("{'descr': '<f4', 'descr': '<f4', 'shape': (1,), }", 4),
                RF_MODEL_ERROR_FORMAT, "repeated");
  expect_error ("unknown key", npy_with_header ("{'descr': '<f4', 'x': False, 'shape': (1,), }", 4),
                RF_MODEL_ERROR_FORMAT, "'x'");
  expect_error ("negative dim", npy_with_header ("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 4),
                RF_MODEL_ERROR_FORMAT, "non-negative");
  expect_error ("huge dim", npy_with_header ("{'descr': '<f4', 'fortran_order': False, "
                                             "'shape': (99999999999999999,), }", 4),
                RF_MODEL_ERROR_FORMAT, "too large");
  expect_error ("overflow", npy_with_header ("{'descr': '<f4', 'fortran_order': False, "
                                             "'shape': (1099511627776, 1099511627776), }", 4),
                RF_MODEL_ERROR_FORMAT, "overflows");
  expect_error ("too many dims", npy_with_header ("{'descr': '<f4', 'fortran_order': False, "
                                                  "'shape': (1,1,1,1,1,1,1,1,1), }", 4),
                RF_MODEL_ERROR_UNSUPPORTED, "dimensions");
  expect_error ("short data", npy_with_header (good, 7), RF_MODEL_ERROR_FORMAT, "needs 8 data bytes but the file has 7");
  expect_error ("extra data", npy_with_header (good, 9), RF_MODEL_ERROR_FORMAT, "has 9");
  expect_error ("junk after dict", npy_with_header ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", 8),
                RF_MODEL_ERROR_FORMAT, "junk");
  expect_error ("unterminated", npy_with_header ("{'descr': '<f4", 8), RF_MODEL_ERROR_FORMAT, "not a string");
  expect_error ("tuple junk", npy_with_header ("{'descr': '<f4', 'fortran_order': False, 'shape': (2 3), }", 8),
                RF_MODEL_ERROR_FORMAT, "shape");
  expect_error ("binary header", npy_with_header ("{'descr': '\xff'}", 8), RF_MODEL_ERROR_FORMAT, "text");
  expect_error ("missing file", g_bytes_new ("", 0), RF_MODEL_ERROR_FORMAT, "magic");
  g_autoptr (RfNpy) none = rf_npy_load ("/nonexistent.npy", &error);
  CHECK (none == NULL && g_error_matches (error, RF_MODEL_ERROR, RF_MODEL_ERROR_IO), "missing file: IO error");
  g_clear_error (&error);

  printf ("%d failures\n", failures);
  return failures ? 1 : 0;
}
