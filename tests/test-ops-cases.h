/* test-ops-cases.h — the case table of test-ops.c: every op, sizes that
 * include 1, 3, 5, 13, 127, 257 and non-multiples of workgroup sizes. */

#define U(k, nd, ...) &(const UnaryP){ k, { __VA_ARGS__ }, nd }
#define B(k, na, nb, nd, A, Bs, D) &(const BinaryP){ k, na, nb, nd, A, Bs, D }
#define S4(...) { __VA_ARGS__ }

static const Case cases[] = {
  /* unary activations: NaN/Inf must propagate identically */
  { "gelu [257]", run_unary, U (RF_OP_GELU, 1, 257), 1e-10, TRUE },
  { "gelu [2,3,5,13]", run_unary, U (RF_OP_GELU, 4, 2, 3, 5, 13), 1e-10, TRUE },
  { "silu [3,5,127]", run_unary, U (RF_OP_SILU, 3, 3, 5, 127), 1e-10, TRUE },
  { "relu [1]", run_unary, U (RF_OP_RELU, 1, 1), 0, FALSE },
  { "relu [13,257]", run_unary, U (RF_OP_RELU, 2, 13, 257), 0, TRUE },
  { "tanh [5,13]", run_unary, U (RF_OP_TANH, 2, 5, 13), 1e-10, TRUE },
  { "sigmoid [3,257]", run_unary, U (RF_OP_SIGMOID, 2, 3, 257), 1e-10, TRUE },
  { "scale [127]", run_unary, U (RF_OP_SCALE, 1, 127), 1e-12, TRUE },

  /* broadcasting binaries */
  { "add [3,5,13]+[5,1]", run_binary,
    B (RF_OP_ADD, 3, 2, 3, S4 (3, 5, 13), S4 (5, 1), S4 (3, 5, 13)), 1e-12, TRUE },
  { "sub [2,1,5,13]-[3,1,13]", run_binary,
    B (RF_OP_SUB, 4, 3, 4, S4 (2, 1, 5, 13), S4 (3, 1, 13), S4 (2, 3, 5, 13)), 1e-12, FALSE },
  { "mul [257]*[257]", run_binary,
    B (RF_OP_MUL, 1, 1, 1, S4 (257), S4 (257), S4 (257)), 1e-12, TRUE },
  { "mul [1]*[1]", run_binary,
    B (RF_OP_MUL, 1, 1, 1, S4 (1), S4 (1), S4 (1)), 1e-12, FALSE },
  { "modulate [2,13,64] by [2,1,64]", run_binary,
    B (RF_OP_MODULATE, 3, 3, 3, S4 (2, 13, 64), S4 (2, 1, 64), S4 (2, 13, 64)), 1e-12, TRUE },
  { "gated_add [1,127,40] by [1,1,40]", run_binary,
    B (RF_OP_GATED_ADD, 3, 3, 3, S4 (1, 127, 40), S4 (1, 1, 40), S4 (1, 127, 40)), 1e-12, FALSE },

  /* copies and conversions */
  { "copy f32->f16->f32 [5,13]", run_copy,
    &(const CopyP){ RF_DTYPE_F32, RF_DTYPE_F16, 2, { 5, 13 }, { 0, 0 } }, 1e-12, FALSE },
  { "copy f32->bf16->f32 [3,257]", run_copy,
    &(const CopyP){ RF_DTYPE_F32, RF_DTYPE_BF16, 2, { 3, 257 }, { 0, 0 } }, 1e-12, FALSE },
  { "copy f16->bf16->f32 [127]", run_copy,
    &(const CopyP){ RF_DTYPE_F16, RF_DTYPE_BF16, 1, { 127 }, { 0, 0 } }, 1e-12, FALSE },
  { "copy permuted [3,5,13]->(2,0,1)", run_copy,
    &(const CopyP){ RF_DTYPE_F32, RF_DTYPE_F32, 3, { 3, 5, 13 }, { 2, 0, 1 } }, 0, FALSE },
  { "copy permuted bf16 [2,3,5,7]->(0,2,1,3)", run_copy,
    &(const CopyP){ RF_DTYPE_BF16, RF_DTYPE_F32, 4, { 2, 3, 5, 7 }, { 0, 2, 1, 3 } }, 0, FALSE },
  { "concat/split axis 0", run_concat, &(const ConcatP){ 0, { 3, 5, 7 }, { 1, 5, 7 } }, 0, FALSE },
  { "concat/split axis 1", run_concat, &(const ConcatP){ 1, { 2, 5, 13 }, { 2, 3, 13 } }, 0, FALSE },
  { "concat/split axis 2", run_concat, &(const ConcatP){ 2, { 2, 3, 13 }, { 2, 3, 5 } }, 0, FALSE },

  /* linear: PyTorch [out, in] weights in every float storage type */
  { "linear f32 [1,13,64]x[127,64]+b", run_linear,
    &(const LinearP){ RF_DTYPE_F32, TRUE, 3, { 1, 13, 64 }, 127 }, 1e-9, FALSE },
  { "linear f32 [257,5]x[3,5]", run_linear,
    &(const LinearP){ RF_DTYPE_F32, FALSE, 2, { 257, 5 }, 3 }, 1e-9, FALSE },
  { "linear f32 [1,1]x[1,1]+b", run_linear,
    &(const LinearP){ RF_DTYPE_F32, TRUE, 2, { 1, 1 }, 1 }, 1e-9, FALSE },
  { "linear f32 [2,3,130]x[67,130]+b", run_linear,
    &(const LinearP){ RF_DTYPE_F32, TRUE, 3, { 2, 3, 130 }, 67 }, 1e-9, FALSE },
  { "linear f16 [1,13,64]x[127,64]+b", run_linear,
    &(const LinearP){ RF_DTYPE_F16, TRUE, 3, { 1, 13, 64 }, 127 }, 1e-9, FALSE },
  { "linear bf16 [5,96]x[33,96]", run_linear,
    &(const LinearP){ RF_DTYPE_BF16, FALSE, 2, { 5, 96 }, 33 }, 1e-9, FALSE },
  { "linear bf16 [1,257,128]x[96,128]+b", run_linear,
    &(const LinearP){ RF_DTYPE_BF16, TRUE, 3, { 1, 257, 128 }, 96 }, 1e-9, FALSE },

  /* batched matmul with broadcast and transposed b */
  { "matmul [2,13,5]x[2,5,7]", run_matmul,
    &(const MatmulP){ 3, { 2, 13, 5 }, { 2, 5, 7 }, { 2, 13, 7 }, FALSE }, 1e-9, FALSE },
  { "matmul [1,13,5]x[3,5,7] broadcast", run_matmul,
    &(const MatmulP){ 3, { 1, 13, 5 }, { 3, 5, 7 }, { 3, 13, 7 }, FALSE }, 1e-9, FALSE },
  { "matmul [2,3,13,64]x[2,3,17,64]^T", run_matmul,
    &(const MatmulP){ 4, { 2, 3, 13, 64 }, { 2, 3, 17, 64 }, { 2, 3, 13, 17 }, TRUE }, 1e-9, FALSE },
  { "matmul [127,1]x[1,257]", run_matmul,
    &(const MatmulP){ 2, { 127, 1 }, { 1, 257 }, { 127, 257 }, FALSE }, 1e-9, FALSE },

  /* normalisation and softmax */
  { "layernorm [13,257]", run_norm,
    &(const NormP){ RF_OP_LAYERNORM, 2, { 13, 257 }, 1e-6f, 0, FALSE }, 1e-9, TRUE },
  { "layernorm [3,5,64]", run_norm,
    &(const NormP){ RF_OP_LAYERNORM, 3, { 3, 5, 64 }, 1e-6f, 0, FALSE }, 1e-9, FALSE },
  { "layernorm [1,1]", run_norm,
    &(const NormP){ RF_OP_LAYERNORM, 2, { 1, 1 }, 1e-6f, 0, FALSE }, 1e-9, FALSE },
  { "rmsnorm [2,3,13,128] weighted", run_norm,
    &(const NormP){ RF_OP_RMSNORM, 4, { 2, 3, 13, 128 }, 1e-6f, 0, TRUE }, 1e-9, FALSE },
  { "rmsnorm [5,127]", run_norm,
    &(const NormP){ RF_OP_RMSNORM, 2, { 5, 127 }, 1e-6f, 0, FALSE }, 1e-9, TRUE },
  { "groupnorm [1,64,5,13] g32 affine", run_norm,
    &(const NormP){ RF_OP_GROUPNORM, 4, { 1, 64, 5, 13 }, 1e-6f, 32, TRUE }, 1e-9, FALSE },
  { "groupnorm [2,6,3,3] g3", run_norm,
    &(const NormP){ RF_OP_GROUPNORM, 4, { 2, 6, 3, 3 }, 1e-5f, 3, FALSE }, 1e-9, FALSE },
  { "groupnorm [1,32,257] g32 affine", run_norm,
    &(const NormP){ RF_OP_GROUPNORM, 3, { 1, 32, 257 }, 1e-6f, 32, TRUE }, 1e-9, FALSE },
  { "softmax [13,257] s0.125", run_norm,
    &(const NormP){ RF_OP_SOFTMAX, 2, { 13, 257 }, 0.125f, 0, FALSE }, 1e-9, TRUE },
  { "softmax [5,1]", run_norm,
    &(const NormP){ RF_OP_SOFTMAX, 2, { 5, 1 }, 1.0f, 0, FALSE }, 1e-9, FALSE },
  { "softmax [3,127] s30", run_norm,
    &(const NormP){ RF_OP_SOFTMAX, 2, { 3, 127 }, 30.0f, 0, FALSE }, 1e-9, FALSE },

  { "reduce sum [3,257]", run_reduce, &(const ReduceP){ RF_REDUCE_SUM, 2, { 3, 257 } }, 1e-10, FALSE },
  { "reduce mean [2,3,5,13]", run_reduce, &(const ReduceP){ RF_REDUCE_MEAN, 4, { 2, 3, 5, 13 } }, 1e-10, FALSE },
  { "reduce max [127,1]", run_reduce, &(const ReduceP){ RF_REDUCE_MAX, 2, { 127, 1 } }, 0, FALSE },
  { "reduce max [5,127]", run_reduce, &(const ReduceP){ RF_REDUCE_MAX, 2, { 5, 127 } }, 0, TRUE },

  /* positional */
  { "rope [1,2,13,16]", run_rope, &(const RopeP){ 1, 2, 13, 16 }, 1e-10, FALSE },
  { "rope [2,3,5,128]", run_rope, &(const RopeP){ 2, 3, 5, 128 }, 1e-10, FALSE },
  { "timestep_embedding [3,256] x1000", run_temb, &(const TembP){ 3, 256, 1000.0f, FALSE }, 1e-8, FALSE },
  { "timestep_embedding [1,13] sin-first", run_temb, &(const TembP){ 1, 13, 1.0f, TRUE }, 1e-8, FALSE },

  /* attention */
  { "attention B1 H2 L13 D64", run_attention,
    &(const AttnP){ 1, 2, 13, 13, 64, 64, FALSE, FALSE, 0.125f }, 1e-8, FALSE },
  { "attention B2 H1 Lq5 Lk13 D16 Dv8", run_attention,
    &(const AttnP){ 2, 1, 5, 13, 16, 8, FALSE, FALSE, 0.25f }, 1e-8, FALSE },
  { "attention B1 H2 L13 D64 causal", run_attention,
    &(const AttnP){ 1, 2, 13, 13, 64, 64, TRUE, FALSE, 0.125f }, 1e-8, FALSE },
  { "attention B1 H3 L5 D32 bias", run_attention,
    &(const AttnP){ 1, 3, 5, 5, 32, 32, FALSE, TRUE, 1.0f }, 1e-8, FALSE },
  { "attention B1 H1 L257 D128", run_attention,
    &(const AttnP){ 1, 1, 257, 257, 128, 128, FALSE, FALSE, 0.08838835f }, 1e-8, FALSE },
  { "attention B1 H1 L5000 D64 (long)", run_attention,
    &(const AttnP){ 1, 1, 5000, 5000, 64, 64, FALSE, FALSE, 0.125f }, 1e-8, FALSE },
  { "attention B1 H2 L37 D160 (wide heads)", run_attention,
    &(const AttnP){ 1, 2, 37, 37, 160, 160, FALSE, FALSE, 0.079f }, 1e-8, FALSE },
  { "attention B1 H2 Lq9 Lk37 D192 bias (wide)", run_attention,
    &(const AttnP){ 1, 2, 9, 37, 192, 192, FALSE, TRUE, 0.07f }, 1e-8, FALSE },
  { "attention B1 H1 Lq1 Lk1 D64", run_attention,
    &(const AttnP){ 1, 1, 1, 1, 64, 64, FALSE, FALSE, 0.125f }, 1e-8, FALSE },

  /* convolution and resampling */
  { "conv2d 3x3 s1 p1 [1,3,13,17]->8 +b", run_conv,
    &(const ConvP){ 1, 3, 13, 17, 8, 3, 3, { 1, 1, 1, 1, 1, 1 }, TRUE }, 1e-9, FALSE },
  { "conv2d 3x3 s2 pad(0,1,0,1) [2,4,13,13]->5", run_conv,
    &(const ConvP){ 2, 4, 13, 13, 5, 3, 3, { 2, 2, 0, 1, 0, 1 }, FALSE }, 1e-9, FALSE },
  { "conv2d 1x1 [2,16,5,7]->13 +b", run_conv,
    &(const ConvP){ 2, 16, 5, 7, 13, 1, 1, { 1, 1, 0, 0, 0, 0 }, TRUE }, 1e-9, FALSE },
  { "conv2d 3x3 s1 p0 [1,1,3,3]->1", run_conv,
    &(const ConvP){ 1, 1, 3, 3, 1, 3, 3, { 1, 1, 0, 0, 0, 0 }, FALSE }, 1e-9, FALSE },
  { "conv2d 3x3 s2 p1 [1,32,9,11]->33 +b", run_conv,
    &(const ConvP){ 1, 32, 9, 11, 33, 3, 3, { 2, 2, 1, 1, 1, 1 }, TRUE }, 1e-9, FALSE },
  { "upsample2x [1,3,5,7]", run_upsample, &(const UpP){ 1, 3, 5, 7 }, 0, FALSE },
  { "upsample2x [2,1,1,1]", run_upsample, &(const UpP){ 2, 1, 1, 1 }, 0, FALSE },
};

#undef U
#undef B
#undef S4
