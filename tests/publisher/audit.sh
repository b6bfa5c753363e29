#!/bin/sh
# audit.sh VPNRR EXAMPLES DATA - "vpnrr verify --server --zone" on one
# dug site record against a real NSD: the membership is fetched and the
# verdict is VALID, REVOKED (after revoke + index + reload),
# UNKNOWN-ANCHOR (another anchor) or INVALID (a tampered record, networks
# outside the membership), each with its own exit status and reason; a
# silent server fails within --timeout.
set -eu
V=$1 EX=$2
. "$(dirname "$0")/lib.sh"

cp -R "$EX" "$TMP/ex"
rm -f "$TMP"/ex/zones/*.zone "$TMP"/ex/sites/*.rec "$TMP/ex/admin/state"
expect 0 "regen.sh builds the example" sh "$TMP/ex/regen.sh" "$V"
Z=$TMP/ex/zones
A=$(cat "$TMP/ex/keys/anchor.pub")
ZONE=vpn.example.org

start_nsd "$TMP/nsd" "$Z"/*.zone
S=127.0.0.1:$PORT

# What an auditor does: dig the record, hand it to verify with the server.
dig +noall +answer -p "$PORT" @127.0.0.1 TXT _vpnrr.alpha.example.net \
	> "$TMP/alpha.dig"
has "$TMP/alpha.dig" "k=site" "dig fetched alpha's site record"

expect 0 "a good site record: VALID" sh -c \
	"'$V' verify --anchor '$A' --server $S --zone $ZONE - < '$TMP/alpha.dig'"
has "$TMP/out" "^london/alpha at _vpnrr.alpha.example.net: VALID$" \
	"the verdict line names the site and VALID"
has "$TMP/out" "^  chain: anchor .* -> head s=.* -> page 1 -> site key" \
	"the chain from the anchor is shown"
expect 0 "--json: VALID" "$V" verify --json --anchor "$A" --server "$S" \
	--vpn-zone "$ZONE" "$TMP/alpha.dig"
has "$TMP/out" '"verdict": "valid"' "JSON verdict valid"
has "$TMP/out" '"site": "london/alpha"' "JSON names the site"
has "$TMP/out" '"reason": ""' "JSON reason empty when valid"

# The binary form too, from a zone-file line.
dig +noall +answer -p "$PORT" @127.0.0.1 TYPE65380 _vpnrr.beta.example.net \
	> "$TMP/beta.bin"
has "$TMP/beta.bin" 'TYPE65380' "dig fetched beta's binary record"
expect 0 "a binary site record: VALID" "$V" verify \
	--anchor "$A" --server "$S" --zone "$ZONE" "$TMP/beta.bin"
has "$TMP/out" "^paris/beta at _vpnrr.beta.example.net: VALID$" "beta VALID"

# Without --zone the membership cannot be found: a usage error that says so.
expect 2 "no --zone: usage error" "$V" verify --anchor "$A" --server "$S" \
	"$TMP/alpha.dig"
has "$TMP/err" "needs --zone ZONE" "the missing --zone is named"
# The record alone, without a server: the hint names --server and --zone.
expect 1 "the record alone: invalid, with the way out" sh -c \
	"'$V' verify --anchor '$A' - < '$TMP/alpha.dig'"
has "$TMP/out" "no membership for london/alpha .*--server ADDRESS --zone ZONE" \
	"the hint says how to fetch the membership"

# Another anchor key: the head is not signed by it.
expect 0 "another anchor key" "$V" keygen "$TMP/other.key"
O=$(cat "$TMP/out")
expect 6 "another anchor: UNKNOWN-ANCHOR (exit 6)" "$V" verify --anchor "$O" \
	--server "$S" --zone "$ZONE" "$TMP/alpha.dig"
has "$TMP/out" ": UNKNOWN-ANCHOR$" "verdict UNKNOWN-ANCHOR"
has "$TMP/out" "reason: head _vpnrr.vpn.example.org: .*not trusted" \
	"the reason names the head and the untrusted key"
has "$TMP/out" "hint: check --anchor" "the hint is about the anchor"
expect 6 "--json: UNKNOWN-ANCHOR" "$V" verify --json --anchor "$O" \
	--server "$S" --zone "$ZONE" "$TMP/alpha.dig"
has "$TMP/out" '"verdict": "unknown-anchor"' "JSON verdict unknown-anchor"

# A tampered record: one port changed in the dug text.
sed 's/:4500/:4501/' "$TMP/alpha.dig" > "$TMP/alpha-tampered.dig"
if cmp -s "$TMP/alpha.dig" "$TMP/alpha-tampered.dig"; then
	fail "the tampering changed nothing"
fi
expect 1 "a tampered record: INVALID (exit 1)" "$V" verify --anchor "$A" \
	--server "$S" --zone "$ZONE" "$TMP/alpha-tampered.dig"
has "$TMP/out" ": INVALID$" "verdict INVALID"
has "$TMP/out" "reason: signature: .*signature does not verify" \
	"the reason is the signature"
has "$TMP/out" "hint: the record was changed after it was signed" \
	"the hint matches the reason"
expect 1 "--json: INVALID" "$V" verify --json --anchor "$A" \
	--server "$S" --zone "$ZONE" "$TMP/alpha-tampered.dig"
has "$TMP/out" '"verdict": "invalid"' "JSON verdict invalid"
has "$TMP/out" '"reason": "signature: ' "JSON reason signature"

# Networks outside the membership, properly signed by the site's key.
sed 's|^networks 10.1.0.0/16|networks 10.1.0.0/16 10.77.0.0/16|' \
	"$TMP/ex/sites/london,alpha.site" > "$TMP/alpha-wide.site"
expect 0 "alpha signs a record with a network outside its membership" \
	"$V" sign -k "$TMP/ex/keys/alpha.key" -o "$TMP/alpha-wide.rec" \
	"$TMP/alpha-wide.site"
expect 2 "a record file is not zone lines: usage error" "$V" verify \
	--anchor "$A" --server "$S" --zone "$ZONE" "$TMP/alpha-wide.rec"
has "$TMP/err" "no vpnrr site record in the input.*vpnrr zone" \
	"the error says how to make zone lines"
expect 1 "networks outside the membership: INVALID" sh -c \
	"'$V' zone '$TMP/alpha-wide.rec' | '$V' verify --anchor '$A' \
	 --server $S --zone $ZONE -"
has "$TMP/out" "reason: .*10.77.0.0/16" "the reason names the network"
has "$TMP/out" "hint: the record announces networks its membership" \
	"the hint is about networks"

# The wrong zone: no head there.
expect 1 "--zone without a head: INVALID" "$V" verify --anchor "$A" \
	--server "$S" --zone sub.vpn.example.org "$TMP/alpha.dig"
has "$TMP/out" "reason: no vpnrr head at _vpnrr.sub.vpn.example.org$" \
	"the missing head is named"
has "$TMP/out" "hint: check --zone" "the hint is about --zone"
expect 1 "--zone of a site: INVALID" "$V" verify --anchor "$A" \
	--server "$S" --zone beta.example.net "$TMP/alpha.dig"
has "$TMP/out" "reason: no vpnrr head at _vpnrr.beta.example.net (it holds a site record)" \
	"what is at the name is said"
has "$TMP/out" "hint: check --zone" "the hint is about --zone"

# Revoked: the admin withdraws alpha; the dug record is the same.
expect 0 "revoke london/alpha" "$V" revoke "$TMP/ex/admin" london/alpha
stop_nsd
start_nsd "$TMP/nsd" "$Z"/*.zone
S=127.0.0.1:$PORT
expect 5 "after revoke + index + reload: REVOKED (exit 5)" "$V" verify \
	--anchor "$A" --server "$S" --zone "$ZONE" "$TMP/alpha.dig"
has "$TMP/out" "^london/alpha at _vpnrr.alpha.example.net: REVOKED$" \
	"verdict REVOKED"
has "$TMP/out" "reason: the membership of VPN example .* has no entry for london/alpha" \
	"the reason: no member entry"
has "$TMP/out" "hint: the VPN admin withdrew the site" "the hint: revoked"
expect 5 "--json: REVOKED" "$V" verify --json --anchor "$A" \
	--server "$S" --zone "$ZONE" "$TMP/alpha.dig"
has "$TMP/out" '"verdict": "revoked"' "JSON verdict revoked"
expect 0 "beta is still VALID" "$V" verify --anchor "$A" --server "$S" \
	--zone "$ZONE" "$TMP/beta.bin"
stop_nsd

# A server that takes every query and answers none.
start_silent_udp
t0=$(ms)
expect 3 "a silent server: could not fetch (exit 3)" "$V" verify \
	--anchor "$A" --server "127.0.0.1:$SPORT" --zone "$ZONE" --timeout 1 \
	"$TMP/alpha.dig"
t=$(( $(ms) - t0 ))
if [ $t -ge 900 ] && [ $t -lt 2500 ]; then ok "gave up after $t ms (--timeout 1)"
else fail "gave up after $t ms, want about 1000 (--timeout 1)"; fi
has "$TMP/out" ": could not fetch$" "the verdict line says could not fetch"
has "$TMP/err" "127.0.0.1:$SPORT: _vpnrr.vpn.example.org TXT: no answer within .*--timeout" \
	"the message names the server, the head and the timeout"
expect 3 "--tries 1 --timeout 300ms" "$V" verify --json --anchor "$A" \
	--server "127.0.0.1:$SPORT" --zone "$ZONE" --timeout 300ms --tries 1 \
	"$TMP/alpha.dig"
has "$TMP/out" '"verdict": "unfetched"' "JSON verdict unfetched"
if command -v script >/dev/null 2>&1; then
	expect 3 "on a terminal: progress while waiting" script -qec \
		"'$V' verify --anchor '$A' --server 127.0.0.1:$SPORT \
		 --zone $ZONE --timeout 2500ms '$TMP/alpha.dig'" /dev/null
	has "$TMP/out" "vpnrr: waiting for 127.0.0.1:$SPORT: 2 queries unanswered for [12] s" \
		"progress names the server, the queries and the time"
	expect 3 "--json on a terminal" script -qec \
		"'$V' verify --json --anchor '$A' --server 127.0.0.1:$SPORT \
		 --zone $ZONE --timeout 1500ms '$TMP/alpha.dig'" /dev/null
	hasnt "$TMP/out" "waiting for" "no progress lines with --json"
else
	echo "skip: no script(1) for a terminal"
fi
expect 2 "--tries 0 refused" "$V" verify --anchor "$A" --server "$S" \
	--zone "$ZONE" --tries 0 "$TMP/alpha.dig"
has "$TMP/err" "tries 0: need 1..10" "the bad --tries is named"
finish
