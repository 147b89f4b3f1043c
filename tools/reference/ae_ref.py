#!/usr/bin/python3
"""Golden data for the FLUX.1 autoencoder: a tiny random-weight AE, encode and decode.

    /usr/bin/python3 tools/reference/ae_ref.py [--out tests/data/ae]

Writes model.safetensors (the names of ae.safetensors), in_image.npy -> out_latent.npy
(encode: posterior mean, scaled and shifted), in_latent.npy -> out_image.npy (decode),
dbg_*.npy intermediates, manifest.json and README.md.  Checks the reference against an
independent numpy float64 implementation first; a failed check exits 1 and leaves no
manifest.
"""

import argparse
import os
import platform
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ae_model as am  # noqa: E402
import ae_numpy  # noqa: E402
import refio  # noqa: E402
from flux_ref import FORMAT, FORMAT_VERSION, CheckFailed, expect, name_seed  # noqa: E402

SEED = 20240802
TOLERANCE = 1e-4

# GroupNorm(32) needs channels divisible by 32.  ch 32 with ch_mult (1, 2) grows the
# channels with depth like the real (1, 2, 4, 4): 32 channels at full resolution, 64 at
# the latent resolution (mid block and attention at 2 channels per group, so per-group
# statistics are really tested), nin_shortcut 32->64 in the encoder and 64->32 in the
# decoder.  (2, 1) would halve the bytes but leaves 1 channel per group in the mid block,
# where GroupNorm erases per-channel constants and some biases stop mattering.
# Stored as F16 (another dtype the loader must take) to keep the file at 1.3 MB.
CONFIG = dict(resolution=16, in_channels=3, ch=32, out_ch=3, ch_mult=[1, 2], num_res_blocks=1,
              z_channels=4, scale_factor=am.FLUX_SCALE_FACTOR, shift_factor=am.FLUX_SHIFT_FACTOR)
WEIGHT_DTYPE = "F16"
IMAGE_SHAPE = (1, 3, 16, 24)
LATENT_SHAPE = (1, 4, 8, 12)

TRACE_DOC = {
    "enc_mid": "encoder after mid (block_1, attn_1, block_2)",
    "enc_moments": "encoder output before DiagonalGaussian: [1, 2*z, h, w] = (mean, logvar)",
    "dec_mid": "decoder after conv_in and mid, input z already unscaled (z/scale + shift)",
    "dec_up0": "decoder after all up levels, before norm_out / conv_out: [1, ch, H, W]",
}


def random_weights(model, seed):
    """Convs N(0, 1/fan_in), biases N(0, 0.1^2), GroupNorm gamma 1 + N(0, 0.2^2), beta N(0, 0.1^2)."""
    sd = {}
    for name, p in model.state_dict().items():
        rng = np.random.default_rng(name_seed(seed, name))
        shape = tuple(p.shape)
        is_norm = ".norm" in name  # norm1, norm2, norm, norm_out are all GroupNorms
        if name.endswith(".weight") and is_norm:
            v = 1.0 + 0.2 * rng.standard_normal(shape)
        elif name.endswith(".bias"):
            v = 0.1 * rng.standard_normal(shape)
        else:
            v = rng.standard_normal(shape) / np.sqrt(np.prod(shape[1:]))
        sd[name] = v.astype(np.float32)
    return sd


# Dropping these changes nothing, by construction rather than by accident:
#  * AttnBlock k biases: q.(k + b) adds the same q.b to a whole softmax row (true of the
#    real AE as well);
#  * conv1 biases of ResnetBlocks at 32 channels: a per-channel constant right before a
#    GroupNorm with one channel per group is removed exactly (a tiny-config artefact).
# The check below verifies both that these have no effect and that all others do.
INVISIBLE = {
    "encoder.mid.attn_1.k.bias": "softmax is invariant to a per-row constant",
    "decoder.mid.attn_1.k.bias": "softmax is invariant to a per-row constant",
    "encoder.down.0.block.0.conv1.bias": "followed by GroupNorm(32) over 32 channels",
    "decoder.up.0.block.0.conv1.bias": "followed by GroupNorm(32) over 32 channels",
    "decoder.up.0.block.1.conv1.bias": "followed by GroupNorm(32) over 32 channels",
}


def sensitivity(sd, image, latent, enc, dec, trace):
    """Relative change of the outputs and recorded intermediates when one tensor is
    dropped (conv weights and biases 0, GroupNorm gamma 1).  Returns the least sensitive
    tensor outside INVISIBLE as (change, name) and the largest change among INVISIBLE."""
    ref = [enc, dec] + [v.numpy() for v in trace.values()]
    least, invisible = (np.inf, None), 0.0
    for name in sorted(sd):
        sd2 = dict(sd)
        neutral = ".norm" in name and name.endswith(".weight")
        sd2[name] = np.ones_like(sd[name]) if neutral else np.zeros_like(sd[name])
        tr2 = {}
        got = list(run(sd2, image, latent, tr2)) + [v.numpy() for v in tr2.values()]
        change = max(refio.max_rel_err(a, b) for a, b in zip(got, ref))
        if name in INVISIBLE:
            invisible = max(invisible, change)
        else:
            least = min(least, (change, name))
    return least, invisible


def run(sd, image, latent, trace=None):
    model = am.AutoEncoder(CONFIG)
    model.load_state_dict({k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in sd.items()})
    model.eval()
    with torch.no_grad():
        enc = model.encode(torch.from_numpy(image), trace)
        dec = model.decode(torch.from_numpy(latent), trace)
    return enc.numpy(), dec.numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "tests", "data", "ae"))
    out_dir = os.path.abspath(ap.parse_args().out)
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):
        if f.endswith((".npy", ".safetensors", ".json")):
            os.remove(os.path.join(out_dir, f))
    torch.set_num_threads(1)

    sd = random_weights(am.AutoEncoder(CONFIG), SEED)
    # the golden uses the stored (rounded) weights, widened to f32
    sd = {k: v.astype(np.float16).astype(np.float32) for k, v in sd.items()}
    meta = {"format": "pt", "rectify_golden": f"{FORMAT} v{FORMAT_VERSION}",
            "made_by": "tools/reference/ae_ref.py"}
    refio.write_safetensors(os.path.join(out_dir, "model.safetensors"),
                            {k: (v, WEIGHT_DTYPE) for k, v in sd.items()}, meta)

    rng = np.random.default_rng(name_seed(SEED, "input:image"))
    image = rng.uniform(-1.0, 1.0, IMAGE_SHAPE).astype(np.float32)
    latent = np.random.default_rng(name_seed(SEED, "input:latent")).standard_normal(LATENT_SHAPE)
    latent = latent.astype(np.float32)
    trace = {}
    enc, dec = run(sd, image, latent, trace)

    res = {}
    try:
        back, _, _ = refio.read_safetensors(os.path.join(out_dir, "model.safetensors"))
        expect(sorted(back) == sorted(sd) and all(np.array_equal(back[k], sd[k]) for k in sd),
               "ae: model.safetensors reads back to the weights the golden used")
        res["encode_f32_vs_numpy_f64_max_rel_err"] = refio.max_rel_err(
            enc[0], ae_numpy.encode(sd, CONFIG, image[0]))
        res["decode_f32_vs_numpy_f64_max_rel_err"] = refio.max_rel_err(
            dec[0], ae_numpy.decode(sd, CONFIG, latent[0]))
        for k in ("encode", "decode"):
            err = res[f"{k}_f32_vs_numpy_f64_max_rel_err"]
            expect(err < 1e-5, f"ae: torch f32 {k} matches numpy f64 (max rel err {err:.1e})")
        visible, invisible = sensitivity(sd, image, latent, enc, dec, trace)
        res["least_sensitive_tensor"] = {"tensor": visible[1], "rel_change_when_dropped": visible[0]}
        res["tensors_without_effect"] = INVISIBLE
        expect(visible[0] > 10 * TOLERANCE, "ae: dropping any other tensor changes an output or "
               f"intermediate by more than 10x the tolerance (least: {visible[1]}, {visible[0]:.1e})")
        expect(invisible < 1e-5, "ae: the tensors listed as without effect really have none "
               f"(largest change {invisible:.1e})")
    except CheckFailed as e:
        print(f"ae_ref: check failed: {e}", file=sys.stderr)
        return 1

    files = [refio.file_entry(out_dir, "model.safetensors", dtype=WEIGHT_DTYPE, tensors=len(sd))]
    for name, arr in (("in_image", image), ("out_latent", enc), ("in_latent", latent),
                      ("out_image", dec)):
        files.append(refio.file_entry(out_dir, refio.save_npy(out_dir, name, arr)))
    for k, v in trace.items():
        files.append(refio.file_entry(out_dir, refio.save_npy(out_dir, "dbg_" + k, v.numpy())))

    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "made_by": "tools/reference/ae_ref.py",
        "regenerate": "/usr/bin/python3 tools/reference/ae_ref.py --out tests/data/ae",
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "config": CONFIG,
        "seed": SEED,
        "weight_dtype": WEIGHT_DTYPE,
        "weights": "f16-rounded, widened to f32 for the golden",
        "conventions": {
            "npy": "little-endian float32, C order, NCHW with N = 1",
            "error_measure": "max|c - golden| / max|golden|",
            "suggested_tolerance_f32": TOLERANCE,
            "encode": "in_image in [-1, 1] -> out_latent = scale_factor * (mean - shift_factor)",
            "decode": "in_latent (scaled, shifted) -> "
                      "out_image = decoder(in_latent / scale_factor + shift_factor)",
        },
        "trace": TRACE_DOC,
        "checks": res,
        "files": files,
    }
    refio.write_json(os.path.join(out_dir, "manifest.json"), manifest)
    print(f"ae_ref: wrote {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
