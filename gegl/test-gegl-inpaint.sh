#!/bin/sh
# test-gegl-inpaint.sh — the gegl CLI runs an XML graph load → rectify:inpaint
# (aux = mask) → save with the tiny test model; the output must differ from
# the input only inside the mask.
#   test-gegl-inpaint.sh MODULE_DIR RECTIFY_CLI COMPARE SOURCE_DIR SYSTEM_GEGL_PATH
set -u
command -v gegl >/dev/null || { echo "SKIP: no gegl CLI"; exit 77; }
moddir=$1 cli=$2 compare=$3 src=$4 sysdir=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cat > "$tmp/graph.xml" <<XML
<?xml version='1.0' encoding='UTF-8'?>
<gegl>
  <node operation='rectify:inpaint'>
    <params>
      <param name='prompt'>a red hot air balloon</param>
      <param name='steps'>2</param>
      <param name='seed'>7</param>
      <param name='device'>cpu</param>
    </params>
    <node operation='gegl:load'>
      <params><param name='path'>$src/examples/landscape-mask.png</param></params>
    </node>
  </node>
  <node operation='gegl:load'>
    <params><param name='path'>$src/examples/landscape.png</param></params>
  </node>
</gegl>
XML
GEGL_PATH="$moddir:$sysdir" RECTIFY_CLI="$cli" timeout 120 gegl "$tmp/graph.xml" \
  -o "$tmp/out.png" > "$tmp/log" 2>&1
rc=$?
if [ $rc != 0 ] || [ ! -s "$tmp/out.png" ]; then
  echo "FAIL gegl exited $rc"; cat "$tmp/log"; exit 1
fi
grep -q 'rectify:inpaint:' "$tmp/log" && { echo "FAIL"; cat "$tmp/log"; exit 1; }
"$compare" "$src/examples/landscape.png" "$src/examples/landscape-mask.png" "$tmp/out.png"
