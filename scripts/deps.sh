#!/bin/sh
# Installs the Debian 12 packages rblscope needs to build, test and benchmark.
# Idempotent: packages already present are skipped, so repeat runs are quick.
set -eu

packages="
  build-essential cmake ninja-build pkg-config
  libc-ares-dev libcurl4-openssl-dev libssl-dev libtomlplusplus-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev libpsl-dev
  doctest-dev rbldnsd dnsperf time procps python3 openssl clang-format
  prometheus icinga2-bin icinga2-common nagios4-core
  libre2-dev pflogsumm python3-spf python3-yaml chromium
  clang libclang-rt-14-dev strace
  libmicrohttpd-dev curl unbound
"

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
