#version 450
/* attention.comp — softmax(q·kᵀ·scale + bias) · v without the Lq×Lk matrix.
 *
 * One invocation owns one query row: it keeps q and the output
 * accumulator in registers and runs the online softmax (running max m,
 * running sum l) over key tiles of BC rows that the workgroup stages in
 * shared memory. D_MAX (define) bounds the head dims; larger heads take
 * the chunked path in vulkan/vk-op-attention.c.
 * Dispatch: x = ceil(Lq / ROWS), y = H, z = B. */
#extension GL_EXT_control_flow_attributes : enable

#ifndef D_MAX
#define D_MAX 128
#endif
#define ROWS 64
#define BC 16

layout (local_size_x = ROWS, local_size_y = 1, local_size_z = 1) in;

layout (std430, set = 0, binding = 0) writeonly buffer Dst { float dst[]; };
layout (std430, set = 0, binding = 1) readonly buffer Q { float qb[]; };
layout (std430, set = 0, binding = 2) readonly buffer K { float kb[]; };
layout (std430, set = 0, binding = 3) readonly buffer V { float vb[]; };
layout (std430, set = 0, binding = 4) readonly buffer Bias { float biasb[]; };

/* mirrors RfVkAttentionPush in vulkan/vk-push.h */
layout (push_constant) uniform Push {
  uint H, Lq, Lk, D, Dv;
  uint off_d, off_q, off_k, off_v, off_bias;
  uint has_bias, causal;
  uint bias_sb, bias_sh;   /* bias strides for batch and head (0 = broadcast) */
  float scale;
} pc;

shared float Ks[BC][D_MAX];
shared float Vs[BC][D_MAX];

void
main ()
{
  uint b = gl_WorkGroupID.z, h = gl_WorkGroupID.y;
  uint row = gl_WorkGroupID.x * ROWS + gl_LocalInvocationID.x;
  uint bh = b * pc.H + h;
  bool live = row < pc.Lq;

  float q[D_MAX], o[D_MAX];
  [[unroll]] for (uint d = 0; d < D_MAX; d++)
    {
      q[d] = (live && d < pc.D) ? qb[pc.off_q + (bh * pc.Lq + row) * pc.D + d] * pc.scale : 0.0;
      o[d] = 0.0;
    }
  float m = -1.0 / 0.0, l = 0.0;
  uint bias_row = pc.off_bias + b * pc.bias_sb + h * pc.bias_sh + row * pc.Lk;
  /* keys beyond the causal limit of the last row of this workgroup are
   * never needed */
  uint k_end = pc.Lk;
  if (pc.causal != 0u)
    k_end = min (pc.Lk, gl_WorkGroupID.x * ROWS + ROWS);

  for (uint k0 = 0; k0 < k_end; k0 += BC)
    {
      for (uint i = gl_LocalInvocationID.x; i < BC * D_MAX; i += ROWS)
        {
          uint kr = i / D_MAX, d = i - kr * D_MAX;
          uint key = k0 + kr;
          Ks[kr][d] = (key < pc.Lk && d < pc.D) ? kb[pc.off_k + (bh * pc.Lk + key) * pc.D + d] : 0.0;
          Vs[kr][d] = (key < pc.Lk && d < pc.Dv) ? vb[pc.off_v + (bh * pc.Lk + key) * pc.Dv + d] : 0.0;
        }
      barrier ();
      if (live)
        {
          float s[BC];
          float tile_max = -1.0 / 0.0;
          [[unroll]] for (uint j = 0; j < BC; j++)
            {
              uint key = k0 + j;
              float acc = 0.0;
              [[unroll]] for (uint d = 0; d < D_MAX; d++)
                acc = fma (q[d], Ks[j][d], acc);
              if (pc.has_bias != 0u && key < pc.Lk)
                acc += biasb[bias_row + key];
              bool valid = key < pc.Lk && (pc.causal == 0u || key <= row);
              s[j] = valid ? acc : -1.0 / 0.0;
              tile_max = max (tile_max, s[j]);
            }
          float m_new = max (m, tile_max);
          /* a row that has seen only -inf so far keeps zero weight */
          float corr = (m_new == -1.0 / 0.0) ? 1.0 : exp (m - m_new);
          l *= corr;
          [[unroll]] for (uint d = 0; d < D_MAX; d++)
            o[d] *= corr;
          [[unroll]] for (uint j = 0; j < BC; j++)
            {
              float p = (s[j] == -1.0 / 0.0) ? 0.0 : exp (s[j] - m_new);
              l += p;
              [[unroll]] for (uint d = 0; d < D_MAX; d++)
                o[d] = fma (p, Vs[j][d], o[d]);
            }
          m = m_new;
        }
      barrier ();
    }

  if (live)
    {
      float inv = 1.0 / l;
      for (uint d = 0; d < pc.Dv; d++)
        dst[pc.off_d + (bh * pc.Lq + row) * pc.Dv + d] = o[d] * inv;
    }
}
