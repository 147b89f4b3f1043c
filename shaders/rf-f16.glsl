// rf-f16.glsl — exact f16/bf16 <-> f32 conversions on bit patterns.
//
// Done in integer arithmetic so every device rounds the same way as the
// CPU reference (round to nearest even, NaN stays NaN, f32 subnormals are
// never flushed because values travel as uint bits). Used by shaders that
// read or write 16-bit storage, whether as native 16-bit buffers or
// unpacked from 32-bit words.
#ifndef RF_F16_GLSL
#define RF_F16_GLSL

float rf_f16_to_f32 (uint h)
{
  uint sign = (h & 0x8000u) << 16;
  uint e = (h >> 10) & 0x1fu;
  uint m = h & 0x3ffu;
  if (e == 0u)
    {
      // zero or subnormal: m * 2^-24 is exact in f32
      float v = float (m) * 5.9604644775390625e-8;
      return sign != 0u ? -v : v;
    }
  if (e == 31u)
    return uintBitsToFloat (sign | 0x7f800000u | (m << 13));
  return uintBitsToFloat (sign | ((e + 112u) << 23) | (m << 13));
}

uint rf_f32_bits_to_f16 (uint u)
{
  uint sign = (u >> 16) & 0x8000u;
  uint au = u & 0x7fffffffu;
  if (au >= 0x7f800000u)
    return sign | 0x7c00u | (au > 0x7f800000u ? 0x200u : 0u);
  if (au >= 0x477ff000u) // rounds to >= 65520: infinity
    return sign | 0x7c00u;
  if (au < 0x38800000u)
    {
      // subnormal or zero result: the 24-bit significand shifted right
      // by s = 126 - exponent, rounded to nearest even
      uint e = au >> 23;
      if (e < 102u)
        return sign;
      uint full = (au & 0x7fffffu) | 0x800000u;
      uint s = 126u - e;
      uint q = full >> s;
      uint r = full & ((1u << s) - 1u);
      uint half_ = 1u << (s - 1u);
      if (r > half_ || (r == half_ && (q & 1u) != 0u))
        q++;
      return sign | q;
    }
  uint h = (((au >> 23) - 112u) << 10) | ((au & 0x7fffffu) >> 13);
  uint rest = au & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u) != 0u))
    h++; // a carry into the exponent is the correct result
  return sign | h;
}

float rf_bf16_to_f32 (uint b)
{
  return uintBitsToFloat (b << 16);
}

uint rf_f32_bits_to_bf16 (uint u)
{
  if ((u & 0x7fffffffu) > 0x7f800000u)
    return ((u >> 16) | 0x40u) & 0xffffu; // quiet NaN
  return ((u + 0x7fffu + ((u >> 16) & 1u)) >> 16) & 0xffffu;
}

#endif
