#!/bin/sh
# test-gegl-generate.sh — the gegl CLI runs an XML graph rectify:generate →
# save with the tiny test model through the engine service: the image must
# have the asked size and not be blank, and the job must have run in the
# service; then the same op from C reports rising progress and its process
# has neither Vulkan nor a model file mapped. The service is stopped at
# the end (tests/service-env.sh).
#   test-gegl-generate.sh MODULE_DIR RECTIFY COMPARE PROGRESS SOURCE_DIR SYSTEM_GEGL_PATH
set -u
command -v gegl >/dev/null || { echo "SKIP: no gegl CLI"; exit 77; }
moddir=$1 cli=$(realpath "$2") compare=$3 progress=$4 src=$5 sysdir=$6
tmp=$(mktemp -d)
. "$src/tests/service-env.sh"
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
export GEGL_PATH="$moddir:$sysdir"
timeout 120 gegl "$tmp/graph.xml" -o "$tmp/out.png" > "$tmp/log" 2>&1
rc=$?
if [ $rc != 0 ] || [ ! -s "$tmp/out.png" ]; then
  echo "FAIL gegl exited $rc"; cat "$tmp/log"; exit 1
fi
grep -q 'rectify:generate:' "$tmp/log" && { echo "FAIL"; cat "$tmp/log"; exit 1; }
fail=0
ran_in_service generate || fail=1
"$compare" --size 72 40 "$tmp/out.png" || fail=1
# the module binds its text domain as it loads (RECTIFY_LOCALEDIR overrides the folder)
RECTIFY_LOCALEDIR=/tmp/rectify-test-locale timeout 120 "$progress" || fail=1
service_stop || fail=1
exit $fail
