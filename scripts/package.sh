#!/bin/sh
# Builds the Debian package from this checkout and judges it with lintian.
#   scripts/package.sh [OUT_DIR]     (default: build-deb/; prints the .deb's path last)
# The build runs in a copy of the files git knows (tracked, or new and not ignored), so no
# build tree or local file gets into the package, and dpkg-buildpackage's output (written
# next to the source) stays out of the checkout.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/build-deb"}
"$root/scripts/deps.sh" package
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rblscope" "$out"
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
  xargs -0 tar cf - --no-recursion) | tar xf - -C "$work/rblscope"
(cd "$work/rblscope" &&
  DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1) || {
  tail -n 40 "$work/build.log" >&2
  echo "package.sh: dpkg-buildpackage failed (the end of its log is above)" >&2
  exit 1
}
deb=$(ls "$work"/rblscope_*.deb)
# Errors fail the build; warnings are shown.
lintian --fail-on error --tag-display-limit 0 "$deb" >&2
cp "$deb" "$out/"
echo "$out/$(basename "$deb")"
