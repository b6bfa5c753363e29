#!/usr/bin/env python3
"""Test keys for secnet, with the Python standard library only.

  mkrsa1key.py key FILE COMMENT   writes FILE, an unencrypted SSH-1 RSA
                                  private key as secnet's rsa-private()
                                  reads it (rsa.c, rsa_loadpriv_core), and
                                  prints the public key "BITS E N COMMENT"
                                  (the rsa1 key data of sites files)
  mkrsa1key.py prime BITS         prints a random prime in hex, for a
                                  test-only diffie-hellman() modulus

For tests only: the randomness is good (secrets) but the keys are small.
"""
import os
import secrets
import struct
import sys

BITS = 1024
E = 65537


def probably_prime(n, rounds=40):
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47):
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(rounds):
        x = pow(secrets.randbelow(n - 3) + 2, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def random_prime(bits):
    while True:
        # Top two bits set so that a product of two has exactly 2*bits.
        n = secrets.randbits(bits) | (3 << (bits - 2)) | 1
        if probably_prime(n):
            return n


def mpint(n):
    """SSH-1 multiple-precision integer: bit count, then big-endian bytes."""
    nbits = n.bit_length()
    return struct.pack('>H', nbits) + n.to_bytes((nbits + 7) // 8, 'big')


def make_key(comment):
    while True:
        p, q = random_prime(BITS // 2), random_prime(BITS // 2)
        phi = (p - 1) * (q - 1)
        if p != q and phi % E != 0:
            break
    if p < q:
        p, q = q, p  # the file holds q (smaller) then p (larger)
    n = p * q
    d = pow(E, -1, phi)
    iqmp = pow(q, -1, p)
    check = secrets.token_bytes(2)
    c = comment.encode('ascii')
    public = (b'SSH PRIVATE KEY FILE FORMAT 1.1\n\0'
              + bytes([0])                  # cipher: none
              + struct.pack('>I', 0)        # reserved
              + struct.pack('>I', BITS)     # key bits
              + mpint(n) + mpint(E)
              + struct.pack('>I', len(c)) + c)
    private = (check + check                # unencrypted: equal pairs
               + mpint(d) + mpint(iqmp) + mpint(q) + mpint(p))
    # OpenSSH padded the private part to 8 bytes; secnet ignores it.
    private += bytes(-len(private) % 8)
    body = public + private
    return body, '%d %d %d %s' % (n.bit_length(), E, n, comment)


def main(argv):
    if len(argv) == 4 and argv[1] == 'key':
        body, pub = make_key(argv[3])
        fd = os.open(argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'wb') as f:
            f.write(body)
        print(pub)
        return 0
    if len(argv) == 3 and argv[1] == 'prime':
        print('%x' % random_prime(int(argv[2])))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
