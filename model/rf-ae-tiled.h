/* rf-ae-tiled.h — autoencoder encode/decode in overlapping tiles. */
#pragma once

#include "rf-ae.h"

G_BEGIN_DECLS

/* Called after each tile; return FALSE (with @error set, e.g. cancelled)
 * to stop. */
typedef gboolean (*RfAeProgressFunc) (gpointer user_data, int done, int total,
                                      GError **error);

/* One tile through a model: returns a new tensor [1, out_c, h·num/den,
 * w·num/den] for @tile [1, C, h, w]. */
typedef RfTensor *(*RfTileFunc) (gpointer data, const RfTensor *tile, GError **error);

/* Runs @code over overlapping tiles of @in [1, C, H, W] (@tile and
 * @overlap in input pixels; the output is scaled by @num/@den) and blends
 * the results: no seams, and exactly the untiled result wherever the
 * overlap exceeds twice @code's receptive radius. Blending happens on the
 * host; the result is a new tensor on @in's backend. */
RfTensor *rf_tiled_apply (const RfTensor *in, gint64 tile, gint64 overlap, int num, int den,
                          gint64 out_c, RfTileFunc code, gpointer code_data,
                          RfAeProgressFunc progress, gpointer progress_data, GError **error);

/* Decodes @latent [1, z, h, w] in tiles of @tile × @tile latent pixels
 * overlapping by @overlap (e.g. 64 and 8): the result has the shape of
 * rf_ae_decode()'s, and equals it where one tile covers everything. */
RfTensor *rf_ae_decode_tiled (RfAe *ae, const RfTensor *latent, int tile, int overlap,
                              RfAeProgressFunc progress, gpointer progress_data,
                              GError **error);

/* Encodes @image [1, 3, H, W] in tiles of @tile latent pixels (×factor
 * image pixels) overlapping by @overlap latent pixels. */
RfTensor *rf_ae_encode_tiled (RfAe *ae, const RfTensor *image, int tile, int overlap,
                              RfAeProgressFunc progress, gpointer progress_data,
                              GError **error);

G_END_DECLS
