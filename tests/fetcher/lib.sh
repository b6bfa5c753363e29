# tests/fetcher/lib.sh - shared by the vpnrr-fetch integration tests.
# Source it after setting V (vpnrr), F (vpnrr-fetch), EX (zone-examples)
# and SRC (the source tree).  Gives: a temporary directory $TMP removed on
# exit, NSD stopped by PID on exit, fail(), a copy of zone-examples at
# $ZE rebuilt with the vpnrr under test, fetcher configurations and runs.

HERE=$(cd "$(dirname "$0")" && pwd)
FT="python3 $HERE/ft.py"
SECNET=${SECNET:-/usr/sbin/secnet}
MSS=${MAKE_SECNET_SITES:-/usr/sbin/make-secnet-sites}
for tool in nsd dig python3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "no $tool: skipped"; exit 77; }
done
[ -x "$SECNET" ] && [ -x "$MSS" ] || { echo "no secnet: skipped"; exit 77; }

. "$SRC/tests/lib/nsd.sh"

TMP=$(mktemp -d /tmp/vpnrr-fetch-test.XXXXXX)
BG_PIDS=
cleanup() {
	for p in $BG_PIDS; do
		kill "$p" 2>/dev/null || :
	done
	stop_nsd
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A VPN-level DH group for the sites file: the one of zone-examples/sites.
DH=$(sed -n 's/^dh //p' "$EX/sites/london,alpha.site")

# fail WHY [FILE...]: report, show the files, exit 1.
fail() {
	why=$1; shift
	echo "FAIL: $why" >&2
	for f in "$@"; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -n 60 "$f" >&2; }
	done
	exit 1
}

# The example VPN, copied and rebuilt with the vpnrr under test.
setup_example() {
	ZE=$TMP/ze
	cp -R "$EX" "$ZE"
	rm -f "$ZE"/zones/*.zone "$ZE"/sites/*.rec "$ZE/admin/state"
	sh "$ZE/regen.sh" "$V" >"$TMP/regen.log" 2>&1 ||
		fail "regen.sh with $V" "$TMP/regen.log"
	ANCHOR=$(cat "$ZE/keys/anchor.pub")
}

# write_conf FILE NAME RESOLVER TYPE [EXTRA-LINE...]: a configuration with
# every output under $TMP/NAME/out and its state in $TMP/NAME/state.
write_conf() {
	file=$1 name=$2 resolver=$3 type=$4
	shift 4
	mkdir -p "$TMP/$name"
	{
		echo "# vpnrr-fetch test configuration ($name)"
		echo "vpn example"
		echo "zone vpn.example.org"
		echo "anchor $ANCHOR"
		echo "resolver $resolver"
		echo "record-type $type"
		echo "state-dir $TMP/$name/state"
		echo "output secnet $TMP/$name/out/secnet"
		echo "output peer-keys $TMP/$name/out/pk"
		echo "output sites-file $TMP/$name/out/sites"
		echo "output json $TMP/$name/out/vpn.json"
		echo "sites-file-dh $DH"
		echo "sites-file-hash sha1"
		echo "reload-command \"echo reload >> $TMP/$name/reloads\""
		echo "timeout 500ms"
		echo "attempts 2"
		echo "local-site mobile/gamma"
		for l in "$@"; do echo "$l"; done
	} >"$file"
	: >"$TMP/$name/reloads"
}

# fetch CONF LABEL: one "vpnrr-fetch --once --json" (bounded); the report
# in $TMP/LABEL.json, the log in $TMP/LABEL.log, the status in $RC.
fetch() {
	RC=0
	timeout -k 5 60 "$F" -c "$1" --once --json >"$TMP/$2.json" \
		2>"$TMP/$2.log" || RC=$?
	[ "$RC" -ne 124 ] || fail "$2: vpnrr-fetch did not finish in 60 s" \
		"$TMP/$2.log"
	[ -s "$TMP/$2.json" ] || fail "$2: no JSON report (status $RC)" \
		"$TMP/$2.log"
}

# reloads NAME: how many times the reload command ran.
reloads() {
	wc -l <"$TMP/$1/reloads" | tr -d ' '
}

. "$SRC/tests/lib/secnet.sh"

# write_secnet_conf SITESCONF OUT: around it, local site london/alpha with
# its key from zone-examples.
write_secnet_conf() {
	secnet_test_conf "$1" "$2" example/london/alpha \
		"$ZE/keys/alpha.secnet" "$(echo "$DH" | cut -d' ' -f1)" \
		"$(echo "$DH" | cut -d' ' -f2)"
}

# check_secnet CONF LOG: secnet -j accepts it, and says nothing bad (it
# exits 0 even when a peer-keys file is missing or broken).
check_secnet() {
	chmod 600 "$ZE"/keys/*.secnet
	timeout 60 "$SECNET" -j -c "$1" >"$2" 2>&1 ||
		fail "secnet -j rejected $1" "$2" "$1"
	# "unknown pk algorithm" is secnet skipping, as designed, a peer-keys
	# line of an algorithm it has no scheme for (an x25519 key).
	if grep -v ": unknown pk algorithm$" "$2" |
		grep -E -i "error|could not|no useable|unknown|syntax|too many|repeated|fatal|warning" >/dev/null; then
		fail "secnet -j complained about $1" "$2"
	fi
	grep -q "configuration file check complete" "$2" ||
		fail "secnet -j did not complete its check of $1" "$2"
}

# nsd_reload ZONE SERIAL [NAME TEXT]: SIGHUP to NSD, then wait (bounded)
# until it serves ZONE with SOA serial SERIAL and, if given, TXT at NAME
# containing TEXT.
nsd_reload() {
	kill -HUP "$(cat "$NSD_PIDFILE")" || fail "cannot signal NSD"
	n=0
	while [ $n -lt 100 ]; do
		if [ "$(dig +short +time=1 +tries=1 -p "$PORT" @127.0.0.1 SOA "$1" |
			awk '{print $3}')" = "$2" ]; then
			if [ $# -lt 4 ] || dig +time=1 +tries=1 -p "$PORT" \
				@127.0.0.1 TXT "$3" | grep -q -- "$4"; then
				return 0
			fi
		fi
		sleep 0.1; n=$((n + 1))
	done
	fail "NSD does not serve $1 serial $2${3:+ with $4 at $3}" \
		"$TMP/nsd/nsd.log"
}
