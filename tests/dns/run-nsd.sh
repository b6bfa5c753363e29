#!/bin/sh
# run-nsd.sh DNS-DRIVER ZONEDIR
#
# Starts a real nsd (Debian's /usr/sbin/nsd) on 127.0.0.1 and ::1 at a free
# port, serving ZONEDIR/example.test.zone and other.test.zone from a
# throw-away directory, waits (bounded) until it answers, then runs
# `DNS-DRIVER nsd` against each address.  nsd is stopped by PID on exit,
# whatever happens.  Exit 77 (meson: skipped) when nsd is not installed.
set -u

driver=$1
zonedir=$2
python=${PYTHON:-python3}

nsd_bin=/usr/sbin/nsd
[ -x "$nsd_bin" ] || nsd_bin=$(command -v nsd 2>/dev/null || true)
if [ -z "$nsd_bin" ] || [ ! -x "$nsd_bin" ]; then
	echo "SKIP: nsd is not installed (apt-get install nsd)"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vpnrr-dns.XXXXXX") || exit 1
pid=

stop_nsd() {
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
}
cleanup() {
	stop_nsd
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

have_v6() {
	"$python" -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null
}

# A port free for UDP and TCP on every address we use.  Another process may
# take it before nsd binds it; start_nsd then tries again.
free_port() {
	"$python" - "$1" <<'EOF'
import random, socket, sys
hosts = [(socket.AF_INET, "127.0.0.1")]
if sys.argv[1] == "1":
    hosts.append((socket.AF_INET6, "::1"))
for _ in range(200):
    port = random.randint(20000, 59999)
    socks = []
    try:
        for fam, host in hosts:
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                s = socket.socket(fam, kind)
                socks.append(s)
                s.bind((host, port))
        print(port)
        break
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()
else:
    sys.exit("no free port found")
EOF
}

write_conf() {
	{
		echo "server:"
		echo "	username: \"\""
		echo "	chroot: \"\""
		echo "	zonesdir: \"$tmp\""
		echo "	database: \"\""
		echo "	pidfile: \"$tmp/nsd.pid\""
		echo "	xfrdfile: \"$tmp/xfrd.state\""
		echo "	xfrdir: \"$tmp\""
		echo "	zonelistfile: \"$tmp/zone.list\""
		echo "	logfile: \"$tmp/nsd.log\""
		echo "	port: $port"
		echo "	ip-address: 127.0.0.1"
		[ "$v6" = 1 ] && echo "	ip-address: ::1"
		echo "	do-ip4: yes"
		if [ "$v6" = 1 ]; then echo "	do-ip6: yes"; else echo "	do-ip6: no"; fi
		echo "	server-count: 1"
		echo "	verbosity: 2"
		echo "	hide-version: yes"
		echo "remote-control:"
		echo "	control-enable: no"
		for z in example.test other.test; do
			echo "zone:"
			echo "	name: \"$z\""
			echo "	zonefile: \"$tmp/$z.zone\""
		done
	} >"$tmp/nsd.conf"
}

# Polls until nsd answers on ADDR; fails when nsd died or after ~10 s.
wait_ready() {
	i=0
	while [ $i -lt 100 ]; do
		kill -0 "$pid" 2>/dev/null || return 1
		if command -v dig >/dev/null 2>&1; then
			if dig @"$1" -p "$port" txt.example.test TXT +short \
				+time=1 +tries=1 2>/dev/null | grep -q hello; then
				return 0
			fi
		elif "$driver" probe "$2" txt.example.test 16; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

start_nsd() {
	tries=0
	while [ $tries -lt 3 ]; do
		tries=$((tries + 1))
		port=$(free_port "$v6") || return 1
		write_conf
		"$nsd_bin" -d -c "$tmp/nsd.conf" >"$tmp/nsd.out" 2>&1 &
		pid=$!
		if wait_ready 127.0.0.1 "127.0.0.1:$port" &&
			{ [ "$v6" = 0 ] || wait_ready ::1 "[::1]:$port"; }; then
			return 0
		fi
		echo "nsd did not come up on port $port:"
		cat "$tmp/nsd.out" "$tmp/nsd.log" 2>/dev/null | tail -n 20
		stop_nsd
	done
	return 1
}

v6=0
have_v6 && v6=1
cp "$zonedir/example.test.zone" "$zonedir/other.test.zone" "$tmp/" || exit 1
if command -v nsd-checkzone >/dev/null 2>&1; then
	nsd-checkzone example.test "$tmp/example.test.zone" || exit 1
	nsd-checkzone other.test "$tmp/other.test.zone" || exit 1
fi
start_nsd || { echo "FAIL: could not start nsd"; exit 1; }
echo "# nsd $pid on port $port (IPv6: $v6)"

dead=$(free_port "$v6") || exit 1
rc=0
"$driver" nsd "127.0.0.1:$port" "127.0.0.1:$dead" || rc=1
if [ "$v6" = 1 ]; then
	"$driver" nsd "[::1]:$port" "[::1]:$dead" || rc=1
else
	echo "# no IPv6 loopback here: [::1] cases not run"
fi
if [ $rc -ne 0 ]; then
	echo "# nsd log:"
	tail -n 30 "$tmp/nsd.log" 2>/dev/null
fi
exit $rc
