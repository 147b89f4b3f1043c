// copy.comp — strided copy with dtype conversion.
//
// Variants (shaders/meson.build) pick the source and destination
// storage with SRC_<T> and DST_<T>:
//   F32 F16 BF16  float types; values travel as f32 bit patterns and are
//                 converted exactly (rf-f16.glsl)
//   X8 X16 X32 X64  raw copies of same-dtype elements of 1, 2, 4, 8 bytes
// PACKED16 reads and writes 16-bit elements inside 32-bit words for
// devices without storageBuffer16BitAccess. 8-bit elements always live
// in words. Sub-word stores use atomicAnd/atomicOr, so neighbours
// written by other invocations are never clobbered.
// Bindings: 0 dst, 1 src.
#version 450
#extension GL_GOOGLE_include_directive : require

#include "rf-eltwise.glsl"
#include "rf-f16.glsl"

layout (local_size_x = 256) in;

#if (defined(SRC_F16) || defined(SRC_BF16) || defined(SRC_X16) || defined(DST_F16) \
     || defined(DST_BF16) || defined(DST_X16)) && !defined(PACKED16)
#extension GL_EXT_shader_16bit_storage : require
#define NATIVE16 1
#endif

#if defined(SRC_X64)
#define VAL uvec2
#else
#define VAL uint // f32 bits for float types, the raw element otherwise
#endif

// ---- source ----
#if defined(SRC_X64)
layout (std430, binding = 1) readonly buffer Src { uvec2 s[]; };
VAL load_src (uint e) { return s[e]; }
#elif defined(SRC_F32) || defined(SRC_X32)
layout (std430, binding = 1) readonly buffer Src { uint s[]; };
VAL load_src (uint e) { return s[e]; }
#elif defined(SRC_X8)
layout (std430, binding = 1) readonly buffer Src { uint s[]; };
VAL load_src (uint e) { return (s[e >> 2] >> ((e & 3u) * 8u)) & 0xffu; }
#else // 16-bit source
#if defined(NATIVE16)
layout (std430, binding = 1) readonly buffer Src { uint16_t s[]; };
uint load16 (uint e) { return uint (s[e]); }
#else
layout (std430, binding = 1) readonly buffer Src { uint s[]; };
uint load16 (uint e) { return (s[e >> 1] >> ((e & 1u) * 16u)) & 0xffffu; }
#endif
#if defined(SRC_F16)
VAL load_src (uint e) { return floatBitsToUint (rf_f16_to_f32 (load16 (e))); }
#elif defined(SRC_BF16)
VAL load_src (uint e) { return load16 (e) << 16; }
#else
VAL load_src (uint e) { return load16 (e); }
#endif
#endif

// ---- destination ----
#if defined(DST_X64)
layout (std430, binding = 0) writeonly buffer Dst { uvec2 d[]; };
void store_dst (uint e, VAL v) { d[e] = v; }
#elif defined(DST_F32) || defined(DST_X32)
layout (std430, binding = 0) writeonly buffer Dst { uint d[]; };
void store_dst (uint e, VAL v) { d[e] = v; }
#elif defined(DST_X8)
layout (std430, binding = 0) buffer Dst { uint d[]; };
void store_dst (uint e, VAL v)
{
  uint shift = (e & 3u) * 8u;
  atomicAnd (d[e >> 2], ~(0xffu << shift));
  atomicOr (d[e >> 2], (v & 0xffu) << shift);
}
#else // 16-bit destination
#if defined(NATIVE16)
layout (std430, binding = 0) writeonly buffer Dst { uint16_t d[]; };
void store16 (uint e, uint h) { d[e] = uint16_t (h); }
#else
layout (std430, binding = 0) buffer Dst { uint d[]; };
void store16 (uint e, uint h)
{
  uint shift = (e & 1u) * 16u;
  atomicAnd (d[e >> 1], ~(0xffffu << shift));
  atomicOr (d[e >> 1], (h & 0xffffu) << shift);
}
#endif
#if defined(DST_F16)
void store_dst (uint e, VAL v) { store16 (e, rf_f32_bits_to_f16 (v)); }
#elif defined(DST_BF16)
void store_dst (uint e, VAL v) { store16 (e, rf_f32_bits_to_bf16 (v)); }
#else
void store_dst (uint e, VAL v) { store16 (e, v); }
#endif
#endif

void main ()
{
  RF_ELTWISE_FOR_EACH (i)
    {
      uvec4 o = rf_eltwise_offsets (i);
      store_dst (o.x, load_src (o.y));
    }
}
