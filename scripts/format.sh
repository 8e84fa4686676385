#!/bin/sh
# Formats the C++ sources with the root .clang-format; --check only reports differences.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
files=$(git ls-files '*.cpp' '*.hpp')
if [ "${1:-}" = "--check" ]; then
  # shellcheck disable=SC2086
  clang-format --dry-run --Werror $files
  echo "format: clean"
else
  # shellcheck disable=SC2086
  clang-format -i $files
fi
