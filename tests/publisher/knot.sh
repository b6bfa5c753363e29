# knot.sh - start and stop a real Knot DNS (knotd) on loopback that takes
# dynamic updates signed with a TSIG key.  Source it after lib.sh.
#
#   start_knot DIR SECRET ZONEFILE...  serve the zones (named after their
#                                      files, minus .zone) on 127.0.0.1 at
#                                      a free port; set KPORT.  Key
#                                      "publisher" (hmac-sha256, SECRET)
#                                      may update and transfer them.
#   stop_knot                          stop it by PID (bounded wait)
#
# Optional, set before start_knot: KNOT_KEYS and KNOT_ACLS, more entries
# (YAML list items) for the key: and acl: sections; KNOT_ZONE_ACL_x, the
# ACL ids of zone x (dots as underscores) in place of "publisher".

KNOT_PID=

start_knot() {
	kdir=$1 ksecret=$2; shift 2
	mkdir -p "$kdir/zones" "$kdir/db"
	for z in "$@"; do cp "$z" "$kdir/zones/"; done
	try=0
	while [ $try -lt 8 ]; do
		sec=$(date +%S); sec=${sec#0}
		KPORT=$(( 20000 + ( $$ * 173 + try * 911 + sec * 13 ) % 40000 ))
		try=$((try + 1))
		{
			printf 'server:\n  rundir: "%s"\n  listen: 127.0.0.1@%s\n' \
				"$kdir" "$KPORT"
			printf '  pidfile: "%s/knot.pid"\n' "$kdir"
			printf 'control:\n  listen: "%s/knot.sock"\n' "$kdir"
			printf 'database:\n  storage: "%s/db"\n' "$kdir"
			printf 'log:\n  - target: "%s/knot.log"\n    any: info\n' "$kdir"
			printf 'key:\n  - id: publisher\n    algorithm: hmac-sha256\n'
			printf '    secret: %s\n' "$ksecret"
			printf '%s' "${KNOT_KEYS:-}"
			printf 'acl:\n  - id: publisher\n    key: publisher\n'
			printf '    action: [update, transfer]\n'
			printf '%s' "${KNOT_ACLS:-}"
			printf 'template:\n  - id: default\n    storage: "%s/zones"\n' "$kdir"
			printf '    zonefile-sync: -1\n    journal-content: changes\n'
			printf '    semantic-checks: off\n'
			printf 'zone:\n'
			for z in "$@"; do
				zn=$(basename "$z" .zone)
				eval "zacl=\${KNOT_ZONE_ACL_$(echo "$zn" | tr . _):-publisher}"
				printf '  - domain: %s\n    acl: [%s]\n' "$zn" "$zacl"
			done
		} > "$kdir/knot.conf"
		rm -f "$kdir/knot.log"
		knotd -c "$kdir/knot.conf" >"$kdir/knotd.out" 2>&1 &
		KNOT_PID=$!
		n=0
		while [ $n -lt 100 ]; do
			# Serving over TCP, after its start-up is over.
			if grep -q "server started" "$kdir/knot.log" 2>/dev/null &&
			   dig +tcp +short +time=1 +tries=1 -p "$KPORT" @127.0.0.1 \
				SOA "$(basename "$1" .zone)" 2>/dev/null | grep -q .
			then
				return 0
			fi
			kill -0 "$KNOT_PID" 2>/dev/null || break
			sleep 0.1; n=$((n + 1))
		done
		stop_knot
	done
	echo "could not start knotd" >&2
	cat "$kdir/knot.log" "$kdir/knotd.out" >&2 2>/dev/null || :
	exit 1
}

stop_knot() {
	if [ -n "$KNOT_PID" ]; then
		kill "$KNOT_PID" 2>/dev/null || :
		n=0
		while [ $n -lt 50 ] && kill -0 "$KNOT_PID" 2>/dev/null; do
			sleep 0.1; n=$((n + 1))
		done
		wait "$KNOT_PID" 2>/dev/null || :
	fi
	KNOT_PID=
}
