# lib.sh - helpers for the vpnrr integration tests (sourced).

fails=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vpnrr-test.XXXXXX")
NSD_PIDFILE=
SILENT_PID=

cleanup() {
	if [ -n "$SILENT_PID" ]; then kill "$SILENT_PID" 2>/dev/null || :; fi
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

# start_silent_udp: a server on 127.0.0.1 that takes every UDP query and
# answers none (for 60 s at most); sets SPORT, and SILENT_PID, which
# cleanup stops.
start_silent_udp() {
	python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
s.settimeout(0.2)
end = time.time() + 60
while time.time() < end:
    try:
        s.recvfrom(65536)
    except socket.timeout:
        pass
' > "$TMP/silent.port" &
	SILENT_PID=$!
	n=0
	while [ ! -s "$TMP/silent.port" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	SPORT=$(cat "$TMP/silent.port")
	[ -n "$SPORT" ] || fail "the silent server did not start"
}

# ms: the time in milliseconds.
ms() { echo $(( $(date +%s%N) / 1000000 )); }

finish() {
	if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed" >&2; exit 1; fi
	echo "all checks passed"
}

. "$(dirname "$0")/../lib/nsd.sh"

