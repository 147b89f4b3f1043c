#!/bin/sh
# test-gimp2.sh — runs each Rectify procedure headless in GIMP 2.10
# (gimp-console-2.10 + Script-Fu) with the freshly built plug-in: a new
# layer must appear, pixels outside the feathered selection stay white,
# pixels inside change, the source layer is untouched.
#   test-gimp2.sh PLUGIN SOURCE_DIR      exits 77 without gimp-console-2.10
set -u
plugin=$(realpath "$1")
src=$(cd "$2" && pwd)
command -v gimp-console-2.10 >/dev/null || { echo "SKIP: no gimp-console-2.10"; exit 77; }
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT INT TERM
export HOME="$home" GIMP2_DIRECTORY="$home/gimp2"
mkdir -p "$GIMP2_DIRECTORY/plug-ins/rectify-gimp2"
cp "$plugin" "$GIMP2_DIRECTORY/plug-ins/rectify-gimp2/"
log="$home/log"
(cd "$home" && timeout 240 gimp-console-2.10 -i -b - < "$src/tests/gimp2/procedures-test.scm") \
  >"$log" 2>&1
rc=$?
fail=0
for proc in inpaint edit generate; do
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
done
set -- $(grep "RESULT offsets " "$log" | sed 's/.*RESULT/RESULT/' | head -1) x x x x
if [ "$3" = 10,8 ] && [ "$4" = 255,255,255 ] && [ "$5" != 255,255,255 ]; then
  echo "ok offsets: new layer at $3, outside kept, inside $5"
else echo "FAIL offsets: $*"; fail=1; fi
set -- $(grep "RESULT noselection " "$log" | sed 's/.*RESULT/RESULT/' | head -1) x x x
if [ "$3" = failed ] && [ "$4" = 1 ]; then
  echo "ok no selection: inpaint refused, no layer added"
else echo "FAIL no selection: $*"; fail=1; fi
[ $fail = 0 ] || tail -30 "$log"
exit $fail
