#!/bin/sh
# tests/install-deps.sh - installs, on Debian 12, what vpnrr needs to build,
# test and run its demo: only the packages that are missing, so a machine
# that has them all is left alone.  Needs root when something is missing.
set -eu

# Build tools, libraries, and the real servers the integration tests use.
PACKAGES="meson ninja-build pkg-config gcc clang libclang-rt-14-dev \
libldns-dev libsodium-dev libuv1-dev libcmocka-dev libjansson-dev \
libsqlite3-dev \
python3 nsd ldnsutils bind9-dnsutils secnet openssl iproute2 iputils-ping \
procps rsync python3-dnspython libgmp-dev dnsperf time knot \
wireguard-go wireguard-tools libqrencode-dev"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
		|| missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "install-deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
