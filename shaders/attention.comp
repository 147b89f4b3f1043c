#version 450
/* attention.comp — softmax(q·kᵀ·scale + bias) · v without the Lq×Lk matrix
 * (flash-attention style, f32 throughout).
 *
 * A workgroup of 16·TY invocations (tx = tid % 16, ty = tid / 16; TY = 16
 * or 8, a define) owns BR = 4·TY query rows and walks the keys in tiles
 * of BC = 64:
 *   S = Q·Kᵀ   register-blocked: invocation (ty, tx) computes rows
 *              4·ty + i (i < 4) × keys tx + 16·j (j < 4), over head dims
 *              in chunks of BK = 32 staged in shared memory (Q and K
 *              chunk, [row][dim] with a pad vec4 per row: vec4 reads along
 *              dims hit distinct banks);
 *   softmax    online: the row max of the tile meets in a small shared
 *              array (16 invocations share a row); each invocation keeps
 *              a partial row sum over its own keys, summed once at the end;
 *   O += P·V   P goes to shared memory as [key][4 rows] vec4, V in chunks
 *              of VK keys; invocation (ty, tx) owns rows 4·ty + i × dims
 *              4·(tx + 16·c) .. + 3 (c < D_MAX / 64) in registers.
 * Global loads for the next chunk are issued before the current chunk's
 * arithmetic (register prefetch), so their latency hides behind it.
 *
 * Shared memory: region A (Q, K chunks, later P) 18 KiB (TY = 16) or
 * 13.5 KiB (TY = 8), region B (V chunk, and the row-statistics array)
 * 8 KiB: at most 26 KiB, under the 32 KiB of lavapipe. No subgroup
 * operations: any subgroup size works.
 * D_MAX (define, 64 or 128) bounds the head dims; larger heads take the
 * chunked path in vulkan/vk-op-attention.c.
 * Dispatch: x = ceil(Lq / BR), y = H, z = B. */
#extension GL_EXT_control_flow_attributes : enable

#ifndef D_MAX
#define D_MAX 128
#endif
#ifndef TY
#define TY 16
#endif
#define WG (16 * TY)
#define BR (4 * TY)
#define BC 64
#define BK 32                 /* head dims per S chunk */
#define BK4 (BK / 4)
#define QS (BK4 + 1)          /* vec4 row stride of the Q/K chunks */
#define PS (TY + 1)           /* vec4 row stride of P and of the stats array */
#define DV4 (D_MAX / 4)       /* vec4 per V row */
#define NV4 (D_MAX / 64)      /* output vec4 per row and invocation */
#define VK (2048 / D_MAX)     /* keys per V chunk: 512 vec4 */
#define NQL (BR * BK4 / WG)   /* Q chunk vec4 per invocation (2) */
#define NKL (BC * BK4 / WG)   /* K chunk vec4 per invocation (2 or 4) */
#define NVL (VK * DV4 / WG)   /* V chunk vec4 per invocation (2 or 4) */

layout (local_size_x = WG, local_size_y = 1, local_size_z = 1) in;

layout (std430, set = 0, binding = 0) writeonly buffer Dst { float dst[]; };
/* each input is also seen as vec4 (same binding) for aligned loads */
layout (std430, set = 0, binding = 1) readonly buffer Q { float qb[]; };
layout (std430, set = 0, binding = 1) readonly buffer Q4 { vec4 qb4[]; };
layout (std430, set = 0, binding = 2) readonly buffer K { float kb[]; };
layout (std430, set = 0, binding = 2) readonly buffer K4 { vec4 kb4[]; };
layout (std430, set = 0, binding = 3) readonly buffer V { float vb[]; };
layout (std430, set = 0, binding = 3) readonly buffer V4 { vec4 vb4[]; };
layout (std430, set = 0, binding = 4) readonly buffer Bias { float biasb[]; };

/* mirrors RfVkAttentionPush in vulkan/vk-push-ops.h */
layout (push_constant) uniform Push {
  uint H, Lq, Lk, D, Dv;
  uint off_d, off_q, off_k, off_v, off_bias;
  uint has_bias, causal;
  uint bias_sb, bias_sh;   /* bias strides for batch and head (0 = broadcast) */
  float scale;
  uint flags;              /* FLAG_QK_VEC4, FLAG_V_VEC4 */
} pc;

/* q and k rows (and their offsets) are multiples of 4 elements */
#define FLAG_QK_VEC4 1u
/* v rows (and offset) are multiples of 4 elements */
#define FLAG_V_VEC4 2u

#define A_SIZE ((BR + BC) * QS > BC * PS ? (BR + BC) * QS : BC * PS)
#define B_SIZE (VK * DV4 > 16 * PS ? VK * DV4 : 16 * PS)
shared vec4 sa[A_SIZE];   /* Q chunk [BR][QS], K chunk [BC][QS]; then P [BC][PS] */
shared vec4 sb[B_SIZE];   /* V chunk [VK][DV4]; row stats [16][PS] */
#define K_OFF (BR * QS)

const float NEG_INF = -1.0 / 0.0;

/* 4 elements from row start @base, dims d .. d + 3, zero past @lim or
 * when !@ok; vec4 loads when the flag says rows are aligned. */
#define LOAD4(buf, buf4, flag, ok, base, d, lim)                          \
  vec4 r = vec4 (0.0);                                                    \
  if (ok && d < lim)                                                      \
    {                                                                     \
      if ((pc.flags & flag) != 0u)                                        \
        r = buf4[(base + d) >> 2];                                        \
      else                                                                \
        [[unroll]] for (uint e = 0u; e < 4u; e++)                         \
          if (d + e < lim)                                                \
            r[e] = buf[base + d + e];                                     \
    }                                                                     \
  return r;

vec4 load_q (bool ok, uint base, uint d) { LOAD4 (qb, qb4, FLAG_QK_VEC4, ok, base, d, pc.D) }
vec4 load_k (bool ok, uint base, uint d) { LOAD4 (kb, kb4, FLAG_QK_VEC4, ok, base, d, pc.D) }
vec4 load_v (bool ok, uint base, uint d) { LOAD4 (vb, vb4, FLAG_V_VEC4, ok, base, d, pc.Dv) }

/* Loader roles: Q/K chunk vec4 number u·WG + tid is row (or key) LR,
 * vec4 LC of the chunk; V chunk vec4 number u·WG + tid is key VR, vec4
 * VC. Consecutive invocations read consecutive global memory. */
#define LR(u) (((u) * WG + gl_LocalInvocationID.x) / BK4)
#define LC(u) (((u) * WG + gl_LocalInvocationID.x) % BK4)
#define VR(u) (((u) * WG + gl_LocalInvocationID.x) / DV4)
#define VC(u) (((u) * WG + gl_LocalInvocationID.x) % DV4)

/* Q rows q0 .., K rows kt .., head dims d .. d + BK into registers */
void
fetch_qk (inout vec4 pq[NQL], inout vec4 pk[NKL], uint q_base, uint k_base, uint q0,
          uint kt, uint d)
{
  [[unroll]] for (uint u = 0u; u < NQL; u++)
    {
      uint row = q0 + LR (u);
      pq[u] = load_q (row < pc.Lq, q_base + row * pc.D, d + 4u * LC (u));
    }
  [[unroll]] for (uint u = 0u; u < NKL; u++)
    {
      uint key = kt + LR (u);
      pk[u] = load_k (key < pc.Lk, k_base + key * pc.D, d + 4u * LC (u));
    }
}

/* V rows key0 .. key0 + VK into registers */
void
fetch_v (inout vec4 pv[NVL], uint v_base, uint key0)
{
  [[unroll]] for (uint u = 0u; u < NVL; u++)
    {
      uint key = key0 + VR (u);
      pv[u] = load_v (key < pc.Lk, v_base + key * pc.Dv, 4u * VC (u));
    }
}

void
main ()
{
  uint b = gl_WorkGroupID.z, h = gl_WorkGroupID.y;
  uint tid = gl_LocalInvocationID.x;
  uint tx = tid & 15u, ty = tid >> 4;
  uint q0 = gl_WorkGroupID.x * BR;
  uint bh = b * pc.H + h;
  uint q_base = pc.off_q + bh * pc.Lq * pc.D;
  uint k_base = pc.off_k + bh * pc.Lk * pc.D;
  uint v_base = pc.off_v + bh * pc.Lk * pc.Dv;
  uint bias_base = pc.off_bias + b * pc.bias_sb + h * pc.bias_sh;

  /* keys past the causal limit of this workgroup's last row are never used */
  uint k_end = pc.Lk;
  if (pc.causal != 0u)
    k_end = min (pc.Lk, q0 + BR);
  uint n_dc = (pc.D + BK - 1u) / BK;

  vec4 m = vec4 (NEG_INF), l = vec4 (0.0);
  vec4 o[4][NV4];
  [[unroll]] for (uint i = 0u; i < 4u; i++)
    [[unroll]] for (uint c = 0u; c < NV4; c++)
      o[i][c] = vec4 (0.0);

  /* prefetch registers: the next Q/K chunk, the next V chunk */
  vec4 pq[NQL], pk[NKL], pv[NVL];
  fetch_qk (pq, pk, q_base, k_base, q0, 0u, 0u);
  [[unroll]] for (uint u = 0u; u < NVL; u++)
    pv[u] = vec4 (0.0);

  for (uint kt = 0u; kt < k_end; kt += BC)
    {
      /* ---- S = Q·Kᵀ for rows 4·ty + i, keys kt + tx + 16·j ---- */
      float s[4][4];
      [[unroll]] for (uint i = 0u; i < 4u; i++)
        [[unroll]] for (uint j = 0u; j < 4u; j++)
          s[i][j] = 0.0;
      for (uint dc = 0u; dc < n_dc; dc++)
        {
          [[unroll]] for (uint u = 0u; u < NQL; u++)
            sa[LR (u) * QS + LC (u)] = pq[u];
          [[unroll]] for (uint u = 0u; u < NKL; u++)
            sa[K_OFF + LR (u) * QS + LC (u)] = pk[u];
          barrier ();
          if (dc + 1u < n_dc)
            fetch_qk (pq, pk, q_base, k_base, q0, kt, (dc + 1u) * BK);
          else
            fetch_v (pv, v_base, kt);
          [[unroll]] for (uint c4 = 0u; c4 < BK4; c4++)
            {
              vec4 kv[4];
              [[unroll]] for (uint j = 0u; j < 4u; j++)
                kv[j] = sa[K_OFF + (tx + 16u * j) * QS + c4];
              [[unroll]] for (uint i = 0u; i < 4u; i++)
                {
                  vec4 qv = sa[(4u * ty + i) * QS + c4];
                  [[unroll]] for (uint j = 0u; j < 4u; j++)
                    {
                      float a = s[i][j];
                      a = fma (qv.x, kv[j].x, a);
                      a = fma (qv.y, kv[j].y, a);
                      a = fma (qv.z, kv[j].z, a);
                      a = fma (qv.w, kv[j].w, a);
                      s[i][j] = a;
                    }
                }
            }
          barrier ();
        }

      /* ---- scale, bias, masks; the tile's row max over 16 invocations ---- */
      vec4 tmax = vec4 (NEG_INF);
      [[unroll]] for (uint i = 0u; i < 4u; i++)
        {
          uint row = q0 + 4u * ty + i;
          [[unroll]] for (uint j = 0u; j < 4u; j++)
            {
              uint key = kt + tx + 16u * j;
              float x = s[i][j] * pc.scale;
              if (pc.has_bias != 0u && row < pc.Lq && key < pc.Lk)
                x += biasb[bias_base + row * pc.Lk + key];
              bool valid = key < pc.Lk && (pc.causal == 0u || key <= row);
              s[i][j] = valid ? x : NEG_INF;
              tmax[i] = max (tmax[i], s[i][j]);
            }
        }
      sb[tx * PS + ty] = tmax;
      barrier ();
      [[unroll]] for (uint t = 0u; t < 16u; t++)
        tmax = max (tmax, sb[t * PS + ty]);
      vec4 m_new = max (m, tmax);
      /* a row that has seen only -inf so far keeps zero weight */
      vec4 corr;
      [[unroll]] for (uint i = 0u; i < 4u; i++)
        corr[i] = m_new[i] == NEG_INF ? 1.0 : exp (m[i] - m_new[i]);
      m = m_new;
      l *= corr;
      [[unroll]] for (uint i = 0u; i < 4u; i++)
        [[unroll]] for (uint c = 0u; c < NV4; c++)
          o[i][c] *= corr[i];
      [[unroll]] for (uint j = 0u; j < 4u; j++)
        {
          vec4 p;
          [[unroll]] for (uint i = 0u; i < 4u; i++)
            p[i] = s[i][j] == NEG_INF ? 0.0 : exp (s[i][j] - m_new[i]);
          l += p;
          sa[(tx + 16u * j) * PS + ty] = p;
        }
      /* stats reads done before V overwrites them; P visible */
      barrier ();

      /* ---- O += P·V over V chunks of VK keys ---- */
      for (uint vk = 0u; vk < BC; vk += VK)
        {
          [[unroll]] for (uint u = 0u; u < NVL; u++)
            sb[VR (u) * DV4 + VC (u)] = pv[u];
          barrier ();
          if (vk + VK < BC)
            fetch_v (pv, v_base, kt + vk + VK);
          else if (kt + BC < k_end)
            fetch_qk (pq, pk, q_base, k_base, q0, kt + BC, 0u);
          [[unroll]] for (uint kk = 0u; kk < VK; kk++)
            {
              vec4 p = sa[(vk + kk) * PS + ty];
              [[unroll]] for (uint c = 0u; c < NV4; c++)
                {
                  vec4 vv = sb[kk * DV4 + tx + 16u * c];
                  [[unroll]] for (uint i = 0u; i < 4u; i++)
                    o[i][c] = fma (vec4 (p[i]), vv, o[i][c]);
                }
            }
          barrier ();
        }
    }

  /* ---- row sums over the 16 invocations of a row, normalise, store ---- */
  sb[tx * PS + ty] = l;
  barrier ();
  l = vec4 (0.0);
  [[unroll]] for (uint t = 0u; t < 16u; t++)
    l += sb[t * PS + ty];
  [[unroll]] for (uint i = 0u; i < 4u; i++)
    {
      uint row = q0 + 4u * ty + i;
      if (row >= pc.Lq)
        continue;
      /* rows with no visible key (all masked) give zeros, as on the CPU */
      float inv = l[i] > 0.0 ? 1.0 / l[i] : 0.0;
      uint out_row = pc.off_d + (bh * pc.Lq + row) * pc.Dv;
      [[unroll]] for (uint c = 0u; c < NV4; c++)
        [[unroll]] for (uint e = 0u; e < 4u; e++)
          {
            uint d = 4u * (tx + 16u * c) + e;
            if (d < pc.Dv)
              dst[out_row + d] = o[i][c][e] * inv;
          }
    }
}
