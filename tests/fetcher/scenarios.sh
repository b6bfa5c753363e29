#!/bin/sh
# scenarios.sh VPNRR VPNRR-FETCH ZONE-EXAMPLES SRCDIR
#
# vpnrr-fetch following a VPN through changes, each scenario starting from
# the state the previous one left.  Every change is published with the
# real vpnrr (sign / zone / request / admit / index / revoke) into a copy
# of zone-examples served by a real NSD (reloaded with SIGHUP, and checked
# with dig before fetching); after each "vpnrr-fetch --once --json" the
# test checks the exact set of output files created, changed and removed
# (mtime, size and SHA-256 of every file), the reload-command calls, the
# exit status and the report:
#
#   rollover-timeout  alpha rolls its key (new group, higher key-set and
#                     record serial): only peer.NAME~update is written
#                     (the live file untouched meanwhile); no secnet runs,
#                     so after peer-keys-wait the fetcher installs the live
#                     file itself and reloads once (keys_timeout=1)
#   rollover-adopted  delta rolls its key while a stand-in for secnet
#                     takes the ~update (~update -> ~proc -> live):
#                     keys_adopted=1, no reload
#   rollover-nowait   delta rolls again with peer-keys-wait 0s: the live
#                     file installed at once and one reload, no waiting
#   rollover-local    alpha rolls again, seen from alpha's own node
#                     (local-site london/alpha): secnet never reads its
#                     own keys, so the live file is written at once, with
#                     no watch and no reload
#   endpoint-ipv6     alpha moves to an IPv6 literal: its site file only
#                     (plus sites file and JSON), one reload
#   site-added        the admin admits oslo/epsilon (request, admit,
#                     index): its site file, sites.conf and its peer-keys
#                     file, one reload
#   site-revoked      the admin revokes paris/beta: its files removed,
#                     sites.conf rewritten, one reload
#   nets-outside      gamma announces a network outside its membership:
#                     rejected (nets-outside), the last good record kept,
#                     nothing written, no reload, exit status 1
#   rollback          alpha's first record published again: rejected
#                     (rollback), last good kept; gamma's last good record
#                     published again is accepted (the rejected record did
#                     not move its high-water mark)
#   restart           fresh processes on the same state: still rollback;
#                     a node restarted from the state alone, with empty
#                     output directories, writes the last good outputs
#   dns-down          NSD stopped: nothing written, no reload, status 1
# and at the end secnet -j accepts what is left.
set -eu
V=$1 F=$2 EX=$3 SRC=$4
. "$(dirname "$0")/lib.sh"

setup_example
S=$ZE/sites Z=$ZE/zones
RS=$(( $(date +%s) + 1000 ))    # record serials, above regen.sh's
ZS=$RS                           # SOA serials of the site zones
cp "$S/london,alpha.rec" "$TMP/alpha-v1.rec"
cp "$S/mobile,gamma.rec" "$TMP/gamma-v1.rec"
# secnet rsa1 keys for the rollovers and the new site.
python3 -B - "$SRC/tests/outputs" "$TMP" alpha2 alpha3 delta3 delta4 delta5 delta6 delta7 delta8 epsilon <<'EOF' ||
import sys
sys.path.insert(0, sys.argv[1])
import mkrsa1key
for name in sys.argv[3:]:
    _, pub = mkrsa1key.make_key(name + '@example.net')
    with open('%s/%s.pubkey' % (sys.argv[2], name), 'w') as f:
        f.write(' '.join(pub.split()[:3]) + '\n')
EOF
	fail "cannot make rsa keys"
# The zone of the site to be added is served, empty, from the start.
{
	printf '$ORIGIN epsilon.example.net.\n$TTL 300\n'
	printf '@\tSOA\tns1.vpn.example.org. hostmaster.epsilon.example.net. 1 3600 900 1209600 300\n'
	printf '@\tNS\tns1.vpn.example.org.\n'
} >"$Z/epsilon.example.net.zone"
start_nsd "$TMP/nsd" "$Z"/*.zone

# set_line FILE KEYWORD VALUE: replace the KEYWORD line (or add one).
set_line() {
	if grep -q "^$2 " "$1"; then
		sed -i "s|^$2 .*|$2 $3|" "$1"
	else
		echo "$2 $3" >>"$1"
	fi
}

# serve_site LOCATION,SITE RECFILE: the site's zone with that record and
# a higher SOA serial; NSD reloaded and serving it.
serve_site() {
	site=${1#*,}
	ZS=$((ZS + 1))
	{
		printf '$ORIGIN %s.example.net.\n$TTL 300\n' "$site"
		printf '@\tSOA\tns1.vpn.example.org. hostmaster.%s.example.net. %s 3600 900 1209600 300\n' "$site" "$ZS"
		printf '@\tNS\tns1.vpn.example.org.\n'
		"$V" zone --ttl 300 "$2" || fail "vpnrr zone $2"
	} >"$Z/$site.example.net.zone.tmp"
	mv "$Z/$site.example.net.zone.tmp" "$Z/$site.example.net.zone"
	rs=$(grep -o ' s=[0-9]*;' "$2" | head -n 1 | tr -d ' ')
	nsd_reload "$site.example.net" "$ZS" "_vpnrr.$site.example.net" "$rs"
}

# publish_site LOCATION,SITE: sign the edited description with a higher
# record serial, and serve it.
publish_site() {
	site=${1#*,}
	RS=$((RS + 1))
	set_line "$S/$1.site" record-serial "$RS"
	"$V" sign -k "$ZE/keys/$site.key" -o "$S/$1.rec" "$S/$1.site" \
		>"$TMP/sign.log" 2>&1 || fail "vpnrr sign $1" "$TMP/sign.log"
	serve_site "$1" "$S/$1.rec"
}

# publish_admin: the admin zone rebuilt by "vpnrr index", and served.
publish_admin() {
	"$V" index "$ZE/admin" >"$TMP/index.log" 2>&1 ||
		fail "vpnrr index" "$TMP/index.log"
	nsd_reload vpn.example.org \
		"$(sed -n 's/^zone-serial //p' "$ZE/admin/state")"
}

# roll_keys LOCATION,SITE GROUP PUBKEYFILE: a key rollover in the site
# description: the new key in group GROUP, the current group becomes the
# fallback, the old fallback group goes, and the key-set serial is GROUP.
roll_keys() {
	python3 - "$S/$1.site" "$2" "$(cat "$3")" <<'EOF' ||
import sys
path, group, new = sys.argv[1:]
out, skip = [], False
for line in open(path).read().splitlines():
    word = line.split(' ')[0]
    if skip and word in ('pubkey', 'pub', 'key'):
        continue
    skip = False
    if word == 'pkg':
        out += ['pkg ' + group, 'pubkey ' + new, 'pkgf ' + line.split()[1]]
    elif word == 'pkgf':
        skip = True
    elif word == 'serial':
        out.append('serial ' + group)
    else:
        out.append(line)
open(path, 'w').write('\n'.join(out) + '\n')
EOF
		fail "cannot roll the keys of $1"
}

C=$TMP/s.conf O=$TMP/s/out
write_conf "$C" s "[::1]:$PORT" both "peer-keys-wait 2s"
PK=$O/pk/peer.example

# before LABEL: snapshot of the outputs and the reload count.  Only the
# fetcher writes the outputs, so the snapshot taken after the previous
# refresh is the one before this.
before() {
	if [ -f "$TMP/last.snap" ]; then
		cp "$TMP/last.snap" "$TMP/$1.before"
	else
		$FT snap "$TMP/$1.before" "$O"
	fi
	R0=$(reloads s)
}

# after LABEL STATUS RELOADS [A|M|D:PATH | REPORT-CHECK]...: the fetch
# (already run into $TMP/LABEL.json) exited STATUS, the reload command ran
# RELOADS times, exactly these files were created, changed or removed,
# and the report passes the checks (see ft.py report).
after() {
	label=$1 want_rc=$2 want_reloads=$3
	shift 3
	[ "$RC" -eq "$want_rc" ] || fail "$label: vpnrr-fetch exited $RC, expected $want_rc" \
		"$TMP/$label.log" "$TMP/$label.json"
	$FT step "$label" "$O" "$TMP/$label.before" "$TMP/$label.after" \
		"$TMP/$label.json" "$@" || fail "$label" "$TMP/$label.log"
	cp "$TMP/$label.after" "$TMP/last.snap"
	got=$(( $(reloads s) - R0 ))
	[ "$got" -eq "$want_reloads" ] || fail "$label: reload command ran $got times, expected $want_reloads" \
		"$TMP/$label.log"
}

# settle MARK WANT: waits (at most 1.5 s) until the files under $O newer
# than MARK are exactly WANT ("./a ./b ", sorted, as below), and prints
# what it last saw.  A running fetch writes its outputs one after another
# (each as NAME.tmp-PID, then renamed): a check made as soon as the first
# one appears sees a half-written set, temporary files included.
settle() {
	mark=$1 want=$2 n=0
	while :; do
		seen=$(cd "$O" && find . -type f -newer "$mark" | sort | tr '\n' ' ')
		[ "$seen" = "$want" ] || [ $n -ge 75 ] || {
			sleep 0.02; n=$((n + 1)); continue; }
		break
	done
	printf '%s' "$seen"
}

# ---- baseline ---------------------------------------------------------
before baseline
fetch "$C" baseline
after baseline 0 1 \
	A:secnet/sites.conf A:secnet/site.example,london,alpha.conf \
	A:secnet/site.example,paris,beta.conf \
	A:secnet/site.example,mobile,gamma.conf \
	A:secnet/site.example,berlin,delta.conf \
	A:pk/peer.example,london,alpha A:pk/peer.example,paris,beta \
	A:pk/peer.example,mobile,gamma A:pk/peer.example,berlin,delta \
	A:sites A:vpn.json \
	ok=true sites.in_view=4 verify.sites_verified=4

# ---- key rollover, secnet does not take the update: timeout fallback ----
old_key=$(sed -n 's/^pubkey //p' "$S/london,alpha.site")
sed -i '/^pubkey /d' "$S/london,alpha.site"
{
	echo "pkg 00000002"
	echo "pubkey $(cat "$TMP/alpha2.pubkey")"
	echo "pkgf 00000000"
	echo "pubkey $old_key"
} >>"$S/london,alpha.site"
set_line "$S/london,alpha.site" serial 00000002
publish_site london,alpha
before rollover-timeout
live_sum=$(sha256sum <"$PK,london,alpha")
touch "$TMP/mark"
RC=0
timeout -k 5 60 "$F" -c "$C" --once --json >"$TMP/rollover-timeout.json" \
	2>"$TMP/rollover-timeout.log" &
FPID=$!
BG_PIDS="$BG_PIDS $FPID"
n=0
while [ ! -e "$PK,london,alpha~update" ] && [ $n -lt 200 ]; do
	sleep 0.05; n=$((n + 1))
done
# While the ~update waits for secnet (peer-keys-wait 2s): the live file
# untouched, no reload, no secnet configuration written.  The checks wait
# until the fetch has written all it writes before it waits (the ~update
# may come first), and must be done well within the 2 s: shell only.
[ -e "$PK,london,alpha~update" ] ||
	fail "rollover: no peer.example,london,alpha~update within 10 s" \
		"$TMP/rollover-timeout.log"
mid=$(settle "$TMP/mark" \
	"./pk/peer.example,london,alpha~update ./sites ./vpn.json ")
[ "$(sha256sum <"$PK,london,alpha")" = "$live_sum" ] ||
	fail "rollover: live peer file changed while the ~update waits"
[ "$(reloads s)" -eq "$R0" ] || fail "rollover: reload before the timeout"
cp "$PK,london,alpha~update" "$TMP/alpha.update" ||
	fail "rollover: the ~update went before the checks were done"
[ "$mid" = "./pk/peer.example,london,alpha~update ./sites ./vpn.json " ] ||
	fail "rollover: written with the ~update: $mid (expected the ~update, the sites file and the JSON)"
wait "$FPID" || RC=$?
[ -s "$TMP/rollover-timeout.json" ] || fail "rollover: no report" \
	"$TMP/rollover-timeout.log"
after rollover-timeout 0 1 \
	M:pk/peer.example,london,alpha M:sites M:vpn.json \
	ok=true sites.updated=1 verify.heads_verified=0 \
	verify.sites_verified=1 files.written=3 secnet.keys_timeout=1 \
	secnet.keys_installed=1 secnet.keys_adopted=0 \
	secnet.keys_discarded=0 secnet.reloads=1
cmp -s "$TMP/alpha.update" "$PK,london,alpha" ||
	fail "rollover: the installed live file is not the ~update written"
grep -q '^serial 00000002$' "$TMP/alpha.update" &&
	grep -q '^pkg 00000002$' "$TMP/alpha.update" &&
	grep -q '^pkgf 00000000$' "$TMP/alpha.update" ||
	fail "rollover: peer-keys update lacks the new group" "$TMP/alpha.update"
grep -q "peer.example,london,alpha: secnet did not take" \
	"$TMP/rollover-timeout.log" ||
	fail "rollover: fallback not logged" "$TMP/rollover-timeout.log"

# ---- key rollover, secnet adopts the update ------------------------------
roll_keys berlin,delta 00000003 "$TMP/delta3.pubkey"
publish_site berlin,delta
before rollover-adopted
# A stand-in for secnet: takes the update as secnet does at a key
# exchange (NOTES.peer-keys: ~update -> ~proc -> live).
(
	n=0
	while [ $n -lt 400 ]; do
		if [ -e "$PK,berlin,delta~update" ]; then
			mv "$PK,berlin,delta~update" "$PK,berlin,delta~proc"
			sleep 0.1
			mv "$PK,berlin,delta~proc" "$PK,berlin,delta"
			echo adopted >"$TMP/secnet-stand-in"
			exit 0
		fi
		sleep 0.025; n=$((n + 1))
	done
) &
BG_PIDS="$BG_PIDS $!"
fetch "$C" rollover-adopted
[ -s "$TMP/secnet-stand-in" ] || fail "the secnet stand-in saw no ~update"
after rollover-adopted 0 0 M:pk/peer.example,berlin,delta M:sites M:vpn.json \
	ok=true sites.updated=1 verify.sites_verified=1 \
	secnet.keys_adopted=1 secnet.keys_timeout=0 \
	secnet.keys_installed=0 secnet.reloads=0
grep -q '^serial 00000003$' "$PK,berlin,delta" &&
	grep -q '^pkgf 00000002$' "$PK,berlin,delta" ||
	fail "rollover: delta's live file lacks the new key set"

# ---- key rollover with peer-keys-wait 0s: nobody waits for secnet -------
roll_keys berlin,delta 00000004 "$TMP/delta4.pubkey"
publish_site berlin,delta
sed 's/^peer-keys-wait .*/peer-keys-wait 0s/' "$C" >"$TMP/s0.conf"
before rollover-nowait
fetch "$TMP/s0.conf" rollover-nowait
after rollover-nowait 0 1 M:pk/peer.example,berlin,delta M:sites M:vpn.json \
	ok=true sites.updated=1 verify.sites_verified=1 \
	secnet.keys_installed=1 secnet.keys_adopted=0 secnet.reloads=1
grep -q '^serial 00000004$' "$PK,berlin,delta" ||
	fail "rollover-nowait: delta's live file lacks the new key set"
ms=$($FT get "$TMP/rollover-nowait.json" duration_ms)
[ "$ms" -lt 1000 ] || fail "rollover-nowait: took $ms ms with peer-keys-wait 0s"

# ---- an adoption that outlives one refresh --------------------------------
# secnet reads an ~update only before its next key exchange, so it is
# given until the peer's key lifetime has passed (here peer-keys-wait 1h):
# one refresh watches for peer-keys-watch, then the hand-over stays owed
# and later refreshes look again.  No restart when secnet takes it.
roll_keys berlin,delta 00000005 "$TMP/delta5.pubkey"
publish_site berlin,delta
sed -e 's/^peer-keys-wait .*/peer-keys-wait 1h/' "$C" >"$TMP/pend.conf"
echo "peer-keys-watch 1s" >>"$TMP/pend.conf"
before rollover-pending
fetch "$TMP/pend.conf" rollover-pending
after rollover-pending 0 0 A:pk/peer.example,berlin,delta~update M:sites \
	M:vpn.json \
	ok=true sites.updated=1 journal.keys_pending=1 journal.owed=1 \
	secnet.keys_installed=0 secnet.reloads=0
"$F" -c "$TMP/pend.conf" --status >"$TMP/pend-status.json" ||
	fail "--status with a pending hand-over" "$TMP/pend-status.json"
$FT report "$TMP/pend-status.json" owed.0.action=keys ||
	fail "--status does not show the pending hand-over" \
		"$TMP/pend-status.json"
# secnet takes it between two refreshes (NOTES.peer-keys: ~update ->
# ~proc -> live).
mv "$PK,berlin,delta~update" "$PK,berlin,delta"
before rollover-pending-adopted
fetch "$TMP/pend.conf" rollover-pending-adopted
after rollover-pending-adopted 0 0 \
	M:pk/peer.example,berlin,delta D:pk/peer.example,berlin,delta~update \
	ok=true journal.owed_at_start=1 journal.keys_pending=0 \
	journal.owed=0 files.written=0 secnet.reloads=0 \
	secnet.keys_adopted=1
"$F" -c "$TMP/pend.conf" --status >"$TMP/pend-status2.json"
$FT report "$TMP/pend-status2.json" owed.0.action! ||
	fail "the adopted hand-over is still owed" "$TMP/pend-status2.json"
grep -q '^serial 00000005$' "$PK,berlin,delta" ||
	fail "rollover-pending: delta's live file lacks the new key set"

# ---- ... and one that secnet never takes: the deadline passes -------------
roll_keys berlin,delta 00000006 "$TMP/delta6.pubkey"
publish_site berlin,delta
sed -e 's/^peer-keys-wait .*/peer-keys-wait 2s/' "$C" >"$TMP/late.conf"
echo "peer-keys-watch 1s" >>"$TMP/late.conf"
before rollover-late
fetch "$TMP/late.conf" rollover-late
after rollover-late 0 0 A:pk/peer.example,berlin,delta~update M:sites \
	M:vpn.json \
	ok=true journal.keys_pending=1 secnet.reloads=0
sleep 2
before rollover-late-timeout
fetch "$TMP/late.conf" rollover-late-timeout
after rollover-late-timeout 0 1 M:pk/peer.example,berlin,delta \
	D:pk/peer.example,berlin,delta~update \
	ok=true journal.keys_pending=0 secnet.keys_timeout=1 \
	secnet.keys_installed=1 secnet.reloads=1
grep -q '^serial 00000006$' "$PK,berlin,delta" ||
	fail "rollover-late: delta's live file lacks the new key set"

# ---- newer keys published while an adoption is pending ------------------
# The pending hand-over of the older keys is dropped, never done: doing
# it would bring the older keys back (and restart secnet for nothing).
roll_keys berlin,delta 00000007 "$TMP/delta7.pubkey"
publish_site berlin,delta
# This refresh is stopped (SIGTERM) while it watches: the hand-over
# stays owed for the next run instead of being forced.
sed 's/^peer-keys-watch .*/peer-keys-watch 60s/' "$TMP/pend.conf" \
	>"$TMP/pendw.conf"
before rollover-superseded-1
touch "$TMP/mark"
timeout -k 5 60 "$F" -c "$TMP/pendw.conf" --once --json \
	>"$TMP/rollover-superseded-1.json" 2>"$TMP/rollover-superseded-1.log" &
fpid=$!
n=0
until [ -e "$PK,berlin,delta~update" ] || [ $n -ge 100 ]; do
	sleep 0.1; n=$((n + 1))
done
# Stopped while it watches, i.e. once everything else is written.
settle "$TMP/mark" "./pk/peer.example,berlin,delta~update ./sites ./vpn.json " \
	>/dev/null
sleep 0.2
kill -TERM "$fpid"
RC=0
wait "$fpid" || RC=$?
after rollover-superseded-1 0 0 A:pk/peer.example,berlin,delta~update \
	M:sites M:vpn.json \
	ok=true journal.keys_pending=1 secnet.reloads=0 secnet.keys_installed=0
ms=$($FT get "$TMP/rollover-superseded-1.json" duration_ms)
[ "$ms" -lt 20000 ] ||
	fail "rollover-superseded: SIGTERM did not end the watch ($ms ms)"
roll_keys berlin,delta 00000008 "$TMP/delta8.pubkey"
publish_site berlin,delta
before rollover-superseded-2
fetch "$TMP/pend.conf" rollover-superseded-2
after rollover-superseded-2 0 0 M:pk/peer.example,berlin,delta~update \
	M:sites M:vpn.json \
	ok=true journal.keys_pending=1 journal.owed=1 secnet.reloads=0 \
	secnet.keys_installed=0
grep -q "no longer wanted" "$TMP/rollover-superseded-2.log" ||
	fail "rollover-superseded: the older hand-over was not dropped" \
		"$TMP/rollover-superseded-2.log"
grep -q '^serial 00000008$' "$PK,berlin,delta~update" ||
	fail "rollover-superseded: ~update does not hold the newest keys"
mv "$PK,berlin,delta~update" "$PK,berlin,delta"
before rollover-superseded-3
fetch "$TMP/pend.conf" rollover-superseded-3
after rollover-superseded-3 0 0 \
	M:pk/peer.example,berlin,delta D:pk/peer.example,berlin,delta~update \
	ok=true journal.owed=0 secnet.keys_adopted=1 secnet.reloads=0
grep -q '^serial 00000008$' "$PK,berlin,delta" ||
	fail "rollover-superseded: the live file lost the newest keys"

# ---- this node's own key set: secnet never reads it -----------------------
# With local-site london/alpha, alpha's new keys go straight to the live
# file: no ~update, no watch, no reload.
roll_keys london,alpha 00000003 "$TMP/alpha3.pubkey"
publish_site london,alpha
sed 's|^local-site .*|local-site london/alpha|' "$C" >"$TMP/local.conf"
before rollover-local
fetch "$TMP/local.conf" rollover-local
after rollover-local 0 0 M:pk/peer.example,london,alpha M:sites M:vpn.json \
	ok=true sites.updated=1 verify.sites_verified=1 \
	secnet.keys_installed=1 secnet.keys_adopted=0 secnet.keys_timeout=0 \
	secnet.reloads=0
grep -q '^serial 00000003$' "$PK,london,alpha" ||
	fail "rollover-local: alpha's live file lacks the new key set"
[ ! -e "$PK,london,alpha~update" ] ||
	fail "rollover-local: an ~update was left for the local site"

# ---- endpoint moves to an IPv6 literal -----------------------------------
set_line "$S/london,alpha.site" address "[2001:db8:1::10] 4500"
publish_site london,alpha
before endpoint-ipv6
fetch "$C" endpoint-ipv6
after endpoint-ipv6 0 1 M:secnet/site.example,london,alpha.conf M:sites \
	M:vpn.json \
	ok=true sites.updated=1 verify.sites_verified=1 secnet.reloads=1 \
	secnet.keys_adopted=0
grep -q -F 'address "[2001:db8:1::10]"; port 4500;' \
	"$O/secnet/site.example,london,alpha.conf" ||
	fail "endpoint: no IPv6 literal address" \
		"$O/secnet/site.example,london,alpha.conf"
grep -q -F 'address [2001:db8:1::10] 4500' "$O/sites" ||
	fail "endpoint: sites file address"

# ---- a site is added --------------------------------------------------
"$V" keygen "$ZE/keys/epsilon.key" >/dev/null || fail "vpnrr keygen"
cat >"$S/oslo,epsilon.site" <<EOF
# Site oslo/epsilon: added by tests/fetcher/scenarios.sh.
vpn example
site oslo/epsilon
publish _vpnrr.epsilon.example.net
address 198.51.100.5 4500
networks 10.5.0.0/16
peer 10.5.0.1
serial 00000001
pubkey $(cat "$TMP/epsilon.pubkey")
contact ops@epsilon.example.net
dh $DH
hash sha1
lifetime 10y
EOF
"$V" request -k "$ZE/keys/epsilon.key" -o "$TMP/epsilon.req" \
	"$S/oslo,epsilon.site" >"$TMP/req.log" 2>&1 ||
	fail "vpnrr request" "$TMP/req.log"
"$V" admit "$ZE/admin" "$TMP/epsilon.req" >"$TMP/admit.log" 2>&1 ||
	fail "vpnrr admit" "$TMP/admit.log"
publish_site oslo,epsilon
publish_admin
before site-added
fetch "$C" site-added
after site-added 0 1 A:secnet/site.example,oslo,epsilon.conf \
	M:secnet/sites.conf A:pk/peer.example,oslo,epsilon M:sites M:vpn.json \
	ok=true sites.added=1 sites.in_view=5 verify.heads_verified=1 \
	verify.sites_verified=1 secnet.reloads=1
grep -q 'include .*/site.example,oslo,epsilon.conf$' "$O/secnet/sites.conf" ||
	fail "site-added: not in sites.conf" "$O/secnet/sites.conf"

# ---- a site is revoked ---------------------------------------------------
"$V" revoke "$ZE/admin" paris/beta >"$TMP/revoke.log" 2>&1 ||
	fail "vpnrr revoke" "$TMP/revoke.log"
publish_admin
before site-revoked
fetch "$C" site-revoked
after site-revoked 0 1 D:secnet/site.example,paris,beta.conf \
	D:pk/peer.example,paris,beta M:secnet/sites.conf M:sites M:vpn.json \
	ok=true sites.removed=1 sites.in_view=4 verify.heads_verified=1 \
	verify.sites_verified=0 secnet.reloads=1
! grep -q beta "$O/secnet/sites.conf" ||
	fail "site-revoked: still in sites.conf" "$O/secnet/sites.conf"

# ---- a network outside the site's authorization -------------------------
set_line "$S/mobile,gamma.site" networks "10.3.0.0/24 10.66.0.0/24"
publish_site mobile,gamma
before nets-outside
fetch "$C" nets-outside
after nets-outside 1 0 \
	verify.rejected.nets-outside=1 \
	site_status.mobile/gamma.status=nets-outside \
	site_status.mobile/gamma.error~10.66.0.0/24 sites.in_view=4 \
	secnet.reloads=0
grep -q "mobile/gamma.*10\.66\.0\.0/24" "$TMP/nets-outside.log" ||
	fail "nets-outside: log names neither site nor prefix" \
		"$TMP/nets-outside.log"
grep -q -F '"10.3.0.0/24"' "$O/secnet/site.example,mobile,gamma.conf" ||
	fail "nets-outside: gamma's last good record not kept"

# ---- rollback ------------------------------------------------------------
serve_site london,alpha "$TMP/alpha-v1.rec"
serve_site mobile,gamma "$TMP/gamma-v1.rec"
before rollback
fetch "$C" rollback
after rollback 1 0 \
	verify.rejected.rollback=1 \
	site_status.london/alpha.status=rollback sites.in_view=4 \
	secnet.reloads=0 'site_status.mobile/gamma.status=unchanged|verified'
grep -q "london/alpha.*rollback" "$TMP/rollback.log" ||
	fail "rollback: not logged" "$TMP/rollback.log"
grep -q -F '[2001:db8:1::10]' "$O/secnet/site.example,london,alpha.conf" ||
	fail "rollback: alpha's last good record not kept"

# ---- restart: the high-water marks persist -------------------------------
before restart
fetch "$C" restart
after restart 1 0 \
	verify.rejected.rollback=1 \
	site_status.london/alpha.status=rollback
# A node restarted from its state alone (outputs lost) rejects the old
# record too and writes the last good configuration.
mkdir -p "$TMP/r"
cp -R "$TMP/s/state" "$TMP/r/state"
sed "s|$TMP/s/|$TMP/r/|g" "$C" >"$TMP/r.conf"
: >"$TMP/r/reloads"
fetch "$TMP/r.conf" restart-fresh
[ "$RC" -eq 1 ] ||
	fail "restart-fresh: exited $RC" "$TMP/restart-fresh.log"
$FT report "$TMP/restart-fresh.json" verify.rejected.rollback=1 \
	site_status.london/alpha.status=rollback sites.in_view=4 \
	secnet.reloads=1 files.written=11 || fail "restart-fresh report" \
	"$TMP/restart-fresh.log"
$FT same-outputs "$O" "$TMP/r/out" || fail "restart-fresh: other outputs"
$FT figures restart-fresh "$TMP/restart-fresh.json"

# ---- a failed restart stays owed until it succeeds ------------------------
set_line "$C" reload-command '"echo fail >> '"$TMP"'/s/failed; exit 3"'
set_line "$S/london,alpha.site" address "192.0.2.10 4500"
publish_site london,alpha
before reload-fails
fetch "$C" reload-fails
after reload-fails 1 0 M:secnet/site.example,london,alpha.conf M:sites \
	M:vpn.json \
	ok=false journal.reload_owed=true journal.reload_attempts=1 \
	secnet.reloads=1
"$F" -c "$C" --status >"$TMP/status.json" ||
	fail "--status with a restart owed" "$TMP/status.json"
$FT report "$TMP/status.json" owed.0.action=reload owed.0.attempts=1 ||
	fail "--status does not show the owed restart" "$TMP/status.json"
before reload-fails-again
fetch "$C" reload-fails-again
after reload-fails-again 1 0 \
	ok=false journal.owed_at_start=1 journal.reload_attempts=2 \
	files.written=0
set_line "$C" reload-command "\"echo reload >> $TMP/s/reloads\""
before reload-retried
fetch "$C" reload-retried
after reload-retried 0 1 \
	ok=true journal.owed_at_start=1 journal.reload_owed=false \
	files.written=0
before reload-paid
fetch "$C" reload-paid
after reload-paid 0 0 ok=true journal.owed_at_start=0 journal.owed=0
[ "$(wc -l <"$TMP/s/failed")" -eq 2 ] ||
	fail "the failing restart ran $(wc -l <"$TMP/s/failed") times, not 2"

# ---- this node's own site changes: no restart of its own secnet ----------
set_line "$S/mobile,gamma.site" networks 10.3.0.0/24
set_line "$S/mobile,gamma.site" wait-time 25000
publish_site mobile,gamma
before local-change
fetch "$C" local-change
after local-change 0 0 M:secnet/site.example,mobile,gamma.conf M:sites \
	M:vpn.json \
	ok=true sites.updated=1 secnet.reloads=0

# ---- the candidate configuration must pass secnet -j ---------------------
write_secnet_conf "$O/secnet/sites.conf" "$TMP/node-secnet.conf"
chmod 600 "$ZE"/keys/*.secnet
set_line "$C" secnet-config "$TMP/node-secnet.conf"
set_line "$S/london,alpha.site" address "192.0.2.11 4500"
publish_site london,alpha
before check-passes
fetch "$C" check-passes
after check-passes 0 1 M:secnet/site.example,london,alpha.conf M:sites \
	M:vpn.json \
	ok=true check.runs=1 check.failed=false secnet.reloads=1
# A check that refuses: nothing at all is applied, the state does not
# move, and the same change goes through once the check passes.
set_line "$C" secnet-check-command '"sh -c '"'"'exit 1'"'"' check"'
set_line "$S/london,alpha.site" address "192.0.2.12 4500"
publish_site london,alpha
before check-refuses
fetch "$C" check-refuses
after check-refuses 1 0 \
	ok=false check.runs=1 check.failed=true secnet.reloads=0 \
	state.saved=false
grep -q "refused the candidate configuration" "$TMP/check-refuses.log" ||
	fail "check-refuses: not logged" "$TMP/check-refuses.log"
sed -i '/^secnet-check-command /d' "$C"
before check-fixed
fetch "$C" check-fixed
after check-fixed 0 1 M:secnet/site.example,london,alpha.conf M:sites \
	M:vpn.json \
	ok=true check.runs=1 check.failed=false
grep -q -F '192.0.2.12' "$O/secnet/site.example,london,alpha.conf" ||
	fail "check-fixed: the change did not go through"

# ---- a deleted store is reported, not silently reset ---------------------
# Whatever the lost store still owed is unknown: one restart is owed, to
# be safe; the files on disk are right already.
rm -f "$TMP/s/state/state.db"
before state-reset
fetch "$C" state-reset
after state-reset 0 1 ok=true state.reset=true secnet.reloads=1 \
	files.written=0
before state-reset-after
fetch "$C" state-reset-after
after state-reset-after 0 0 ok=true state.reset=false secnet.reloads=0
grep -q "state-reset" "$TMP/state-reset.log" ||
	fail "state-reset: not logged" "$TMP/state-reset.log"

# ---- DNS down ----------------------------------------------------------
stop_nsd
before dns-down
fetch "$C" dns-down
after dns-down 1 0 \
	ok=false sites.in_view=4 \
	verify.heads_verified+verify.sites_verified=0 secnet.reloads=0

# What is left is still a configuration secnet takes.
write_secnet_conf "$O/secnet/sites.conf" "$TMP/secnet.conf"
check_secnet "$TMP/secnet.conf" "$TMP/secnet.log"
echo "fetcher-scenarios: 31 refreshes, exact files and reloads checked"
