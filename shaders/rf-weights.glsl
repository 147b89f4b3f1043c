/* weights.glsl — decode one weight element from a storage buffer.
 *
 * Weights stay in their file dtype in VRAM. 16- and 8-bit types are read
 * through a uint array so no 16-bit storage feature is needed:
 * `e` is the element index counted from the binding's start.
 * Define exactly one of W_F32, W_F16, W_BF16, W_F8E4M3, W_F8E5M2 and
 * declare the buffer as `wbuf` (float[] for W_F32, uint[] otherwise). */

#if defined(W_F32)
float load_w (uint e) { return wbuf[e]; }
#elif defined(W_F16)
float load_w (uint e)
{
  uint u = wbuf[e >> 1];
  return unpackHalf2x16 ((e & 1u) == 0u ? u : (u >> 16)).x;
}
#elif defined(W_BF16)
float load_w (uint e)
{
  uint u = wbuf[e >> 1];
  return uintBitsToFloat ((e & 1u) == 0u ? (u << 16) : (u & 0xffff0000u));
}
#elif defined(W_F8E4M3)
float load_w (uint e)
{
  /* E4M3FN: bias 7, no infinities, S.1111.111 is NaN */
  uint v = (wbuf[e >> 2] >> (8u * (e & 3u))) & 0xffu;
  uint ex = (v >> 3) & 0xfu, m = v & 7u;
  float r;
  if (ex == 15u && m == 7u)
    r = uintBitsToFloat (0x7fc00000u);
  else if (ex == 0u)
    r = float (m) * (1.0 / 512.0);
  else
    r = ldexp (1.0 + float (m) / 8.0, int (ex) - 7);
  return (v & 0x80u) != 0u ? -r : r;
}
#elif defined(W_F8E5M2)
float load_w (uint e)
{
  /* E5M2 is the upper byte of an IEEE half */
  uint v = (wbuf[e >> 2] >> (8u * (e & 3u))) & 0xffu;
  return unpackHalf2x16 (v << 8).x;
}
#elif defined(W_Q8_0) || defined(W_Q4_0) || defined(W_Q4_1) || defined(W_Q5_0) \
  || defined(W_Q5_1) || defined(W_Q4_K) || defined(W_Q5_K) || defined(W_Q6_K)
/* llama.cpp block types (ggml-common.h layouts; the CPU decoder in
 * model/rf-quant.c documents each). Weights are addressed by the byte
 * where their row starts and the element index k within the row. */
#define W_QUANT 1
uint rd8 (uint byte) { return (wbuf[byte >> 2] >> (8u * (byte & 3u))) & 0xffu; }
/* halves in blocks sit at even offsets, so never straddle two uints */
float rd_f16 (uint byte) { return unpackHalf2x16 (wbuf[byte >> 2] >> (8u * (byte & 2u))).x; }

#if defined(W_Q8_0)
#define QK 32u
#define QBYTES 34u
float load_wq (uint row, uint k)
{
  uint blk = row + (k / QK) * QBYTES, j = k % QK;
  int q = int (rd8 (blk + 2u + j) << 24) >> 24; /* sign-extend int8 */
  return rd_f16 (blk) * float (q);
}
#elif defined(W_Q4_0) || defined(W_Q4_1)
#define QK 32u
#if defined(W_Q4_0)
#define QBYTES 18u
#define QS 2u
#else
#define QBYTES 20u
#define QS 4u
#endif
float load_wq (uint row, uint k)
{
  uint blk = row + (k / QK) * QBYTES, j = k % QK;
  uint b = rd8 (blk + QS + (j & 15u));
  float q = float (j < 16u ? (b & 15u) : (b >> 4));
#if defined(W_Q4_0)
  return rd_f16 (blk) * (q - 8.0);
#else
  return fma (rd_f16 (blk), q, rd_f16 (blk + 2u));
#endif
}
#elif defined(W_Q5_0) || defined(W_Q5_1)
#define QK 32u
#if defined(W_Q5_0)
#define QBYTES 22u
#define QH 2u
#else
#define QBYTES 24u
#define QH 4u
#endif
float load_wq (uint row, uint k)
{
  uint blk = row + (k / QK) * QBYTES, j = k % QK;
  uint qh = rd8 (blk + QH + j / 8u) >> (j % 8u) & 1u; /* bit j of the 32-bit qh */
  uint b = rd8 (blk + QH + 4u + (j & 15u));
  float q = float ((j < 16u ? (b & 15u) : (b >> 4)) | (qh << 4));
#if defined(W_Q5_0)
  return rd_f16 (blk) * (q - 16.0);
#else
  return fma (rd_f16 (blk), q, rd_f16 (blk + 2u));
#endif
}
#elif defined(W_Q4_K) || defined(W_Q5_K)
#define QK 256u
#if defined(W_Q4_K)
#define QBYTES 144u
#define QS 16u
#else
#define QBYTES 176u
#define QS 48u
#endif
/* 6-bit scale and min of sub-block `s` (get_scale_min_k4) */
void scale_min (uint blk, uint s, out float sc, out float mn)
{
  uint q = blk + 4u; /* scales[12] */
  if (s < 4u)
    {
      sc = float (rd8 (q + s) & 63u);
      mn = float (rd8 (q + s + 4u) & 63u);
    }
  else
    {
      sc = float ((rd8 (q + s + 4u) & 15u) | ((rd8 (q + s - 4u) >> 6) << 4));
      mn = float ((rd8 (q + s + 4u) >> 4) | ((rd8 (q + s) >> 6) << 4));
    }
}
float load_wq (uint row, uint k)
{
  uint blk = row + (k / QK) * QBYTES, j = k % QK;
  uint sub = j / 32u, l = j % 32u;
  uint b = rd8 (blk + QS + (j / 64u) * 32u + l);
  uint q = (sub & 1u) == 0u ? (b & 15u) : (b >> 4);
#if defined(W_Q5_K)
  q |= ((rd8 (blk + 16u + l) >> sub) & 1u) << 4; /* qh[32] after scales */
#endif
  float sc, mn;
  scale_min (blk, sub, sc, mn);
  return rd_f16 (blk) * sc * float (q) - rd_f16 (blk + 2u) * mn;
}
#elif defined(W_Q6_K)
#define QK 256u
#define QBYTES 210u
float load_wq (uint row, uint k)
{
  /* ql[128] at 0, qh[64] at 128, int8 scales[16] at 192, half d at 208 */
  uint blk = row + (k / QK) * QBYTES, j = k % QK;
  uint n = j / 128u, r = j % 128u, quarter = r / 32u, l = r % 32u;
  uint b = rd8 (blk + n * 64u + l + (quarter & 1u) * 32u);
  uint lo = quarter >= 2u ? (b >> 4) : (b & 15u);
  uint hi = (rd8 (blk + 128u + n * 32u + l) >> (2u * quarter)) & 3u;
  int sc = int (rd8 (blk + 192u + n * 8u + l / 16u + 2u * quarter) << 24) >> 24;
  return rd_f16 (blk + 208u) * float (sc) * float (int (lo | (hi << 4)) - 32);
}
#endif
#else
#error "define a weight type"
#endif
