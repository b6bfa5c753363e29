# lib.sh - helpers for the vpnrr integration tests (sourced).

fails=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vpnrr-test.XXXXXX")
NSD_PIDFILE=

cleanup() {
	if [ -n "$NSD_PIDFILE" ] && [ -s "$NSD_PIDFILE" ]; then
		kill "$(cat "$NSD_PIDFILE")" 2>/dev/null || :
		n=0
		while [ $n -lt 50 ] && kill -0 "$(cat "$NSD_PIDFILE")" 2>/dev/null; do
			sleep 0.1; n=$((n + 1))
		done
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# expect RC DESCRIPTION CMD... : runs CMD, stdout in $TMP/out, stderr in
# $TMP/err, and checks its exit status.
expect() {
	want=$1; what=$2; shift 2
	set +e
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	set -e
	if [ "$got" -eq "$want" ]; then ok "$what"; else
		fail "$what: exit $got, want $want"; sed 's/^/  | /' "$TMP/err" "$TMP/out" | head -20 >&2
	fi
}

# has FILE PATTERN DESCRIPTION: FILE contains a line matching PATTERN.
has() {
	if grep -q -e "$2" "$1"; then ok "$3"; else
		fail "$3: no line matching '$2' in $(basename "$1")"; head -20 "$1" | sed 's/^/  | /' >&2
	fi
}
hasnt() {
	if grep -q -e "$2" "$1"; then fail "$3: '$2' found"; else ok "$3"; fi
}

finish() {
	if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed" >&2; exit 1; fi
	echo "all checks passed"
}

# start_nsd DIR ZONEFILE...: serves the zones (named after their files,
# minus .zone) on 127.0.0.1 and ::1 at a free port; sets PORT.
start_nsd() {
	dir=$1; shift
	mkdir -p "$dir"
	try=0
	while [ $try -lt 8 ]; do
		PORT=$(( 20000 + ( $$ * 131 + try * 977 + $(date +%S) * 7 ) % 40000 ))
		try=$((try + 1))
		{
			printf 'server:\n  ip-address: 127.0.0.1\n  ip-address: ::1\n'
			printf '  port: %s\n  username: ""\n  chroot: ""\n' "$PORT"
			printf '  zonesdir: "%s"\n  pidfile: "%s/nsd.pid"\n' "$dir" "$dir"
			printf '  database: ""\n  zonelistfile: "%s/zone.list"\n' "$dir"
			printf '  xfrdfile: "%s/xfrd.state"\n  xfrdir: "%s"\n' "$dir" "$dir"
			printf '  logfile: "%s/nsd.log"\n  verbosity: 1\n' "$dir"
			printf '  tcp-count: 20\n  server-count: 1\n'
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
