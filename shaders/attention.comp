#version 450
/* attention.comp — softmax(q·kᵀ·scale + bias) · v without the Lq×Lk matrix.
 *
 * A workgroup of 64 invocations owns ROWS = 16 query rows; each row is
 * split over LANES = 4 invocations that hold D_MAX/4 dims of q and of the
 * output accumulator in registers (small private arrays: large ones make
 * shader compilers spill or, on llvmpipe, take minutes). Key/value tiles
 * of BC rows are staged in shared memory; partial q·k dots meet in shared
 * memory and every lane of a row runs the same online softmax (running
 * max m, running sum l). D_MAX (define) bounds the head dims; larger heads
 * take the chunked path in vulkan/vk-op-attention.c.
 * Dispatch: x = ceil(Lq / ROWS), y = H, z = B. */

#ifndef D_MAX
#define D_MAX 128
#endif
#define ROWS 16
#define LANES 4
#define DC (D_MAX / LANES)
#define BC 16
#define WG (ROWS * LANES)

layout (local_size_x = WG, local_size_y = 1, local_size_z = 1) in;

layout (std430, set = 0, binding = 0) writeonly buffer Dst { float dst[]; };
layout (std430, set = 0, binding = 1) readonly buffer Q { float qb[]; };
layout (std430, set = 0, binding = 2) readonly buffer K { float kb[]; };
layout (std430, set = 0, binding = 3) readonly buffer V { float vb[]; };
layout (std430, set = 0, binding = 4) readonly buffer Bias { float biasb[]; };

/* mirrors RfVkAttentionPush in vulkan/vk-push-ops.h */
layout (push_constant) uniform Push {
  uint H, Lq, Lk, D, Dv;
  uint off_d, off_q, off_k, off_v, off_bias;
  uint has_bias, causal;
  uint bias_sb, bias_sh;   /* bias strides for batch and head (0 = broadcast) */
  float scale;
} pc;

shared float Ks[BC][D_MAX];
shared float Vs[BC][D_MAX];
shared float part[ROWS][BC][LANES];

const float NEG_INF = -1.0 / 0.0;

void
main ()
{
  uint b = gl_WorkGroupID.z, h = gl_WorkGroupID.y;
  uint tid = gl_LocalInvocationID.x;
  uint rl = tid / LANES, lane = tid % LANES;
  uint row = gl_WorkGroupID.x * ROWS + rl;
  uint bh = b * pc.H + h;
  bool live = row < pc.Lq;
  uint d0 = lane * DC;

  float q[DC], o[DC];
  for (uint i = 0; i < DC; i++)
    {
      uint d = d0 + i;
      q[i] = (live && d < pc.D) ? qb[pc.off_q + (bh * pc.Lq + row) * pc.D + d] * pc.scale : 0.0;
      o[i] = 0.0;
    }
  float m = NEG_INF, l = 0.0;
  uint bias_row = pc.off_bias + b * pc.bias_sb + h * pc.bias_sh + row * pc.Lk;
  /* keys past the causal limit of this workgroup's last row are never used */
  uint k_end = pc.Lk;
  if (pc.causal != 0u)
    k_end = min (pc.Lk, gl_WorkGroupID.x * ROWS + ROWS);

  for (uint k0 = 0; k0 < k_end; k0 += BC)
    {
      for (uint i = tid; i < BC * D_MAX; i += WG)
        {
          uint kr = i / D_MAX, d = i - kr * D_MAX;
          uint key = k0 + kr;
          Ks[kr][d] = (key < pc.Lk && d < pc.D) ? kb[pc.off_k + (bh * pc.Lk + key) * pc.D + d] : 0.0;
          Vs[kr][d] = (key < pc.Lk && d < pc.Dv) ? vb[pc.off_v + (bh * pc.Lk + key) * pc.Dv + d] : 0.0;
        }
      barrier ();
      for (uint j = 0; j < BC; j++)
        {
          float acc = 0.0;
          for (uint i = 0; i < DC; i++)
            acc = fma (q[i], Ks[j][d0 + i], acc);
          part[rl][j][lane] = acc;
        }
      barrier ();
      if (live)
        {
          float s[BC];
          float tile_max = NEG_INF;
          for (uint j = 0; j < BC; j++)
            {
              uint key = k0 + j;
              /* same summation order in every lane of the row */
              float acc = ((part[rl][j][0] + part[rl][j][1]) + part[rl][j][2]) + part[rl][j][3];
              if (pc.has_bias != 0u && key < pc.Lk)
                acc += biasb[bias_row + key];
              bool valid = key < pc.Lk && (pc.causal == 0u || key <= row);
              s[j] = valid ? acc : NEG_INF;
              tile_max = max (tile_max, s[j]);
            }
          float m_new = max (m, tile_max);
          /* a row that has seen only -inf so far keeps zero weight */
          float corr = (m_new == NEG_INF) ? 1.0 : exp (m - m_new);
          l *= corr;
          for (uint i = 0; i < DC; i++)
            o[i] *= corr;
          for (uint j = 0; j < BC; j++)
            {
              float p = (s[j] == NEG_INF) ? 0.0 : exp (s[j] - m_new);
              l += p;
              for (uint i = 0; i < DC; i++)
                o[i] = fma (p, Vs[j][d0 + i], o[i]);
            }
          m = m_new;
        }
      barrier ();
    }

  if (live)
    {
      /* rows with no visible key (all masked) give zeros, as on the CPU */
      float inv = l > 0.0 ? 1.0 / l : 0.0;
      for (uint i = 0; i < DC; i++)
        if (d0 + i < pc.Dv)
          dst[pc.off_d + (bh * pc.Lq + row) * pc.Dv + d0 + i] = o[i] * inv;
    }
}
