#!/bin/sh
# check-po.sh PO PODIR — PO compiles (msgfmt -c) and translates every
# message the sources in PODIR/POTFILES mark, with nothing fuzzy.
set -eu
po=$1 podir=$2
command -v xgettext >/dev/null || { echo "SKIP: no gettext tools"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$podir/.."
xgettext --from-code=UTF-8 -k_ -kN_ -o "$tmp/rectify.pot" -f "$podir/POTFILES"
msgmerge -q -o "$tmp/merged.po" "$po" "$tmp/rectify.pot"
stats=$(msgfmt -c --statistics -o /dev/null "$tmp/merged.po" 2>&1)
echo "$(basename "$po"): $stats"
case "$stats" in
  *fuzzy*|*untranslated*) exit 1 ;;
esac
