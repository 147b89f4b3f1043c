#!/bin/sh
# make-pack.sh — packs a release build of the GPU checks (test-ops,
# test-flux, test-ae, bench-ops, rectify) with the shared libraries they
# need and the Khronos validation layer into one .tar.xz, for a machine
# with a GPU but no build tools or Debian packages (x86-64, glibc >= this
# machine's). tools/device/run-checks.sh runs it there.
#
#   tools/device/make-pack.sh [BUILD_DIR] [OUT.tar.xz]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build-dev}
out=${2:-$top/.devpack/pack.tar.xz}
[ -f "$build/build.ninja" ] || meson setup "$build" "$top" --buildtype=release
ninja -C "$build" tests/test-ops tests/test-flux tests/test-ae bench/bench-ops cli/rectify
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib" "$stage/layers"
for exe in tests/test-ops tests/test-flux tests/test-ae bench/bench-ops cli/rectify; do
  cp "$build/$exe" "$stage/bin/"
  # Every library but the C runtime and the dynamic loader: the target's own are used.
  ldd "$build/$exe" | awk '$3 ~ /^\// { print $3 }' | while read -r lib; do
    case $(basename "$lib") in
      libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*) ;;
      *) cp -L -n "$lib" "$stage/lib/" ;;
    esac
  done
done
# NVIDIA's Vulkan driver (libGLX_nvidia.so.0) needs the GL vendor-neutral
# dispatch libraries, which a bare machine may lack.
for lib in libGLdispatch.so.0 libGLX.so.0 libEGL.so.1 libOpenGL.so.0 libGL.so.1; do
  [ -e "/lib/x86_64-linux-gnu/$lib" ] && cp -L -n "/lib/x86_64-linux-gnu/$lib" "$stage/lib/"
done
# GEGL's PNG loader and saver (and the babl formats) for the image jobs.
gegl_mods=/usr/lib/x86_64-linux-gnu/gegl-0.4
if [ -d "$gegl_mods" ]; then
  mkdir -p "$stage/gegl" && cp -r /usr/lib/x86_64-linux-gnu/babl-0.1 "$stage/babl"
  for m in gegl-core.so gegl-common.so png-load.so png-save.so; do
    cp "$gegl_mods/$m" "$stage/gegl/"
    ldd "$gegl_mods/$m" | awk '$3 ~ /^\// { print $3 }' | while read -r lib; do
      case $(basename "$lib") in libc.so*|libm.so*) ;; *) cp -L -n "$lib" "$stage/lib/" ;; esac
    done
  done
fi
layer=/usr/lib/x86_64-linux-gnu/libVkLayer_khronos_validation.so
if [ -f "$layer" ]; then
  cp "$layer" "$stage/lib/"
  cp /usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json "$stage/layers/"
fi
# The binaries look for test data under the source folder they were built from.
echo "$top" >"$stage/source-dir"
mkdir -p "$(dirname "$out")"
tar -C "$stage" -cJf "$out" .
ls -la "$out"
