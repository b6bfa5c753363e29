#!/bin/sh
# regen.sh VPNRR - builds every zone of the example VPN with the vpnrr
# binary VPNRR, valid from now: each site record (sites/*.site signed with
# keys/SITE.key into sites/*.rec and zones/SITE.example.net.zone; 30 days),
# then every membership renewed (admin/members/, 90 days) and the admin
# zone signed (admin/ -> zones/vpn.example.org.zone; head 10 days).
# Lifetimes are realistic, so the zones are not committed: build them when
# you need them.  Works in the directory it lives in and rewrites the
# membership files there: copy the directory first.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 PATH-TO-VPNRR" >&2; exit 2; }
vpnrr=$1
case $vpnrr in /*) ;; *) vpnrr=$(pwd)/$vpnrr ;; esac
cd "$(dirname "$0")"

# git keeps no file modes: private keys must not be readable by others.
chmod 600 keys/*.key keys/*.pem keys/*.secnet
mkdir -p zones

serial=$(date +%s)
for desc in sites/*.site; do
	base=$(basename "$desc" .site)      # LOCATION,SITE
	site=${base#*,}
	zone=$site.example.net
	"$vpnrr" sign -k "keys/$site.key" -o "sites/$base.rec" "$desc"
	{
		printf '; site zone of %s, written by zone-examples/regen.sh\n' "$base"
		printf '$ORIGIN %s.\n$TTL 300\n' "$zone"
		printf '@\tSOA\tns1.vpn.example.org. hostmaster.%s. %s 3600 900 1209600 300\n' "$zone" "$serial"
		printf '@\tNS\tns1.vpn.example.org.\n'
		"$vpnrr" zone --ttl 300 "sites/$base.rec"
	} > "zones/$zone.zone.tmp"
	mv "zones/$zone.zone.tmp" "zones/$zone.zone"
done
# Renewal is what the admin's timer does (vpnrr-resign.timer); here every
# membership is due, whatever dates the committed files hold.
"$vpnrr" resign --within 100y admin
