#!/bin/sh
# zone-examples/demo.sh - the whole job on the bundled example VPN:
# installs what is missing (Debian 12, as root), builds vpnrr, builds the
# example zones from the site descriptions and keys (in a temporary copy),
# serves them with a real NSD on loopback at a free port, checks the
# records with `vpnrr verify`, runs `vpnrr-fetch --once` against that
# server, and prints the secnet configuration it generated.
# Everything it starts is stopped, and its temporary files removed, on exit.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
sh tests/install-deps.sh
if [ ! -f build/build.ninja ]; then
	meson setup build >/dev/null
fi
echo "== building"
ninja -C build >/dev/null

. tests/lib/nsd.sh
TMP=$(mktemp -d)
trap 'stop_nsd; rm -rf "$TMP"' EXIT INT TERM
# Build the zones afresh (in a copy, so the tree stays as committed):
# every site record signed by its site key, the membership by the anchor.
echo "== vpnrr sign / zone / index: building the example zones"
cp -R zone-examples "$TMP/ex"
sh "$TMP/ex/regen.sh" "$src/build/publisher/vpnrr" >/dev/null
build/publisher/vpnrr verify --anchor "$TMP/ex/keys/anchor.pub" \
	"$TMP"/ex/zones/*.zone >/dev/null && echo "all zones verify"
start_nsd "$TMP/nsd" "$TMP"/ex/zones/*.zone
echo "== NSD serves them on 127.0.0.1 and ::1, port $PORT"

echo "== vpnrr verify --server 127.0.0.1 -p $PORT (the membership head)"
build/publisher/vpnrr verify --anchor zone-examples/keys/anchor.pub \
	--server 127.0.0.1 -p "$PORT" _vpnrr.vpn.example.org | head -n 20

# This node is london/alpha: its secnet.conf includes what vpnrr-fetch
# writes, and every candidate configuration is checked with secnet -j
# against it before it is applied.
. tests/lib/secnet.sh
cp zone-examples/keys/alpha.secnet "$TMP/alpha.secnet"
chmod 600 "$TMP/alpha.secnet"
DH=$(sed -n 's/^dh //p' "zone-examples/sites/london,alpha.site")
secnet_test_conf "$TMP/secnet/sites.conf" "$TMP/secnet.conf" \
	example/london/alpha "$TMP/alpha.secnet" ${DH% *} ${DH#* }

cat > "$TMP/fetch.conf" <<CONF
# vpnrr-fetch configuration for the demo (see fetcher/CONFIG.md)
vpn example
zone vpn.example.org
anchor $(cat zone-examples/keys/anchor.pub)
resolver [::1]:$PORT
resolver 127.0.0.1:$PORT
state-dir $TMP/state
output secnet $TMP/secnet
output peer-keys $TMP/pubkeys
output sites-file $TMP/sites
output json $TMP/vpn.json
sites-file-dh 8db5f2c15ac96d9f3382d1ef4688fba14dc7908ae7dfd71a9cfe7f479a75d506dc53f159aeaf488bde073fe544bc91c099f101fcf60074f30c06e36263c03ca9e07931ce3fc235fe1171dc6d9316fb097bd4362891e2c36e234e7c16b038fd97b1f165c710e90537de66ee4f54001f5712b050d4e07de3fba07607b19b64f6c3 2
sites-file-hash sha1
local-site london/alpha
secnet-config $TMP/secnet.conf
reload-command "echo '(demo) vpnrr-fetch: here secnet would be restarted' >&2"
CONF
echo "== vpnrr-fetch --once"
build/fetcher/vpnrr-fetch -c "$TMP/fetch.conf" --once --json > "$TMP/report.json"
python3 - "$TMP/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("refresh ok=%s: %d DNS queries, %d signatures checked, %d sites, "
      "%d files written, secnet -j check %s" % (r["ok"], r["dns"]["queries"],
      r["verify"]["heads_verified"] + r["verify"]["sites_verified"],
      r["sites"]["in_view"], r["files"]["written"],
      "passed" if r["check"]["runs"] and not r["check"]["failed"]
      else "not run"))
PY
for f in "$TMP"/secnet/*.conf; do
	echo "== $(basename "$f")"
	cat "$f"
done
for f in "$TMP"/pubkeys/peer.*; do
	echo "== $(basename "$f") (peer-keys)"
	cut -c1-72 "$f"
done
echo "== a second refresh: nothing changed, so nothing is written"
build/fetcher/vpnrr-fetch -c "$TMP/fetch.conf" --once --json > "$TMP/report2.json"
python3 - "$TMP/report2.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("refresh ok=%s: %d signatures checked, %d files written, %d reloads"
      % (r["ok"], r["verify"]["heads_verified"] + r["verify"]["sites_verified"],
         r["files"]["written"], r["secnet"]["reloads"]))
PY
