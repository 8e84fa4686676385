#!/bin/sh
# Benchmark: `rblscope vet` on a /24 against the full default catalog, every list served by
# one local rbldnsd (test points listed; three addresses of the block listed), PTR, forward
# DNS, SPF, DMARC and DKIM served by tests' fake_dns. Prints the wall time of each run and
# the grades. Target (issue 6): the speed the resolver allows, not one address at a time.
# Each run is timed twice: on a clean network, and with the first packet of every PTR/SPF/
# DMARC/DKIM question lost (fake_dns --drop-first): the reference for how much a lost packet
# costs (vet's questions are sent copies inside one --query-timeout budget, as check's).
#   scripts/bench_vet.sh [RUNS]     (RBLSCOPE_BIN=PATH times another build's binary, for a before/after)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
bin=${RBLSCOPE_BIN:-$root/build/src/rblscope}
"$root/scripts/deps.sh"
"$root/scripts/build.sh" "$root/build" >/dev/null
work=$(mktemp -d)
chmod 755 "$work"
rbl_pid=""
fake_pid=""
trap '[ -n "$rbl_pid" ] && kill "$rbl_pid" 2>/dev/null; [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null; rm -rf "$work"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$root/build/src/rblscope" zones --default --format json > "$work/zones.json"
key=$(openssl genrsa 2048 2>/dev/null | openssl rsa -pubout -outform DER 2>/dev/null | base64 -w0)

python3 - "$work" "$port" "$key" <<'PY'
import json, sys
work, port, key = sys.argv[1], sys.argv[2], sys.argv[3]
zones = [z["zone"] for z in json.load(open(f"{work}/zones.json")) if z["kind"] in ("ip4", "both")]
with open(f"{work}/data.zone", "w") as f:
    f.write(":127.0.0.2:Listed in the benchmark\n127.0.0.2\n192.0.2.97\n192.0.2.99\n192.0.2.100\n")
with open(f"{work}/server.sh", "w") as f:
    f.write('exec rbldnsd -n -q -b "127.0.0.1/$1" -r "$2" ' +
            " ".join(f"{z}:ip4set:data.zone" for z in zones) + "\n")
with open(f"{work}/zone-args", "w") as f:
    f.write(" ".join(f"--zone-server {z}=127.0.0.1:{port}" for z in zones))
with open(f"{work}/records", "w") as f:
    for i in range(256):
        f.write(f"{i}.2.0.192.in-addr.arpa\tPTR\tmail-{i}.example.test\n")
        f.write(f"mail-{i}.example.test\tA\t192.0.2.{i}\n")
    f.write("example.test\tTXT\tv=spf1 ip4:192.0.2.0/25 -all\n")
    f.write("_dmarc.example.test\tTXT\tv=DMARC1; p=reject\n")
    f.write(f"s1._domainkey.example.test\tTXT\tv=DKIM1; k=rsa; p={key}\n")
print(f"{len(zones)} default IP lists on rbldnsd 127.0.0.1:{port}")
PY

sh "$work/server.sh" "$port" "$work" >/dev/null 2>&1 &
rbl_pid=$!
"$root/build/tests/fake_dns" --records "$work/records" > "$work/fake.port" &
fake_pid=$!
sleep 1
fake_port=$(awk '/PORT/ {print $2}' "$work/fake.port")

vet_once() { # $1: label, $2: resolver port
  # shellcheck disable=SC2046
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" vet 192.0.2.0/24 \
    --domain example.test --dkim-selector s1 --query-timeout 3 \
    --resolver "127.0.0.1:$2" $(cat "$work/zone-args") --format json \
    > "$work/out.json" 2>"$work/err" || true
  python3 - "$1" "$work/out.json" "$work/time" <<'PY'
import json, sys
doc = json.load(open(sys.argv[2]))
secs, rss = open(sys.argv[3]).read().split()[-2:]
s = doc["summary"]
asked = sum(len(a["blocklists"]["listed"]) + a["blocklists"]["clean"] + a["blocklists"]["errors"]
            for a in doc["addresses"] if a["blocklists"])
spf = sum(1 for a in doc["addresses"] if a.get("spf") and a["spf"]["result"] == "pass")
print(f"/24, {sys.argv[1]}: {secs} s wall, peak RSS {int(rss) / 1024:.1f} MiB; "
      f"{s['addresses']} addresses, {asked} list answers, {spf} SPF pass; "
      f"ready {s['ready']}, caution {s['caution']}, burned {s['burned']}")
PY
}

for i in $(seq 1 "$runs"); do
  vet_once "clean network" "$fake_port"
  # A fresh lossy server each run: it drops the first query of each question it sees.
  "$root/build/tests/fake_dns" --drop-first --records "$work/records" > "$work/lossy.port" &
  lossy_pid=$!
  sleep 0.5
  vet_once "first packet of each question lost" "$(awk '/PORT/ {print $2}' "$work/lossy.port")"
  kill "$lossy_pid" 2>/dev/null || true
  wait "$lossy_pid" 2>/dev/null || true
done
