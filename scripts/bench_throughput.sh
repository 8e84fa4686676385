#!/bin/sh
# Benchmark: rblscope against dnsperf, side by side, at N/4, N and 4N targets (default N =
# 4096) x 50 zones served by rbldnsd on loopback; then the same through a local unbound (one
# thread, stub zones to that rbldnsd: the "use your own resolver" set-up), each side starting
# with a cold cache. dnsperf gets exactly the A queries rblscope sends for the targets, with
# 500 queries outstanding (-q 500), rblscope runs at its defaults (--concurrency 500).
# Printed per size: both rates, rblscope's share of dnsperf's, dnsperf's losses, rblscope's
# peak RSS and its unknown verdicts (every zone is healthy, so each one is spurious).
# Targets (issue 15): 0 unknown, >= 80 % of dnsperf's rate, peak RSS <= 64 MiB and flat.
#   scripts/bench_throughput.sh [N] [--no-unbound]   (RBLSCOPE_BIN=PATH measures another binary)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"
"$root/scripts/build.sh" "$root/build" >/dev/null
exec python3 - "$root" "$@" <<'PY'
import ipaddress, json, os, re, shutil, socket, subprocess, sys, tempfile, time

root = sys.argv[1]
args = sys.argv[2:]
n = int(next((a for a in args if a.isdigit()), "4096"))
use_unbound = "--no-unbound" not in args and shutil.which("unbound")
ZONES = [f"z{z}.bench.test" for z in range(50)]
work = tempfile.mkdtemp(prefix="rblscope-bench-")
os.chmod(work, 0o755)
procs = []


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd, settle=1.0):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(p)
    time.sleep(settle)
    return p


def stop(p):
    p.kill()
    p.wait()
    procs.remove(p)


def start_unbound(rbl_port):
    port = free_port()
    conf = os.path.join(work, "unbound.conf")
    with open(conf, "w") as f:
        f.write(f"""server:
  interface: 127.0.0.1@{port}
  port: {port}
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "{work}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  num-threads: 1
  do-ip6: no
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  module-config: "iterator"
  qname-minimisation: no
  auto-trust-anchor-file: ""
  local-zone: "test." nodefault
""")
        for z in ZONES:
            f.write(f'stub-zone:\n  name: "{z}"\n  stub-addr: 127.0.0.1@{rbl_port}\n')
    return start(["unbound", "-c", conf]), port


def dnsperf(port, count):
    path = os.path.join(work, f"queries-{count}.txt")
    if not os.path.exists(path):
        with open(path, "w") as f:
            for i in range(count):
                rev = ".".join(reversed(str(ipaddress.IPv4Address(0x0a000000 + i)).split(".")))
                for z in ZONES:
                    f.write(f"{rev}.{z} A\n")
    out = subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", path, "-n", "1",
                          "-c", "4", "-q", "500", "-t", "2"], capture_output=True, text=True).stdout
    qps = float(re.search(r"Queries per second:\s+([\d.]+)", out).group(1))
    lost = int(re.search(r"Queries lost:\s+(\d+)", out).group(1))
    return qps, lost


def rblscope(port, count):
    prefix = 32 - (count.bit_length() - 1)
    timing = os.path.join(work, "time.txt")
    binary = os.environ.get("RBLSCOPE_BIN") or os.path.join(root, "build", "src", "rblscope")
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", timing, binary, "check", "--catalog",
                          catalog, "--resolver", f"127.0.0.1:{port}", "--max-addresses",
                          str(count), "--format", "json", f"10.0.0.0/{prefix}"],
                         capture_output=True).stdout
    wall, rss_kb = open(timing).read().split()[-2:]  # after "Command exited with ..."
    s = json.loads(out)["summary"]
    return s["queries"] / float(wall), float(wall), int(rss_kb) / 1024, s["unknown"]


try:
    # 50 ip4set zones sharing one data file: the test points, and every 16th address listed.
    with open(f"{work}/data.zone", "w") as f:
        f.write(":127.0.0.2:Listed, see https://example.test/?$\n127.0.0.2\n")
        for i in range(0, 4 * n, 16):
            f.write(f"{ipaddress.IPv4Address(0x0a000000 + i)}\n")
    catalog = f"{work}/catalog.toml"
    with open(catalog, "w") as f:
        for i, z in enumerate(ZONES):
            f.write(f'[[zone]]\nid = "z{i}"\nzone = "{z}"\nkind = "ip4"\nstatus = "active"\n'
                    f'default = true\ntxt = true\n\n')
    rbl_port = free_port()
    start(["rbldnsd", "-n", "-q", "-b", f"127.0.0.1/{rbl_port}", "-r", work]
          + [f"{z}:ip4set:data.zone" for z in ZONES])
    print(f"50 zones, targets x 50 A queries (+ test points, + TXT for listings); "
          f"dnsperf -q 500, rblscope at its defaults")
    print(f"{'server':<10} {'targets':>7} {'dnsperf q/s':>12} {'lost':>5} {'rblscope q/s':>13} "
          f"{'share':>6} {'wall s':>7} {'RSS MiB':>8} {'unknown':>8}")
    setups = [("rbldnsd", None)] + ([("unbound", "unbound")] if use_unbound else [])
    for name, kind in setups:
        for count in (n // 4, n, n * 4):
            if kind == "unbound":
                ub, port = start_unbound(rbl_port)
                perf_qps, lost = dnsperf(port, count)
                stop(ub)
                ub, port = start_unbound(rbl_port)  # a cold cache for rblscope too
                qps, wall, rss, unknown = rblscope(port, count)
                stop(ub)
            else:
                perf_qps, lost = dnsperf(rbl_port, count)
                qps, wall, rss, unknown = rblscope(rbl_port, count)
            print(f"{name:<10} {count:>7} {perf_qps:>12,.0f} {lost:>5} {qps:>13,.0f} "
                  f"{100 * qps / perf_qps:>5.0f}% {wall:>7.2f} {rss:>8.1f} {unknown:>8}")
finally:
    for p in list(procs):
        stop(p)
    shutil.rmtree(work, ignore_errors=True)
PY
