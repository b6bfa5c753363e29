#!/bin/sh
# Replays a fuzz target's seeds and the inputs that once failed
# (tests/fuzz/regress/KIND/) through the target built without libFuzzer.
# Seeds: made from the test vectors for txt and bin, checked in under
# tests/fuzz/seeds/KIND/ for the others.
# usage: replay.sh REPLAY_BIN KIND VECDIR
set -eu
bin=$1 kind=$2 vecdir=$3
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case $kind in
txt|bin)
	python3 "$here/seeds.py" "$vecdir" "$tmp" >/dev/null
	seeds=$tmp/$kind ;;
*)	seeds=$here/seeds/$kind ;;
esac
n=$(ls "$seeds" | wc -l)
[ "$n" -gt 0 ] || { echo "replay.sh: no $kind seeds" >&2; exit 1; }
set -- "$seeds"/*
for f in "$here/regress/$kind"/*; do
	[ -f "$f" ] && set -- "$@" "$f"
done
"$bin" "$@"
