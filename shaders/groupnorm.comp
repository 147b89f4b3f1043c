#version 450
/* groupnorm.comp — x [B, C, S] normalised over each group of C/G
 * channels × S positions (a contiguous span), then per-channel affine.
 * One workgroup per (batch, group); two passes for mean and variance.
 * Dispatch: x = G, y = B. */

#define WG 256
layout (local_size_x = WG, local_size_y = 1, local_size_z = 1) in;

layout (std430, set = 0, binding = 0) writeonly buffer Dst { float dst[]; };
layout (std430, set = 0, binding = 1) readonly buffer Src { float src[]; };
layout (std430, set = 0, binding = 2) readonly buffer Weight { float weight[]; };
layout (std430, set = 0, binding = 3) readonly buffer Bias { float bias[]; };

/* mirrors RfVkGroupnormPush in vulkan/vk-push.h */
layout (push_constant) uniform Push {
  uint C, S, G;
  uint off_d, off_s, off_w, off_b;
  uint has_weight, has_bias;
  float eps;
} pc;

shared float red[WG];

float
sum_wg (float v)
{
  uint t = gl_LocalInvocationID.x;
  red[t] = v;
  barrier ();
  for (uint s = WG / 2u; s > 0u; s >>= 1)
    {
      if (t < s)
        red[t] += red[t + s];
      barrier ();
    }
  float r = red[0];
  barrier ();
  return r;
}

void
main ()
{
  uint g = gl_WorkGroupID.x, b = gl_WorkGroupID.y;
  uint cpg = pc.C / pc.G;
  uint n = cpg * pc.S;
  uint base = (b * pc.C + g * cpg) * pc.S;
  uint t = gl_LocalInvocationID.x;

  float acc = 0.0;
  for (uint i = t; i < n; i += WG)
    acc += src[pc.off_s + base + i];
  float mean = sum_wg (acc) / float (n);
  acc = 0.0;
  for (uint i = t; i < n; i += WG)
    {
      float d = src[pc.off_s + base + i] - mean;
      acc += d * d;
    }
  float inv = inversesqrt (sum_wg (acc) / float (n) + pc.eps);
  for (uint i = t; i < n; i += WG)
    {
      uint c = g * cpg + i / pc.S;
      float v = (src[pc.off_s + base + i] - mean) * inv;
      if (pc.has_weight != 0u)
        v *= weight[pc.off_w + c];
      if (pc.has_bias != 0u)
        v += bias[pc.off_b + c];
      dst[pc.off_d + base + i] = v;
    }
}
