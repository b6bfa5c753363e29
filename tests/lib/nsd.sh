# tests/lib/nsd.sh - start and stop a real NSD on loopback, for the
# integration tests and the demo.  Source it; needs nsd and dig.
#
#   start_nsd DIR ZONEFILE...   serve on 127.0.0.1 and ::1, set PORT
#   stop_nsd                    stop it by PID (waits, bounded)
#   NSD_EXTRA                   extra "server:" lines, if set

NSD_PIDFILE=

# start_nsd DIR ZONEFILE...: serves the zones (named after their files,
# minus .zone) on 127.0.0.1 and ::1 at a free port; sets PORT.
start_nsd() {
	dir=$1; shift
	mkdir -p "$dir"
	try=0
	while [ $try -lt 8 ]; do
		sec=$(date +%S); sec=${sec#0}  # "08" is not octal
		PORT=$(( 20000 + ( $$ * 131 + try * 977 + sec * 7 ) % 40000 ))
		try=$((try + 1))
		{
			printf 'server:\n  ip-address: 127.0.0.1\n  ip-address: ::1\n'
			printf '  port: %s\n  username: ""\n  chroot: ""\n' "$PORT"
			printf '  zonesdir: "%s"\n  pidfile: "%s/nsd.pid"\n' "$dir" "$dir"
			printf '  database: ""\n  zonelistfile: "%s/zone.list"\n' "$dir"
			printf '  xfrdfile: "%s/xfrd.state"\n  xfrdir: "%s"\n' "$dir" "$dir"
			printf '  logfile: "%s/nsd.log"\n  verbosity: 1\n' "$dir"
			printf '  tcp-count: 20\n  server-count: 1\n'
			[ -z "${NSD_EXTRA:-}" ] || printf '%s\n' "$NSD_EXTRA"
			printf 'remote-control:\n  control-enable: no\n'
			for z in "$@"; do
				printf 'zone:\n  name: "%s"\n  zonefile: "%s"\n' \
					"$(basename "$z" .zone)" "$z"
			done
		} > "$dir/nsd.conf"
		rm -f "$dir/nsd.pid" "$dir/nsd.log"
		NSD_PIDFILE=$dir/nsd.pid
		nsd -c "$dir/nsd.conf" || continue
		n=0
		while [ $n -lt 100 ]; do
			if dig +short +time=1 +tries=1 -p "$PORT" @127.0.0.1 SOA \
				"$(basename "$1" .zone)" 2>/dev/null | grep -q .; then
				return 0
			fi
			if grep -q "can't bind\|cannot bind\|Address already in use" \
				"$dir/nsd.log" 2>/dev/null; then
				break
			fi
			sleep 0.1; n=$((n + 1))
		done
		stop_nsd
	done
	echo "could not start nsd" >&2
	cat "$dir/nsd.log" >&2 2>/dev/null || :
	exit 1
}

stop_nsd() {
	if [ -n "$NSD_PIDFILE" ] && [ -s "$NSD_PIDFILE" ]; then
		pid=$(cat "$NSD_PIDFILE")
		kill "$pid" 2>/dev/null || :
		n=0
		while [ $n -lt 50 ] && kill -0 "$pid" 2>/dev/null; do
			sleep 0.1; n=$((n + 1))
		done
	fi
	NSD_PIDFILE=
}
