#!/usr/bin/env python3
"""ft.py - helpers for the vpnrr-fetch integration tests (tests/fetcher).

  ft.py snap OUT ROOT           record every file under ROOT (relative
                                path -> mtime in ns, size, sha256) in OUT
  ft.py changed A B             print what differs between two snapshots,
                                one "A|M|D PATH" line each, sorted
  ft.py expect-changed A B LABEL [A|M|D:PATH]...
                                fail unless the changes are exactly these
  ft.py report FILE CHECK...    check a vpnrr-fetch --json report; each
                                CHECK is KEY=VALUE, KEY=V1|V2 (either),
                                KEY+KEY=VALUE (sum),
                                KEY~TEXT (JSON of KEY contains TEXT) or
                                KEY! (KEY missing or empty); KEY is dotted
  ft.py step LABEL ROOT BEFORE AFTER REPORT ITEM...
                                after a refresh: snapshot ROOT into AFTER;
                                the items A|M|D:PATH are the exact changes
                                since BEFORE, the others report checks;
                                then the figures line
  ft.py get FILE KEY            print one dotted key of a JSON file
  ft.py figures LABEL FILE      one summary line of a report
  ft.py check-outputs OUT       the fetcher's outputs for zone-examples:
                                IPv6 networks filtered for secnet, IPv6
                                literal endpoint, JSON keeps IPv6 nets
  ft.py same-outputs A B        two output trees hold the same
                                configuration (paths under A and B aside)
  ft.py compare-mss OUT MSSCONF MSSPK
                                the configuration make-secnet-sites made
                                from our sites file names the same sites,
                                endpoints, networks, ptp addresses and keys
                                as our secnet output

Exit status 0 when every check holds, 1 otherwise (with the reasons on
standard error)."""
import hashlib
import ipaddress
import json
import os
import re
import sys


def die(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def snap(out, root):
    files = {}
    for d, _, names in os.walk(root):  # nothing when ROOT is missing
        for n in names:
            p = os.path.join(d, n)
            st = os.lstat(p)
            with open(p, 'rb') as f:
                h = hashlib.sha256(f.read()).hexdigest()
            files[os.path.relpath(p, root)] = [st.st_mtime_ns, st.st_size, h]
    with open(out, 'w') as f:
        json.dump(files, f, sort_keys=True)


def changes(a, b):
    with open(a) as f:
        x = json.load(f)
    with open(b) as f:
        y = json.load(f)
    out = []
    for p in sorted(set(x) | set(y)):
        if p not in x:
            out.append('A ' + p)
        elif p not in y:
            out.append('D ' + p)
        elif x[p] != y[p]:
            out.append('M ' + p)
    return out


def expect_changed(a, b, label, want):
    got = changes(a, b)
    # Both in path order (what changes() gives), whatever the letters.
    want = sorted((w.replace(':', ' ', 1) for w in want),
                  key=lambda w: w[2:])
    if got != want:
        die('%s: files changed:\n  %s\nexpected:\n  %s'
            % (label, '\n  '.join(got) or '(none)',
               '\n  '.join(want) or '(none)'))


def dotted(obj, key):
    for part in key.split('.'):
        if isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
            obj = obj[int(part)]
            continue
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def report(path, checks):
    with open(path) as f:
        r = json.load(f)
    bad = []
    for c in checks:
        if c.endswith('!'):
            v = dotted(r, c[:-1])
            if v:
                bad.append('%s: expected nothing, got %s'
                           % (c[:-1], json.dumps(v)))
            continue
        m = re.match(r'^([^=~]+)([=~])(.*)$', c)
        if not m:
            die('bad check %r' % c)
        keys, op, want = m.groups()
        if op == '~':
            v = json.dumps(dotted(r, keys))
            if want not in v:
                bad.append('%s: %s does not contain %r' % (keys, v, want))
            continue
        vals = [dotted(r, k) for k in keys.split('+')]
        if len(vals) > 1:
            v = sum(x or 0 for x in vals)
        else:
            v = vals[0]
        # VALUE may list alternatives: A|B.
        if not any(json.dumps(v) == w or str(v) == w
                   for w in want.split('|')):
            bad.append('%s: %s, expected %s' % (keys, json.dumps(v), want))
    if bad:
        die('%s:\n  %s' % (path, '\n  '.join(bad)))


def figures(label, path):
    with open(path) as f:
        r = json.load(f)
    v = r['verify']
    print('%-28s %2d queries (%d udp, %d tcp), %d signatures checked, '
          '%d files written, %d removed, %d reloads'
          % (label, r['dns']['queries'], r['dns']['sent_udp'],
             r['dns']['sent_tcp'], v['heads_verified'] + v['sites_verified'],
             r['files']['written'], r['files']['removed'],
             r['secnet']['reloads']))


def read(path):
    with open(path) as f:
        return f.read()


def secnet_sites(text):
    """name -> properties, from secnet configuration text (ours or
    make-secnet-sites'), whatever its layout."""
    out = {}
    for chunk in re.split(r'(?=\bname ")', text)[1:]:
        name = re.match(r'name "([^"]+)"', chunk).group(1)
        props, rest = chunk.split('link netlink', 1)
        link = rest.split('};', 1)[0]
        addr = re.search(r'address ([^;]+); port (\d+);', props)
        pk = re.search(r'peer-keys "([^"]+)"', props)
        out[name] = {
            'addresses': (re.findall(r'"([^"]+)"', addr.group(1))
                          if addr else []),
            'port': int(addr.group(2)) if addr else None,
            'mobile': 'mobile True;' in props,
            # make-secnet-sites merges adjacent networks: compare sets.
            'routes': sorted(str(n) for n in ipaddress.collapse_addresses(
                ipaddress.ip_network(x) for x in re.findall(
                    r'"([^"]+)"',
                    re.search(r'routes ([^;]*);', link).group(1)))),
            'ptp': re.search(r'ptp-address "([^"]+)"', link).group(1),
            'peer-keys': pk.group(1) if pk else None,
        }
    return out


def our_secnet(out):
    """Our sites.conf with its includes expanded."""
    main = read(os.path.join(out, 'secnet', 'sites.conf'))
    text = ''
    for inc in re.findall(r'^include (\S+)$', main, re.M):
        text += read(inc)
    return secnet_sites(text), main


def keyset(path):
    """A peer-keys file as (serial, [(group, fallback, alg, data)...])."""
    serial, group, fb, keys = None, '00000000', False, []
    for line in read(path).splitlines():
        w = line.split()
        if not w or w[0].startswith('#'):
            continue
        if w[0] == 'serial':
            serial = w[1]
        elif w[0] in ('pkg', 'pkgf'):
            group, fb = w[1], w[0] == 'pkgf'
        elif w[0] == 'pub':
            keys.append((group, fb, w[1], w[2]))
    return serial, sorted(keys)


def check_outputs(out):
    sites, main = our_secnet(out)
    bad = []
    names = {'example/london/alpha', 'example/paris/beta',
             'example/mobile/gamma', 'example/berlin/delta'}
    if set(sites) != names:
        bad.append('secnet sites %s' % sorted(sites))
    beta = sites.get('example/paris/beta', {})
    if beta.get('addresses') != ['[2001:db8:2::10]'] or beta.get('port') != 4500:
        bad.append('beta endpoint %r (want "[2001:db8:2::10]" 4500)' % beta)
    if beta.get('routes') != ['10.2.0.0/16']:
        bad.append('beta routes %r (IPv6 must be filtered)' % beta)
    delta = sites.get('example/berlin/delta', {})
    if delta.get('routes') != ['10.4.0.0/16']:
        bad.append('delta routes %r' % delta)
    if delta.get('addresses') != ['gw.delta.example.net']:
        bad.append('delta address %r' % delta)
    gamma = sites.get('example/mobile/gamma', {})
    if not gamma.get('mobile') or gamma.get('addresses'):
        bad.append('gamma not mobile: %r' % gamma)
    alpha = sites.get('example/london/alpha', {})
    if alpha.get('addresses') != ['[192.0.2.10]'] or alpha.get('port') != 4500:
        bad.append('alpha endpoint %r' % alpha)
    for f in os.listdir(os.path.join(out, 'secnet')):
        if 'fd00' in read(os.path.join(out, 'secnet', f)):
            bad.append('secnet/%s mentions an IPv6 network' % f)
    for name, s in sites.items():
        pk = s['peer-keys']
        if not pk or not os.path.exists(pk):
            bad.append('%s: peer-keys file %s missing' % (name, pk))
    # The delta rollover: new group first, the old one as fallback; the
    # x25519 key is not for secnet, which skips it (written all the same,
    # as make-secnet-sites writes it).
    serial, keys = keyset(os.path.join(out, 'pk', 'peer.example,berlin,delta'))
    if serial != '00000002' or [(g, fb, a) for g, fb, a, _ in keys] != [
            ('00000001', True, 'rsa1'), ('00000002', False, 'rsa1'),
            ('00000002', False, 'x25519')]:
        bad.append('delta peer-keys: serial %s keys %r' % (serial, keys))
    # JSON keeps the IPv6 networks for consumers that can use them.
    j = json.loads(read(os.path.join(out, 'vpn.json')))
    js = {s['name']: s for s in j['sites']}
    if js.get('example/paris/beta', {}).get('networks') != [
            '10.2.0.0/16', 'fd00:2::/48']:
        bad.append('JSON beta networks %r'
                   % js.get('example/paris/beta', {}).get('networks'))
    if js.get('example/paris/beta', {}).get('endpoints') != [
            '[2001:db8:2::10]:4500']:
        bad.append('JSON beta endpoints')
    sf = read(os.path.join(out, 'sites'))
    if not re.search(r'^address \[2001:db8:2::10\] 4500$', sf, re.M):
        bad.append('sites file: beta address not an IPv6 literal')
    if re.search(r'^networks .*fd00', sf, re.M):
        bad.append('sites file: IPv6 networks given to make-secnet-sites')
    if bad:
        die('outputs of %s:\n  %s' % (out, '\n  '.join(bad)))


def same_outputs(a, b):
    """Same files with the same bytes once each tree's own path is
    replaced by a placeholder."""
    def tree(root):
        t = {}
        for d, _, names in os.walk(root):
            for n in names:
                p = os.path.join(d, n)
                t[os.path.relpath(p, root)] = read(p).replace(root, '@OUT@')
        return t
    x, y = tree(a), tree(b)
    bad = [p for p in sorted(set(x) | set(y)) if x.get(p) != y.get(p)]
    if bad:
        die('outputs %s and %s differ: %s' % (a, b, ', '.join(bad)))


def compare_mss(out, mss_conf, mss_pk):
    mine, _ = our_secnet(out)
    theirs = secnet_sites(read(mss_conf))
    bad = []
    if set(mine) != set(theirs):
        bad.append('sites differ: ours %s, make-secnet-sites %s'
                   % (sorted(mine), sorted(theirs)))
    for name in sorted(set(mine) & set(theirs)):
        a, b = mine[name], theirs[name]
        for k in ('addresses', 'port', 'mobile', 'routes', 'ptp'):
            if k == 'addresses':
                # "[192.0.2.1]" (our secnet output) and "192.0.2.1" (the
                # sites file, as sites files spell it) are one address.
                a = dict(a, addresses=[re.sub(r'^\[([0-9.]+)\]$', r'\1', x)
                                       for x in a[k]])
            if a[k] != b[k]:
                bad.append('%s: %s ours %r, theirs %r' % (name, k, a[k], b[k]))
        ka = keyset(a['peer-keys'])
        # make-secnet-sites installs ~update files named after the site.
        kb = keyset(os.path.join(mss_pk, 'peer.%s~update'
                                 % name.split('/')[2]))
        if ka != kb:
            bad.append('%s: keys ours %r, theirs %r' % (name, ka, kb))
    if bad:
        die('make-secnet-sites comparison:\n  %s' % '\n  '.join(bad))


def step(label, root, before, after, rep, items):
    snap(after, root)
    expect_changed(before, after, label,
                   [i for i in items if re.match(r'^[AMD]:', i)])
    report(rep, [i for i in items if not re.match(r'^[AMD]:', i)])
    figures(label, rep)


def main(argv):
    if len(argv) < 2:
        die(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == 'snap' and len(args) == 2:
        snap(*args)
    elif cmd == 'changed' and len(args) == 2:
        print('\n'.join(changes(*args)))
    elif cmd == 'expect-changed' and len(args) >= 3:
        expect_changed(args[0], args[1], args[2], args[3:])
    elif cmd == 'report' and len(args) >= 1:
        report(args[0], args[1:])
    elif cmd == 'step' and len(args) >= 5:
        step(args[0], args[1], args[2], args[3], args[4], args[5:])
    elif cmd == 'get' and len(args) == 2:
        with open(args[0]) as f:
            v = dotted(json.load(f), args[1])
        print(v if not isinstance(v, (dict, list)) else json.dumps(v))
    elif cmd == 'figures' and len(args) == 2:
        figures(*args)
    elif cmd == 'check-outputs' and len(args) == 1:
        check_outputs(*args)
    elif cmd == 'same-outputs' and len(args) == 2:
        same_outputs(*args)
    elif cmd == 'compare-mss' and len(args) == 3:
        compare_mss(*args)
    else:
        die(__doc__)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
