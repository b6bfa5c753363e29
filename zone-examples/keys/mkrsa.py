#!/usr/bin/env python3
"""mkrsa.py NAME - make a secnet rsa1 test key with openssl.

Writes NAME.pem (the RSA private key, PEM, from "openssl genrsa"),
NAME.secnet (the same key in the SSH1 private key file format that
secnet's rsa-private reads) and NAME.pubkey (the sites-file form
"pubkey BITS E N").  Fixtures only: never use these keys for real."""
import re
import struct
import subprocess
import sys


def numbers(pem):
    text = subprocess.run(["openssl", "rsa", "-in", pem, "-noout", "-text"],
                          check=True, capture_output=True, text=True).stdout
    out = {}
    for name in ("modulus", "privateExponent", "prime1", "prime2"):
        m = re.search(name + r":\s*\n((?:\s+[0-9a-f:]+\n)+)", text)
        out[name] = int(re.sub(r"[\s:]", "", m.group(1)), 16)
    out["publicExponent"] = int(re.search(r"publicExponent: (\d+)", text)
                                .group(1))
    return out


def mpint(v):
    bits = v.bit_length()
    return struct.pack(">H", bits) + v.to_bytes((bits + 7) // 8, "big")


def ssh1(n, e, d, p, q, comment):
    if q > p:
        p, q = q, p
    iqmp = pow(q, -1, p)
    body = (b"SSH PRIVATE KEY FILE FORMAT 1.1\n\0" + b"\0" +
            struct.pack(">I", 0) + struct.pack(">I", n.bit_length()) +
            mpint(n) + mpint(e) + struct.pack(">I", len(comment)) + comment +
            b"\x5a\xa5\x5a\xa5" + mpint(d) + mpint(iqmp) + mpint(q) +
            mpint(p))
    return body + b"\0" * (-len(body) % 8)


def main():
    name = sys.argv[1]
    subprocess.run(["openssl", "genrsa", "-out", name + ".pem", "2048"],
                   check=True, capture_output=True)
    k = numbers(name + ".pem")
    n, e = k["modulus"], k["publicExponent"]
    with open(name + ".secnet", "wb") as f:
        f.write(ssh1(n, e, k["privateExponent"], k["prime1"], k["prime2"],
                     name.encode()))
    with open(name + ".pubkey", "w") as f:
        f.write("pubkey %d %d %d\n" % (n.bit_length(), e, n))


main()
