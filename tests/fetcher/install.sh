#!/bin/sh
# install.sh BUILDDIR PREFIX BINDIR SBINDIR UNITDIR
#
# `meson install --destdir` puts what a node needs where the units expect
# it: the binaries, the man page, the restart script, the example
# configuration, and systemd units whose ExecStart names the installed
# binary (the configured prefix, so /usr/local installs point at
# /usr/local/bin); ReadWritePaths names nothing a default host may lack
# without "-"; systemd-analyze verify accepts the units when it exists.
set -eu
B=$1 PREFIX=$2 BINDIR=$3 SBINDIR=$4 UNITDIR=$5
case $BINDIR in /*) ;; *) BINDIR=$PREFIX/$BINDIR ;; esac
case $SBINDIR in /*) ;; *) SBINDIR=$PREFIX/$SBINDIR ;; esac
command -v meson >/dev/null 2>&1 || { echo "no meson: skipped"; exit 77; }
D=$(mktemp -d /tmp/vpnrr-install-test.XXXXXX)
trap 'rm -rf "$D"' EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

timeout 120 meson install -C "$B" --no-rebuild --destdir "$D" >"$D.log" 2>&1 ||
	{ cat "$D.log" >&2; rm -f "$D.log"; fail "meson install failed"; }
rm -f "$D.log"
for f in "$BINDIR/vpnrr-fetch" "$BINDIR/vpnrr" "$SBINDIR/vpnrr-secnet-restart" \
	"$PREFIX/share/man/man8/vpnrr-fetch.8" \
	"$PREFIX/share/doc/vpnrr/vpnrr-fetch.conf.example" \
	"$UNITDIR/vpnrr-fetch.service" "$UNITDIR/vpnrr-fetch-once.service" \
	"$UNITDIR/vpnrr-fetch.timer" "$UNITDIR/vpnrr-resign.service" \
	"$UNITDIR/vpnrr-resign.timer" "$UNITDIR/vpnrr-resign-site.service" \
	"$UNITDIR/vpnrr-resign-site.timer" "$UNITDIR/vpnrr-resign-publish.service" \
	"$UNITDIR/vpnrr-resign-publish.timer" \
	"$UNITDIR/vpnrr-resign-site-publish.service" \
	"$UNITDIR/vpnrr-resign-site-publish.timer"; do
	[ -e "$D$f" ] || fail "not installed: $f"
done
for u in vpnrr-fetch.service vpnrr-fetch-once.service vpnrr-resign.service \
	vpnrr-resign-site.service vpnrr-resign-publish.service \
	vpnrr-resign-site-publish.service; do
	f=$D$UNITDIR/$u
	! grep -q "@[A-Z]*@" "$f" || fail "$u: a placeholder was left"
	exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$f")
	case $u in vpnrr-fetch*) want=$BINDIR/vpnrr-fetch ;; *) want=$BINDIR/vpnrr ;; esac
	[ "$exe" = "$want" ] || fail "$u: ExecStart $exe, want $want"
	[ -x "$D$exe" ] || fail "$u: ExecStart $exe is not installed"
	# Every ReadWritePaths entry is optional ("-") or made by systemd.
	for p in $(sed -n 's/^ReadWritePaths=//p' "$f"); do
		case $p in -/*) ;; *) fail "$u: ReadWritePaths $p is required to exist" ;; esac
	done
done
if command -v systemd-analyze >/dev/null 2>&1; then
	# verify wants the binary at the path ExecStart names: check the
	# destdir's copy, with ExecStart pointed there.
	mkdir -p "$D/verify"
	for u in vpnrr-fetch.service vpnrr-fetch-once.service vpnrr-fetch.timer \
		vpnrr-resign.service vpnrr-resign.timer vpnrr-resign-site.service \
		vpnrr-resign-site.timer vpnrr-resign-publish.service \
		vpnrr-resign-publish.timer vpnrr-resign-site-publish.service \
		vpnrr-resign-site-publish.timer; do
		sed "s#^ExecStart=$BINDIR#ExecStart=$D$BINDIR#" "$D$UNITDIR/$u" >"$D/verify/$u"
	done
	SYSTEMD_LOG_LEVEL=warning timeout 60 systemd-analyze verify --man=no \
		"$D"/verify/*.service "$D"/verify/*.timer >"$D/verify.log" 2>&1 ||
		{ cat "$D/verify.log" >&2; fail "systemd-analyze verify"; }
	grep -v "^$" "$D/verify.log" | grep -v -i "network-online.target\|Failed to connect\|/etc/systemd\|No such file or directory" |
		grep . && fail "systemd-analyze verify complained" || :
	echo "install: systemd-analyze verify passed"
else
	echo "install: no systemd-analyze, unit syntax not verified"
fi
echo "install: binaries, man page, example and units in place; ExecStart $BINDIR/vpnrr-fetch"
