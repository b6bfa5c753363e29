#!/bin/sh
# tests/wireguard/wireguard.sh - WireGuard peers configured only by
# vpnrr-fetch, for real: wireguard-go in network namespaces, NSD serving
# the zones built with vpnrr, pings over IPv4 and IPv6 in the tunnels.
#
# One VPN, four sites, each node configuring what it runs:
#   wg/a  WireGuard only, endpoint 10.99.0.1:51820
#   wg/b  secnet and WireGuard, WireGuard endpoint [fd99::2]:51820, and a
#         gateway (gw-nets=) to a's networks and to a foreign 10.15.0.0/24
#   wg/c  secnet only (its node runs the secnet output: b's routes carry
#         the gateway networks, the WireGuard-only sites are absent; its
#         secnet.conf comes from --init-secnet and secnet -j checks it)
#   wg/d  WireGuard only, roaming (no endpoint: it makes contact)
# Then: d's key changes and a's endpoint moves, each touching only that
# peer (the other peers' latest handshakes stay as they were); d is
# revoked and its peer goes.
#
# Needs root, /dev/net/tun, wireguard-go, wg, ip, nsd, secnet; skipped (77)
# otherwise.  Every namespace and process is removed on exit, by name
# and PID; every wait is bounded.
#
# Usage: wireguard.sh VPNRR VPNRR-FETCH ZONE-EXAMPLES SRC
set -eu
V=$1 F=$2 EX=$3 SRC=$4

skip() { echo "wireguard: $1: skipped"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "not root"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
for t in wireguard-go wg ip nsd dig ping python3 secnet; do
	command -v "$t" >/dev/null 2>&1 || skip "no $t"
done

TMP=$(mktemp -d /tmp/vpnrr-wg-test.XXXXXX)
P=vw$$                     # namespace and interface prefix
NODES="a b c d"
PIDS=
NSD_PID=

cleanup() {
	for p in $PIDS $NSD_PID; do kill "$p" 2>/dev/null || :; done
	for p in $PIDS $NSD_PID; do
		n=0
		while [ $n -lt 50 ] && kill -0 "$p" 2>/dev/null; do
			sleep 0.1; n=$((n + 1))
		done
	done
	for x in $NODES h; do ip netns del "$P$x" 2>/dev/null || :; done
	rm -f /var/run/wireguard/"$P"*.sock
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $1" >&2; shift
	for f in "$@"; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }
	done
	exit 1
}
inns() { ns=$1; shift; ip netns exec "$P$ns" "$@"; }
num() { case $1 in a) echo 1;; b) echo 2;; c) echo 3;; d) echo 4;; esac; }

# ---- the network: a hub with a bridge, one veth per node ---------------------
ip netns add "${P}h"
inns h ip link set lo up
inns h ip link add br0 type bridge
inns h ip addr add 10.99.0.254/24 dev br0
inns h ip -6 addr add fd99::fe/64 dev br0 nodad
inns h ip link set br0 up
for x in $NODES; do
	n=$(num $x)
	ip netns add "$P$x"
	inns $x ip link set lo up
	ip link add "${P}$x" type veth peer name "${P}h$x"
	ip link set "${P}$x" netns "$P$x"
	ip link set "${P}h$x" netns "${P}h"
	inns h ip link set "${P}h$x" master br0 up
	inns $x ip link set "${P}$x" name eth0
	inns $x ip addr add "10.99.0.$n/24" dev eth0
	inns $x ip -6 addr add "fd99::$n/64" dev eth0 nodad
	inns $x ip link set eth0 up
done

# ---- the VPN: admin, site keys, records --------------------------------------
ZE=$TMP/ze
cp -R "$EX" "$ZE"
rm -rf "$ZE"/zones/* "$ZE"/sites/* "$ZE"/admin/members/* \
	"$ZE/admin/state" "$ZE/admin/revoked"
mkdir -p "$ZE/zones" "$TMP/keys"
chmod 600 "$ZE"/keys/*.key "$ZE"/keys/*.secnet
sed -i 's/^glue .*/glue ns1.vpn.example.org 10.99.0.254/' "$ZE/admin/vpnrr.conf"
ANCHOR=$(cat "$ZE/keys/anchor.pub")
RSA_B=$(cut -d" " -f2-4 "$ZE/keys/alpha.pubkey")
RSA_C=$(cut -d" " -f2-4 "$ZE/keys/beta.pubkey")
DH=$(sed -n 's/^dh //p' "$EX/sites/london,alpha.site")
for x in a b d d2; do
	(umask 077; wg genkey >"$TMP/keys/$x.wg")
	wg pubkey <"$TMP/keys/$x.wg" >"$TMP/keys/$x.wgpub"
done
for x in $NODES; do
	"$V" keygen "$TMP/keys/$x.key" >/dev/null || fail "vpnrr keygen"
done

# site_desc X: the description of site X (variables AEP, DKEY).
site_desc() {
	x=$1 n=$(num "$1")
	echo "vpn example"
	echo "site wg/$x"
	echo "publish _vpnrr.$x.sites.example.net"
	echo "networks 10.1$n.0.0/24 fd00:1$n::/64"
	echo "peer 10.1$n.0.1"
	echo "serial 0000000${SERIAL:-1}"
	case $x in
	a)	echo "wireguard $AEP 51820"
		echo "key x25519 $(cat "$TMP/keys/a.wgpub")" ;;
	b)	echo "address 10.99.0.2 4500"
		echo "wireguard [fd99::2] 51820"
		echo "gateway-networks 10.11.0.0/24 10.15.0.0/24 fd00:11::/64"
		echo "pubkey $RSA_B"
		echo "key x25519 $(cat "$TMP/keys/b.wgpub")"
		echo "dh $DH"
		echo "hash sha1" ;;
	c)	echo "address 10.99.0.3 4500"
		echo "pubkey $RSA_C"
		echo "dh $DH"
		echo "hash sha1" ;;
	d)	echo "wireguard roaming"
		echo "key x25519 $(cat "$TMP/keys/$DKEY.wgpub")" ;;
	esac
	echo "lifetime 30d"
	echo "record-serial ${RSERIAL:-100}"
}

admit() {
	x=$1; shift
	AEP=10.99.0.1 DKEY=d site_desc "$x" >"$TMP/$x.req.site"
	"$V" request -k "$TMP/keys/$x.key" -o "$TMP/$x.req" "$TMP/$x.req.site" \
		>"$TMP/admit.log" 2>&1 &&
		"$V" admit "$@" "$ZE/admin" "$TMP/$x.req" >>"$TMP/admit.log" 2>&1 ||
		fail "enrolment of wg/$x" "$TMP/admit.log"
}

# publish: the head and pages, and every site record, in two zones.
publish() {
	"$V" index "$ZE/admin" >"$TMP/index.log" 2>&1 ||
		fail "vpnrr index" "$TMP/index.log"
	Z=$TMP/zones
	mkdir -p "$Z"
	cp "$ZE/zones/vpn.example.org.zone" "$Z/"
	{
		printf '$ORIGIN sites.example.net.\n$TTL 300\n'
		printf '@ SOA ns1.vpn.example.org. h.sites.example.net. %s 3600 900 1209600 300\n' "$RSERIAL"
		printf '@ NS ns1.vpn.example.org.\n'
	} >"$Z/sites.example.net.zone"
	for x in $NODES; do
		site_desc "$x" >"$TMP/$x.site"
		"$V" sign -k "$TMP/keys/$x.key" -o "$TMP/$x.rec" "$TMP/$x.site" \
			>"$TMP/sign.log" 2>&1 || fail "vpnrr sign $x" "$TMP/sign.log"
		"$V" zone --ttl 300 "$TMP/$x.rec" >>"$Z/sites.example.net.zone" ||
			fail "vpnrr zone $x"
	done
	serve
}

# serve: (re)start NSD in the hub namespace on 10.99.0.254 port 53.
serve() {
	if [ -n "$NSD_PID" ]; then
		kill "$NSD_PID" 2>/dev/null || :
		n=0
		while [ $n -lt 50 ] && kill -0 "$NSD_PID" 2>/dev/null; do
			sleep 0.1; n=$((n + 1))
		done
	fi
	D=$TMP/nsd
	mkdir -p "$D"
	{
		printf 'server:\n  ip-address: 10.99.0.254\n  port: 53\n'
		printf '  username: ""\n  chroot: ""\n  zonesdir: "%s"\n' "$D"
		printf '  pidfile: "%s/nsd.pid"\n  database: ""\n' "$D"
		printf '  zonelistfile: "%s/zone.list"\n  xfrdfile: "%s/xfrd.state"\n' "$D" "$D"
		printf '  xfrdir: "%s"\n  logfile: "%s/nsd.log"\n  server-count: 1\n' "$D" "$D"
		printf 'remote-control:\n  control-enable: no\n'
		for z in vpn.example.org sites.example.net; do
			printf 'zone:\n  name: "%s"\n  zonefile: "%s/%s.zone"\n' "$z" "$Z" "$z"
		done
	} >"$D/nsd.conf"
	rm -f "$D/nsd.pid"
	inns h nsd -c "$D/nsd.conf" || fail "nsd" "$D/nsd.log"
	n=0
	until inns h dig +short +time=1 +tries=1 @10.99.0.254 SOA \
		sites.example.net 2>/dev/null | grep -q "$RSERIAL"; do
		n=$((n + 1))
		[ $n -lt 50 ] || fail "nsd does not answer" "$D/nsd.log"
		sleep 0.1
	done
	NSD_PID=$(cat "$D/nsd.pid")
}

admit a
admit b --gateway-networks 10.11.0.0/16,10.15.0.0/24,fd00:11::/48
admit c
admit d
AEP=10.99.0.1 DKEY=d RSERIAL=100
export AEP DKEY RSERIAL
publish

# ---- WireGuard interfaces, as the operator sets them up ----------------------
for x in a b d; do
	n=$(num $x) i=$P$x
	inns $x env WG_PROCESS_FOREGROUND=1 \
		WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 \
		wireguard-go "$i" >"$TMP/wg-$x.log" 2>&1 &
	PIDS="$PIDS $!"
	k=0
	until inns $x wg show "$i" >/dev/null 2>&1; do
		k=$((k + 1))
		[ $k -lt 50 ] || fail "wireguard-go $x" "$TMP/wg-$x.log"
		sleep 0.1
	done
	inns $x wg set "$i" private-key "$TMP/keys/$x.wg" listen-port 51820
	inns $x ip addr add "10.1$n.0.1/32" dev "$i"
	inns $x ip -6 addr add "fd00:1$n::1/128" dev "$i" nodad
	inns $x ip link set "$i" up
	# The whole VPN is routed to the interface once; WireGuard picks
	# the peer by its allowed-ips, which vpnrr-fetch keeps.
	inns $x ip route add 10.0.0.0/8 dev "$i"
	inns $x ip -6 route add fd00::/16 dev "$i"
done

# conf X: node X's vpnrr-fetch configuration (what it runs).
conf() {
	x=$1 c=$TMP/$1.conf
	mkdir -p "$TMP/$x"
	{
		echo "vpn example"
		echo "zone vpn.example.org"
		echo "anchor $ANCHOR"
		echo "resolver 10.99.0.254"
		echo "state-dir $TMP/$x/state"
		echo "local-site wg/$x"
		echo "timeout 500ms"
		echo "attempts 3"
		echo "output json $TMP/$x/vpn.json"
		if [ "$x" = c ]; then
			echo "output secnet $TMP/$x/secnet"
			echo "output peer-keys $TMP/$x/pk"
			# secnet's own check of every change (secnet -j).
			echo "secnet-config $TMP/$x/secnet.conf"
			echo "reload-command true"
			echo "peer-keys-wait 0s"
		else
			[ "$x" = b ] && {
				# b runs secnet too (restart: a marker).
				echo "output secnet $TMP/$x/secnet"
				echo "output peer-keys $TMP/$x/pk"
				echo "reload-command \"touch $TMP/$x/reloaded\""
				echo "peer-keys-wait 0s"
			}
			echo "output wireguard $P$x"
			echo "output wg-quick $TMP/$x/peers.conf"
		fi
	} >"$c"
}

# refresh X: one vpnrr-fetch --once in node X's namespace.
refresh() {
	rc=0
	inns "$1" timeout 60 "$F" -c "$TMP/$1.conf" --once \
		>"$TMP/$1.out" 2>"$TMP/$1.log" || rc=$?
	[ $rc -eq 0 ] || fail "vpnrr-fetch on $1 exited $rc" "$TMP/$1.log"
}

# dump X: node X's peers, "KEY ENDPOINT ALLOWED HANDSHAKE" per line.
dump() {
	inns "$1" wg show "$P$1" dump | tail -n +2 | cut -f1,3,4,5 | sort
}
key() { cat "$TMP/keys/$1.wgpub"; }
peer_line() { dump "$1" | grep -F "$(key "$2")" || :; }
handshake() { peer_line "$1" "$2" | cut -f4; }

for x in $NODES; do conf $x; done
# The secnet node's main configuration, as its operator writes it once.
"$F" -c "$TMP/c.conf" --init-secnet --local-address 10.13.0.2 \
	--secnet-address 10.13.0.1 --port 4500 --remote-networks 10.0.0.0/8 \
	--private-key "$ZE/keys/beta.secnet" >"$TMP/init.log" 2>&1 ||
	fail "vpnrr-fetch --init-secnet on c" "$TMP/init.log"
# A wg that fails (as if killed), for b's first refresh and later a's.
mkdir -p "$TMP/badwg"
printf '#!/bin/sh\necho "interrupted" >&2\nexit 1\n' >"$TMP/badwg/wg"
chmod +x "$TMP/badwg/wg"
# b's first refresh with it: the WireGuard sync fails and stays owed, but
# secnet's files, keys and restart, another consumer's, go ahead.
rc=0
inns b env PATH="$TMP/badwg:$PATH" timeout 60 "$F" -c "$TMP/b.conf" --once \
	>"$TMP/b.out" 2>"$TMP/b.log" || rc=$?
[ $rc -ne 0 ] || fail "b: a failing wg went unnoticed" "$TMP/b.log"
grep -q "interrupted; that sync is owed" "$TMP/b.log" ||
	fail "b: the failed sync is not reported" "$TMP/b.log"
[ -s "$TMP/b/secnet/site.example,wg,c.conf" ] && [ -e "$TMP/b/reloaded" ] ||
	fail "b: a failing wg held back secnet's files or restart" "$TMP/b.log"
[ "$(dump b | wc -l)" -eq 0 ] || fail "b: peers set although wg failed"
inns b "$F" -c "$TMP/b.conf" --status >"$TMP/b.status" 2>&1 || :
grep -q "wireguard:${P}b" "$TMP/b.status" ||
	fail "b: the sync is not owed" "$TMP/b.status"
rm "$TMP/b/reloaded"
for x in $NODES; do refresh $x; done
[ ! -e "$TMP/b/reloaded" ] || fail "b: restarted again for a sync alone"
echo "wireguard: a failing wg sync held back nothing else"

# Peers: every WireGuard site but the node itself; c (secnet only) never.
for x in a b d; do
	npeers=$(dump $x | wc -l)
	[ "$npeers" -eq 2 ] || fail "node $x has $npeers peers, not 2"
	dump $x | grep -qF "$(key $x)" && fail "node $x is its own peer"
	grep -q '^PublicKey' "$TMP/$x/peers.conf" ||
		fail "node $x: no peers file" "$TMP/$x/peers.conf"
done
peer_line a b | grep -q "\[fd99::2\]:51820" || fail "a: b's IPv6 endpoint"
# b routes a's networks for the secnet sites, but to a WireGuard node
# that reaches a directly the direct route wins.
peer_line d b | cut -f3 | grep -q '10.15.0.0/24' || fail "d: b's gateway net" "$TMP/d/peers.conf" "$TMP/d.log"
peer_line d b | cut -f3 | grep -q '10.11.0.0/24' &&
	fail "d: a's net routed to b, not a"
peer_line d a | cut -f3 | grep -q 'fd00:11::/64' || fail "d: a's IPv6 net"

# The secnet node: b with its gateway networks (IPv4 only), a and d absent.
S=$TMP/c/secnet
grep -q '"10.12.0.0/24","10.11.0.0/24","10.15.0.0/24"' "$S"/site.example,wg,b.conf ||
	fail "c: b's secnet routes" "$S"/site.example,wg,b.conf
[ ! -e "$S"/site.example,wg,a.conf ] && [ ! -e "$S"/site.example,wg,d.conf ] ||
	fail "c: a WireGuard-only site in secnet's output"
grep -q 'IPv6 gateway network fd00:11::/64 not given to secnet' "$TMP/c.log" ||
	fail "c: no notice for the IPv6 gateway network" "$TMP/c.log"
# secnet itself takes the whole configuration, gateway routes included.
secnet -j -c "$TMP/c/secnet.conf" >"$TMP/secnet-j.log" 2>&1 ||
	fail "c: secnet -j refuses the configuration" "$TMP/secnet-j.log" \
		"$TMP/c/secnet.conf" "$S"/site.example,wg,b.conf

# ---- the tunnels ---------------------------------------------------------
ping_ok() {
	from=$1 to=$2
	k=0
	until inns "$from" ping -c 1 -W 1 "$to" >/dev/null 2>&1; do
		k=$((k + 1))
		[ $k -lt 10 ] || fail "ping $from -> $to"
	done
}
ping_ok d 10.11.0.1           # d roams: it makes contact first
ping_ok d 10.12.0.1
ping_ok a 10.12.0.1
ping_ok a fd00:12::1
ping_ok b fd00:11::1
echo "wireguard: IPv4 and IPv6 pings through the tunnels"

# ---- a key change touches only that peer ---------------------------------
hs_a_b=$(handshake a b) hs_b_a=$(handshake b a)
[ "$hs_a_b" != 0 ] && [ "$hs_b_a" != 0 ] || fail "no handshake a-b"
line_a_b=$(peer_line a b)
inns d wg set "${P}d" private-key "$TMP/keys/d2.wg"
DKEY=d2 SERIAL=2 RSERIAL=200
publish
refresh a
refresh b
for x in a b; do
	[ -z "$(peer_line $x d)" ] || fail "$x: d's old key is still a peer"
	[ -n "$(peer_line $x d2)" ] || fail "$x: d's new key is no peer"
done
[ "$(peer_line a b)" = "$line_a_b" ] || fail "a: peer b touched by d's key change"
[ "$(handshake b a)" = "$hs_b_a" ] || fail "b: peer a touched by d's key change"
refresh d
ping_ok d 10.11.0.1
ping_ok d fd00:12::1
echo "wireguard: a key change replaced only that peer"

# ---- an endpoint move touches only that peer -----------------------------
hs_b_d=$(handshake b d2) hs_d_b=$(handshake d b)
[ "$hs_b_d" != 0 ] || fail "no handshake b-d"
inns a ip addr del 10.99.0.1/24 dev eth0
inns a ip addr add 10.99.0.11/24 dev eth0
AEP=10.99.0.11 RSERIAL=300
publish
refresh b
refresh d
peer_line b a | cut -f2 | grep -qx '10.99.0.11:51820' ||
	fail "b: a's endpoint did not move"
[ "$(handshake b d2)" = "$hs_b_d" ] || fail "b: peer d touched by a's move"
[ "$(handshake d b)" = "$hs_d_b" ] || fail "d: peer b touched by a's move"
ping_ok b 10.11.0.1
echo "wireguard: an endpoint move changed only that peer"

# ---- an unchanged refresh changes nothing --------------------------------
before=$(dump b)
refresh b
[ "$(dump b)" = "$before" ] || fail "b: an unchanged refresh changed peers"

# ---- a revocation removes the peer ---------------------------------------
"$V" revoke "$ZE/admin" wg/d >"$TMP/revoke.log" 2>&1 ||
	fail "vpnrr revoke" "$TMP/revoke.log"
RSERIAL=400
publish
# A refresh whose sync is interrupted (wg fails, as if killed) leaves the
# sync owed in the journal: the next run, with nothing new in DNS, still
# finishes it.
rc=0
inns a env PATH="$TMP/badwg:$PATH" timeout 60 "$F" -c "$TMP/a.conf" --once \
	>"$TMP/a.out" 2>"$TMP/a.log" || rc=$?
[ $rc -ne 0 ] || fail "a: a failing wg went unnoticed" "$TMP/a.log"
[ -n "$(peer_line a d2)" ] || fail "a: peer removed although wg failed"
refresh a
refresh b
for x in a b; do
	[ -z "$(peer_line $x d2)" ] || fail "$x: revoked d is still a peer"
	[ "$(dump $x | wc -l)" -eq 1 ] || fail "$x: peers after the revocation"
done
grep -q 'example/wg/d' "$TMP/a/peers.conf" && fail "a: d in the peers file"
ping_ok a 10.12.0.1
echo "wireguard: a revocation removed the peer"
