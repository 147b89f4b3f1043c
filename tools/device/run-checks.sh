#!/bin/bash
# run-checks.sh — on a machine with a GPU: unpacks make-pack.sh's archive
# and runs the Vulkan checks on the real device, each step under its own
# time limit, logging to $OUT (or ./device-out):
#   1. the devices seen; 2. test-ops, test-flux, test-ae on Vulkan under
#   the validation layer; 3. bench-ops (GFLOPS vs OpenBLAS); 4. one FLUX
#   forward against PyTorch on the GPU (bench/bench-dit.sh medium and
#   large, PyTorch with CUDA as the peer); 5. an image job end to end.
#
#   tools/device/run-checks.sh [PACK.tar.xz] [STEPS]   (STEPS: "1 2 3 4 5")
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
pack=${1:-$top/.devpack/pack.tar.xz}
steps=${2:-1 2 3 4 5}
out=${OUT:-$top/device-out}
mkdir -p "$out"
rp=/tmp/rectify-pack
rm -rf "$rp" && mkdir -p "$rp" && tar -C "$rp" -xJf "$pack" || exit 1
export LD_LIBRARY_PATH=$rp/lib VK_LAYER_PATH=$rp/layers RECTIFY_SOURCE_DIR=$top
export GEGL_PATH=$rp/gegl BABL_PATH=$rp/babl
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
           /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd; break; fi
done
# The binaries look for the tiny test models at the source path they were built in.
src=$(cat "$rp/source-dir" 2>/dev/null)
if [ -n "$src" ] && [ ! -e "$src" ]; then mkdir -p "$(dirname "$src")" && ln -s "$top" "$src"; fi
step() { case " $steps " in *" $1 "*) return 0 ;; esac; return 1; }
log() { echo "== $*" | tee -a "$out/summary.txt"; }
run() {  # run LIMIT NAME COMMAND...
  local limit=$1 name=$2; shift 2
  local t0=$(date +%s.%N)
  timeout "$limit" "$@" >"$out/$name.log" 2>&1
  local rc=$?
  log "$name: rc $rc in $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }") s"
  tail -n 4 "$out/$name.log" | sed 's/^/   /' | tee -a "$out/summary.txt"
}
: >"$out/summary.txt"
if step 1; then
  nvidia-smi -L 2>&1 | tee -a "$out/summary.txt"
  run 60 devices "$rp/bin/rectify" devices
  cat "$out/devices.log" >>"$out/summary.txt"
  if grep -q "No Vulkan driver" "$out/devices.log"; then
    # Say why the driver did not load, and stop: nothing else can run.
    nv=$(find / -xdev -name 'libGLX_nvidia.so.0' 2>/dev/null | head -n 1)
    echo "driver library: ${nv:-none found}; ICD: ${VK_DRIVER_FILES:-none}" | tee -a "$out/summary.txt"
    [ -n "$nv" ] && ldd "$nv" | grep -i "not found" | tee -a "$out/summary.txt"
    exit 1
  fi
fi
if step 2; then
  RECTIFY_VK_VALIDATION=1 run 240 test-ops "$rp/bin/test-ops" --backend vulkan
  grep -ci "fail" "$out/test-ops.log" | sed 's/^/   lines with "fail": /' | tee -a "$out/summary.txt"
  RECTIFY_VK_VALIDATION=1 run 120 test-flux "$rp/bin/test-flux" --backend vulkan
  RECTIFY_VK_VALIDATION=1 run 120 test-ae "$rp/bin/test-ae" --backend vulkan
  RECTIFY_VK_VALIDATION=1 RECTIFY_MEMORY_BUDGET=65536 run 120 test-flux-streamed "$rp/bin/test-flux" --backend vulkan
fi
if step 3; then
  run 180 bench-ops stdbuf -oL "$rp/bin/bench-ops" --backend vulkan
  cat "$out/bench-ops.log" >>"$out/summary.txt"
fi
if step 4; then
  mkdir -p "$rp/build/cli" && ln -sf "$rp/bin/rectify" "$rp/build/cli/rectify"
  for config in medium large; do
    BENCH_BACKENDS=vulkan BENCH_TORCH_DEVICE=cuda PYTHON=python3 \
      run 240 "bench-dit-$config" bash "$top/bench/bench-dit.sh" "$rp/build" "$config" 5
    cat "$out/bench-dit-$config.log" >>"$out/summary.txt"
  done
fi
if step 5; then
  run 120 generate "$rp/bin/rectify" generate -p "a red balloon" --device vulkan --seed 7 \
    -o "$out/generate.png"
  run 120 inpaint "$rp/bin/rectify" inpaint "$top/examples/landscape.png" \
    --mask "$top/examples/landscape-mask.png" -p "a balloon" --device vulkan -o "$out/inpaint.png"
fi
log done
