#!/bin/sh
# hostile-site.sh VPNRR VPNRR-FETCH ZONE-EXAMPLES SRCDIR
#
# "A site owner can only hurt their own site": the owner of paris/beta
# signs, with the real vpnrr, values that our grammar takes but that
# secnet refuses or dies of.  For each such value: a good record is
# published and fetched, then the hostile one; the refresh must report
# paris/beta with reason consumer-rule (JSON and log), every output file
# (beta's and everyone else's) must stay as the good fetch left it, and
# the real "secnet -j" must accept the configuration written.  Then a
# node that has never seen paris/beta fetches the hostile record: the
# site stays out, the three others are in.
#
# vpnrr sign takes every value used here (it refuses hash sha256, so the
# unknown hash is sha512, which vpnrr takes and secnet 0.6 lacks).
set -eu
V=$1 F=$2 EX=$3 SRC=$4
. "$(dirname "$0")/lib.sh"

setup_example
S=$ZE/sites Z=$ZE/zones
RS=$(( $(date +%s) + 1000 ))    # record serials, above regen.sh's
ZS=$RS                           # SOA serials of the site zones
start_nsd "$TMP/nsd" "$Z"/*.zone

# set_line FILE KEYWORD VALUE: replace the KEYWORD line (or add one);
# VALUE "absent" removes it.
set_line() {
	if [ "$3" = absent ]; then
		sed -i "/^$2 /d" "$1"
	elif grep -q "^$2 " "$1"; then
		sed -i "s|^$2 .*|$2 $3|" "$1"
	else
		echo "$2 $3" >>"$1"
	fi
}

# publish_beta: sign paris/beta's description with a higher record
# serial, as its owner would, and serve it (NSD reloaded and checked).
publish_beta() {
	RS=$((RS + 1)) ZS=$((ZS + 1))
	set_line "$S/paris,beta.site" record-serial "$RS"
	"$V" sign -k "$ZE/keys/beta.key" -o "$S/paris,beta.rec" \
		"$S/paris,beta.site" >"$TMP/sign.log" 2>&1 ||
		fail "vpnrr sign paris/beta" "$TMP/sign.log"
	{
		printf '$ORIGIN beta.example.net.\n$TTL 300\n'
		printf '@\tSOA\tns1.vpn.example.org. hostmaster.beta.example.net. %s 3600 900 1209600 300\n' "$ZS"
		printf '@\tNS\tns1.vpn.example.org.\n'
		"$V" zone --ttl 300 "$S/paris,beta.rec" || fail "vpnrr zone"
	} >"$Z/beta.example.net.zone.tmp"
	mv "$Z/beta.example.net.zone.tmp" "$Z/beta.example.net.zone"
	nsd_reload beta.example.net "$ZS" _vpnrr.beta.example.net "s=$RS;"
}

# sums DIR: SHA-256 of every secnet, peer-keys and sites-file output.
sums() {
	(cd "$1" && find secnet pk sites -type f | LC_ALL=C sort |
		xargs sha256sum)
}

# status JSON SITE: the site's status in a report.
status() {
	python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(r.get("site_status", {}).get(sys.argv[2], {}).get("status", "-"))' \
		"$1" "$2"
}

# error JSON SITE: the site's error message in a report.
error() {
	python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(r.get("site_status", {}).get(sys.argv[2], {}).get("error", ""))' \
		"$1" "$2"
}

# The values below, each alone on top of the good description.
DHP=$(echo "$DH" | cut -d' ' -f1)
COMPOSITE=$(python3 -c 'import sys
p = int(sys.argv[1], 16) + 2
def probably_prime(n):
    for a in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if pow(a, n - 1, n) != 1:
            return False
    return True
while probably_prime(p):
    p += 2
print("%x" % p)' "$DHP")
GOOD_KEY=$(sed -n 's/^pubkey //p' "$ZE/sites/london,alpha.site")
GOOD_N=$(echo "$GOOD_KEY" | cut -d' ' -f3)

C=$TMP/h.conf O=$TMP/h/out
write_conf "$C" h "[::1]:$PORT" both
cp "$S/paris,beta.site" "$TMP/beta-good.site"
# The good record carries the example's dh group and timers, so that the
# hostile variants differ by one value.
set_line "$TMP/beta-good.site" dh "$DH"
set_line "$TMP/beta-good.site" key-lifetime 3600000

# figure CASE DETAIL: one JSON line for tests/figures.sh (a failed case
# stops the suite before it gets here).
figure() {
	[ -n "${VPNRR_FIGURES:-}" ] || return 0
	python3 -c 'import json, sys
print(json.dumps({"suite": "hostile-site", "case": sys.argv[1],
                  "ok": True, "detail": sys.argv[2]}))' "$1" "$2" \
		>>"$VPNRR_FIGURES"
}

# case LABEL FIELD-IN-MESSAGE KEYWORD VALUE [KEYWORD VALUE...]
ncase=0
hostile_case() {
	label=$1 field=$2
	shift 2
	ncase=$((ncase + 1))
	cp "$TMP/beta-good.site" "$S/paris,beta.site"
	publish_beta
	fetch "$C" "$label-good"
	[ "$RC" -eq 0 ] || fail "$label: good record: status $RC" \
		"$TMP/$label-good.log" "$TMP/$label-good.json"
	st=$(status "$TMP/$label-good.json" paris/beta)
	[ "$st" = verified ] ||
		fail "$label: good record: paris/beta is $st" \
			"$TMP/$label-good.json"
	sums "$O" >"$TMP/$label.good.sums"
	grep -q 'site\.example,paris,beta\.conf' "$TMP/$label.good.sums" ||
		fail "$label: good record: no secnet file for paris/beta"

	while [ $# -ge 2 ]; do
		set_line "$S/paris,beta.site" "$1" "$2"
		shift 2
	done
	publish_beta
	fetch "$C" "$label"
	[ "$RC" -eq 1 ] || fail "$label: status $RC, expected 1" \
		"$TMP/$label.log" "$TMP/$label.json"
	st=$(status "$TMP/$label.json" paris/beta)
	[ "$st" = consumer-rule ] ||
		fail "$label: paris/beta is $st, expected consumer-rule" \
			"$TMP/$label.json" "$TMP/$label.log"
	msg=$(error "$TMP/$label.json" paris/beta)
	case $msg in
	*"site example/paris/beta: $field"*) ;;
	*) fail "$label: message \"$msg\" does not name the site and $field" ;;
	esac
	grep -qF "site paris/beta: rejected (consumer-rule): site example/paris/beta: $field" \
		"$TMP/$label.log" ||
		fail "$label: not logged" "$TMP/$label.log"
	for other in london/alpha mobile/gamma berlin/delta; do
		st=$(status "$TMP/$label.json" "$other")
		case $st in verified|unchanged) ;;
		*) fail "$label: $other is $st" "$TMP/$label.json" ;;
		esac
	done
	sums "$O" >"$TMP/$label.sums"
	cmp -s "$TMP/$label.good.sums" "$TMP/$label.sums" ||
		{ diff "$TMP/$label.good.sums" "$TMP/$label.sums" >&2 || :;
		  fail "$label: output files changed"; }
	write_secnet_conf "$O/secnet/sites.conf" "$TMP/secnet.conf"
	check_secnet "$TMP/secnet.conf" "$TMP/$label.secnet.log"
	echo "ok $ncase - $label: $msg"
	figure "$label" "$msg"
}

hostile_case rsa-tiny "rsa1 key in group 00000000: modulus of 64 bits" \
	pubkey "64 65537 18446744073709551557"
hostile_case rsa-even-exponent "rsa1 key in group 00000000: public exponent" \
	pubkey "2048 65536 $GOOD_N"
hostile_case rsa-declared-bits "rsa1 key in group 00000000: declares 1024" \
	pubkey "1024 65537 $GOOD_N"
hostile_case renegotiate-equal "renegotiate-time: 60000 ms is not below" \
	key-lifetime 60000 renegotiate-time 60000
hostile_case renegotiate-default "renegotiate-time: 4000000 ms is not below key-lifetime (secnet's default)" \
	key-lifetime absent renegotiate-time 4000000
hostile_case key-lifetime-min "key-lifetime: 1000 ms is below" \
	key-lifetime 1000 renegotiate-time 500
hostile_case setup-timeout-min "setup-timeout: 10 ms is below" \
	setup-timeout 10
hostile_case setup-retries-max "setup-retries: 1000 is above" \
	setup-retries 1000
hostile_case wait-time-min "wait-time: 5 ms is below" wait-time 5
hostile_case dh-composite "dh: modulus of 1024 bits is not prime" \
	dh "$COMPOSITE 2"
hostile_case dh-generator "dh: generator must be above 1" \
	dh "$DHP $DHP"
hostile_case dh-small "dh: modulus of 16 bits is below" dh "8db5 2"
hostile_case hash-unknown "hash: sha512 is unknown to secnet" hash sha512
hostile_case endpoint-loopback "endpoint 127.0.0.1:4500: address is loopback" \
	address "127.0.0.1 4500"
hostile_case endpoint-multicast "endpoint 224.0.0.1:4500: address is multicast" \
	address "224.0.0.1 4500"
hostile_case endpoint-unspecified "endpoint [::]:4500: address is unspecified" \
	address "[::] 4500"

# ---- a node that never saw paris/beta: the hostile site stays out -------
C2=$TMP/n.conf O2=$TMP/n/out
write_conf "$C2" n "[::1]:$PORT" both
fetch "$C2" new-node
[ "$RC" -eq 1 ] || fail "new-node: status $RC, expected 1" "$TMP/new-node.log"
st=$(status "$TMP/new-node.json" paris/beta)
[ "$st" = consumer-rule ] || fail "new-node: paris/beta is $st" \
	"$TMP/new-node.json"
[ ! -e "$O2/secnet/site.example,paris,beta.conf" ] &&
	[ ! -e "$O2/pk/peer.example,paris,beta" ] ||
	fail "new-node: hostile paris/beta was written"
for s in london,alpha berlin,delta; do
	[ -s "$O2/secnet/site.example,$s.conf" ] ||
		fail "new-node: $s missing" "$TMP/new-node.log"
done
grep -q 'paris,beta' "$O2/secnet/sites.conf" &&
	fail "new-node: sites.conf names paris/beta" "$O2/secnet/sites.conf"
write_secnet_conf "$O2/secnet/sites.conf" "$TMP/secnet-new.conf"
check_secnet "$TMP/secnet-new.conf" "$TMP/new-node.secnet.log"
echo "ok $((ncase + 1)) - new node: hostile paris/beta left out"
figure new-node "a hostile site that is new stays out"
