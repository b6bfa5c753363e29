#!/bin/sh
# tests/run.sh - install what is missing (Debian 12), build, and run every
# test twice: a normal build (gcc), then one with AddressSanitizer and
# UBSan (clang); in between, a release build (gcc -O3, where gcc's
# flow analysis warns most) must compile without a warning and pass the
# unit suite.
# Exits non-zero on any failure.  Usage: sh tests/run.sh
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"

sh tests/install-deps.sh
# The Debian nsd package may start a system nsd on port 53; the tests run
# their own on free ports and do not need it.

run_suite() {
	dir=$1
	shift
	echo "== meson setup $dir $*"
	rm -rf "$dir"
	meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || {
		cat "$dir.setup.log" >&2
		return 1
	}
	ninja -C "$dir"
	meson test -C "$dir" --print-errorlogs --num-processes 2
}

# Build only, plus the quick unit suite: the other suites run in the two
# full passes.
release_build() {
	dir=build-release
	echo "== meson setup $dir --buildtype=release (-O3)"
	rm -rf "$dir"
	meson setup "$dir" --buildtype=release -Dwerror=true \
		>"$dir.setup.log" 2>&1 || {
		cat "$dir.setup.log" >&2
		return 1
	}
	ninja -C "$dir"
	meson test -C "$dir" --print-errorlogs --num-processes 2 --suite unit
}

status=0
run_suite build-test || status=1
release_build || status=1
# The sanitizer pass uses clang, so both compilers build with -Werror, and
# also builds the libFuzzer targets.
CC=clang ASAN_OPTIONS=detect_leaks=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false \
	-Dfuzz=true || status=1
if [ "$status" -eq 0 ]; then
	echo "tests/run.sh: all suites passed (normal, release and sanitizer builds)"
else
	echo "tests/run.sh: FAILED" >&2
fi
exit "$status"
