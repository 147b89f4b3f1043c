#!/bin/sh
# bench-dit.sh — milliseconds per FLUX forward: Rectify's CPU and Vulkan
# backends against PyTorch CPU on the same weights, in the same run.
#
#   bench/bench-dit.sh [BUILD_DIR] [tiny|medium|large] [RUNS]
#
# Environment: PYTHON (default /usr/bin/python3), BENCH_BACKENDS (default "cpu vulkan"), BENCH_TORCH_DEVICE
# (cpu, or cuda on a machine with an NVIDIA GPU: the peer for Vulkan).
#
# medium: hidden 1024, 8 heads × 128, 2 double + 4 single blocks, 1024
# image tokens + 256 text tokens (tools/reference/bench_flux_torch.py
# makes the weights and the PyTorch number; needs python3-torch).
# large: FLUX.1's real width (hidden 3072, 24 heads, context 4096), 1+2 blocks,
# 4096 image + 512 text tokens (a 1024 x 1024 image): for GPUs.
# Vulkan on a CPU-emulated device (lavapipe) runs the tiny config only.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
config=${2:-medium}
runs=${3:-5}
rectify=$build/cli/rectify
py=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! "$py" -c "import torch" 2>/dev/null; then
  echo "bench-dit: PyTorch is not installed (apt-get install python3-torch); no peer to compare" >&2
  exit 1
fi
case $config in
  tiny) grid=3x5 ;;
  medium) grid=32x32 ;;
  large) grid=64x64 ;;
  *) echo "bench-dit: config is tiny, medium or large" >&2; exit 2 ;;
esac
backends=${BENCH_BACKENDS:-cpu vulkan}
torch_device=${BENCH_TORCH_DEVICE:-cpu}

torch_ms=$("$py" "$top/tools/reference/bench_flux_torch.py" --config "$config" \
             --runs "$runs" --device "$torch_device" --save "$work" | sed -n 's/^torch_forward_ms: //p')
t=$("$py" -c "import numpy as n; print(float(n.load('$work/in_t.npy')[0]))")
g=$("$py" -c "import numpy as n; print(float(n.load('$work/in_guidance.npy')[0]))")

run() {
  "$rectify" dit --model "$work/model.safetensors" --img "$work/in_img.npy" --txt "$work/in_txt.npy" \
    --y "$work/in_y.npy" --t "$t" --guidance "$g" --grid "$grid" --out "$work/out-$1.npy" \
    --device "$1" --bench "$runs" | sed -n 's/^forward_ms: //p'
}

echo "config: $config ($grid image tokens), $runs runs, median ms per forward"
printf "%-10s %12s %10s\n" backend forward_ms vs_torch
printf "%-10s %12.1f %10s\n" "torch-$torch_device" "$torch_ms" 1.00
for be in $backends; do
  if [ "$be" = vulkan ] && [ "$config" != tiny ] && "$rectify" devices 2>/dev/null | grep -q llvmpipe; then
    echo "vulkan     skipped: lavapipe (CPU emulation) runs only the tiny config"
    continue
  fi
  ms=$(run "$be")
  printf "%-10s %12.1f %10.2f\n" "$be" "$ms" "$(awk -v a="$ms" -v b="$torch_ms" 'BEGIN { print a / b }')"
done
"$py" - "$work" <<'PY'
import sys, numpy as np, os
w = sys.argv[1]; ref = np.load(os.path.join(w, "out.npy"))
for b in ("cpu", "vulkan"):
    p = os.path.join(w, f"out-{b}.npy")
    if os.path.exists(p):
        a = np.load(p)
        print(f"{b}: relative error vs PyTorch {np.linalg.norm(a - ref) / np.linalg.norm(ref):.2e}")
PY
