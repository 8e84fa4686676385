#!/bin/sh
# clang-tidy over the code, with the compile commands of a build (scripts/build.sh writes them).
#   scripts/tidy.sh [BUILD_DIR]         what CI enforces: bugprone-* and performance-* (less the
#                                       exclusions of .clang-tidy) over the library, src/ but
#                                       cli/ (the front end includes CLI11, which takes some 20 s a
#                                       file to parse): about 4 minutes on 2 cores
#   scripts/tidy.sh --all [BUILD_DIR]   every check of .clang-tidy over all of src/ (for a
#                                       developer's look: slow, and not clean yet)
# Exit status 1 when clang-tidy warns, with each warning printed once.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
all=0
if [ "${1:-}" = "--all" ]; then
  all=1
  shift
fi
build=${1:-$root/build}
if [ ! -f "$build/compile_commands.json" ]; then
  echo "tidy.sh: no compile_commands.json in $build: run scripts/build.sh first" >&2
  exit 3
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Clang's own warnings count too, whether or not the build made them errors (-Werror).
if [ "$all" = 1 ]; then
  run-clang-tidy -p "$build" -j "$(nproc)" -quiet -extra-arg=-Werror "$root/src/" >"$log" 2>&1 || true
else
  run-clang-tidy -p "$build" -j "$(nproc)" -quiet -extra-arg=-Werror \
    -checks='-*,bugprone-*,performance-*,-bugprone-easily-swappable-parameters' \
    "$root/src/(core|net|sources|engine|explain|vet|report|serve)/" >"$log" 2>&1 || true
fi
# The colours and the caret lines are for terminals; a warning is one line here.
warnings=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^/.*: (warning|error): ' | sort -u || true)
if [ -n "$warnings" ]; then
  echo "$warnings"
  echo "tidy.sh: $(echo "$warnings" | wc -l) finding(s)" >&2
  exit 1
fi
echo "tidy.sh: clean ($(grep -c 'clang-tidy' "$log" || true) files)"
