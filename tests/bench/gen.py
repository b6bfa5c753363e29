#!/usr/bin/env python3
"""gen.py N OUTDIR - a make-secnet-sites sites file of N sites.

Writes OUTDIR/sites.conf: one VPN "bench" with N sites spread over
locations of 100 sites, each with its own /24 inside 10.0.0.0/8 (every
tenth also an IPv6 /56 inside fd00::/8), a peer address, and an
endpoint: mostly IPv4 literals, one in four an IPv6 literal, one in ten
mobile (no address).  Sites carry secnet rsa1 keys drawn from a pool of
distinct 1024-bit keys (OUTDIR/keypool, made once and reused: making
10,000 keys would take longer than everything measured); every fifth
site has two key sets (pub/pkg/pkgf, as after a rollover).  The DH
group is RFC 3526's 2048-bit MODP group, which secnet accepts.

The pool holds 32 keys; BENCH_KEYPOOL=K makes it K (at least 2), for
tests that count rather than time and cannot afford 32 pure-Python keys.

The same file is the input of make-secnet-sites (the baseline) and of
"vpnrr import" (the publish step), so both sides provision the same
sites."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'outputs'))
import mkrsa1key  # noqa: E402

POOL = 32


def pool_size():
    """BENCH_KEYPOOL, or POOL when unset."""
    v = os.environ.get('BENCH_KEYPOOL', '')
    if not v:
        return POOL
    if not v.isdigit() or int(v) < 2:
        sys.exit('gen.py: BENCH_KEYPOOL=%s: not a number of keys >= 2' % v)
    return int(v)
MODP2048 = (
    'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74'
    '020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437'
    '4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED'
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05'
    '98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB'
    '9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B'
    'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718'
    '3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF')


B91 = ('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
       '0123456789!#$%&()*+,./:;<=>?@[]^_`{|}~"')


def base91s(data):
    """basE91 as make-secnet-sites writes new-style keys ('"' as '-')."""
    out, b, n = [], 0, 0
    for byte in data:
        b |= byte << n
        n += 8
        if n > 13:
            v = b & 8191
            if v > 88:
                b >>= 13
                n -= 13
            else:
                v = b & 16383
                b >>= 14
                n -= 14
            out += [B91[v % 91], B91[v // 91]]
    if n:
        out.append(B91[b % 91])
        if n > 7 or b > 90:
            out.append(B91[b // 91])
    return ''.join(out).replace('"', '-')


def newstyle(key):
    return base91s(key.encode('ascii'))


def key_pool(outdir):
    """pool_size() distinct rsa1 public keys ("BITS E N"), made once."""
    size = pool_size()
    path = os.path.join(outdir, 'keypool')
    keys = []
    if os.path.exists(path):
        with open(path) as f:
            keys = [line.strip() for line in f if line.strip()]
    if len(keys) >= size:
        return keys[:size]
    mkrsa1key.BITS = 1024
    while len(keys) < size:
        _, pub = mkrsa1key.make_key('bench%d@example.net' % len(keys))
        keys.append(' '.join(pub.split()[:3]))
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write('\n'.join(keys) + '\n')
    os.rename(tmp, path)
    return keys


def site_lines(i, keys):
    a, b = (i >> 8) & 0xff, i & 0xff
    nets = '10.%d.%d.0/24' % (a, b)
    if i % 10 == 3:
        nets += ' fd00:%x:%x::/56' % (a, b << 8)
    out = ['site s%05d' % i,
           '  networks %s' % nets,
           '  peer 10.%d.%d.1' % (a, b)]
    if i % 10 == 7:
        out.append('  mobile true')
    elif i % 4 == 1:
        out.append('  address [2001:db8:%x:%x::1] %d' % (a, b, 4500 + i % 7))
    else:
        out.append('  address 198.18.%d.%d %d' % (a, b, 4500 + i % 7))
    k1, k2 = keys[i % len(keys)], keys[(i + 1) % len(keys)]
    if i % 5 == 0:
        out += ['  serial %08x' % 2, '  pkg %08x' % 2,
                '  pub rsa1 %s' % newstyle(k2), '  pkgf %08x' % 1,
                '  pub rsa1 %s' % newstyle(k1)]
    else:
        out.append('  pubkey %s s%05d@example.net' % (k1, i))
    return out


def main(argv):
    if len(argv) != 3 or not argv[1].isdigit() or int(argv[1]) < 1 or \
            int(argv[1]) > 60000:
        sys.stderr.write(__doc__)
        return 2
    n, outdir = int(argv[1]), argv[2]
    os.makedirs(outdir, exist_ok=True)
    keys = key_pool(outdir)
    lines = ['# %d sites, made by tests/bench/gen.py' % n,
             'vpn bench',
             'contact admin@example.net',
             'dh %s 2' % MODP2048.lower(),
             'hash sha1',
             'restrict-nets 10.0.0.0/8 fd00::/8',
             '']
    for i in range(1, n + 1):
        if (i - 1) % 100 == 0:
            lines += ['', 'location l%03d ops' % ((i - 1) // 100),
                      'contact ops-l%03d@example.net' % ((i - 1) // 100)]
        lines += site_lines(i, keys)
    lines.append('end-definitions')
    tmp = os.path.join(outdir, 'sites.conf.tmp')
    with open(tmp, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    os.rename(tmp, os.path.join(outdir, 'sites.conf'))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
