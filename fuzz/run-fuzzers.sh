#!/bin/sh
# run-fuzzers.sh SECONDS — builds the libFuzzer targets (clang, ASan +
# UBSan) in build-fuzz/ and runs each for SECONDS seconds, starting from
# the committed corpus fuzz/corpus/<target>/. New interesting inputs go to
# build-fuzz/corpus/<target>/ (copy good ones into fuzz/corpus/ to keep
# them); a crash leaves build-fuzz/crash-* and a non-zero exit status —
# add the input to fuzz/corpus/<target>/ so the replay tests keep it.
# Needs: clang, libclang-rt-14-dev (Debian).
set -eu
secs=${1:?usage: fuzz/run-fuzzers.sh SECONDS}
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-fuzz"
if [ ! -d "$build" ]; then
  CC=clang meson setup "$build" "$root" -Dfuzz=true -Db_sanitize=address,undefined \
    -Db_lundef=false -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$build" -j2 fuzz/fuzz-safetensors fuzz/fuzz-gguf fuzz/fuzz-npy \
  fuzz/fuzz-tokenizer >/dev/null
status=0
for target in safetensors gguf npy tokenizer; do
  mkdir -p "$build/corpus/$target"
  echo "== fuzz-$target for ${secs}s"
  # -malloc_limit_mb: a hostile header must not make us allocate much
  # more than its own size; inputs here are at most 64 kB.
  if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
      "$build/fuzz/fuzz-$target" -max_total_time="$secs" -max_len=65536 -malloc_limit_mb=64 \
      -rss_limit_mb=1024 -artifact_prefix="$build/crash-$target-" -print_final_stats=1 \
      "$build/corpus/$target" "$root/fuzz/corpus/$target" 2>&1 | grep -E "DONE|ERROR|SUMMARY|CRITICAL|WARNING|Test unit written|stat::"; then
    status=1
  fi
  if ls "$build"/crash-"$target"-* >/dev/null 2>&1; then
    echo "!! fuzz-$target found crashes: $(ls "$build"/crash-"$target"-*)"
    status=1
  fi
done
exit $status
