#!/bin/sh
# init-secnet.sh VPNRR VPNRR-FETCH ZONE-EXAMPLES SRCDIR
#
# vpnrr-fetch --init-secnet writes a node's whole secnet.conf, against a
# real NSD and the real secnet:
#   * after a fetch, with only the host's tunnel address given, the local
#     site's networks, peer address and port come from its verified
#     record, and secnet -j accepts the file (and the fetcher's candidate
#     check uses it);
#   * an existing file is not replaced without --force; a bad value is a
#     usage error naming the option; a site outside the VPN is refused.
set -eu
V=$1 F=$2 EX=$3 SRC=$4
. "$(dirname "$0")/lib.sh"

setup_example
start_nsd "$TMP/nsd" "$ZE"/zones/*.zone
C=$TMP/i.conf O=$TMP/i/out S=$TMP/secnet.conf
mkdir -p "$TMP/priv"
cp "$ZE/keys/alpha.secnet" "$TMP/priv/priv.0000000000"
chmod 600 "$TMP/priv/priv.0000000000"
write_conf "$C" i "127.0.0.1:$PORT" txt "secnet-dh $DH" "secnet-hash sha1" \
	"restrict-nets 10.0.0.0/8 fd00::/8"
sed -i 's#^local-site .*#local-site london/alpha#' "$C"

init() {
	RC=0
	timeout 30 "$F" -c "$C" --init-secnet "$@" >"$TMP/init.out" \
		2>"$TMP/init.log" || RC=$?
}

fetch "$C" i-1
[ "$RC" -eq 0 ] || fail "first --once exited $RC" "$TMP/i-1.log"
init --local-address 10.1.0.2 --private-key "$TMP/priv/priv." -o "$S" \
	--log-file "$TMP/secnet.log" --pidfile "$TMP/secnet.pid"
[ "$RC" -eq 0 ] || fail "--init-secnet exited $RC" "$TMP/init.log"
for want in 'local-name "example/london/alpha";' \
	'secnet-address "10.1.0.1";' 'networks "10.1.0.0/16";' \
	'remote-networks "10.0.0.0/8";' 'port 4500;' \
	"key-cache priv-cache({ privkeys \"$TMP/priv/priv.\"; });" \
	"include $O/secnet/sites.conf" 'sites map(site,all-sites);'; do
	grep -q -F -- "$want" "$S" || fail "secnet.conf lacks: $want" "$S"
done
! grep -q "warning" "$TMP/init.log" || fail "--init-secnet warned" "$TMP/init.log"
check_secnet "$S" "$TMP/secnet-j.log"

# The fetcher's candidate check runs on it.
echo "secnet-config $S" >>"$C"
timeout 60 "$F" -c "$C" --once --check-outputs >/dev/null 2>"$TMP/i-2.log" ||
	fail "--once with the written secnet-config failed" "$TMP/i-2.log"

# No overwrite without --force; --force replaces it (atomically).
cp "$S" "$TMP/before.conf"
init --local-address 10.1.0.3 -o "$S"
[ "$RC" -eq 2 ] || fail "existing file: exit $RC, want 2" "$TMP/init.log"
grep -q "exists already: use --force" "$TMP/init.log" ||
	fail "existing file: no reason given" "$TMP/init.log"
cmp -s "$S" "$TMP/before.conf" || fail "existing file was changed"
init --local-address 10.1.0.3 --private-key "$TMP/priv/priv." -o "$S" --force
[ "$RC" -eq 0 ] || fail "--force exited $RC" "$TMP/init.log"
grep -q 'local-address "10.1.0.3";' "$S" || fail "--force did not replace" "$S"
# A missing private key file for a published group is warned about.
init --local-address 10.1.0.2 -o "$TMP/other.conf" --private-key /nonexistent/priv.
[ "$RC" -eq 0 ] || fail "missing key: exit $RC" "$TMP/init.log"
grep -q "priv.0000000000: No such file" "$TMP/init.log" ||
	fail "missing key file not warned about" "$TMP/init.log"

# Bad values: usage errors naming the option.
init --local-address 2001:db8::1 -o "$TMP/x.conf"
[ "$RC" -eq 2 ] && grep -q -- "--local-address 2001:db8::1: secnet's tunnel carries IPv4 only" "$TMP/init.log" ||
	fail "IPv6 tunnel address: exit $RC" "$TMP/init.log"
init --local-address 10.1.0.2 --site other/london/alpha -o "$TMP/x.conf"
[ "$RC" -eq 2 ] && grep -q "not in VPN example" "$TMP/init.log" ||
	fail "site of another VPN: exit $RC" "$TMP/init.log"
init --local-address 10.1.0.2 --pidfile 'rel/pid' -o "$TMP/x.conf"
[ "$RC" -eq 2 ] && grep -q -- "--pidfile rel/pid: need an absolute path" "$TMP/init.log" ||
	fail "relative pidfile: exit $RC" "$TMP/init.log"
[ ! -e "$TMP/x.conf" ] || fail "a refused --init-secnet wrote its file"
timeout 10 "$F" -c "$C" --once --port 4500 >/dev/null 2>"$TMP/misuse.log" && 
	fail "--port without --init-secnet accepted"
echo "fetcher-init-secnet: secnet.conf from the verified record passes secnet -j; no overwrite without --force"
