#!/bin/sh
# Benchmark: rblscope against rbldnsd on loopback, 50 zones x N IPs (default 4096), JSON to a
# file, next to dnsperf's rate against the same server with the same names in the same run.
# Also runs N/4 and 4N targets to show that peak RSS does not grow with the number of targets.
# Targets (issue 2): >= 60% of dnsperf's queries/s, peak RSS <= 64 MiB, flat RSS.
#   scripts/bench_throughput.sh [N]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-4096}
"$root/scripts/deps.sh"
"$root/scripts/build.sh" "$root/build" >/dev/null
work=$(mktemp -d)
chmod 755 "$work"
rbl_pid=""
trap '[ -n "$rbl_pid" ] && kill "$rbl_pid" 2>/dev/null; rm -rf "$work"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# 50 ip4set zones sharing one data file: the test points, and every 16th address of 10.0.0.0/8 listed.
python3 - "$work" "$n" <<'PY'
import sys, ipaddress
work, n = sys.argv[1], int(sys.argv[2])
with open(f"{work}/data.zone", "w") as f:
    f.write(":127.0.0.2:Listed, see https://example.test/?$\n127.0.0.2\n")
    for i in range(0, 4 * n, 16):
        f.write(f"{ipaddress.IPv4Address(0x0a000000 + i)}\n")
with open(f"{work}/catalog.toml", "w") as f:
    for z in range(50):
        f.write(f'[[zone]]\nid = "z{z}"\nzone = "z{z}.bench.test"\nkind = "ip4"\nstatus = "active"\n'
                f'default = true\ntxt = true\n\n')
with open(f"{work}/server.sh", "w") as f:
    f.write('exec rbldnsd -n -q -b "127.0.0.1/$1" -r "$2" ' + " ".join(f"z{z}.bench.test:ip4set:data.zone" for z in range(50)) + "\n")
# dnsperf gets the same A queries rblscope sends for the N targets.
with open(f"{work}/queries.txt", "w") as f:
    for i in range(n):
        rev = ".".join(reversed(str(ipaddress.IPv4Address(0x0a000000 + i)).split(".")))
        for z in range(50):
            f.write(f"{rev}.z{z}.bench.test A\n")
PY

sh "$work/server.sh" "$port" "$work" 2>/dev/null &
rbl_pid=$!
sleep 1

echo "rbldnsd on 127.0.0.1:$port, 50 zones; $n targets = $((n * 50)) A queries (+ test points, + TXT for listings)"
dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries.txt" -n 1 -c 4 -q 500 -t 2 > "$work/dnsperf.txt" 2>&1 || true
dnsperf_qps=$(awk '/Queries per second/ {print $4}' "$work/dnsperf.txt")
dnsperf_lost=$(awk '/Queries lost/ {print $3}' "$work/dnsperf.txt")
echo "dnsperf:  $dnsperf_qps queries/s (lost: $dnsperf_lost)"

run() {
  count=$1
  last=$(python3 -c "import ipaddress; print(ipaddress.IPv4Address(0x0a000000 + $count - 1))")
  prefix=$(python3 -c "import math; print(32 - int(math.log2($count)))")
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$root/build/src/rblscope" check --catalog "$work/catalog.toml" \
    --resolver "127.0.0.1:$port" --max-addresses "$count" --format json "10.0.0.0/$prefix" \
    > "$work/out.json" 2>"$work/err.txt" || true
  python3 - "$work/out.json" "$work/time.txt" "$count" "$dnsperf_qps" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
wall, rss_kb = open(sys.argv[2]).read().split()[-2:]  # after "Command exited with ..."
s = doc["summary"]
qps = s["queries"] / float(wall)
status = {}
for t in doc["targets"]:
    for r in t["results"]:
        status[r["status"]] = status.get(r["status"], 0) + 1
share = f", {100 * qps / float(sys.argv[4]):.0f}% of dnsperf" if sys.argv[4] else ""
print(f"rblscope: {sys.argv[3]:>6} targets: {s['queries']} queries in {float(wall):.2f} s = {qps:,.0f} queries/s{share}; "
      f"peak RSS {int(rss_kb) / 1024:.1f} MiB; verdicts listed {s['listed']} clean {s['clean']} unknown {s['unknown']}; "
      f"statuses {status}")
PY
}
run $((n / 4))
run "$n"
run $((n * 4))
