#!/bin/sh
# Configures and builds rblscope. Usage: scripts/build.sh [BUILD_DIR] [extra cmake args...]
# The tests are built unless the arguments say -DRBLSCOPE_BUILD_TESTS=OFF.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-"$root/build"}
[ $# -gt 0 ] && shift
generator=""
command -v ninja >/dev/null 2>&1 && generator="-G Ninja"
tests="-DRBLSCOPE_BUILD_TESTS=ON"
case " $* " in *" -DRBLSCOPE_BUILD_TESTS="*) tests="" ;; esac
# shellcheck disable=SC2086
cmake -S "$root" -B "$dir" $generator -DCMAKE_BUILD_TYPE=RelWithDebInfo $tests "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)"
