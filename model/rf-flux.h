/* rf-flux.h — the FLUX.1 transformer (dev, schnell, Fill): config,
 * weights, one velocity evaluation.
 *
 * Exactly Black Forest Labs' reference (src/flux/model.py): img_in,
 * timestep/guidance/pooled-vector embedders, txt_in, three-axis RoPE on
 * adjacent pairs with text tokens first, double-stream blocks with joint
 * attention and QK RMSNorm, single-stream blocks with fused linear1 and
 * parallel MLP, final layer (shift, then scale). Hyper-parameters come
 * from the weights, so tiny test models run the same code.
 */
#pragma once

#include "rf-ops.h"

G_BEGIN_DECLS

typedef struct {
  int hidden;            /* 3072 */
  int heads;             /* 24 */
  int head_dim;          /* hidden / heads = 128 */
  int depth;             /* double-stream blocks, 19 */
  int depth_single;      /* single-stream blocks, 38 */
  int in_channels;       /* 64 (384 for Fill) */
  int out_channels;      /* 64 */
  int vec_in_dim;        /* 768 (CLIP pooled) */
  int context_in_dim;    /* 4096 (T5) */
  int mlp_hidden;        /* hidden * mlp_ratio = 12288 */
  int axes_dim[3];       /* 16, 56, 56; sum = head_dim */
  double theta;          /* 10000 */
  gboolean guidance_embed; /* dev: TRUE, schnell: FALSE */
} RfFluxParams;

/* A linear layer: weight [out, in] in its file dtype, bias [out] f32. */
typedef struct {
  RfTensor *weight;
  RfTensor *bias;
} RfLinear;

typedef struct {
  RfLinear mod;          /* lin: [6H, H] */
  RfLinear qkv;          /* [3H, H] */
  RfTensor *q_norm;      /* [D] f32 */
  RfTensor *k_norm;      /* [D] f32 */
  RfLinear proj;         /* [H, H] */
  RfLinear mlp0;         /* [M, H] */
  RfLinear mlp2;         /* [H, M] */
} RfFluxStream;

typedef struct {
  RfFluxStream img, txt;
} RfFluxDoubleBlock;

typedef struct {
  RfLinear mod;          /* [3H, H] */
  RfLinear linear1;      /* [3H + M, H] */
  RfLinear linear2;      /* [H, H + M] */
  RfTensor *q_norm, *k_norm; /* [D] f32 */
} RfFluxSingleBlock;

typedef struct {
  RfLinear img_in;                      /* [H, in] */
  RfLinear time_in[2];                  /* [H, 256], [H, H] */
  RfLinear vector_in[2];                /* [H, vec], [H, H] */
  RfLinear guidance_in[2];              /* dev only */
  RfLinear txt_in;                      /* [H, ctx] */
  RfFluxDoubleBlock *double_blocks;     /* depth */
  RfFluxSingleBlock *single_blocks;     /* depth_single */
  RfLinear final_mod;                   /* adaLN_modulation.1: [2H, H], (shift, scale) */
  RfLinear final_linear;                /* [out, H] */
} RfFluxWeights;

/* Where a FLUX model gets its tensors: returns a new tensor on @backend
 * holding the canonical (BFL-named) tensor @name converted as the model
 * needs it, or NULL with @error set. rf-flux-load.c provides one for
 * model files in any layout. */
typedef RfTensor *(*RfFluxTensorFunc) (gpointer user_data, const char *name,
                                       RfBackend *backend, GError **error);

typedef struct _RfFlux RfFlux;

/* Builds the model from tensors supplied by @get. @config gives the
 * hyper-parameters (rf-model-load.c infers them from a file). With
 * @stream_blocks, the double- and single-stream blocks' weights stay in
 * host memory and each block is uploaded just before it runs (for models
 * larger than the device's memory); the rest stays resident. Errors name
 * the first missing or mis-shaped tensor. */
RfFlux *rf_flux_new (RfBackend *backend, const RfFluxParams *config,
                     RfFluxTensorFunc get, gpointer user_data, gboolean stream_blocks,
                     GError **error);

/* Weight bytes kept on the backend and streamed per block. */
void rf_flux_get_memory (const RfFlux *flux, guint64 *resident, guint64 *streamed);
void rf_flux_free (RfFlux *flux);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RfFlux, rf_flux_free)

const RfFluxParams *rf_flux_get_params (const RfFlux *flux);
RfBackend *rf_flux_get_backend (const RfFlux *flux);

/* RF-Edit hook: called in every single-stream block with that block's
 * index and its value tensor v [1, heads, L, head_dim] (f32, on the
 * backend) after it is computed and before attention; the hook may read
 * it or overwrite it in place. NULL disables. */
typedef gboolean (*RfFluxAttnHook) (gpointer user_data, int single_block,
                                    RfTensor *v, GError **error);
void rf_flux_set_attn_hook (RfFlux *flux, RfFluxAttnHook hook, gpointer user_data);

/* One velocity evaluation.
 *   img  [1, rows·cols, in_channels]   packed image tokens
 *   txt  [1, Lt, context_in_dim]
 *   y    [1, vec_in_dim]
 *   t    in [0, 1] (scaled by 1000 inside, as the reference does)
 *   guidance  used by guidance-embedded (dev) models, ignored otherwise
 *   rows, cols  the token grid; image ids are (0, row, col), text ids 0
 *   out  [1, rows·cols, out_channels], allocated by the caller
 * All tensors f32 on the model's backend. Errors name the tensor and the
 * expected shape. */
gboolean rf_flux_forward (RfFlux *flux, const RfTensor *img, const RfTensor *txt,
                          const RfTensor *y, float t, float guidance, int rows,
                          int cols, RfTensor *out, GError **error);

/* The RoPE table [Lt + rows·cols, head_dim/2, 2] of (cos, sin), computed
 * in double as the reference does, for text tokens (ids 0) followed by
 * the image grid. Returns a host array of 2·L·head_dim/2 floats. */
float *rf_flux_rope_table (const RfFluxParams *config, int n_txt, int rows,
                           int cols);

G_END_DECLS
