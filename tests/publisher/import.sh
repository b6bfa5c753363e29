#!/bin/sh
# import.sh VPNRR EXAMPLES DATA - "vpnrr import" of sites files that use
# every make-secnet-sites keyword (IPv6 literal addresses, mobile sites,
# include), then index, nsd-checkzone and verify of the imported VPN; and
# the rejections.
set -eu
V=$1 DATA=$3
. "$(dirname "$0")/lib.sh"
cd "$TMP"
cp "$DATA"/sites-*.conf .

expect 0 "import sites-all.conf" "$V" import --zone vpn.example.org \
	-d imp --lifetime 10y sites-all.conf
for s in london,alpha london,beta roaming,gamma roaming,delta roaming,epsilon; do
	[ -f "imp/sites/$s.site" ] && [ -f "imp/admin/members/$s.member" ] &&
		[ -f "imp/keys/$s.key" ] && ok "$s imported" ||
		fail "$s: missing output"
done
[ "$(stat -c %a imp/keys/london,alpha.key)" = 600 ] && ok "record keys 0600" ||
	fail "record key mode"
# Notes: everything not carried is reported with its line.
has err "sites-all.conf:12: renegotiate-time: value 0 cannot be carried" \
	"tunable 0 reported"
has err "sites-all.conf:14: location: group admins" "location group reported"
has err "sites-all.conf:16: restrict-nets: restrictions below VPN level" \
	"location restrict-nets reported"
grep -q "comment" err && fail "pubkey comment reported (make-secnet-sites drops it too)" ||
	ok "pubkey comment not reported as a loss"
grep -q "roaming/delta" err && fail "mobile site's address reported as lost" ||
	ok "mobile site's address not reported as lost"
has err "sites-all.conf:3: vpn: the VPN contact" "VPN contact reported"
has err "end-definitions: userv restriction marker" "end-definitions reported"
# Keys and addresses are carried as they were.
has imp/sites/london,beta.site "^address \[2001:db8:2::10\] 4500$" \
	"IPv6 literal address carried (canonical)"
has imp/sites/roaming,epsilon.site "^address gw.example.net 4500$" \
	"host name address carried"
has imp/sites/roaming,gamma.site "^mobile$" "mobile site carried"
has imp/sites/roaming,delta.site "^mobile$" "mobile site with address: mobile"
has imp/sites/roaming,delta.site "^address \[2001:db8:4::1\] 4500$" \
	"mobile site keeps its address"
has imp/admin/sites.rec "ep=mobile,\[2001:db8:4::1\]:4500;" \
	"mobile site's record carries its address"
has imp/sites/london,alpha.site "^networks 10.1.0.0/16$" "netmask converted"
has imp/sites/london,beta.site "^networks 10.2.0.0/16 fd00:2::/48$" \
	"IPv6 networks carried"
has imp/sites/london,beta.site "^serial 0000000a$" "key-set serial carried"
has imp/sites/london,beta.site "^pubkey 1024 65537 1234567891$" \
	"pub rsa1 (base91s) carried as the same key"
has imp/sites/london,beta.site "^pkgf 00000002$" "fallback group carried"
has imp/sites/london,beta.site '^pub ed448 hM3Ewn)i6UR;a9|PWPQhE\*PZ=!5$' \
	"unknown algorithm carried"
has imp/sites/london,beta.site "^hash md5$" "site hash overrides the VPN's"
has imp/sites/london,beta.site "^contact london@example.org$" \
	"contact inherited from the location"
has imp/sites/london,alpha.site "^wait-time 20000$" "tunable inherited"
has imp/admin/vpnrr.conf "^restrict-nets 10.0.0.0/8 fd00::/16$" \
	"VPN restrict-nets carried"
has imp/admin/sites.rec "keys=00000000:rsa1:MTAyNCA2NTUzNyAxMjM0NTY3ODkx" \
	"alpha's rsa1 key in its record"

# The records import signed are not verified again by index (their
# cache entries are in admin/verified); the tampering checks below show
# that any other bytes still are.
[ "$(grep -c '^[a-z]' imp/admin/verified)" = \
  "$(grep -c '^[a-z_]' imp/admin/sites.rec)" ] &&
	ok "import notes every record it signed in admin/verified" ||
	fail "admin/verified does not list every signed record"
expect 0 "index the imported VPN" "$V" index imp/admin
expect 0 "nsd-checkzone accepts it" nsd-checkzone vpn.example.org \
	imp/admin/vpn.example.org.zone
A=$("$V" keygen --public imp/admin/anchor.key)
expect 0 "the imported VPN verifies" "$V" verify --anchor "$A" \
	imp/admin/vpn.example.org.zone
has out "^result: valid (32 valid, 0 invalid)" "all imported records valid"
has out "beta.london.sites.vpn.example.org TXT: site london/beta.*VALID" \
	"hosted site record valid"

# Hosted site records are judged by the rules a fetcher applies, before
# the zone is written: tampered, of no member, or announcing nets the
# membership does not hold.
cp imp/admin/sites.rec good.rec
cp imp/admin/vpn.example.org.zone zone.good
sed '/site=london\/beta;/s|ptp=10.2.0.1|ptp=10.2.0.2|' good.rec >imp/admin/sites.rec
expect 1 "index refuses a tampered hosted record" "$V" index imp/admin
has err "sites.rec:[0-9]*: site record: signature: beta.london.sites.vpn.example.org: signature does not verify" \
	"tampered hosted record named"
sed 's|site=london/beta;|site=london/zeta;|' good.rec >imp/admin/sites.rec
expect 1 "index refuses a hosted record of no member" "$V" index imp/admin
has err "site record: london/zeta: no current membership" "non-member named"
sed 's|^networks .*|networks 10.9.0.0/16|; s|^peer .*|peer 10.9.0.1|' \
	imp/sites/london,beta.site >b.site
expect 0 "sign a record outside its membership" "$V" sign \
	-k imp/keys/london,beta.key -o b.rec b.site
{ grep -v "site=london/beta;" good.rec; grep -v '^#' b.rec; } >imp/admin/sites.rec
expect 1 "index refuses a hosted record outside its nets" "$V" index imp/admin
has err "site record: nets-outside: .*announces 10.9.0.0/16, outside its authorized nets" \
	"nets outside named"
cmp -s imp/admin/vpn.example.org.zone zone.good && ok "zone left as it was" ||
	fail "zone changed after a refused hosted record"
cp good.rec imp/admin/sites.rec

# Re-import keeps the site record keys; existing files are not replaced.
mkdir imp2 && cp -R imp/keys imp2/
expect 0 "re-import reuses record keys" "$V" import --zone vpn.example.org \
	-d imp2 --anchor-key imp/admin/anchor.key sites-all.conf
k1=$(grep ^key imp/admin/members/london,alpha.member)
k2=$(grep ^key imp2/admin/members/london,alpha.member)
[ "$k1" = "$k2" ] && ok "same record key" || fail "record key changed"
expect 1 "import refuses to overwrite" "$V" import --zone vpn.example.org \
	-d imp sites-all.conf
has err "refusing to overwrite" "overwrite refusal"
expect 0 "include is followed" "$V" import --zone other.example.org \
	-d inc sites-include.conf
[ -f inc/sites/roaming,epsilon.site ] && ok "included sites imported" ||
	fail "include"

# Several VPNs need --vpn.
cat sites-all.conf sites-include.conf | grep -v '^include\|^end-def' > two.conf
cat "$DATA/sites-included.conf" | sed 's/^site /site x/' >> two.conf
expect 2 "two VPNs need --vpn" "$V" import --zone z.example -d two two.conf
has err "has 2 VPNs: choose one with --vpn" "--vpn hint"
[ ! -e two ] && ok "nothing written" || fail "output written after an error"

# Rejections: FILE:LINE, exit 1, nothing written.
bad_import() {
	printf '%b' "$2" > bad.conf
	rm -rf bad
	expect 1 "import rejects: $1" "$V" import --zone z.example -d bad bad.conf
	has err "^vpnrr: bad.conf:$3" "message names bad.conf:$3"
	[ ! -e bad ] && ok "nothing written" || fail "output after: $1"
}
H='vpn v\ncontact a@b\ndh 0a 2\nhash sha1\nlocation l g\ncontact c@d\n'
S='site s\nnetworks 10.0.0.0/24\npeer 10.0.0.1\npubkey 1024 65537 9\n'
bad_import "unknown keyword" "$H$S"'colour blue\n' "11: colour: unknown"
bad_import "bad network" "$H"'site s\nnetworks 10.0.0.0/33\n' "8: networks"
bad_import "port 65536" "$H$S"'address 192.0.2.1 65536\n' "11: address: port 65536"
bad_import "bare address (once a crash)" "$H$S"'address\n' \
	"11: address: takes 2 arguments, not 0"
bad_import "address without port" "$H$S"'address 192.0.2.1\n' \
	"11: address: takes 2 arguments, not 1"
bad_import "bad IPv6 literal" "$H$S"'address [2001:db8::zz] 1\n' "11: address"
bad_import "site before location" 'vpn v\nsite s\n' "2: site: no location"
bad_import "property redefined" "$H$S"'peer 10.0.0.2\n' "11: peer: already defined"
bad_import "bad base91s" "$H$S"'pub rsa1 a"b\n' "11: pub"
bad_import "networks out of bounds" 'vpn v\nrestrict-nets 10.1.0.0/16\ncontact a@b\ndh 0a 2\nhash sha1\nlocation l g\ncontact c@d\n'"$S" \
	"8: networks: site v/l/s networks out of bounds"
bad_import "missing peer" "$H"'site s\nnetworks 10.0.0.0/24\npubkey 1024 65537 9\n' \
	"7: site: v/l/s is missing property peer"
bad_import "every missing property" 'vpn v\ncontact a@b\nlocation l g\nsite s\npubkey 1024 65537 9\n' \
	"4: site: v/l/s is missing properties dh, networks, hash, peer"
bad_import "indented comment" "$H$S"'  #serial 00000001\n' "11: comment: '#' must be in the first column"
bad_import "two problems" "$H$S"'colour blue\nflavour red\n' "11: colour: unknown keyword"
has err "^vpnrr: bad.conf:12: flavour: unknown keyword" "second problem listed too"
has err "2 problems (each listed above)" "problems counted"

# A location inherits the VPN's contact (make-secnet-sites does).
printf '%b' 'vpn v\ncontact a@b\ndh 0a 2\nhash sha1\nlocation l g\n'"$S"'address 192.0.2.1 4500\n' >inh.conf
expect 0 "location without contact inherits the VPN's" "$V" import \
	--zone z.example -d inh inh.conf
has inh/sites/l,s.site "^contact a@b$" "VPN contact carried to the site"
finish
