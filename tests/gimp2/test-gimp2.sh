#!/bin/sh
# test-gimp2.sh — runs each Rectify procedure headless in GIMP 2.10
# (gimp-console-2.10 + Script-Fu) with the freshly built plug-in: a new
# layer must appear, pixels outside the feathered selection stay white,
# pixels inside change, the source layer is untouched, the returned seed
# is on the layer (parasite and name), and each run writes in exactly one
# undo group (traced with gimp-undo-trace.so: the PDB cannot undo);
# inpaint with strength 0.5 (the trailing argument) gives another result,
# strength 1.5 is refused. Then,
# under Xvfb, the interactive dialog and the progress window with a
# preview are screenshotted (artifacts gimp2-dialog.png and
# gimp2-progress.png) and the progress window's Cancel must cancel.
# The plug-in sends its jobs to the engine service (the build's `rectify
# serve`, in a private runtime folder): every job must be listed done
# there, the same procedures run with RECTIFY_LOCAL=1 (in the plug-in)
# must give the same results, and the service is stopped at the end
# (tests/service-env.sh).
#   test-gimp2.sh PLUGIN SOURCE_DIR UNDO_TRACE RECTIFY [ARTIFACT_DIR]
#   exits 77 without gimp-console-2.10
set -u
plugin=$(realpath "$1")
src=$(cd "$2" && pwd)
trace=$(realpath "$3")
cli=$(realpath "$4")
artifacts=${5:-}
command -v gimp-console-2.10 >/dev/null || { echo "SKIP: no gimp-console-2.10"; exit 77; }
home=$(mktemp -d)
tmp=$home
. "$src/tests/service-env.sh"
export HOME="$home" GIMP2_DIRECTORY="$home/gimp2" RECTIFY_UNDO_LOG="$home/undo.log"
mkdir -p "$GIMP2_DIRECTORY/plug-ins/rectify-gimp2" "$home/bin"
cp "$plugin" "$home/bin/rectify-gimp2"
# the plug-in GIMP starts is a wrapper that preloads the undo tracer
# (after the ASan runtime in a sanitized build: it must come first)
asan=$(ldd "$plugin" | awk '/libasan/ { print $3 }')
cat > "$GIMP2_DIRECTORY/plug-ins/rectify-gimp2/rectify-gimp2" <<SH
#!/bin/sh
LD_PRELOAD="${asan:+$asan }$trace" exec "$home/bin/rectify-gimp2" "\$@"
SH
chmod +x "$GIMP2_DIRECTORY/plug-ins/rectify-gimp2/rectify-gimp2"
log="$home/log"
(cd "$home" && timeout 240 gimp-console-2.10 -i -b - < "$src/tests/gimp2/procedures-test.scm") \
  >"$log" 2>&1
rc=$?
fail=0
for proc in inpaint inpaint-strength edit generate; do
  line=$(grep "RESULT $proc " "$log" | sed 's/.*RESULT/RESULT/' | head -1)
  if [ -z "$line" ]; then
    echo "FAIL $proc: no result (rc $rc)"; fail=1; continue
  fi
  set -- $line
  if [ "$4" -ne $(($3 + 1)) ]; then echo "FAIL $proc: layers $3 -> $4"; fail=1
  elif [ "$5" != "255,255,255" ]; then echo "FAIL $proc: outside the selection $5"; fail=1
  elif [ "$6" = "255,255,255" ]; then echo "FAIL $proc: inside unchanged $6"; fail=1
  elif [ "$7" != "255,255,255" ]; then echo "FAIL $proc: source layer touched $7"; fail=1
  else echo "ok $proc: new layer, outside kept $5, inside $6"; fi
  # RESULT name before after corner center base seed parasite name...
  shift 7
  seed=$1 parasite=$2
  shift 2
  if [ "$seed" = "$parasite" ] && echo "$*" | grep -q "seed $seed)"; then
    echo "ok $proc: seed $seed returned, on the layer as parasite and in its name"
  else echo "FAIL $proc: seed returned $seed, parasite $parasite, layer name '$*'"; fail=1; fi
done
set -- $(grep "RESULT offsets " "$log" | sed 's/.*RESULT/RESULT/' | head -1) x x x x
if [ "$3" = 10,8 ] && [ "$4" = 255,255,255 ] && [ "$5" != 255,255,255 ]; then
  echo "ok offsets: new layer at $3, outside kept, inside $5"
else echo "FAIL offsets: $*"; fail=1; fi
set -- $(grep "RESULT noselection " "$log" | sed 's/.*RESULT/RESULT/' | head -1) x x x
if [ "$3" = failed ] && [ "$4" = 1 ]; then
  echo "ok no selection: inpaint refused, no layer added"
else echo "FAIL no selection: $*"; fail=1; fi
# strength 0.5 starts from the noised layer: another result than strength 1
full=$(grep "RESULT inpaint " "$log" | sed 's/.*RESULT/RESULT/' | head -1 | cut -d' ' -f6)
part=$(grep "RESULT inpaint-strength " "$log" | sed 's/.*RESULT/RESULT/' | head -1 | cut -d' ' -f6)
if [ -n "$part" ] && [ "$part" != "$full" ]; then
  echo "ok strength 0.5: inside $part (strength 1: $full)"
else echo "FAIL strength 0.5: inside '$part', strength 1 '$full'"; fail=1; fi
set -- $(grep "RESULT badstrength " "$log" | sed 's/.*RESULT/RESULT/' | head -1) x x x
if [ "$3" = failed ] && [ "$4" = 1 ]; then
  echo "ok strength 1.5: refused, no layer added"
else echo "FAIL strength 1.5: $*"; fail=1; fi
"$src/tests/gimp-undo-check.sh" "$RECTIFY_UNDO_LOG" || fail=1
for proc in inpaint edit generate; do
  ran_in_service "$proc" || fail=1
done
grep -q "running in the plug-in instead" "$log" && { echo "FAIL: the plug-in fell back"; fail=1; }
# the same procedures in the plug-in process (RECTIFY_LOCAL=1, untraced):
# the same pixels, seeds and layers as through the service
llog="$home/local-log"
(cd "$home" && RECTIFY_LOCAL=1 RECTIFY_UNDO_LOG= timeout 240 gimp-console-2.10 -i -b - \
  < "$src/tests/gimp2/procedures-test.scm") >"$llog" 2>&1
served=$(grep -o "RESULT .*" "$log") here=$(grep -o "RESULT .*" "$llog")
if [ -n "$served" ] && [ "$served" = "$here" ]; then
  echo "ok service and RECTIFY_LOCAL=1: the same $(echo "$served" | wc -l) result lines"
else
  echo "FAIL service and RECTIFY_LOCAL=1 differ:"; echo "$served"; echo "--"; echo "$here"; fail=1
fi
[ $fail = 0 ] || tail -30 "$log"

# the dialogs under Xvfb
if ! command -v xvfb-run >/dev/null; then
  echo "SKIP dialogs: no xvfb-run"
  service_stop || fail=1
  exit $fail
fi
dlog="$home/dialog-log"
(cd "$home" && RECTIFY_DIALOG_SCREENSHOT="$home/dialog.png" RECTIFY_DIALOG_ACCEPT=1 \
  RECTIFY_PROGRESS_SCREENSHOT="$home/progress.png" RECTIFY_PROGRESS_CANCEL=1 \
  timeout 120 xvfb-run -a gimp-console-2.10 -i -b - < "$src/tests/gimp2/dialog-test.scm") \
  >"$dlog" 2>&1
for shot in dialog progress; do
  if [ -s "$home/$shot.png" ] && python3 "$src/tests/gimp3/check-png.py" "$home/$shot.png"; then
    [ -n "$artifacts" ] && cp "$home/$shot.png" "$artifacts/gimp2-$shot.png"
  else
    echo "FAIL $shot: no usable screenshot"; fail=1
  fi
done
set -- $(grep "RESULT dialog " "$dlog" | sed 's/.*RESULT/RESULT/' | head -1) x x x
if [ "$3" = ran ] && [ "$4" = 1 ] && [ "$5" = none ] && ! grep -q "execution.*failed" "$dlog"
then
  echo "ok cancel: the progress window's Cancel stopped the run, no layer added"
else echo "FAIL cancel: $* (wanted a cancelled run and 1 layer)"; fail=1; tail -20 "$dlog"; fi
ran_in_service inpaint cancelled || fail=1
service_stop || fail=1
exit $fail
