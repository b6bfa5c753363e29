"""bench_specs.py SITESFILE - the sites of a sites file from
tests/bench/gen.py as lines for render_specs, on standard output.

One line per site, fields separated by tabs: LOCATION/SITE, endpoint
(ADDR:PORT, [V6]:PORT or "mobile"), networks, point-to-point address,
key serial, keys ([~]GROUP:rsa1:BASE64 of "BITS E N", comma-separated),
dh ("MODHEX GENHEX"), hash.  VPN-level dh and hash are copied into every
site, as "vpnrr import" does (a site record stands alone).

Reads only what gen.py writes: it is a benchmark helper, not a parser of
every sites file."""
import base64
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'bench'))
import gen  # noqa: E402


def key_field(group, fallback, text):
    b64 = base64.b64encode(text.encode('ascii')).decode('ascii')
    return '%s%s:rsa1:%s' % ('~' if fallback else '', group, b64)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    pool = {}
    with open(os.path.join(os.path.dirname(argv[1]), 'keypool')) as f:
        for line in f:
            if line.strip():
                pool[gen.newstyle(line.strip())] = line.strip()
    vdh = vhash = loc = None
    site = None
    out = []

    def flush():
        if site:
            out.append('\t'.join([site['name'], site.get('ep', 'mobile'),
                                  site['nets'], site['ptp'],
                                  site.get('ks', '00000001'),
                                  ','.join(site['keys']),
                                  site.get('dh', vdh), site.get('hash', vhash)]))

    with open(argv[1]) as f:
        for raw in f:
            w = raw.split()
            if not w or w[0].startswith('#'):
                continue
            if w[0] == 'dh' and site is None:
                vdh = '%s %s' % (w[1].lower(), w[2])
            elif w[0] == 'hash' and site is None:
                vhash = w[1]
            elif w[0] == 'location':
                flush()
                site, loc = None, w[1]
            elif w[0] == 'site':
                flush()
                site = {'name': '%s/%s' % (loc, w[1]), 'keys': []}
            elif site is None:
                continue
            elif w[0] == 'networks':
                site['nets'] = ','.join(w[1:])
            elif w[0] == 'peer':
                site['ptp'] = w[1]
            elif w[0] == 'address':
                site['ep'] = '%s:%s' % (w[1], w[2])
            elif w[0] == 'serial':
                site['ks'] = w[1]
            elif w[0] in ('pkg', 'pkgf'):
                site['group'], site['fallback'] = w[1], w[0] == 'pkgf'
            elif w[0] == 'pub':
                site['keys'].append(key_field(site['group'],
                                              site['fallback'], pool[w[2]]))
            elif w[0] == 'pubkey':
                site['keys'].append(key_field('00000000', False,
                                              ' '.join(w[1:4])))
    flush()
    sys.stdout.write(''.join(line + '\n' for line in out))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
