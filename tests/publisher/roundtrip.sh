#!/bin/sh
# roundtrip.sh VPNRR FETCH SRC DATA - every sites file of
# DATA/roundtrip (placeholders @DH@, @KEY1@..@KEY4@ filled in from
# zone-examples) goes "vpnrr import", "vpnrr index", NSD, "vpnrr-fetch"
# (its sites-file output), then make-secnet-sites; its output must mean
# what make-secnet-sites makes of the original (mss_compare.py: every
# site, endpoint, network, key, mobile flag, dh, hash, timer).
set -eu
V=$1 F=$2 SRC=$3 DATA=$4
MSS=${MAKE_SECNET_SITES:-/usr/sbin/make-secnet-sites}
for tool in nsd dig python3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "no $tool: skipped"; exit 77; }
done
[ -x "$MSS" ] || { echo "no make-secnet-sites: skipped"; exit 77; }
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/lib/nsd.sh"
CMP="python3 $(dirname "$0")/mss_compare.py"
ZS=$SRC/zone-examples/sites
cd "$TMP"

DH=$(sed -n 's/^dh //p' "$ZS/london,alpha.site")
key() { sed -n 's/^pubkey \([0-9]* [0-9]* [0-9]*\).*/\1/p' "$ZS/$1.site" | head -n 1; }
K1=$(key london,alpha) K2=$(key paris,beta) K3=$(key berlin,delta)
K4=$(key mobile,gamma)
cp -R "$DATA/roundtrip" corpus
find corpus -name '*.conf' | while read -r f; do
	sed -i "s/@DH@/$DH/; s/@KEY1@/$K1/; s/@KEY2@/$K2/; s/@KEY3@/$K3/; s/@KEY4@/$K4/" "$f"
done

# make-secnet-sites refuses "include" outside --userv mode: its original
# output is made from the file with each include line replaced by the
# file it names (relative to the including file's directory).
expand() {
	while IFS= read -r line; do
		case $line in
		include\ *) cat "$(dirname "$1")/${line#include }" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$1"
}

n=0
for conf in corpus/*.conf; do
	name=$(basename "$conf" .conf)
	d=$TMP/$name
	mkdir -p "$d/opk" "$d/gpk"
	expand "$conf" >"$d/orig.sites"
	expect 0 "$name: make-secnet-sites takes the original" "$MSS" \
		--pubkeys-install --pubkeys-dir "$d/opk" "$d/orig.sites" \
		"$d/orig.out"
	expect 0 "$name: import" "$V" import --zone rt.example -d "$d/imp" \
		--lifetime 10y "$conf"
	cp "$TMP/err" "$d/import.notes"
	expect 0 "$name: index" "$V" index "$d/imp/admin"
	start_nsd "$d/nsd" "$d/imp/admin/rt.example.zone"
	{
		echo "vpn rt"
		echo "zone rt.example"
		echo "anchor $("$V" keygen --public "$d/imp/admin/anchor.key")"
		echo "resolver 127.0.0.1:$PORT"
		echo "state-dir $d/state"
		echo "output sites-file $d/sites"
		echo "timeout 500ms"
		echo "attempts 2"
	} >"$d/fetch.conf"
	expect 0 "$name: vpnrr-fetch" timeout -k 5 60 "$F" -c "$d/fetch.conf" \
		--once
	stop_nsd
	expect 0 "$name: make-secnet-sites takes the fetched sites file" \
		"$MSS" --pubkeys-install --pubkeys-dir "$d/gpk" "$d/sites" \
		"$d/got.out"
	expect 0 "$name: same meaning after the round trip" $CMP \
		"$d/orig.out" "$d/opk" "$d/got.out" "$d/gpk"
	sed 's/^/  | /' "$TMP/out"
	n=$((n + 1))
done
[ "$n" -ge 2 ] && ok "$n corpus files" || fail "corpus missing"

# What import reports as not carried, for the record.
has every/import.notes "location: group admins is userv access control" \
	"location group named as not carried"
has every/import.notes "restrict-nets: restrictions below VPN level" \
	"location restrict-nets named as not carried"
finish
