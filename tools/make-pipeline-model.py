#!/usr/bin/python3
"""Writes the tiny pipeline model set (tests/data/pipeline/) and the example images (examples/).

The model set is what `rectify generate|invert|reconstruct|edit|inpaint` runs on when no real
FLUX.1 files are installed, and what tests/pipeline runs on.  It checks the pipeline only:
the weights are random, so images come out as structured noise.

    flux-dev.safetensors      FLUX transformer, dev layout (guidance_in present)
    flux-schnell.safetensors  the same without guidance_in
    flux-fill.safetensors     FLUX.1 Fill layout: img_in takes 64 latent + 64 masked-image
                              latent + 4 * f^2 mask channels (f = 2 here, so 144)
    ae.safetensors            FLUX autoencoder with 16 latent channels, ch 32, ch_mult [1, 1]
                              (downsampling factor 2, the real one has 8)
    taef1.safetensors         TAEF1 preview decoder (madebyollin/taesd Decoder, diffusers
                              AutoencoderTiny names) at width 8; it upsamples by 8 like the
                              real one, so its previews are resized to the work size

Transformer: hidden 32, 2 heads of 16 (RoPE axes 4/6/6 in `rectify.axes_dim`), 1 double +
1 single block, mlp 128, context 32, pooled vector 32.  Random weights as the golden
generators make them (matrices N(0, 1/fan_in), biases N(0, 0.01), norm scales 1 + N(0, 0.04)),
each tensor seeded from its name, so the three transformers share every tensor they have in
common.  One deliberate change: time_in.in_layer only sees the low-frequency half of the
timestep embedding (columns whose angle 1000 t f_k stays below 3 rad); with every column
the random velocity would oscillate in t with a period of ~0.006 and no solver at a sane step
count could follow it, so the convergence tests (reconstruct error vs steps, RF-Solver vs
Euler) would measure noise.  Real FLUX is smooth in t because it was trained.

`rectify.test_model = 1` in the metadata tells the pipeline that this set has no text
encoder and may use its deterministic test conditioning (prompt hashed into embeddings).

Weights are F16 (about 1 MB in all).  Byte-identical on every run:

    /usr/bin/python3 tools/make-pipeline-model.py
"""

import os
import struct
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "reference"))
import refio  # noqa: E402

H, HEADS, MLP, CTX, VEC = 32, 2, 128, 32, 32
DEPTH, DEPTH_SINGLE = 1, 1
Z, AE_CH, AE_MULT, AE_RES = 16, 32, (1, 1), 1
FACTOR = 2 ** (len(AE_MULT) - 1)


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode("utf-8")) ^ 0x5EED)


def weight(name, shape):
    g = rng_for(name)
    if name.endswith(".bias"):
        return 0.01 * g.standard_normal(shape)
    fan_in = int(np.prod(shape[1:]))
    return g.standard_normal(shape) / np.sqrt(fan_in)


def linear(t, name, out, inp):
    t[name + ".weight"] = weight(name + ".weight", (out, inp))
    t[name + ".bias"] = weight(name + ".bias", (out,))


def flux(in_channels, guidance):
    t = {}
    linear(t, "img_in", H, in_channels)
    linear(t, "time_in.in_layer", H, 256)
    # low-frequency columns only (see the module doc): k >= K_LOW for cos and sin halves
    freqs = np.exp(-np.log(10000.0) * np.arange(128) / 128.0)
    low = 1000.0 * freqs <= 3.0
    keep = np.concatenate([low, low])
    t["time_in.in_layer.weight"] = t["time_in.in_layer.weight"] * keep[None, :]
    linear(t, "time_in.out_layer", H, H)
    linear(t, "vector_in.in_layer", H, VEC)
    linear(t, "vector_in.out_layer", H, H)
    if guidance:
        linear(t, "guidance_in.in_layer", H, 256)
        linear(t, "guidance_in.out_layer", H, H)
    linear(t, "txt_in", H, CTX)
    d = H // HEADS
    for i in range(DEPTH):
        for s in ("img", "txt"):
            p = f"double_blocks.{i}.{s}"
            linear(t, p + "_mod.lin", 6 * H, H)
            linear(t, p + "_attn.qkv", 3 * H, H)
            for n in ("query_norm", "key_norm"):
                k = f"{p}_attn.norm.{n}.scale"
                t[k] = 1.0 + 0.04 * rng_for(k).standard_normal(d)
            linear(t, p + "_attn.proj", H, H)
            linear(t, p + "_mlp.0", MLP, H)
            linear(t, p + "_mlp.2", H, MLP)
    for i in range(DEPTH_SINGLE):
        p = f"single_blocks.{i}"
        linear(t, p + ".linear1", 3 * H + MLP, H)
        linear(t, p + ".linear2", H, H + MLP)
        for n in ("query_norm", "key_norm"):
            k = f"{p}.norm.{n}.scale"
            t[k] = 1.0 + 0.04 * rng_for(k).standard_normal(d)
        linear(t, p + ".modulation.lin", 3 * H, H)
    linear(t, "final_layer.linear", 64, H)
    linear(t, "final_layer.adaLN_modulation.1", 2 * H, H)
    return t


def conv(t, name, out, inp, k):
    t[name + ".weight"] = weight(name + ".weight", (out, inp, k, k))
    t[name + ".bias"] = weight(name + ".bias", (out,))


def group_norm(t, name, ch):
    g = rng_for(name)
    t[name + ".weight"] = 1.0 + 0.04 * g.standard_normal(ch)
    t[name + ".bias"] = 0.01 * g.standard_normal(ch)


def resnet(t, p, inp, out):
    group_norm(t, p + ".norm1", inp)
    conv(t, p + ".conv1", out, inp, 3)
    group_norm(t, p + ".norm2", out)
    conv(t, p + ".conv2", out, out, 3)
    if inp != out:
        conv(t, p + ".nin_shortcut", out, inp, 1)


def mid(t, side, c):
    resnet(t, side + ".mid.block_1", c, c)
    group_norm(t, side + ".mid.attn_1.norm", c)
    for n in ("q", "k", "v", "proj_out"):
        conv(t, f"{side}.mid.attn_1.{n}", c, c, 1)
    resnet(t, side + ".mid.block_2", c, c)


def autoencoder():
    t = {}
    last = len(AE_MULT) - 1
    conv(t, "encoder.conv_in", AE_CH, 3, 3)
    block_in = AE_CH
    for i, m in enumerate(AE_MULT):
        for j in range(AE_RES):
            resnet(t, f"encoder.down.{i}.block.{j}", block_in, AE_CH * m)
            block_in = AE_CH * m
        if i != last:
            conv(t, f"encoder.down.{i}.downsample.conv", block_in, block_in, 3)
    mid(t, "encoder", block_in)
    group_norm(t, "encoder.norm_out", block_in)
    conv(t, "encoder.conv_out", 2 * Z, block_in, 3)
    block_in = AE_CH * AE_MULT[last]
    conv(t, "decoder.conv_in", block_in, Z, 3)
    mid(t, "decoder", block_in)
    for i in range(last, -1, -1):
        for j in range(AE_RES + 1):
            resnet(t, f"decoder.up.{i}.block.{j}", block_in, AE_CH * AE_MULT[i])
            block_in = AE_CH * AE_MULT[i]
        if i != 0:
            conv(t, f"decoder.up.{i}.upsample.conv", block_in, block_in, 3)
    group_norm(t, "decoder.norm_out", block_in)
    conv(t, "decoder.conv_out", 3, block_in, 3)
    return t


TAE_WIDTH = 8


def taef1():
    """Decoder layers (diffusers numbering): 0 conv, 1 ReLU, then 3 x [3 Blocks, Upsample,
    conv without bias], a Block and the output conv; a Block is conv.0/conv.2/conv.4."""
    t = {}
    conv(t, "decoder.layers.0", TAE_WIDTH, Z, 3)
    layer = 2
    for _ in range(3):
        for _ in range(3):
            for c in (0, 2, 4):
                conv(t, f"decoder.layers.{layer}.conv.{c}", TAE_WIDTH, TAE_WIDTH, 3)
            layer += 1
        layer += 1  # nearest x2
        name = f"decoder.layers.{layer}.weight"
        t[name] = weight(name, (TAE_WIDTH, TAE_WIDTH, 3, 3))
        layer += 1
    for c in (0, 2, 4):
        conv(t, f"decoder.layers.{layer}.conv.{c}", TAE_WIDTH, TAE_WIDTH, 3)
    conv(t, f"decoder.layers.{layer + 1}", 3, TAE_WIDTH, 3)
    return t


def save(path, tensors, meta):
    refio.write_safetensors(path, {k: (v.astype(np.float32), "F16") for k, v in tensors.items()},
                            meta)
    return os.path.getsize(path)


# --- example images (plain zlib PNG writer: no imaging package needed) ---

def write_png(path, rgb_or_gray):
    a = np.ascontiguousarray(rgb_or_gray, dtype=np.uint8)
    h, w = a.shape[:2]
    color = 2 if a.ndim == 3 else 0
    raw = b"".join(b"\x00" + a[y].tobytes() for y in range(h))

    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9))
    png += chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def example_scene(w, h):
    """A small synthetic landscape: sky gradient, sun, two hills, a lake."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    sky = np.stack([0.35 + 0.4 * y / h, 0.55 + 0.3 * y / h, 0.95 - 0.1 * y / h], -1)
    img = sky.copy()
    sun = (x - 0.72 * w) ** 2 + (y - 0.25 * h) ** 2 < (0.08 * w) ** 2
    img[sun] = (1.0, 0.9, 0.55)
    hill1 = y > h * (0.62 - 0.12 * np.sin(x / w * 3.1))
    img[hill1] = np.stack([0.25 + 0.1 * np.sin(x / 7.0), 0.55 + 0.05 * np.cos(y / 5.0),
                           0.25 + 0 * x], -1)[hill1]
    hill2 = y > h * (0.72 - 0.08 * np.cos(x / w * 5.0 + 1.0))
    img[hill2] = (0.18, 0.42, 0.2)
    lake = ((x - 0.3 * w) / (0.22 * w)) ** 2 + ((y - 0.86 * h) / (0.07 * h)) ** 2 < 1
    img[lake] = np.stack([0.2 + 0 * x, 0.4 + 0.1 * np.sin(x / 3.0), 0.7 + 0 * x], -1)[lake]
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def example_mask(w, h):
    """White (regenerate) over the sun, feathered over 6 pixels."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    d = np.sqrt((x - 0.72 * w) ** 2 + (y - 0.25 * h) ** 2) - 0.11 * w
    m = np.clip(0.5 - d / 6.0, 0, 1)
    return (m * 255 + 0.5).astype(np.uint8)


def main():
    out = os.path.join(ROOT, "tests", "data", "pipeline")
    os.makedirs(out, exist_ok=True)
    meta = {"format": "pt", "rectify.axes_dim": "4,6,6", "rectify.test_model": "1",
            "rectify.made_by": "tools/make-pipeline-model.py"}
    sizes = {
        "flux-dev.safetensors": save(os.path.join(out, "flux-dev.safetensors"), flux(64, True), meta),
        "flux-schnell.safetensors": save(os.path.join(out, "flux-schnell.safetensors"),
                                         flux(64, False), meta),
        "flux-fill.safetensors": save(os.path.join(out, "flux-fill.safetensors"),
                                      flux(64 + 64 + 4 * FACTOR * FACTOR, True), meta),
        "ae.safetensors": save(os.path.join(out, "ae.safetensors"), autoencoder(),
                               {"format": "pt", "rectify.test_model": "1",
                                "rectify.made_by": "tools/make-pipeline-model.py"}),
        "taef1.safetensors": save(os.path.join(out, "taef1.safetensors"), taef1(),
                                  {"format": "pt", "rectify.test_model": "1",
                                   "rectify.made_by": "tools/make-pipeline-model.py"}),
    }
    ex = os.path.join(ROOT, "examples")
    os.makedirs(ex, exist_ok=True)
    write_png(os.path.join(ex, "landscape.png"), example_scene(256, 192))
    write_png(os.path.join(ex, "landscape-mask.png"), example_mask(256, 192))
    for k, v in sizes.items():
        print(f"{k}: {v} bytes")
    print(f"total: {sum(sizes.values())} bytes")


if __name__ == "__main__":
    main()
