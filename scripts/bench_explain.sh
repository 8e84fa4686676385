#!/bin/sh
# Benchmark of `rblscope explain` on a generated Postfix log (issue 5): throughput in MB/s
# and peak RSS, next to pflogsumm and grep on the same file in the same run.
# Targets: at least 250 MB/s (MiB/s here) on one core and 20x pflogsumm; memory flat in the file size.
#   scripts/bench_explain.sh [SIZE_MB]      (default 1024; the file is made in a temp dir)
# RBLSCOPE_BASE_BIN=PATH also times another build (the one before a change) on the same file.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
size=${1:-1024}
"$root/scripts/deps.sh"
"$root/scripts/build.sh" "$root/build" >/dev/null
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
log="$work/mail.log"

python3 "$root/scripts/gen_postfix_log.py" "$size" > "$log"
bytes=$(stat -c %s "$log")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "file: $mb MiB, $(wc -l < "$log") lines (3 % deferred, 1 % bounced); 1 CPU (taskset -c 0)"
cat "$log" > /dev/null # warm the page cache so every tool reads from memory

# run NAME CMD...: wall time, MB/s and peak RSS of one command (output discarded)
run() {
  name=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/time" taskset -c 0 "$@" > "$work/out" 2>/dev/null || true
  read -r secs rss <<EOT
$(tail -n 1 "$work/time")
EOT
  awk -v n="$name" -v s="$secs" -v b="$bytes" -v r="$rss" \
    'BEGIN { printf "%-28s %8.2f s %10.1f MiB/s %9.1f MiB peak RSS\n", n, s, (s > 0 ? b / 1048576 / s : 0), r / 1024 }'
}

run "cat > /dev/null" cat "$log"
run "grep -c status=deferred" grep -c status=deferred "$log"
for i in 1 2 3; do
  run "rblscope explain ($i)" "$root/build/src/rblscope" explain "$log"
done
run "rblscope explain --format json" "$root/build/src/rblscope" explain --format json "$log"
if [ -n "${RBLSCOPE_BASE_BIN:-}" ]; then
  for i in 1 2 3; do
    run "base build explain ($i)" "$RBLSCOPE_BASE_BIN" explain "$log"
  done
fi
run "pflogsumm" pflogsumm "$log"
