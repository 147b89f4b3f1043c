#!/usr/bin/python3
"""PyTorch CPU timing of one FLUX forward on the "medium" model, the peer number for
Rectify's own benchmark.  Not run in CI.

    /usr/bin/python3 tools/reference/bench_flux_torch.py [--runs 5] [--threads N]
        [--save DIR [--save-dtype F32|BF16]] [--config medium|tiny]

medium: hidden 1024, 8 heads of 128 (axes 16/56/56), 2 double + 4 single blocks,
1024 image tokens (32 x 32 grid, a 512 x 512 image), 256 text tokens, context 512,
vec 768, guidance on; 145.7 M parameters (583 MB as F32, 291 MB as BF16).

--save DIR writes model.safetensors (official tensor names) and the inputs and output
(in_*.npy, out.npy) as flux_ref.py does, so the C benchmark runs the same weights and
can check its result.  With BF16 the forward (and out.npy) uses the bf16-rounded weights.
Prints "torch_forward_ms: <median>" last.
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flux_model as fm  # noqa: E402
import flux_ref  # noqa: E402
import refio  # noqa: E402

MEDIUM = dict(in_channels=64, out_channels=64, vec_in_dim=768, context_in_dim=512,
              hidden_size=1024, mlp_ratio=4.0, num_heads=8, depth=2, depth_single_blocks=4,
              axes_dim=[16, 56, 56], theta=10000, qkv_bias=True, guidance_embed=True)
# large: FLUX.1's real block width (hidden 3072, 24 heads x 128, context 4096) with few
# blocks, at 1024 x 1024 (64 x 64 grid, 4096 image tokens) and 512 text tokens: per-block
# cost equals the real model's; for GPUs.
LARGE = dict(MEDIUM, vec_in_dim=768, context_in_dim=4096, hidden_size=3072, num_heads=24,
             depth=1, depth_single_blocks=2)
SHAPES = {"medium": (MEDIUM, 32, 32, 256), "tiny": (flux_ref.CONFIGS["tiny"], 3, 5, 7),
          "large": (LARGE, 64, 64, 512)}


def flops(cfg, n_img, n_txt):
    """Multiply-adds x 2 of the linear layers and attention (modulation/embedders ignored)."""
    h, l = cfg["hidden_size"], n_img + n_txt
    blocks = cfg["depth"] + cfg["depth_single_blocks"]
    per_token = (3 + 1 + 2 * cfg["mlp_ratio"]) * h * h  # qkv, proj, mlp: same for both block kinds
    return 2 * (l * per_token * blocks + 2 * l * l * h * blocks)


def make_inputs(cfg, gh, gw, n_txt, seed):
    rng = lambda n: np.random.default_rng(flux_ref.name_seed(seed, "input:" + n))  # noqa: E731
    latent = rng("latent").standard_normal((1, 16, 2 * gh, 2 * gw)).astype(np.float32)
    img_ids, txt_ids = fm.make_ids(gh, gw, n_txt)
    return {
        "img": fm.pack_latent(torch.from_numpy(latent)).numpy(),
        "img_ids": img_ids.numpy(),
        "txt": rng("txt").standard_normal((1, n_txt, cfg["context_in_dim"])).astype(np.float32),
        "txt_ids": txt_ids.numpy(),
        "y": rng("y").standard_normal((1, cfg["vec_in_dim"])).astype(np.float32),
        "t": np.array([flux_ref.T_VALUE], dtype=np.float32),
        "guidance": np.array([flux_ref.GUIDANCE_VALUE], dtype=np.float32),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", choices=sorted(SHAPES), default="medium")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=flux_ref.SEED)
    ap.add_argument("--save", metavar="DIR")
    ap.add_argument("--save-dtype", choices=("F32", "BF16"), default="F32")
    ap.add_argument("--device", default="cpu", help="cpu or cuda (float32, TF32 off)")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    if dev.type == "cuda":
        # The same arithmetic as Rectify's float32 kernels: no TF32 shortcuts.
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False

    cfg, gh, gw, n_txt = SHAPES[args.config]
    t0 = time.perf_counter()
    model = fm.Flux(cfg)
    sd = flux_ref.random_weights(model, args.seed)
    if args.save_dtype == "BF16":
        sd = {k: refio.round_bf16(v) for k, v in sd.items()}
    model.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})
    model.eval()
    model.to(dev)
    inp = make_inputs(cfg, gh, gw, n_txt, args.seed)
    n_params = sum(v.size for v in sd.values())
    print(f"config: {args.config} hidden {cfg['hidden_size']} heads {cfg['num_heads']} "
          f"blocks {cfg['depth']}+{cfg['depth_single_blocks']} tokens {gh * gw}+{n_txt} "
          f"params {n_params / 1e6:.1f} M (built in {time.perf_counter() - t0:.1f} s)")
    where = (torch.cuda.get_device_name(dev) if dev.type == "cuda"
             else f"{torch.get_num_threads()} threads")
    print(f"torch {torch.__version__}, {where}, float32 compute")

    t = {k: torch.from_numpy(v).to(dev) for k, v in inp.items()}
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    times = []
    with torch.no_grad():
        for i in range(args.warmup + args.runs):
            sync()
            t0 = time.perf_counter()
            out = model(t["img"], t["img_ids"], t["txt"], t["txt_ids"], t["t"], t["y"], t["guidance"])
            sync()
            dt = (time.perf_counter() - t0) * 1e3
            if i >= args.warmup:
                times.append(dt)
    med = statistics.median(times)
    gflop = flops(cfg, gh * gw, n_txt) / 1e9
    print(f"runs: {', '.join(f'{x:.1f}' for x in times)} ms; {gflop:.1f} GFLOP per forward, "
          f"{gflop / med * 1e3:.1f} GFLOP/s at the median")

    if args.save:
        os.makedirs(args.save, exist_ok=True)
        refio.write_safetensors(os.path.join(args.save, "model.safetensors"),
                                {k: (v, args.save_dtype) for k, v in sd.items()},
                                {"format": "pt", "made_by": "tools/reference/bench_flux_torch.py",
                                 "config": args.config, "seed": str(args.seed),
                                 "rectify.axes_dim": ",".join(str(a) for a in cfg["axes_dim"])})
        for k, v in inp.items():
            refio.save_npy(args.save, "in_" + k, v)
        refio.save_npy(args.save, "out", out.cpu().numpy())
        refio.write_json(os.path.join(args.save, "config.json"),
                         {"config": cfg, "grid": [gh, gw], "n_txt": n_txt, "seed": args.seed,
                          "weight_dtype": args.save_dtype, "torch": torch.__version__})
        print(f"saved model, inputs and output to {args.save}")
    print(f"torch_forward_ms: {med:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
