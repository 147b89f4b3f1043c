// elementwise.comp — f32 arithmetic on strided, broadcast inputs.
//
// One variant per op, chosen by a define (see shaders/meson.build):
//   OP_ADD OP_SUB OP_MUL         dst = a ∘ b
//   OP_SCALE                     dst = a * f0 + f1
//   OP_GELU OP_SILU OP_RELU OP_TANH OP_SIGMOID   dst = f(a)
//   OP_MODULATE                  dst = a * (1 + c) + b   (a=x, b=shift, c=scale)
//   OP_GATED_ADD                 dst = a + b * c         (a=x, b=gate, c=y)
// Bindings: 0 dst, 1 a, 2 b, 3 c. The destination is written through
// its own strides, so the shader never assumes contiguity.
#version 450
#extension GL_GOOGLE_include_directive : require

#include "rf-eltwise.glsl"

layout (local_size_x = 256) in;

#if defined(OP_ADD) || defined(OP_SUB) || defined(OP_MUL)
#define N_SRC 2
#elif defined(OP_MODULATE) || defined(OP_GATED_ADD)
#define N_SRC 3
#else
#define N_SRC 1
#endif

layout (std430, binding = 0) writeonly buffer Dst { float d[]; };
layout (std430, binding = 1) readonly buffer SrcA { float a[]; };
#if N_SRC >= 2
layout (std430, binding = 2) readonly buffer SrcB { float b[]; };
#endif
#if N_SRC >= 3
layout (std430, binding = 3) readonly buffer SrcC { float c[]; };
#endif

// tanh without the inf/inf of exp-based forms: large |x| saturates to
// ±1, NaN stays NaN.
float rf_tanh (float x)
{
  float ax = abs (x);
  float t = ax < 1.0 ? tanh (ax) : 1.0 - 2.0 / (exp (2.0 * ax) + 1.0);
  return x < 0.0 ? -t : t;
}

float apply (float x, float y, float z)
{
#if defined(OP_ADD)
  return x + y;
#elif defined(OP_SUB)
  return x - y;
#elif defined(OP_MUL)
  return x * y;
#elif defined(OP_SCALE)
  return x * pc.f0 + pc.f1;
#elif defined(OP_GELU)
  // tanh approximation (PyTorch approximate="tanh") through the exact
  // identity 0.5·(1 + tanh(u)) = 1 / (1 + e^(−2u)): no cancellation for
  // negative x, and the same form as the CPU reference
  return x / (1.0 + exp (-1.5957691216057308 * (x + 0.044715 * x * x * x)));
#elif defined(OP_SILU)
  return x / (1.0 + exp (-x));
#elif defined(OP_RELU)
  // NaN passes through, as in PyTorch. Decided on the bits: without the
  // SignedZeroInfNanPreserve float mode a driver may compile `x < 0 ? 0 : x`
  // to max(x, 0), which gives 0 for NaN on NVIDIA.
  uint bits = floatBitsToUint (x);
  uint mag = bits & 0x7fffffffu;
  return (bits & 0x80000000u) != 0u && mag != 0u && mag <= 0x7f800000u ? 0.0 : x;
#elif defined(OP_TANH)
  return rf_tanh (x);
#elif defined(OP_SIGMOID)
  return 1.0 / (1.0 + exp (-x));
#elif defined(OP_MODULATE)
  return x * (1.0 + z) + y;
#elif defined(OP_GATED_ADD)
  return x + y * z;
#else
#error "elementwise.comp needs an OP_* define"
#endif
}

void main ()
{
  RF_ELTWISE_FOR_EACH (i)
    {
      uvec4 o = rf_eltwise_offsets (i);
      float y = 0.0, z = 0.0;
#if N_SRC >= 2
      y = b[o.z];
#endif
#if N_SRC >= 3
      z = c[o.w];
#endif
      d[o.x] = apply (a[o.y], y, z);
    }
}
