#!/usr/bin/python3
"""Golden data for the T5 v1.1 encoder: a tiny random-weight T5-XXL-shaped encoder.

    /usr/bin/python3 tools/reference/t5_ref.py [--out tests/data/text/t5-encoder]

The model is written in plain torch from transformers' T5EncoderModel (modeling_t5.py:
T5LayerNorm = RMS norm without mean or bias, eps 1e-6, in float32; T5Attention without
biases and without 1/sqrt(d) scaling, with the bidirectional relative-position bias of
block 0 (_relative_position_bucket: 32 buckets, max distance 128) added to the scores of
every layer; T5DenseGatedActDense with gelu_new (tanh) for v1.1; a final norm).  FLUX
takes last_hidden_state with no attention mask, padding included.

Writes model.safetensors (transformers names, F32; vocabulary 1024 rows for the 1000-piece
tests/data/text/t5 tokenizer), in_ids.npy (float32 ids), out.npy [1, L, d_model],
dbg_position_bias.npy [1, H, L, L], buckets.npy (the bucket of every relative position
-600..600, as float32), manifest.json.  Self-checks: an independent float64 numpy forward
and "every tensor matters".  Needs Debian's python3-torch and python3-numpy.
"""

import argparse
import hashlib
import math
import os
import platform
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import refio  # noqa: E402

SEED = 20240903
CFG = dict(vocab=1024, d_model=32, heads=4, d_kv=8, d_ff=48, layers=2, buckets=32,
           max_distance=128, eps=1e-6)
SEQ = 40         # long enough for relative positions past max_exact (8) on both sides
BUCKET_SPAN = 600
TOLERANCE = 1e-4


def name_seed(name):
    return int.from_bytes(hashlib.sha256(f"{SEED}:{name}".encode()).digest()[:8], "little")


def tensor_shapes(c):
    D, I, F = c["d_model"], c["heads"] * c["d_kv"], c["d_ff"]
    s = {"shared.weight": (c["vocab"], D), "encoder.final_layer_norm.weight": (D,)}
    for i in range(c["layers"]):
        p = f"encoder.block.{i}.layer."
        for n in ("q", "k", "v"):
            s[p + f"0.SelfAttention.{n}.weight"] = (I, D)
        s[p + "0.SelfAttention.o.weight"] = (D, I)
        if i == 0:
            s[p + "0.SelfAttention.relative_attention_bias.weight"] = (c["buckets"], c["heads"])
        s[p + "0.layer_norm.weight"] = (D,)
        s[p + "1.DenseReluDense.wi_0.weight"] = (F, D)
        s[p + "1.DenseReluDense.wi_1.weight"] = (F, D)
        s[p + "1.DenseReluDense.wo.weight"] = (D, F)
        s[p + "1.layer_norm.weight"] = (D,)
    return s


def random_weights(c):
    sd = {}
    for name, shape in tensor_shapes(c).items():
        rng = np.random.default_rng(name_seed(name))
        if "layer_norm" in name:
            v = 1.0 + 0.2 * rng.standard_normal(shape)
        elif name == "shared.weight" or "relative_attention_bias" in name:
            v = rng.standard_normal(shape)
        else:
            # T5 does not scale scores by 1/sqrt(d_kv): keep q·k O(1) through q
            fan = shape[1] * (c["d_kv"] if name.endswith(".q.weight") else 1)
            v = rng.standard_normal(shape) / np.sqrt(fan)
        sd[name] = v.astype(np.float32)
    return sd


def make_ids(c):
    """30 random piece ids, </s> (1), then <pad> (0) to SEQ."""
    rng = np.random.default_rng(name_seed("ids"))
    ids = list(rng.integers(3, 1000, 30)) + [1]
    return np.array([ids + [0] * (SEQ - len(ids))], dtype=np.int64)


# --- transformers' T5EncoderModel, in plain torch -----------------------------------

def relative_position_bucket(rel, num_buckets=32, max_distance=128):
    """modeling_t5.py T5Attention._relative_position_bucket, bidirectional."""
    buckets = 0
    num_buckets //= 2
    buckets += (rel > 0).to(torch.long) * num_buckets
    rel = torch.abs(rel)
    max_exact = num_buckets // 2
    is_small = rel < max_exact
    large = max_exact + (torch.log(rel.float() / max_exact) / math.log(max_distance / max_exact)
                         * (num_buckets - max_exact)).to(torch.long)
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return buckets + torch.where(is_small, rel, large)


def position_bias(c, W, L):
    ctx = torch.arange(L)[:, None]
    mem = torch.arange(L)[None, :]
    b = relative_position_bucket(mem - ctx, c["buckets"], c["max_distance"])
    table = W["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"]
    return table[b].permute(2, 0, 1)[None]   # [1, H, L, L]


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def forward_torch(c, sd, ids):
    W = {k: torch.from_numpy(v) for k, v in sd.items()}
    ids = torch.from_numpy(ids)
    B, L = ids.shape
    H, dk = c["heads"], c["d_kv"]

    def norm(x, p):
        var = x.to(torch.float32).pow(2).mean(-1, keepdim=True)
        return W[p] * (x * torch.rsqrt(var + c["eps"]))

    lin = lambda x, p: torch.nn.functional.linear(x, W[p])  # noqa: E731
    x = W["shared.weight"][ids]
    bias = position_bias(c, W, L)
    for i in range(c["layers"]):
        p = f"encoder.block.{i}.layer."
        h = norm(x, p + "0.layer_norm.weight")
        split = lambda t: t.view(B, L, H, dk).transpose(1, 2)  # noqa: E731
        q, k, v = (split(lin(h, p + f"0.SelfAttention.{n}.weight")) for n in ("q", "k", "v"))
        w = torch.softmax((q @ k.transpose(3, 2) + bias).float(), dim=-1)
        a = (w @ v).transpose(1, 2).reshape(B, L, H * dk)
        x = x + lin(a, p + "0.SelfAttention.o.weight")
        h = norm(x, p + "1.layer_norm.weight")
        g = gelu_new(lin(h, p + "1.DenseReluDense.wi_0.weight")) * lin(h, p + "1.DenseReluDense.wi_1.weight")
        x = x + lin(g, p + "1.DenseReluDense.wo.weight")
    return norm(x, "encoder.final_layer_norm.weight").numpy(), bias.numpy()


def bucket_numpy(rel, num_buckets=32, max_distance=128):
    """The bucket function again in float64 from its definition."""
    half = num_buckets // 2
    out = half if rel > 0 else 0
    n = abs(rel)
    exact = half // 2
    if n < exact:
        return out + n
    return out + min(half - 1, exact + int(math.log(n / exact) / math.log(max_distance / exact)
                                           * (half - exact)))


def forward_numpy(c, sd, ids):
    """Independent float64 formulation (per-head loops, explicit softmax)."""
    W = {k: v.astype(np.float64) for k, v in sd.items()}
    L, H, dk = ids.shape[1], c["heads"], c["d_kv"]
    norm = lambda x, p: x / np.sqrt((x * x).mean(-1, keepdims=True) + c["eps"]) * W[p]  # noqa: E731
    lin = lambda x, p: x @ W[p].T  # noqa: E731
    rel = W["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"]
    x = W["shared.weight"][ids[0]]
    for i in range(c["layers"]):
        p = f"encoder.block.{i}.layer."
        h = norm(x, p + "0.layer_norm.weight")
        q, k, v = (lin(h, p + f"0.SelfAttention.{n}.weight") for n in ("q", "k", "v"))
        out = np.zeros((L, H * dk))
        for hh in range(H):
            sl = slice(hh * dk, (hh + 1) * dk)
            for t in range(L):
                s = q[t, sl] @ k[:, sl].T + np.array([rel[bucket_numpy(j - t), hh] for j in range(L)])
                e = np.exp(s - s.max())
                out[t, sl] = (e / e.sum()) @ v[:, sl]
        x = x + lin(out, p + "0.SelfAttention.o.weight")
        h = norm(x, p + "1.layer_norm.weight")
        a = lin(h, p + "1.DenseReluDense.wi_0.weight")
        g = 0.5 * a * (1 + np.tanh(np.sqrt(2 / np.pi) * (a + 0.044715 * a ** 3)))
        x = x + lin(g * lin(h, p + "1.DenseReluDense.wi_1.weight"), p + "1.DenseReluDense.wo.weight")
    return norm(x, "encoder.final_layer_norm.weight")[None]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "tests", "data", "text",
                                                  "t5-encoder"))
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    manifest_path = os.path.join(out, "manifest.json")
    if os.path.exists(manifest_path):
        os.remove(manifest_path)
    torch.set_num_threads(1)
    c = CFG
    sd = random_weights(c)
    ids = make_ids(c)
    y, bias = forward_torch(c, sd, ids)

    rel = torch.arange(-BUCKET_SPAN, BUCKET_SPAN + 1)
    buckets = relative_position_bucket(rel, c["buckets"], c["max_distance"]).numpy()
    ok = all(buckets[i] == bucket_numpy(int(r)) for i, r in enumerate(rel))
    print(f"bucket function: torch float32 {'equals' if ok else 'DIFFERS FROM'} float64 on "
          f"{len(rel)} relative positions")
    err = refio.max_rel_err(y, forward_numpy(c, sd, ids))
    print(f"torch f32 vs numpy f64: max rel err {err:.1e}")
    if not ok or err > 1e-5:
        print("t5_ref: check failed", file=sys.stderr)
        return 1
    worst = (np.inf, None)
    for name in sorted(sd):
        sd2 = dict(sd)
        sd2[name] = (np.ones_like if "layer_norm" in name else np.zeros_like)(sd[name])
        worst = min(worst, (refio.max_rel_err(forward_torch(c, sd2, ids)[0], y), name))
    print(f"least sensitive tensor: {worst[1]} ({worst[0]:.1e})")
    if worst[0] < 10 * TOLERANCE:
        print("t5_ref: check failed: a tensor does not matter", file=sys.stderr)
        return 1

    refio.write_safetensors(os.path.join(out, "model.safetensors"),
                            {k: (v, "F32") for k, v in sd.items()},
                            {"format": "pt", "made_by": "tools/reference/t5_ref.py"})
    files = [refio.file_entry(out, "model.safetensors", dtype="F32", tensors=len(sd))]
    for n, a in (("in_ids", ids), ("out", y), ("dbg_position_bias", bias), ("buckets", buckets)):
        files.append(refio.file_entry(out, refio.save_npy(out, n, a)))
    refio.write_json(manifest_path, {
        "format": "rectify-golden", "format_version": 1,
        "made_by": "tools/reference/t5_ref.py",
        "regenerate": "/usr/bin/python3 tools/reference/t5_ref.py",
        "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
        "config": c, "seq": SEQ, "seed": SEED,
        "conventions": {"npy": "little-endian float32, C order, batch 1; ids stored as float32",
                        "error_measure": "max|c - golden| / max|golden|",
                        "suggested_tolerance_f32": TOLERANCE,
                        "buckets": f"bucket of relative position (key - query) = -{BUCKET_SPAN} .. "
                                   f"{BUCKET_SPAN}, in that order"},
        "checks": {"f32_vs_numpy_f64_max_rel_err": err,
                   "least_sensitive_tensor": {"tensor": worst[1], "rel_change_when_dropped": worst[0]}},
        "files": files})
    print(f"t5_ref: wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
