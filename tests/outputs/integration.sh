#!/bin/sh
# integration.sh RENDER_EXAMPLE SRCDIR
#
# Renders the example VPN with every output, then runs the real tools:
#   * secnet -j -c on a minimal secnet.conf that includes our sites.conf
#     (exit 0, and no complaint about our peer-keys files in its log);
#   * make-secnet-sites --pubkeys-install on our sites file, then secnet -j
#     on what it wrote, and compares it with our output: the same sites,
#     endpoints, networks, point-to-point addresses, and byte-identical
#     peer-keys files.
# Quiet on success; prints the logs on failure.  Skips (exit 77) when
# secnet or make-secnet-sites is not installed.
set -eu

render=$1
src=$2
secnet=${SECNET:-/usr/sbin/secnet}
mss=${MAKE_SECNET_SITES:-/usr/sbin/make-secnet-sites}
[ -x "$secnet" ] && [ -x "$mss" ] || exit 77

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() {
	echo "integration: $*" >&2
	for f in "$tmp"/render.out "$tmp"/secnet.log "$tmp"/mss.out \
		 "$tmp"/secnet-mss.log "$tmp"/compare.out; do
		[ -s "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }
	done
	exit 1
}

# Keys: the local node is alpha; beta and gamma are peers.
for s in alpha beta gamma; do
	python3 "$src/mkrsa1key.py" key "$tmp/$s.key" "$s@example.net" \
		>"$tmp/$s.pub" || fail "cannot make key $s"
done
dh=$(python3 "$src/mkrsa1key.py" prime 1024) || fail "cannot make dh prime"

mkdir "$tmp/out" "$tmp/out/secnet" "$tmp/out/pk" "$tmp/mss-pk"
"$render" "$tmp/out" "$tmp/alpha.pub" "$tmp/beta.pub" "$tmp/gamma.pub" \
	"$dh" >"$tmp/render.out" 2>&1 || fail "render_example failed"

. "$(dirname "$0")/../lib/secnet.sh"

# write_conf SITESCONF OUT: around it, local site test/london/alpha.
write_conf() {
	secnet_test_conf "$1" "$2" test/london/alpha "$tmp/alpha.key" "$dh" 2
}

# secnet -j exits 0 even when a peer-keys file is unreadable, so its log
# is checked too.
check_secnet() {
	timeout 60 "$secnet" -j -c "$1" >"$2" 2>&1 ||
		fail "secnet -j rejected $1"
	bad="error|could not|no useable|unknown|syntax|too many|repeated"
	if grep -E -i "$bad" "$2" >/dev/null; then
		fail "secnet -j complained about $1"
	fi
}

write_conf "$tmp/out/secnet/sites.conf" "$tmp/secnet.conf"
check_secnet "$tmp/secnet.conf" "$tmp/secnet.log"

(cd "$tmp" && timeout 60 "$mss" --pubkeys-install --pubkeys-dir \
	"$tmp/mss-pk" "$tmp/out/sites" "$tmp/mss.conf") >"$tmp/mss.out" 2>&1 ||
	fail "make-secnet-sites rejected our sites file"
# make-secnet-sites leaves ~update files; secnet reads the live ones.
for f in "$tmp"/mss-pk/*~update; do
	mv "$f" "${f%~update}"
done
write_conf "$tmp/mss.conf" "$tmp/secnet-mss.conf"
check_secnet "$tmp/secnet-mss.conf" "$tmp/secnet-mss.log"

python3 - "$tmp" >"$tmp/compare.out" 2>&1 <<'EOF' || fail "outputs differ"
import ipaddress, json, os, re, sys

tmp = sys.argv[1]

def sites_of(text):
    """name -> properties, from secnet configuration text."""
    out = {}
    for chunk in re.split(r'(?=\bname ")', text)[1:]:
        name = re.match(r'name "([^"]+)"', chunk).group(1)
        body = chunk.split('link netlink', 1)
        props, link = body[0], body[1].split('};', 1)[0]
        addr = re.search(r'address ([^;]+); port (\d+);', props)
        out[name] = {
            'addresses': (re.findall(r'"([^"]+)"', addr.group(1))
                          if addr else []),
            'port': int(addr.group(2)) if addr else None,
            'mobile': 'mobile True;' in props,
            # make-secnet-sites merges adjacent networks: compare sets.
            'routes': [str(n) for n in ipaddress.collapse_addresses(
                ipaddress.ip_network(x) for x in re.findall(
                    r'"([^"]+)"',
                    re.search(r'routes ([^;]*);', link).group(1)))],
            'ptp': re.search(r'ptp-address "([^"]+)"', link).group(1),
        }
    return out

def ours():
    d = os.path.join(tmp, 'out', 'secnet')
    main = open(os.path.join(d, 'sites.conf')).read()
    text = ''
    for inc in re.findall(r'^include (\S+)$', main, re.M):
        text += open(inc).read()
    return sites_of(text)

mine = ours()
theirs = sites_of(open(os.path.join(tmp, 'mss.conf')).read())
problems = []
# The sites file carries what make-secnet-sites can take: every site we
# give secnet, with its first endpoint only.
if sorted(mine) != sorted(theirs):
    problems.append('sites differ: %s vs %s' % (sorted(mine), sorted(theirs)))
for name in sorted(set(mine) & set(theirs)):
    a, b = mine[name], theirs[name]
    for k in ('port', 'mobile', 'routes', 'ptp'):
        if a[k] != b[k]:
            problems.append('%s: %s %r vs %r' % (name, k, a[k], b[k]))
    # "[192.0.2.1]" (our secnet output) and "192.0.2.1" (the sites file,
    # as sites files spell it) are one address.
    unbr = lambda l: [re.sub(r'^\[([0-9.]+)\]$', r'\1', x) for x in l]
    if unbr(a['addresses'][:1]) != unbr(b['addresses'][:1]):
        problems.append('%s: address %r vs %r'
                        % (name, a['addresses'], b['addresses']))
    leaf = name.split('/')[2]
    mk = open(os.path.join(tmp, 'mss-pk', 'peer.' + leaf), 'rb').read()
    ok = open(os.path.join(tmp, 'out', 'pk',
                           'peer.' + name.replace('/', ',')), 'rb').read()
    if mk != ok:
        problems.append('%s: peer-keys differ:\n%s\nvs\n%s' % (name, ok, mk))
expect = {'test/london/alpha', 'test/london/beta', 'test/paris/gamma'}
if set(mine) != expect:
    problems.append('expected sites %s, got %s'
                    % (sorted(expect), sorted(mine)))
alpha = mine.get('test/london/alpha', {})
if alpha.get('addresses') != ['[192.0.2.1]', '[2001:db8::1]']:
    problems.append('alpha addresses %r' % alpha)
state = json.load(open(os.path.join(tmp, 'out', 'state.json')))
if [s['name'] for s in state['sites']] != sorted(expect | {'test/paris/delta'}):
    problems.append('JSON sites %r' % [s['name'] for s in state['sites']])
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
EOF
exit 0
