#!/bin/sh
# hostile-dns.sh VPNRR VPNRR-FETCH ZONE-EXAMPLES SRCDIR
#
# vpnrr-fetch against a DNS server that misbehaves (tests/dns/hostile.py),
# one behaviour at a time, from one good state.  The example VPN is built
# with the vpnrr under test (twice: a first version, kept for the
# "rollback" behaviour, and a current one in which london/alpha has a
# newer record); a first clean refresh fills the outputs and the state.
# Then for each behaviour: the server switches to it, one
# "vpnrr-fetch --once --json" runs, and the test checks
#   - the exit status (1 when the refresh cannot complete, 0 when the
#     misbehaviour is harmless),
#   - the cause: the status name of every site (or of london/alpha for
#     rollback) in the report, the report's error, the log on stderr and
#     the report's dns.dropped counter of the reason,
#   - that no output file changed (path, size, mtime, SHA-256) and no
#     state file changed (SHA-256; status.json and SQLite's -shm aside:
#     the state is opaque here),
# and then a refresh with the server honest again writes nothing.
# One result line per behaviour; with VPNRR_FIGURES naming a file, one
# JSON line per behaviour is appended to it.
set -eu
V=$1 F=$2 EX=$3 SRC=$4
. "$(dirname "$0")/lib.sh"

# hostile.py needs dnspython (python3-dnspython), maybe not in the first
# python3 on PATH.
PY=
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null 2>&1 &&
		"$p" -c 'import dns.message, dns.zone' 2>/dev/null; then
		PY=$p
		break
	fi
done
[ -n "$PY" ] || { echo "no python3 with dnspython: skipped"; exit 77; }
HOSTILE="$SRC/tests/dns/hostile.py"

# ---- the VPN: a first version (served for "rollback") and the current --
setup_example
Z=$ZE/zones S=$ZE/sites
cp -R "$Z" "$TMP/zones-old"
RS=$(( $(date +%s) + 1000 ))
sed -i '/^record-serial /d' "$S/london,alpha.site"
echo "record-serial $RS" >>"$S/london,alpha.site"
"$V" sign -k "$ZE/keys/alpha.key" -o "$S/london,alpha.rec" \
	"$S/london,alpha.site" >"$TMP/sign.log" 2>&1 ||
	fail "vpnrr sign london,alpha" "$TMP/sign.log"
{
	printf '$ORIGIN alpha.example.net.\n$TTL 300\n'
	printf '@\tSOA\tns1.vpn.example.org. hostmaster.alpha.example.net. %s 3600 900 1209600 300\n' "$RS"
	printf '@\tNS\tns1.vpn.example.org.\n'
	"$V" zone --ttl 300 "$S/london,alpha.rec" || fail "vpnrr zone alpha"
} >"$Z/alpha.example.net.zone"

# ---- the server ----------------------------------------------------------
CTL=$TMP/behaviour
echo ok >"$CTL"
"$PY" "$HOSTILE" --zones "$Z" --old-zones "$TMP/zones-old" \
	--control "$CTL" --port-file "$TMP/hostile.port" \
	--pid-file "$TMP/hostile.pid" --log "$TMP/hostile.log" \
	--max-seconds 600 >/dev/null 2>"$TMP/hostile.err" &
BG_PIDS="$BG_PIDS $!"
n=0
while [ ! -s "$TMP/hostile.port" ] && [ $n -lt 100 ]; do
	sleep 0.1; n=$((n + 1))
done
[ -s "$TMP/hostile.port" ] || fail "hostile.py did not start" \
	"$TMP/hostile.err"
HPORT=$(cat "$TMP/hostile.port")

C=$TMP/h.conf O=$TMP/h/out ST=$TMP/h/state
write_conf "$C" h "127.0.0.1:$HPORT" txt
# Short waits, so that every failing behaviour costs about a second.
sed -i 's/^timeout .*/timeout 300ms/; s/^attempts .*/attempts 2/' "$C"

# state_snap OUT: SHA-256 of every state file but status.json and -shm.
state_snap() {
	(cd "$ST" && find . -type f ! -name status.json ! -name '*-shm' |
		LC_ALL=C sort | xargs -r sha256sum) >"$1"
}

fetch "$C" baseline
[ "$RC" -eq 0 ] || fail "baseline: vpnrr-fetch exited $RC" \
	"$TMP/baseline.log" "$TMP/hostile.log"
$FT report "$TMP/baseline.json" ok=true sites.in_view=4 \
	verify.sites_verified=4 || fail "baseline report" "$TMP/baseline.log"
[ -n "$(ls "$ST")" ] || fail "baseline: empty state directory"

# check REPORT LOG EXPECT...: the checks a case makes of its report and
# log; prints what is wrong, one line each.  EXPECT items:
#   sites=STATUS        every site's status in site_status is STATUS
#   site:NAME=STATUS    that site's status is STATUS
#   error~TEXT          the report's error contains TEXT
#   log~TEXT            the log contains TEXT
#   dropped:REASON      dns.dropped.REASON > 0
#   parse-drops         the parse-failure reasons of dns.dropped sum > 0
#   written=N           files.written is N
#   KEY=N               any dotted key of the report (compared as text)
check() {
	"$PY" - "$@" <<'EOF'
import json, sys
rep_path, log_path, *want = sys.argv[1:]
r = json.load(open(rep_path))
log = open(log_path, errors='replace').read()
def get(key):
    v = r
    for k in key.split('.'):
        v = v.get(k) if isinstance(v, dict) else None
    return v
dropped = get('dns.dropped') or {}
bad = []
for w in want:
    if w.startswith('sites='):
        ss = r.get('site_status') or {}
        got = sorted({v.get('status') for v in ss.values()})
        if not ss or got != [w[6:]]:
            bad.append('site statuses %s, expected all %s' % (got, w[6:]))
    elif w.startswith('site:'):
        name, st = w[5:].split('=', 1)
        got = (r.get('site_status') or {}).get(name, {}).get('status')
        if got != st:
            bad.append('site %s: status %s, expected %s' % (name, got, st))
    elif w.startswith('error~'):
        if w[6:] not in (r.get('error') or ''):
            bad.append('error %r lacks %r' % (r.get('error'), w[6:]))
    elif w.startswith('log~'):
        if w[4:] not in log:
            bad.append('log lacks %r' % w[4:])
    elif w.startswith('dropped:'):
        if not dropped.get(w[8:]):
            bad.append('dns.dropped.%s is %s' % (w[8:], dropped.get(w[8:])))
    elif w == 'parse-drops':
        n = sum(dropped.get(k, 0) for k in
                ('malformed', 'truncated', 'bad-pointer', 'tcp-length'))
        if not n:
            bad.append('no parse failures counted in dns.dropped %s' % dropped)
    else:
        key, val = w.split('=', 1)
        if str(json.dumps(get(key))) != val:
            bad.append('%s is %s, expected %s' % (key, json.dumps(get(key)), val))
for b in bad:
    print(b)
EOF
}

FAILED=0 CASES=0
# Behaviours allowed to rewrite the state: none (a record re-split into
# other TXT strings is the same record, and the store says so).
STATE_MAY_CHANGE=
# hostile BEHAVIOUR STATUS EXPECT...: one case (see the header).
hostile() {
	b=$1 want_rc=$2
	shift 2
	CASES=$((CASES + 1))
	$FT snap "$TMP/$b.out.before" "$O"
	state_snap "$TMP/$b.state.before"
	echo "$b" >"$CTL"
	t0=$(date +%s%N)
	fetch "$C" "$b"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	rc=$RC
	echo ok >"$CTL"
	why=$TMP/$b.why
	: >"$why"
	[ "$RC" -eq "$want_rc" ] ||
		echo "exit status $RC, expected $want_rc" >>"$why"
	check "$TMP/$b.json" "$TMP/$b.log" "$@" >>"$why" ||
		echo "report check failed" >>"$why"
	$FT snap "$TMP/$b.out.after" "$O"
	changed=$($FT changed "$TMP/$b.out.before" "$TMP/$b.out.after")
	[ -z "$changed" ] || echo "outputs changed: $changed" >>"$why"
	state_snap "$TMP/$b.state.after"
	note=
	if ! cmp -s "$TMP/$b.state.before" "$TMP/$b.state.after"; then
		if [ "$b" = "$STATE_MAY_CHANGE" ]; then
			note=" (known: state rewritten)"
		else
			echo "state changed: $(diff "$TMP/$b.state.before" \
				"$TMP/$b.state.after" | grep '^[<>]' |
				tr '\n' ' ')" >>"$why"
		fi
	fi
	# The server honest again: nothing to write.
	fetch "$C" "$b-after"
	[ "$RC" -eq 0 ] ||
		echo "honest refresh after it exited $RC" >>"$why"
	check "$TMP/$b-after.json" "$TMP/$b-after.log" ok=true \
		files.written=0 >>"$why" || echo "report check failed" >>"$why"
	if [ -s "$why" ]; then
		ok=false
		FAILED=$((FAILED + 1))
		echo "not ok $CASES - $b (exit $rc, ${ms} ms)"
		sed 's/^/#   /' "$why"
		echo "#   log: $(head -c 600 "$TMP/$b.log" | tr '\n' ' ')"
	else
		ok=true
		echo "ok $CASES - $b (exit $rc, ${ms} ms, $($FT get \
			"$TMP/$b.json" dns.queries) queries)$note"
	fi
	if [ -n "${VPNRR_FIGURES:-}" ]; then
		printf '{"suite":"hostile-dns","case":"%s","exit":%d,"ok":%s,"ms":%d}\n' \
			"$b" "$rc" "$ok" "$ms" >>"$VPNRR_FIGURES"
	fi
}

# Harmless: the same outputs, nothing written.
hostile ok 0 ok=true files.written=0
hostile duplicate-rrs 0 ok=true files.written=0
hostile extra-rrs 0 ok=true files.written=0
hostile resplit 0 ok=true files.written=0
hostile tcp-64k 0 ok=true files.written=0 dns.timeouts=0
# Failures: the cause named in the report and the log.
hostile timeout 1 ok=false sites=timeout 'error~no answer within' \
	'log~(timeout)' dns.dropped_mismatch=0
hostile servfail 1 ok=false sites=servfail error~SERVFAIL 'log~(servfail)'
hostile refused 1 ok=false sites=refused error~REFUSED 'log~(refused)'
hostile nxdomain 1 ok=false sites=nxdomain 'error~no such name' \
	'log~(nxdomain)'
hostile nodata-lie 1 ok=false sites=nodata 'error~no vpnrr record' \
	'log~(nodata)'
hostile wrong-id 1 ok=false sites=mismatch error~wrong-id \
	'log~(mismatch)' dropped:wrong-id dns.timeouts=0
hostile wrong-question 1 ok=false sites=mismatch error~wrong-question \
	'log~(mismatch)' dropped:wrong-question dns.timeouts=0
hostile wrong-type 1 ok=false sites=mismatch error~wrong-type \
	'log~(mismatch)' dropped:wrong-type dns.timeouts=0
hostile garbage 1 ok=false sites=malformed 'error~no usable answer' \
	'log~(malformed)' parse-drops dns.timeouts=0
hostile truncated 1 ok=false sites=malformed error~truncated \
	'log~(malformed)' dropped:truncated dns.timeouts=0
hostile compression-loop 1 ok=false sites=malformed error~bad-pointer \
	'log~(malformed)' dropped:bad-pointer dns.timeouts=0
hostile tc-tcp-close 1 ok=false sites=network \
	'error~closed before the answer' 'log~(network)'
hostile tc-tcp-drip 1 ok=false sites=timeout \
	'error~TCP answer incomplete' 'log~(timeout)'
hostile cname-loop 1 ok=false sites=cname-loop 'error~CNAME loop' \
	'log~(cname-loop)'
hostile rollback 1 ok=false site:london/alpha=rollback \
	verify.rejected.rollback=1 'log~rollback'

echo "fetcher-hostile-dns: $CASES behaviours, $FAILED failed"
[ "$FAILED" -eq 0 ]
