#!/bin/sh
# anchor-removal.sh VPNRR VPNRR-FETCH ZONE-EXAMPLES SRCDIR
#
# An anchor taken out of the configuration takes its sites with it, from
# every output, against a real NSD:
#   1. the example VPN (four sites) signed by anchor A, A configured;
#   2. the configuration now trusts only B, DNS still serves A's VPN: no
#      site is left.  The sites file and the JSON are rewritten without
#      them; secnet cannot run with an empty site list, so its files (and
#      peer-keys) stay as they were, no restart, a loud error naming why,
#      exit 1, and secnet -j still accepts the configuration;
#   3. DNS serves B's VPN (two of the sites, signed by B): those two are
#      in every output, the other two are gone from every output
#      (site files, peer-keys, sites file, JSON), with one restart.
set -eu
V=$1 F=$2 EX=$3 SRC=$4
. "$(dirname "$0")/lib.sh"

setup_example
start_nsd "$TMP/nsd" "$ZE"/zones/*.zone
C=$TMP/a.conf O=$TMP/a/out
write_conf "$C" a "127.0.0.1:$PORT" txt

zone_serial() {
	awk '$3 == "SOA" || $4 == "SOA" { for (i = 1; i <= NF; i++) if ($i == "SOA") { print $(i + 3); exit } }' "$1"
}

# has_site NAME: NAME is in every output; lacks_site NAME: in none.
in_outputs() {
	n=0
	ls "$O/secnet/site.example,$1,$2.conf" >/dev/null 2>&1 && n=$((n + 1))
	ls "$O/pk/peer.example,$1,$2" >/dev/null 2>&1 && n=$((n + 1))
	grep -q "example/$1/$2\|site $2\b" "$O/sites" && n=$((n + 1))
	grep -q "\"example/$1/$2\"" "$O/vpn.json" && n=$((n + 1))
	grep -q "site.example,$1,$2.conf" "$O/secnet/sites.conf" && n=$((n + 1))
	echo $n
}
has_site() {
	[ "$(in_outputs "$1" "$2")" -eq 5 ] ||
		fail "$3: $1/$2 is missing from an output ($(in_outputs "$1" "$2") of 5)"
}
lacks_site() {
	[ "$(in_outputs "$1" "$2")" -eq 0 ] ||
		fail "$3: $1/$2 is still in $(in_outputs "$1" "$2") of 5 outputs"
}

# 1. Anchor A.
fetch "$C" a-1
[ "$RC" -eq 0 ] || fail "A: --once exited $RC" "$TMP/a-1.log"
for s in london/alpha paris/beta mobile/gamma berlin/delta; do
	has_site "${s%/*}" "${s#*/}" A
done
[ "$(reloads a)" -eq 1 ] || fail "A: reloads $(reloads a), want 1"

# Anchor B's VPN: two of the sites, memberships signed by B (built now,
# a second later than A's, so that its SOA serial is higher).
sleep 1
cp -R "$ZE/admin" "$ZE/admin-b"
rm -f "$ZE/admin-b/state" "$ZE/admin-b/members/london,alpha.member" \
	"$ZE/admin-b/members/mobile,gamma.member"
"$V" keygen "$ZE/keys/anchor-b.key" >"$ZE/keys/anchor-b.pub"
sed -i 's#^anchor-key .*#anchor-key ../keys/anchor-b.key#
	s#^output .*#output ../zones-b/vpn.example.org.zone#' \
	"$ZE/admin-b/vpnrr.conf"
mkdir -p "$ZE/zones-b"
"$V" resign --within 100y "$ZE/admin-b" >"$TMP/b.log" 2>&1 ||
	fail "vpnrr resign for anchor B" "$TMP/b.log"

# 2. Only B trusted, A's VPN served: no site left.
sed -i "s#^anchor .*#anchor $(cat "$ZE/keys/anchor-b.pub")#" "$C"
cp "$O/secnet/sites.conf" "$TMP/sites.conf.before"
$FT snap "$TMP/secnet-before.snap" "$O/secnet"
$FT snap "$TMP/pk-before.snap" "$O/pk"
fetch "$C" a-2
[ "$RC" -eq 1 ] || fail "B over A's VPN: --once exited $RC, want 1" "$TMP/a-2.log"
grep -q "no site of VPN example can be given to secnet" "$TMP/a-2.log" ||
	fail "B over A's VPN: no error naming the empty site list" "$TMP/a-2.log"
$FT snap "$TMP/secnet-after.snap" "$O/secnet"
$FT snap "$TMP/pk-after.snap" "$O/pk"
$FT expect-changed "$TMP/secnet-before.snap" "$TMP/secnet-after.snap" \
	"secnet files with no site left" ||
	fail "B over A's VPN: the secnet files changed" "$TMP/a-2.log"
$FT expect-changed "$TMP/pk-before.snap" "$TMP/pk-after.snap" \
	"peer-keys with no site left" ||
	fail "B over A's VPN: the peer-keys files changed" "$TMP/a-2.log"
for s in alpha beta gamma delta; do
	! grep -q "$s" "$O/vpn.json" ||
		fail "B over A's VPN: $s still in the JSON" "$O/vpn.json"
	! grep -q "^site $s\|/$s\b" "$O/sites" ||
		fail "B over A's VPN: $s still in the sites file" "$O/sites"
done
[ "$(reloads a)" -eq 1 ] || fail "B over A's VPN: secnet was restarted"
# Said again at the next refresh, though nothing changed.
fetch "$C" a-2b
[ "$RC" -eq 1 ] || fail "B over A's VPN, again: --once exited $RC, want 1" \
	"$TMP/a-2b.log"
grep -q "no site of VPN example can be given to secnet" "$TMP/a-2b.log" ||
	fail "B over A's VPN, again: the error is not repeated" "$TMP/a-2b.log"
write_secnet_conf "$O/secnet/sites.conf" "$TMP/secnet.conf"
check_secnet "$TMP/secnet.conf" "$TMP/secnet-2.log"

# 3. B's VPN served: beta and delta everywhere, alpha and gamma nowhere.
cp "$ZE/zones-b/vpn.example.org.zone" "$ZE/zones/vpn.example.org.zone"
nsd_reload vpn.example.org "$(zone_serial "$ZE/zones/vpn.example.org.zone")"
fetch "$C" a-3
[ "$RC" -eq 0 ] || fail "B's VPN: --once exited $RC" "$TMP/a-3.log"
has_site paris beta "B's VPN"
has_site berlin delta "B's VPN"
lacks_site london alpha "B's VPN"
lacks_site mobile gamma "B's VPN"
[ "$(reloads a)" -eq 2 ] || fail "B's VPN: reloads $(reloads a), want 2"
write_secnet_conf "$O/secnet/sites.conf" "$TMP/secnet.conf"
check_secnet "$TMP/secnet.conf" "$TMP/secnet-3.log"

echo "fetcher-anchor-removal: A's sites leave every output when A goes;" \
	"with none left secnet's files stay, loudly; B's sites come in"
