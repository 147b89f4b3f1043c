/* rf-philox.h — counter-based random numbers (Philox4x32-10, Salmon et al.,
 * SC'11, as in Random123) and Gaussian noise derived from them.
 *
 * Element i of a noise tensor is a pure function of (seed, stream, i): no
 * state, so noise is the same whatever order, thread count or backend fills
 * it, and any slice can be made without making the rest.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One Philox4x32 block with 10 rounds: out = philox(ctr, key). */
void rf_philox4x32_10 (const guint32 ctr[4], const guint32 key[2], guint32 out[4]);

/**
 * rf_philox_normal:
 *
 * Fills out[0..n) with standard normal values: out[j] is element
 * (offset + j) of the noise tensor (seed, stream).
 *
 * Layout: element i belongs to block b = i / 4, made by one Philox call with
 * key = (seed low word, seed high word) and counter = (b low, b high, stream
 * low, stream high).  Its four words become uniforms u = (w + 0.5) / 2^32 in
 * (0, 1), and two Box-Muller pairs give four normals:
 * (u0, u1) -> sqrt(-2 ln u0) * (cos 2 pi u1, sin 2 pi u1), the same for (u2, u3).
 * Computed in double, rounded to float.
 */
void rf_philox_normal (guint64 seed, guint64 stream, guint64 offset, float *out, gsize n);

/* Uniforms in (0, 1) with the same (seed, stream, element) addressing as the
 * words under rf_philox_normal (before Box-Muller). */
void rf_philox_uniform (guint64 seed, guint64 stream, guint64 offset, double *out, gsize n);

G_END_DECLS
