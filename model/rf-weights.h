/* rf-weights.h — canonical tensor names per model family, the layouts
 * users' files come in, and the checks before anything runs.
 *
 * Each family has one canonical name set (the names of the reference
 * implementation) generated from its hyper-parameters in
 * rf-weight-tables.c:
 *   FLUX DiT     black-forest-labs/flux `Flux` module paths (incl. Fill)
 *   autoencoder  black-forest-labs/flux `AutoEncoder` (also SD3's VAE)
 *   CLIP text    transformers `CLIPTextModel`
 *   T5 encoder   transformers `T5EncoderModel`
 * A file stores a family under a prefix ("model.diffusion_model.",
 * "vae.", "text_encoders.clip_l.transformer.", ...) and in a naming
 * scheme. The canonical scheme needs no translation; the diffusers and
 * llama.cpp schemes are translated by rule tables: data saying "this
 * canonical tensor is those 3 source tensors concatenated along dim 0",
 * "... is that tensor with its two halves swapped", or plain renames.
 *
 * rf_weights_load() infers the hyper-parameters from the tensors and
 * checks presence, dtype and shape of every expected tensor, reporting
 * every missing, unexpected and mis-shaped tensor in one error.
 */
#pragma once

#include <glib.h>

#include "rf-model-file.h"

G_BEGIN_DECLS

typedef enum {
  RF_FAMILY_FLUX_DIT,
  RF_FAMILY_AUTOENCODER,
  RF_FAMILY_CLIP_TEXT,
  RF_FAMILY_T5_ENCODER,
  RF_FAMILY_COUNT
} RfModelFamily;

typedef enum {
  RF_NAME_SCHEME_CANONICAL,   /* BFL / transformers names (also city96 GGUF) */
  RF_NAME_SCHEME_DIFFUSERS,   /* diffusers FluxTransformer2DModel / AutoencoderKL */
  RF_NAME_SCHEME_LLAMA_CPP,   /* llama.cpp GGUF names (T5 encoder) */
} RfNameScheme;

typedef enum {
  RF_WEIGHT_COPY,         /* one source, same shape */
  RF_WEIGHT_RESHAPE,      /* one source, same elements, canonical shape (Linear → 1×1 conv) */
  RF_WEIGHT_CONCAT0,      /* sources concatenated along dim 0 */
  RF_WEIGHT_SWAP_HALVES,  /* one source; rows [n/2, n) then [0, n/2) */
  RF_WEIGHT_ANY,          /* the first present source (aliases of one tensor) */
} RfWeightOp;

#define RF_WEIGHT_MAX_SOURCES 4

typedef enum {
  RF_FLUX_DEV,
  RF_FLUX_SCHNELL,
  RF_FLUX_FILL,
} RfFluxVariant;

typedef struct {
  gint64 hidden;          /* 3072 */
  gint64 heads;           /* 24 = hidden / head_dim */
  gint64 head_dim;        /* 128: size of the QK-norm scales */
  gint64 mlp_hidden;      /* 12288 */
  gint64 in_channels;     /* 64; 384 for Fill */
  gint64 out_channels;    /* 64 */
  gint64 context_dim;     /* 4096 (T5) */
  gint64 vec_dim;         /* 768 (CLIP pooled) */
  gint64 depth_double;    /* 19 */
  gint64 depth_single;    /* 38 */
  gboolean guidance;      /* guidance_in present: dev and Fill */
  RfFluxVariant variant;
} RfFluxConfig;

#define RF_AE_MAX_LEVELS 8

typedef struct {
  gint64 ch;              /* 128 */
  gint64 n_levels;        /* 4 */
  gint64 ch_mult[RF_AE_MAX_LEVELS]; /* 1 2 4 4 */
  gint64 num_res_blocks;  /* 2 (the decoder has one more per level) */
  gint64 z_channels;      /* 16 */
  gint64 in_channels;     /* 3 */
  gint64 out_channels;    /* 3 */
  gboolean has_encoder;
  gboolean has_decoder;
} RfAeConfig;

typedef struct {
  gint64 vocab;           /* 49408 */
  gint64 positions;       /* 77 */
  gint64 hidden;          /* 768 (L), 1280 (G) */
  gint64 layers;          /* 12 */
  gint64 heads;           /* 12: not in the tensors; from the known models, else hidden/64 */
  gint64 mlp_hidden;      /* 3072 */
} RfClipConfig;

typedef struct {
  gint64 vocab;           /* 32128 */
  gint64 d_model;         /* 4096 */
  gint64 inner;           /* heads × d_kv = 4096 */
  gint64 heads;           /* 64 (columns of the relative attention bias) */
  gint64 d_ff;            /* 10240 */
  gint64 layers;          /* 24 */
  gint64 rel_buckets;     /* 32 */
} RfT5Config;

typedef union {
  RfFluxConfig flux;
  RfAeConfig ae;
  RfClipConfig clip;
  RfT5Config t5;
} RfModelConfig;

/* One tensor in canonical terms, resolved to the file's tensors. */
typedef struct {
  char *name;                  /* canonical */
  RfWeightOp op;               /* COPY for every canonical-scheme tensor */
  guint n_src;
  const RfFileTensor *src[RF_WEIGHT_MAX_SOURCES];
  RfDType dtype;               /* the sources' dtype */
  int ndim;
  gint64 shape[RF_MODEL_MAX_DIMS];   /* canonical shape, PyTorch order */
} RfWeight;

/* A family found in a file: where and how it is named. */
typedef struct {
  RfModelFamily family;
  RfNameScheme scheme;
  char *prefix;                /* "" or e.g. "model.diffusion_model." */
} RfComponent;

void rf_component_free (RfComponent *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfComponent, rf_component_free)

const char *rf_model_family_name (RfModelFamily family);   /* "flux-dit", ... */
const char *rf_name_scheme_name (RfNameScheme scheme);     /* "canonical", ... */
const char *rf_flux_variant_name (RfFluxVariant variant);  /* "dev", ... */

/* The families present in @mf (by marker tensors), as RfComponent*.
 * Never NULL; empty when nothing is recognised. */
GPtrArray *rf_weights_detect (const RfModelFile *mf);

typedef struct _RfWeights RfWeights;

/* Resolves and checks @component of @mf (which must outlive the result).
 * Errors: RF_MODEL_ERROR_MISMATCH listing every missing, unexpected,
 * mis-typed and mis-shaped tensor (names as they appear in the file),
 * or when the hyper-parameters cannot be inferred. */
RfWeights *rf_weights_load (const RfModelFile *mf, const RfComponent *component,
                            GError **error);
void rf_weights_free (RfWeights *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfWeights, rf_weights_free)

RfModelFamily rf_weights_get_family (const RfWeights *w);
const RfModelConfig *rf_weights_get_config (const RfWeights *w);
guint rf_weights_get_n (const RfWeights *w);
const RfWeight *rf_weights_get_nth (const RfWeights *w, guint i);
/* NULL if @canonical_name is not part of this model. */
const RfWeight *rf_weights_get (const RfWeights *w, const char *canonical_name);
gint64 rf_weights_get_n_params (const RfWeights *w);
guint64 rf_weights_get_n_bytes (const RfWeights *w);
/* e.g. "flux-dit dev (hidden 3072, 19+38 blocks)"; g_free it. */
char *rf_weights_describe (const RfWeights *w);

gint64 rf_weight_numel (const RfWeight *w);
/* Bytes of the canonical tensor in its stored dtype. */
guint64 rf_weight_nbytes (const RfWeight *w);
/* Decodes the canonical tensor to f32 into @dst (rf_weight_numel floats),
 * applying the layout transform. FALSE only for a non-float dtype. */
gboolean rf_weight_read_f32 (const RfWeight *w, float *dst);
/* Copies the canonical tensor's stored bytes (rf_weight_nbytes) into
 * @dst, applying the transform on whole rows. */
void rf_weight_read_raw (const RfWeight *w, guint8 *dst);

G_END_DECLS
