#!/bin/sh
# Installs what is missing, builds, and runs every test: the normal build, the Debian
# package, then the AddressSanitizer + UndefinedBehaviorSanitizer build and the fuzzers.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"

# Each step says when it started, so a slow step shows in the log.
step() { echo "== $(date -u +%H:%M:%S) $*"; }

step "formatting"
"$root/scripts/format.sh" --check

# Warnings are errors here (a developer's own build only shows them).
step "build (RelWithDebInfo, -Werror) and tests"
"$root/scripts/build.sh" "$root/build" -DRBLSCOPE_WERROR=ON
ctest --test-dir "$root/build" --output-on-failure -j 2

step "clang-tidy (bugprone, performance) over the library"
"$root/scripts/tidy.sh" "$root/build"

step "Debian package (dpkg-buildpackage, lintian), unpacked and installed"
deb=$("$root/scripts/package.sh" "$root/build-deb" | tail -n 1)
RBLSCOPE_DEB="$deb" RBLSCOPE_DEB_INSTALL=1 "$root/build/tests/rblscope_integration" -tc='package:*'

# -O1 -g1 (line tables for the reports), asserts on: half the compile time of -O2 -g,
# which is what this stage mostly spends.
step "build (ASan + UBSan, -O1) and tests"
"$root/scripts/build.sh" "$root/build-asan" -DRBLSCOPE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
  "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" --output-on-failure -j 2

# The corpora were replayed above; this is a short look for new inputs, not a fuzzing run.
step "fuzzing (clang + libFuzzer, ASan + UBSan): ${RBLSCOPE_FUZZ_SECONDS:-10} s per target"
"$root/scripts/fuzz.sh" "${RBLSCOPE_FUZZ_SECONDS:-10}"
