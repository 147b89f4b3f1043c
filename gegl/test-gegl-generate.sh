#!/bin/sh
# test-gegl-generate.sh — the gegl CLI runs an XML graph rectify:generate →
# save with the tiny test model: the image must have the asked size and
# not be blank; then the same op from C reports rising progress.
#   test-gegl-generate.sh MODULE_DIR RECTIFY_CLI COMPARE PROGRESS SYSTEM_GEGL_PATH
set -u
command -v gegl >/dev/null || { echo "SKIP: no gegl CLI"; exit 77; }
moddir=$1 cli=$2 compare=$3 progress=$4 sysdir=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cat > "$tmp/graph.xml" <<XML
<?xml version='1.0' encoding='UTF-8'?>
<gegl>
  <node operation='rectify:generate'>
    <params>
      <param name='prompt'>a lighthouse on a cliff</param>
      <param name='width'>72</param>
      <param name='height'>40</param>
      <param name='steps'>2</param>
      <param name='seed'>5</param>
      <param name='device'>cpu</param>
    </params>
  </node>
</gegl>
XML
export GEGL_PATH="$moddir:$sysdir" RECTIFY_CLI="$cli"
timeout 120 gegl "$tmp/graph.xml" -o "$tmp/out.png" > "$tmp/log" 2>&1
rc=$?
if [ $rc != 0 ] || [ ! -s "$tmp/out.png" ]; then
  echo "FAIL gegl exited $rc"; cat "$tmp/log"; exit 1
fi
grep -q 'rectify:generate:' "$tmp/log" && { echo "FAIL"; cat "$tmp/log"; exit 1; }
"$compare" --size 72 40 "$tmp/out.png" || exit 1
timeout 120 "$progress"
