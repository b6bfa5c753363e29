#!/bin/sh
# zone-examples/demo.sh - the whole job on the bundled example VPN:
# installs what is missing (Debian 12, as root), builds vpnrr, builds the
# example zones from the site descriptions and keys (in a temporary copy),
# serves them with a real NSD on loopback at a free port, checks the
# records with `vpnrr verify`, runs `vpnrr-fetch --once` against that
# server, writes the node's secnet.conf with `vpnrr-fetch --init-secnet`,
# checks it with `secnet -j`, and prints the secnet configuration.
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

# This node is london/alpha.  Its secnet private key (the example site
# publishes one rsa1 key without a group: key id 0000000000).
mkdir -p "$TMP/privkeys"
cp zone-examples/keys/alpha.secnet "$TMP/privkeys/priv.0000000000"
chmod 600 "$TMP/privkeys/priv.0000000000"
DH=$(sed -n 's/^dh //p' "zone-examples/sites/london,alpha.site")

cat > "$TMP/fetch.conf" <<CONF
# vpnrr-fetch configuration for the demo (see fetcher/CONFIG.md)
vpn example
zone vpn.example.org
anchor $(cat zone-examples/keys/anchor.pub)
restrict-nets 10.0.0.0/8 fd00::/8
resolver [::1]:$PORT
resolver 127.0.0.1:$PORT
state-dir $TMP/state
output secnet $TMP/secnet
output peer-keys $TMP/pubkeys
output sites-file $TMP/sites
output json $TMP/vpn.json
secnet-dh $DH
secnet-hash sha1
sites-file-dh $DH
sites-file-hash sha1
local-site london/alpha
secnet-config $TMP/secnet.conf
reload-command "echo '(demo) vpnrr-fetch: here secnet would be restarted' >&2"
CONF
# The node's secnet.conf, written once by vpnrr-fetch itself: it includes
# what vpnrr-fetch writes, and every candidate configuration is checked
# with secnet -j against it before it is applied.
echo "== vpnrr-fetch --init-secnet: this node's secnet.conf"
build/fetcher/vpnrr-fetch -c "$TMP/fetch.conf" --init-secnet \
	--local-address 10.1.0.2 --secnet-address 10.1.0.1 --port 4500 \
	--private-key "$TMP/privkeys/priv." --log-file "$TMP/secnet.log" \
	--pidfile "$TMP/secnet.pid"
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
echo "== secnet -j -c secnet.conf (the real secnet checks the whole configuration)"
/usr/sbin/secnet -j -c "$TMP/secnet.conf"
echo "== secnet.conf"
cat "$TMP/secnet.conf"
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
