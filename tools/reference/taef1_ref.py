#!/usr/bin/python3
"""TAEF1 (tiny autoencoder decoder for FLUX latents) reference and goldens.

A re-implementation of madebyollin/taesd's Decoder (Clamp, conv, ReLU,
3 x [3 Blocks, nearest x2, conv without bias], Block, conv) with the
width as a parameter, so the committed test model stays small: width 16
instead of 64. Tensor names are diffusers AutoencoderTiny's
(`decoder.layers.N...`, the Clamp applied in forward, not a layer).

    /usr/bin/python3 tools/reference/taef1_ref.py --out tests/data/taef1

Writes model.safetensors (F16), in_latent.npy [1, 16, 5, 7] and
out_image.npy [1, 3, 40, 56] in [-1, 1] (AutoencoderTiny.decode maps the
decoder's [0, 1] output with x*2-1), plus manifest.json.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import refio  # noqa: E402

SEED = 20241127


def conv(n_in, n_out, **kw):
    return nn.Conv2d(n_in, n_out, 3, padding=1, **kw)


class Block(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.conv = nn.Sequential(conv(n_in, n_out), nn.ReLU(), conv(n_out, n_out), nn.ReLU(),
                                  conv(n_out, n_out))
        self.skip = nn.Conv2d(n_in, n_out, 1, bias=False) if n_in != n_out else nn.Identity()
        self.fuse = nn.ReLU()

    def forward(self, x):
        return self.fuse(self.conv(x) + self.skip(x))


def decoder_layers(latent, width):
    layers = [conv(latent, width), nn.ReLU()]
    for _ in range(3):
        layers += [Block(width, width), Block(width, width), Block(width, width),
                   nn.Upsample(scale_factor=2), conv(width, width, bias=False)]
    layers += [Block(width, width), conv(width, 3)]
    return nn.Sequential(*layers)


def decode(layers, z):
    return layers(torch.tanh(z / 3) * 3) * 2 - 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.manual_seed(SEED)
    layers = decoder_layers(16, 16)
    with torch.no_grad():
        for name, p in layers.named_parameters():
            fan_in = p[0].numel() if p.dim() > 1 else 1
            p.copy_(torch.randn_like(p) * (0.8 / fan_in ** 0.5 if p.dim() > 1 else 0.1))
        # the golden uses the f16-rounded weights the file stores
        for p in layers.parameters():
            p.copy_(p.half().float())
        z = torch.randn(1, 16, 5, 7) * 2
        out = decode(layers, z)
    os.makedirs(args.out, exist_ok=True)
    sd = {"decoder.layers." + k: (v.numpy(), "F16") for k, v in layers.state_dict().items()}
    refio.write_safetensors(os.path.join(args.out, "model.safetensors"), sd,
                            {"format": "pt", "made_by": "tools/reference/taef1_ref.py",
                             "rectify_golden": "rectify-golden v1"})
    np.save(os.path.join(args.out, "in_latent.npy"), z.numpy().astype("<f4"))
    np.save(os.path.join(args.out, "out_image.npy"), out.numpy().astype("<f4"))
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump({"format": "rectify-golden", "format_version": 1,
                   "made_by": "tools/reference/taef1_ref.py", "seed": SEED,
                   "torch": torch.__version__, "width": 16, "latent_channels": 16,
                   "regenerate": "/usr/bin/python3 tools/reference/taef1_ref.py --out tests/data/taef1",
                   "output_range": float(out.abs().max())}, f, indent=1)
    print("taef1_ref: wrote", args.out, "output std", float(out.std()))


if __name__ == "__main__":
    main()
