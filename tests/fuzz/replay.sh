#!/bin/sh
# Replays the seed corpus (made from the test vectors) and the inputs that
# once failed (tests/fuzz/regress/KIND/) through a fuzz target built
# without libFuzzer.  usage: replay.sh REPLAY_BIN txt|bin VECDIR
set -eu
bin=$1 kind=$2 vecdir=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$(dirname "$0")/seeds.py" "$vecdir" "$tmp" >/dev/null
n=$(ls "$tmp/$kind" | wc -l)
[ "$n" -gt 0 ] || { echo "replay.sh: no $kind seeds" >&2; exit 1; }
regress=$(dirname "$0")/regress/$kind
set -- "$tmp/$kind"/*
for f in "$regress"/*; do
	[ -f "$f" ] && set -- "$@" "$f"
done
"$bin" "$@"
