#!/usr/bin/env python3
"""mss_compare.py ORIG.conf ORIG-PUBKEYS FETCHED.conf FETCHED-PUBKEYS

Compares two make-secnet-sites outputs (secnet configuration fragments,
written with --pubkeys-install) by meaning: for every site its effective
dh, hash and timers (inherited down vpn -> location -> site as secnet
looks them up), address, port, mobile flag, routes, ptp-address, and its
peer-keys file (serial, key groups, keys).  Comments are not compared
(make-secnet-sites writes contact and restrict-nets only as comments).

Differences that are expected, and why (each also in publisher/README.md,
import section):
  * peer-keys: no "serial" line reads as serial 00000000 and keys before
    any pkg line as group 00000000 (make-secnet-sites' and secnet's
    defaults), so "pkg 00000000" written out is no difference.
Prints each difference and exits 1 if there is any.
"""
import os
import re
import sys

PROPS = ['dh', 'hash', 'key-lifetime', 'setup-timeout', 'setup-retries',
         'wait-time', 'renegotiate-time', 'address', 'port', 'mobile',
         'routes', 'ptp-address']


def parse(path):
    """{site name: {prop: value}} with inheritance applied."""
    stack = []  # (name, props)
    sites = {}
    for raw in open(path):
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        m = re.match(r'^(?:[-\w]+ )?([A-Za-z][-\w]*) \{$', line)
        if m:
            stack.append((m.group(1), {}))
            continue
        if line == '};':
            name, props = stack.pop()
            if 'name' in props:
                eff = {}
                for _, p in stack[1:] + [(name, props)]:
                    eff.update(p)
                sites[props['name'].strip('"')] = eff
            elif name == 'netlink' and stack:
                stack[-1][1].update(props)
            continue
        if not stack or stack[0][0] != 'vpn-data':
            continue
        # "address "x"; port 4500;" holds two assignments.
        for part in re.findall(r'([-\w]+) ([^;]*);', line):
            key, val = part
            stack[-1][1][key] = val.strip()
    return sites


def peerkeys(path):
    """(serial, [(group, fallback, alg, data)]) of a peer-keys file."""
    serial, group, fb, keys = '00000000', '00000000', False, []
    if not os.path.exists(path):
        return None
    for raw in open(path):
        w = raw.split()
        if not w:
            continue
        if w[0] == 'serial':
            serial = w[1]
        elif w[0] in ('pkg', 'pkgf'):
            group, fb = w[1], w[0] == 'pkgf'
        elif w[0] == 'pub':
            keys.append((group, fb, w[1], w[2]))
    return serial, keys


def main():
    orig, opk, got, gpk = sys.argv[1:5]
    a, b = parse(orig), parse(got)
    diffs = []
    for name in sorted(set(a) | set(b)):
        if name not in b:
            diffs.append('%s: missing from the round trip' % name)
            continue
        if name not in a:
            diffs.append('%s: not in the original' % name)
            continue
        for p in PROPS:
            if a[name].get(p) != b[name].get(p):
                diffs.append('%s: %s: %r, after the round trip %r'
                             % (name, p, a[name].get(p), b[name].get(p)))
        f = 'peer.' + name.replace('/', ',')
        ka, kb = peerkeys(os.path.join(opk, f)), peerkeys(os.path.join(gpk, f))
        if ka != kb:
            diffs.append('%s: peer-keys %r, after the round trip %r'
                         % (name, ka, kb))
    for d in diffs:
        print(d)
    print('%d sites compared, %d differences' % (len(a), len(diffs)))
    return 1 if diffs else 0


if __name__ == '__main__':
    sys.exit(main())
