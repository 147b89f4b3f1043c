#!/bin/sh
# setup-chroot.sh — a Debian 13 (trixie) root with GIMP 3 (libgimp-3.0,
# GEGL 0.4.62) and Rectify's build dependencies, for building and testing
# the GIMP 3 plug-in on machines whose own GIMP is 2.10. Cached: a root
# that is already complete is reused (about 3 minutes to make one).
#
#   tests/gimp3/setup-chroot.sh [ROOT]      default /var/cache/rectify/trixie-root
#
# Needs root and debootstrap. Prints the root's path last.
set -eu
root=${1:-/var/cache/rectify/trixie-root}
mirror=${RECTIFY_DEBIAN_MIRROR:-http://deb.debian.org/debian}
stamp="$root/.rectify-complete"
packages="gimp libgimp-3.0-dev gegl libgegl-dev meson ninja-build gcc pkg-config \
glslang-tools libvulkan-dev mesa-vulkan-drivers libopenblas-dev libjson-glib-dev \
libglib2.0-dev xvfb xauth python3"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$packages" ]; then
  echo "$root"
  exit 0
fi
command -v debootstrap >/dev/null || {
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap
}
if [ ! -x "$root/usr/bin/apt-get" ]; then
  rm -rf "$root"
  mkdir -p "$(dirname "$root")"
  debootstrap --variant=minbase trixie "$root" "$mirror" >&2
fi
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true' EXIT
chroot "$root" sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends $packages" >&2
echo "$packages" > "$stamp"
echo "$root"
