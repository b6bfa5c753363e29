# tests/lib/secnet.sh - a minimal secnet.conf for `secnet -j` checks of
# generated site configuration.  Source it.
#
#   secnet_test_conf SITESCONF OUT LOCALNAME KEYFILE DHMOD DHGEN
#
# writes OUT: a tun netlink, a UDP comm, the local site LOCALNAME with its
# rsa1 key KEYFILE, and an include of SITESCONF.  dh and hash come before
# the include: secnet builds the sites while reading.
secnet_test_conf() {
	cat >"$2" <<EOF
system {
};
log logfile {
	class "info","notice","warning","error","security","fatal";
};
netlink tun {
	name "netlink-tun";
	local-address "10.1.0.1";
	secnet-address "10.1.0.2";
	remote-networks "10.0.0.0/8";
	mtu 1400;
	buffer sysbuffer(2048);
};
comm udp {
	port 4500;
	buffer sysbuffer(4096);
};
local-name "$3";
local-key rsa-private("$4");
resolver adns { };
random randomfile("/dev/urandom",no);
transform eax-serpent { }, serpent256-cbc { };
log-events "all";
dh diffie-hellman("$5","$6");
hash sha1;
include $1
sites map(site,all-sites);
EOF
}
