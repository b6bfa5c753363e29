#!/bin/sh
# node.sh VPNRR VPNRR-FETCH ZONE-EXAMPLES SRCDIR
#
# Things a node operator sees, against a real NSD serving zone-examples:
#   * --dry-run with a state directory that does not exist yet creates
#     nothing (not the directory, not an output);
#   * an IPv6 network "not given to secnet" is noticed on the refresh
#     that writes the site, not again on a refresh with nothing changed,
#     and a restart does not replay the stored sites as "site-added".
set -eu
V=$1 F=$2 EX=$3 SRC=$4
. "$(dirname "$0")/lib.sh"

setup_example
start_nsd "$TMP/nsd" "$ZE"/zones/*.zone
C=$TMP/n.conf O=$TMP/n/out
write_conf "$C" n "127.0.0.1:$PORT" txt

# --dry-run on a node that never ran.
timeout -k 5 60 "$F" -c "$C" --dry-run --json >"$TMP/dry.json" \
	2>"$TMP/dry.log" || fail "--dry-run failed" "$TMP/dry.log"
[ ! -e "$TMP/n/state" ] || fail "--dry-run created the state directory"
[ ! -e "$O" ] || fail "--dry-run created outputs"
$FT report "$TMP/dry.json" dry_run=true files.written=0 ||
	fail "--dry-run report" "$TMP/dry.json"

# The IPv6 notice: on the refresh that writes the site, not after.
NOTE="site example/paris/beta: IPv6 network fd00:2::/48 not given to secnet"
fetch "$C" n-1
[ "$RC" -eq 0 ] || fail "first --once exited $RC" "$TMP/n-1.log"
grep -q -F "$NOTE" "$TMP/n-1.log" || fail "no IPv6 notice" "$TMP/n-1.log"
fetch "$C" n-2
[ "$RC" -eq 0 ] || fail "second --once exited $RC" "$TMP/n-2.log"
! grep -q -F "$NOTE" "$TMP/n-2.log" ||
	fail "IPv6 notice repeated with nothing changed" "$TMP/n-2.log"
! grep -q "site-added" "$TMP/n-2.log" ||
	fail "a start replayed the stored sites as added" "$TMP/n-2.log"
# --check-outputs plans every output again, as a daemon's start does:
# the notices come up again, but nothing changes, so they stay quiet.
timeout -k 5 60 "$F" -c "$C" --once --check-outputs >"$TMP/n-3.out" \
	2>"$TMP/n-3.log" || fail "--check-outputs failed" "$TMP/n-3.log"
! grep -q -F "$NOTE" "$TMP/n-3.log" ||
	fail "IPv6 notice repeated by --check-outputs" "$TMP/n-3.log"
[ "$(reloads n)" -eq 1 ] || fail "reloads: $(reloads n), want 1"

echo "fetcher-node: a dry run creates nothing; a notice once, not on an unchanged refresh"
