#!/bin/sh
# enrol.sh VPNRR EXAMPLES DATA VPNRR-FETCH - one-command enrolment
# against a real Knot DNS taking TSIG-signed dynamic updates:
#   * the admin sets up the VPN (zone, anchor, publish.conf) and Knot
#     serves it, each site zone with its own TSIG key;
#   * a site runs "vpnrr enrol" (any/29), the admin "vpnrr accept"
#     (allocates the first free /29, indexes, publishes), the site "vpnrr
#     sign --publish" (learns its networks from DNS, signs, publishes);
#   * a mobile site without a zone does the same, its record hosted in
#     the VPN's zone under a key Knot lets update only that name;
#   * a node's vpnrr-fetch --once sees both, and secnet -j accepts the
#     secnet.conf --init-secnet writes from them;
#   * the VPN's space runs out: accept refuses, writing nothing;
#   * "vpnrr resign --within --publish" renews the site record and the
#     membership, and dig shows the renewed ones.
set -eu
V=$1 EX=$2 F=$4
# secnet's DH group for the node (the example VPN's).
DH=$(sed -n 's/^dh //p' "$EX/sites/london,alpha.site")
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/knot.sh"
trap 'stop_knot; cleanup' EXIT

command -v knotd >/dev/null || { echo "SKIP: knotd not installed"; exit 77; }
SECNET=${SECNET:-/usr/sbin/secnet}
tsig() { # tsig NAME SECRET FILE
	printf 'key "%s" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
		"$1" "$2" > "$3"
	chmod 600 "$3"
}
secret() { head -c 32 /dev/urandom | base64; }
cd "$TMP"

# ---- the admin ----------------------------------------------------------------
mkdir -m 700 admin
"$V" keygen admin/anchor.key > anchor.pub
cat > admin/vpnrr.conf <<EOF2
vpn example
zone vpn.example.org
restrict-nets 10.0.0.0/27
anchor-key anchor.key
soa ns1.vpn.example.org hostmaster.vpn.example.org
ns ns1.vpn.example.org
glue ns1.vpn.example.org 127.0.0.1
EOF2
expect 0 "an empty VPN is indexed" "$V" index -q admin
cp admin/vpn.example.org.zone .
for z in alpha.example.net gamma.example.net; do
	"$V" zone --init $z --ns ns1.$z --mbox hostmaster@$z -o $z.zone
done
ADMIN_SECRET=$(secret) GAMMA_SECRET=$(secret) DELTA_SECRET=$(secret)
KNOT_KEYS=$(printf '  - id: gamma\n    algorithm: hmac-sha256\n    secret: %s\n  - id: delta\n    algorithm: hmac-sha256\n    secret: %s\n' "$GAMMA_SECRET" "$DELTA_SECRET")
KNOT_KEYS="$KNOT_KEYS
"
# delta, hosted by the admin, may change its own record's name only.
KNOT_ACLS=$(printf '  - id: gamma\n    key: gamma\n    action: update\n  - id: delta\n    key: delta\n    action: update\n    update-owner: name\n    update-owner-match: equal\n    update-owner-name: [delta.mobile.sites.vpn.example.org.]\n')
KNOT_ACLS="$KNOT_ACLS
"
KNOT_ZONE_ACL_gamma_example_net=gamma
KNOT_ZONE_ACL_vpn_example_org="publisher, delta"
start_knot "$TMP/knot" "$ADMIN_SECRET" vpn.example.org.zone \
	alpha.example.net.zone gamma.example.net.zone
S=127.0.0.1:$KPORT
tsig publisher "$ADMIN_SECRET" admin/tsig.key
printf 'server %s\ntsig-key tsig.key\ntimeout 5s\n' "$S" > admin/publish.conf
tsig gamma "$GAMMA_SECRET" gamma.tsig
tsig delta "$DELTA_SECRET" delta.tsig
tsig publisher "$ADMIN_SECRET" alpha.tsig

# ---- alpha: fixed networks, its own zone -------------------------------------
expect 0 "alpha enrols with fixed networks" "$V" enrol --vpn example \
	--site london/alpha -d alpha --publish _vpnrr.alpha.example.net \
	--address 192.0.2.10 4500 --networks 10.0.0.0/29 --bits 1024 \
	--contact ops@alpha --vpn-zone vpn.example.org --anchor anchor.pub \
	--resolver "$S" --dns-server "$S" --dns-zone alpha.example.net \
	--tsig-key alpha.tsig
has "$TMP/out" "^-----BEGIN VPNRR REQUEST-----" "the request is printed as text"
hasnt "$TMP/out" "$(printf '\342\226\210')" "no QR code when stdout is not a terminal"
[ "$(stat -c %a alpha/record.key)" = 600 ] && ok "record key mode 0600" ||
	fail "record key mode $(stat -c %a alpha/record.key)"
[ "$(stat -c %a alpha/privkeys/priv.0000000100)" = 600 ] &&
	ok "secnet key mode 0600" || fail "secnet key mode"
has alpha/site.desc "^peer 10.0.0.1$" "fixed networks give the peer address"
expect 0 "the admin accepts alpha" "$V" accept admin alpha/site.req
has "$TMP/out" "networks: 10.0.0.0/29$" "alpha keeps its networks"
expect 0 "alpha signs and publishes" "$V" sign --publish -d alpha
has "$TMP/out" "^published: zone alpha.example.net" "alpha's record is published"

# ---- gamma: any/29 -------------------------------------------------------------
expect 0 "gamma enrols asking for any/29 (JSON)" "$V" enrol --json \
	--vpn example --site paris/gamma -d gamma \
	--publish _vpnrr.gamma.example.net --address 192.0.2.11 4500 \
	--networks any/29 --bits 1024 --vpn-zone vpn.example.org \
	--anchor anchor.pub --resolver "$S" --dns-server "$S" \
	--dns-zone gamma.example.net --tsig-key gamma.tsig
has "$TMP/out" '"request": "-----BEGIN VPNRR REQUEST-----' "JSON carries the request"
hasnt gamma/site.desc "^networks" "no networks before the admin allocates"
expect 0 "--qr draws the code without a terminal" "$V" enrol --qr \
	--vpn example --site x/qr -d qr --publish _vpnrr.qr.example.net \
	--mobile --networks any/29 --bits 1024
has "$TMP/out" "$(printf '\342\226\210')" "the QR code uses half blocks"
rows=$(grep -c "$(printf '\033\\[30;47m')" "$TMP/out")
[ "$rows" -ge 12 ] && ok "QR code of $rows rows" || fail "QR code of $rows rows"
expect 1 "sign --publish before accept: not a member yet" "$V" sign \
	--publish -d gamma
has "$TMP/err" "paris/gamma is not a valid member" "the reason is given"
expect 0 "the admin accepts gamma (JSON)" "$V" accept --json admin gamma/site.req
tr -d ' \n' < "$TMP/out" > accept.json
has accept.json '"allocated":\["10.0.0.8/29"\]' "the first free /29 is allocated"
has "$TMP/out" '"published": true' "accept published by dynamic update"
dig +short -p "$KPORT" @127.0.0.1 TXT gamma.paris.m._vpnrr.vpn.example.org \
	> gm.dig 2>&1 || :
has gm.dig "nets=10.0.0.8/29" "dig shows gamma's membership"
expect 0 "gamma signs and publishes" "$V" sign --publish -d gamma
has gamma/site.desc "^networks 10.0.0.8/29$" "the allocation is in the description"
has gamma/site.desc "^peer 10.0.0.9$" "and the peer address"
dig -p "$KPORT" @127.0.0.1 TXT _vpnrr.gamma.example.net > g.dig
expect 0 "gamma's served record is VALID" "$V" verify --anchor anchor.pub \
	--server 127.0.0.1 -p "$KPORT" --zone vpn.example.org g.dig

# ---- delta: mobile, hosted by the admin ------------------------------------------
expect 0 "delta (mobile, hosted) enrols" "$V" enrol --vpn example \
	--site mobile/delta -d delta --hosted --mobile --networks any/29 \
	--bits 1024 --vpn-zone vpn.example.org --anchor anchor.pub \
	--resolver "$S" --dns-server "$S" --dns-zone vpn.example.org \
	--tsig-key delta.tsig
expect 0 "the admin accepts delta" "$V" accept admin delta/site.req
has "$TMP/out" "publish: delta.mobile.sites.vpn.example.org (hosted" "the admin names the hosted record"
has "$TMP/out" "10.0.0.16/29 (allocated)" "the next /29"
expect 0 "delta signs and publishes into the VPN's zone" "$V" sign --publish -d delta
has delta/site.desc "^publish delta.mobile.sites.vpn.example.org$" "the name is in the description"
dig +short -p "$KPORT" @127.0.0.1 TXT delta.mobile.sites.vpn.example.org > d.dig
has d.dig "ep=mobile" "dig shows delta's record"

# ---- a directory others can write is refused for the keys -----------------------
mkdir -m 0777 shared
chmod 0777 shared
expect 3 "enrol refuses a world-writable directory" "$V" enrol --vpn example \
	--site x/open -d shared --publish _vpnrr.open.example.net --mobile \
	--networks any/29 --bits 1024
has "$TMP/err" "shared: mkdir: mode 0777" "the directory's mode is named"
[ ! -e shared/record.key ] && ok "no key written there" ||
	fail "a key was written into a world-writable directory"

# ---- space runs out --------------------------------------------------------------
"$V" enrol --vpn example --site x/eps -d eps --publish _vpnrr.eps.example.net \
	--mobile --networks any/29 --bits 1024 >/dev/null 2>&1
"$V" enrol --vpn example --site x/zeta -d zeta --publish _vpnrr.zeta.example.net \
	--mobile --networks any/29 --bits 1024 >/dev/null 2>&1
expect 0 "eps takes the last /29" "$V" accept --no-publish admin eps/site.req
has "$TMP/out" "10.0.0.24/29 (allocated)" "the last block"
expect 1 "zeta finds no free /29" "$V" accept --no-publish admin zeta/site.req
has "$TMP/err" "no free IPv4 /29 left" "exhaustion is named"
[ ! -e "admin/members/x,zeta.member" ] && ok "nothing written for zeta" ||
	fail "zeta's membership written"
# eps has no record anywhere: it goes again, and the space with it.
expect 0 "eps is revoked" "$V" revoke -q admin x/eps
expect 0 "publish the VPN without eps" "$V" publish -q --index admin

# ---- a node --------------------------------------------------------------------------
mkdir -p node
cat > node/fetch.conf <<EOF2
vpn example
zone vpn.example.org
anchor $(cat anchor.pub)
resolver $S
record-type both
state-dir $TMP/node/state
output secnet $TMP/node/out/secnet
output peer-keys $TMP/node/out/pk
reload-command "true"
timeout 2s
attempts 2
local-site london/alpha
secnet-dh $DH
secnet-hash sha1
expiry-warning 60d
restrict-nets 10.0.0.0/27
EOF2
RC=0
timeout 60 "$F" -c node/fetch.conf --once --json > node/report.json \
	2> node/fetch.log || RC=$?
[ "$RC" -eq 0 ] && ok "vpnrr-fetch --once succeeds" ||
	{ fail "vpnrr-fetch --once exited $RC"; tail -20 node/fetch.log >&2; }
has node/out/secnet/sites.conf "gamma" "the node sees the new site gamma"
# Site records live 30 days: inside the 60-day warning window.
python3 - node/report.json > node/expiring.txt <<'PY' || fail "no expiring list in the JSON report"
import json, sys
for x in json.load(open(sys.argv[1]))["expiring"]:
    print(x["kind"], x["name"], x["expires"])
PY
has node/expiring.txt "^site example/paris/gamma [0-9]" "the JSON report lists gamma's record as expiring"
has node/fetch.log "site example/paris/gamma expires in" "and the log warns"
has node/out/secnet/sites.conf "delta" "and the hosted mobile delta"
RC=0
timeout 30 "$F" -c node/fetch.conf --init-secnet --local-address 10.0.0.2 \
	--private-key "$TMP/alpha/privkeys/priv." -o "$TMP/node/secnet.conf" \
	--log-file "$TMP/node/secnet.log" --pidfile "$TMP/node/secnet.pid" \
	> node/init.out 2> node/init.log || RC=$?
[ "$RC" -eq 0 ] && ok "--init-secnet writes secnet.conf" ||
	{ fail "--init-secnet exited $RC"; cat node/init.log >&2; }
if timeout 60 "$SECNET" -j -c "$TMP/node/secnet.conf" > node/secnet-j.log 2>&1 &&
   grep -q "configuration file check complete" node/secnet-j.log; then
	ok "secnet -j accepts the node's configuration"
else
	fail "secnet -j rejected it"; tail -20 node/secnet-j.log >&2
fi

# ---- renewal -----------------------------------------------------------------------------
old=$(dig +short -p "$KPORT" @127.0.0.1 TXT _vpnrr.gamma.example.net | grep -o 'x=[0-9]*')
expect 0 "nothing due: resign --publish sends nothing" "$V" resign \
	--within 1d --publish -k gamma/record.key -o gamma/site.rec gamma/site.desc
has "$TMP/out" "^unchanged" "the served record stays"
sleep 1
expect 0 "resign --within 40d --publish renews the site record" "$V" resign \
	--within 40d --publish -k gamma/record.key -o gamma/site.rec gamma/site.desc
new=$(dig +short -p "$KPORT" @127.0.0.1 TXT _vpnrr.gamma.example.net | grep -o 'x=[0-9]*')
[ -n "$new" ] && [ "$new" != "$old" ] && ok "dig shows the renewed record ($old -> $new)" ||
	fail "record not renewed: $old -> $new"
mold=$(dig +short -p "$KPORT" @127.0.0.1 TXT gamma.paris.m._vpnrr.vpn.example.org | grep -o 's=[0-9]*')
sleep 1
expect 0 "admin: resign --within 100d --publish renews the memberships" "$V" \
	resign --within 100d --publish admin
mnew=$(dig +short -p "$KPORT" @127.0.0.1 TXT gamma.paris.m._vpnrr.vpn.example.org | grep -o 's=[0-9]*')
[ -n "$mnew" ] && [ "$mnew" != "$mold" ] && ok "dig shows the renewed membership ($mold -> $mnew)" ||
	fail "membership not renewed: $mold -> $mnew"
dig -p "$KPORT" @127.0.0.1 TXT _vpnrr.gamma.example.net > g2.dig
expect 0 "the renewed record is VALID under the renewed membership" "$V" \
	verify --anchor anchor.pub --server 127.0.0.1 -p "$KPORT" \
	--zone vpn.example.org g2.dig
finish
