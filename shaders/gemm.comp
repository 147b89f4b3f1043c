#version 450
/* gemm.comp — tiled C[m, n] = Σ_k A(m, k) · B(n, k), f32 accumulation.
 *
 * One shader, four uses chosen by defines (see shaders/meson.build):
 *   LINEAR    A = x [M, K] f32, B = w [N, K] in its storage dtype (W_*),
 *             out [M, N] + bias[n]
 *   MATMUL    A = a [M, K], B = b [K, N] (or [N, K] with TRANS_B), f32,
 *             batched over z with broadcast strides
 *   CONV2D    implicit GEMM: m = output pixel, n = output channel,
 *             k = (cin, r, s); A gathers x with zero padding on the fly
 *             (no im2col buffer), B = w [Cout, Cin·kh·kw]
 *
 * Workgroup 16×16 computes a 64×64 tile, 4×4 per thread; k in steps of
 * 16 through shared memory. Element offsets come in push constants so
 * bindings can start at an aligned base before the tensor. */
#extension GL_EXT_control_flow_attributes : enable
#extension GL_GOOGLE_include_directive : enable

layout (local_size_x = 16, local_size_y = 16, local_size_z = 1) in;

#define BM 64
#define BN 64
#define BK 16
#define TM 4
#define TN 4

layout (std430, set = 0, binding = 0) writeonly buffer Dst { float dst[]; };
layout (std430, set = 0, binding = 1) readonly buffer SrcA { float abuf[]; };
#if defined(LINEAR) && !defined(W_F32)
layout (std430, set = 0, binding = 2) readonly buffer SrcB { uint wbuf[]; };
#else
#if !defined(LINEAR)
#define W_F32
#endif
layout (std430, set = 0, binding = 2) readonly buffer SrcB { float wbuf[]; };
#endif
layout (std430, set = 0, binding = 3) readonly buffer Bias { float bias[]; };

#include "rf-weights.glsl"

/* mirrors RfVkGemmPush in vulkan/vk-push.h */
layout (push_constant) uniform Push {
  uint M, N, K;
  uint off_d, off_a, off_b, off_bias;
  uint has_bias;
  uint nb1;                   /* batch z = z0 · nb1 + z1 */
  uint sa0, sa1, sb0, sb1, sd0, sd1; /* batch strides (elements) */
  /* CONV2D only */
  uint cin, h, w, kh, kw, stride_h, stride_w, pad_t, pad_l, wo;
  uint ldd;                   /* LINEAR, MATMUL: row stride of dst (elements) */
} pc;

shared float As[BK][BM + 1];
shared float Bs[BK][BN + 1];

float
load_a (uint base, uint m, uint k)
{
  if (m >= pc.M || k >= pc.K)
    return 0.0;
#if defined(CONV2D)
  uint khw = pc.kh * pc.kw;
  uint ci = k / khw, rs = k - ci * khw;
  uint r = rs / pc.kw, s = rs - r * pc.kw;
  uint oh = m / pc.wo, ow = m - oh * pc.wo;
  int ih = int (oh * pc.stride_h + r) - int (pc.pad_t);
  int iw = int (ow * pc.stride_w + s) - int (pc.pad_l);
  if (ih < 0 || iw < 0 || ih >= int (pc.h) || iw >= int (pc.w))
    return 0.0;
  return abuf[base + (ci * pc.h + uint (ih)) * pc.w + uint (iw)];
#else
  return abuf[base + m * pc.K + k];
#endif
}

float
load_b (uint base, uint n, uint k)
{
  if (n >= pc.N || k >= pc.K)
    return 0.0;
#if defined(W_QUANT)
  /* base is in bytes for block types */
  return load_wq (base + n * (pc.K / QK) * QBYTES, k);
#elif defined(MATMUL) && !defined(TRANS_B)
  return load_w (base + k * pc.N + n);
#else
  return load_w (base + n * pc.K + k);
#endif
}

void
main ()
{
  uint z = gl_WorkGroupID.z;
  uint z0 = z / pc.nb1, z1 = z - z0 * pc.nb1;
  uint base_a = pc.off_a + z0 * pc.sa0 + z1 * pc.sa1;
  uint base_b = pc.off_b + z0 * pc.sb0 + z1 * pc.sb1;
  uint base_d = pc.off_d + z0 * pc.sd0 + z1 * pc.sd1;

  uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  uint tid = ty * 16u + tx;
  uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;

  float acc[TM][TN];
  [[unroll]] for (int i = 0; i < TM; i++)
    [[unroll]] for (int j = 0; j < TN; j++)
      acc[i][j] = 0.0;

  for (uint k0 = 0; k0 < pc.K; k0 += BK)
    {
      /* 256 threads load 64×16 of A and of B, 4 elements each; k is the
       * fastest index so neighbouring threads read neighbouring memory */
      [[unroll]] for (uint i = 0; i < 4u; i++)
        {
          uint idx = tid + i * 256u;
          uint kk = idx % BK, mm = idx / BK;
          As[kk][mm] = load_a (base_a, m0 + mm, k0 + kk);
          Bs[kk][mm] = load_b (base_b, n0 + mm, k0 + kk);
        }
      barrier ();
      [[unroll]] for (uint kk = 0; kk < BK; kk++)
        {
          float ra[TM], rb[TN];
          [[unroll]] for (uint i = 0; i < TM; i++)
            ra[i] = As[kk][ty + 16u * i];
          [[unroll]] for (uint j = 0; j < TN; j++)
            rb[j] = Bs[kk][tx + 16u * j];
          [[unroll]] for (uint i = 0; i < TM; i++)
            [[unroll]] for (uint j = 0; j < TN; j++)
              acc[i][j] = fma (ra[i], rb[j], acc[i][j]);
        }
      barrier ();
    }

  [[unroll]] for (uint i = 0; i < TM; i++)
    [[unroll]] for (uint j = 0; j < TN; j++)
      {
        uint m = m0 + ty + 16u * i, n = n0 + tx + 16u * j;
        if (m >= pc.M || n >= pc.N)
          continue;
        float v = acc[i][j];
        if (pc.has_bias != 0u)
          v += bias[pc.off_bias + n];
#if defined(CONV2D)
        dst[base_d + n * pc.M + m] = v;
#else
        dst[base_d + m * pc.ldd + n] = v;
#endif
      }
}
