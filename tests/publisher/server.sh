#!/bin/sh
# server.sh VPNRR EXAMPLES DATA - "vpnrr verify --server" against live
# servers: site records reached through CNAMEs (in the zone, and into
# another zone) verify as the fetcher sees them; a CNAME loop is a fetch
# failure; a silent server fails within --timeout, with progress on a
# terminal only.
set -eu
V=$1 EX=$2
. "$(dirname "$0")/lib.sh"

cp -R "$EX" "$TMP/ex"
rm -f "$TMP"/ex/zones/*.zone "$TMP"/ex/sites/*.rec "$TMP/ex/admin/state"
expect 0 "regen.sh rebuilds the example" sh "$TMP/ex/regen.sh" "$V"
Z=$TMP/ex/zones
A=$(cat "$TMP/ex/keys/anchor.pub")

# alpha: its site records live at records.alpha.example.net, and
# _vpnrr.alpha.example.net is a CNAME to there (same zone: the server puts
# both in one answer).
sed 's/^_vpnrr\.alpha\.example\.net\./records.alpha.example.net./' \
	"$Z/alpha.example.net.zone" > "$TMP/alpha.zone"
printf '_vpnrr.alpha.example.net.\t300\tIN\tCNAME\trecords.alpha.example.net.\n' \
	>> "$TMP/alpha.zone"
# Two names that point at each other.
printf 'loop1.alpha.example.net.\t300\tIN\tCNAME\tloop2.alpha.example.net.\n' \
	>> "$TMP/alpha.zone"
printf 'loop2.alpha.example.net.\t300\tIN\tCNAME\tloop1.alpha.example.net.\n' \
	>> "$TMP/alpha.zone"
mv "$TMP/alpha.zone" "$Z/alpha.example.net.zone"
# beta: its site records move into gamma's zone, behind a CNAME (another
# zone: the client has to ask again for the target).
grep -q '^_vpnrr\.beta\.example\.net\.' "$Z/beta.example.net.zone" ||
	fail "beta's zone has no records at _vpnrr.beta.example.net"
awk '/^_vpnrr\.beta\.example\.net\./ { on = 1 }
     /^[^ \t;]/ && !/^_vpnrr\.beta\.example\.net\./ { on = 0 }
     on' "$Z/beta.example.net.zone" |
	sed 's/^_vpnrr\.beta\.example\.net\./beta-records.gamma.example.net./' \
	>> "$Z/gamma.example.net.zone"
awk '/^_vpnrr\.beta\.example\.net\./ { on = 1 }
     /^[^ \t;]/ && !/^_vpnrr\.beta\.example\.net\./ { on = 0 }
     !on' "$Z/beta.example.net.zone" > "$TMP/beta.zone"
printf '_vpnrr.beta.example.net.\t300\tIN\tCNAME\tbeta-records.gamma.example.net.\n' \
	>> "$TMP/beta.zone"
mv "$TMP/beta.zone" "$Z/beta.example.net.zone"
for z in alpha.example.net beta.example.net gamma.example.net; do
	expect 0 "nsd-checkzone accepts the changed $z" \
		nsd-checkzone "$z" "$Z/$z.zone"
done

start_nsd "$TMP/nsd" "$Z"/*.zone
expect 0 "the CNAMEs are served" dig +short -p "$PORT" @127.0.0.1 TXT \
	_vpnrr.beta.example.net
has "$TMP/out" "beta-records.gamma.example.net" "beta's CNAME answered"
for addr in 127.0.0.1 ::1; do
	expect 0 "verify --server $addr follows the CNAMEs" "$V" verify \
		--anchor "$A" --server "$addr" -p "$PORT" vpn.example.org
	has "$TMP/out" "^result: valid (26 valid, 0 invalid)" \
		"all 26 records fetched from $addr and valid"
	has "$TMP/out" \
		"^_vpnrr.alpha.example.net TXT: site london/alpha.*: VALID" \
		"alpha verified through an in-zone CNAME ($addr)"
	has "$TMP/out" \
		"^_vpnrr.alpha.example.net TYPE65380: site london/alpha.*: VALID" \
		"alpha's binary record through the CNAME ($addr)"
	has "$TMP/out" "^_vpnrr.beta.example.net TXT: site .*: VALID" \
		"beta verified through a CNAME into another zone ($addr)"
done
expect 0 "ADDR:PORT in --server" "$V" verify --anchor "$A" \
	--server "127.0.0.1:$PORT" --zone vpn.example.org \
	_vpnrr.beta.example.net
has "$TMP/out" "^_vpnrr.beta.example.net TXT: site .*: VALID" \
	"a site name alone, through the CNAME"
expect 3 "a CNAME loop is a fetch failure" "$V" verify --anchor "$A" \
	--server 127.0.0.1 -p "$PORT" --zone vpn.example.org \
	loop1.alpha.example.net
has "$TMP/err" "loop1.alpha.example.net TXT via .*CNAME loop back to" \
	"the loop is named"
stop_nsd

# A server that takes every query and answers none.
start_silent_udp
t0=$(ms)
expect 3 "a silent server: could not fetch" "$V" verify --anchor "$A" \
	--server 127.0.0.1 -p "$SPORT" --timeout 1s vpn.example.org
t=$(( $(ms) - t0 ))
# Generous bounds for a busy machine; the old fixed wait was 5 s per try.
if [ $t -ge 900 ] && [ $t -lt 4000 ]; then ok "gave up after $t ms (--timeout 1s)"
else fail "gave up after $t ms, want about 1000 (--timeout 1s)"; fi
has "$TMP/err" "^vpnrr: query: 127.0.0.1:$SPORT: vpn.example.org TXT: no answer within .*--timeout" \
	"the message names the server, the name and the timeout"
has "$TMP/out" "^result: could not fetch" "report says could not fetch"
hasnt "$TMP/err" "waiting for" "no progress lines when stderr is no terminal"
expect 3 "--json: a silent server" "$V" verify --json --anchor "$A" \
	--server 127.0.0.1 -p "$SPORT" --timeout 300ms vpn.example.org
has "$TMP/out" '"result": "unfetched"' "JSON result unfetched"
has "$TMP/out" 'no answer within' "JSON errors name the timeout"

if command -v script >/dev/null 2>&1; then
	expect 3 "on a terminal: progress while waiting" script -qec \
		"'$V' verify --anchor '$A' --server 127.0.0.1 -p $SPORT \
		 --timeout 2500ms vpn.example.org" /dev/null
	has "$TMP/out" "vpnrr: waiting for 127.0.0.1:$SPORT: 2 queries unanswered for [12] s (--timeout 2500 ms)" \
		"progress names the server, the queries and the time"
else
	echo "skip: no script(1) for a terminal"
fi

expect 2 "--timeout 0s refused" "$V" verify --anchor "$A" --server 127.0.0.1 \
	--timeout 0s vpn.example.org
has "$TMP/err" "timeout 0s: need a duration" "bad timeout named"
expect 2 "--timeout 5x refused" "$V" verify --anchor "$A" --server 127.0.0.1 \
	--timeout 5x vpn.example.org
expect 2 "--server not an address" "$V" verify --anchor "$A" \
	--server ns1.example.org vpn.example.org
has "$TMP/err" "--server" "bad server named"
expect 0 "--help lists --timeout" "$V" verify --help
has "$TMP/out" "--timeout DURATION" "--timeout documented in --help"
finish
