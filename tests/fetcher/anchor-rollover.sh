#!/bin/sh
# anchor-rollover.sh VPNRR VPNRR-FETCH ZONE-EXAMPLES SRCDIR
#
# A trust-anchor rollover through signed anchor statements (SPEC.md
# 10.10) against a real NSD, the clock pinned with --now (publisher and
# fetcher), anchor-hold-down 2d.  Nodes n1 (refreshes throughout), n2 and
# n3 (offline through the rollover; state from before it) trust only the
# old anchor A in their configuration.
#   1. "vpnrr anchor announce" of B signed by A: n1 has B pending, not
#      adopted one day later, adopted after the hold-down;
#   2. heads signed by B: n1 takes them; n2, back, refuses the head
#      (class key, pending B named), keeps its four peers, and adopts B
#      after its own hold-down from the still-published announcement;
#   3. "vpnrr anchor retire" of A (signed by A): n1 retires A, says
#      loudly that its config still lists A, and keeps working under B;
#      a newer head signed by A is refused, the peers stay;
#   4. n3, back after the retirement: A retired, B announced only by a
#      retired key: not adopted, an error saying which anchor line to
#      configure; with it configured, n3 works again;
#   5. forged announcements (by an unknown key, by the retired A) are
#      refused with class key and adopt nothing, however long they stay;
#   6. "vpnrr verify" judges the statements with the same rule.
set -eu
V=$1 F=$2 EX=$3 SRC=$4
. "$(dirname "$0")/lib.sh"

setup_example
start_nsd "$TMP/nsd" "$ZE"/zones/*.zone
Z=$ZE/zones/vpn.example.org.zone
A=$ANCHOR

zone_serial() {
	awk '$3 == "SOA" || $4 == "SOA" { for (i = 1; i <= NF; i++) if ($i == "SOA") { print $(i + 3); exit } }' "$1"
}
reload_zone() {
	nsd_reload vpn.example.org "$(zone_serial "$Z")"
}
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
report() { # LABEL CHECK...
	l=$1; shift
	$FT report "$TMP/$l.json" "$@" || fail "$l: report" "$TMP/$l.log"
}
logged() { # LABEL TEXT
	grep -q -F -- "$2" "$TMP/$1.log" || fail "$1: no \"$2\" in the log" \
		"$TMP/$1.log"
}

HT=$(grep -o 'k=head; vpn=example; s=[0-9]*; t=[0-9]*' "$Z" | head -n 1 |
	sed 's/.*t=//')
T0=$((HT + 3600))
D=86400
for n in n1 n2 n3; do
	write_conf "$TMP/$n.conf" "$n" "127.0.0.1:$PORT" txt \
		"anchor-hold-down 2d"
	fetch_at "$TMP/$n.conf" "$n-0" "$T0"
	[ "$RC" -eq 0 ] || fail "$n: first refresh exited $RC" "$TMP/$n-0.log"
	report "$n-0" ok=true sites.in_view=4 'anchors~"status": "configured"'
done

# ---- 1. announce B ---------------------------------------------------------
"$V" keygen "$ZE/keys/anchor-b.key" >"$ZE/keys/anchor-b.pub"
B=$(cat "$ZE/keys/anchor-b.pub")
T1=$((T0 + 600))
"$V" anchor announce --now "$T1" "$ZE/admin" "$ZE/keys/anchor-b.pub" \
	>"$TMP/announce.log" 2>&1 || fail "vpnrr anchor announce" "$TMP/announce.log"
grep -q "k=anchor; vpn=example; .*add=$B" "$Z" || fail "no announcement of B in the zone" "$Z"
reload_zone

fetch_at "$TMP/n1.conf" n1-1 $((T1 + 60))
[ "$RC" -eq 0 ] || fail "n1 after the announcement: exit $RC" "$TMP/n1-1.log"
report n1-1 ok=true sites.in_view=4 'events~"anchor-pending"' \
	'anchors~"status": "pending"' "anchors~$B" \
	"anchors~\"adopt_at\": $((T1 + 60 + 2 * D))"
logged n1-1 "anchor-pending"

fetch_at "$TMP/n1.conf" n1-2 $((T1 + D))
report n1-2 ok=true 'anchors~"status": "pending"' 'events!'
if grep -q "anchor-adopted" "$TMP/n1-2.log"; then
	fail "n1 adopted B before the hold-down" "$TMP/n1-2.log"
fi

fetch_at "$TMP/n1.conf" n1-3 $((T1 + 2 * D + 120))
report n1-3 ok=true 'events~"anchor-adopted"' 'anchors~"status": "adopted"'
logged n1-3 "adopted after the hold-down"
RC=0
"$F" -c "$TMP/n1.conf" --status >"$TMP/n1-status.json" 2>"$TMP/n1-status.log" || RC=$?
[ "$RC" -eq 0 ] || fail "n1 --status: exit $RC" "$TMP/n1-status.log"
$FT report "$TMP/n1-status.json" 'anchors~"status": "adopted"' ||
	fail "--status does not show the adopted anchor" "$TMP/n1-status.json"

# ---- 2. heads signed by B --------------------------------------------------
T2=$((T1 + 2 * D + 300))
sed -i 's#^anchor-key .*#anchor-key ../keys/anchor-b.key#' "$ZE/admin/vpnrr.conf"
"$V" index --force --now "$T2" "$ZE/admin" >"$TMP/index-b.log" 2>&1 ||
	fail "vpnrr index under B" "$TMP/index-b.log"
reload_zone
fetch_at "$TMP/n1.conf" n1-4 $((T2 + 60))
[ "$RC" -eq 0 ] || fail "n1 on B's head: exit $RC" "$TMP/n1-4.log"
report n1-4 ok=true sites.in_view=4 verify.heads_verified=1

# n2 comes back: the head is B's only.
fetch_at "$TMP/n2.conf" n2-1 $((T2 + 60))
[ "$RC" -eq 1 ] || fail "n2 on B's head before adopting B: exit $RC, want 1" "$TMP/n2-1.log"
report n2-1 ok=false sites.in_view=4 'anchors~"status": "pending"' \
	'verdicts~"untrusted-key"'
logged n2-1 "which is not trusted here"
logged n2-1 "announced at $((T2 + 60)) and pending: trusted from $((T2 + 60 + 2 * D))"
fetch_at "$TMP/n2.conf" n2-2 $((T2 + D))
[ "$RC" -eq 1 ] || fail "n2 inside the hold-down: exit $RC" "$TMP/n2-2.log"
report n2-2 sites.in_view=4
fetch_at "$TMP/n2.conf" n2-3 $((T2 + 2 * D + 120))
[ "$RC" -eq 0 ] || fail "n2 after its hold-down: exit $RC" "$TMP/n2-3.log"
report n2-3 ok=true sites.in_view=4 'anchors~"status": "adopted"' \
	verify.heads_verified=1

# ---- 3. retire A -------------------------------------------------------------
T3=$((T2 + 2 * D + 300))
"$V" anchor retire --key "$ZE/keys/anchor.key" --now "$T3" "$ZE/admin" \
	>"$TMP/retire.log" 2>&1 || fail "vpnrr anchor retire" "$TMP/retire.log"
grep -q "k=anchor; vpn=example; .*retire=$A" "$Z" || fail "no retirement of A in the zone" "$Z"
reload_zone
fetch_at "$TMP/n1.conf" n1-5 $((T3 + 60))
[ "$RC" -eq 0 ] || fail "n1 after A's retirement: exit $RC" "$TMP/n1-5.log"
report n1-5 ok=true sites.in_view=4 'events~"anchor-retired"' \
	'anchors~"status": "retired"'
logged n1-5 "but the configuration still lists it: it is not trusted; remove its anchor line"
fetch_at "$TMP/n1.conf" n1-6 $((T3 + 120))
report n1-6 ok=true 'events!'
logged n1-6 "the configuration still lists it"

# A newer head signed by the retired A: refused, peers kept.
cp -R "$ZE/admin" "$ZE/admin-a"
sed -i 's#^anchor-key .*#anchor-key ../keys/anchor.key#' "$ZE/admin-a/vpnrr.conf"
"$V" index --force --now $((T3 + 180)) "$ZE/admin-a" >"$TMP/index-a.log" 2>&1 ||
	fail "vpnrr index under A" "$TMP/index-a.log"
reload_zone
fetch_at "$TMP/n1.conf" n1-7 $((T3 + 240))
[ "$RC" -eq 1 ] || fail "n1 on a head signed by retired A: exit $RC" "$TMP/n1-7.log"
report n1-7 ok=false sites.in_view=4 'verdicts~"untrusted-key"'
logged n1-7 "the head is signed by anchor $(sed -n 's/.*sk=ed25519:\([0-9a-f]*\);.*/\1/p' "$Z" | head -n 1), which is retired"
"$V" index --force --now $((T3 + 300)) "$ZE/admin" >"$TMP/index-b2.log" 2>&1 ||
	fail "vpnrr index under B again" "$TMP/index-b2.log"
reload_zone
fetch_at "$TMP/n1.conf" n1-8 $((T3 + 360))
[ "$RC" -eq 0 ] || fail "n1 back on B's head: exit $RC" "$TMP/n1-8.log"

# ---- 4. n3 comes back after the retirement ----------------------------------
fetch_at "$TMP/n3.conf" n3-1 $((T3 + 400))
[ "$RC" -eq 1 ] || fail "n3 after A's retirement: exit $RC, want 1" "$TMP/n3-1.log"
report n3-1 ok=false 'anchors~"status": "retired"' 'events~"anchor-rejected"'
logged n3-1 "no trust anchor is left"
logged n3-1 "anchor $B"
if grep -q '"status": "pending"' "$TMP/n3-1.json"; then
	fail "n3 took an announcement by a retired anchor" "$TMP/n3-1.json"
fi
echo "anchor $B" >>"$TMP/n3.conf"
fetch_at "$TMP/n3.conf" n3-2 $((T3 + 460))
[ "$RC" -eq 0 ] || fail "n3 with B configured: exit $RC" "$TMP/n3-2.log"
report n3-2 ok=true sites.in_view=4

# ---- 5. forged announcements -------------------------------------------------
"$V" keygen "$TMP/rogue.key" >"$TMP/rogue.pub"
"$V" keygen "$TMP/x.key" >"$TMP/x.pub"
"$V" keygen "$TMP/y.key" >"$TMP/y.pub"
"$V" anchor announce --anchor-key "$TMP/rogue.key" --now $((T3 + 500)) \
	"$ZE/admin" "$TMP/x.pub" >"$TMP/forge1.log" 2>&1 || fail "forge 1" "$TMP/forge1.log"
"$V" anchor announce --anchor-key "$ZE/keys/anchor.key" --now $((T3 + 520)) \
	"$ZE/admin" "$TMP/y.pub" >"$TMP/forge2.log" 2>&1 || fail "forge 2" "$TMP/forge2.log"
reload_zone
for t in 600 $((3 * D)); do
	fetch_at "$TMP/n1.conf" "n1-f$t" $((T3 + t))
	[ "$RC" -eq 0 ] || fail "n1 with forged announcements: exit $RC" "$TMP/n1-f$t.log"
	report "n1-f$t" ok=true sites.in_view=4 'events~"anchor-rejected"'
	logged "n1-f$t" "which is not trusted here"
	logged "n1-f$t" "which is retired"
	if grep -q '"status": "pending"\|anchor-adopted' "$TMP/n1-f$t.json"; then
		fail "n1 took a forged announcement" "$TMP/n1-f$t.json"
	fi
done

# ---- 6. vpnrr verify: the same verdicts -----------------------------------
RC=0
"$V" verify --now $((T3 + 600)) --anchor "$A" --anchor "$B" "$Z" >"$TMP/verify.out" 2>&1 || RC=$?
[ "$RC" -eq 1 ] || fail "vpnrr verify: exit $RC, want 1 (forged statements)" "$TMP/verify.out"
grep -q "anchor (VPN example).*: VALID" "$TMP/verify.out" ||
	fail "vpnrr verify: no valid statement" "$TMP/verify.out"
grep -q "INVALID" "$TMP/verify.out" && grep -q "which is retired" "$TMP/verify.out" ||
	fail "vpnrr verify: the announcement by retired A not refused" "$TMP/verify.out"
echo "anchor-rollover: ok"
