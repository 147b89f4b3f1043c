/* bench-models.h — the medium model set of the benchmarks: random f16
 * weights, hidden 512 (4 heads of 128, RoPE 16/56/56), 2 double + 4
 * single blocks, T5/CLIP-wide inputs (4096, 768), and a FLUX-shaped
 * autoencoder with ch 64 (factor 8, 16 channels): the real code paths at
 * a fraction of FLUX.1's size. Both return FALSE when the file cannot be
 * written. */
#pragma once

#include <glib.h>

gboolean bench_write_medium_flux (const char *path);
gboolean bench_write_medium_ae (const char *path);
