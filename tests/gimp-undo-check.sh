#!/bin/sh
# gimp-undo-check.sh LOG — judges a gimp-undo-trace.c log: every plug-in
# run (one process) that changed the image did it in exactly one undo
# group, with every change inside it. Prints one line per run; exit 1 on
# any fault or when no run changed anything.
awk '
  { pid = $1; seen[pid] = 1 }
  $2 == "gimp_image_undo_group_start" { starts[pid]++; next }
  $2 == "gimp_image_undo_group_end" { ends[pid]++; next }
  { changes[pid]++; if ($3 != 1) outside[pid]++ }
  END {
    bad = 0; good = 0
    for (p in seen) {
      if (!changes[p] && !starts[p]) continue
      if (starts[p] == 1 && ends[p] == 1 && !outside[p]) {
        good++; printf "ok undo: run %s, 1 group, %d changes inside it\n", p, changes[p]
      } else {
        bad++; printf "FAIL undo: run %s, %d group starts, %d ends, %d of %d changes outside\n",
          p, starts[p], ends[p], outside[p], changes[p]
      }
    }
    if (good == 0) print "FAIL undo: no run changed the image"
    exit (bad || good == 0) ? 1 : 0
  }' "$1"
