#!/bin/sh
# test-gimp3.sh — builds the GIMP 3 plug-in inside the Debian 13 chroot
# (tests/gimp3/setup-chroot.sh; reused when present) and runs each
# procedure headless through Script-Fu (inpaint also with strength 0.5,
# which must give another result): a new layer must appear, pixels
# outside the feathered selection stay white, pixels inside change, the
# returned seed is on the layer (parasite and name), each run writes in
# exactly one undo group (traced with gimp-undo-trace.so: the PDB cannot
# undo); then opens the Inpaint dialog under Xvfb, presses OK, and checks
# the screenshots of the dialog and of the progress window with a step
# preview, whose Cancel must stop the run (no layer added). The plug-in
# sends its jobs to the engine service (the chroot build's `rectify
# serve`, in a private runtime folder: tests/service-env.sh): every job
# must be listed in the service's status, the same procedures run with
# RECTIFY_LOCAL=1 (in the plug-in) must give the same results, and the
# service is stopped at the end.
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
  ninja -C build-gimp3 -j2 plugin/rectify cli/rectify gimp-undo-trace.so \
    >/tmp/rectify-gimp3-build.log
  export HOME=/tmp/rectify-g3home GIMP3_DIRECTORY=/tmp/rectify-g3home/cfg
  rm -rf "$HOME" /tmp/rectify-g3svc
  mkdir /tmp/rectify-g3svc
  tmp=/tmp/rectify-g3svc cli=/src/build-gimp3/cli/rectify
  . /src/tests/service-env.sh
  mkdir -p "$GIMP3_DIRECTORY/plug-ins/rectify" "$HOME/bin"
  cp build-gimp3/plugin/rectify build-gimp3/gimp-undo-trace.so "$HOME/bin/"
  # the plug-in GIMP starts is a wrapper that preloads the undo tracer
  printf "#!/bin/sh\nLD_PRELOAD=%s exec %s \"\$@\"\n" "$HOME/bin/gimp-undo-trace.so" \
    "$HOME/bin/rectify" > "$GIMP3_DIRECTORY/plug-ins/rectify/rectify"
  chmod +x "$GIMP3_DIRECTORY/plug-ins/rectify/rectify"
  export RECTIFY_UNDO_LOG=/tmp/rectify-undo.log
  rm -f "$RECTIFY_UNDO_LOG"
  cd /tmp
  timeout 240 gimp-console-3.0 -i --batch-interpreter=plug-in-script-fu-eval -b - \
    < /src/tests/gimp3/procedures-test.scm
  unset RECTIFY_UNDO_LOG
  # the same in the plug-in process: the results must match the service'"'"'s
  RECTIFY_LOCAL=1 timeout 240 gimp-console-3.0 -i --batch-interpreter=plug-in-script-fu-eval \
    -b - < /src/tests/gimp3/procedures-test.scm 2>&1 | sed "s/^/LOCAL /"
  rm -f /tmp/rectify-dialog.png /tmp/rectify-progress.png
  RECTIFY_DIALOG_SCREENSHOT=/tmp/rectify-dialog.png RECTIFY_DIALOG_ACCEPT=1 \
    RECTIFY_PROGRESS_SCREENSHOT=/tmp/rectify-progress.png RECTIFY_PROGRESS_CANCEL=1 \
    timeout 120 xvfb-run -a \
    gimp-console-3.0 -i --batch-interpreter=plug-in-script-fu-eval -b - \
    < /src/tests/gimp3/dialog-test.scm || true
  for proc in inpaint edit generate; do
    ran_in_service $proc | sed "s/^/SERVICE /"
  done
  ran_in_service inpaint cancelled | sed "s/^/SERVICE /"
  service_stop && echo "SERVICE ok stopped"
' >"$log" 2>&1
rc=$?
fail=0
for proc in inpaint inpaint-strength edit generate; do
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
  shift 7
  seed=$1 parasite=$2
  shift 2
  if [ "$seed" = "$parasite" ] && echo "$*" | grep -q "seed $seed)"; then
    echo "ok $proc: seed $seed returned, on the layer as parasite and in its name"
  else echo "FAIL $proc: seed returned $seed, parasite $parasite, layer name '$*'"; fail=1; fi
done
# strength 0.5 starts from the noised layer: another result than strength 1
full=$(grep "^RESULT inpaint " "$log" | head -1 | cut -d' ' -f6)
part=$(grep "^RESULT inpaint-strength " "$log" | head -1 | cut -d' ' -f6)
if [ -n "$part" ] && [ "$part" != "$full" ]; then
  echo "ok strength 0.5: inside $part (strength 1: $full)"
else echo "FAIL strength 0.5: inside '$part', strength 1 '$full'"; fail=1; fi
"$src/tests/gimp-undo-check.sh" "$root/tmp/rectify-undo.log" || fail=1
# the dialog rendered under Xvfb: kept as an artifact next to the test log
for name in dialog progress; do
  shot="$root/tmp/rectify-$name.png"
  if [ -s "$shot" ] && python3 "$src/tests/gimp3/check-png.py" "$shot"; then
    [ -n "$artifacts" ] && cp "$shot" "$artifacts/gimp3-$name.png"
  else
    echo "FAIL $name: no usable screenshot"; fail=1
  fi
done
set -- $(grep "^RESULT dialog " "$log" | head -1) x x x
if [ "$4" = 1 ] && ! grep -q "execution.*failed" "$log"; then
  echo "ok cancel: the progress window's Cancel stopped the run ($3), no layer added"
else echo "FAIL cancel: $* (wanted 1 layer, no failure)"; fail=1; fi
served=$(grep "^RESULT [a-z-]* [0-9]" "$log") here=$(grep "^LOCAL RESULT [a-z-]* [0-9]" "$log" \
  | sed "s/^LOCAL //")
if [ -n "$served" ] && [ "$served" = "$here" ]; then
  echo "ok service and RECTIFY_LOCAL=1: the same $(echo "$served" | wc -l) result lines"
else
  echo "FAIL service and RECTIFY_LOCAL=1 differ:"; echo "$served"; echo "--"; echo "$here"; fail=1
fi
grep "^SERVICE " "$log" | sed "s/^SERVICE //"
grep -q "^SERVICE FAIL" "$log" && fail=1
grep -q "^SERVICE ok stopped" "$log" || { echo "FAIL the service was not stopped"; fail=1; }
grep -q "running in the plug-in instead" "$log" && { echo "FAIL: the plug-in fell back"; fail=1; }
[ $fail = 0 ] || tail -30 "$log"
rm -f "$log"
exit $fail
