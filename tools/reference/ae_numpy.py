"""A second, independent FLUX autoencoder: numpy float64, batch 1, straight from the
tensor names of ae.safetensors.  Used only to check ae_model.py.

Convolutions are written as a sum over kernel taps of shifted input windows (no im2col,
no torch), nearest upsampling as np.repeat, GroupNorm from its definition.
"""

import numpy as np


def conv2d(x, w, b, stride=1, pad=(0, 0, 0, 0)):
    """x [C, H, W], w [O, C, kh, kw], pad = (left, right, top, bottom) zeros."""
    left, right, top, bottom = pad
    x = np.pad(x, ((0, 0), (top, bottom), (left, right)))
    o, c, kh, kw = w.shape
    ho = (x.shape[1] - kh) // stride + 1
    wo = (x.shape[2] - kw) // stride + 1
    y = np.zeros((o, ho, wo))
    for dy in range(kh):
        for dx in range(kw):
            win = x[:, dy:dy + stride * (ho - 1) + 1:stride, dx:dx + stride * (wo - 1) + 1:stride]
            y += np.einsum("oc,chw->ohw", w[:, :, dy, dx], win)
    return y + b[:, None, None]


def group_norm(x, gamma, beta, groups=32, eps=1e-6):
    c, h, w = x.shape
    g = x.reshape(groups, c // groups * h * w)
    g = (g - g.mean(1, keepdims=True)) / np.sqrt(g.var(1, keepdims=True) + eps)
    return g.reshape(c, h, w) * gamma[:, None, None] + beta[:, None, None]


def swish(x):
    return x / (1.0 + np.exp(-x))


class _Net:
    def __init__(self, w):
        self.w = {k: np.asarray(v, dtype=np.float64) for k, v in w.items()}

    def conv(self, name, x, **kw):
        k = self.w[name + ".weight"].shape[-1]
        if "pad" not in kw and k == 3:
            kw["pad"] = (1, 1, 1, 1)
        return conv2d(x, self.w[name + ".weight"], self.w[name + ".bias"], **kw)

    def norm(self, name, x):
        return group_norm(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def resnet(self, p, x):
        h = self.conv(p + ".conv1", swish(self.norm(p + ".norm1", x)))
        h = self.conv(p + ".conv2", swish(self.norm(p + ".norm2", h)))
        if p + ".nin_shortcut.weight" in self.w:
            x = self.conv(p + ".nin_shortcut", x)
        return x + h

    def attn(self, p, x):
        c, h, w = x.shape
        n = self.norm(p + ".norm", x)
        q, k, v = (self.conv(p + "." + s, n).reshape(c, h * w).T for s in "qkv")
        s = q @ k.T / np.sqrt(c)
        s = np.exp(s - s.max(1, keepdims=True))
        o = (s / s.sum(1, keepdims=True)) @ v
        return x + self.conv(p + ".proj_out", o.T.reshape(c, h, w))

    def mid(self, p, x):
        x = self.resnet(p + ".mid.block_1", x)
        x = self.attn(p + ".mid.attn_1", x)
        return self.resnet(p + ".mid.block_2", x)

    def tail(self, p, x):
        return self.conv(p + ".conv_out", swish(self.norm(p + ".norm_out", x)))


def encode(w, cfg, x):
    """x [3, H, W] -> scale * (mean - shift) [z, H/f, W/f]."""
    n = _Net(w)
    levels = len(cfg["ch_mult"])
    h = n.conv("encoder.conv_in", np.asarray(x, dtype=np.float64))
    for i in range(levels):
        for j in range(cfg["num_res_blocks"]):
            h = n.resnet(f"encoder.down.{i}.block.{j}", h)
        if i != levels - 1:
            h = n.conv(f"encoder.down.{i}.downsample.conv", h, stride=2, pad=(0, 1, 0, 1))
    moments = n.tail("encoder", n.mid("encoder", h))
    mean = moments[:cfg["z_channels"]]
    return cfg["scale_factor"] * (mean - cfg["shift_factor"])


def decode(w, cfg, z):
    """z [z, h, w] (scaled, shifted latent) -> image [3, h*f, w*f]."""
    n = _Net(w)
    levels = len(cfg["ch_mult"])
    z = np.asarray(z, dtype=np.float64) / cfg["scale_factor"] + cfg["shift_factor"]
    h = n.mid("decoder", n.conv("decoder.conv_in", z))
    for i in reversed(range(levels)):
        for j in range(cfg["num_res_blocks"] + 1):
            h = n.resnet(f"decoder.up.{i}.block.{j}", h)
        if i != 0:
            h = n.conv(f"decoder.up.{i}.upsample.conv", h.repeat(2, axis=1).repeat(2, axis=2))
    return n.tail("decoder", h)
