#!/bin/sh
# Runs both libFuzzer targets for SECONDS each (default 600), seeded from
# the test vectors.  usage: tests/fuzz/run-fuzz.sh [SECONDS] [BUILDDIR]
# Needs a build configured with: CC=clang meson setup BUILDDIR -Dfuzz=true
set -eu
secs=${1:-600}
build=${2:-build-fuzz}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$src/tests/fuzz/seeds.py" "$src/tests/vectors" "$work/seeds"
for kind in txt bin; do
	mkdir -p "$work/corpus-$kind"
	echo "fuzz_$kind: ${secs}s"
	"$build/tests/fuzz/fuzz_$kind" -max_total_time="$secs" -max_len=20000 \
		-print_final_stats=1 "$work/corpus-$kind" "$work/seeds/$kind"
done
