#!/bin/sh
# tests/bench/run.sh [--json-out FILE] [--work DIR] [--keep] [N...]
#
# The N-site benchmark (default N: 100 1000 10000), run from the source
# tree after a build.  Not part of "meson test": it takes minutes.
#   BUILD              the build directory (default: build)
#   BENCH_RUNS         runs per figure, medians reported (default 5)
#   BENCH_RUNS_BIG     runs per figure for N >= 10000 (default BENCH_RUNS)
#   BENCH_RECORD_TYPE  the fetcher's record-type (default both)
#   BENCH_TIMEOUT      bound on one tool run, seconds (default 1800)
# Table on stdout, progress on stderr, one JSON line per N appended to
# --json-out (default BUILD/bench-results.jsonl).  See README.md here.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build}
[ -d "$BUILD" ] || { echo "run.sh: $BUILD: no build directory (set BUILD)" >&2; exit 2; }
BUILD=$(cd "$BUILD" && pwd)
for f in publisher/vpnrr fetcher/vpnrr-fetch tests/bench/sigbench; do
	[ -x "$BUILD/$f" ] || { echo "run.sh: $BUILD/$f: not built (ninja -C $BUILD)" >&2; exit 2; }
done
for tool in python3 nsd dig dnsperf sync /usr/bin/time; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "run.sh: $tool: not installed (tests/install-deps.sh)" >&2; exit 2; }
done
for tool in "${MAKE_SECNET_SITES:-/usr/sbin/make-secnet-sites}" "${SECNET:-/usr/sbin/secnet}"; do
	[ -x "$tool" ] || { echo "run.sh: $tool: not installed (the secnet package)" >&2; exit 2; }
done
exec python3 -B "$HERE/bench.py" --src "$SRC" --build "$BUILD" "$@"
