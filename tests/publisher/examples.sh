#!/bin/sh
# examples.sh VPNRR EXAMPLES DATA - rebuilds zone-examples with regen.sh,
# checks every zone with nsd-checkzone, serves them with NSD on 127.0.0.1
# and ::1, and verifies live names with "vpnrr verify --server" and with
# "dig | vpnrr verify -"; then tampers with one byte of a served record.
set -eu
V=$1 EX=$2
. "$(dirname "$0")/lib.sh"

cp -R "$EX" "$TMP/ex"
rm -f "$TMP"/ex/zones/*.zone "$TMP"/ex/sites/*.rec "$TMP/ex/admin/state"
expect 0 "regen.sh rebuilds the example" sh "$TMP/ex/regen.sh" "$V"
Z=$TMP/ex/zones
for z in vpn.example.org alpha.example.net beta.example.net \
	 gamma.example.net delta.example.net; do
	expect 0 "nsd-checkzone accepts $z" nsd-checkzone "$z" "$Z/$z.zone"
done
A=$(cat "$TMP/ex/keys/anchor.pub")

expect 0 "the zone files verify" "$V" verify --anchor "$A" "$Z"/*.zone
has "$TMP/out" "^result: valid (26 valid, 0 invalid)" "26 records valid"
has "$TMP/out" "_vpnrr.delta.example.net TXT: site berlin/delta.*: VALID" \
	"delta (two key groups) valid"
has "$TMP/out" "chain: anchor .* -> head s=.* -> page 1 -> site key" \
	"site chain printed"
has "$TMP/out" "ep=\[2001:db8:2::10\]:4500" "IPv6 literal endpoint"
has "$TMP/out" "k=site; vpn=example; site=mobile/gamma; .*ep=mobile" "mobile"
has "$TMP/out" "nets=10.2.0.0/16,fd00:2::/48" "IPv6 networks inside the VPN"
has "$TMP/out" "keys=00000002:rsa1:.*,00000002:x25519:.*,~00000001:rsa1:" \
	"rollover: new group and fallback group"
expect 1 "a wrong anchor fails" "$V" verify \
	--anchor "$(cat "$TMP/ex/keys/alpha.pub")" "$Z"/*.zone
expect 1 "the admin zone alone cannot vouch for missing pages" sh -c \
	"sed '/^; page/,/^; signed member records/d' '$Z/vpn.example.org.zone' \
	 > '$TMP/nopages.zone' &&
	 '$V' verify --anchor '$A' '$TMP/nopages.zone'"
has "$TMP/out" "page 1 (.*) is missing" "missing page named"
sed '/TYPE65380/,/)/d; s/"v=vpnrr1; k=site/"w=vpnrr1; k=site/' \
	"$Z/delta.example.net.zone" > "$TMP/delta.example.net.zone"
expect 1 "a site record damaged into a plain TXT is noticed" "$V" verify \
	--anchor "$A" "$Z/vpn.example.org.zone" "$TMP/delta.example.net.zone"
has "$TMP/out" "records at _vpnrr.delta.example.net include no vpnrr site" \
	"damaged site record reported"
expect 0 "--json output" "$V" verify --json --anchor "$A" "$Z"/*.zone
has "$TMP/out" '"result": "valid"' "JSON result valid"

start_nsd "$TMP/nsd" "$Z"/*.zone
for addr in 127.0.0.1 ::1; do
	expect 0 "verify --server $addr (whole chain)" "$V" verify \
		--anchor "$A" --server "$addr" -p "$PORT" vpn.example.org
	has "$TMP/out" "^result: valid (26 valid, 0 invalid)" \
		"all 26 records fetched from $addr and valid"
done
expect 0 "verify --server a site name with --zone" "$V" verify --anchor "$A" \
	--server 127.0.0.1 -p "$PORT" --zone vpn.example.org \
	_vpnrr.delta.example.net
has "$TMP/out" "_vpnrr.delta.example.net TXT: site berlin/delta.*VALID" \
	"delta fetched (large record, TCP fallback)"
expect 0 "dig head | verify -" sh -c "dig +tcp TXT _vpnrr.vpn.example.org \
	@127.0.0.1 -p $PORT | '$V' verify --anchor '$A' -"
has "$TMP/out" "^result: valid (1 valid" "head from dig valid"
expect 0 "dig member + site | verify -" sh -c "{ dig TXT \
	alpha.london.m._vpnrr.vpn.example.org @::1 -p $PORT; dig TXT \
	_vpnrr.alpha.example.net @::1 -p $PORT; } | '$V' verify --anchor '$A' -"
has "$TMP/out" "^result: valid (2 valid" "member and site from dig valid"
expect 0 "dig TYPE65380 | verify -" sh -c "dig TYPE65380 \
	_vpnrr.gamma.example.net @127.0.0.1 -p $PORT; dig TYPE65380 \
	gamma.mobile.m._vpnrr.vpn.example.org @127.0.0.1 -p $PORT" 
cp "$TMP/out" "$TMP/dig65380"
expect 0 "binary records from dig verify" "$V" verify --anchor "$A" \
	"$TMP/dig65380"
expect 1 "dig site alone: no membership" sh -c "dig TXT \
	_vpnrr.alpha.example.net @127.0.0.1 -p $PORT | '$V' verify --anchor '$A' -"
has "$TMP/out" "no membership for london/alpha" "missing membership named"
stop_nsd

# Tamper with one byte of alpha's served TXT record (inside the contact).
sed 's/ops@alpha\.example\.net/ops@alpha.exbmple.net/' \
	"$Z/alpha.example.net.zone" > "$TMP/alpha.example.net.zone"
cmp -s "$Z/alpha.example.net.zone" "$TMP/alpha.example.net.zone" &&
	fail "tampering changed nothing"
cp "$TMP/alpha.example.net.zone" "$Z/alpha.example.net.zone"
start_nsd "$TMP/nsd2" "$Z"/*.zone
expect 1 "a tampered served record fails verify --server" "$V" verify \
	--anchor "$A" --server 127.0.0.1 -p "$PORT" vpn.example.org
has "$TMP/out" "_vpnrr.alpha.example.net TXT: site london/alpha.*INVALID" \
	"the tampered record is named"
has "$TMP/out" "signature does not verify" "signature failure reported"
expect 1 "a tampered served record fails dig | verify -" sh -c "{ dig TXT \
	alpha.london.m._vpnrr.vpn.example.org @127.0.0.1 -p $PORT; dig TXT \
	_vpnrr.alpha.example.net @127.0.0.1 -p $PORT; } | '$V' verify --anchor '$A' -"
PORT_WAS=$PORT
stop_nsd
expect 3 "no server: could not fetch" "$V" verify --anchor "$A" --timeout 1s \
	--server 127.0.0.1 -p "$PORT_WAS" vpn.example.org
finish
