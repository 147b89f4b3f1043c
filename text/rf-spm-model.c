/* rf-spm-model.c — SentencePiece model files (spiece.model): a protobuf
 * `ModelProto` (sentencepiece_model.proto) read with a minimal decoder.
 *
 * Fields used (number: type):
 *   ModelProto      1: repeated SentencePiece pieces, 2: TrainerSpec,
 *                   3: NormalizerSpec normalizer_spec
 *   SentencePiece   1: string piece, 2: float score, 3: enum type (default NORMAL)
 *   TrainerSpec     3: model_type (1 UNIGRAM), 35: byte_fallback,
 *                   40: unk_id, 41: bos_id, 42: eos_id, 43: pad_id
 *   NormalizerSpec  2: bytes precompiled_charsmap, 3: add_dummy_prefix,
 *                   4: remove_extra_whitespaces, 5: escape_whitespaces
 *                   (the three default to true)
 * Every length is checked against the bytes that remain; unknown fields
 * are skipped by wire type.
 */
#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "rf-tokenizer-private.h"

typedef struct {
  const guint8 *p, *end;
} Reader;

static gboolean
read_varint (Reader *r, guint64 *out)
{
  guint64 v = 0;
  for (int shift = 0; shift < 64; shift += 7)
    {
      if (r->p >= r->end)
        return FALSE;
      guint8 b = *r->p++;
      v |= (guint64) (b & 0x7f) << shift;
      if (!(b & 0x80))
        {
          *out = v;
          return TRUE;
        }
    }
  return FALSE;
}

/* One field: its number, wire type, and either a varint, a 32-bit word or
 * a length-delimited span. */
typedef struct {
  guint32 field;
  guint wire;
  guint64 varint;
  guint32 fixed32;
  const guint8 *data;
  gsize len;
} Field;

static gboolean
read_field (Reader *r, Field *f)
{
  guint64 key;
  if (!read_varint (r, &key) || key >> 3 == 0 || key >> 3 > G_MAXUINT32)
    return FALSE;
  f->field = (guint32) (key >> 3);
  f->wire = key & 7;
  switch (f->wire)
    {
    case 0:
      return read_varint (r, &f->varint);
    case 1:
      if (r->end - r->p < 8)
        return FALSE;
      r->p += 8;
      return TRUE;
    case 2:
      {
        guint64 n;
        if (!read_varint (r, &n) || n > (guint64) (r->end - r->p))
          return FALSE;
        f->data = r->p;
        f->len = (gsize) n;
        r->p += n;
        return TRUE;
      }
    case 5:
      if (r->end - r->p < 4)
        return FALSE;
      memcpy (&f->fixed32, r->p, 4);
      f->fixed32 = GUINT32_FROM_LE (f->fixed32);
      r->p += 4;
      return TRUE;
    default:
      return FALSE;
    }
}

typedef struct {
  GPtrArray *pieces;   /* char* */
  GArray *scores;      /* float */
  GArray *types;       /* guint8 */
  gint64 model_type;
  gboolean byte_fallback;
  gint64 unk_id, bos_id, eos_id, pad_id;
  const guint8 *charsmap;
  gsize charsmap_size;
  gboolean add_dummy_prefix, remove_extra_whitespaces, escape_whitespaces;
} SpmModel;

static gboolean
parse_piece (const guint8 *data, gsize len, SpmModel *m)
{
  Reader r = { data, data + len };
  char *piece = NULL;
  float score = 0.0f;
  guint64 type = RF_PIECE_NORMAL;
  Field f;
  while (r.p < r.end)
    {
      if (!read_field (&r, &f))
        goto bad;
      if (f.field == 1 && f.wire == 2)
        {
          if (memchr (f.data, 0, f.len) != NULL)
            goto bad;
          g_free (piece);
          piece = g_strndup ((const char *) f.data, f.len);
        }
      else if (f.field == 2 && f.wire == 5)
        memcpy (&score, &f.fixed32, 4);
      else if (f.field == 3 && f.wire == 0)
        type = f.varint;
    }
  if (piece == NULL || type > 255)
    goto bad;
  g_ptr_array_add (m->pieces, piece);
  g_array_append_val (m->scores, score);
  guint8 t = (guint8) type;
  g_array_append_val (m->types, t);
  return TRUE;
bad:
  g_free (piece);
  return FALSE;
}

static gboolean
parse_trainer (const guint8 *data, gsize len, SpmModel *m)
{
  Reader r = { data, data + len };
  Field f;
  while (r.p < r.end)
    {
      if (!read_field (&r, &f))
        return FALSE;
      if (f.wire != 0)
        continue;
      /* int32 fields are sign-extended 64-bit varints */
      gint64 v = (gint64) f.varint;
      switch (f.field)
        {
        case 3: m->model_type = v; break;
        case 35: m->byte_fallback = v != 0; break;
        case 40: m->unk_id = (gint32) v; break;
        case 41: m->bos_id = (gint32) v; break;
        case 42: m->eos_id = (gint32) v; break;
        case 43: m->pad_id = (gint32) v; break;
        default: break;
        }
    }
  return TRUE;
}

static gboolean
parse_normalizer (const guint8 *data, gsize len, SpmModel *m)
{
  Reader r = { data, data + len };
  Field f;
  while (r.p < r.end)
    {
      if (!read_field (&r, &f))
        return FALSE;
      if (f.field == 2 && f.wire == 2)
        m->charsmap = f.data, m->charsmap_size = f.len;
      else if (f.wire == 0 && f.field == 3)
        m->add_dummy_prefix = f.varint != 0;
      else if (f.wire == 0 && f.field == 4)
        m->remove_extra_whitespaces = f.varint != 0;
      else if (f.wire == 0 && f.field == 5)
        m->escape_whitespaces = f.varint != 0;
    }
  return TRUE;
}

/* The id of the piece called @name if it has type @type, else -1. */
static gint
find_piece (const SpmModel *m, const char *name, guint8 type)
{
  for (guint i = 0; i < m->pieces->len; i++)
    if (g_array_index (m->types, guint8, i) == type
        && strcmp (g_ptr_array_index (m->pieces, i), name) == 0)
      return (gint) i;
  return -1;
}

static gint
special_id (const SpmModel *m, gint64 trainer_id, const char *name, guint8 type)
{
  if (trainer_id >= 0 && trainer_id < m->pieces->len
      && g_array_index (m->types, guint8, trainer_id) == type)
    return (gint) trainer_id;
  return find_piece (m, name, type);
}

RfTokenizer *
rf_tokenizer_new_from_spm (const guint8 *data, gsize size, const char *label, GError **error)
{
  SpmModel m = {
    .pieces = g_ptr_array_new_with_free_func (g_free),
    .scores = g_array_new (FALSE, FALSE, sizeof (float)),
    .types = g_array_new (FALSE, FALSE, 1),
    .model_type = 1, .unk_id = 0, .bos_id = 1, .eos_id = 2, .pad_id = -1,
    .add_dummy_prefix = TRUE, .remove_extra_whitespaces = TRUE, .escape_whitespaces = TRUE,
  };
  RfTokenizer *tok = NULL;
  Reader r = { data, data + size };
  Field f;
  gboolean ok = size > 0;
  while (ok && r.p < r.end)
    {
      if (!read_field (&r, &f))
        ok = FALSE;
      else if (f.wire != 2)
        continue;
      else if (f.field == 1)
        ok = m.pieces->len < RF_TOKENIZER_MAX_VOCAB && parse_piece (f.data, f.len, &m);
      else if (f.field == 2)
        ok = parse_trainer (f.data, f.len, &m);
      else if (f.field == 3)
        ok = parse_normalizer (f.data, f.len, &m);
    }
  if (!ok || m.pieces->len == 0)
    {
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_FORMAT,
                   _("%s: not a SentencePiece model (malformed protobuf near byte %zu)"),
                   label, (gsize) (r.p - data));
      goto out;
    }
  if (m.model_type != 1)
    {
      g_set_error (error, RF_TEXT_ERROR, RF_TEXT_ERROR_UNSUPPORTED,
                   _("%s: a SentencePiece model of type %" PRId64 " (only unigram "
                     "models, T5's kind, are supported)"), label, m.model_type);
      goto out;
    }
  RfUnigramSpec spec = {
    .n_pieces = m.pieces->len,
    .pieces = (char **) m.pieces->pdata,
    .scores = (const float *) m.scores->data,
    .types = (const guint8 *) m.types->data,
    .charsmap = m.charsmap,
    .charsmap_size = m.charsmap_size,
    .add_dummy_prefix = m.add_dummy_prefix,
    .remove_extra_whitespaces = m.remove_extra_whitespaces,
    .escape_whitespaces = m.escape_whitespaces,
    .byte_fallback = m.byte_fallback,
    .unk_id = special_id (&m, m.unk_id, "<unk>", RF_PIECE_UNKNOWN),
    .eos_id = special_id (&m, m.eos_id, "</s>", RF_PIECE_CONTROL),
    .bos_id = special_id (&m, m.bos_id, "<s>", RF_PIECE_CONTROL),
    .pad_id = special_id (&m, m.pad_id, "<pad>", RF_PIECE_CONTROL),
  };
  tok = rf_unigram_tokenizer_new (&spec, label, error);
out:
  g_ptr_array_unref (m.pieces);
  g_array_unref (m.scores);
  g_array_unref (m.types);
  return tok;
}
