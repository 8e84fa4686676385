#!/bin/sh
# Benchmark: one IP against 210 zones that answer after 5..900 ms, plus 4 dead zones,
# all served by tests' fake_dns on loopback. Prints the wall time of each run.
# Target (issue 2): at most 2 s with the default --timeout.
#   scripts/bench_latency.sh [RUNS]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
"$root/scripts/deps.sh"
"$root/scripts/build.sh" "$root/build" >/dev/null
work=$(mktemp -d)
trap 'kill "$fake_pid" 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

# Zone i answers after a delay spread evenly over 5..900 ms.
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
zones, args = [], []
n = 210
for i in range(n):
    delay = 5 + (900 - 5) * i // (n - 1)
    zones.append(f"z{i}.bench.test")
    args.append(f"z{i}.bench.test=rfc@{delay}")
for i in range(4):
    zones.append(f"dead{i}.bench.test")
    args.append(f"dead{i}.bench.test=silent")
with open(f"{work}/catalog.toml", "w") as f:
    for z in zones:
        f.write(f'[[zone]]\nid = "{z}"\nzone = "{z}"\nkind = "ip4"\nstatus = "active"\ndefault = true\n\n')
with open(f"{work}/server.sh", "w") as f:
    f.write('exec "$1" ' + " ".join(f"--zone {a}" for a in args) + "\n")
PY

sh "$work/server.sh" "$root/build/tests/fake_dns" > "$work/port" &
fake_pid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do grep -q PORT "$work/port" 2>/dev/null && break; sleep 0.2; done
port=$(awk '/PORT/ {print $2}' "$work/port")

echo "zones: 210 answering in 5..900 ms + 4 dead; target 192.0.2.99; resolver fake_dns 127.0.0.1:$port"
for i in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  code=0
  "$root/build/src/rblscope" check --catalog "$work/catalog.toml" --resolver "127.0.0.1:$port" \
    --format json 192.0.2.99 > "$work/out.json" 2>/dev/null || code=$?
  end=$(date +%s.%N)
  python3 - "$work/out.json" "$start" "$end" "$i" "$code" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
res = doc["targets"][0]["results"]
count = lambda s: sum(1 for r in res if r["status"] == s)
print(f"run {sys.argv[4]}: wall {float(sys.argv[3]) - float(sys.argv[2]):.3f} s, exit {sys.argv[5]}, "
      f"listed {count('listed')}, timeout {count('timeout')}, error {count('error')}, clean {count('clean')}")
PY
done
