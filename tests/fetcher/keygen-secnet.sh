#!/bin/sh
# keygen-secnet.sh VPNRR VPNRR-FETCH ZONE-EXAMPLES SRCDIR
#
# A secnet rsa1 key made by "vpnrr keygen --secnet", all the way through:
#   * london/alpha's key lines in a copy of zone-examples are replaced by
#     what keygen printed (serial, pkg, pub rsa1), its secnet private key
#     by the new file; the example VPN is rebuilt and "vpnrr verify"
#     accepts every zone;
#   * make-secnet-sites takes the printed line in a sites file, and secnet
#     -j loads the private key as the local key (a garbled copy is
#     refused, so the check can fail);
#   * vpnrr-fetch (NSD on loopback) verifies alpha under its secnet rules,
#     writes the key into alpha's peer-keys file, and secnet -j accepts
#     the configuration with the new private key; with secnet-min-rsa-bits
#     above the key's size the same record is refused as consumer-rule.
set -eu
V=$1 F=$2 EX=$3 SRC=$4
. "$(dirname "$0")/lib.sh"

ZE=$TMP/ze
cp -R "$EX" "$ZE"
rm -f "$ZE"/zones/*.zone "$ZE"/sites/*.rec "$ZE/admin/state"
ANCHOR=$(cat "$ZE/keys/anchor.pub")
ALPHA=$ZE/sites/london,alpha.site

# ---- the key -------------------------------------------------------------
rm -f "$ZE/keys/alpha.secnet"
"$V" keygen --secnet --serial 00000005 --group 00000005 \
	"$ZE/keys/alpha.secnet" >"$TMP/alpha.lines" 2>"$TMP/keygen.log" ||
	fail "keygen --secnet" "$TMP/keygen.log"
[ "$(stat -c %a "$ZE/keys/alpha.secnet")" = 600 ] ||
	fail "the private key is not mode 0600"
PUBLINE=$(grep '^pub rsa1 ' "$TMP/alpha.lines") ||
	fail "keygen printed no pub rsa1 line" "$TMP/alpha.lines"
B91=${PUBLINE#pub rsa1 }

# ---- the site description, signed and verified ------------------------
grep -v -e '^serial ' -e '^pkg ' -e '^pubkey ' "$ALPHA" >"$TMP/alpha.site"
cat "$TMP/alpha.lines" >>"$TMP/alpha.site"
cp "$TMP/alpha.site" "$ALPHA"
sh "$ZE/regen.sh" "$V" >"$TMP/regen.log" 2>&1 ||
	fail "regen.sh with the new alpha key" "$TMP/regen.log" "$ALPHA"
"$V" verify --anchor "$ANCHOR" "$ZE"/zones/*.zone >"$TMP/verify.out" \
	2>&1 || fail "vpnrr verify refused the zones" "$TMP/verify.out"
echo "ok: vpnrr verify accepts the record with the new key"

# ---- make-secnet-sites and secnet on their own -------------------------
DHP=$(echo "$DH" | cut -d' ' -f1) DHG=$(echo "$DH" | cut -d' ' -f2)
cat >"$TMP/sites" <<EOF
vpn example
contact ops@example.net
dh $DH
hash sha1
 location london root
  site alpha
   networks 10.1.0.0/16
   peer 10.1.0.1
   address alpha.example.net 4500
   $PUBLINE
EOF
(cd "$TMP" && timeout 60 "$MSS" sites mss.conf) >"$TMP/mss.log" 2>&1 ||
	fail "make-secnet-sites refused the printed line" "$TMP/mss.log"
grep -q 'rsa-public("65537","[0-9]*")' "$TMP/mss.conf" ||
	fail "make-secnet-sites wrote no rsa1 key" "$TMP/mss.conf"
write_secnet_conf "$TMP/mss.conf" "$TMP/mss-secnet.conf"
check_secnet "$TMP/mss-secnet.conf" "$TMP/mss-secnet.log"
echo "ok: secnet -j loads the private key"

# The same key file with one byte of p changed (p sits before at most 7
# bytes of padding): secnet's validity check must refuse it.
size=$(stat -c %s "$ZE/keys/alpha.secnet")
cp "$ZE/keys/alpha.secnet" "$TMP/garbled.secnet"
printf '\377' | dd of="$TMP/garbled.secnet" bs=1 seek=$((size - 10)) \
	conv=notrunc 2>/dev/null
chmod 600 "$TMP/garbled.secnet"
secnet_test_conf "$TMP/mss.conf" "$TMP/garbled.conf" example/london/alpha \
	"$TMP/garbled.secnet" "$DHP" "$DHG"
if timeout 60 "$SECNET" -j -c "$TMP/garbled.conf" >"$TMP/garbled.log" 2>&1
then
	fail "secnet -j accepted a garbled key file" "$TMP/garbled.log"
fi
grep -q "valid RSA key" "$TMP/garbled.log" ||
	fail "secnet refused the garbled key for another reason" \
		"$TMP/garbled.log"
echo "ok: secnet -j refuses a garbled copy"

# ---- vpnrr-fetch ------------------------------------------------------
start_nsd "$TMP/nsd" "$ZE"/zones/*.zone
write_conf "$TMP/good.conf" good "127.0.0.1:$PORT" txt
fetch "$TMP/good.conf" good
[ "$RC" -eq 0 ] || fail "vpnrr-fetch: status $RC" "$TMP/good.log" \
	"$TMP/good.json"
st=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(r.get("site_status", {}).get("london/alpha", {}).get("status", "-"))' \
	"$TMP/good.json")
[ "$st" = verified ] || fail "london/alpha is $st" "$TMP/good.json"
PK=$TMP/good/out/pk/peer.example,london,alpha
grep -qx "serial 00000005" "$PK" && grep -qx "pkg 00000005" "$PK" &&
	grep -qxF "pub rsa1 $B91" "$PK" ||
	fail "alpha's peer-keys file does not hold the new key set" "$PK"
write_secnet_conf "$TMP/good/out/secnet/sites.conf" "$TMP/good-secnet.conf"
check_secnet "$TMP/good-secnet.conf" "$TMP/good-secnet.log"
echo "ok: vpnrr-fetch verifies the key and secnet -j accepts its output"

write_conf "$TMP/strict.conf" strict "127.0.0.1:$PORT" txt \
	"secnet-min-rsa-bits 3072"
fetch "$TMP/strict.conf" strict
st=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(r.get("site_status", {}).get("london/alpha", {}).get("status", "-"))' \
	"$TMP/strict.json")
[ "$st" = consumer-rule ] ||
	fail "with secnet-min-rsa-bits 3072, london/alpha is $st" \
		"$TMP/strict.json" "$TMP/strict.log"
grep -q "modulus of 2048 bits is below the minimum of 3072" \
	"$TMP/strict.log" || fail "the refusal does not give the sizes" \
	"$TMP/strict.log"
echo "ok: the fetcher's rsa1 rule is what let the key through"
echo "all checks passed"
