#!/bin/sh
# bench-dit.sh — milliseconds per FLUX forward: Rectify's CPU and Vulkan
# backends against PyTorch CPU on the same weights, in the same run.
#
#   bench/bench-dit.sh [BUILD_DIR] [tiny|medium] [RUNS]
#
# medium: hidden 1024, 8 heads × 128, 2 double + 4 single blocks, 1024
# image tokens + 256 text tokens (tools/reference/bench_flux_torch.py
# makes the weights and the PyTorch number; needs python3-torch).
# Vulkan on a CPU-emulated device (lavapipe) runs the tiny config only.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
config=${2:-medium}
runs=${3:-5}
rectify=$build/cli/rectify
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "bench-dit: PyTorch is not installed (apt-get install python3-torch); no peer to compare" >&2
  exit 1
fi
case $config in
  tiny) grid=3x5 ;;
  medium) grid=32x32 ;;
  *) echo "bench-dit: config is tiny or medium" >&2; exit 2 ;;
esac

torch_ms=$(/usr/bin/python3 "$top/tools/reference/bench_flux_torch.py" --config "$config" \
             --runs "$runs" --save "$work" | sed -n 's/^torch_forward_ms: //p')
t=$(/usr/bin/python3 -c "import numpy as n; print(float(n.load('$work/in_t.npy')[0]))")
g=$(/usr/bin/python3 -c "import numpy as n; print(float(n.load('$work/in_guidance.npy')[0]))")

run() {
  "$rectify" dit --model "$work/model.safetensors" --img "$work/in_img.npy" --txt "$work/in_txt.npy" \
    --y "$work/in_y.npy" --t "$t" --guidance "$g" --grid "$grid" --out "$work/out-$1.npy" \
    --device "$1" --bench "$runs" | sed -n 's/^forward_ms: //p'
}

echo "config: $config ($grid image tokens), $runs runs, median ms per forward"
printf "%-10s %12s %10s\n" backend forward_ms vs_torch
printf "%-10s %12.1f %10s\n" pytorch "$torch_ms" 1.00
cpu_ms=$(run cpu)
printf "%-10s %12.1f %10.2f\n" cpu "$cpu_ms" "$(echo "$cpu_ms / $torch_ms" | bc -l)"
if "$rectify" devices 2>/dev/null | grep -q llvmpipe && [ "$config" != tiny ]; then
  echo "vulkan     skipped: lavapipe (CPU emulation) runs only the tiny config"
else
  vk_ms=$(run vulkan)
  printf "%-10s %12.1f %10.2f\n" vulkan "$vk_ms" "$(echo "$vk_ms / $torch_ms" | bc -l)"
fi
/usr/bin/python3 - "$work" <<'PY'
import sys, numpy as np, os
w = sys.argv[1]; ref = np.load(os.path.join(w, "out.npy"))
for b in ("cpu", "vulkan"):
    p = os.path.join(w, f"out-{b}.npy")
    if os.path.exists(p):
        a = np.load(p)
        print(f"{b}: relative error vs PyTorch {np.linalg.norm(a - ref) / np.linalg.norm(ref):.2e}")
PY
