#!/usr/bin/python3
"""Golden data for the CLIP text encoder: a tiny random-weight CLIP-L-shaped model.

    /usr/bin/python3 tools/reference/clip_ref.py [--out tests/data/text/clip-encoder]

The model is written in plain torch from transformers' CLIPTextModel (modeling_clip.py:
CLIPTextEmbeddings, CLIPAttention, CLIPMLP with quick_gelu, CLIPEncoderLayer,
CLIPTextTransformer): token + learned position embeddings, pre-LayerNorm blocks with a
causal mask, q scaled by head_dim^-0.5, a final LayerNorm, and pooler_output = the final
hidden state at argmax(input_ids) (the end token has the largest id in CLIP vocabularies;
transformers' legacy path, which openai/clip-vit-large-patch14 takes with eos_token_id 2).
FLUX uses pooler_output [1, 768] with no attention mask and no projection.

Writes model.safetensors (transformers names, F32; the vocabulary size equals
tests/data/text/clip's tokenizer, 2014 ids), in_ids.npy (float32 ids), out_hidden.npy,
out_pooled.npy, manifest.json.  The head count is not in the tensors: real CLIP-L has 12
(hidden 768); this model stores its 4 heads in the metadata key "rectify.clip.heads".
Self-checks before the manifest is written: an independent float64 numpy forward and
"every tensor matters".  Needs Debian's python3-torch and python3-numpy.
"""

import argparse
import hashlib
import os
import platform
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import refio  # noqa: E402

SEED = 20240902
CFG = dict(vocab=2014, positions=77, hidden=32, heads=4, layers=2, mlp=64, eps=1e-5)
TOLERANCE = 1e-4


def name_seed(name):
    return int.from_bytes(hashlib.sha256(f"{SEED}:{name}".encode()).digest()[:8], "little")


def tensor_shapes(c):
    D, F = c["hidden"], c["mlp"]
    s = {"text_model.embeddings.token_embedding.weight": (c["vocab"], D),
         "text_model.embeddings.position_embedding.weight": (c["positions"], D),
         "text_model.final_layer_norm.weight": (D,), "text_model.final_layer_norm.bias": (D,)}
    for i in range(c["layers"]):
        p = f"text_model.encoder.layers.{i}."
        for n in ("q_proj", "k_proj", "v_proj", "out_proj"):
            s[p + f"self_attn.{n}.weight"] = (D, D)
            s[p + f"self_attn.{n}.bias"] = (D,)
        s[p + "mlp.fc1.weight"], s[p + "mlp.fc1.bias"] = (F, D), (F,)
        s[p + "mlp.fc2.weight"], s[p + "mlp.fc2.bias"] = (D, F), (D,)
        for n in ("layer_norm1", "layer_norm2"):
            s[p + n + ".weight"], s[p + n + ".bias"] = (D,), (D,)
    return s


def random_weights(c):
    sd = {}
    for name, shape in tensor_shapes(c).items():
        rng = np.random.default_rng(name_seed(name))
        if "norm" in name and name.endswith(".weight"):
            v = 1.0 + 0.2 * rng.standard_normal(shape)
        elif name.endswith(".bias"):
            v = 0.1 * rng.standard_normal(shape)
        elif "embedding" in name:
            v = rng.standard_normal(shape)
        else:
            v = rng.standard_normal(shape) / np.sqrt(shape[1])
        sd[name] = v.astype(np.float32)
    return sd


def make_ids(c, n_words):
    """<|startoftext|> (vocab-2), n_words random ids, <|endoftext|> (vocab-1) padded to 77."""
    rng = np.random.default_rng(name_seed("ids"))
    ids = [c["vocab"] - 2] + list(rng.integers(0, c["vocab"] - 2, n_words)) + [c["vocab"] - 1]
    ids += [c["vocab"] - 1] * (c["positions"] - len(ids))
    return np.array([ids], dtype=np.int64)


# --- transformers' CLIPTextModel, in plain torch -------------------------------------

def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


def forward_torch(c, sd, ids):
    W = {k: torch.from_numpy(v) for k, v in sd.items()}
    ids = torch.from_numpy(ids)
    B, L = ids.shape
    D, H = c["hidden"], c["heads"]
    hd = D // H
    ln = lambda x, p: torch.nn.functional.layer_norm(x, (D,), W[p + ".weight"], W[p + ".bias"], c["eps"])  # noqa: E731
    lin = lambda x, p: torch.nn.functional.linear(x, W[p + ".weight"], W[p + ".bias"])  # noqa: E731
    x = W["text_model.embeddings.token_embedding.weight"][ids] \
        + W["text_model.embeddings.position_embedding.weight"][torch.arange(L)][None]
    mask = torch.full((L, L), torch.finfo(torch.float32).min).triu(1)[None, None]
    for i in range(c["layers"]):
        p = f"text_model.encoder.layers.{i}."
        r = x
        h = ln(x, p + "layer_norm1")
        q = lin(h, p + "self_attn.q_proj") * hd ** -0.5
        k = lin(h, p + "self_attn.k_proj")
        v = lin(h, p + "self_attn.v_proj")
        split = lambda t: t.view(B, L, H, hd).transpose(1, 2)  # noqa: E731
        w = torch.softmax(split(q) @ split(k).transpose(-1, -2) + mask, dim=-1)
        a = (w @ split(v)).transpose(1, 2).reshape(B, L, D)
        x = r + lin(a, p + "self_attn.out_proj")
        r = x
        h = lin(quick_gelu(lin(ln(x, p + "layer_norm2"), p + "mlp.fc1")), p + "mlp.fc2")
        x = r + h
    x = ln(x, "text_model.final_layer_norm")
    pooled = x[torch.arange(B), ids.argmax(dim=-1)]
    return x.numpy(), pooled.numpy()


def forward_numpy(c, sd, ids):
    """Independent float64 formulation (per-head loops, explicit softmax)."""
    W = {k: v.astype(np.float64) for k, v in sd.items()}
    L, D, H = ids.shape[1], c["hidden"], c["heads"]
    hd = D // H

    def ln(x, p):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + c["eps"]) * W[p + ".weight"] + W[p + ".bias"]

    lin = lambda x, p: x @ W[p + ".weight"].T + W[p + ".bias"]  # noqa: E731
    x = W["text_model.embeddings.token_embedding.weight"][ids[0]] \
        + W["text_model.embeddings.position_embedding.weight"][:L]
    for i in range(c["layers"]):
        p = f"text_model.encoder.layers.{i}."
        h = ln(x, p + "layer_norm1")
        q, k, v = (lin(h, p + f"self_attn.{n}") for n in ("q_proj", "k_proj", "v_proj"))
        out = np.zeros_like(h)
        for hh in range(H):
            sl = slice(hh * hd, (hh + 1) * hd)
            for t in range(L):
                s = q[t, sl] @ k[: t + 1, sl].T / np.sqrt(hd)
                e = np.exp(s - s.max())
                out[t, sl] = (e / e.sum()) @ v[: t + 1, sl]
        x = x + lin(out, p + "self_attn.out_proj")
        f = lin(ln(x, p + "layer_norm2"), p + "mlp.fc1")
        x = x + lin(f / (1 + np.exp(-1.702 * f)), p + "mlp.fc2")
    x = ln(x, "text_model.final_layer_norm")
    return x[None], x[int(np.argmax(ids[0]))][None]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "tests", "data", "text",
                                                  "clip-encoder"))
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    manifest_path = os.path.join(out, "manifest.json")
    if os.path.exists(manifest_path):
        os.remove(manifest_path)
    torch.set_num_threads(1)
    c = CFG
    sd = random_weights(c)
    ids = make_ids(c, 9)
    hidden, pooled = forward_torch(c, sd, ids)

    err = max(refio.max_rel_err(hidden, forward_numpy(c, sd, ids)[0]),
              refio.max_rel_err(pooled, forward_numpy(c, sd, ids)[1]))
    print(f"torch f32 vs numpy f64: max rel err {err:.1e}")
    if err > 1e-5:
        print("clip_ref: check failed: torch and numpy disagree", file=sys.stderr)
        return 1
    worst = (np.inf, None)
    for name in sorted(sd):
        if name.endswith("k_proj.bias"):
            continue  # softmax cancels it: it adds q·b_k to a whole row of scores
        sd2 = dict(sd)
        sd2[name] = (np.ones_like if "norm" in name and name.endswith(".weight") else np.zeros_like)(sd[name])
        h2, p2 = forward_torch(c, sd2, ids)
        worst = min(worst, (max(refio.max_rel_err(h2, hidden), refio.max_rel_err(p2, pooled)), name))
    print(f"least sensitive tensor: {worst[1]} ({worst[0]:.1e})")
    if worst[0] < 10 * TOLERANCE:
        print("clip_ref: check failed: a tensor does not matter", file=sys.stderr)
        return 1
    # the pooled row really is the first end token, not the last position
    assert int(np.argmax(ids[0])) == 10 and not np.allclose(pooled, hidden[:, -1])

    refio.write_safetensors(os.path.join(out, "model.safetensors"),
                            {k: (v, "F32") for k, v in sd.items()},
                            {"format": "pt", "made_by": "tools/reference/clip_ref.py",
                             "rectify.clip.heads": str(c["heads"])})
    files = [refio.file_entry(out, "model.safetensors", dtype="F32", tensors=len(sd))]
    for n, a in (("in_ids", ids), ("out_hidden", hidden), ("out_pooled", pooled)):
        files.append(refio.file_entry(out, refio.save_npy(out, n, a)))
    refio.write_json(manifest_path, {
        "format": "rectify-golden", "format_version": 1,
        "made_by": "tools/reference/clip_ref.py",
        "regenerate": "/usr/bin/python3 tools/reference/clip_ref.py",
        "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
        "config": c, "seed": SEED,
        "conventions": {"npy": "little-endian float32, C order, batch 1; ids stored as float32",
                        "error_measure": "max|c - golden| / max|golden|",
                        "suggested_tolerance_f32": TOLERANCE,
                        "pooled": "final hidden state at argmax(in_ids) (position 10)"},
        "checks": {"f32_vs_numpy_f64_max_rel_err": err,
                   "least_sensitive_tensor": {"tensor": worst[1], "rel_change_when_dropped": worst[0]}},
        "files": files})
    print(f"clip_ref: wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
