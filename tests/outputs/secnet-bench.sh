#!/bin/sh
# secnet-bench.sh BUILDDIR N [WORKDIR] - times `secnet -j' on vpnrr's
# secnet output and on make-secnet-sites' output for the same N sites
# (tests/bench/gen.py), each included by the same minimal secnet.conf.
# Prints one line per side: "SIDE N wall Ws user Us".  vpnrr's side is
# rendered by render_specs with the VPN-level dh and hash configured (secnet-dh,
# secnet-hash), as a node of that VPN would be set up; VPNRR_NO_SHARED=1
# renders it without them (every site its own dh), for comparison.
# Not a test: 10,000 sites take minutes.
set -eu
[ $# -ge 2 ] || { echo "usage: secnet-bench.sh BUILDDIR N [WORKDIR]" >&2; exit 2; }
build=$1
n=$2
src=$(cd "$(dirname "$0")" && pwd)
work=${3:-$(mktemp -d /tmp/vpnrr-secnet-bench.XXXXXX)}
secnet=${SECNET:-/usr/sbin/secnet}
mss=${MAKE_SECNET_SITES:-/usr/sbin/make-secnet-sites}
. "$src/../lib/secnet.sh"

mkdir -p "$work"
work=$(cd "$work" && pwd) # the outputs want absolute paths
python3 "$src/../bench/gen.py" "$n" "$work/gen"
[ -f "$work/local.key" ] ||
	python3 "$src/mkrsa1key.py" key "$work/local.key" local@example.net \
		>/dev/null
dh=$(sed -n 's/^dh \([0-9a-fA-F]*\) \([0-9a-fA-F]*\)$/\1/p' "$work/gen/sites.conf")
gen=$(sed -n 's/^dh \([0-9a-fA-F]*\) \([0-9a-fA-F]*\)$/\2/p' "$work/gen/sites.conf")
hash=$(sed -n 's/^hash \(.*\)$/\1/p' "$work/gen/sites.conf")
local=bench/l000/s00001

# make-secnet-sites' side.  secnet 0.6 refuses IPv6 routes, which
# make-secnet-sites passes on and vpnrr leaves out: drop them here too.
rm -rf "$work/mss" && mkdir -p "$work/mss/pk"
sed '/^  networks /s/ [0-9a-f:]*:[0-9a-f:]*\/[0-9]*//g' \
	"$work/gen/sites.conf" >"$work/mss/sites.in"
"$mss" --pubkeys-install --pubkeys-dir "$work/mss/pk" \
	"$work/mss/sites.in" "$work/mss/sites.conf"
for f in "$work/mss/pk"/*~update; do
	mv "$f" "${f%~update}"
done

# vpnrr's side.
rm -rf "$work/vpnrr" && mkdir -p "$work/vpnrr/secnet" "$work/vpnrr/pk"
python3 "$src/bench_specs.py" "$work/gen/sites.conf" >"$work/specs"
if [ "${VPNRR_NO_SHARED:-0}" = 1 ]; then
	"$build/tests/outputs/render_specs" bench "$work/specs" "$work/vpnrr" \
		>/dev/null
else
	"$build/tests/outputs/render_specs" bench "$work/specs" "$work/vpnrr" \
		"$dh $gen" "$hash" >/dev/null
fi

for side in mss vpnrr; do
	if [ "$side" = mss ]; then inc=$work/mss/sites.conf
	else inc=$work/vpnrr/secnet/sites.conf; fi
	secnet_test_conf "$inc" "$work/$side.conf" "$local" \
		"$work/local.key" "$dh" "$gen"
	# Wall and user CPU seconds: CPU time is the figure on a busy machine.
	/usr/bin/time -o "$work/$side.time" -f "%e %U" \
		timeout 900 "$secnet" -j -c "$work/$side.conf" \
		>"$work/$side.log" 2>&1 ||
		{ echo "secnet -j rejected $side's output (see $work/$side.log)" >&2; exit 1; }
	read -r wall user <"$work/$side.time"
	echo "$side $n wall ${wall}s user ${user}s"
done
