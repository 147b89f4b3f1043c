#!/usr/bin/python3
"""Golden data for the FLUX.1 transformer: tiny random-weight models, inputs, outputs.

    /usr/bin/python3 tools/reference/flux_ref.py [--out tests/data/flux]

Writes one folder per case under --out (model.safetensors with the official BFL
tensor names, a diffusers-layout copy where noted, in_*.npy inputs, out.npy, dbg_*.npy
intermediates) plus manifest.json and README.md.  Before writing the manifest it
verifies the reference against itself (see check_case); any failed check exits 1 and
leaves no manifest.

Needs Debian's python3-torch (1.13) and python3-numpy; nothing else.
"""

import argparse
import hashlib
import os
import platform
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flux_model as fm  # noqa: E402
import flux_numpy  # noqa: E402
import refio  # noqa: E402

FORMAT = "rectify-golden"
FORMAT_VERSION = 1
SEED = 20240801  # base seed; every tensor derives its own seed from it and its name

_TINY = dict(in_channels=64, out_channels=64, vec_in_dim=32, context_in_dim=48, hidden_size=32,
             mlp_ratio=4.0, num_heads=2, depth=2, depth_single_blocks=2, axes_dim=[4, 6, 6],
             theta=10000, qkv_bias=True, guidance_embed=True)

CONFIGS = {
    "tiny": dict(_TINY),
    "tiny-schnell": dict(_TINY, guidance_embed=False),
    # FLUX.1 Fill: img_in takes 384 = 64 (noisy latent) + 64 (masked-image latent) + 256 (mask)
    "tiny-fill": dict(_TINY, in_channels=384, out_channels=64),
}

# case -> (config, stored weight dtype, also write a diffusers-layout file)
CASES = {
    "tiny": ("tiny", "F32", False),
    "tiny-bf16": ("tiny", "BF16", True),
    "tiny-schnell": ("tiny-schnell", "BF16", False),
    "tiny-fill": ("tiny-fill", "BF16", False),
}

GRID_H, GRID_W = 3, 5        # packed token grid: latent 16 x 6 x 10, image 48 x 80 pixels
N_TXT = 7
T_VALUE, GUIDANCE_VALUE = 0.7, 3.5
TOLERANCE = 1e-4  # suggested max rel err for an f32 port (see README)
# A second timestep set whose embedding is well conditioned: 1000 t = 0.9765625 and
# 1000 g = 1.953125 exactly, so every sin/cos argument is < 2 and the float32 rounding
# that dominates at t = 0.7, g = 3.5 vanishes; outputs can then be compared at
# SMALL_T_TOLERANCE, tight enough to tell GELU-tanh from GELU-erf (1.2e-4 apart).
SMALL_T_VALUE, SMALL_GUIDANCE_VALUE = 1.0 / 1024, 1.0 / 512
SMALL_T_TOLERANCE = 1e-5

TRACE_DOC = {
    "t_emb": "timestep_embedding(t, 256) (t scaled by 1000, cat(cos, sin)) [1, 256]",
    "g_emb": "timestep_embedding(guidance, 256) [1, 256] (guidance models only)",
    "vec": "time_in(t_emb) + guidance_in(g_emb) + vector_in(y) [1, hidden]",
    "img_in": "img_in(img) [1, L_img, hidden]",
    "txt_in": "txt_in(txt) [1, L_txt, hidden]",
    "pe": "EmbedND table, batch/head dims squeezed: [L_txt + L_img, head_dim/2, 2, 2] = "
          "[[cos, -sin], [sin, cos]] per adjacent pair; text rows first",
    "double{i}_img": "img stream after double block i [1, L_img, hidden]",
    "double{i}_txt": "txt stream after double block i [1, L_txt, hidden]",
    "single{i}_x": "cat(txt, img) after single block i [1, L_txt + L_img, hidden]",
}


def name_seed(base, name):
    """Stable per-tensor seed, so adding a tensor never changes the others."""
    return int.from_bytes(hashlib.sha256(f"{base}:{name}".encode()).digest()[:8], "little")


def random_weights(model, seed):
    """Random weights that keep activations O(1) and make every tensor matter:
    matrices N(0, 1/fan_in), biases N(0, 0.1^2), RMSNorm scales 1 + N(0, 0.2^2).
    Modulation layers are ordinary (non-zero) matrices, unlike adaLN-zero init."""
    sd = {}
    for name, p in model.state_dict().items():
        rng = np.random.default_rng(name_seed(seed, name))
        shape = tuple(p.shape)
        if name.endswith(".scale"):
            v = 1.0 + 0.2 * rng.standard_normal(shape)
        elif name.endswith(".bias"):
            v = 0.1 * rng.standard_normal(shape)
        else:
            v = rng.standard_normal(shape) / np.sqrt(shape[1])
        sd[name] = v.astype(np.float32)
    return sd


def make_inputs(cfg, seed):
    """Inputs as sampling.py::prepare builds them (f32, batch 1)."""
    rng = lambda n: np.random.default_rng(name_seed(seed, "input:" + n))  # noqa: E731
    latent = rng("latent").standard_normal((1, 16, 2 * GRID_H, 2 * GRID_W)).astype(np.float32)
    img = fm.pack_latent(torch.from_numpy(latent))
    img_ids, txt_ids = fm.make_ids(GRID_H, GRID_W, N_TXT)
    inp = {
        "latent": latent,
        "img_ids": img_ids.numpy(),
        "txt": rng("txt").standard_normal((1, N_TXT, cfg["context_in_dim"])).astype(np.float32),
        "txt_ids": txt_ids.numpy(),
        "y": rng("y").standard_normal((1, cfg["vec_in_dim"])).astype(np.float32),
        "t": np.array([T_VALUE], dtype=np.float32),
    }
    if cfg["guidance_embed"]:
        inp["guidance"] = np.array([GUIDANCE_VALUE], dtype=np.float32)
    if cfg["in_channels"] == 384:
        # prepare_fill: cond latent stands in for ae.encode(image * (1 - mask)).
        cond = rng("cond_latent").standard_normal((1, 16, 2 * GRID_H, 2 * GRID_W))
        inp["cond_latent"] = cond.astype(np.float32)
        mask = np.zeros((1, 16 * GRID_H, 16 * GRID_W), dtype=np.float32)
        mask[:, 10:37, 19:61] = 1.0  # a box not aligned to the 8- or 16-pixel grid
        inp["mask"] = mask
        img_cond = torch.cat((fm.pack_latent(torch.from_numpy(inp["cond_latent"])),
                              fm.pack_fill_mask(torch.from_numpy(mask))), dim=-1)
        inp["img_cond"] = img_cond.numpy()
        img = torch.cat((img, img_cond), dim=-1)  # sampling.py::denoise: cat on channels
    inp["img"] = img.numpy()
    return inp


def run_model(cfg, sd, inp, trace=None):
    model = fm.Flux(cfg)
    model.load_state_dict({k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in sd.items()})
    model.eval()
    t = lambda k: torch.from_numpy(inp[k]) if k in inp else None  # noqa: E731
    with torch.no_grad():
        out = model(t("img"), t("img_ids"), t("txt"), t("txt_ids"), t("t"), t("y"),
                    t("guidance"), trace=trace)
    return out.numpy()


# --- BFL <-> diffusers names (models.md 1.6) ------------------------------------------

def _copy_lin(dst, src, d, s):
    for suf in (".weight", ".bias"):
        if s + suf in src:
            dst[d + suf] = src[s + suf]


def to_diffusers(sd, cfg):
    """Official names -> diffusers FluxTransformer2DModel names: qkv split, final
    adaLN halves swapped from (shift, scale) to (scale, shift)."""
    h = cfg["hidden_size"]
    mlp = int(h * cfg["mlp_ratio"])
    out = {}
    _copy_lin(out, sd, "x_embedder", "img_in")
    _copy_lin(out, sd, "context_embedder", "txt_in")
    for s, d in (("time_in", "timestep_embedder"), ("vector_in", "text_embedder"),
                 ("guidance_in", "guidance_embedder")):
        if s + ".in_layer.weight" in sd:
            _copy_lin(out, sd, f"time_text_embed.{d}.linear_1", s + ".in_layer")
            _copy_lin(out, sd, f"time_text_embed.{d}.linear_2", s + ".out_layer")
    for i in range(cfg["depth"]):
        s, d = f"double_blocks.{i}.", f"transformer_blocks.{i}."
        _copy_lin(out, sd, d + "norm1.linear", s + "img_mod.lin")
        _copy_lin(out, sd, d + "norm1_context.linear", s + "txt_mod.lin")
        for st, qkv, norms, proj in (
                ("img", ("to_q", "to_k", "to_v"), ("norm_q", "norm_k"), "to_out.0"),
                ("txt", ("add_q_proj", "add_k_proj", "add_v_proj"),
                 ("norm_added_q", "norm_added_k"), "to_add_out")):
            for suf in (".weight", ".bias"):
                if s + f"{st}_attn.qkv" + suf in sd:
                    for n, part in zip(qkv, np.split(sd[s + f"{st}_attn.qkv" + suf], 3, axis=0)):
                        out[d + "attn." + n + suf] = part
            out[d + f"attn.{norms[0]}.weight"] = sd[s + f"{st}_attn.norm.query_norm.scale"]
            out[d + f"attn.{norms[1]}.weight"] = sd[s + f"{st}_attn.norm.key_norm.scale"]
            _copy_lin(out, sd, d + "attn." + proj, s + f"{st}_attn.proj")
        _copy_lin(out, sd, d + "ff.net.0.proj", s + "img_mlp.0")
        _copy_lin(out, sd, d + "ff.net.2", s + "img_mlp.2")
        _copy_lin(out, sd, d + "ff_context.net.0.proj", s + "txt_mlp.0")
        _copy_lin(out, sd, d + "ff_context.net.2", s + "txt_mlp.2")
    for i in range(cfg["depth_single_blocks"]):
        s, d = f"single_blocks.{i}.", f"single_transformer_blocks.{i}."
        for suf in (".weight", ".bias"):
            parts = np.split(sd[s + "linear1" + suf], [h, 2 * h, 3 * h], axis=0)
            assert parts[3].shape[0] == mlp
            for n, part in zip(("attn.to_q", "attn.to_k", "attn.to_v", "proj_mlp"), parts):
                out[d + n + suf] = part
        out[d + "attn.norm_q.weight"] = sd[s + "norm.query_norm.scale"]
        out[d + "attn.norm_k.weight"] = sd[s + "norm.key_norm.scale"]
        _copy_lin(out, sd, d + "proj_out", s + "linear2")
        _copy_lin(out, sd, d + "norm.linear", s + "modulation.lin")
    _copy_lin(out, sd, "proj_out", "final_layer.linear")
    for suf in (".weight", ".bias"):
        shift, scale = np.split(sd["final_layer.adaLN_modulation.1" + suf], 2, axis=0)
        out["norm_out.linear" + suf] = np.concatenate([scale, shift], axis=0)
    return out


def from_diffusers(dd, cfg):
    """Inverse of to_diffusers, written out separately (re-fuse qkv, un-swap halves)."""
    sd = {}
    cat = lambda names: np.concatenate([dd[n] for n in names], axis=0)  # noqa: E731
    _copy_lin(sd, dd, "img_in", "x_embedder")
    _copy_lin(sd, dd, "txt_in", "context_embedder")
    te = "time_text_embed."
    for d, s in (("timestep_embedder", "time_in"), ("text_embedder", "vector_in"),
                 ("guidance_embedder", "guidance_in")):
        if te + d + ".linear_1.weight" in dd:
            _copy_lin(sd, dd, s + ".in_layer", te + d + ".linear_1")
            _copy_lin(sd, dd, s + ".out_layer", te + d + ".linear_2")
    for i in range(cfg["depth"]):
        d, s = f"transformer_blocks.{i}.attn.", f"double_blocks.{i}."
        b = f"transformer_blocks.{i}."
        for suf in (".weight", ".bias"):
            if d + "to_q" + suf in dd:
                sd[s + "img_attn.qkv" + suf] = cat([d + n + suf for n in ("to_q", "to_k", "to_v")])
                sd[s + "txt_attn.qkv" + suf] = cat(
                    [d + n + suf for n in ("add_q_proj", "add_k_proj", "add_v_proj")])
        sd[s + "img_attn.norm.query_norm.scale"] = dd[d + "norm_q.weight"]
        sd[s + "img_attn.norm.key_norm.scale"] = dd[d + "norm_k.weight"]
        sd[s + "txt_attn.norm.query_norm.scale"] = dd[d + "norm_added_q.weight"]
        sd[s + "txt_attn.norm.key_norm.scale"] = dd[d + "norm_added_k.weight"]
        _copy_lin(sd, dd, s + "img_attn.proj", d + "to_out.0")
        _copy_lin(sd, dd, s + "txt_attn.proj", d + "to_add_out")
        _copy_lin(sd, dd, s + "img_mod.lin", b + "norm1.linear")
        _copy_lin(sd, dd, s + "txt_mod.lin", b + "norm1_context.linear")
        _copy_lin(sd, dd, s + "img_mlp.0", b + "ff.net.0.proj")
        _copy_lin(sd, dd, s + "img_mlp.2", b + "ff.net.2")
        _copy_lin(sd, dd, s + "txt_mlp.0", b + "ff_context.net.0.proj")
        _copy_lin(sd, dd, s + "txt_mlp.2", b + "ff_context.net.2")
    for i in range(cfg["depth_single_blocks"]):
        d, s = f"single_transformer_blocks.{i}.", f"single_blocks.{i}."
        for suf in (".weight", ".bias"):
            sd[s + "linear1" + suf] = cat(
                [d + n + suf for n in ("attn.to_q", "attn.to_k", "attn.to_v", "proj_mlp")])
        sd[s + "norm.query_norm.scale"] = dd[d + "attn.norm_q.weight"]
        sd[s + "norm.key_norm.scale"] = dd[d + "attn.norm_k.weight"]
        _copy_lin(sd, dd, s + "linear2", d + "proj_out")
        _copy_lin(sd, dd, s + "modulation.lin", d + "norm.linear")
    _copy_lin(sd, dd, "final_layer.linear", "proj_out")
    for suf in (".weight", ".bias"):
        scale, shift = np.split(dd["norm_out.linear" + suf], 2, axis=0)
        sd["final_layer.adaLN_modulation.1" + suf] = np.concatenate([shift, scale], axis=0)
    return sd


# --- checks ---------------------------------------------------------------------------

class CheckFailed(Exception):
    pass


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        raise CheckFailed(what)


def sensitivity(cfg, sd, inp, out):
    """Relative output change when one tensor is dropped (matrices and biases set to 0,
    RMSNorm scales to 1), i.e. what a port that forgot that tensor would see.  Returns
    the least sensitive tensor; the check demands 10x the suggested tolerance."""
    worst = (np.inf, None)
    for name in sorted(sd):
        sd2 = dict(sd)
        sd2[name] = np.ones_like(sd[name]) if name.endswith(".scale") else np.zeros_like(sd[name])
        worst = min(worst, (refio.max_rel_err(run_model(cfg, sd2, inp), out), name))
    return worst


def check_case(case, cfg, sd, inp, out, out_small, trace, case_dir, diffusers_file):
    """Independent checks of the golden; returns numbers for the manifest."""
    res = {}
    # 1. an independent float64 numpy formulation on diffusers names and complex RoPE.
    # The float32 timestep embedding is ill-conditioned (angles up to 3500 rad), so it is
    # checked on its own, and the network is compared given the reference's embeddings.
    emb_err = max(float(np.max(np.abs(trace[k][0] - flux_numpy.timesteps_proj(float(inp[i][0])))))
                  for k, i in (("t_emb", "t"), ("g_emb", "guidance")) if k in trace)
    res["timestep_embedding_f32_vs_f64_max_abs_err"] = emb_err
    expect(emb_err < 5e-4, f"{case}: timestep embeddings match the f64 formula "
                           f"(max abs err {emb_err:.1e}, float32 argument rounding)")
    args = (to_diffusers(sd, cfg), cfg, inp["img"][0], inp["img_ids"][0], inp["txt"][0],
            inp["txt_ids"][0], float(inp["t"][0]), inp["y"][0],
            float(inp["guidance"][0]) if "guidance" in inp else None)
    embs = (trace["t_emb"][0], trace["g_emb"][0] if "g_emb" in trace else None)
    err = refio.max_rel_err(out[0], flux_numpy.forward(*args, embs=embs))
    res["f32_vs_numpy_f64_max_rel_err"] = err
    expect(err < 1e-5, f"{case}: torch f32 forward matches numpy f64 diffusers-layout forward "
                       f"(max rel err {err:.1e})")
    err = refio.max_rel_err(out[0], flux_numpy.forward(*args))
    res["f32_vs_f64_end_to_end_max_rel_err"] = err
    expect(err < 1e-4, f"{case}: ... and end to end with an exact timestep embedding "
                       f"(max rel err {err:.1e})")
    err = refio.max_rel_err(out_small[0], flux_numpy.forward(
        args[0], cfg, *args[2:6], SMALL_T_VALUE, inp["y"][0],
        SMALL_GUIDANCE_VALUE if "guidance" in inp else None))
    res["small_t_f32_vs_f64_end_to_end_max_rel_err"] = err
    expect(err < SMALL_T_TOLERANCE / 5, f"{case}: small-t output matches numpy f64 end to end "
                                        f"(max rel err {err:.1e})")
    # 2. the stored file, read back, gives the golden bit for bit
    back, _, _ = refio.read_safetensors(os.path.join(case_dir, "model.safetensors"))
    expect(sorted(back) == sorted(sd) and all(np.array_equal(back[k], sd[k]) for k in sd),
           f"{case}: model.safetensors reads back to the weights the golden used")
    # 3. the diffusers copy, re-fused to official names, gives identical outputs
    if diffusers_file:
        dd, _, _ = refio.read_safetensors(os.path.join(case_dir, diffusers_file))
        refused = from_diffusers(dd, cfg)
        expect(sorted(refused) == sorted(sd), f"{case}: diffusers file re-fuses to the same names")
        expect(np.array_equal(run_model(cfg, refused, inp), out),
               f"{case}: diffusers file re-fused gives bit-identical outputs")
    # 4. every tensor matters
    rel, name = sensitivity(cfg, sd, inp, out)
    res["least_sensitive_tensor"] = {"tensor": name, "rel_change_when_dropped": rel}
    expect(rel > 10 * TOLERANCE, f"{case}: dropping any one tensor changes the output by more than "
                                 f"10x the tolerance (least: {name}, {rel:.1e})")
    return res


def check_globals():
    x = np.random.default_rng(1).standard_normal(10000).astype(np.float32) * 10
    x[:4] = [1.00390625, 1.01171875, -2.0, 0.0]  # exact ties, both directions of even
    tb = torch.from_numpy(x).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
    expect(np.array_equal(tb, refio.f32_to_bf16_bits(x)), "bf16 rounding equals torch's")
    # RoPE tables vs complex rotors, for the tiny axes and the real ones on a 64 x 64 grid
    for axes, gh, gw in (([4, 6, 6], GRID_H, GRID_W), ([16, 56, 56], 64, 64)):
        img_ids, txt_ids = fm.make_ids(gh, gw, N_TXT)
        ids = torch.cat((txt_ids, img_ids), dim=1)
        pe = fm.EmbedND(sum(axes), 10000, axes)(ids)[0, 0].numpy()
        rot = flux_numpy.rope_rotors(ids[0].double().numpy(), axes, 10000)
        expect(np.allclose(pe[..., 0, 0], rot.real, atol=1e-6)
               and np.allclose(pe[..., 1, 0], rot.imag, atol=1e-6)
               and np.array_equal(pe[..., 0, 1], -pe[..., 1, 0])
               and np.array_equal(pe[..., 1, 1], pe[..., 0, 0]),
               f"EmbedND rotation matrices equal the complex rotors (axes {axes}, {gh}x{gw} grid)")


# --- writing --------------------------------------------------------------------------

def write_case(out_dir, case):
    cfg_name, dtype, want_diffusers = CASES[case]
    cfg = CONFIGS[cfg_name]
    case_dir = os.path.join(out_dir, case)
    os.makedirs(case_dir, exist_ok=True)
    for f in os.listdir(case_dir):
        os.remove(os.path.join(case_dir, f))

    sd = random_weights(fm.Flux(cfg), SEED)
    if dtype == "BF16":  # the golden uses the bf16-rounded weights, widened to f32
        sd = {k: refio.round_bf16(v) for k, v in sd.items()}
    meta = {"format": "pt", "rectify_golden": f"{FORMAT} v{FORMAT_VERSION}",
            "made_by": "tools/reference/flux_ref.py", "case": case,
            # RoPE axes are not recoverable from the tensors; real FLUX uses 16,56,56
            "rectify.axes_dim": ",".join(str(a) for a in cfg["axes_dim"])}
    refio.write_safetensors(os.path.join(case_dir, "model.safetensors"),
                            {k: (v, dtype) for k, v in sd.items()}, meta)
    diffusers_file = None
    if want_diffusers:
        diffusers_file = "model-diffusers.safetensors"
        dd = to_diffusers(sd, cfg)
        refio.write_safetensors(os.path.join(case_dir, diffusers_file),
                                {k: (v, dtype) for k, v in dd.items()}, dict(meta, layout="diffusers"))

    inp = make_inputs(cfg, SEED)
    trace = {}
    out = run_model(cfg, sd, inp, trace)

    files = [refio.file_entry(case_dir, "model.safetensors", layout="bfl", dtype=dtype,
                              tensors=len(sd))]
    if diffusers_file:
        files.append(refio.file_entry(case_dir, diffusers_file, layout="diffusers", dtype=dtype,
                                      tensors=len(to_diffusers(sd, cfg))))
    for k, v in inp.items():
        files.append(refio.file_entry(case_dir, refio.save_npy(case_dir, "in_" + k, v)))
    files.append(refio.file_entry(case_dir, refio.save_npy(case_dir, "out", out)))
    small = dict(inp, t=np.array([SMALL_T_VALUE], dtype=np.float32))
    if "guidance" in inp:
        small["guidance"] = np.array([SMALL_GUIDANCE_VALUE], dtype=np.float32)
    out_small = run_model(cfg, sd, small)
    for k in ("t", "guidance"):
        if k in inp:
            files.append(refio.file_entry(case_dir, refio.save_npy(case_dir, "in_small_" + k, small[k])))
    files.append(refio.file_entry(case_dir, refio.save_npy(case_dir, "out_small_t", out_small)))
    for k, v in trace.items():
        if k == "out":
            continue
        v = v.numpy()
        if k == "pe":
            v = v[0, 0]
        files.append(refio.file_entry(case_dir, refio.save_npy(case_dir, "dbg_" + k, v)))

    checks = check_case(case, cfg, sd, inp, out, out_small, {k: v.numpy() for k, v in trace.items()},
                        case_dir, diffusers_file)
    return {
        "config_name": cfg_name,
        "config": dict(cfg),
        "weight_dtype": dtype,
        "weights": ("bf16-rounded, widened to f32 for the golden" if dtype == "BF16" else "f32"),
        "inputs": {"grid": [GRID_H, GRID_W], "n_txt": N_TXT, "t": T_VALUE,
                   "guidance": GUIDANCE_VALUE if cfg["guidance_embed"] else None,
                   "small_t": SMALL_T_VALUE,
                   "small_guidance": SMALL_GUIDANCE_VALUE if cfg["guidance_embed"] else None},
        "seed": SEED,
        "checks": checks,
        "files": files,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "tests", "data", "flux"))
    args = ap.parse_args()
    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)
    manifest_path = os.path.join(out_dir, "manifest.json")
    if os.path.exists(manifest_path):  # a failed run must not leave a stale manifest behind
        os.remove(manifest_path)
    torch.set_num_threads(1)  # one thread: reproducible summation order
    try:
        check_globals()
        cases = {c: write_case(out_dir, c) for c in CASES}
    except CheckFailed as e:
        print(f"flux_ref: check failed: {e}", file=sys.stderr)
        return 1
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "made_by": "tools/reference/flux_ref.py",
        "regenerate": "/usr/bin/python3 tools/reference/flux_ref.py --out tests/data/flux",
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "conventions": {
            "npy": "little-endian float32, C order, batch dim kept (B = 1)",
            "error_measure": "max|c - golden| / max|golden|",
            "suggested_tolerance_f32": TOLERANCE,
            "suggested_tolerance_f32_small_t": SMALL_T_TOLERANCE,
            "small_t": "out_small_t.npy = forward(in_img, ..., t = in_small_t, guidance = "
                       "in_small_guidance), all other inputs as for out.npy",
            "sequence_order": "text tokens first, then image tokens (row-major over the grid)",
            "timestep": "t in [0, 1]; the model multiplies t and guidance by 1000 inside",
        },
        "trace": TRACE_DOC,
        "cases": cases,
    }
    refio.write_json(manifest_path, manifest)
    print(f"flux_ref: wrote {len(cases)} cases to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
