/* rf-weights.c — resolving canonical tensors to a file's tensors, the
 * load-time checks, and reading resolved tensors (see rf-weights.h). */
#include "rf-weights-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "rf-error.h"
#include "rf-quant.h"

#define MAX_COUNT 4096

struct _RfWeights {
  RfModelFamily family;
  RfModelConfig config;
  GArray *weights;            /* RfWeight */
  GHashTable *index;          /* canonical name → index + 1 */
  gint64 n_params;
  guint64 n_bytes;
};

const char *
rf_model_family_name (RfModelFamily family)
{
  static const char *names[] = { "flux-dit", "autoencoder", "clip-text", "t5-encoder" };
  return (guint) family < G_N_ELEMENTS (names) ? names[family] : "unknown";
}

const char *
rf_name_scheme_name (RfNameScheme scheme)
{
  static const char *names[] = { "canonical", "diffusers", "llama.cpp" };
  return (guint) scheme < G_N_ELEMENTS (names) ? names[scheme] : "unknown";
}

const char *
rf_flux_variant_name (RfFluxVariant variant)
{
  static const char *names[] = { "dev", "schnell", "fill" };
  return (guint) variant < G_N_ELEMENTS (names) ? names[variant] : "unknown";
}

void
rf_component_free (RfComponent *c)
{
  if (c == NULL)
    return;
  g_free (c->prefix);
  g_free (c);
}

/* ---------------------------------------------------------------------
 * Patterns: {i} {j} match decimal numbers, {v} {w} a dot-free word.
 * ------------------------------------------------------------------- */

typedef struct {
  gint64 i, j;
  char v[64], w[64];
} Captures;

static gboolean
match_pattern (const char *pat, const char *s, Captures *cap)
{
  while (*pat)
    {
      if (pat[0] == '{' && pat[1] && pat[2] == '}')
        {
          char k = pat[1];
          const char *start = s;
          if (k == 'i' || k == 'j')
            {
              gint64 v = 0;
              while (g_ascii_isdigit (*s) && s - start < 6)
                v = v * 10 + (*s++ - '0');
              if (s == start || g_ascii_isdigit (*s) || (start[0] == '0' && s - start > 1))
                return FALSE;
              *(k == 'i' ? &cap->i : &cap->j) = v;
            }
          else if (k == 'v' || k == 'w')
            {
              while (*s && *s != '.')
                s++;
              gsize n = (gsize) (s - start);
              if (n == 0 || n >= sizeof cap->v)
                return FALSE;
              char *dst = k == 'v' ? cap->v : cap->w;
              memcpy (dst, start, n);
              dst[n] = '\0';
            }
          else
            return FALSE;
          pat += 3;
          continue;
        }
      if (*pat++ != *s++)
        return FALSE;
    }
  return *s == '\0';
}

static char *
expand_pattern (const char *prefix, const char *pat, const Captures *cap, gint64 n_rev)
{
  GString *out = g_string_new (prefix);
  while (*pat)
    {
      if (pat[0] == '{' && pat[1] && pat[2] == '}')
        {
          switch (pat[1])
            {
            case 'i': g_string_append_printf (out, "%" G_GINT64_FORMAT, cap->i); break;
            case 'j': g_string_append_printf (out, "%" G_GINT64_FORMAT, cap->j); break;
            case 'u': g_string_append_printf (out, "%" G_GINT64_FORMAT, n_rev - 1 - cap->i); break;
            case 'v': g_string_append (out, cap->v); break;
            case 'w': g_string_append (out, cap->w); break;
            default: break;
            }
          pat += 3;
          continue;
        }
      g_string_append_c (out, *pat++);
    }
  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------------
 * Resolver
 * ------------------------------------------------------------------- */

static void
shape_string (GString *s, int ndim, const gint64 *shape)
{
  g_string_append_c (s, '[');
  for (int d = 0; d < ndim; d++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? ", " : "", shape[d]);
  g_string_append_c (s, ']');
}

RfResolveResult
rf_resolver_resolve (const RfResolver *r, const char *canonical, RfWeight *out,
                     GPtrArray *missing, GString *why)
{
  Captures cap = { 0 };
  const RfNameRule *rule = NULL;
  for (guint k = 0; k < r->n_rules && rule == NULL; k++)
    if (match_pattern (r->rules[k].canonical, canonical, &cap))
      rule = &r->rules[k];

  memset (out, 0, sizeof *out);
  out->op = rule ? rule->op : RF_WEIGHT_COPY;
  if (rule && strstr (rule->src[0], "{u}") && cap.i >= r->n_rev)
    {
      if (missing)
        g_ptr_array_add (missing, expand_pattern (r->prefix, rule->src[0], &cap, cap.i + 1));
      return RF_RESOLVE_MISSING;
    }
  gboolean absent = FALSE;
  for (guint k = 0; k < RF_WEIGHT_MAX_SOURCES; k++)
    {
      const char *pat = rule ? rule->src[k] : (k == 0 ? canonical : NULL);
      if (pat == NULL)
        break;
      g_autofree char *name = expand_pattern (r->prefix, pat, &cap, r->n_rev);
      const RfFileTensor *t = rf_model_file_find_tensor (r->mf, name);
      if (out->op == RF_WEIGHT_ANY)
        {
          if (t && out->n_src == 0)
            out->src[out->n_src++] = t;
          if (t == NULL && k == 0 && missing && rule->src[1] == NULL)
            g_ptr_array_add (missing, g_steal_pointer (&name));
          continue;
        }
      if (t == NULL)
        {
          absent = TRUE;
          if (missing)
            g_ptr_array_add (missing, g_steal_pointer (&name));
          continue;
        }
      out->src[out->n_src++] = t;
    }
  if (out->op == RF_WEIGHT_ANY && out->n_src == 0)
    {
      if (missing && rule->src[1] != NULL)
        g_ptr_array_add (missing, expand_pattern (r->prefix, rule->src[0], &cap, r->n_rev));
      return RF_RESOLVE_MISSING;
    }
  if (absent)
    return RF_RESOLVE_MISSING;

  const RfFileTensor *t0 = out->src[0];
  out->dtype = t0->dtype;
  out->ndim = t0->ndim;
  memcpy (out->shape, t0->shape, sizeof out->shape);
  if (out->op == RF_WEIGHT_CONCAT0)
    {
      for (guint k = 1; k < out->n_src; k++)
        {
          const RfFileTensor *t = out->src[k];
          gboolean fits = t->dtype == t0->dtype && t->ndim == t0->ndim && t0->ndim >= 1;
          for (int d = 1; fits && d < t0->ndim; d++)
            fits = t->shape[d] == t0->shape[d];
          if (!fits)
            {
              if (why)
                g_string_append_printf (why, _("'%s' and '%s' cannot be concatenated"),
                                        t0->name, t->name);
              return RF_RESOLVE_INCONSISTENT;
            }
          out->shape[0] += t->shape[0];
        }
    }
  else if (out->op == RF_WEIGHT_SWAP_HALVES && (t0->ndim < 1 || t0->shape[0] % 2 != 0))
    {
      if (why)
        g_string_append_printf (why, _("'%s' has no even first dimension to swap halves of"),
                                t0->name);
      return RF_RESOLVE_INCONSISTENT;
    }
  return RF_RESOLVE_OK;
}

gboolean
rf_resolver_shape (const RfResolver *r, const char *canonical, int *ndim, gint64 *shape)
{
  RfWeight w;
  if (rf_resolver_resolve (r, canonical, &w, NULL, NULL) != RF_RESOLVE_OK)
    return FALSE;
  if (ndim)
    *ndim = w.ndim;
  if (shape)
    memcpy (shape, w.shape, sizeof w.shape);
  return TRUE;
}

gint64
rf_resolver_count (const RfResolver *r, const char *fmt)
{
  gint64 n = 0;
  for (; n < MAX_COUNT; n++)
    {
      g_autofree char *name = g_strdup_printf (fmt, (guint) n);
      if (!rf_resolver_shape (r, name, NULL, NULL))
        break;
    }
  return n;
}

gint64
rf_resolver_count_raw (const RfResolver *r, const char *fmt)
{
  gint64 n = 0;
  for (; n < MAX_COUNT; n++)
    {
      g_autofree char *rest = g_strdup_printf (fmt, (guint) n);
      g_autofree char *name = g_strconcat (r->prefix, rest, NULL);
      if (rf_model_file_find_tensor (r->mf, name) == NULL)
        break;
    }
  return n;
}

/* ---------------------------------------------------------------------
 * Detection
 * ------------------------------------------------------------------- */

static gboolean
has_component (GPtrArray *found, RfModelFamily family, RfNameScheme scheme, const char *prefix)
{
  for (guint i = 0; i < found->len; i++)
    {
      const RfComponent *c = g_ptr_array_index (found, i);
      if (c->family == family && c->scheme == scheme && strcmp (c->prefix, prefix) == 0)
        return TRUE;
    }
  return FALSE;
}

GPtrArray *
rf_weights_detect (const RfModelFile *mf)
{
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) rf_component_free);
  const RfNameScheme schemes[] = { RF_NAME_SCHEME_CANONICAL, RF_NAME_SCHEME_DIFFUSERS,
                                   RF_NAME_SCHEME_LLAMA_CPP };
  guint n = rf_model_file_get_n_tensors (mf);
  for (guint t = 0; t < n; t++)
    {
      const char *name = rf_model_file_get_tensor (mf, t)->name;
      gsize len = strlen (name);
      for (int f = 0; f < RF_FAMILY_COUNT; f++)
        for (gsize s = 0; s < G_N_ELEMENTS (schemes); s++)
          for (const char *const *m = rf_weight_markers (f, schemes[s]); *m; m++)
            {
              gsize mlen = strlen (*m);
              if (len < mlen || strcmp (name + len - mlen, *m) != 0)
                continue;
              gsize plen = len - mlen;
              if (plen > 0 && name[plen - 1] != '.')
                continue;
              g_autofree char *prefix = g_strndup (name, plen);
              if (has_component (found, f, schemes[s], prefix))
                continue;
              RfComponent *c = g_new0 (RfComponent, 1);
              c->family = f;
              c->scheme = schemes[s];
              c->prefix = g_steal_pointer (&prefix);
              g_ptr_array_add (found, c);
            }
    }
  return found;
}

/* ---------------------------------------------------------------------
 * Loading and checks
 * ------------------------------------------------------------------- */

static gboolean
is_ignorable (RfModelFamily family, const char *rest)
{
  for (const char *const *p = rf_weight_ignorable (family); *p; p++)
    {
      gsize n = strlen (*p);
      if ((*p)[n - 1] == '.' ? strncmp (rest, *p, n) == 0 : strcmp (rest, *p) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Tensors under our prefix that another component (with a longer
 * prefix) claims are not ours to report. */
static gboolean
claimed_by_other (GPtrArray *components, const RfComponent *self, const char *name)
{
  gsize own = strlen (self->prefix);
  for (guint i = 0; i < components->len; i++)
    {
      const RfComponent *c = g_ptr_array_index (components, i);
      gsize n = strlen (c->prefix);
      if (n > own && g_str_has_prefix (name, c->prefix))
        return TRUE;
    }
  return FALSE;
}

static void
weight_clear (RfWeight *w)
{
  g_free (w->name);
}

static void
spec_clear (RfWeightSpec *s)
{
  g_free (s->name);
}

void
rf_weights_free (RfWeights *w)
{
  if (w == NULL)
    return;
  g_array_unref (w->weights);
  g_hash_table_unref (w->index);
  g_free (w);
}

RfWeights *
rf_weights_load (const RfModelFile *mf, const RfComponent *component, GError **error)
{
  g_return_val_if_fail (mf != NULL && component != NULL, NULL);
  RfResolver r = { mf, component->prefix, component->scheme, NULL, 0, 0 };
  r.rules = rf_weight_rules (component->family, component->scheme, &r.n_rules);
  const char *fam = rf_model_family_name (component->family);
  g_autofree char *label = g_filename_display_basename (rf_model_file_get_path (mf));

  g_autoptr (GString) problems = g_string_new (NULL);
  RfWeights *w = g_new0 (RfWeights, 1);
  w->family = component->family;
  w->weights = g_array_new (FALSE, TRUE, sizeof (RfWeight));
  g_array_set_clear_func (w->weights, (GDestroyNotify) weight_clear);
  w->index = g_hash_table_new (g_str_hash, g_str_equal);
  if (!rf_weight_infer_config (component->family, &r, &w->config, problems))
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_MISMATCH,
                   _("%s: the %s tensors (prefix '%s') are incomplete:%s"), label, fam,
                   component->prefix, problems->str);
      rf_weights_free (w);
      return NULL;
    }

  g_autoptr (GArray) specs = g_array_new (FALSE, TRUE, sizeof (RfWeightSpec));
  g_array_set_clear_func (specs, (GDestroyNotify) spec_clear);
  rf_weight_expected (component->family, &w->config, specs);
  g_autoptr (GHashTable) used = g_hash_table_new (NULL, NULL);
  g_autoptr (GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);
  guint n_bad = 0, n_unexpected = 0;

  for (guint i = 0; i < specs->len; i++)
    {
      RfWeightSpec *spec = &g_array_index (specs, RfWeightSpec, i);
      RfWeight wt;
      g_autoptr (GString) why = g_string_new (NULL);
      RfResolveResult res = rf_resolver_resolve (&r, spec->name, &wt, missing, why);
      for (guint k = 0; k < wt.n_src; k++)
        g_hash_table_add (used, (gpointer) wt.src[k]);
      if (wt.op == RF_WEIGHT_ANY)
        for (guint k = 0; k < RF_WEIGHT_MAX_SOURCES; k++)
          {
            /* every alias present is part of the model */
            const RfNameRule *rule = NULL;
            Captures cap = { 0 };
            for (guint q = 0; q < r.n_rules && !rule; q++)
              if (match_pattern (r.rules[q].canonical, spec->name, &cap))
                rule = &r.rules[q];
            if (rule == NULL || rule->src[k] == NULL)
              break;
            g_autofree char *alias = expand_pattern (r.prefix, rule->src[k], &cap, r.n_rev);
            const RfFileTensor *t = rf_model_file_find_tensor (mf, alias);
            if (t)
              g_hash_table_add (used, (gpointer) t);
          }
      if (res == RF_RESOLVE_MISSING)
        continue;
      if (res == RF_RESOLVE_INCONSISTENT)
        {
          g_string_append_printf (problems, "\n  mis-shaped: %s", why->str);
          n_bad++;
          continue;
        }
      const RfDTypeInfo *info = rf_dtype_info (wt.dtype);
      gboolean shape_ok;
      if (wt.op == RF_WEIGHT_RESHAPE)
        {
          gint64 a = 1, b = 1;
          for (int d = 0; d < wt.ndim; d++)
            a *= wt.shape[d];
          for (int d = 0; d < spec->ndim; d++)
            b *= spec->shape[d];
          shape_ok = a == b;
        }
      else
        shape_ok = wt.ndim == spec->ndim
                   && memcmp (wt.shape, spec->shape, sizeof (gint64) * (gsize) spec->ndim) == 0;
      if (!shape_ok || !info->is_float)
        {
          g_string_append_printf (problems, "\n  %s: %s%s is ",
                                  shape_ok ? _("mis-typed") : _("mis-shaped"),
                                  wt.src[0]->name, wt.n_src > 1 ? " (+ siblings)" : "");
          shape_string (problems, wt.ndim, wt.shape);
          g_string_append_printf (problems, " %s, expected ", rf_dtype_name (wt.dtype));
          shape_string (problems, spec->ndim, spec->shape);
          if (!info->is_float)
            g_string_append (problems, _(" of a float type"));
          n_bad++;
          continue;
        }
      wt.name = g_steal_pointer (&spec->name);
      wt.ndim = spec->ndim;
      memcpy (wt.shape, spec->shape, sizeof wt.shape);
      g_array_append_val (w->weights, wt);
      g_hash_table_insert (w->index, wt.name, GUINT_TO_POINTER (w->weights->len));
      w->n_params += rf_weight_numel (&wt);
      w->n_bytes += rf_weight_nbytes (&wt);
    }

  for (guint i = 0; i < missing->len; i++)
    g_string_append_printf (problems, "\n  missing: %s", (char *) g_ptr_array_index (missing, i));

  g_autoptr (GPtrArray) components = rf_weights_detect (mf);
  gsize plen = strlen (component->prefix);
  for (guint i = 0; i < rf_model_file_get_n_tensors (mf); i++)
    {
      const RfFileTensor *t = rf_model_file_get_tensor (mf, i);
      if (g_hash_table_contains (used, t) || !g_str_has_prefix (t->name, component->prefix)
          || claimed_by_other (components, component, t->name)
          || is_ignorable (component->family, t->name + plen))
        continue;
      g_string_append_printf (problems, "\n  unexpected: %s", t->name);
      n_unexpected++;
    }

  if (problems->len)
    {
      g_set_error (error, RF_MODEL_ERROR, RF_MODEL_ERROR_MISMATCH,
                   _("%s: the %s tensors (prefix '%s', %s names) do not match the model: "
                     "%u missing, %u unexpected, %u mis-shaped or mis-typed:%s"),
                   label, fam, component->prefix, rf_name_scheme_name (component->scheme),
                   missing->len, n_unexpected, n_bad, problems->str);
      rf_weights_free (w);
      return NULL;
    }
  return w;
}

RfModelFamily
rf_weights_get_family (const RfWeights *w)
{
  return w->family;
}

const RfModelConfig *
rf_weights_get_config (const RfWeights *w)
{
  return &w->config;
}

guint
rf_weights_get_n (const RfWeights *w)
{
  return w->weights->len;
}

const RfWeight *
rf_weights_get_nth (const RfWeights *w, guint i)
{
  g_return_val_if_fail (i < w->weights->len, NULL);
  return &g_array_index (w->weights, RfWeight, i);
}

const RfWeight *
rf_weights_get (const RfWeights *w, const char *canonical_name)
{
  guint idx = GPOINTER_TO_UINT (g_hash_table_lookup (w->index, canonical_name));
  return idx ? &g_array_index (w->weights, RfWeight, idx - 1) : NULL;
}

gint64
rf_weights_get_n_params (const RfWeights *w)
{
  return w->n_params;
}

guint64
rf_weights_get_n_bytes (const RfWeights *w)
{
  return w->n_bytes;
}

char *
rf_weights_describe (const RfWeights *w)
{
  const RfModelConfig *c = &w->config;
  switch (w->family)
    {
    case RF_FAMILY_FLUX_DIT:
      return g_strdup_printf ("FLUX.1 %s transformer (hidden %" G_GINT64_FORMAT ", %"
                              G_GINT64_FORMAT " heads, %" G_GINT64_FORMAT "+%" G_GINT64_FORMAT
                              " blocks, in %" G_GINT64_FORMAT ")",
                              rf_flux_variant_name (c->flux.variant), c->flux.hidden, c->flux.heads,
                              c->flux.depth_double, c->flux.depth_single, c->flux.in_channels);
    case RF_FAMILY_AUTOENCODER:
      return g_strdup_printf ("%" G_GINT64_FORMAT "-channel KL autoencoder%s (ch %" G_GINT64_FORMAT
                              ", %" G_GINT64_FORMAT " levels)%s", c->ae.z_channels,
                              c->ae.z_channels == 16 ? " (FLUX.1 / SD3 kind)" : "", c->ae.ch,
                              c->ae.n_levels,
                              !c->ae.has_encoder ? ", decoder only"
                              : !c->ae.has_decoder ? ", encoder only" : "");
    case RF_FAMILY_CLIP_TEXT:
      return g_strdup_printf ("%s text encoder (hidden %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                              " layers)",
                              c->clip.hidden == 768 && c->clip.layers == 12 ? "CLIP-L"
                              : c->clip.hidden == 1280 ? "CLIP-G" : "CLIP",
                              c->clip.hidden, c->clip.layers);
    case RF_FAMILY_T5_ENCODER:
      return g_strdup_printf ("%s encoder (d_model %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                              " layers, %" G_GINT64_FORMAT " heads)",
                              c->t5.d_model == 4096 && c->t5.layers == 24 ? "T5-XXL v1.1" : "T5 v1.1",
                              c->t5.d_model, c->t5.layers, c->t5.heads);
    default:
      return g_strdup ("unknown");
    }
}

gint64
rf_weight_numel (const RfWeight *w)
{
  gint64 n = 1;
  for (int d = 0; d < w->ndim; d++)
    n *= w->shape[d];
  return n;
}

guint64
rf_weight_nbytes (const RfWeight *w)
{
  guint64 n = 0;
  for (guint k = 0; k < w->n_src; k++)
    n += w->src[k]->nbytes;
  return n;
}

void
rf_weight_read_raw (const RfWeight *w, guint8 *dst)
{
  if (w->op == RF_WEIGHT_SWAP_HALVES)
    {
      /* dim 0 is even and rows are whole blocks: halves are byte halves */
      guint64 half = w->src[0]->nbytes / 2;
      memcpy (dst, w->src[0]->data + half, half);
      memcpy (dst + half, w->src[0]->data, half);
      return;
    }
  for (guint k = 0; k < w->n_src; k++)
    {
      memcpy (dst, w->src[k]->data, w->src[k]->nbytes);
      dst += w->src[k]->nbytes;
    }
}

gboolean
rf_weight_read_f32 (const RfWeight *w, float *dst)
{
  if (!rf_dtype_info (w->dtype)->is_float)
    return FALSE;
  if (w->op == RF_WEIGHT_SWAP_HALVES)
    {
      const RfFileTensor *t = w->src[0];
      gint64 half = rf_file_tensor_numel (t) / 2;
      guint64 half_bytes = t->nbytes / 2;
      return rf_quant_dequantize (t->dtype, t->data + half_bytes, dst, half)
             && rf_quant_dequantize (t->dtype, t->data, dst + half, half);
    }
  for (guint k = 0; k < w->n_src; k++)
    {
      gint64 n = rf_file_tensor_numel (w->src[k]);
      if (!rf_quant_dequantize (w->src[k]->dtype, w->src[k]->data, dst, n))
        return FALSE;
      dst += n;
    }
  return TRUE;
}
