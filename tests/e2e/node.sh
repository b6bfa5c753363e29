#!/bin/bash
# tests/e2e/node.sh start|stop|restart NODEDIR
#
# Starts or stops one node's secnet by PID.  `restart' is the node's
# vpnrr-fetch reload-command: it appends a line to NODEDIR/reloads.log
# (so the test can tell whether the fetcher ran it), stops the running
# secnet (PID in NODEDIR/secnet.pid: SIGTERM, then SIGKILL after 3 s) and
# starts a new one on NODEDIR/secnet.conf.  It runs inside the node's
# network namespace because the fetcher does.  secnet runs in the
# foreground (-n), where its logfile is standard error: that goes to
# NODEDIR/secnet.log, appended, and a file size limit stops a runaway log.
set -u
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -d "$dir" ] || { echo "usage: $0 start|stop|restart NODEDIR" >&2; exit 2; }
secnet=${SECNET:-/usr/sbin/secnet}
# The tun interface secnet.conf names (NODEDIR/ifname, default vpn0).
ifname=$(cat "$dir/ifname" 2>/dev/null || echo vpn0)

stop() {
	local pid n=0
	[ -s "$dir/secnet.pid" ] || return 0
	pid=$(cat "$dir/secnet.pid")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		while [ $n -lt 30 ] && kill -0 "$pid" 2>/dev/null; do
			sleep 0.1; n=$((n + 1))
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "node.sh: secnet $pid ignored SIGTERM, killing" >&2
			kill -KILL "$pid" 2>/dev/null
			n=0
			while [ $n -lt 20 ] && kill -0 "$pid" 2>/dev/null; do
				sleep 0.1; n=$((n + 1))
			done
		fi
	fi
	: > "$dir/secnet.pid"
}

start() {
	local pid n=0
	# meson test sets MALLOC_PERTURB_ (fresh malloc memory filled with a
	# random byte): secnet 0.6.7 then sends nothing at all (adns and
	# secnet read uninitialised memory), so it runs with glibc's usual
	# heap unless the caller asked for something (GLIBC_TUNABLES).
	unset MALLOC_PERTURB_
	# 100 MB per file at most (bash counts 1024-byte blocks).
	ulimit -f 102400
	cd "$dir" || exit 1
	"$secnet" -n -c "$dir/secnet.conf" </dev/null >>"$dir/secnet.log" 2>&1 &
	pid=$!
	echo "$pid" > "$dir/secnet.pid"
	# Up when its tun interface exists (bounded: 5 s).
	while [ $n -lt 50 ]; do
		kill -0 "$pid" 2>/dev/null || {
			echo "node.sh: secnet exited at start-up" >&2
			tail -n 5 "$dir/secnet.log" >&2
			exit 1
		}
		ip link show dev "$ifname" >/dev/null 2>&1 && return 0
		sleep 0.1; n=$((n + 1))
	done
	echo "node.sh: secnet $pid has no tun interface after 5 s" >&2
	exit 1
}

case $cmd in
start) start ;;
stop) stop ;;
restart)
	echo "$(date +%s.%N) restart" >> "$dir/reloads.log"
	stop
	start
	;;
*) echo "node.sh: unknown command $cmd" >&2; exit 2 ;;
esac
exit 0
