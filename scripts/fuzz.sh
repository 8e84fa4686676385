#!/bin/sh
# Builds the libFuzzer targets (clang, ASan + UBSan) and fuzzes each for a while.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      (default: 30 s each, every target)
#
# Each target runs on its seeds (tests/fuzz/corpus/NAME) plus a working corpus kept in
# build-fuzz/corpus/NAME between runs; FUZZ_JOBS targets run at once (default: the number
# of cores). A crash, leak or broken invariant is saved in build-fuzz/crashes/NAME/ and
# fails the script: copy it to tests/fuzz/regressions/NAME/ once fixed, so CTest replays it.
# Prints one line per target: executions, executions per second, coverage, corpus size.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-30}
[ $# -gt 0 ] && shift
dir="$root/build-fuzz"

run_one() {
  name=$1
  mkdir -p "$dir/corpus/$name" "$dir/crashes/$name" "$dir/logs"
  log="$dir/logs/$name.log"
  # -rss_limit_mb and -timeout make memory blow-ups and hangs findings too.
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$dir/tests/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$dir/crashes/$name/" \
      "$dir/corpus/$name" "$root/tests/fuzz/corpus/$name" >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  files=$(find "$dir/corpus/$name" -type f | wc -l)
  printf '%-12s %-6s %12s runs %9s exec/s  cov %6s  corpus %6s\n' \
    "$name" "$status" "${runs:-?}" "${rate:-?}" "${cov:-?}" "$files"
  if [ "$status" != ok ]; then
    grep -E 'ERROR|invariant violated|Test unit written|SUMMARY' "$log" | head -5 >&2
    return 1
  fi
}

# xargs runs the targets in parallel by re-entering this script with one of them.
if [ -n "${RBLSCOPE_FUZZ_ONE:-}" ]; then
  run_one "$RBLSCOPE_FUZZ_ONE"
  exit $?
fi

"$root/scripts/deps.sh"
# -O1 -g1 as libFuzzer's documentation builds, asserts on.
CC=clang CXX=clang++ "$root/scripts/build.sh" "$dir" -DRBLSCOPE_FUZZ=ON -DRBLSCOPE_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1"

targets="$*"
if [ -z "$targets" ]; then
  targets=$(cd "$root/tests/fuzz" && ls fuzz_*.cpp | sed 's/^fuzz_//; s/\.cpp$//')
fi

echo "== fuzzing: ${seconds} s per target, ${FUZZ_JOBS:-$(nproc)} at once"
printf '%s\n' $targets | xargs -P "${FUZZ_JOBS:-$(nproc)}" -I{} env RBLSCOPE_FUZZ_ONE={} "$0" "$seconds"
