#!/bin/sh
# check-po.sh PO PODIR — PO compiles (msgfmt -c) and translates every
# message the sources in PODIR/POTFILES mark, with nothing fuzzy; and
# POTFILES lists every source file that marks messages.
set -eu
po=$1 podir=$2
command -v xgettext >/dev/null || { echo "SKIP: no gettext tools"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$podir/.."
# every source that marks messages is listed (tests/ and build folders aside)
grep -rlE '(^|[^A-Za-z0-9_])(N_|_|ngettext) ?\("' --include='*.c' --include='*.h' \
     --exclude-dir='build*' --exclude-dir='_build*' --exclude-dir=.git --exclude-dir=tests . \
  | sed 's|^\./||' | LC_ALL=C sort > "$tmp/marked"
LC_ALL=C sort "$podir/POTFILES" | comm -23 "$tmp/marked" - > "$tmp/unlisted"
if [ -s "$tmp/unlisted" ]; then
  echo "not in POTFILES, but marks messages:"; cat "$tmp/unlisted"; exit 1
fi
xgettext --from-code=UTF-8 -k_ -kN_ -o "$tmp/rectify.pot" -f "$podir/POTFILES"
msgmerge -q -o "$tmp/merged.po" "$po" "$tmp/rectify.pot"
stats=$(msgfmt -c --statistics -o /dev/null "$tmp/merged.po" 2>&1)
echo "$(basename "$po"): $stats"
case "$stats" in
  *fuzzy*|*untranslated*) exit 1 ;;
esac
