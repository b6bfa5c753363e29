#!/bin/sh
# zonefile.sh VPNRR EXAMPLES DATA - zone upkeep without hand edits:
# "vpnrr zone --init" (nsd-checkzone, NSD serves it), "vpnrr zone
# --update" (one record set per name, other lines untouched, serial up,
# stale pages out, every refusal leaves the file as it was) and "vpnrr
# resign --zone --reload" (the renewal is visible through NSD).
set -eu
V=$1 EX=$2
. "$(dirname "$0")/lib.sh"

cp -R "$EX" "$TMP/ex"
rm -f "$TMP"/ex/zones/*.zone "$TMP"/ex/sites/*.rec "$TMP/ex/admin/state"
expect 0 "regen.sh builds the example" sh "$TMP/ex/regen.sh" "$V"
A=$(cat "$TMP/ex/keys/anchor.pub")
ADMINZ=$TMP/ex/zones/vpn.example.org.zone
REC=$TMP/ex/sites/london,alpha.rec
DESC=$TMP/ex/sites/london,alpha.site
KEY=$TMP/ex/keys/alpha.key
D=$TMP/dns
mkdir -p "$D"
Z=$D/alpha.example.net.zone
serial() { awk '$4 == "SOA" || $3 == "SOA" { for (i = 1; i <= NF; i++)
	if ($i == "SOA") { print $(i + 3); exit } }' "$1"; }
count() { grep -c -e "$2" "$1" || :; }

# --init
expect 0 "--init prints a skeleton" "$V" zone --init alpha.example.net \
	--ns ns1.vpn.example.org --ns ns2.example.com \
	--mbox ops.team@alpha.example.net --now 2030-01-02T03:04:05Z
cp "$TMP/out" "$Z"
has "$Z" '^\$ORIGIN alpha.example.net.$' "skeleton sets \$ORIGIN"
has "$Z" '^\$TTL 300$' "skeleton sets \$TTL"
has "$Z" 'SOA	ns1.vpn.example.org. ops\\.team.alpha.example.net. 2030010200 3600 900 1209600 300$' \
	"SOA: date serial, mailbox with an escaped dot, timers"
has "$Z" '^@	IN	NS	ns2.example.com.$' "second NS"
expect 0 "nsd-checkzone accepts the skeleton" nsd-checkzone \
	alpha.example.net "$Z"
expect 0 "--init -o writes a file" "$V" zone --init x.example --ns ns.x.example \
	-o "$TMP/x.zone"
expect 1 "--init -o refuses to overwrite" "$V" zone --init x.example \
	--ns ns.x.example -o "$TMP/x.zone"
expect 2 "--init without --ns is a usage error" "$V" zone --init x.example
expect 1 "--init refuses a bad name" "$V" zone --init 'bad name' --ns ns.x

# Operator's own lines, which must survive every update byte for byte.
cat >> "$Z" <<'EOT'
; the operator's own records
www	IN	A	192.0.2.80 ; web
	IN	AAAA	2001:db8::80
hello	600	IN	TXT	"not a vpnrr record"
EOT
grep -v '^@	IN	SOA' "$Z" > "$TMP/own-lines"

# --update, twice with different signatures
expect 0 "first --update" "$V" zone --update "$Z" "$REC"
has "$TMP/err" "0 records replaced by 2, serial 2030010201" "summary: added, serial +1"
sleep 1   # the record serial is the time in seconds
expect 0 "the record is signed again" "$V" sign -k "$KEY" -o "$REC" "$DESC"
s1=$(serial "$Z")
expect 0 "second --update" "$V" zone --update "$Z" "$REC"
has "$TMP/err" "2 records replaced by 2" "summary: replaced"
[ "$(count "$Z" '^_vpnrr.alpha.example.net.	300	IN	TXT')" = 1 ] &&
	ok "one TXT at the name" || fail "TXT count $(count "$Z" '_vpnrr.*TXT')"
[ "$(count "$Z" '^_vpnrr.alpha.example.net.	300	IN	TYPE65380')" = 1 ] &&
	ok "one TYPE65380 at the name" || fail "TYPE65380 count"
s2=$(serial "$Z")
[ "$s2" -eq $((s1 + 1)) ] && ok "serial bumped $s1 -> $s2" ||
	fail "serial $s1 -> $s2"
if grep -v 'IN	SOA' "$Z" | grep -F -x -f "$TMP/own-lines" |
	cmp -s - "$TMP/own-lines"; then ok "other lines kept byte for byte"
else fail "other lines changed"; fi
expect 0 "nsd-checkzone accepts the updated zone" nsd-checkzone \
	alpha.example.net "$Z"
cp "$Z" "$TMP/before"
expect 0 "an update with the same records" "$V" zone --update "$Z" "$REC"
has "$TMP/err" "unchanged, serial $s2 kept" "unchanged reported"
cmp -s "$Z" "$TMP/before" && ok "file untouched when unchanged" ||
	fail "file rewritten though unchanged"
expect 0 "--update --json" "$V" zone --update "$Z" --json "$REC"
has "$TMP/out" '"changed": false' "JSON says unchanged"

expect 0 "verify: the zone files are VALID" "$V" verify --anchor "$A" \
	"$ADMINZ" "$Z"
has "$TMP/out" "_vpnrr.alpha.example.net TXT: site london/alpha.*VALID" \
	"alpha's record valid"

# The admin zone hosted inside a zone with other records.
H=$D/vpn.example.org.zone
expect 0 "--init the hosting zone" "$V" zone --init vpn.example.org \
	--ns ns1.vpn.example.org -o "$H"
printf 'ns1\tIN\tA\t127.0.0.1\nwww\tIN\tA\t192.0.2.1\n' >> "$H"
sed -i 's/^page-size .*/page-size 2/' "$TMP/ex/admin/vpnrr.conf"
expect 0 "index with two pages" "$V" index "$TMP/ex/admin"
expect 0 "--update with the admin zone" "$V" zone --update "$H" "$ADMINZ"
pages() { grep -o '^[a-z0-9]*\.p\._vpnrr' "$1" | sort -u; }
pages "$ADMINZ" > "$TMP/p-old"
[ "$(wc -l < "$TMP/p-old")" = 2 ] && ok "two pages" || fail "pages: $(cat "$TMP/p-old")"
expect 0 "revoke paris/beta" "$V" revoke "$TMP/ex/admin" paris/beta
expect 0 "--update after the revocation" "$V" zone --update "$H" "$ADMINZ"
pages "$ADMINZ" > "$TMP/p-new"
pages "$H" > "$TMP/p-host"
cmp -s "$TMP/p-new" "$TMP/p-host" && ok "stale page removed" ||
	fail "pages differ: $(cat "$TMP/p-host")"
hasnt "$H" '^beta.paris.m._vpnrr' "revoked member record removed"
has "$H" '^www	IN	A	192.0.2.1$' "hosting zone's own record kept"
expect 0 "nsd-checkzone accepts the hosting zone" nsd-checkzone \
	vpn.example.org "$H"

# Served by NSD: live verify, then a renewal through resign --zone.
start_nsd "$TMP/nsd" "$H" "$Z" "$TMP"/ex/zones/beta.example.net.zone \
	"$TMP"/ex/zones/gamma.example.net.zone "$TMP"/ex/zones/delta.example.net.zone
expect 0 "verify --server: VALID through NSD" "$V" verify --anchor "$A" \
	--server 127.0.0.1 -p "$PORT" --zone vpn.example.org \
	_vpnrr.alpha.example.net
has "$TMP/out" "_vpnrr.alpha.example.net TXT: site london/alpha.*VALID" \
	"alpha valid as served"
txt_serial() {
	dig +tcp +short -p "$PORT" @127.0.0.1 TXT _vpnrr.alpha.example.net |
		tr -d '" \n' | sed -n 's/.*;s=\([0-9]*\);.*/\1/p'
}
old=$(txt_serial)
s3=$(serial "$Z")
sleep 1   # the record serial is the time in seconds
expect 0 "resign --zone --reload (site)" "$V" resign --within 40d -k "$KEY" \
	-o "$REC" --zone "$Z" --reload "kill -HUP $(cat "$NSD_PIDFILE")" "$DESC"
[ "$(serial "$Z")" -eq $((s3 + 1)) ] && ok "resign bumped the serial once" ||
	fail "serial $s3 -> $(serial "$Z")"
n=0 new=$old
while [ $n -lt 50 ] && [ "$new" = "$old" ]; do
	sleep 0.2; n=$((n + 1)); new=$(txt_serial)
done
[ -n "$new" ] && [ "$new" -gt "$old" ] && ok "renewal visible via dig ($old -> $new)" ||
	fail "dig still shows s=$old"
expect 0 "resign --zone when nothing is due" "$V" resign --within 1d -k "$KEY" \
	-o "$REC" --zone "$Z" --reload "echo reloaded" "$DESC"
hasnt "$TMP/out" "reloaded" "no reload when nothing changed"
s4=$(serial "$H")
expect 0 "resign --zone (admin)" "$V" resign --within 100y --zone "$H" \
	"$TMP/ex/admin"
[ "$(serial "$H")" -eq $((s4 + 1)) ] && ok "admin resign bumped once" ||
	fail "serial $s4 -> $(serial "$H")"
stop_nsd

# Refusals leave the file as it was.
refuse() {
	what=$1 file=$2 pat=$3; shift 3
	cp "$file" "$TMP/keep"
	expect 1 "$what is refused" "$V" zone --update "$file" "$@"
	has "$TMP/err" "$pat" "$what: message"
	cmp -s "$file" "$TMP/keep" && ok "$what: file unchanged" ||
		fail "$what: file changed"
}
cp "$Z" "$TMP/bad.zone"
printf 'broken\tIN\tA\t300.1.2.3\n' >> "$TMP/bad.zone"
line=$(wc -l < "$TMP/bad.zone")
refuse "an unparseable zone" "$TMP/bad.zone" "bad.zone:$line: zone:" "$REC"
grep -v 'SOA' "$Z" > "$TMP/nosoa.zone"
refuse "a zone without SOA" "$TMP/nosoa.zone" "no SOA record" "$REC"
{ cat "$Z"; echo '$INCLUDE other.zone'; } > "$TMP/inc.zone"
refuse "\$INCLUDE" "$TMP/inc.zone" "inc.zone:[0-9]*: zone: \$INCLUDE" "$REC"
refuse "a record outside the zone" "$Z" \
	"_vpnrr.beta.example.net is outside the zone alpha.example.net" \
	"$TMP/ex/sites/paris,beta.rec"
printf '@ IN SOA ns. h. 1 2 3 4 5\nwww IN A 192.0.2.1\n' > "$TMP/noorigin.zone"
refuse "a relative name without \$ORIGIN" "$TMP/noorigin.zone" \
	"noorigin.zone:1: zone: SOA at the root name" "$REC"
printf '$ORIGIN alpha.example.net.\n@ IN SOA ns. h. 1 2 3 4 5\n$ORIGIN example.com.\nwww IN A 192.0.2.1\n' > "$TMP/out.zone"
refuse "a name outside the zone" "$TMP/out.zone" \
	"out.zone:4: zone: www.example.com is outside the zone" "$REC"
expect 3 "a missing zone file" "$V" zone --update "$TMP/none.zone" "$REC"

# A kept RR with a blank owner after a replaced one keeps its owner.
cp "$Z" "$TMP/inherit.zone"
printf '\tIN\tA\t192.0.2.9\n' >> "$TMP/inherit.zone"
sleep 1
expect 0 "the record is signed again" "$V" sign -k "$KEY" -o "$REC" "$DESC"
expect 0 "--update before a blank-owner line" "$V" zone --update \
	"$TMP/inherit.zone" "$REC"
has "$TMP/inherit.zone" '^_vpnrr.alpha.example.net.	300	IN	A	192.0.2.9$' \
	"blank-owner line written with its owner"

finish
