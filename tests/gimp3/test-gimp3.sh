#!/bin/sh
# test-gimp3.sh — builds the GIMP 3 plug-in inside the Debian 13 chroot
# (tests/gimp3/setup-chroot.sh; reused when present) and runs each
# procedure headless through Script-Fu: a new layer must appear, pixels
# outside the feathered selection stay white, pixels inside change; then
# opens the Inpaint dialog under Xvfb and checks its screenshot.
#   test-gimp3.sh SOURCE_DIR [ARTIFACT_DIR]      exits 77 when root or the chroot is missing
set -u
src=$(cd "$1" && pwd)
artifacts=${2:-}
root=${RECTIFY_GIMP3_ROOT:-/var/cache/rectify/trixie-root}
if [ "$(id -u)" != 0 ] || ! command -v chroot >/dev/null; then
  echo "SKIP: needs root for the chroot"; exit 77
fi
if [ ! -f "$root/.rectify-complete" ]; then
  if [ -n "${RECTIFY_GIMP3_SETUP:-}" ]; then
    root=$("$src/tests/gimp3/setup-chroot.sh" "$root" | tail -1) || exit 1
  else
    echo "SKIP: no GIMP 3 chroot at $root (run tests/gimp3/setup-chroot.sh)"; exit 77
  fi
fi
mnt="$root/src"
mkdir -p "$mnt"
cleanup() {
  umount "$mnt" 2>/dev/null
  umount "$root/proc" 2>/dev/null
}
trap cleanup EXIT INT TERM
mountpoint -q "$mnt" || mount --bind "$src" "$mnt" || exit 1
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc" || exit 1

log=$(mktemp)
chroot "$root" sh -c '
  set -e
  cd /src
  [ -f build-gimp3/build.ninja ] || meson setup build-gimp3 -Dgimp3=enabled -Dgimp2=disabled \
      -Dprefix=/usr >/tmp/rectify-gimp3-setup.log
  ninja -C build-gimp3 -j2 plugin/rectify >/tmp/rectify-gimp3-build.log
  export HOME=/tmp/rectify-g3home GIMP3_DIRECTORY=/tmp/rectify-g3home/cfg
  rm -rf "$HOME"
  mkdir -p "$GIMP3_DIRECTORY/plug-ins/rectify"
  cp build-gimp3/plugin/rectify "$GIMP3_DIRECTORY/plug-ins/rectify/"
  cd /tmp
  timeout 240 gimp-console-3.0 -i --batch-interpreter=plug-in-script-fu-eval -b - \
    < /src/tests/gimp3/procedures-test.scm
  rm -f /tmp/rectify-dialog.png
  RECTIFY_DIALOG_SCREENSHOT=/tmp/rectify-dialog.png timeout 120 xvfb-run -a \
    gimp-console-3.0 -i --batch-interpreter=plug-in-script-fu-eval -b - \
    < /src/tests/gimp3/dialog-test.scm || true
' >"$log" 2>&1
rc=$?
fail=0
for proc in inpaint edit generate; do
  line=$(grep "^RESULT $proc " "$log" | head -1)
  if [ -z "$line" ]; then
    echo "FAIL $proc: no result (rc $rc)"; fail=1; continue
  fi
  set -- $line
  # RESULT name before after corner center base-center
  if [ "$4" -ne $(($3 + 1)) ]; then echo "FAIL $proc: layers $3 -> $4"; fail=1
  elif [ "$5" != "255,255,255" ]; then echo "FAIL $proc: outside the selection $5"; fail=1
  elif [ "$6" = "255,255,255" ]; then echo "FAIL $proc: inside unchanged $6"; fail=1
  elif [ "$7" != "255,255,255" ]; then echo "FAIL $proc: source layer touched $7"; fail=1
  else echo "ok $proc: new layer, outside kept $5, inside $6"; fi
done
# the dialog rendered under Xvfb: kept as an artifact next to the test log
shot="$root/tmp/rectify-dialog.png"
if [ -s "$shot" ] && python3 "$src/tests/gimp3/check-png.py" "$shot"; then
  [ -n "$artifacts" ] && cp "$shot" "$artifacts/gimp3-dialog.png"
else
  echo "FAIL dialog: no usable screenshot"; fail=1
fi
[ $fail = 0 ] || tail -30 "$log"
rm -f "$log"
exit $fail
