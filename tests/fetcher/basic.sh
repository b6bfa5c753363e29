#!/bin/sh
# basic.sh VPNRR VPNRR-FETCH ZONE-EXAMPLES SRCDIR
#
# vpnrr-fetch against a real NSD serving a copy of zone-examples (rebuilt
# with the vpnrr under test) on 127.0.0.1 and ::1:
#   * one --once per record-type (txt over [::1], bin over 127.0.0.1, both
#     over [::1]), each with every output and a counting reload command:
#     exit 0, 4 sites verified, 1 reload; the three output trees are the
#     same; IPv6 networks filtered for secnet with a notice, IPv6 literal
#     endpoint kept as "[...]", JSON keeps the IPv6 networks;
#   * secnet -j accepts the generated configuration in a minimal
#     secnet.conf, and says nothing bad about the peer-keys files;
#   * make-secnet-sites accepts the sites file, names the same sites,
#     endpoints, networks and keys, and secnet -j accepts its output too;
#   * a second --once with nothing changed checks no signature, writes no
#     file and does not reload.
set -eu
V=$1 F=$2 EX=$3 SRC=$4
. "$(dirname "$0")/lib.sh"

setup_example
start_nsd "$TMP/nsd" "$ZE"/zones/*.zone

for run in "txt [::1]:$PORT" "bin 127.0.0.1:$PORT" "both [::1]:$PORT"; do
	type=${run% *} resolver=${run#* }
	name=$type O=$TMP/$type/out
	# One query per name and type: anchor statements, head, page,
	# 4 sites.
	if [ "$type" = both ]; then q=14; else q=7; fi
	write_conf "$TMP/$name.conf" "$name" "$resolver" "$type"
	echo '{}' >"$TMP/$name.snap0"
	fetch "$TMP/$name.conf" "$name-1"
	[ "$RC" -eq 0 ] || fail "$name: first --once exited $RC" \
		"$TMP/$name-1.log" "$TMP/$name-1.json"
	$FT step "$name first" "$O" "$TMP/$name.snap0" "$TMP/$name.snap1" \
		"$TMP/$name-1.json" \
		A:secnet/sites.conf A:secnet/site.example,london,alpha.conf \
		A:secnet/site.example,paris,beta.conf \
		A:secnet/site.example,mobile,gamma.conf \
		A:secnet/site.example,berlin,delta.conf \
		A:pk/peer.example,london,alpha A:pk/peer.example,paris,beta \
		A:pk/peer.example,mobile,gamma A:pk/peer.example,berlin,delta \
		A:sites A:vpn.json \
		ok=true sites.in_view=4 sites.added=4 dns.queries=$q \
		verify.heads_verified=1 verify.sites_verified=4 \
		verify.members_checked=4 verify.rejected! secnet.reloads=1 \
		secnet.reload_status=0 files.written=11 pages.fetched=1 ||
		fail "$name: first refresh" "$TMP/$name-1.log"
	[ "$(reloads "$name")" -eq 1 ] || fail "$name: reload command ran $(reloads "$name") times, expected 1"
	$FT check-outputs "$O" || fail "$name: outputs"
	for n in "site example/paris/beta: IPv6 network fd00:2::/48 not given to secnet" \
		 "site example/berlin/delta: IPv6 network fd00:4::/48 not given to secnet"; do
		grep -q -F "$n" "$TMP/$name-1.log" ||
			fail "$name: no notice \"$n\"" "$TMP/$name-1.log"
	done

	# secnet skips the x25519 key: it is written, not reported as dropped.
	! grep -q "x25519 key in group 00000002 is not for secnet" \
		"$TMP/$name-1.log" || fail "$name: x25519 key reported as dropped"

	# Nothing changed: no signature checked, nothing written, no reload.
	fetch "$TMP/$name.conf" "$name-2"
	[ "$RC" -eq 0 ] || fail "$name: second --once exited $RC" \
		"$TMP/$name-2.log"
	$FT step "$name unchanged" "$O" "$TMP/$name.snap1" "$TMP/$name.snap2" \
		"$TMP/$name-2.json" ok=true sites.in_view=4 \
		verify.heads_verified+verify.sites_verified=0 files.written=0 \
		files.removed=0 secnet.reloads=0 pages.fetched=0 \
		verify.rejected! || fail "$name: unchanged refresh" "$TMP/$name-2.log"
	[ "$(reloads "$name")" -eq 1 ] || fail "$name: reload on an unchanged refresh"
done

# Every encoding gives the same configuration.
$FT same-outputs "$TMP/txt/out" "$TMP/bin/out" || fail "txt and bin differ"
$FT same-outputs "$TMP/txt/out" "$TMP/both/out" || fail "txt and both differ"

O=$TMP/both/out
write_secnet_conf "$O/secnet/sites.conf" "$TMP/secnet.conf"
check_secnet "$TMP/secnet.conf" "$TMP/secnet.log"

mkdir "$TMP/mss-pk"
(cd "$TMP" && timeout 60 "$MSS" --pubkeys-install --pubkeys-dir \
	"$TMP/mss-pk" "$O/sites" "$TMP/mss.conf") >"$TMP/mss.out" 2>&1 ||
	fail "make-secnet-sites rejected our sites file" "$TMP/mss.out" "$O/sites"
$FT compare-mss "$O" "$TMP/mss.conf" "$TMP/mss-pk" ||
	fail "make-secnet-sites disagrees with our secnet output"
# What make-secnet-sites made works in secnet too (with the live files
# in place of the ~update files it leaves).
for f in "$TMP"/mss-pk/*~update; do
	cp "$f" "${f%~update}"
done
write_secnet_conf "$TMP/mss.conf" "$TMP/secnet-mss.conf"
check_secnet "$TMP/secnet-mss.conf" "$TMP/secnet-mss.log"
# --dry-run says what would change, writes nothing, and keeps stdout JSON.
printf 'stale\n' >"$O/secnet/site.example,old,gone.conf"
sed -i 's/^serial .*/serial 00000000/' "$O/pk/peer.example,paris,beta"
$FT snap "$TMP/dry.snap1" "$O"
timeout -k 5 60 "$F" -c "$TMP/both.conf" --dry-run --json >"$TMP/dry.json" \
	2>"$TMP/dry.log" || fail "--dry-run failed" "$TMP/dry.log"
$FT snap "$TMP/dry.snap2" "$O"
[ -z "$($FT changed "$TMP/dry.snap1" "$TMP/dry.snap2")" ] ||
	fail "--dry-run wrote files"
$FT report "$TMP/dry.json" dry_run=true files.would_write=1 \
	files.would_remove=1 files.written=0 || fail "--dry-run report" "$TMP/dry.json"
grep -q "would remove .*/site.example,old,gone.conf" "$TMP/dry.log" &&
	grep -q "would write .*/peer.example,paris,beta" "$TMP/dry.log" ||
	fail "--dry-run did not name the files" "$TMP/dry.log"

echo "fetcher-basic: 3 record types x 2 resolvers, secnet -j and make-secnet-sites agree"
