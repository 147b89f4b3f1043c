#version 450
/* misc.comp — small per-element ops, one invocation per output element:
 *   ROPE       x [R, L, D] with pe [L, D/2, 2] (cos, sin) on adjacent pairs
 *   TIMESTEP   t [B] → [B, dim]: cat(cos, sin) (or sin first) of
 *              time_factor·t·exp(−ln(max_period)·k/half)
 *   UPSAMPLE   nearest ×2: [R, H, W] → [R, 2H, 2W]
 * Dispatch: x = min(groups, 65535), y = ceil(groups / 65535) with
 * groups = ceil(count / 256). */

layout (local_size_x = 256, local_size_y = 1, local_size_z = 1) in;

layout (std430, set = 0, binding = 0) writeonly buffer Dst { float dst[]; };
layout (std430, set = 0, binding = 1) readonly buffer Src { float src[]; };
layout (std430, set = 0, binding = 2) readonly buffer Aux { float aux[]; };

/* mirrors RfVkMiscPush in vulkan/vk-push.h */
layout (push_constant) uniform Push {
  uint count;          /* output elements (ROPE: pairs) */
  uint off_d, off_s, off_a;
  uint d0, d1, d2;     /* ROPE: L, D/2; TIMESTEP: dim, half, sin_first; UPSAMPLE: H, W */
  float f0, f1;        /* TIMESTEP: time_factor, ln(max_period) */
} pc;

void
main ()
{
  uint i = (gl_WorkGroupID.y * 65535u + gl_WorkGroupID.x) * 256u + gl_LocalInvocationID.x;
  if (i >= pc.count)
    return;
#if defined(ROPE)
  /* i indexes pairs: row r, position l, pair p */
  uint half_d = pc.d1;
  uint p = i % half_d;
  uint l = (i / half_d) % pc.d0;
  float c = aux[pc.off_a + (l * half_d + p) * 2u];
  float s = aux[pc.off_a + (l * half_d + p) * 2u + 1u];
  float x0 = src[pc.off_s + 2u * i], x1 = src[pc.off_s + 2u * i + 1u];
  dst[pc.off_d + 2u * i] = c * x0 - s * x1;
  dst[pc.off_d + 2u * i + 1u] = s * x0 + c * x1;
#elif defined(TIMESTEP)
  uint dim = pc.d0, half_n = pc.d1;
  uint b = i / dim, j = i - b * dim;
  float v = 0.0;
  if (j < 2u * half_n)
    {
      uint k = j < half_n ? j : j - half_n;
      /* the frequency in f32 exactly as the reference computes it */
      float freq = exp (-pc.f1 * float (k) / float (half_n));
      float a = pc.f0 * src[pc.off_s + b] * freq;
      /* arguments reach ~1000 (t·1000): reduce to [-π, π] first, since
       * Vulkan only bounds sin/cos error there (Cody–Waite, 2π split into
       * an exactly representable head and a tail) */
      float n = floor (a * 0.15915494309189535 + 0.5);
      a = fma (-n, 6.28125, a);
      a = fma (-n, 1.9353071795864769e-3, a);
      bool first = j < half_n;
      bool use_sin = (pc.d2 != 0u) ? first : !first;
      v = use_sin ? sin (a) : cos (a);
    }
  dst[pc.off_d + i] = v;
#elif defined(UPSAMPLE)
  uint w2 = 2u * pc.d1, h2 = 2u * pc.d0;
  uint x = i % w2, y = (i / w2) % h2, r = i / (w2 * h2);
  dst[pc.off_d + i] = src[pc.off_s + (r * pc.d0 + y / 2u) * pc.d1 + x / 2u];
#else
#error "define the op"
#endif
}
