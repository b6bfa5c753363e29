#!/bin/sh
# kill-suite.sh VPNRR VPNRR-FETCH ZONE-EXAMPLES SRCDIR [KILLS [SEED]]
#
# The interrupted-apply rule: a refresh killed at any moment is finished
# by the next run, exactly as an uninterrupted one.  A VPN of 40 sites in
# two versions (tests/lib/vpn-ab.sh: B adds, revokes, rolls keys and moves
# endpoints at once) is served by two NSDs; a node refreshed on A is
# snapshotted, then refreshed onto B and SIGKILLed at a random moment,
# KILLS times (env VPNRR_KILLS overrides it; default 200; the seed from env
# VPNRR_KILL_SEED or the clock, printed).  kill-suite.py does the trials
# and the checks.  Needs nsd, dig, python3, secnet.
set -eu
V=$1 F=$2 EX=$3 SRC=$4
KILLS=${VPNRR_KILLS:-${5:-200}}
SEED=${6:-${VPNRR_KILL_SEED:-$(date +%s)}}
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/lib/vpn-ab.sh"
# The reload command hashes files in glob order: make it the C order the
# checker uses.
export LC_ALL=C

vpn_ab_build 40
vpn_ab_serve
echo "kill-suite: $VPN_AB_CHANGES"

N=$TMP/node
RELOAD="cat $N/out/secnet/*.conf $N/out/pk/* 2>/dev/null | sha256sum >> $N/reloads"
vpn_ab_conf "$TMP/a.conf" "$PORT_A" "$N" "$RELOAD"
vpn_ab_conf "$TMP/b.conf" "$PORT_B" "$N" "$RELOAD"
: >"$N/reloads"
timeout -k 5 60 "$F" -c "$TMP/a.conf" --once >"$TMP/a.log" 2>&1 ||
	fail "refresh on A" "$TMP/a.log"
mkdir -p "$TMP/s0"
cp -Rp "$N/out" "$N/state" "$N/reloads" "$TMP/s0/"

write_secnet_conf "$N/out/secnet/sites.conf" "$TMP/secnet.conf"
check_secnet "$TMP/secnet.conf" "$TMP/secnet.log"

python3 -B "$HERE/kill-suite.py" "$F" "$TMP/b.conf" "$N" "$TMP/s0" \
	"$SECNET" "$TMP/secnet.conf" "$KILLS" "$SEED"
