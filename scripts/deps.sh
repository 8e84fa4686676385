#!/bin/sh
# Installs the Debian 12 packages rblscope needs.
#   scripts/deps.sh build    what building and running need (the README's first command)
#   scripts/deps.sh package  that, plus what building the Debian package needs
#   scripts/deps.sh [test]   all of that, plus what the tests and benchmarks need (the default)
# Idempotent: packages already present are skipped, so repeat runs are quick.
set -eu

# Building and running: the compiler, CMake, the libraries, and scdoc for the man pages.
build_packages="
  build-essential cmake ninja-build pkg-config scdoc
  libc-ares-dev libcurl4-openssl-dev libssl-dev libtomlplusplus-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev libpsl-dev libre2-dev libmicrohttpd-dev libidn2-dev
  libsqlite3-dev
  libyaml-cpp-dev libgnutls28-dev libcrypt-dev
"

# The Debian package (scripts/package.sh): debhelper, and lintian to judge the result.
package_packages="
  debhelper dpkg-dev fakeroot lintian
"

# Tests and benchmarks: real DNS, HTTP, monitoring and browser peers, the fuzzer's
# compiler, the packaging tools, and the yardsticks the benchmarks compare against.
test_packages="
  doctest-dev rbldnsd dnsperf time procps python3 openssl clang-format clang-tidy
  prometheus icinga2-bin icinga2-common nagios4-core
  pflogsumm python3-spf python3-yaml python3-aiosmtpd chromium
  clang libclang-rt-14-dev strace
  curl unbound bash-completion zsh man-db
"

case "${1:-test}" in
build) packages=$build_packages ;;
package) packages="$build_packages $package_packages" ;;
test) packages="$build_packages $package_packages $test_packages" ;;
*)
  echo "usage: scripts/deps.sh [build|package|test]" >&2
  exit 3
  ;;
esac

missing=""
for p in $packages; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

[ -z "$missing" ] && exit 0

sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "deps.sh: need root (or sudo) to install:$missing" >&2; exit 1; }
  sudo="sudo"
fi
echo "deps.sh: installing:$missing" >&2
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
