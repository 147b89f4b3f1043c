#!/bin/sh
# test-gegl-inpaint.sh — the gegl CLI runs XML graphs with the tiny test
# model through the engine service: load → rectify:inpaint (aux = mask) →
# save, whose output must differ from the input only inside the mask (also
# with strength 0.5: the service's notice says half the steps ran); and
# load → rectify:edit → save, whose output must keep the size and change.
# Both jobs must have run in the service (its status), which is stopped at
# the end (tests/service-env.sh).
#   test-gegl-inpaint.sh MODULE_DIR RECTIFY COMPARE SOURCE_DIR SYSTEM_GEGL_PATH
set -u
command -v gegl >/dev/null || { echo "SKIP: no gegl CLI"; exit 77; }
moddir=$1 cli=$(realpath "$2") compare=$3 src=$4 sysdir=$5
tmp=$(mktemp -d)
. "$src/tests/service-env.sh"
export GEGL_PATH="$moddir:$sysdir"
cat > "$tmp/inpaint.xml" <<XML
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
sed "s|<param name='steps'>2</param>|<param name='steps'>4</param><param name='strength'>0.5</param>|" \
  "$tmp/inpaint.xml" > "$tmp/inpaint-strength.xml"
cat > "$tmp/edit.xml" <<XML
<?xml version='1.0' encoding='UTF-8'?>
<gegl>
  <node operation='rectify:edit'>
    <params>
      <param name='prompt'>a snowy landscape</param>
      <param name='source-prompt'>a landscape</param>
      <param name='steps'>2</param>
      <param name='seed'>3</param>
      <param name='device'>cpu</param>
    </params>
  </node>
  <node operation='gegl:load'>
    <params><param name='path'>$src/examples/landscape.png</param></params>
  </node>
</gegl>
XML
fail=0
for graph in inpaint inpaint-strength edit; do
  op=${graph%-strength}
  G_MESSAGES_DEBUG=all timeout 120 gegl "$tmp/$graph.xml" -o "$tmp/$graph.png" \
    > "$tmp/$graph.log" 2>&1
  rc=$?
  if [ $rc != 0 ] || [ ! -s "$tmp/$graph.png" ]; then
    echo "FAIL $graph: gegl exited $rc"; cat "$tmp/$graph.log"; fail=1; continue
  fi
  # a failed op warns "rectify:OP: ..." and passes its input through (the
  # service's notices are logged at info level, shown here)
  if grep -v "INFO" "$tmp/$graph.log" | grep -q "rectify:$op:"; then
    echo "FAIL $graph:"; cat "$tmp/$graph.log"; fail=1; continue
  fi
  ran_in_service "$op" || fail=1
done
for graph in inpaint inpaint-strength; do
  "$compare" "$src/examples/landscape.png" "$src/examples/landscape-mask.png" \
    "$tmp/$graph.png" || fail=1
done
# the plan notice (logged at info level) shows the strength reached the pipeline
if grep -q "strength 0.5: the last 2 of 4 steps" "$tmp/inpaint-strength.log"; then
  echo "ok strength 0.5: the last 2 of 4 steps ran"
else
  echo "FAIL strength 0.5 did not reach the pipeline:"; cat "$tmp/inpaint-strength.log"; fail=1
fi
"$compare" --changed "$src/examples/landscape.png" "$tmp/edit.png" || fail=1
service_stop || fail=1

# no service to be had: a clear warning, and the input passes through
RECTIFY_SERVE_COMMAND=false timeout 60 gegl "$tmp/inpaint.xml" -o "$tmp/through.png" \
  > "$tmp/through.log" 2>&1
if grep -q "rectify:inpaint: could not start the service.*passing the input through" \
     "$tmp/through.log" && [ -s "$tmp/through.png" ]; then
  echo "ok no service: the op warns and passes its input through"
else
  echo "FAIL no service:"; cat "$tmp/through.log"; fail=1
fi
exit $fail
