# tests/lib/vpn-ab.sh - a VPN of many sites in two versions, A and B, each
# served by its own NSD on loopback, for the suites that interrupt or
# break a refresh (tests/fetcher/kill-suite.sh, local-faults.sh).  Source
# it after tests/fetcher/lib.sh (it uses V, EX, TMP, FT, fail, start_nsd).
#
#   vpn_ab_build N     sites s01..sNN; A has s01..s(N-4); B, at once:
#                      s(N-3)..sNN added, s01..s04 revoked, s05..s12 roll
#                      their rsa1 keys (new key set, higher serial),
#                      s13..s20 move (odd ones to IPv6 literals), s21 and
#                      s22 roll their keys and move; every other site
#                      unchanged.  Sets VPN_AB_CHANGES (a summary).
#   vpn_ab_serve       NSD for A (port PORT_A) and for B (PORT_B); both
#                      stopped on exit
#   vpn_ab_conf FILE PORT DIR RELOAD
#                      a vpnrr-fetch configuration: state in DIR/state,
#                      outputs under DIR/out, peer-keys-wait 0s, the
#                      reload command RELOAD
#
# Every site is published in the one zone sites.example.net
# (_vpnrr.sNN.sites.example.net), signed with its own Ed25519 key; the
# admin side is zone-examples' (anchor, vpnrr.conf).

# site_desc N VERSION: the description of site N in version A or B.
vpn_ab_site_desc() {
	n=$1 ver=$2 nn=$(printf %02d "$1")
	roll=0 move=0
	if [ "$ver" = B ]; then
		{ [ "$n" -ge 5 ] && [ "$n" -le 12 ]; } && roll=1
		{ [ "$n" -ge 13 ] && [ "$n" -le 20 ]; } && move=1
		{ [ "$n" -eq 21 ] || [ "$n" -eq 22 ]; } && roll=1 && move=1
	fi
	echo "# Site l$((n % 4))/s$nn, version $ver (tests/lib/vpn-ab.sh)"
	echo "vpn example"
	echo "site l$((n % 4))/s$nn"
	echo "publish _vpnrr.s$nn.sites.example.net"
	if [ $move -eq 0 ]; then
		echo "address 192.0.2.$n 4500"
	elif [ $((n % 2)) -eq 1 ]; then
		echo "address [2001:db8:$n::1] 4501"
	else
		echo "address 198.51.100.$n 4502"
	fi
	echo "networks 10.$n.0.0/16"
	echo "peer 10.$n.0.1"
	if [ $roll -eq 0 ]; then
		echo "serial 00000001"
		echo "pubkey $(cat "$VPN_AB_KEYS/s$nn.pubkey")"
	else
		echo "serial 00000002"
		echo "pkg 00000002"
		echo "pubkey $(cat "$VPN_AB_KEYS/s$nn-new.pubkey")"
		echo "pkgf 00000001"
		echo "pubkey $(cat "$VPN_AB_KEYS/s$nn.pubkey")"
	fi
	echo "contact ops@s$nn.sites.example.net"
	echo "dh $DH"
	echo "hash sha1"
	echo "lifetime 10y"
	# A or B: the record serial only goes up.
	if [ "$ver" = A ]; then echo "record-serial 1000"; else echo "record-serial 2000"; fi
}

# vpn_ab_zone DIR VERSION N...: DIR/sites.example.net.zone with the
# records of sites N... (signed as VERSION).
vpn_ab_sites_zone() {
	dir=$1 ver=$2
	shift 2
	{
		printf '$ORIGIN sites.example.net.\n$TTL 300\n'
		printf '@\tSOA\tns1.vpn.example.org. hostmaster.sites.example.net. 1 3600 900 1209600 300\n'
		printf '@\tNS\tns1.vpn.example.org.\n'
	} >"$dir/sites.example.net.zone"
	for n in "$@"; do
		nn=$(printf %02d "$n")
		# B keeps A's record of a site it does not change.
		if [ "$ver" = B ] && [ "$n" -gt 22 ] && [ "$n" -le $((N - 4)) ]; then
			"$V" zone --ttl 300 "$ZE/sites/s$nn.A.rec" \
				>>"$dir/sites.example.net.zone" ||
				fail "vpnrr zone s$nn (A in B)"
			continue
		fi
		vpn_ab_site_desc "$n" "$ver" >"$ZE/sites/s$nn.$ver.site"
		"$V" sign -k "$VPN_AB_KEYS/s$nn.key" -o "$ZE/sites/s$nn.$ver.rec" \
			"$ZE/sites/s$nn.$ver.site" >"$TMP/vpn-ab.log" 2>&1 ||
			fail "vpnrr sign s$nn ($ver)" "$TMP/vpn-ab.log"
		"$V" zone --ttl 300 "$ZE/sites/s$nn.$ver.rec" \
			>>"$dir/sites.example.net.zone" ||
			fail "vpnrr zone s$nn ($ver)"
	done
}

# vpn_ab_admit N: enrolment request of site N, admitted by the admin.
vpn_ab_admit() {
	nn=$(printf %02d "$1")
	vpn_ab_site_desc "$1" A >"$TMP/req.site"
	"$V" request -k "$VPN_AB_KEYS/s$nn.key" -o "$TMP/s$nn.req" \
		"$TMP/req.site" >"$TMP/vpn-ab.log" 2>&1 &&
		"$V" admit "$ZE/admin" "$TMP/s$nn.req" >"$TMP/vpn-ab.log" 2>&1 ||
		fail "enrolment of s$nn" "$TMP/vpn-ab.log"
}

vpn_ab_build() {
	N=$1
	[ "$N" -ge 26 ] || fail "vpn_ab_build: needs at least 26 sites"
	ZE=$TMP/ze VPN_AB_KEYS=$TMP/ze/keys ZA=$TMP/zA ZB=$TMP/zB
	cp -R "$EX" "$ZE"
	rm -rf "$ZE"/zones/* "$ZE"/sites/* "$ZE"/admin/members/* \
		"$ZE/admin/state" "$ZE/admin/revoked"
	mkdir -p "$ZE/zones"
	chmod 600 "$ZE"/keys/*.key "$ZE"/keys/*.secnet
	# Pages of up to 40 members fetched in both forms: 80 records at one
	# name, which the store must keep as 40 (the state once refused to
	# load them).
	sed -i 's/^page-size .*/page-size 40/' "$ZE/admin/vpnrr.conf"
	mkdir -p "$ZA" "$ZB"
	ANCHOR=$(cat "$ZE/keys/anchor.pub")
	# rsa1 keys: one per site, one more for each rollover.
	names=
	n=1
	while [ $n -le "$N" ]; do
		names="$names s$(printf %02d $n)"
		[ $n -ge 5 ] && [ $n -le 12 ] && names="$names s$(printf %02d $n)-new"
		[ $n -eq 21 ] || [ $n -eq 22 ] && names="$names s$n-new"
		"$V" keygen "$VPN_AB_KEYS/s$(printf %02d $n).key" >/dev/null ||
			fail "vpnrr keygen"
		n=$((n + 1))
	done
	# shellcheck disable=SC2086
	python3 -B - "$SRC/tests/outputs" "$VPN_AB_KEYS" $names <<'EOF' ||
import sys
sys.path.insert(0, sys.argv[1])
import mkrsa1key
for name in sys.argv[3:]:
    _, pub = mkrsa1key.make_key(name + '@sites.example.net')
    with open('%s/%s.pubkey' % (sys.argv[2], name), 'w') as f:
        f.write(' '.join(pub.split()[:3]) + '\n')
EOF
		fail "cannot make rsa1 keys"
	# Version A.
	na=$((N - 4))
	n=1
	while [ $n -le $na ]; do vpn_ab_admit $n; n=$((n + 1)); done
	"$V" index "$ZE/admin" >"$TMP/vpn-ab.log" 2>&1 ||
		fail "vpnrr index (A)" "$TMP/vpn-ab.log"
	cp "$ZE/zones/vpn.example.org.zone" "$ZA/"
	# shellcheck disable=SC2046
	vpn_ab_sites_zone "$ZA" A $(seq 1 $na)
	# Version B.
	n=$((na + 1))
	while [ $n -le "$N" ]; do vpn_ab_admit $n; n=$((n + 1)); done
	for n in 1 2 3 4; do
		"$V" revoke "$ZE/admin" "l$((n % 4))/s0$n" >"$TMP/vpn-ab.log" 2>&1 ||
			fail "vpnrr revoke s0$n" "$TMP/vpn-ab.log"
	done
	cp "$ZE/zones/vpn.example.org.zone" "$ZB/"
	# shellcheck disable=SC2046
	vpn_ab_sites_zone "$ZB" B $(seq 5 "$N")
	VPN_AB_CHANGES="$N sites; A has $na; B: 4 added, 4 revoked, 10 key rollovers, 10 moves (5 to IPv6)"
}

vpn_ab_serve() {
	start_nsd "$TMP/nsdA" "$ZA/vpn.example.org.zone" "$ZA/sites.example.net.zone"
	PORT_A=$PORT NSD_A_PIDFILE=$NSD_PIDFILE
	start_nsd "$TMP/nsdB" "$ZB/vpn.example.org.zone" "$ZB/sites.example.net.zone"
	PORT_B=$PORT
	[ "$PORT_A" != "$PORT_B" ] || fail "two NSDs on one port $PORT"
	# lib.sh's cleanup stops the NSD started last.
	trap 'stop_nsd; NSD_PIDFILE=$NSD_A_PIDFILE; cleanup' EXIT
}

vpn_ab_conf() {
	file=$1 port=$2 dir=$3 reload=$4
	mkdir -p "$dir"
	{
		echo "# vpnrr-fetch test configuration (tests/lib/vpn-ab.sh)"
		echo "vpn example"
		echo "zone vpn.example.org"
		echo "anchor $ANCHOR"
		echo "resolver 127.0.0.1:$port"
		echo "record-type both"
		echo "state-dir $dir/state"
		echo "output secnet $dir/out/secnet"
		echo "output peer-keys $dir/out/pk"
		echo "output sites-file $dir/out/sites"
		echo "output json $dir/out/vpn.json"
		echo "sites-file-dh $DH"
		echo "sites-file-hash sha1"
		echo "peer-keys-wait 0s"
		echo "reload-command \"$reload\""
		echo "timeout 500ms"
		echo "attempts 3"
	} >"$file"
}
