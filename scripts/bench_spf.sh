#!/bin/sh
# SPF evaluation speed over the whole RFC 7208 conformance suite (python3-spf's copy):
# rblscope's evaluator (through its unit test, which times only the evaluation) next to
# python3-spf's own reference driver (testspf.py, timing only the suite run), same machine,
# same run.
#   scripts/bench_spf.sh [RUNS]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
"$root/scripts/deps.sh"
"$root/scripts/build.sh" "$root/build" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
doc=/usr/share/doc/python3-spf
zcat "$doc/testspf.py.gz" > "$work/testspf.py"
zcat "$doc/rfc7208-tests.yml.gz" > "$work/rfc7208-tests.yml"

for i in $(seq 1 "$runs"); do
  "$root/build/tests/unit_vet" -tc="spf: the RFC 7208 conformance suite" 2>&1 |
    sed -n 's/.*MESSAGE: RFC 7208 suite: \(.*\)/rblscope:    \1/p'
  (cd "$work" && /usr/bin/python3 - <<'PY'
import io, time, unittest
import testspf
suite = testspf.makeSuite("rfc7208-tests.yml")
start = time.perf_counter()
result = unittest.TextTestRunner(stream=io.StringIO()).run(suite)
ms = (time.perf_counter() - start) * 1000
print(f"python3-spf: {result.testsRun - len(result.failures) - len(result.errors)} of "
      f"{result.testsRun} passed; evaluation took {ms:.1f} ms")
PY
  )
done
