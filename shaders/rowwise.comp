#version 450
/* rowwise.comp — ops that reduce along the last dimension, one workgroup
 * per row: LAYERNORM (two-pass mean/variance), RMSNORM (optional
 * weight), SOFTMAX (max-subtracted, scaled), REDUCE_SUM/MEAN/MAX.
 * Reductions go through shared memory (no subgroup-size assumptions:
 * lavapipe runs subgroups of 8, NVIDIA 32, AMD 64).
 * Dispatch: x = min(rows, 65535), y = ceil(rows / 65535). */

#define WG 128
layout (local_size_x = WG, local_size_y = 1, local_size_z = 1) in;

layout (std430, set = 0, binding = 0) writeonly buffer Dst { float dst[]; };
layout (std430, set = 0, binding = 1) readonly buffer Src { float src[]; };
layout (std430, set = 0, binding = 2) readonly buffer Weight { float weight[]; };

/* mirrors RfVkRowwisePush in vulkan/vk-push.h */
layout (push_constant) uniform Push {
  uint rows, n;
  uint off_d, off_s, off_w;
  uint has_weight;
  float eps;    /* norms */
  float scale;  /* softmax */
} pc;

shared float red[WG];

/* max that propagates NaN (SPIR-V FMax leaves NaN undefined), matching
 * the CPU reference */
float
nanmax (float a, float b)
{
  return isnan (a) ? a : (isnan (b) ? b : max (a, b));
}

#define OP_SUM 0
#define OP_MAX 1

float
reduce_wg (float v, int op)
{
  uint t = gl_LocalInvocationID.x;
  red[t] = v;
  barrier ();
  for (uint s = WG / 2u; s > 0u; s >>= 1)
    {
      if (t < s)
        red[t] = (op == OP_SUM) ? red[t] + red[t + s] : nanmax (red[t], red[t + s]);
      barrier ();
    }
  float r = red[0];
  barrier ();
  return r;
}

void
main ()
{
  uint row = gl_WorkGroupID.y * 65535u + gl_WorkGroupID.x;
  if (row >= pc.rows)
    return; /* uniform per workgroup: no barrier divergence */
  uint t = gl_LocalInvocationID.x;
  uint s0 = pc.off_s + row * pc.n;

#if defined(LAYERNORM)
  float acc = 0.0;
  for (uint i = t; i < pc.n; i += WG)
    acc += src[s0 + i];
  float mean = reduce_wg (acc, OP_SUM) / float (pc.n);
  acc = 0.0;
  for (uint i = t; i < pc.n; i += WG)
    {
      float d = src[s0 + i] - mean;
      acc += d * d;
    }
  float inv = inversesqrt (reduce_wg (acc, OP_SUM) / float (pc.n) + pc.eps);
  for (uint i = t; i < pc.n; i += WG)
    dst[pc.off_d + row * pc.n + i] = (src[s0 + i] - mean) * inv;
#elif defined(RMSNORM)
  float acc = 0.0;
  for (uint i = t; i < pc.n; i += WG)
    acc += src[s0 + i] * src[s0 + i];
  float inv = inversesqrt (reduce_wg (acc, OP_SUM) / float (pc.n) + pc.eps);
  for (uint i = t; i < pc.n; i += WG)
    {
      float w = pc.has_weight != 0u ? weight[pc.off_w + i] : 1.0;
      dst[pc.off_d + row * pc.n + i] = src[s0 + i] * inv * w;
    }
#elif defined(SOFTMAX)
  float mx = -1.0 / 0.0;
  for (uint i = t; i < pc.n; i += WG)
    mx = nanmax (mx, src[s0 + i] * pc.scale);
  mx = reduce_wg (mx, OP_MAX);
  float acc = 0.0;
  for (uint i = t; i < pc.n; i += WG)
    acc += exp (src[s0 + i] * pc.scale - mx);
  float inv = 1.0 / reduce_wg (acc, OP_SUM);
  /* a row of only -inf has no probability mass: zeros, as on the CPU */
  bool empty = mx == -1.0 / 0.0;
  for (uint i = t; i < pc.n; i += WG)
    dst[pc.off_d + row * pc.n + i] = empty ? 0.0 : exp (src[s0 + i] * pc.scale - mx) * inv;
#elif defined(REDUCE_SUM) || defined(REDUCE_MEAN)
  float acc = 0.0;
  for (uint i = t; i < pc.n; i += WG)
    acc += src[s0 + i];
  float r = reduce_wg (acc, OP_SUM);
#if defined(REDUCE_MEAN)
  r /= float (pc.n);
#endif
  if (t == 0u)
    dst[pc.off_d + row] = r;
#elif defined(REDUCE_MAX)
  float mx = -1.0 / 0.0;
  for (uint i = t; i < pc.n; i += WG)
    mx = nanmax (mx, src[s0 + i]);
  mx = reduce_wg (mx, OP_MAX);
  if (t == 0u)
    dst[pc.off_d + row] = mx;
#else
#error "define the row op"
#endif
}
