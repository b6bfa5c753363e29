#!/bin/sh
# local-faults.sh VPNRR VPNRR-FETCH ZONE-EXAMPLES SRCDIR
#
# Local faults during a refresh (as root, in a private mount namespace):
#
#   disk-full      the output directory is a small tmpfs filled up
#   ro-outputs     the output directory is a read-only bind mount
#   ro-state       the state directory is a read-only bind mount
#   corrupt-store  every file of the state directory overwritten with
#                  garbage bytes
#
# Each starts from a node refreshed on version A of a VPN (tests/lib/
# vpn-ab.sh) and refreshes onto B with the fault in place.  Asserted: a
# non-zero exit and an error naming the path and the reason; the last good
# outputs intact byte for byte, no temporary file anywhere, no reload (for
# ro-state: nothing at all applied).  Then the fault is removed and the
# next run must converge to exactly what an undisturbed refresh onto B
# writes, with the last reload having seen the final configuration.
# corrupt-store expects the corruption reported loudly and the node to
# re-fetch without losing working sites: it must converge with no help.
# Root ignores permission bits, hence mounts rather than chmod.  Skipped
# (77) without root or unshare.
set -eu
V=$1 F=$2 EX=$3 SRC=$4
if [ -z "${VPNRR_FAULTS_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "not root: skipped"; exit 77; }
	if ! command -v unshare >/dev/null 2>&1 || ! unshare -m true 2>/dev/null; then
		echo "no unshare -m: skipped"; exit 77
	fi
	VPNRR_FAULTS_NS=1 exec unshare -m --propagation private \
		sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/lib/vpn-ab.sh"
export LC_ALL=C

vpn_ab_build 30
vpn_ab_serve
N=$TMP/node
# The status is kept: a umount of what is no longer mounted fails, and
# the shell would exit with that.
trap 'rc=$?; umount "$N/out" 2>/dev/null || :; umount "$N/state" 2>/dev/null || :; stop_nsd; NSD_PIDFILE=$NSD_A_PIDFILE; cleanup; exit $rc' EXIT
RELOAD="cat $N/out/secnet/*.conf $N/out/pk/* 2>/dev/null | sha256sum >> $N/reloads"
vpn_ab_conf "$TMP/a.conf" "$PORT_A" "$N" "$RELOAD"
vpn_ab_conf "$TMP/b.conf" "$PORT_B" "$N" "$RELOAD"
: >"$N/reloads"
timeout -k 5 60 "$F" -c "$TMP/a.conf" --once >"$TMP/a.log" 2>&1 ||
	fail "refresh on A" "$TMP/a.log"
mkdir -p "$TMP/s0"
cp -Rp "$N/out" "$N/state" "$N/reloads" "$TMP/s0/"

# restore: the node as S0 left it (out/ may be a mount point: keep it).
restore() {
	rm -rf "$N/state" "$N/out"/* 2>/dev/null || :
	mkdir -p "$N/out"
	cp -Rp "$TMP/s0/out/." "$N/out/"
	cp -Rp "$TMP/s0/state" "$N/"
	cp -p "$TMP/s0/reloads" "$N/reloads"
}

# run LABEL: vpnrr-fetch --once on B (bounded); status in RC.
run() {
	RC=0
	timeout -k 5 60 "$F" -c "$TMP/b.conf" --once >/dev/null \
		2>"$TMP/$1.log" || RC=$?
}

# The undisturbed refresh onto B: EXPECTED.
restore
run expected
[ "$RC" -eq 0 ] || fail "undisturbed refresh onto B exited $RC" "$TMP/expected.log"
cp -Rp "$N/out" "$TMP/expected"

CASES=0 FAILED=0 WHY=
# no ...: record a failed assertion of the current case.
no() {
	WHY="${WHY:+$WHY; }$*"
}

# same DIR: the outputs hold exactly DIR's files (the filler aside).
same() {
	diff -r -x filler "$1" "$N/out" >"$TMP/diff" 2>&1
}

temps() {
	find "$N/out" "$N/state" \( -name '*tmp*' -o -name '*~update*' \
		-o -name '*~proc*' \) -print 2>/dev/null | head -n 5 | tr '\n' ' '
}

# faulted LABEL PATH REASON: the faulted run failed loudly and changed
# nothing.
faulted() {
	[ "$RC" -ne 0 ] || no "exited 0 with the fault"
	[ "$RC" -ne 124 ] || no "did not finish in 60 s"
	grep -q -F "$2" "$TMP/$1.log" || no "stderr does not name $2"
	grep -q -i -- "$3" "$TMP/$1.log" || no "stderr does not say \"$3\""
	same "$TMP/s0/out" || no "outputs changed: $(head -n 3 "$TMP/diff" | tr '\n' ' ')"
	t=$(temps); [ -z "$t" ] || no "temporary files left: $t"
	cmp -s "$TMP/s0/reloads" "$N/reloads" || no "reload command ran"
}

# converged LABEL: after the fault is gone, one run converges to EXPECTED.
converged() {
	run "$1-after"
	[ "$RC" -eq 0 ] || no "run after the fault exited $RC: $(tail -n 1 "$TMP/$1-after.log")"
	same "$TMP/expected" || no "did not converge: $(head -n 3 "$TMP/diff" | tr '\n' ' ')"
	t=$(temps); [ -z "$t" ] || no "temporary files left: $t"
	h=$(cat "$N"/out/secnet/*.conf "$N"/out/pk/* 2>/dev/null | sha256sum)
	[ "$(tail -n 1 "$N/reloads")" = "$h" ] ||
		no "the last reload did not see the final configuration"
}

# verdict CASE: print and record the case.
verdict() {
	CASES=$((CASES + 1))
	if [ -z "$WHY" ]; then
		echo "local-faults $1: ok"
		ok=true
	else
		echo "local-faults $1: FAIL: $WHY"
		FAILED=$((FAILED + 1)) ok=false
	fi
	if [ -n "${VPNRR_FIGURES:-}" ]; then
		python3 -c 'import json, sys
print(json.dumps({"suite": "local-faults", "case": sys.argv[1],
                  "ok": sys.argv[2] == "true", "detail": sys.argv[3]},
                 sort_keys=True))' "$1" "$ok" "$WHY" >>"$VPNRR_FIGURES"
	fi
	WHY=
}

# readonly_mount DIR: DIR becomes a read-only bind mount of itself.
readonly_mount() {
	mount --bind "$1" "$1" || fail "cannot bind-mount $1"
	mount -o remount,bind,ro "$1" || fail "cannot make $1 read-only"
}

# ---- disk full ------------------------------------------------------------
restore
mount -t tmpfs -o size=4m vpnrr-test "$N/out" || fail "cannot mount a tmpfs"
cp -Rp "$TMP/s0/out/." "$N/out/"
dd if=/dev/zero of="$N/out/filler" bs=64k >/dev/null 2>&1 || :
run disk-full
faulted disk-full "$N/out" "no space left"
rm -f "$N/out/filler"
converged disk-full
umount "$N/out"
verdict disk-full

# ---- read-only output directory -------------------------------------------
restore
readonly_mount "$N/out"
run ro-outputs
faulted ro-outputs "$N/out" "read-only"
umount "$N/out"
converged ro-outputs
verdict ro-outputs

# ---- read-only state directory: nothing may be applied --------------------
restore
readonly_mount "$N/state"
run ro-state
faulted ro-state "$N/state" "read-only"
umount "$N/state"
converged ro-state
verdict ro-state

# ---- corrupt store ---------------------------------------------------------
# Reported loudly, and the node re-fetches: no working site is lost, and
# it converges with no help.
restore
for f in "$N"/state/*; do
	[ -f "$f" ] || continue
	size=$(wc -c <"$f")
	head -c "$size" /dev/urandom >"$f"
done
run corrupt-store
grep -q -F "$N/state" "$TMP/corrupt-store.log" ||
	no "the corruption is not reported with the store's path"
for f in "$TMP"/s0/out/secnet/site.*.conf; do
	b=$(basename "$f")
	# A site in both A and B must never disappear.
	if [ -e "$TMP/expected/secnet/$b" ] && [ ! -e "$N/out/secnet/$b" ]; then
		no "working site removed: $b"
		break
	fi
done
t=$(temps); [ -z "$t" ] || no "temporary files left: $t"
if ! same "$TMP/expected"; then
	converged corrupt-store
fi
verdict corrupt-store

echo "local-faults: $CASES cases, $((CASES - FAILED)) passed"
[ "$FAILED" -eq 0 ]
