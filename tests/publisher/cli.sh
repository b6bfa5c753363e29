#!/bin/sh
# cli.sh VPNRR EXAMPLES DATA - each subcommand's normal use and its
# rejections: exit codes, "FILE:LINE: WHAT: WHY" messages, no partial
# output files, private key permissions, help texts.
set -eu
V=$1 EX=$2
. "$(dirname "$0")/lib.sh"
cd "$TMP"

# ---- help and version ------------------------------------------------
expect 0 "--version" "$V" --version
has out "^vpnrr [0-9]" "version printed"
expect 0 "--help" "$V" --help
cp out help.txt
for c in keygen sign zone request admit index revoke resign import verify; do
	has help.txt "^  $c " "--help lists $c"
	expect 0 "$c --help" "$V" "$c" --help
	has out "^Usage: vpnrr $c" "$c --help has a usage line"
done
expect 2 "unknown command" "$V" frobnicate
expect 2 "bad option" "$V" sign --frob
expect 2 "missing argument" "$V" sign -k x

# ---- keygen ------------------------------------------------------------
expect 0 "keygen" "$V" keygen site.key
has out "^ed25519:[A-Za-z0-9+/]\{43\}=$" "public key printed"
cp out site.pub
[ "$(stat -c %a site.key)" = 600 ] && ok "key mode 0600" || fail "key mode"
has site.key "^ed25519-secret:" "secret key text form"
expect 1 "keygen refuses to overwrite" "$V" keygen site.key
has err "site.key: write: file exists; refusing to overwrite it" \
	"overwrite refusal message"
expect 0 "keygen --public" "$V" keygen --public site.key
cmp -s out site.pub && ok "--public gives the same key" || fail "--public"
expect 0 "keygen --json" "$V" keygen --json j.key
has out '"algorithm": "ed25519"' "keygen JSON"
expect 0 "keygen --x25519" "$V" keygen --x25519 wg.key
has out "^[A-Za-z0-9+/]\{43\}=$" "WireGuard public key printed"
cp out wg.pub
expect 0 "keygen --public --x25519" "$V" keygen --public --x25519 wg.key
cmp -s out wg.pub && ok "x25519 public key stable" || fail "x25519 --public"
cp site.key loose.key && chmod 644 loose.key
expect 1 "a key readable by others is refused" "$V" keygen --public loose.key
has err "loose.key: private key: mode 0644 lets group or others" \
	"loose permissions message"
cp site.key group.key && chmod 640 group.key
expect 1 "a key readable by group is refused" "$V" keygen --public group.key

# ---- keygen --secnet (rsa1; tests/fetcher/keygen-secnet.sh takes it
# through secnet and vpnrr-fetch) -------------------------------------
expect 0 "keygen --secnet" "$V" keygen --secnet --serial 0000000A \
	--group 0000000a rsa.key
[ "$(stat -c %a rsa.key)" = 600 ] && ok "rsa1 key mode 0600" ||
	fail "rsa1 key mode"
head -c 32 rsa.key | grep -q "^SSH PRIVATE KEY FILE FORMAT 1.1$" &&
	ok "SSH-1 private key file" || fail "rsa1 key file magic"
cp out rsa.lines
[ "$(sed -n 1p rsa.lines)" = "serial 0000000a" ] &&
[ "$(sed -n 2p rsa.lines)" = "pkg 0000000a" ] &&
[ "$(sed -n 3p rsa.lines | cut -d' ' -f1-2)" = "pub rsa1" ] &&
[ "$(wc -l < rsa.lines)" -eq 3 ] && ok "serial, pkg and pub rsa1 lines" ||
	fail "keygen --secnet lines: $(cut -c1-40 rsa.lines)"
cp rsa.key rsa.before
expect 1 "keygen --secnet refuses to overwrite" "$V" keygen --secnet rsa.key
has err "rsa.key: write: file exists; refusing to overwrite it" \
	"rsa1 overwrite refusal message"
cmp -s rsa.key rsa.before && ok "refused key file untouched" ||
	fail "refused key file changed"
expect 0 "keygen --secnet --public" "$V" keygen --secnet --public rsa.key
[ "$(cat out)" = "$(sed -n 3p rsa.lines)" ] &&
	ok "--public gives the same rsa1 key" || fail "rsa1 --public differs"
expect 0 "keygen --secnet --json" "$V" keygen --secnet --bits 1024 --json \
	rsa-j.key
python3 - out <<'PY' && ok "rsa1 JSON: bits, e, n, pub and pubkey agree" ||
import json, sys
j = json.load(open(sys.argv[1]))
n = int(j["n"])
assert j["algorithm"] == "rsa1" and j["bits"] == 1024 and j["e"] == "65537"
assert n.bit_length() == 1024 and n % 2 == 1, "modulus"
assert j["group"] == "00000000" and j["serial"] is None
assert j["pubkey"] == "pubkey 1024 65537 %d" % n
assert j["lines"] == [j["pub"]] and j["pub"].startswith("pub rsa1 ")
sys.path.insert(1, "/usr/share/secnet")
try:
    import base91  # make-secnet-sites' own decoder, when installed
except ImportError:
    base91 = None
if base91:
    b = base91.decode(j["pub"][len("pub rsa1 "):].replace("-", '"'))
    assert b == ("1024 65537 %d" % n).encode(), "base91s data"
PY
	fail "rsa1 JSON"
rm -f rsa-j.key
expect 0 "keygen --secnet --public --json" "$V" keygen --secnet \
	--public --json rsa.key
grep -q '"bits": 2048' out && ok "default 2048 bits" || fail "default bits"
expect 2 "--bits below 1024" "$V" keygen --secnet --bits 768 small.key
has err "768: need an even number from 1024 to 4096" "--bits range message"
[ ! -e small.key ] && ok "no key file after a bad --bits" ||
	fail "small.key written"
expect 2 "--group needs hex" "$V" keygen --secnet --group 12 g.key
expect 2 "--bits without --secnet" "$V" keygen --bits 2048 g.key
expect 2 "--secnet with --x25519" "$V" keygen --secnet --x25519 g.key
[ ! -e g.key ] && ok "no key file after usage errors" || fail "g.key written"
cp rsa.key rsa-loose.key && chmod 644 rsa-loose.key
expect 1 "an rsa1 key readable by others is refused" "$V" keygen --secnet \
	--public rsa-loose.key
has err "rsa-loose.key: private key: mode 0644" "rsa1 loose mode message"
expect 1 "--secnet --public on an Ed25519 key" "$V" keygen --secnet \
	--public site.key
has err "site.key: private key: not an SSH-1 private key file" \
	"not-SSH-1 message"
printf 'vpn example\nsite london/alpha\npublish _vpnrr.a.example.net\nmobile\nnetworks 10.1.0.0/16\npeer 10.1.0.1\n' > rsa.site
cat rsa.lines >> rsa.site
expect 0 "a description with keygen's lines signs" "$V" sign -k site.key \
	-o rsa.rec rsa.site
has rsa.rec "keys=0000000a:rsa1:" "the record carries the key in group 0a"

# ---- secret key text is never echoed -----------------------------------
# The base64 part of each secret, which no message may contain.
SECRET=$(sed -n 's/^ed25519-secret://p' site.key)
WGSECRET=$(cat wg.key)
[ -n "$SECRET" ] && [ -n "$WGSECRET" ] || fail "no secret text to look for"
noecho() { # WHAT SECRET: neither stdout nor stderr holds SECRET
	if grep -q -F -e "$2" out err; then fail "$1: secret key printed"
	else ok "$1: secret not printed"; fi
}
printf 'v=vpnrr1\n' > nothing.zone
expect 2 "verify --anchor SECRET-TEXT is refused" "$V" verify \
	--anchor "$(cat site.key)" nothing.zone
noecho "verify --anchor SECRET-TEXT" "$SECRET"
has err "anchor: secret key text (not shown)" "secret anchor named as such"
expect 2 "verify --anchor SECRET-FILE is refused" "$V" verify \
	--anchor site.key nothing.zone
noecho "verify --anchor SECRET-FILE" "$SECRET"
has err "site.key:1: anchor: secret key text (not shown)" \
	"secret anchor file named"
expect 3 "verify --anchor WIREGUARD-SECRET" "$V" verify \
	--anchor "$WGSECRET" nothing.zone
noecho "verify --anchor WIREGUARD-SECRET" "$WGSECRET"
has err "argument not shown: it looks like secret key text" \
	"WireGuard key argument withheld"
expect 3 "sign -k SECRET-TEXT" "$V" sign -k "$(cat site.key)" nothing.zone
noecho "sign -k SECRET-TEXT" "$SECRET"
expect 2 "--now SECRET-TEXT" "$V" verify --now "$(cat site.key)" \
	--anchor site.pub nothing.zone
noecho "--now SECRET-TEXT" "$SECRET"
has err "ed25519-secret:(not shown)" "secret in a usage error redacted"

# ---- sign and zone ------------------------------------------------------
cat > s.site <<EOT
vpn example
site london/alpha
publish _vpnrr.alpha.example.net
address 192.0.2.1 4500
address [2001:db8::1] 4500
networks 10.1.0.0/16 fd00:1::/48
peer 10.1.0.1
serial 00000001
pubkey 1024 65537 1234567891
key x25519 $(cat wg.pub)
contact ops@example.net
lifetime 10y
EOT
expect 0 "sign" "$V" sign -k site.key -o s.rec s.site
[ ! -s out ] && ok "sign -o prints nothing on stdout" ||
	fail "sign printed something"
has err "^vpnrr: sign: site record of london/alpha at _vpnrr.alpha.example.net, valid until [0-9T:-]*Z, written to s.rec$" \
	"sign -o: one-line summary on stderr"
# Two records signed in one second must not share a serial: a node would
# take the second for a fork of the first and refuse it.
expect 0 "sign at a pinned time" "$V" sign --now 1800000000 -k site.key -o same.rec s.site
has same.rec " s=1800000000;" "serial: the time"
expect 0 "sign again in the same second" "$V" sign --now 1800000000 -k site.key -o same.rec s.site
has same.rec " s=1800000001;" "serial: one above the record it replaces"
# quiet CMD...: CMD succeeds and prints nothing at all.
quiet() {
	expect 0 "$*" "$@"
	[ ! -s out ] && [ ! -s err ] && ok "$*: prints nothing" ||
		fail "$*: not quiet"
}
quiet "$V" sign -q -k site.key -o s.rec s.site
quiet "$V" sign --quiet -k site.key -o s.rec s.site
has s.rec "^_vpnrr.alpha.example.net v=vpnrr1; k=site; " "record file line"
expect 0 "zone" "$V" zone --ttl 600 s.rec
has out '^_vpnrr.alpha.example.net.	600	IN	TXT	($' "TXT owner and TTL"
has out '^_vpnrr.alpha.example.net.	600	IN	TYPE65380	\\# [0-9]* ($' \
	"RFC 3597 line"
awk -F'"' '/^\t"/ { if (length($2) > 255) bad = 1 } END { exit bad }' out &&
	ok "TXT strings at most 255 bytes" || fail "TXT string too long"
expect 0 "zone --type txt" "$V" zone --type txt s.rec
hasnt out TYPE65380 "--type txt has no binary form"
expect 0 "zone --json" "$V" zone --json s.rec
has out '"kind": "site"' "zone JSON"
expect 0 "sign --json" "$V" sign --json -k site.key s.site
has out '"ep": "192.0.2.1:4500,\[2001:db8::1\]:4500"' "sign JSON fields"
{ printf '$ORIGIN alpha.example.net.\n$TTL 300\n'
  printf '@ SOA ns. h. 1 3600 900 1209600 300\n@ NS ns.example.\n'
  "$V" zone s.rec; } > alpha.zone
expect 0 "nsd-checkzone accepts the site zone" nsd-checkzone \
	alpha.example.net alpha.zone

# Rejections: FILE:LINE: WHAT: WHY, exit 1, no output file.
bad_sign() {
	printf '%b' "$2" > bad.site
	rm -f bad.rec
	expect 1 "sign rejects: $1" "$V" sign -k site.key -o bad.rec bad.site
	has err "^vpnrr: bad.site:$3" "message names bad.site:$3"
	[ ! -e bad.rec ] && [ ! -e bad.rec.vpnrr-tmp ] && ok "no output file" ||
		fail "partial output after: $1"
}
B='vpn example\nsite london/alpha\npublish _vpnrr.a.example.net\n'
R='networks 10.1.0.0/16\npeer 10.1.0.1\npubkey 1024 65537 5\n'
bad_sign "unknown keyword" "$B"'mobile\n'"$R"'frob 1\n' "8: frob: unknown"
bad_sign "bad address" "$B"'address 192.0.2.300 4500\n'"$R" "4: address:"
bad_sign "bad port" "$B"'address 192.0.2.1 0\n'"$R" "4: address:"
bad_sign "bare IPv6 with port" "$B"'address 2001:db8::1:4500\n'"$R" "4: address"
bad_sign "host bits" "$B"'mobile\nnetworks 10.1.0.1/16\npeer 10.1.0.1\n' \
	"5: networks:"
bad_sign "peer outside" "$B"'mobile\nnetworks 10.1.0.0/16\npeer 10.2.0.1\npubkey 1024 65537 5\n' \
	"6: peer: the point-to-point address is not inside"
bad_sign "bad rsa1 key" "$B"'mobile\nnetworks 10.1.0.0/16\npeer 10.1.0.1\npubkey 1024 x 5\n' \
	"7: pubkey:"
bad_sign "short x25519 key" "$B"'mobile\n'"$R"'key x25519 AAAA\n' \
	"8: key: x25519 keys have 32 bytes"
bad_sign "missing networks" "$B"'mobile\npeer 10.1.0.1\npubkey 1024 65537 5\n' \
	" networks: missing"
bad_sign "bad serial" "$B"'mobile\n'"$R"'serial 1\n' "8: serial:"
bad_sign "bad lifetime" "$B"'mobile\n'"$R"'lifetime forever\n' "8: lifetime:"
bad_sign "expired" "$B"'mobile\n'"$R"'expires 2001-01-01T00:00:00Z\n' \
	" expires: the expiry time has passed"
chmod 644 site.key
expect 1 "sign refuses a loose key" "$V" sign -k site.key -o bad.rec s.site
has err "mode 0644" "sign names the loose key"
chmod 600 site.key
expect 3 "sign: missing description" "$V" sign -k site.key nonexistent.site
has err "nonexistent.site: cannot open" "missing file named"
printf '_vpnrr.a.example.net v=vpnrr1; k=site; s=01\n' > bad.rec
expect 1 "zone rejects a bad record file" "$V" zone bad.rec
has err "^vpnrr: bad.rec:1: .*tag s: 01: leading zero" "zone names FILE:LINE"
[ ! -s out ] && ok "zone prints nothing on error" || fail "zone partial output"

# ---- admin: index, request, admit, revoke, resign ---------------------------
mkdir adm
"$V" keygen adm/anchor.key > anchor.pub
cat > adm/vpnrr.conf <<EOT
vpn example
zone vpn.example.org
restrict-nets 10.0.0.0/8 fd00::/16
anchor-key anchor.key
member-lifetime 30d
head-lifetime 10d
soa ns1.vpn.example.org hostmaster.vpn.example.org
ns ns1.vpn.example.org
EOT
expect 0 "index an empty VPN" "$V" index adm
has err "^vpnrr: index: 0 members, 0 pages, serial [0-9]*, written to adm/vpn.example.org.zone$" \
	"index: one-line summary"
[ "$(wc -l < err)" -eq 1 ] && ok "index: one line" || fail "index: $(cat err)"
quiet "$V" index -q --force adm
expect 0 "an empty VPN verifies" "$V" verify -a anchor.pub adm/vpn.example.org.zone
expect 0 "request" "$V" request -k site.key -o req s.site
has err "^vpnrr: request: written to req; send it to the VPN admin$" \
	"request -o: summary"
quiet "$V" request -q -k site.key -o req s.site
has req "^-----BEGIN VPNRR REQUEST-----$" "request armour"
expect 0 "admit" "$V" admit adm req
has out "^alpha.london.m._vpnrr.vpn.example.org v=vpnrr1; k=member; " \
	"admit prints the signed member record"
[ -f "adm/members/london,alpha.member" ] && ok "member file written" ||
	fail "member file"
expect 1 "admit twice: name taken" "$V" admit adm req
has err "site london/alpha is listed twice" "name-taken message"
expect 0 "index" "$V" index --json adm
has out '"members": 1' "index counts the member"
has out '"changed": true' "a first index is a change"
# Idempotent: the same content again writes nothing (same bytes, inode
# and mtime, so nodes fetch nothing new); --force, a head half way
# through its lifetime and a change each publish a new serial.
soa() { awk '/SOA/ { print $7 }' adm/vpn.example.org.zone; }
head_s() { grep '^_vpnrr.vpn.example.org.*TXT' adm/vpn.example.org.zone |
	sed 's/.*; s=\([0-9]*\);.*/\1/'; }
zid() { stat -c '%i %y %s' adm/vpn.example.org.zone; }
s1=$(soa); h1=$(head_s); id1=$(zid)
cp adm/vpn.example.org.zone zone.1
cp adm/state state.1
expect 0 "index again, nothing changed" "$V" index --json adm
has out '"changed": false' "unchanged run says so in --json"
has out "\"serial\": $s1," "unchanged run reports the kept serial"
expect 0 "index again, plain" "$V" index adm
has err "index: unchanged" "unchanged run says so on stderr"
cmp -s adm/vpn.example.org.zone zone.1 && [ "$(zid)" = "$id1" ] &&
	ok "zone file untouched (bytes, inode, mtime)" ||
	fail "unchanged index rewrote the zone ($id1 -> $(zid))"
cmp -s adm/state state.1 && ok "state untouched" || fail "state rewritten"
[ "$(soa)" = "$s1" ] && [ "$(head_s)" = "$h1" ] && [ -n "$h1" ] &&
	ok "SOA and head serial kept ($s1, head $h1)" ||
	fail "serials changed ($s1 -> $(soa), head $h1 -> $(head_s))"
expect 0 "index 2 days later, head still fresh" "$V" index \
	--now "$(( $(date +%s) + 2 * 86400 ))" adm
[ "$(soa)" = "$s1" ] && ok "a 2-day-old head is kept" ||
	fail "re-signed a fresh head ($s1 -> $(soa))"
expect 0 "index --force" "$V" index --force adm
s2=$(soa)
[ "$s2" -gt "$s1" ] && [ "$(head_s)" -gt "$h1" ] &&
	ok "--force re-signs: SOA serial increases ($s1 -> $s2)" ||
	fail "--force: serial did not increase ($s1 -> $s2)"
expect 0 "index 4 days later" "$V" index \
	--now "$(( $(date +%s) + 4 * 86400 ))" adm
s3=$(soa)
[ "$s3" -gt "$s2" ] && ok "a head older than 3 days is re-signed ($s2 -> $s3)" ||
	fail "old head kept ($s2 -> $s3)"
echo '# touched by hand' >> adm/vpn.example.org.zone
expect 0 "index after the zone file was edited" "$V" index adm
hasnt adm/vpn.example.org.zone "touched by hand" "edited zone file replaced"
s4=$(soa)
m="adm/members/london,alpha.member"
grep -v '^contact ' "$m" > m.new && echo 'contact noc@example.net' >> m.new &&
	mv m.new "$m"
expect 0 "index after a membership change" "$V" index adm
s5=$(soa)
[ "$s5" -gt "$s4" ] && ok "a change bumps the serial ($s4 -> $s5)" ||
	fail "change not published ($s4 -> $s5)"
has adm/vpn.example.org.zone "contact=noc@example.net" "the change is in the zone"
expect 0 "nsd-checkzone accepts the admin zone" nsd-checkzone \
	vpn.example.org adm/vpn.example.org.zone
expect 0 "admin zone + site zone verify" "$V" verify -a anchor.pub \
	adm/vpn.example.org.zone alpha.zone

# Admission rules through the command.
"$V" keygen b.key > /dev/null
mkreq() { # NAME NETS PUBLISH
	printf 'vpn example\nsite %s\npublish %s\nmobile\nnetworks %s\npeer %s\npubkey 1024 65537 7\n' \
		"$1" "$3" "$2" "$(echo "$2" | sed 's|\.0/.*|.1|')" > b.site
	"$V" request -k b.key b.site > breq
}
mkreq paris/beta 10.1.5.0/24 _vpnrr.beta.example.net
expect 1 "admit refuses overlapping networks" "$V" admit adm breq
has err "10.1.5.0/24 overlaps 10.1.0.0/16 of site london/alpha" "overlap named"
mkreq paris/beta 192.168.1.0/24 _vpnrr.beta.example.net
expect 1 "admit refuses networks outside restrict-nets" "$V" admit adm breq
has err "192.168.1.0/24 is outside restrict-nets" "restrict-nets named"
mkreq paris/beta 10.2.0.0/24 _vpnrr.alpha.example.net
expect 1 "admit refuses a publish name in use" "$V" admit adm breq
mkreq paris/beta 10.2.0.0/24 _vpnrr.beta.example.net
sed '2s/^\(.\{20\}\)./\1A/;3s/^\(.\{20\}\)./\1B/' breq > breq.bad
cmp -s breq breq.bad && fail "tampering changed nothing"
expect 1 "admit refuses an altered request" "$V" admit adm breq.bad
has err "breq.bad:1: " "altered request named with line"
expect 1 "admit refuses a stale request" "$V" admit --now 2100-01-01T00:00:00Z adm breq
has err "more than 30 days old" "stale message"
printf 'not a request\n' > junk
expect 1 "admit refuses junk" "$V" admit adm junk
has err "junk: request: no -----BEGIN VPNRR REQUEST----- line" "junk message"
expect 0 "admit beta" "$V" admit adm breq
ls adm/members > members.before
# Site names that differ only in case are one name (one member DNS name):
# admit refuses the second, and revoke finds the member either way.
mkreq London/ALPHA 10.3.0.0/24 _vpnrr.gamma.example.net
expect 1 "admit refuses a name taken in another case" "$V" admit adm breq
has err "site London/ALPHA is listed twice" "case-insensitive clash named"
expect 0 "revoke, the name in another case" "$V" revoke adm Paris/BETA
has err "^vpnrr: revoke: paris/beta moved to revoked/; 1 members left, serial [0-9]*, written to adm/vpn.example.org.zone$" \
	"revoke: summary names the member as admitted"
[ ! -f "adm/members/paris,beta.member" ] && [ -f "adm/revoked/paris,beta.member" ] &&
	ok "revoked membership moved" || fail "revoke did not move the file"
hasnt adm/vpn.example.org.zone "beta.paris.m._vpnrr" "revoked member gone from the zone"
expect 1 "revoke an unknown site" "$V" revoke adm paris/nobody
has err "paris/nobody is not a member" "unknown site named"

# resign: nothing due -> nothing written; due -> renewed.
cp adm/vpn.example.org.zone zone.before
expect 0 "resign with nothing due" "$V" resign --within 1d adm
has err "^vpnrr: resign: nothing due; head valid until [0-9T:-]*Z$" \
	"resign: nothing-due summary"
quiet "$V" resign -q --within 1d adm
cmp -s adm/vpn.example.org.zone zone.before && ok "nothing rewritten" ||
	fail "resign rewrote the zone with nothing due"
old=$(grep ^expires "adm/members/london,alpha.member")
expect 0 "resign --within 60d renews" "$V" resign --within 60d \
	--now "$(( $(date +%s) + 86400 ))" adm
new=$(grep ^expires "adm/members/london,alpha.member")
[ "$old" != "$new" ] && ok "membership renewed ($new)" || fail "not renewed"
has err "^vpnrr: resign: 1 memberships renewed; serial [0-9]*, head valid until [0-9T:-]*Z, written to adm/vpn.example.org.zone$" \
	"resign: renewal summary"
cmp -s adm/vpn.example.org.zone zone.before && fail "zone not rebuilt" ||
	ok "zone rebuilt"
expect 0 "resign a site record, nothing due" "$V" resign --within 1d \
	-k site.key -o s.rec s.site
has err "^vpnrr: resign: s.rec: nothing due; valid until " \
	"resign a site record: nothing-due summary"
expect 0 "resign a site record due" "$V" resign --within 20y \
	-k site.key -o s.rec s.site
has err "^vpnrr: resign: s.rec: signed again, valid until " \
	"resign a site record: summary"
quiet "$V" resign -q --within 20y -k site.key -o s.rec s.site

# Admin config and member rejections.
cp -R adm adm2
printf 'vpn example\nzone vpn.example.org\nbogus 1\n' > adm2/vpnrr.conf
expect 1 "index rejects a bad config" "$V" index adm2
has err "adm2/vpnrr.conf:3: bogus: unknown keyword" "config line named"
cp adm/vpnrr.conf adm2/vpnrr.conf
printf 'site x/y\nkey ed25519:AAAA\n' > adm2/members/x,y.member
expect 1 "index rejects a bad member file" "$V" index adm2
has err "x,y.member:2: key: " "member line named"
rm adm2/members/x,y.member
sed 's|^networks .*|networks 10.1.0.0/16 10.200.0.0/16|' \
	"adm2/members/london,alpha.member" > m && mv m "adm2/members/london,alpha.member"
printf 'site paris/gamma\nkey %s\nnetworks 10.200.1.0/24\npublish g.example\nexpires 2099-01-01T00:00:00Z\n' \
	"$(cat site.pub)" > "adm2/members/paris,gamma.member"
cp adm2/vpn.example.org.zone zone2.before
expect 1 "index refuses overlapping members" "$V" index adm2
has err "overlaps" "overlap reported"
cmp -s adm2/vpn.example.org.zone zone2.before && ok "zone left as it was" ||
	fail "zone changed after a failed index"
chmod 644 adm/anchor.key
expect 1 "index refuses a loose anchor key" "$V" index adm
chmod 600 adm/anchor.key
# ---- --json: errors as JSON on stdout too --------------------------------
# jsonerr EXIT CLASS DESCRIPTION: stdout is exactly one JSON error object
# with that exit code and class, and stderr still has the human message.
jsonerr() {
	if python3 - "$TMP/out" "$1" "$2" <<'PY'
import json, sys
with open(sys.argv[1]) as f:
    lines = f.read().splitlines()
assert len(lines) == 1, lines
e = json.loads(lines[0])["error"]
assert set(e) == {"class", "message", "file", "line", "exit"}, e
assert e["exit"] == int(sys.argv[2]) and e["class"] == sys.argv[3], e
assert e["message"], e
assert e["file"] is None or isinstance(e["file"], str), e
assert e["line"] is None or e["line"] > 0, e
PY
	then ok "$3: JSON error"; else fail "$3: JSON error"; fi
	[ -s err ] && ok "$3: human message kept" || fail "$3: stderr empty"
}
field() { # KEY: the error object's KEY as JSON text
	python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["error"][sys.argv[2]]))' out "$1"
}
expect 3 "index --json, no such ADMINDIR" "$V" index --json nonexistent
jsonerr 3 io "index --json, no such ADMINDIR"
[ "$(field file)" = '"nonexistent/vpnrr.conf"' ] && ok "error names the file" ||
	fail "error file: $(field file)"
mkdir adm3 && cp adm/vpnrr.conf adm/anchor.key adm3/
printf 'bogus 1\n' >> adm3/vpnrr.conf
expect 1 "index --json, bad config line" "$V" index --json adm3
jsonerr 1 invalid "index --json, bad config line"
[ "$(field line)" = 9 ] && [ "$(field file)" = '"adm3/vpnrr.conf"' ] &&
	ok "error carries file and line apart" || fail "file/line: $(cat out)"
expect 1 "index --json refuses overlapping members" "$V" index --json adm2
jsonerr 1 invalid "index --json refuses overlapping members"
expect 2 "index --json, missing ADMINDIR argument" "$V" index --json
jsonerr 2 usage "index --json, missing ADMINDIR argument"
[ "$(field line)" = null ] && ok "usage error has no line" || fail "line"
expect 2 "zone --json --ttl x" "$V" zone --json --ttl x s.rec
jsonerr 2 usage "zone --json --ttl x"
expect 2 "verify --json, then a bad option" "$V" verify --json --frob x
jsonerr 2 usage "verify --json, then a bad option"
expect 2 "verify --json, bad anchor" "$V" verify --json --anchor ed25519:AA x
jsonerr 2 usage "verify --json, bad anchor"
expect 2 "--json --now bad" "$V" sign --json --now yesterday -k site.key s.site
jsonerr 2 usage "--json --now bad"
expect 1 "keygen --json refuses to overwrite" "$V" keygen --json site.key
jsonerr 1 invalid "keygen --json refuses to overwrite"
expect 3 "sign --json, no key file" "$V" sign --json -k none.key s.site
jsonerr 3 io "sign --json, no key file"
expect 1 "admit --json, name taken" "$V" admit --json adm req
jsonerr 1 invalid "admit --json, name taken"
expect 3 "import --json, no sites file" "$V" import --json --zone z \
	--output-dir imp none.sites
jsonerr 3 io "import --json, no sites file"
expect 1 "index without --json: no JSON" "$V" index adm2
[ ! -s out ] && ok "errors go to stdout only with --json" ||
	fail "stdout without --json"
# ---- verify shows a WireGuard gateway's wg= and gw-nets= -------------------
mkdir admwg
"$V" keygen admwg/anchor.key > wganchor.pub
sed 's/^anchor-key .*/anchor-key anchor.key/' adm/vpnrr.conf > admwg/vpnrr.conf
"$V" keygen gw.key > /dev/null
cat > gw.site <<EOT
vpn example
site paris/gw
publish _vpnrr.gw.example.net
networks 10.2.0.0/16 fd00:2::/48
peer 10.2.0.1
wireguard [2001:db8::2] 51820
gateway-networks 10.20.0.0/16 fd00:20::/48
key x25519 $(cat wg.pub)
lifetime 10y
EOT
"$V" request -q -k gw.key -o gw.req gw.site
expect 0 "admit a gateway" "$V" admit --gateway-networks \
	10.20.0.0/16,fd00:20::/48 admwg gw.req
expect 0 "index with a gateway" "$V" index admwg
"$V" sign -q -k gw.key -o gw.rec gw.site
{ printf '$ORIGIN gw.example.net.\n$TTL 300\n'
  printf '@ SOA ns. h. 1 3600 900 1209600 300\n@ NS ns.example.\n'
  "$V" zone gw.rec; } > gw.zone
expect 0 "verify a WireGuard gateway" "$V" verify -a wganchor.pub \
	admwg/vpn.example.org.zone gw.zone
has out '^  record: .*; wg=\[2001:db8::2\]:51820' "verify text shows wg="
has out '^  record: .*; gw-nets=10.20.0.0/16,fd00:20::/48' \
	"verify text shows gw-nets="
has out '^  record: .*k=member.*; gw-nets=10.20.0.0/16,fd00:20::/48' \
	"verify text shows the member's gw-nets="
expect 0 "verify --json a WireGuard gateway" "$V" verify --json \
	-a wganchor.pub admwg/vpn.example.org.zone gw.zone
python3 - out <<'EOP' && ok "verify --json: fields wg and gw-nets" ||
import json, sys
r = json.load(open(sys.argv[1]))
site = [x for x in r["records"] if x.get("kind") == "site"]
assert len(site) == 2, site  # TXT and the binary type
for s in site:
    assert s["fields"]["wg"] == "[2001:db8::2]:51820", s
    assert s["fields"]["gw-nets"] == "10.20.0.0/16,fd00:20::/48", s
member = [x for x in r["records"] if x.get("kind") == "member"]
assert any(m["fields"].get("gw-nets") == "10.20.0.0/16,fd00:20::/48"
           for m in member), member
EOP
	fail "verify --json: wg or gw-nets missing: $(head -c 600 out)"
finish
