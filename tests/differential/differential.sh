#!/bin/sh
# differential.sh VPNRR VPNRR-FETCH MKHEAD ZONE-EXAMPLES SRCDIR
#
# The node and the auditor apply one rule book: the same zones, served
# by NSD to "vpnrr-fetch --once --json" (fresh state, both encodings, no
# secnet output: the consumer rules are the node's own) and read by
# "vpnrr verify --json" from the zone files, must give the same verdict
# per object (head, each page, the membership, each member, each site).
# Zones with oddities: foreign TXT (SPF) at the head, page and site
# names, a site name listed twice, overlapping nets, an expired and a
# not-yet-valid member, a withdrawn member, a tampered TXT copy next to a good binary one, a forged site
# record, and a site name that is a CNAME.  (A head listing a page twice
# cannot be made: rr-format refuses it when parsing, for both tools.)  A zone file cannot follow a
# CNAME: that case compares the fetcher with "vpnrr verify --server".
set -eu
V=$1 F=$2 MKHEAD=$3 EX=$4 SRC=$5
for tool in nsd dig python3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "no $tool: skipped"; exit 77; }
done
. "$SRC/tests/lib/nsd.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/vpnrr-differential.XXXXXX)
trap 'stop_nsd; rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM
FAILS=0

fail() {
	echo "FAIL: $1" >&2
	shift
	for f in "$@"; do [ -s "$f" ] && tail -n 40 "$f" >&2; done
	exit 1
}

ZE=$TMP/ze
cp -R "$EX" "$ZE"
rm -f "$ZE"/zones/*.zone "$ZE"/sites/*.rec "$ZE/admin/state"
sh "$ZE/regen.sh" "$V" >"$TMP/regen.log" 2>&1 || fail "regen.sh" "$TMP/regen.log"
ANCHOR=$(cat "$ZE/keys/anchor.pub")
NOW=$(date +%s)
ADMIN=$ZE/zones/vpn.example.org.zone

# The member entries of the example, one text a line.
"$V" verify --anchor "$ANCHOR" "$ZE"/zones/*.zone >"$TMP/base.out" 2>&1 ||
	fail "the example does not verify" "$TMP/base.out"
awk '/\.p\._vpnrr\..* TXT: member/ { take = 1; next }
     take && /^  record: / { sub(/^  record: /, ""); print; take = 0 }' \
	"$TMP/base.out" >"$TMP/entries"
[ "$(wc -l <"$TMP/entries")" -eq 4 ] || fail "4 member entries expected" \
	"$TMP/entries"
entry() { grep "site=$1;" "$TMP/entries"; }
# SOA, NS and glue of the admin zone: the rest is made per scenario.
sed '/^; head/,$d' "$ADMIN" >"$TMP/admin.top"

# zones NAME: a copy of the example zones in $TMP/NAME, the admin zone
# with a head signed over the entries on standard input.
zones() {
	mkdir -p "$TMP/$1"
	cp "$ZE"/zones/*.zone "$TMP/$1/"
	{ cat "$TMP/admin.top"; echo "; head and pages"
	  "$MKHEAD" "$ZE/keys/anchor.key" vpn.example.org example \
		"$NOW" $((NOW - 3600)) $((NOW + 86400)); } \
		>"$TMP/$1/vpn.example.org.zone" ||
		fail "$1: mkhead" "$TMP/$1/vpn.example.org.zone"
}

# compare NAME [KIND:NAME=VERDICT...]: serve $TMP/NAME, run both tools.
compare() {
	name=$1; shift
	d=$TMP/$name
	start_nsd "$d/nsd" "$d"/*.zone
	mkdir -p "$d/state" "$d/out"
	cat >"$d/fetch.conf" <<EOC
vpn example
zone vpn.example.org
anchor $ANCHOR
resolver 127.0.0.1:$PORT
record-type both
state-dir $d/state
output json $d/out/vpn.json
timeout 500ms
attempts 2
EOC
	timeout -k 5 60 "$F" -c "$d/fetch.conf" --once --json \
		>"$d/fetch.json" 2>"$d/fetch.log" || :
	[ -s "$d/fetch.json" ] || fail "$name: no fetcher report" "$d/fetch.log"
	if [ "${VIA_SERVER:-}" ]; then
		timeout -k 5 30 "$V" verify --json --anchor "$ANCHOR" \
			--server 127.0.0.1 -p "$PORT" vpn.example.org \
			>"$d/verify.json" 2>&1 || :
		[ -s "$d/verify.json" ] || echo '{"objects": []}' >"$d/verify.json"
	else
		"$V" verify --json --anchor "$ANCHOR" "$d"/*.zone \
			>"$d/verify.json" 2>&1 || :
	fi
	stop_nsd
	if python3 "$HERE/verdicts.py" "$d/fetch.json" "$d/verify.json" \
		"$name" "$@" >"$d/compare.out" 2>&1; then
		cat "$d/compare.out"
	else
		cat "$d/compare.out" >&2
		echo "FAIL: $name: the tools disagree" >&2
		FAILS=$((FAILS + 1))
	fi
}

# 1. The example as published: everything valid.
zones base <"$TMP/entries"
compare base head:_vpnrr.vpn.example.org=ok site:london/alpha=ok

# 2. Foreign TXT at the head, the page and a site name (SPF, a note).
zones foreign <"$TMP/entries"
page=$(awk '/\.p\._vpnrr\./ { print $1; exit }' "$TMP/foreign/vpn.example.org.zone")
{ echo "_vpnrr.vpn.example.org. 300 IN TXT \"v=spf1 -all\""
  echo "$page 300 IN TXT \"v=spf1 include:example.org -all\""
} >>"$TMP/foreign/vpn.example.org.zone"
echo '_vpnrr.alpha.example.net. 300 IN TXT "v=spf1 -all" "site note"' \
	>>"$TMP/foreign/alpha.example.net.zone"
compare foreign head:_vpnrr.vpn.example.org=ok site:london/alpha=ok \
	member:london/alpha=ok

# 3. One site name twice (another contact, on a second page): both
#    entries are refused, the others stay.
{ cat "$TMP/entries"; echo "--"
  entry london/alpha | sed 's/contact=[^;]*/contact=evil@example.com/'; } |
	zones dup
compare dup member:london/alpha=duplicate-site member:paris/beta=ok \
	site:paris/beta=ok

# 4. Overlapping nets: beta claims alpha's network too.
{ grep -v 'site=paris/beta;' "$TMP/entries"
  entry paris/beta | sed 's|nets=|nets=10.1.128.0/17,|'; } | zones overlap
compare overlap member:london/alpha=nets-overlap member:paris/beta=nets-overlap \
	member:berlin/delta=ok

# 5. An expired member (gamma), a member not valid yet (delta), a
#    withdrawn one (beta: not listed).
{ entry london/alpha
  entry mobile/gamma | sed "s/ x=[0-9]*;/ x=$((NOW - 60));/"
  entry berlin/delta | sed "s/ t=[0-9]*;/ t=$((NOW + 86400));/"; } |
	zones expiry
compare expiry member:mobile/gamma=expired member:berlin/delta=not-yet-valid \
	site:london/alpha=ok

# 6. A tampered TXT copy of alpha's site record next to its good binary
#    copy (the binary one is used), and beta's site record forged in
#    both encodings (another key's signature: a signature failure).
zones tamper <"$TMP/entries"
sed -i 's/ops@alpha\.example\.net/ops@alpha.exbmple.net/' \
	"$TMP/tamper/alpha.example.net.zone"
"$V" sign -k "$ZE/keys/gamma.key" "$ZE/sites/paris,beta.site" \
	>"$TMP/beta.rec" 2>"$TMP/sign.log" || fail "sign beta with gamma's key" "$TMP/sign.log"
"$V" zone "$TMP/beta.rec" >"$TMP/beta.zone" 2>>"$TMP/sign.log" ||
	fail "zone of the forged record" "$TMP/sign.log"
{ sed '/^_vpnrr\.beta\.example\.net\./,$d' "$TMP/tamper/beta.example.net.zone"
  awk '/^\$/ || $4 == "SOA" || $4 == "NS" { next } { print }' \
	"$TMP/beta.zone"; } >"$TMP/beta.new" &&
	mv "$TMP/beta.new" "$TMP/tamper/beta.example.net.zone"
compare tamper site:london/alpha=ok site:paris/beta=untrusted-key

# 7. A site name that is a CNAME (alpha's at= name points at another
#    name holding its record).  A zone file cannot follow it: compared
#    with vpnrr verify --server.
zones cname <"$TMP/entries"
awk '$1 == "_vpnrr.alpha.example.net." || ($1 == "" && in_rr) {
	in_rr = 1; sub(/^_vpnrr\.alpha/, "real._vpnrr.alpha"); print; next }
     { in_rr = 0; print }' "$TMP/cname/alpha.example.net.zone" \
	>"$TMP/alpha.cname"
echo '_vpnrr.alpha.example.net. 300 IN CNAME real._vpnrr.alpha.example.net.' \
	>>"$TMP/alpha.cname"
mv "$TMP/alpha.cname" "$TMP/cname/alpha.example.net.zone"
#    Both tools ask through the same DNS client, which follows CNAMEs.
VIA_SERVER=1 compare cname site:london/alpha=ok
python3 -c 'import json, sys
v = {(o["object"], o["name"]): o["verdict"]
     for o in json.load(open(sys.argv[1]))["verdicts"]}
sys.exit(v.get(("site", "london/alpha")) != "ok")' "$TMP/cname/fetch.json" ||
	fail "cname: the fetcher did not follow the CNAME" "$TMP/cname/fetch.json"

[ "$FAILS" -eq 0 ] || fail "$FAILS scenario(s): the node and the auditor disagree"
echo "differential: 7 scenarios, the node and the auditor agree on every object"
