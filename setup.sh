#!/bin/sh
# setup.sh — install what Rectify needs (Debian 12/13, Ubuntu 24.04), then
# configure and build into ./build. Safe to run again: it installs only
# missing packages and rebuilds only what changed.
#
#   ./setup.sh                 build ./build
#   BUILD_DIR=x MESON_ARGS="-Db_sanitize=address,undefined" ./setup.sh
set -eu
cd "$(dirname "$0")"

PACKAGES="meson ninja-build pkg-config gcc glslang-tools libvulkan-dev \
mesa-vulkan-drivers vulkan-validationlayers libopenblas-dev libglib2.0-dev \
libjson-glib-dev libpng-dev gimp libgimp2.0-dev libgegl-dev gegl gettext xvfb xauth"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing$missing"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

BUILD_DIR="${BUILD_DIR:-build}"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  # shellcheck disable=SC2086
  meson setup "$BUILD_DIR" ${MESON_ARGS:-}
fi
ninja -C "$BUILD_DIR"
