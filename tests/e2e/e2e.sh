#!/bin/bash
# tests/e2e/e2e.sh VPNRR VPNRR_FETCH E2EDIR SRCROOT
#
# End-to-end test of vpnrr: real secnet daemons carry real packets with
# configuration that came only from DNS.  See tests/e2e/README.md.
#
#   hub namespace: a bridge (192.0.2.53/24, 2001:db8::53/64) and NSD
#     serving the admin zone vpn.example.org and the three site zones
#   alpha  (london/alpha)  endpoint 192.0.2.11:4500      VPN 10.1.0.0/24
#   beta   (paris/beta)    endpoint [2001:db8::12]:4500  VPN 10.2.0.0/24
#   gamma  (mobile/gamma)  mobile                        VPN 10.3.0.0/24
#   delta  (berlin/delta)  endpoint 192.0.2.14:4500      VPN 10.4.0.0/24
#          a member whose owner turns hostile; no node of ours runs it
#
# Each node namespace (alpha, beta, gamma) holds a veth to the hub's
# bridge, a vpnrr-fetch configuration, a hand-written secnet.conf that
# includes what the fetcher writes, and secnet with its tun interface
# vpn0 (host address 10.N.0.2, secnet's address 10.N.0.1), started and
# restarted only by the fetcher's reload command, the shipped
# fetcher/vpnrr-secnet-restart PIDFILE CONFIG (secnet detached, writing
# its own pid file and log).
#
# Scenarios (E2E_SCENARIOS, default all, in this order): baseline
# rollover hostile move revoke.  E2E_KEEP=1 keeps the temporary directory.
set -u

vpnrr=$(realpath "$1")
fetch=$(realpath "$2")
e2edir=$(cd "$3" && pwd)
srcroot=$(cd "$4" && pwd)
. "$e2edir/lib.sh"

scenarios=${E2E_SCENARIOS:-baseline rollover hostile move revoke}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

e2e_require nsd nsd-control dig python3 openssl
e2e_init "${E2E_DEADLINE:-330}"
T=$E2E_T
# SECNET=PATH tests another secnet binary (the restart script and the
# fetchers' `secnet -j` check run $SECNET).
export SECNET=${SECNET:-$(command -v secnet)}
say "e2e: $("$SECNET" --version 2>&1 | head -n 1) ($SECNET), temporary directory $T, namespaces $E2E_PREFIX-*"

SITES="alpha beta gamma"         # the nodes: namespaces running secnet
ALL="$SITES delta"               # the members: delta runs no node here
declare -A LOC=([alpha]=london [beta]=paris [gamma]=mobile [delta]=berlin)
declare -A IDX=([alpha]=1 [beta]=2 [gamma]=3 [delta]=4)
declare -A EP=([alpha]="address 192.0.2.11 4500"
	       [beta]="address [2001:db8::12] 4500"
	       [gamma]="mobile"
	       [delta]="address 192.0.2.14 4500")
declare -A RESOLVERS=([alpha]="192.0.2.53" [beta]="[2001:db8::53]:53"
		      [gamma]="[2001:db8::53]:53 192.0.2.53")
# secnet's usual Diffie-Hellman group (as in zone-examples/).
DH="8db5f2c15ac96d9f3382d1ef4688fba14dc7908ae7dfd71a9cfe7f479a75d506dc53f159aeaf488bde073fe544bc91c099f101fcf60074f30c06e36263c03ca9e07931ce3fc235fe1171dc6d9316fb097bd4362891e2c36e234e7c16b038fd97b1f165c710e90537de66ee4f54001f5712b050d4e07de3fba07607b19b64f6c3 2"
# Short secnet timers, carried in the site records, so that key
# exchanges happen every few seconds.
KEY_LIFETIME=15000
RENEGOTIATE=5000
ZSERIAL=$(date +%s)
RSERIAL=100

vname() { echo "e2e/${LOC[$1]}/$1"; }           # secnet site name
mangled() { echo "e2e,${LOC[$1]},$1"; }         # file name part
host() { echo "10.${IDX[$1]}.0.2"; }              # private address
ndir() { echo "$T/node/$1"; }

E2E_LOGS=("$T/nsd/nsd.log" "$T/node/*/secnet.log" "$T/node/*/fetch-*.log"
	  "$T/publish.log")

# ---- fixtures: keys, site descriptions, admin ---------------------------
fixtures() {
	local s k
	mkdir -p "$T/keys" "$T/sites" "$T/zones" "$T/admin" "$T/nsd"
	for s in $ALL; do
		# The sites' existing secnet rsa1 keys (zone-examples/keys).
		k=$s; [ "$s" = delta ] && k=delta-old
		cp "$srcroot/zone-examples/keys/$k.secnet" "$T/keys/$s.secnet"
		cp "$srcroot/zone-examples/keys/$k.pubkey" "$T/keys/$s.pubkey"
		"$vpnrr" keygen "$T/keys/$s.rec.key" > "$T/keys/$s.rec.pub" ||
			die "vpnrr keygen $s"
	done
	# delta's hostile key: a real rsa1 key pair, but of 64 bits (two
	# 32-bit primes), which secnet cannot sign a 64-byte hash with.
	"$PY" -c 'import random
def prime(bits):
    while True:
        n = random.getrandbits(bits) | (1 << (bits - 1)) | 1
        if all(pow(a, n - 1, n) == 1 for a in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)):
            return n
while True:
    p, q = prime(32), prime(32)
    n = p * q
    if p != q and n.bit_length() == 64 and (p - 1) % 65537 and (q - 1) % 65537:
        break
print("pubkey 64 65537 %d" % n)' > "$T/keys/delta-tiny.pubkey" || die "delta's tiny key"
	# alpha's next secnet key, for the rollover.
	(cd "$T/keys" && "$PY" "$srcroot/zone-examples/keys/mkrsa.py" alpha-new) \
		>> "$T/publish.log" 2>&1 || die "mkrsa.py alpha-new"
	chmod 600 "$T"/keys/*.secnet

	"$vpnrr" keygen "$T/admin/anchor.key" > "$T/anchor.pub" ||
		die "vpnrr keygen anchor"
	cat > "$T/admin/vpnrr.conf" <<EOF
vpn e2e
zone vpn.example.org
restrict-nets 10.0.0.0/8
anchor-key anchor.key
member-lifetime 2d
head-lifetime 2d
ttl 60
soa ns1.vpn.example.org hostmaster.vpn.example.org
ns ns1.vpn.example.org
glue ns1.vpn.example.org 192.0.2.53
output $T/zones/vpn.example.org.zone
types both
EOF
}

# write_site SITE SERIAL GROUP PUBKEYFILE ENDPOINT: the site description.
# The timers are KEY_LIFETIME and RENEGOTIATE (a caller may make them
# local to change them).
write_site() {
	local s=$1
	RSERIAL=$((RSERIAL + 1))
	cat > "$T/sites/$s.site" <<EOF
# site ${LOC[$s]}/$s, written by tests/e2e/e2e.sh
vpn e2e
site ${LOC[$s]}/$s
publish _vpnrr.$s.example.net
$5
networks 10.${IDX[$s]}.0.0/24
peer 10.${IDX[$s]}.0.1
serial $2
pkg $3
$(cat "$4")
contact ops@$s.example.net
dh $DH
hash sha1
key-lifetime $KEY_LIFETIME
renegotiate-time $RENEGOTIATE
setup-timeout 1000
setup-retries 5
wait-time 2000
lifetime 2d
record-serial $RSERIAL
EOF
}

# sign_site SITE: sign the description and write the site's zone file.
sign_site() {
	"$vpnrr" sign -k "$T/keys/$1.rec.key" -o "$T/sites/$1.rec" \
		"$T/sites/$1.site" >> "$T/publish.log" 2>&1 || die "vpnrr sign $1"
	zone_site "$1" "$T/sites/$1.rec"
}

# zone_site SITE RECFILE: the site's zone file serving the signed
# record RECFILE, with a new SOA serial.
zone_site() {
	local s=$1 z="$T/zones/$1.example.net.zone"
	ZSERIAL=$((ZSERIAL + 1))
	{
		printf '$ORIGIN %s.example.net.\n$TTL 60\n' "$s"
		printf '@\tSOA\tns1.vpn.example.org. hostmaster.%s.example.net. %s 3600 900 1209600 60\n' \
			"$s" "$ZSERIAL"
		printf '@\tNS\tns1.vpn.example.org.\n'
		"$vpnrr" zone --ttl 60 "$2"
	} > "$z.tmp" || die "vpnrr zone $s"
	mv "$z.tmp" "$z"
}

enrol() {
	local s
	for s in $ALL; do
		write_site "$s" 00000001 00000001 "$T/keys/$s.pubkey" "${EP[$s]}"
		"$vpnrr" request -k "$T/keys/$s.rec.key" -o "$T/sites/$s.req" \
			"$T/sites/$s.site" >> "$T/publish.log" 2>&1 ||
			die "vpnrr request $s"
		"$vpnrr" admit "$T/admin" "$T/sites/$s.req" >> "$T/publish.log" 2>&1 ||
			die "vpnrr admit $s"
		sign_site "$s"
	done
	"$vpnrr" index "$T/admin" >> "$T/publish.log" 2>&1 || die "vpnrr index"
	"$vpnrr" verify --anchor "$T/anchor.pub" "$T"/zones/*.zone \
		> "$T/verify.out" 2>&1 || { cat "$T/verify.out"; die "vpnrr verify"; }
}

# ---- the network ----------------------------------------------------------
network() {
	local s h=$E2E_PREFIX-hub
	netns_add hub
	ip -n "$h" link add br0 type bridge || die "bridge"
	ip -n "$h" addr add 192.0.2.53/24 dev br0
	ip -n "$h" addr add 2001:db8::53/64 dev br0 nodad
	ip -n "$h" link set br0 up
	for s in $SITES; do
		local ns=$E2E_PREFIX-$s i=$((10 + IDX[$s]))
		netns_add "$s"
		ip -n "$h" link add "v$s" type veth peer name eth0 netns "$ns" ||
			die "veth $s"
		ip -n "$h" link set "v$s" master br0 up
		ip -n "$ns" addr add "192.0.2.$i/24" dev eth0
		ip -n "$ns" addr add "2001:db8::$i/64" dev eth0 nodad
		ip -n "$ns" link set eth0 up
	done
	for s in $SITES; do
		poll 50 0.1 nsx "$s" ping -c 1 -W 1 -q 192.0.2.53 >/dev/null ||
			die "$s cannot reach the hub over IPv4"
		poll 50 0.1 nsx "$s" ping -6 -c 1 -W 1 -q 2001:db8::53 >/dev/null ||
			die "$s cannot reach the hub over IPv6"
	done
}

# ---- NSD in the hub -------------------------------------------------------
nsd_start() {
	local z d=$T/nsd
	{
		printf 'server:\n  ip-address: 192.0.2.53\n  ip-address: 2001:db8::53\n'
		printf '  port: 53\n  username: ""\n  chroot: ""\n'
		printf '  zonesdir: "%s"\n  pidfile: "%s/nsd.pid"\n' "$d" "$d"
		printf '  database: ""\n  zonelistfile: "%s/zone.list"\n' "$d"
		printf '  xfrdfile: "%s/xfrd.state"\n  xfrdir: "%s"\n' "$d" "$d"
		printf '  logfile: "%s/nsd.log"\n  verbosity: 1\n' "$d"
		printf '  server-count: 1\n  tcp-count: 20\n'
		printf 'remote-control:\n  control-enable: yes\n'
		printf '  control-interface: "%s/nsd.ctl"\n' "$d"
		for z in "$T"/zones/*.zone; do
			printf 'zone:\n  name: "%s"\n  zonefile: "%s"\n' \
				"$(basename "$z" .zone)" "$z"
		done
	} > "$d/nsd.conf"
	nsx hub nsd -d -c "$d/nsd.conf" > "$d/nsd.out" 2>&1 &
	e2e_track $!
	poll 100 0.1 soa_is vpn.example.org '' ||
		die "NSD does not answer"
}

# soa_is ZONE SERIAL: the hub's NSD serves ZONE with that SOA serial
# (any serial when empty); asked from alpha's namespace, over the veth.
soa_is() {
	local got
	got=$(nsx alpha dig +short +time=1 +tries=1 @192.0.2.53 SOA "$1" 2>/dev/null |
		awk '{ print $3 }')
	[ -n "$got" ] && { [ -z "$2" ] || [ "$got" = "$2" ]; }
}

# nsd_reload ZONE SERIAL: make NSD load the new zone file; returns when
# NSD serves it (the moment of publication).
nsd_reload() {
	nsx hub nsd-control -c "$T/nsd/nsd.conf" reload "$1" >> "$T/publish.log" 2>&1 ||
		die "nsd-control reload $1"
	poll 100 0.1 soa_is "$1" "$2" || die "NSD does not serve $1 serial $2"
}

zone_serial() { awk '$3 == "SOA" || $4 == "SOA" { for (i = 1; i <= NF; i++) if ($i == "SOA") { print $(i + 3); exit } }' "$1"; }

# ---- nodes ----------------------------------------------------------------
node_setup() {
	local s=$1 d r
	d=$(ndir "$s")
	mkdir -p "$d/priv" "$d/secnet" "$d/pubkeys"
	# secnet's priv-cache: the private key for group 00000001 (key id =
	# group + algorithm id 00 for rsa1).
	cp "$T/keys/$s.secnet" "$d/priv/priv.0000000100"
	chmod 600 "$d/priv/priv.0000000100"
	{
		echo "# vpnrr-fetch configuration of node $s (tests/e2e)"
		echo "vpn e2e"
		echo "zone vpn.example.org"
		echo "anchor $(cat "$T/anchor.pub")"
		echo "restrict-nets 10.0.0.0/8"
		for r in ${RESOLVERS[$s]}; do echo "resolver $r"; done
		echo "timeout 1s"
		echo "attempts 3"
		echo "state-dir $d/state"
		echo "output secnet $d/secnet"
		echo "output peer-keys $d/pubkeys"
		echo "output json $d/vpn.json"
		# The VPN's dh and hash once in sites.conf, as the sites carry
		# them: the tunnels run on the shared closure.
		echo "secnet-dh $DH"
		echo "secnet-hash sha1"
		# The shipped restart script, for a secnet with a pid file.
		# The line in reloads.log tells the test it ran; secnet gets a
		# file size limit and glibc's usual heap (see node.sh).
		echo "reload-command \"echo restart >> $d/reloads.log; ulimit -f 102400; unset MALLOC_PERTURB_; exec /bin/sh $srcroot/fetcher/vpnrr-secnet-restart $d/secnet.pid $d/secnet.conf\""
		# Every candidate configuration is checked by this secnet.
		echo "secnet-config $d/secnet.conf"
		echo "secnet-check-command \"$SECNET -j -c\""
		echo "peer-keys-wait 20s"
		echo "local-site ${LOC[$s]}/$s"
	} > "$d/fetch.conf"
	{
		echo "# secnet.conf of node $s, hand-written (tests/e2e); the sites come"
		echo "# from vpnrr-fetch ($d/secnet/sites.conf)."
		echo "system {"
		echo "	pidfile \"$d/secnet.pid\";"
		echo "};"
		echo "log logfile {"
		echo "	filename \"$d/secnet.log\";"
		echo "	class \"info\",\"notice\",\"warning\",\"error\",\"security\",\"fatal\";"
		echo "};"
		echo "netlink tun {"
		echo "	name \"tun-$s\";"
		echo "	interface \"vpn0\";"
		echo "	local-address \"$(host "$s")\";"
		echo "	secnet-address \"10.${IDX[$s]}.0.1\";"
		echo "	remote-networks \"10.0.0.0/8\";"
		echo "	mtu 1400;"
		echo "	buffer sysbuffer(2048);"
		echo "};"
		echo "comm udp {"
		echo "	port 4500;"
		echo "	buffer sysbuffer(4096);"
		echo "};"
		echo "local-name \"$(vname "$s")\";"
		echo "key-cache priv-cache({ privkeys \"$d/priv/priv.\"; });"
		echo "resolver adns { };"
		echo "random randomfile(\"/dev/urandom\",no);"
		echo "transform eax-serpent { }, serpent256-cbc { };"
		echo "log-events \"default\",\"state-change\",\"peer-addrs\";"
		echo "keepalive True;"
		[ "$s" = gamma ] && echo "local-mobile True;"
		echo "include $d/secnet/sites.conf"
		echo "sites map(site,all-sites);"
	} > "$d/secnet.conf"
	: > "$d/reloads.log"
}

FETCH_ROUND=0
# fetch_start SITE...: vpnrr-fetch --once in each site's namespace, in
# the background; fetch_wait waits for them (bounded) and checks them.
declare -A FETCH_PID=()
FETCH_T0=
fetch_start() {
	local s d
	FETCH_ROUND=$((FETCH_ROUND + 1))
	FETCH_T0=$(now)
	for s in "$@"; do
		d=$(ndir "$s")
		nsx "$s" timeout 90 "$fetch" -c "$d/fetch.conf" --once --json -v \
			> "$d/fetch-$FETCH_ROUND.json" 2> "$d/fetch-$FETCH_ROUND.log" &
		FETCH_PID[$s]=$!
		e2e_track $!
	done
}
# FETCH_RC is the exit status expected (0 unless the caller sets it).
fetch_wait() {
	local s rc
	for s in "$@"; do
		wait "${FETCH_PID[$s]}"
		rc=$?
		[ $rc = "${FETCH_RC:-0}" ] ||
			die "vpnrr-fetch on $s: exit $rc, expected ${FETCH_RC:-0} (round $FETCH_ROUND)"
	done
	log "fetch round $FETCH_ROUND ($*): done after $(since "$FETCH_T0") s"
}
# fj SITE EXPR: a value from SITE's last fetch report.
fj() {
	"$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"r": r}))' \
		"$(ndir "$1")/fetch-$FETCH_ROUND.json" "$2"
}

spid() { cat "$(ndir "$1")/secnet.pid" 2>/dev/null; }

# by_script SITE: SITE's running secnet (PID in its pid file) was started
# by vpnrr-secnet-restart as its reload command: detached (a session
# leader, as secnet makes itself when it forks into the background),
# writing its own pid file and its log file, and holding no file of the
# fetcher's (state store, lock, log) open.
by_script() {
	local d p sid f t
	d=$(ndir "$1"); p=$(spid "$1")
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null || die "$1: no secnet running (pid file: '$p')"
	sid=$(ps -o sid= -p "$p" | tr -d ' ')
	[ "$sid" = "$p" ] || die "$1: secnet $p is not detached (session $sid)"
	grep -q "\[$p\]: starting" "$d/secnet.log" ||
		die "$1: secnet $p did not log its start to its log file"
	for f in "/proc/$p/fd"/*; do
		t=$(readlink "$f") || continue
		case $t in
		"$d/state"* | "$d/fetch-"*) die "$1: secnet $p holds the fetcher's $t open" ;;
		esac
	done
}
reloads() { wc -l < "$(ndir "$1")/reloads.log"; }
secnet_alive() { local p; p=$(spid "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
logsize() { stat -c %s "$(ndir "$1")/secnet.log" 2>/dev/null || echo 0; }
# logsince SITE OFFSET: SITE's secnet log after byte OFFSET.
logsince() { tail -c +$(($2 + 1)) "$(ndir "$1")/secnet.log" 2>/dev/null; }

# ping_ok FROM TO: one ping from FROM's private address to TO's.
ping_ok() {
	nsx "$1" ping -c 1 -W 1 -q -I "$(host "$1")" "$(host "$2")" >/dev/null 2>&1
}
# wait_ping FROM TO SECONDS
wait_ping() {
	local end=$(( $(date +%s) + $3 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		ping_ok "$1" "$2" && return 0
		sleep 0.2
	done
	return 1
}
# all_pairs SITES SECONDS: every ordered pair pings (each bounded).
all_pairs() {
	local a b
	for a in $1; do
		for b in $1; do
			[ "$a" = "$b" ] && continue
			wait_ping "$a" "$b" "$2" || die "no ping from $a ($(host "$a")) to $b ($(host "$b"))"
		done
	done
}

# Background traffic (1 ping/s between every pair) keeps the tunnels
# busy, so secnet renegotiates (renegotiate-time) as it would in use.
traffic_start() {
	local a b
	for a in $1; do
		for b in $1; do
			[ "$a" = "$b" ] && continue
			nsx "$a" ping -q -i 1 -W 1 -w 600 -I "$(host "$a")" "$(host "$b")" \
				>/dev/null 2>&1 &
			e2e_track $!
			TRAFFIC+=($!)
		done
	done
}
TRAFFIC=()
traffic_stop() {
	local p
	for p in "${TRAFFIC[@]}"; do e2e_kill_pid "$p"; done
	TRAFFIC=()
}

FIGURES=()
figure() { FIGURES+=("$*"); say "FIGURE: $*"; }

# ---- scenario: baseline ---------------------------------------------------
scenario_baseline() {
	local s t0
	log "baseline: first refresh on every node (the reload command starts secnet)"
	t0=$(now)
	fetch_start $SITES
	fetch_wait $SITES
	for s in $SITES; do
		secnet_alive "$s" || die "secnet of $s is not running"
		by_script "$s"
		[ "$(reloads "$s")" = 1 ] || die "$s: reload command ran $(reloads "$s") times"
		[ "$(fj "$s" 'r["sites"]["in_view"]')" = 4 ] ||
			die "$s: fetcher does not see 4 sites"
		checked "$s"
		[ -f "$(ndir "$s")/secnet/sites.conf" ] || die "$s: no sites.conf"
	done
	log "baseline: secnet runs on every node; pinging every pair"
	all_pairs "$SITES" 40
	figure "baseline: first refresh to every pair pinging: $(since "$t0") s"
	# An unchanged refresh writes nothing and reloads nothing.
	fetch_start $SITES
	fetch_wait $SITES
	for s in $SITES; do
		[ "$(fj "$s" 'r["files"]["written"]')" = 0 ] &&
		[ "$(fj "$s" 'r["secnet"]["reloads"]')" = 0 ] ||
			die "$s: an unchanged refresh wrote files or reloaded"
	done
	log "baseline: an unchanged refresh wrote nothing"
}

# checked SITE: SITE's last refresh checked its candidate configuration
# with `secnet -j` (secnet-config) and the check passed.
checked() {
	[ "$(fj "$1" 'r["check"]["runs"]')" -ge 1 ] &&
	[ "$(fj "$1" 'r["check"]["failed"]')" = False ] ||
		die "$1: the candidate was not checked by secnet -j (check: $(fj "$1" 'r["check"]'))"
}

# Snapshot of every node before a scenario: secnet PID, reload count and
# log size.
declare -A PID0=() REL0=() OFF0=()
snapshot() {
	local s
	for s in $SITES; do
		PID0[$s]=$(spid "$s"); REL0[$s]=$(reloads "$s"); OFF0[$s]=$(logsize "$s")
	done
}

# new_key_traffic PEER SITE KEYID SECONDS: waits until PEER's secnet has
# verified SITE's signature with key KEYID in a key exchange and then
# passes a ping to SITE (traffic on the session that exchange made).
new_key_traffic() {
	local p=$1 s=$2 kid=$3 end=$(( $(date +%s) + $4 )) pat
	pat="<->$(vname "$s"): verified peer signature with key #[0-9]* $kid"
	while [ "$(date +%s)" -lt "$end" ]; do
		if logsince "$p" "${OFF0[$p]}" | grep -q -- "$pat"; then
			wait_ping "$p" "$s" $(( end - $(date +%s) + 1 )) && return 0
			return 1
		fi
		sleep 0.2
	done
	return 1
}

# ---- scenario: key rollover -------------------------------------------------
# alpha publishes key set serial 00000002 with only its new key (group
# 00000002); the old key (group 00000001) is withdrawn.  alpha's secnet
# finds the new private key in its priv-cache (put there before the
# publication) when a peer asks for key 0000000200.
scenario_rollover() {
	local s p t0 adopted=0 who=() how d newkid=0000000200 oldkid=0000000100
	traffic_start "$SITES"
	snapshot
	d=$(ndir alpha)
	cp "$T/keys/alpha-new.secnet" "$d/priv/priv.$newkid"
	chmod 600 "$d/priv/priv.$newkid"
	write_site alpha 00000002 00000002 "$T/keys/alpha-new.pubkey" "${EP[alpha]}"
	sign_site alpha
	nsd_reload alpha.example.net "$ZSERIAL"
	t0=$(now)
	log "rollover: alpha's key set 00000002 (new key only) published"
	fetch_start $SITES
	for p in beta gamma; do
		new_key_traffic "$p" alpha "$newkid" 60 ||
			die "rollover: $p never passed traffic on alpha's new key"
		figure "rollover: publication to traffic $p->alpha on the new key: $(since "$t0") s"
	done
	fetch_wait $SITES
	# Which path did each node take?  Adopted: same PID, no reload.
	# Otherwise the fetcher must have restarted that node's secnet.
	for s in $SITES; do
		local ad di to rl inst
		ad=$(fj "$s" 'r["secnet"]["keys_adopted"]')
		di=$(fj "$s" 'r["secnet"]["keys_discarded"]')
		to=$(fj "$s" 'r["secnet"]["keys_timeout"]')
		rl=$(fj "$s" 'r["secnet"]["reloads"]')
		if [ "$rl" = 0 ]; then
			[ "$(spid "$s")" = "${PID0[$s]}" ] && [ "$(reloads "$s")" = "${REL0[$s]}" ] ||
				die "rollover: $s reports no reload but its secnet was restarted"
			inst=$(fj "$s" 'r["secnet"]["keys_installed"]')
			if [ "$s" = alpha ] && [ "$ad" = 0 ]; then
				# Its own key set: secnet never reads it, so the
				# fetcher installs it at once, no watch, no reload.
				[ "$inst" -ge 1 ] || die "rollover: alpha's own key set was not installed (installed=$inst)"
				how="own key set installed directly (PID ${PID0[$s]} kept, no reload command)"
			else
				[ "$ad" -ge 1 ] || die "rollover: $s: no adoption and no reload (adopted=$ad)"
				adopted=$((adopted + 1)); how="adopted without restart (PID ${PID0[$s]} kept, no reload command)"
			fi
		else
			[ "$(spid "$s")" != "${PID0[$s]}" ] && [ "$(reloads "$s")" -gt "${REL0[$s]}" ] ||
				die "rollover: $s reports a reload but its secnet was not restarted"
			[ "$s" != alpha ] ||
				die "rollover: alpha's secnet was restarted for its own key set, which secnet never reads"
			by_script "$s"
			how="restarted by the reload command (PID ${PID0[$s]} -> $(spid "$s"); fetcher: discarded=$di timeout=$to)"
		fi
		secnet_alive "$s" || die "rollover: secnet of $s not running"
		who+=("$s: $how")
		log "rollover: $s $how"
	done
	# The old key is withdrawn: every peer's live peer-keys file holds the
	# new group only, nothing is left pending, and once a peer verified
	# the new key it never verified the old one again.
	for p in beta gamma; do
		local f
		f="$(ndir "$p")/pubkeys/peer.$(mangled alpha)"
		grep -q '^pkg 00000002$' "$f" && ! grep -q 00000001 "$f" ||
			die "rollover: $p's live peer-keys file for alpha: $(cat "$f")"
		[ ! -e "$f~update" ] && [ ! -e "$f~proc" ] ||
			die "rollover: $p: a peer-keys update for alpha is still pending"
		new_key_traffic "$p" alpha "$newkid" 30 || die "rollover: $p -> alpha after the refresh"
		logsince "$p" "${OFF0[$p]}" | awk -v new="$newkid" -v old="$oldkid" \
			-v site="<->$(vname alpha):" '
			index($0, site) && /verified peer signature/ {
				if (index($0, new)) seen = 1
				else if (index($0, old) && seen) bad = 1
			}
			END { exit bad }' ||
			die "rollover: $p verified alpha's old key after the new one"
	done
	logsince alpha "${OFF0[alpha]}" | grep -q "using private key #[0-9]* $newkid" ||
		die "rollover: alpha never signed with its new key"
	all_pairs "$SITES" 30
	figure "rollover: $adopted of 2 peer nodes adopted the new keys without a restart"
	for s in "${who[@]}"; do figure "rollover:   $s"; done
	traffic_stop
}

# ---- scenario: hostile site owner -------------------------------------------
# delta's owner (a member; none of the tunnels between our three nodes
# runs through it) signs, with its own valid record key, a record with a
# 64-bit rsa1 key and renegotiate-time >= key-lifetime: values secnet
# would die of or misbehave with.  Every node must refuse that record
# (consumer-rule), keep delta's last good configuration byte for byte,
# run no reload and keep every tunnel up.  Then the owner serves its
# last good record again and the nodes are quiet: nothing written, no
# restart.

# node_sums SITE: checksums of everything the fetcher wrote for secnet.
node_sums() {
	(cd "$(ndir "$1")" && find secnet pubkeys -type f | LC_ALL=C sort | xargs sha256sum)
}

# hostile_round KL RT WHAT MESSAGE: delta publishes its 64-bit key with
# key-lifetime KL and renegotiate-time RT; every node must refuse it
# with MESSAGE (a glob) and change nothing.
hostile_round() {
	local s p st err
	(
		KEY_LIFETIME=$1 RENEGOTIATE=$2
		write_site delta 00000002 00000002 "$T/keys/delta-tiny.pubkey" "${EP[delta]}"
	)
	RSERIAL=$((RSERIAL + 1))    # write_site ran in a subshell
	grep -q '^pubkey 64 65537 ' "$T/sites/delta.site" &&
		grep -q "^key-lifetime $1\$" "$T/sites/delta.site" &&
		grep -q "^renegotiate-time $2\$" "$T/sites/delta.site" ||
		die "hostile: delta's description: $(cat "$T/sites/delta.site")"
	sign_site delta
	nsd_reload delta.example.net "$ZSERIAL"
	log "hostile: delta publishes $3, signed with its own record key"
	fetch_start $SITES
	FETCH_RC=1 fetch_wait $SITES
	for s in $SITES; do
		st=$(fj "$s" 'r["site_status"].get("berlin/delta", {}).get("status")')
		err=$(fj "$s" 'r["site_status"].get("berlin/delta", {}).get("error")')
		[ "$st" = consumer-rule ] ||
			die "hostile: $s reports delta as $st, expected consumer-rule"
		# shellcheck disable=SC2053 # $4 is a glob
		[[ $err == $4 ]] || die "hostile: $s: message \"$err\", expected $4"
		for p in london/alpha paris/beta mobile/gamma; do
			st=$(fj "$s" "r['site_status'].get('$p', {}).get('status')")
			case $st in verified|unchanged) ;;
			*) die "hostile: $s reports $p as $st" ;;
			esac
		done
		grep -qF "site berlin/delta: rejected (consumer-rule): $err" \
			"$(ndir "$s")/fetch-$FETCH_ROUND.log" ||
			die "hostile: $s's fetcher did not log the rejection"
		[ "$(fj "$s" 'r["secnet"]["reloads"]')" = 0 ] &&
		[ "$(fj "$s" 'r["files"]["written"]')" = 0 ] &&
		[ "$(reloads "$s")" = "${REL0[$s]}" ] &&
		[ "$(spid "$s")" = "${PID0[$s]}" ] ||
			die "hostile: $s's secnet was restarted (PID ${PID0[$s]} -> $(spid "$s"))"
		secnet_alive "$s" || die "hostile: secnet of $s died"
		[ "$(node_sums "$s")" = "${SUMS[$s]}" ] ||
			die "hostile: $s's secnet files changed"
		log "hostile: $s refused it: $err; PID ${PID0[$s]} kept, files unchanged"
	done
	all_pairs "$SITES" 30
}

declare -A SUMS=()
scenario_hostile() {
	local s st good_rec t0
	traffic_start "$SITES"
	all_pairs "$SITES" 30
	snapshot
	t0=$(now)
	for s in $SITES; do
		SUMS[$s]=$(node_sums "$s")
		grep -q "renegotiate-time $RENEGOTIATE;" \
			"$(ndir "$s")/secnet/site.$(mangled delta).conf" &&
			grep -q '^pkg 00000001$' "$(ndir "$s")/pubkeys/peer.$(mangled delta)" ||
			die "hostile: $s has no good configuration of delta to keep"
	done
	good_rec="$T/sites/delta.good.rec"
	cp "$T/sites/delta.rec" "$good_rec"
	hostile_round "$KEY_LIFETIME" "$RENEGOTIATE" "a 64-bit rsa1 key" \
		"site e2e/berlin/delta: rsa1 key in group 00000002: modulus of 64 bits*"
	hostile_round 20000 20000 "a 64-bit rsa1 key and renegotiate-time = key-lifetime" \
		"site e2e/berlin/delta: renegotiate-time: 20000 ms is not below key-lifetime 20000 ms*"
	# Key exchanges go on (renegotiation every 5 s under traffic):
	# nobody dies or restarts later either.
	sleep 3
	for s in $SITES; do
		[ "$(spid "$s")" = "${PID0[$s]}" ] && secnet_alive "$s" ||
			die "hostile: secnet of $s died or was restarted afterwards"
	done
	all_pairs "$SITES" 30
	figure "hostile: delta refused (consumer-rule) by 3 of 3 nodes twice; 0 restarts; 6 of 6 pairs kept pinging ($(since "$t0") s)"

	# The owner serves its last good record again: nothing to do.
	cp "$good_rec" "$T/sites/delta.rec"
	zone_site delta "$T/sites/delta.rec"
	nsd_reload delta.example.net "$ZSERIAL"
	fetch_start $SITES
	fetch_wait $SITES
	for s in $SITES; do
		st=$(fj "$s" 'r["site_status"].get("berlin/delta", {}).get("status")')
		case $st in verified|unchanged) ;;
		*) die "hostile: after the good record is back, $s reports delta as $st" ;;
		esac
		[ "$(fj "$s" 'r["files"]["written"]')" = 0 ] &&
		[ "$(fj "$s" 'r["secnet"]["reloads"]')" = 0 ] &&
		[ "$(spid "$s")" = "${PID0[$s]}" ] ||
			die "hostile: the good record back made $s write files or restart"
	done
	log "hostile: delta's good record is back; no node wrote a file or restarted"
	traffic_stop
}

# ---- scenario: endpoint move ------------------------------------------------
# beta moves to a new IPv6 literal endpoint: the new address is added in
# its namespace, the record published, and the old address removed (the
# site has moved).  A structural change: every node's configuration
# names beta, so every fetcher runs its reload command once.
scenario_move() {
	local s t0 f
	snapshot
	ip -n "$E2E_PREFIX-beta" addr add 2001:db8::22/64 dev eth0 nodad ||
		die "move: cannot add beta's new address"
	EP[beta]="address [2001:db8::22] 4500"
	write_site beta 00000001 00000001 "$T/keys/beta.pubkey" "${EP[beta]}"
	sign_site beta
	nsd_reload beta.example.net "$ZSERIAL"
	t0=$(now)
	ip -n "$E2E_PREFIX-beta" addr del 2001:db8::12/64 dev eth0 ||
		die "move: cannot remove beta's old address"
	log "move: beta's endpoint [2001:db8::22]:4500 published, [2001:db8::12] removed"
	fetch_start $SITES
	fetch_wait $SITES
	for s in alpha gamma; do
		wait_ping "$s" beta 40 || die "move: no ping from $s to beta's new endpoint"
		figure "move: publication to traffic $s->beta at the new endpoint: $(since "$t0") s"
	done
	for s in $SITES; do
		if [ "$s" = beta ]; then
			# Its own record: secnet skips the local-name site, so
			# the fetcher installs the files without a restart.
			[ "$(fj "$s" 'r["secnet"]["reloads"]')" = 0 ] &&
			[ "$(reloads "$s")" = "${REL0[$s]}" ] &&
			[ "$(spid "$s")" = "${PID0[$s]}" ] ||
				die "move: beta's secnet was restarted for its own record"
		else
			[ "$(fj "$s" 'r["secnet"]["reloads"]')" = 1 ] &&
			[ "$(reloads "$s")" = $(( ${REL0[$s]} + 1 )) ] &&
			[ "$(spid "$s")" != "${PID0[$s]}" ] ||
				die "move: $s's fetcher did not restart its secnet exactly once"
			by_script "$s"
			checked "$s"
		fi
		secnet_alive "$s" || die "move: secnet of $s not running"
		f="$(ndir "$s")/secnet/site.$(mangled beta).conf"
		grep -q 'address "\[2001:db8::22\]"; port 4500;' "$f" &&
			! grep -q '2001:db8::12' "$f" ||
			die "move: $s's configuration of beta: $(cat "$f")"
	done
	log "move: alpha's and gamma's fetchers restarted secnet once through vpnrr-secnet-restart; beta's kept its secnet"
	logsince alpha "${OFF0[alpha]}" |
		grep -q "success transmitting IPv6 (to \[2001:db8::22\]:4500)" ||
		die "move: alpha's secnet never sent to [2001:db8::22]:4500"
	all_pairs "$SITES" 30
}

# ---- scenario: revocation ---------------------------------------------------
# The admin revokes gamma.  alpha and beta refresh and drop it; gamma (a
# compromised node, say) keeps running its old configuration and keeps
# trying, and gets nowhere.
scenario_revoke() {
	local s t0 p serial end
	snapshot
	"$vpnrr" revoke "$T/admin" mobile/gamma >> "$T/publish.log" 2>&1 || die "vpnrr revoke"
	"$vpnrr" index "$T/admin" >> "$T/publish.log" 2>&1 || die "vpnrr index"
	serial=$(zone_serial "$T/zones/vpn.example.org.zone")
	nsd_reload vpn.example.org "$serial"
	t0=$(now)
	log "revoke: gamma's membership withdrawn, admin zone serial $serial published"
	fetch_start alpha beta
	fetch_wait alpha beta
	for s in alpha beta; do
		[ "$(fj "$s" 'r["sites"]["in_view"]')" = 3 ] &&
		[ "$(fj "$s" 'r["sites"]["removed"]')" = 1 ] ||
			die "revoke: $s's fetcher still has gamma"
		[ "$(spid "$s")" != "${PID0[$s]}" ] && [ "$(reloads "$s")" = $(( ${REL0[$s]} + 1 )) ] ||
			die "revoke: $s's secnet was not restarted once"
		by_script "$s"
		checked "$s"
		secnet_alive "$s" || die "revoke: secnet of $s not running"
		[ ! -e "$(ndir "$s")/secnet/site.$(mangled gamma).conf" ] &&
		! grep -q gamma "$(ndir "$s")/secnet/sites.conf" &&
		! compgen -G "$(ndir "$s")/pubkeys/*gamma*" >/dev/null ||
			die "revoke: $s's secnet configuration still names gamma"
	done
	figure "revoke: publication to both peers running without gamma: $(since "$t0") s"
	all_pairs "alpha beta" 30
	# For 8 s (several of gamma's key exchange attempts) no packet passes
	# between gamma and its former peers.
	end=$(( $(date +%s) + 8 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		for p in alpha beta; do
			! ping_ok "$p" gamma || die "revoke: $p still reaches gamma"
			! ping_ok gamma "$p" || die "revoke: gamma still reaches $p"
		done
	done
	for p in alpha beta; do
		! logsince "$p" "${OFF0[$p]}" | sed -n '/received SIGTERM/,$p' |
			grep -q "<->$(vname gamma): new key activated" ||
			die "revoke: $p made a key with gamma after the revocation"
	done
	log "revoke: gamma is cut off (pings both ways fail), alpha<->beta still pass"
}

# ---- main -------------------------------------------------------------------
fixtures
enrol
network
nsd_start
for s in $SITES; do node_setup "$s"; done
log "setup done: 4 sites enrolled (3 nodes), NSD serving, namespaces up"

for sc in $scenarios; do
	"scenario_$sc"
done
traffic_stop
say "---- figures"
for f in "${FIGURES[@]}"; do say "  $f"; done
say "PASS: e2e ($scenarios) in $(elapsed) s"
exit 0
