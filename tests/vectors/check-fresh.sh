#!/bin/sh
# check-fresh.sh MKVECTORS KEYDIR VECDIR
#
# Regenerates the test vectors into a temporary directory and compares
# them with the committed VECDIR/*.vec: same set of files, same bytes.
set -eu

if [ $# -ne 3 ]; then
	echo "usage: $0 MKVECTORS KEYDIR VECDIR" >&2
	exit 2
fi
mkvectors=$1
keydir=$2
vecdir=$3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vpnrr-vectors.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

"$mkvectors" "$keydir" "$tmp"

status=0
for f in "$tmp"/*.vec; do
	name=${f##*/}
	if [ ! -f "$vecdir/$name" ]; then
		echo "$name: generated but not committed in $vecdir" >&2
		status=1
	elif ! cmp -s "$f" "$vecdir/$name"; then
		echo "$name: committed file differs from the generator's output:" >&2
		diff -u "$vecdir/$name" "$f" | head -n 60 >&2 || true
		status=1
	fi
done
for f in "$vecdir"/*.vec; do
	[ -e "$f" ] || continue
	name=${f##*/}
	if [ ! -f "$tmp/$name" ]; then
		echo "$name: committed in $vecdir but no longer generated" >&2
		status=1
	fi
done
if [ $status -ne 0 ]; then
	echo "regenerate with: mkvectors $keydir $vecdir (see $vecdir/README.md)" >&2
else
	echo "all $(ls "$tmp"/*.vec | wc -l) vector files are fresh"
fi
exit $status
