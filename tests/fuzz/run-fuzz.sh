#!/bin/sh
# Runs libFuzzer targets for SECONDS each (default 600), seeded from the
# test vectors (txt, bin) or tests/fuzz/seeds/KIND plus regress/KIND.
# Crash and hang reproducers are written to the current directory as
# fuzz_KIND-crash-... : copy each into tests/fuzz/regress/KIND/ with the fix.
# usage: tests/fuzz/run-fuzz.sh [SECONDS] [BUILDDIR] [KIND...]
#   KIND: txt bin desc sites state dns request dynupdate wgdump (default: all)
# FUZZ_CORPUS=DIR keeps the corpora in DIR/corpus-KIND (a later run goes
# on from there); by default they go with a temporary directory.
# Needs a build configured with: CC=clang meson setup BUILDDIR -Dfuzz=true
set -eu
secs=${1:-600}
build=${2:-build-fuzz}
[ $# -ge 2 ] && shift 2 || shift $#
[ $# -gt 0 ] || set -- txt bin desc sites state dns request dynupdate wgdump
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$src/tests/fuzz/seeds.py" "$src/tests/vectors" "$work/seeds" >/dev/null
for kind; do
	case $kind in
	txt|bin) seeds=$work/seeds/$kind ;;
	*) seeds=$src/tests/fuzz/seeds/$kind ;;
	esac
	corpus=${FUZZ_CORPUS:-$work}/corpus-$kind
	mkdir -p "$corpus"
	echo "fuzz_$kind: ${secs}s"
	# stderr of the code under test (import notes, error messages) is
	# noise here; libFuzzer still reports crashes.
	"$build/tests/fuzz/fuzz_$kind" -max_total_time="$secs" -max_len=20000 \
		-timeout=20 -rss_limit_mb=2048 -close_fd_mask=2 \
		-artifact_prefix="./fuzz_$kind-" -print_final_stats=1 \
		"$corpus" "$seeds" \
		$( [ -d "$src/tests/fuzz/regress/$kind" ] &&
		   echo "$src/tests/fuzz/regress/$kind" )
done
