#!/bin/sh
# check-cli-po.sh RECTIFY LOCALEDIR — the CLI binds its text domain: with
# LANGUAGE=de and $RECTIFY_LOCALEDIR at the build's catalogues, its option
# help (N_) and its errors (_) come out in German. Without a German catalogue
# of GLib's own on this system (the locale machinery cannot be shown to
# work) the check is skipped.
set -u
rectify=$1 localedir=$2
run () {
  RECTIFY_LOCAL=1 RECTIFY_LOCALEDIR=$localedir LANGUAGE=de LC_ALL=C.UTF-8 "$rectify" "$@" 2>&1
}
help=$(run generate --help)
case "$help" in
  *Hilfeoptionen*) ;;
  *) echo "SKIP: GLib's own help is not German here (no German locale data)"; exit 77 ;;
esac
fail=0
check () {
  case "$2" in
    *"$3"*) echo "ok   $1" ;;
    *) echo "FAIL $1: no '$3' in:"; printf '%s\n' "$2" | head -n 4; fail=1 ;;
  esac
}
check "option help" "$help" "Ausgabebild (.png, .jpg, .tif, .exr)"
check "parameter error" "$(run generate --steps 5000 -p x -o never-written.png)" \
  "--steps nimmt 1 bis 1000"
check "library error" "$(run models info /nonexistent/rectify-model)" \
  "keine solche Datei und kein solcher Ordner"
# and English without the catalogue (RECTIFY_LOCALEDIR at an empty folder)
check "untranslated" "$(RECTIFY_LOCALEDIR=/nonexistent LANGUAGE=de LC_ALL=C.UTF-8 \
  "$rectify" generate --steps 5000 -p x -o never-written.png 2>&1)" "--steps takes 1 to 1000"
exit $fail
