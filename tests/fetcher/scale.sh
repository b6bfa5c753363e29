#!/bin/sh
# scale.sh VPNRR VPNRR-FETCH ZONE-EXAMPLES SRCDIR SIGCOUNT-SO
#
# vpnrr-fetch on a VPN of SCALE_SITES sites (default 1000), built the way
# an admin would: tests/bench/gen.py writes a make-secnet-sites sites
# file, "vpnrr import" and "vpnrr index" publish it, a real NSD serves
# it.  It checks counts, not times:
#   * every run: the report counts every signature check the process
#     makes (counted from outside by SIGCOUNT-SO, an LD_PRELOAD module in
#     front of libsodium's verifier);
#   * cold run: exit 0, every site in the view, and a second process
#     (--status, and the next run) sees all of them;
#   * warm run (nothing changed): no signature checked at all, start-up
#     included, no file written, and not one byte, mtime or inode changed
#     under the outputs and the state directory;
#   * one site's endpoint moved (its record re-signed with "vpnrr sign"):
#     one site signature checked, only that site's per-site files
#     rewritten, each whole-VPN output at most once;
#   * one site revoked: its per-site files removed, no other per-site
#     file touched.
# Each check prints an "ok:" or "FAIL:" line; the status is 1 if any
# failed.  Every step runs even when an earlier check failed (not when
# the set-up did), so one run shows every count that is off.
set -eu
V=$1 F=$2 EX=$3 SRC=$4 SIGCOUNT=$5
N=${SCALE_SITES:-1000}
. "$(dirname "$0")/lib.sh"

case $N in
''|*[!0-9]*) fail "SCALE_SITES=$N: not a number" ;;
esac
[ "$N" -ge 10 ] || fail "SCALE_SITES=$N: at least 10 sites"

B=$TMP/bench PUB=$TMP/bench/pub ADMIN=$TMP/bench/pub/admin
ZONE=bench.example.net
ZF=$ADMIN/$ZONE.zone
NODE=$TMP/node OUT=$TMP/node/out STATE=$TMP/node/state
FAILS=0

ok() {
	echo "ok: $*"
}

# bad WHY [FILE...]: report a failed check, show the files, go on (on
# standard output, in order with the ok lines).
bad() {
	why=$1; shift
	echo "FAIL: $why"
	for f in "$@"; do
		[ -s "$f" ] && { echo "--- $f"; head -n 40 "$f"; }
	done
	FAILS=$((FAILS + 1))
}

# The key pool is pure-Python primes: 8 keys are enough to count with.
BENCH_KEYPOOL=${BENCH_KEYPOOL:-8} timeout 300 python3 \
	"$SRC/tests/bench/gen.py" "$N" "$B" >"$TMP/gen.log" 2>&1 ||
	fail "gen.py $N" "$TMP/gen.log"
timeout 300 "$V" import --zone "$ZONE" -d "$PUB" "$B/sites.conf" \
	>"$TMP/import.log" 2>&1 || fail "vpnrr import" "$TMP/import.log"
timeout 300 "$V" index "$ADMIN" >"$TMP/index.log" 2>&1 ||
	fail "vpnrr index" "$TMP/index.log"
ANCHOR=$("$V" keygen --public "$ADMIN/anchor.key") ||
	fail "cannot read the anchor key"
[ "$(ls "$ADMIN/members" | wc -l)" -eq "$N" ] ||
	fail "vpnrr import made $(ls "$ADMIN/members" | wc -l) members, not $N"
start_nsd "$TMP/nsd" "$ZF"

mkdir -p "$NODE"
CONF=$NODE/fetch.conf
{
	echo "# vpnrr-fetch scale test configuration"
	echo "vpn bench"
	echo "zone $ZONE"
	echo "anchor $ANCHOR"
	echo "resolver 127.0.0.1:$PORT"
	echo "record-type both"
	echo "state-dir $STATE"
	echo "output secnet $OUT/secnet"
	echo "output peer-keys $OUT/pk"
	echo "output sites-file $OUT/sites"
	echo "output json $OUT/vpn.json"
	echo "sites-file-dh $(sed -n 's/^dh //p' "$B/sites.conf")"
	echo "sites-file-hash sha1"
	echo "peer-keys-wait 0s"
	echo "reload-command \"true\""
} >"$CONF"

# run LABEL: one "vpnrr-fetch --once --json" (bounded: the sanitizer
# build is slow) with its signature checks counted; report in
# $TMP/LABEL.json, log in $TMP/LABEL.log, the count in $TMP/LABEL.sigs,
# status in $RC.  "env" execs the fetcher: timeout itself is not counted.
# (ASan insists on coming first among the libraries; the module is fine
# after it.)
run() {
	RC=0
	name=$1
	shift
	rm -f "$TMP/$name.sigs"
	timeout -k 5 300 env LD_PRELOAD="$SIGCOUNT" \
		SIGCOUNT_FILE="$TMP/$name.sigs" SIGCOUNT_PROGRAM="$(basename "$F")" \
		ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS-}" \
		"$F" -c "$CONF" --once --json "$@" >"$TMP/$name.json" \
		2>"$TMP/$name.log" || RC=$?
	set -- "$name"
	[ "$RC" -ne 124 ] || fail "$1: vpnrr-fetch did not finish in 300 s" \
		"$TMP/$1.log"
	[ -s "$TMP/$1.json" ] || fail "$1: no JSON report (status $RC)" \
		"$TMP/$1.log"
	[ -s "$TMP/$1.sigs" ] || fail "$1: the signature counter wrote nothing" \
		"$TMP/$1.log"
	SIGS=$(cat "$TMP/$1.sigs")
	REPORTED=$(reported "$TMP/$1.json")
	echo "$1: $SIGS signature checks made, $REPORTED reported" \
		"($(tr -d ' \n' <"$TMP/$1.verify"))"
	[ "$SIGS" = "$REPORTED" ] &&
		ok "$1: the report counts all $SIGS signature checks" ||
		bad "$1: $SIGS signature checks made, the report counts $REPORTED" \
			"$TMP/$1.verify"
	$FT figures "$1" "$TMP/$1.json" || :
}

# reported REPORT: the signature checks a report counts: the sum of its
# verify.*_verified fields (heads, sites, and whatever else the fetcher
# verifies and counts, start-up included); its verify object is left in
# REPORT's .verify twin for the failure message.
reported() {
	python3 - "$1" "${1%.json}.verify" <<'PY'
import json, sys
v = json.load(open(sys.argv[1])).get('verify', {})
with open(sys.argv[2], 'w') as f:
    json.dump(v, f, sort_keys=True)
    f.write('\n')
print(sum(x for k, x in v.items()
          if k.endswith('_verified') and isinstance(x, int)))
PY
}

# check LABEL REPORT CHECK...: ft.py report checks, one ok/FAIL line.
check() {
	label=$1 rep=$2; shift 2
	if $FT report "$rep" "$@" 2>"$TMP/check.err"; then
		ok "$label"
	else
		bad "$label" "$TMP/check.err"
	fi
}

# listing FILE: every file and directory under the outputs and the state
# directory with its size, mtime and inode: a rewrite with the same bytes
# still shows.  In the state directory, status.json's time is set by
# every refresh (--status shows it as checked_at; its bytes change only
# when a report says something new) and SQLite creates and deletes its
# -wal and -shm files at open and close: their times and the
# directory's do not count, their bytes and inodes do.
listing() {
	{
		find "$OUT" "$STATE/state.db" -printf '%p %y %s %T@ %i\n'
		find "$STATE" -mindepth 1 ! -name state.db ! -name 'state.db-*' \
			-printf '%p %y %s %i\n'
	} | sort >"$1"
}

# changed A B: the paths whose line differs between two listings.
changed() {
	diff "$1" "$2" | sed -n 's/^[<>] \([^ ]*\) .*/\1/p' | sort -u
}

# Per-site outputs of location L site S, as the fetcher names them.
site_files() {
	echo "$OUT/secnet/site.bench,$1,$2.conf"
	echo "$OUT/pk/peer.bench,$1,$2"
}

# The whole-VPN outputs: each may be rewritten once by a change.
WHOLE="$OUT/sites $OUT/vpn.json $OUT/secnet/sites.conf"

# only_site LABEL BEFORE AFTER L S: no per-site file but site L/S's
# changed (state-directory files, the output directories and the
# whole-VPN outputs aside; the callers check L/S's own files).
only_site() {
	changed "$2" "$3" | grep -v "^$STATE\\(/\\|\$\\)" |
		grep -v -x -F -e "$OUT" -e "$OUT/secnet" -e "$OUT/pk" \
			$(for w in $WHOLE; do printf ' -e %s' "$w"; done) \
		>"$TMP/$1.persite" || :
	site_files "$4" "$5" >"$TMP/$1.own"
	grep -v -x -F -f "$TMP/$1.own" "$TMP/$1.persite" >"$TMP/$1.others" || :
	if [ -s "$TMP/$1.others" ]; then
		bad "$1: per-site files of other sites than $4/$5 changed" \
			"$TMP/$1.others"
	else
		ok "$1: no per-site file of another site changed"
	fi
}

# writes_once LABEL BEFORE AFTER: the report's files written and removed
# are exactly the output files the listing shows changed: so none of the
# whole-VPN outputs was written more than once.
writes_once() {
	# Directories (in either listing) aside: only files count.
	awk '$2 == "d" { print $1 }' "$2" "$3" >"$TMP/$1.dirs"
	changed "$2" "$3" | grep "^$OUT/" |
		grep -v -x -F -f "$TMP/$1.dirs" >"$TMP/$1.files" || :
	nch=$(wc -l <"$TMP/$1.files" | tr -d ' ')
	check "$1: files written + removed = the $nch output files changed (none written twice)" \
		"$TMP/$1.json" files.written+files.removed="$nch"
}

# nsd_wait SERIAL NAME TEXT: after "vpnrr index", NSD reloaded (SIGHUP)
# serves SOA serial SERIAL and TEXT (or nothing, TEXT empty) at NAME.
nsd_wait() {
	kill -HUP "$(cat "$NSD_PIDFILE")" || fail "cannot signal NSD"
	n=0
	while [ $n -lt 300 ]; do
		if [ "$(dig +short +time=1 +tries=1 -p "$PORT" @127.0.0.1 SOA \
			"$ZONE" | awk '{print $3}')" = "$1" ]; then
			got=$(dig +short +time=1 +tries=1 -p "$PORT" @127.0.0.1 \
				TXT "$2")
			if [ -z "$3" ] && [ -z "$got" ]; then return 0; fi
			if [ -n "$3" ] && echo "$got" | grep -q -F -- "$3"; then
				return 0
			fi
		fi
		sleep 0.1; n=$((n + 1))
	done
	fail "NSD does not serve $ZONE serial $1 with ${3:-nothing} at $2" \
		"$TMP/nsd/nsd.log"
}

zone_serial() {
	awk '$4 == "SOA" { print $7; exit }' "$ZF"
}

# --- cold run --------------------------------------------------------
run cold
[ "$RC" -eq 0 ] && ok "cold: exit 0" || bad "cold: exit $RC" "$TMP/cold.log"
check "cold: all $N sites in the view, all added and verified" \
	"$TMP/cold.json" ok=true sites.in_view="$N" sites.added="$N" \
	verify.sites_verified="$N" verify.rejected!
n=$(ls "$OUT/secnet" | grep -c '^site\.bench,') || :
[ "$n" -eq "$N" ] && ok "cold: $N per-site secnet files" ||
	bad "cold: $n per-site secnet files, expected $N"
n=$(ls "$OUT/pk" | grep -c '^peer\.bench,') || :
[ "$n" -eq "$N" ] && ok "cold: $N peer-keys files" ||
	bad "cold: $n peer-keys files, expected $N"

# --- warm run: nothing changed ---------------------------------------
# The first refresh after the cold one says something new (the store
# is no longer reset): its status.json is written once.
run settle
listing "$TMP/warm.before"
run warm
listing "$TMP/warm.after"
[ "$RC" -eq 0 ] && ok "warm: exit 0" || bad "warm: exit $RC" "$TMP/warm.log"
check "warm: the store reloaded: all $N sites in the view, none added" \
	"$TMP/warm.json" ok=true sites.in_view="$N" sites.added=0 \
	sites.removed=0
# Every signature check of the process counts, start-up included: by the
# report and by the counter in front of libsodium.
check "warm: no signature checked (heads + sites = 0)" "$TMP/warm.json" \
	verify.heads_verified+verify.sites_verified=0
[ "$SIGS" -eq 0 ] && ok "warm: no signature check in the whole process" ||
	bad "warm: the process made $SIGS signature checks (start-up included), expected 0"
check "warm: no file written or removed" "$TMP/warm.json" \
	files.written=0 files.removed=0 secnet.reloads=0
changed "$TMP/warm.before" "$TMP/warm.after" >"$TMP/warm.changed"
if [ -s "$TMP/warm.changed" ]; then
	# PATH TYPE SIZE MTIME INODE, before (<) and after (>).
	diff "$TMP/warm.before" "$TMP/warm.after" >"$TMP/warm.diff" || :
	bad "warm: files or directories written under the outputs or the state directory" \
		"$TMP/warm.diff"
else
	ok "warm: no byte, mtime or inode changed under the outputs and the state directory"
fi
# After the warm listing: --status may touch the store's files itself.
RC=0
timeout 60 "$F" -c "$CONF" --status >"$TMP/status.json" 2>"$TMP/status.log" ||
	RC=$?
if [ "$RC" -eq 0 ]; then
	check "--status (another process): $N sites" "$TMP/status.json" \
		sites.in_view="$N"
	# The warm refresh wrote no byte of status.json but set its time:
	# checked_at is at least the warm report's own time.
	python3 -c '
import json, sys
s, w = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
sys.exit(0 if s.get("checked_at", 0) >= w["now"] - 1 else 1)' \
		"$TMP/status.json" "$TMP/warm.json" &&
		ok "--status: checked_at is the last refresh's time" ||
		bad "--status: checked_at missing or older than the last refresh" \
			"$TMP/status.json"
else
	bad "--status exited $RC" "$TMP/status.log"
fi

# --- an output removed by hand --------------------------------------
# Nothing changed: the refresh does not render or compare the outputs,
# so it does not notice; --check-outputs does, and puts it back.
HANDRM=$(site_files l000 s00005 | head -n 1)
rm -f "$HANDRM"
run handrm
[ ! -e "$HANDRM" ] && ok "handrm: a refresh with nothing changed leaves the disk alone" ||
	bad "handrm: a refresh with nothing changed rewrote $HANDRM"
run handrm-check --check-outputs
[ -s "$HANDRM" ] && ok "handrm: --check-outputs puts the removed file back" ||
	bad "handrm: --check-outputs did not put $HANDRM back" "$TMP/handrm-check.log"
check "handrm: --check-outputs writes exactly that file" \
	"$TMP/handrm-check.json" files.written=1 files.removed=0

# --- one site changed: its endpoint moves ----------------------------
LOC=l000 SITE=s00002  # an IPv4 endpoint, one key set
NAME=$SITE.$LOC.sites.$ZONE
DESC=$PUB/sites/$LOC,$SITE.site
grep -q '^address 198\.18\.0\.2 ' "$DESC" ||
	fail "gen.py no longer gives $LOC/$SITE address 198.18.0.2" "$DESC"
old=$(grep "^$NAME " "$ADMIN/sites.rec" | sed -n 's/.* s=\([0-9]*\);.*/\1/p')
[ -n "$old" ] || fail "no record of $NAME in sites.rec" "$ADMIN/sites.rec"
# A higher serial than the imported record's, whatever the clock says.
sed -i -e 's/^address 198\.18\.0\.2 /address 198.18.250.2 /' \
	-e '/^record-serial /d' "$DESC"
echo "record-serial $((old + 1))" >>"$DESC"
"$V" sign -k "$PUB/keys/$LOC,$SITE.key" -o "$TMP/new.rec" "$DESC" \
	>"$TMP/sign.log" 2>&1 || fail "vpnrr sign $DESC" "$TMP/sign.log"
[ "$(wc -l <"$TMP/new.rec")" -eq 1 ] || fail "vpnrr sign: not one record" \
	"$TMP/new.rec"
{ grep -v "^$NAME " "$ADMIN/sites.rec"; cat "$TMP/new.rec"; } \
	>"$TMP/sites.rec"
[ "$(wc -l <"$TMP/sites.rec")" -eq "$N" ] ||
	fail "sites.rec: not $N records after replacing $NAME"
cp "$TMP/sites.rec" "$ADMIN/sites.rec"
sleep 1  # a new zone serial, should index use the clock
"$V" index "$ADMIN" >"$TMP/index2.log" 2>&1 ||
	fail "vpnrr index after the change" "$TMP/index2.log"
nsd_wait "$(zone_serial)" "$NAME" "198.18.250.2"

listing "$TMP/change.before"
run change
listing "$TMP/change.after"
[ "$RC" -eq 0 ] && ok "change: exit 0" || bad "change: exit $RC" "$TMP/change.log"
check "change: one site signature checked, at most one head" \
	"$TMP/change.json" ok=true sites.in_view="$N" verify.sites_verified=1 \
	verify.heads_verified=0\|1 verify.rejected!
[ "$SIGS" -le 2 ] && ok "change: $SIGS signature checks in the whole process" ||
	bad "change: the process made $SIGS signature checks, expected at most 2 (one site, one head)"
grep -q -F '198.18.250.2' "$OUT/secnet/site.bench,$LOC,$SITE.conf" &&
	ok "change: $LOC/$SITE's secnet file has the new endpoint" ||
	bad "change: $LOC/$SITE's secnet file lacks 198.18.250.2" \
		"$OUT/secnet/site.bench,$LOC,$SITE.conf"
only_site change "$TMP/change.before" "$TMP/change.after" "$LOC" "$SITE"
# Each whole-VPN output is rewritten at most once: by the report (one
# write per file) and by the listing (each still there).
grep -q -x -F "$OUT/secnet/site.bench,$LOC,$SITE.conf" "$TMP/change.persite" &&
	ok "change: $LOC/$SITE's secnet file rewritten" ||
	bad "change: $LOC/$SITE's secnet file not rewritten" "$TMP/change.persite"
# The endpoint moved, the keys did not.
grep -q -x -F "$OUT/pk/peer.bench,$LOC,$SITE" "$TMP/change.persite" &&
	bad "change: $LOC/$SITE's peer-keys file rewritten, its keys did not change" ||
	ok "change: $LOC/$SITE's peer-keys file untouched (same keys)"
writes_once change "$TMP/change.before" "$TMP/change.after"
for w in $WHOLE; do
	[ -s "$w" ] || bad "change: $w missing"
done

# --- one site revoked ------------------------------------------------
RLOC=l000 RSITE=s00003
RNAME=$RSITE.$RLOC.sites.$ZONE
# The hosted record goes first: index refuses a record without a member.
grep -v "^$RNAME " "$ADMIN/sites.rec" >"$TMP/sites.rec"
[ "$(wc -l <"$TMP/sites.rec")" -eq $((N - 1)) ] ||
	fail "sites.rec: not $((N - 1)) records after removing $RNAME"
cp "$TMP/sites.rec" "$ADMIN/sites.rec"
sleep 1
# revoke rebuilds the zone as index does.
"$V" revoke "$ADMIN" "$RLOC/$RSITE" >"$TMP/revoke.log" 2>&1 ||
	fail "vpnrr revoke $RLOC/$RSITE" "$TMP/revoke.log"
nsd_wait "$(zone_serial)" "$RNAME" ""

listing "$TMP/revoke.before"
run revoke
listing "$TMP/revoke.after"
[ "$RC" -eq 0 ] && ok "revoke: exit 0" || bad "revoke: exit $RC" "$TMP/revoke.log"
check "revoke: $((N - 1)) sites in the view, 1 removed, no site signature checked" \
	"$TMP/revoke.json" ok=true sites.in_view=$((N - 1)) sites.removed=1 \
	verify.sites_verified=0
[ "$SIGS" -le 1 ] && ok "revoke: $SIGS signature checks in the whole process" ||
	bad "revoke: the process made $SIGS signature checks, expected at most 1 (the head)"
gone=
for f in $(site_files "$RLOC" "$RSITE"); do
	[ ! -e "$f" ] || gone="$gone $f"
done
[ -z "$gone" ] && ok "revoke: $RLOC/$RSITE's per-site files removed" ||
	bad "revoke: still there:$gone"
check "revoke: 2 files removed (its secnet and peer-keys files)" \
	"$TMP/revoke.json" files.removed=2
writes_once revoke "$TMP/revoke.before" "$TMP/revoke.after"
only_site revoke "$TMP/revoke.before" "$TMP/revoke.after" "$RLOC" "$RSITE"

[ "$FAILS" -eq 0 ] || { echo "fetcher-scale: $FAILS checks failed" >&2; exit 1; }
echo "fetcher-scale: $N sites: cold, warm, one change, one revocation"
