#!/bin/sh
# hygiene.sh VPNRR VPNRR-FETCH ZONE-EXAMPLES SRCDIR
#
# vpnrr-fetch against a real NSD serving a copy of zone-examples (rebuilt
# with the vpnrr under test):
#   freeze   the same zones fetched at times pinned with --now, relative to
#            the head's t=: 2 hours and 6 days later the head is fresh
#            (exit 0, "stale": false, head_age right); 7 days and a minute
#            later it is stale (exit 1, "stale": true, an error in the log
#            and in the status file, outputs untouched, no reload); with
#            "max-head-age 0s" the same moment is not stale; 1h is refused;
#   escape   a site record whose tag name carries a newline and an ANSI
#            colour sequence: vpnrr-fetch logs it on one line with the
#            bytes escaped, its JSON report stays valid and escaped, and
#            "vpnrr verify" prints the same single escaped line.
set -eu
V=$1 F=$2 EX=$3 SRC=$4
. "$(dirname "$0")/lib.sh"

setup_example
start_nsd "$TMP/nsd" "$ZE"/zones/*.zone

# fetch_at CONF LABEL NOW: like fetch, with the clock pinned at NOW.
fetch_at() {
	RC=0
	timeout -k 5 60 "$F" -c "$1" --once --json --now "$3" \
		>"$TMP/$2.json" 2>"$TMP/$2.log" || RC=$?
	[ "$RC" -ne 124 ] || fail "$2: vpnrr-fetch did not finish in 60 s" \
		"$TMP/$2.log"
	[ -s "$TMP/$2.json" ] || fail "$2: no JSON report (status $RC)" \
		"$TMP/$2.log"
}

# ---- freeze: max-head-age ---------------------------------------------
HT=$(grep -o 'k=head; vpn=example; s=[0-9]*; t=[0-9]*' \
	"$ZE/zones/vpn.example.org.zone" | head -n 1 | sed 's/.*t=//')
[ -n "$HT" ] || fail "no head t= in the example admin zone"
write_conf "$TMP/st.conf" st "127.0.0.1:$PORT" txt
O=$TMP/st/out
echo '{}' >"$TMP/st.snap0"

fetch_at "$TMP/st.conf" st-1 $((HT + 7200))
[ "$RC" -eq 0 ] || fail "fresh head: exit $RC" "$TMP/st-1.log"
$FT report "$TMP/st-1.json" ok=true stale=false head_age=7200 \
	sites.in_view=4 || fail "fresh head: report"
$FT snap "$TMP/st.snap1" "$O"

fetch_at "$TMP/st.conf" st-2 $((HT + 6 * 86400))
[ "$RC" -eq 0 ] || fail "6-day-old head: exit $RC" "$TMP/st-2.log"
$FT step "6-day-old head" "$O" "$TMP/st.snap1" "$TMP/st.snap2" \
	"$TMP/st-2.json" ok=true stale=false head_age=$((6 * 86400)) \
	files.written=0 secnet.reloads=0 || fail "6-day-old head"
if grep -q "stale" "$TMP/st-2.log"; then
	fail "6-day-old head called stale" "$TMP/st-2.log"
fi

fetch_at "$TMP/st.conf" st-3 $((HT + 7 * 86400 + 60))
[ "$RC" -eq 1 ] || fail "7-day-old head: exit $RC, expected 1" \
	"$TMP/st-3.log"
$FT step "7-day-old head" "$O" "$TMP/st.snap2" "$TMP/st.snap3" \
	"$TMP/st-3.json" ok=true stale=true head_age=$((7 * 86400 + 60)) \
	sites.in_view=4 files.written=0 files.removed=0 secnet.reloads=0 ||
	fail "7-day-old head"
grep -q "error: membership head s=[0-9]* is stale: signed $((7 * 86400 + 60)) s ago" \
	"$TMP/st-3.log" || fail "no stale error in the log" "$TMP/st-3.log"
[ "$(reloads st)" -eq 1 ] || fail "reload command ran on a stale head"
$FT report "$TMP/st/state/status.json" stale=true ||
	fail "status file does not say stale" "$TMP/st/state/status.json"

write_conf "$TMP/st0.conf" st0 "127.0.0.1:$PORT" txt "max-head-age 0s"
fetch_at "$TMP/st0.conf" st0-1 $((HT + 7 * 86400 + 60))
[ "$RC" -eq 0 ] || fail "max-head-age 0s: exit $RC" "$TMP/st0-1.log"
$FT report "$TMP/st0-1.json" ok=true stale=false || fail "max-head-age 0s"

# Between 0s (off) and the publisher's hour of clock skew there is no
# sensible setting.
write_conf "$TMP/st1.conf" st1 "127.0.0.1:$PORT" txt "max-head-age 1h"
RC=0
"$F" -c "$TMP/st1.conf" --once >"$TMP/st1.log" 2>&1 || RC=$?
[ "$RC" -eq 2 ] && grep -q "max-head-age: 1h: at least 2h" "$TMP/st1.log" ||
	fail "max-head-age 1h: exit $RC, expected 2 and a reason" "$TMP/st1.log"

# ---- escape: DNS bytes in logs and reports ----------------------------
AZ=$ZE/zones/alpha.example.net.zone
sed -i 's/"v=vpnrr1; k=site; /"v=vpnrr1; e\\010vil\\027[31m=1; " "k=site; /' "$AZ"
grep -q 'e\\010vil' "$AZ" || fail "could not plant the bad tag" "$AZ"
serial=$(awk '$2 == "SOA" { print $5 }' "$AZ")
sed -i "s/ $serial 3600 / $((serial + 1)) 3600 /" "$AZ"
nsd_reload alpha.example.net $((serial + 1))
write_conf "$TMP/esc.conf" esc "127.0.0.1:$PORT" txt
fetch "$TMP/esc.conf" esc-1
# One line names the bad tag, with the newline and ESC escaped.
n=$(grep -c 'bad tag name' "$TMP/esc-1.log" || :)
[ "$n" -eq 1 ] || fail "esc: $n log lines name the bad tag, expected 1" \
	"$TMP/esc-1.log"
grep -q -F 'bad tag name "e\x0avil\x1b[31m"' "$TMP/esc-1.log" ||
	fail "esc: the tag is not escaped in the log" "$TMP/esc-1.log"
if LC_ALL=C grep -q "$(printf '\033')" "$TMP/esc-1.log" "$TMP/esc-1.json"; then
	fail "esc: a raw ESC byte reached the log or the report" "$TMP/esc-1.log"
fi
if grep -q '^vil' "$TMP/esc-1.log"; then
	fail "esc: the newline split a log line" "$TMP/esc-1.log"
fi
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \
	"$TMP/esc-1.json" || fail "esc: the report is not valid JSON"
grep -q -F 'e\\x0avil\\x1b[31m' "$TMP/esc-1.json" ||
	fail "esc: the JSON report does not carry the escaped tag" \
	"$TMP/esc-1.json"

# vpnrr verify prints it the same way.
RC=0
"$V" verify --anchor "$ANCHOR" "$ZE"/zones/*.zone >"$TMP/verify.out" \
	2>&1 || RC=$?
[ "$RC" -eq 1 ] || fail "verify: exit $RC, expected 1" "$TMP/verify.out"
n=$(grep -c 'bad tag name' "$TMP/verify.out" || :)
[ "$n" -eq 1 ] && grep -q -F 'bad tag name "e\x0avil\x1b[31m"' \
	"$TMP/verify.out" || fail "verify: not one escaped line" "$TMP/verify.out"
if LC_ALL=C grep -q "$(printf '\033')" "$TMP/verify.out"; then
	fail "verify: a raw ESC byte reached its output" "$TMP/verify.out"
fi
"$V" verify --json --anchor "$ANCHOR" "$ZE"/zones/*.zone \
	>"$TMP/verify.json" 2>/dev/null || :
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \
	"$TMP/verify.json" || fail "verify --json: not valid JSON"
grep -q -F 'e\\x0avil\\x1b[31m' "$TMP/verify.json" ||
	fail "verify --json: tag not escaped" "$TMP/verify.json"

echo "fetcher-hygiene: stale at max-head-age, fresh before; DNS bytes escaped"
