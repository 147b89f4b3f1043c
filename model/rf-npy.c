/* rf-npy.c — .npy reader and writer (see rf-npy.h for the format).
 * The header dict is parsed by a small strict scanner: exactly the keys
 * 'descr', 'fortran_order' and 'shape', each once. */
#include "rf-npy.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "rf-error.h"
#include "rf-quant.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAX_HEADER (1u << 20)
#define NPY_MAX_DIM (G_GINT64_CONSTANT (1) << 40)

#define FAIL(code, ...) \
  G_STMT_START { g_set_error (error, RF_MODEL_ERROR, code, __VA_ARGS__); return FALSE; } G_STMT_END

typedef struct {
  const char *s;
  gsize len, pos;
  const char *label;
} Scan;

static void
skip_ws (Scan *sc)
{
  while (sc->pos < sc->len && (sc->s[sc->pos] == ' ' || sc->s[sc->pos] == '\t'
                               || sc->s[sc->pos] == '\n' || sc->s[sc->pos] == '\r'))
    sc->pos++;
}

static gboolean
expect (Scan *sc, char c)
{
  skip_ws (sc);
  if (sc->pos < sc->len && sc->s[sc->pos] == c)
    {
      sc->pos++;
      return TRUE;
    }
  return FALSE;
}

/* A quoted Python string without escapes (none occur in valid headers). */
static gboolean
scan_string (Scan *sc, char *out, gsize out_len)
{
  skip_ws (sc);
  if (sc->pos >= sc->len || (sc->s[sc->pos] != '\'' && sc->s[sc->pos] != '"'))
    return FALSE;
  char q = sc->s[sc->pos++];
  gsize n = 0;
  while (sc->pos < sc->len && sc->s[sc->pos] != q)
    {
      if (sc->s[sc->pos] == '\\' || n + 1 >= out_len)
        return FALSE;
      out[n++] = sc->s[sc->pos++];
    }
  if (sc->pos >= sc->len)
    return FALSE;
  sc->pos++;
  out[n] = '\0';
  return TRUE;
}

static gboolean
scan_word (Scan *sc, const char *word)
{
  skip_ws (sc);
  gsize n = strlen (word);
  if (sc->len - sc->pos >= n && strncmp (sc->s + sc->pos, word, n) == 0)
    {
      sc->pos += n;
      return TRUE;
    }
  return FALSE;
}

static gboolean
scan_shape (Scan *sc, RfNpy *npy, GError **error)
{
  if (!expect (sc, '('))
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: 'shape' is not a tuple"), sc->label);
  npy->ndim = 0;
  for (;;)
    {
      if (expect (sc, ')'))
        return TRUE;
      skip_ws (sc);
      gint64 v = 0;
      gsize digits = 0;
      while (sc->pos < sc->len && g_ascii_isdigit (sc->s[sc->pos]))
        {
          if (++digits > 15)
            FAIL (RF_MODEL_ERROR_FORMAT, _("%s: a dimension is too large"), sc->label);
          v = v * 10 + (sc->s[sc->pos++] - '0');
        }
      if (digits == 0)
        FAIL (RF_MODEL_ERROR_FORMAT, _("%s: 'shape' must hold non-negative integers"), sc->label);
      if (v > NPY_MAX_DIM)
        FAIL (RF_MODEL_ERROR_FORMAT, _("%s: a dimension is too large"), sc->label);
      if (npy->ndim >= RF_NPY_MAX_DIMS)
        FAIL (RF_MODEL_ERROR_UNSUPPORTED, _("%s: more than %d dimensions"), sc->label,
              RF_NPY_MAX_DIMS);
      npy->shape[npy->ndim++] = v;
      if (expect (sc, ')'))
        return TRUE;
      if (!expect (sc, ','))
        FAIL (RF_MODEL_ERROR_FORMAT, _("%s: malformed 'shape' tuple"), sc->label);
    }
}

static gboolean
parse_header (Scan *sc, RfNpy *npy, GError **error)
{
  gboolean have_descr = FALSE, have_order = FALSE, have_shape = FALSE;
  if (!expect (sc, '{'))
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: the header is not a dict"), sc->label);
  for (;;)
    {
      char key[32], descr[16];
      if (expect (sc, '}'))
        break;
      if (!scan_string (sc, key, sizeof key) || !expect (sc, ':'))
        FAIL (RF_MODEL_ERROR_FORMAT, _("%s: malformed header dict"), sc->label);
      if (strcmp (key, "descr") == 0 && !have_descr)
        {
          have_descr = TRUE;
          if (!scan_string (sc, descr, sizeof descr))
            FAIL (RF_MODEL_ERROR_FORMAT, _("%s: 'descr' is not a string"), sc->label);
          if (strcmp (descr, "<f4") == 0)
            npy->dtype = RF_DTYPE_F32;
          else if (strcmp (descr, "<f2") == 0)
            npy->dtype = RF_DTYPE_F16;
          else if (strcmp (descr, ">f4") == 0 || strcmp (descr, ">f2") == 0)
            FAIL (RF_MODEL_ERROR_UNSUPPORTED, _("%s: big-endian data is not supported"), sc->label);
          else
            FAIL (RF_MODEL_ERROR_UNSUPPORTED,
                  _("%s: dtype '%s' is not supported (use float32 or float16)"), sc->label, descr);
        }
      else if (strcmp (key, "fortran_order") == 0 && !have_order)
        {
          have_order = TRUE;
          if (scan_word (sc, "True"))
            FAIL (RF_MODEL_ERROR_UNSUPPORTED, _("%s: Fortran order is not supported"), sc->label);
          if (!scan_word (sc, "False"))
            FAIL (RF_MODEL_ERROR_FORMAT, _("%s: 'fortran_order' is not a bool"), sc->label);
        }
      else if (strcmp (key, "shape") == 0 && !have_shape)
        {
          have_shape = TRUE;
          if (!scan_shape (sc, npy, error))
            return FALSE;
        }
      else
        FAIL (RF_MODEL_ERROR_FORMAT, _("%s: unexpected or repeated header key '%s'"),
              sc->label, key);
      if (expect (sc, '}'))
        break;
      if (!expect (sc, ','))
        FAIL (RF_MODEL_ERROR_FORMAT, _("%s: malformed header dict"), sc->label);
    }
  skip_ws (sc);
  if (sc->pos != sc->len)
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: junk after the header dict"), sc->label);
  if (!have_descr || !have_order || !have_shape)
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: the header lacks 'descr', 'fortran_order' or 'shape'"),
          sc->label);
  return TRUE;
}

void
rf_npy_free (RfNpy *npy)
{
  if (npy == NULL)
    return;
  g_free (npy->data);
  g_free (npy);
}

gint64
rf_npy_numel (const RfNpy *npy)
{
  gint64 n = 1;
  for (int d = 0; d < npy->ndim; d++)
    n *= npy->shape[d];
  return n;
}

static gboolean
parse_into (RfNpy *npy, const guint8 *b, gsize size, const char *label, GError **error)
{
  if (size < 10 || memcmp (b, NPY_MAGIC, 6) != 0)
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: not a .npy file (bad magic)"), label);
  guint major = b[6];
  gsize hlen, start;
  if (major == 1)
    {
      hlen = b[8] | (gsize) b[9] << 8;
      start = 10;
    }
  else if (major == 2 || major == 3)
    {
      if (size < 12)
        FAIL (RF_MODEL_ERROR_FORMAT, _("%s: truncated header"), label);
      hlen = b[8] | (gsize) b[9] << 8 | (gsize) b[10] << 16 | (gsize) b[11] << 24;
      start = 12;
    }
  else
    FAIL (RF_MODEL_ERROR_UNSUPPORTED, _("%s: .npy version %u is not supported"), label, major);
  if (hlen > NPY_MAX_HEADER || hlen > size - start)
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: the header length %zu"
                                   " runs past the end of the file"), label, hlen);
  const char *h = (const char *) b + start;
  if (!g_utf8_validate_len (h, hlen, NULL))
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: the header is not valid text"), label);
  Scan sc = { h, hlen, 0, label };
  if (!parse_header (&sc, npy, error))
    return FALSE;

  guint64 numel = 1, nbytes;
  for (int d = 0; d < npy->ndim; d++)
    {
      if (npy->shape[d] != 0 && numel > G_MAXINT64 / (guint64) npy->shape[d])
        FAIL (RF_MODEL_ERROR_FORMAT, _("%s: the element count overflows"), label);
      numel *= (guint64) npy->shape[d];
    }
  if (!rf_dtype_bytes_for (npy->dtype, numel, &nbytes))
    FAIL (RF_MODEL_ERROR_FORMAT, _("%s: the data size overflows"), label);
  gsize avail = size - start - hlen;
  if (nbytes != avail)
    FAIL (RF_MODEL_ERROR_FORMAT,
          _("%s: the shape needs %" PRIu64 " data bytes but the file has %zu"),
          label, nbytes, avail);
  npy->nbytes = nbytes;
  npy->data = g_memdup2 (b + start + hlen, nbytes);
  return TRUE;
}

RfNpy *
rf_npy_parse (const guint8 *bytes, gsize size, const char *label, GError **error)
{
  RfNpy *npy = g_new0 (RfNpy, 1);
  if (!parse_into (npy, bytes, size, label, error))
    {
      rf_npy_free (npy);
      return NULL;
    }
  return npy;
}

RfNpy *
rf_npy_load (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize len;
  GError *local = NULL;
  g_autofree char *label = g_filename_display_name (path);
  if (!g_file_get_contents (path, &contents, &len, &local))
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_IO, "%s", local->message);
      g_error_free (local);
      return NULL;
    }
  return rf_npy_parse ((const guint8 *) contents, len, label, error);
}

float *
rf_npy_dup_f32 (const RfNpy *npy)
{
  gint64 n = rf_npy_numel (npy);
  float *out = g_new (float, n ? n : 1);
  rf_quant_dequantize (npy->dtype, npy->data, out, n);
  return out;
}

GBytes *
rf_npy_serialize (RfDType dtype, int ndim, const gint64 *shape, gconstpointer data)
{
  g_return_val_if_fail (dtype == RF_DTYPE_F32 || dtype == RF_DTYPE_F16, NULL);
  g_return_val_if_fail (ndim >= 0 && ndim <= RF_NPY_MAX_DIMS, NULL);
  GString *dict = g_string_new (NULL);
  g_string_append_printf (dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                          dtype == RF_DTYPE_F32 ? "<f4" : "<f2");
  guint64 numel = 1;
  for (int d = 0; d < ndim; d++)
    {
      g_string_append_printf (dict, "%s%" G_GINT64_FORMAT, d ? ", " : "", shape[d]);
      numel *= (guint64) shape[d];
    }
  g_string_append (dict, ndim == 1 ? ",), }" : "), }");
  /* pad so that magic + version + length + dict + '\n' is a multiple of 64 */
  gsize total = 10 + dict->len + 1;
  gsize pad = (64 - total % 64) % 64;
  for (gsize i = 0; i < pad; i++)
    g_string_append_c (dict, ' ');
  g_string_append_c (dict, '\n');
  g_return_val_if_fail (dict->len <= 65535, NULL);

  gsize nbytes = numel * (dtype == RF_DTYPE_F32 ? 4 : 2);
  GByteArray *out = g_byte_array_sized_new (10 + dict->len + nbytes);
  guint8 pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                     (guint8) (dict->len & 0xff), (guint8) (dict->len >> 8) };
  g_byte_array_append (out, pre, 10);
  g_byte_array_append (out, (const guint8 *) dict->str, dict->len);
  if (nbytes)
    g_byte_array_append (out, data, nbytes);
  g_string_free (dict, TRUE);
  return g_byte_array_free_to_bytes (out);
}

gboolean
rf_npy_save (const char *path, RfDType dtype, int ndim, const gint64 *shape,
             gconstpointer data, GError **error)
{
  g_autoptr (GBytes) bytes = rf_npy_serialize (dtype, ndim, shape, data);
  GError *local = NULL;
  gsize len;
  const char *p = g_bytes_get_data (bytes, &len);
  if (!g_file_set_contents (path, p, (gssize) len, &local))
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_IO, "%s", local->message);
      g_error_free (local);
      return FALSE;
    }
  return TRUE;
}
