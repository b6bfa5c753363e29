# tests/e2e/lib.sh - shared by the end-to-end tests (bash; source it).
#
# Everything runs inside network namespaces this process creates (names
# start with $E2E_PREFIX) or on their loopback; the host's interfaces and
# routes are never touched.  Every process the tests start is recorded
# by PID and stopped by PID in e2e_cleanup, which the EXIT trap runs also
# on failure, SIGINT and SIGTERM; every namespace is then deleted.

export PATH=$PATH:/usr/sbin:/sbin
E2E_PREFIX=vpnrr-e2e-$$
E2E_NETNS=()          # namespaces we created, deleted on exit
E2E_T=                # temporary directory
E2E_START=$(date +%s.%N)
E2E_WATCHDOG=

say() { printf '%s\n' "$*"; }
elapsed() { awk -v a="$E2E_START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
log() { printf '[%6ss] %s\n' "$(elapsed)" "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# skip WHY: exit 77 (meson: skipped).  Only for a missing prerequisite,
# never because something under test failed.
skip() {
	say "SKIP: $*"
	exit 77
}

die() {
	say "FAIL: $*" >&2
	e2e_dump_logs >&2
	exit 1
}

# e2e_require PROGRAM...: root, ip netns, the tun device and the programs.
e2e_require() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, tun)"
	local p
	for p in ip secnet ping timeout "$@"; do
		command -v "$p" >/dev/null 2>&1 || skip "$p not installed"
	done
	[ -c /dev/net/tun ] || skip "no /dev/net/tun"
	ip netns add "$E2E_PREFIX-probe" 2>/dev/null ||
		skip "ip netns unavailable"
	ip netns del "$E2E_PREFIX-probe" 2>/dev/null || :
}

# e2e_init DEADLINE_SECONDS: temporary directory, traps, watchdog.
e2e_init() {
	E2E_T=$(mktemp -d /tmp/vpnrr-e2e.XXXXXX) || die "mktemp"
	: > "$E2E_T/pids"
	trap e2e_cleanup EXIT
	trap 'say "interrupted"; exit 130' INT
	trap 'say "terminated"; exit 143' TERM
	trap 'say "hangup"; exit 129' HUP
	# The whole test is bounded: the watchdog ends it (with cleanup).
	# (Its sleep is stopped with it, so nothing is left behind.)
	(
		trap 'kill "$sp" 2>/dev/null; exit 0' TERM
		sleep "$1" & sp=$!
		wait "$sp" && echo "WATCHDOG: $1 s elapsed, giving up" >&2 &&
			kill -TERM $$
	) </dev/null >/dev/null 2>>"$E2E_T/watchdog" &
	E2E_WATCHDOG=$!
}

# e2e_track PID: stop PID on exit.
e2e_track() { echo "$1" >> "$E2E_T/pids"; }

e2e_kill_pid() {
	local pid=$1 n=0
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	while [ $n -lt 30 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.1; n=$((n + 1))
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	return 0
}

e2e_cleanup() {
	local rc=$? pid f ns
	set +e
	trap - EXIT INT TERM HUP
	[ -n "$E2E_WATCHDOG" ] && kill "$E2E_WATCHDOG" 2>/dev/null
	[ -s "$E2E_T/watchdog" ] && cat "$E2E_T/watchdog"
	if [ -n "$E2E_T" ] && [ -d "$E2E_T" ]; then
		for f in "$E2E_T"/pids "$E2E_T"/*/secnet.pid "$E2E_T"/node/*/secnet.pid; do
			[ -f "$f" ] || continue
			while read -r pid; do
				e2e_kill_pid "$pid"
			done < "$f"
		done
	fi
	# Anything still inside our namespaces was started by this test.
	for ns in "${E2E_NETNS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	for ns in "${E2E_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$E2E_T" ] && [ -d "$E2E_T" ]; then
		if [ -n "${E2E_KEEP:-}" ]; then
			say "kept $E2E_T"
		else
			rm -rf "$E2E_T"
		fi
	fi
	exit $rc
}

# netns_add NAME: create namespace $E2E_PREFIX-NAME with loopback up.
netns_add() {
	local ns=$E2E_PREFIX-$1
	ip netns add "$ns" || die "cannot create namespace $ns"
	E2E_NETNS+=("$ns")
	ip -n "$ns" link set lo up || die "lo up in $ns"
}

# nsx NAME CMD...: run CMD in namespace NAME.
nsx() { local ns=$E2E_PREFIX-$1; shift; ip netns exec "$ns" "$@"; }

# poll MAX_TRIES INTERVAL CMD...: retry CMD until it succeeds.
poll() {
	local max=$1 iv=$2 n=0
	shift 2
	while [ $n -lt "$max" ]; do
		"$@" && return 0
		sleep "$iv"; n=$((n + 1))
	done
	return 1
}

# Dumping logs on failure: tests set E2E_LOGS to the files worth seeing.
E2E_LOGS=()
e2e_dump_logs() {
	local f
	for f in "${E2E_LOGS[@]}"; do
		for g in $f; do
			[ -s "$g" ] || continue
			echo "----- $g (last 40 lines)"
			tail -n 40 "$g"
		done
	done
}
