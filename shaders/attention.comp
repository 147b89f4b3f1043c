#version 450
/* attention.comp — softmax(q·kᵀ·scale + bias) · v without the Lq×Lk matrix
 * (flash-attention style, f32 throughout).
 *
 * A workgroup of 256 invocations (tx = tid % 16, ty = tid / 16) owns
 * BR = 64 query rows and walks the keys in tiles of BC = 64:
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
 * Shared memory: region A (Q, K chunks, later P) 18 KiB, region B (V
 * chunk, and the row-statistics array) 8 KiB: 26 KiB, under the 32 KiB of
 * lavapipe. No subgroup operations: any subgroup size works.
 * D_MAX (define, 64 or 128) bounds the head dims; larger heads take the
 * chunked path in vulkan/vk-op-attention.c.
 * Dispatch: x = ceil(Lq / BR), y = H, z = B. */
#extension GL_EXT_control_flow_attributes : enable

#ifndef D_MAX
#define D_MAX 128
#endif
#define BR 64
#define BC 64
#define BK 32                 /* head dims per S chunk */
#define BK4 (BK / 4)
#define QS (BK4 + 1)          /* vec4 row stride of the Q/K chunks */
#define PS 17                 /* vec4 row stride of P and of the stats array */
#define DV4 (D_MAX / 4)       /* vec4 per V row */
#define NV4 (D_MAX / 64)      /* output vec4 per row and invocation */
#define VK (2048 / D_MAX)     /* keys per V chunk: 512 vec4, 2 per invocation */
#define WG 256

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

#define A_SIZE (2 * BR * QS > BC * PS ? 2 * BR * QS : BC * PS)
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

  /* loader roles: Q/K chunk element u·256 + tid is row (or key) / BK4,
   * vec4 % BK4; V chunk element is key / DV4, vec4 % DV4 */
  uint lr[2], lc[2], vr[2], vc[2];
  [[unroll]] for (uint u = 0u; u < 2u; u++)
    {
      uint idx = u * WG + tid;
      lr[u] = idx / BK4;
      lc[u] = idx % BK4;
      vr[u] = idx / DV4;
      vc[u] = idx % DV4;
    }

  vec4 m = vec4 (NEG_INF), l = vec4 (0.0);
  vec4 o[4][NV4];
  [[unroll]] for (uint i = 0u; i < 4u; i++)
    [[unroll]] for (uint c = 0u; c < NV4; c++)
      o[i][c] = vec4 (0.0);

  /* prefetch registers: the next Q/K chunk, the next V chunk */
  vec4 pq[2], pk[2], pv[2];
  [[unroll]] for (uint u = 0u; u < 2u; u++)
    {
      uint row = q0 + lr[u], key = lr[u];
      pq[u] = load_q (row < pc.Lq, q_base + row * pc.D, lc[u] * 4u);
      pk[u] = load_k (key < pc.Lk, k_base + key * pc.D, lc[u] * 4u);
      pv[u] = vec4 (0.0);
    }

  for (uint kt = 0u; kt < k_end; kt += BC)
    {
      /* ---- S = Q·Kᵀ for rows 4·ty + i, keys kt + tx + 16·j ---- */
      float s[4][4];
      [[unroll]] for (uint i = 0u; i < 4u; i++)
        [[unroll]] for (uint j = 0u; j < 4u; j++)
          s[i][j] = 0.0;
      for (uint dc = 0u; dc < n_dc; dc++)
        {
          [[unroll]] for (uint u = 0u; u < 2u; u++)
            {
              sa[lr[u] * QS + lc[u]] = pq[u];
              sa[K_OFF + lr[u] * QS + lc[u]] = pk[u];
            }
          barrier ();
          if (dc + 1u < n_dc)
            {
              uint d = (dc + 1u) * BK;
              [[unroll]] for (uint u = 0u; u < 2u; u++)
                {
                  uint row = q0 + lr[u], key = kt + lr[u];
                  pq[u] = load_q (row < pc.Lq, q_base + row * pc.D, d + lc[u] * 4u);
                  pk[u] = load_k (key < pc.Lk, k_base + key * pc.D, d + lc[u] * 4u);
                }
            }
          else
            {
              [[unroll]] for (uint u = 0u; u < 2u; u++)
                {
                  uint key = kt + vr[u];
                  pv[u] = load_v (key < pc.Lk, v_base + key * pc.Dv, vc[u] * 4u);
                }
            }
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
          [[unroll]] for (uint u = 0u; u < 2u; u++)
            sb[vr[u] * DV4 + vc[u]] = pv[u];
          barrier ();
          if (vk + VK < BC)
            {
              [[unroll]] for (uint u = 0u; u < 2u; u++)
                {
                  uint key = kt + vk + VK + vr[u];
                  pv[u] = load_v (key < pc.Lk, v_base + key * pc.Dv, vc[u] * 4u);
                }
            }
          else if (kt + BC < k_end)
            {
              [[unroll]] for (uint u = 0u; u < 2u; u++)
                {
                  uint row = q0 + lr[u], key = kt + BC + lr[u];
                  pq[u] = load_q (row < pc.Lq, q_base + row * pc.D, lc[u] * 4u);
                  pk[u] = load_k (key < pc.Lk, k_base + key * pc.D, lc[u] * 4u);
                }
            }
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
