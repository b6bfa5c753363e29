#!/usr/bin/env python3
"""Writes the seed inputs of fuzz_dns (see fuzz_dns.c for the format)
into DIR: answers a server may give to "a.example. TXT", good and bad.
usage: dns-seeds.py DIR"""
import os
import struct
import sys

TXT, CNAME, SOA, A, BIN = 16, 5, 6, 1, 65380


def name(n):
    out = b""
    for label in n.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(owner, typ, rdata, ttl=300, cls=1):
    return name(owner) + struct.pack(">HHIH", typ, cls, ttl, len(rdata)) + rdata


def msg(q="a.example", qtype=TXT, an=(), ns=(), rcode=0, tc=False, qr=True,
        mid=0):
    flags = (0x8000 if qr else 0) | 0x0400 | (0x0200 if tc else 0) | 0x0100 \
        | 0x0080 | rcode
    head = struct.pack(">HHHHHH", mid, flags, 1, len(an), len(ns), 0)
    return head + name(q) + struct.pack(">HH", qtype, 1) + b"".join(an) + \
        b"".join(ns)


def txt(s):
    return bytes([len(s)]) + s


SOA_RD = name("ns.example") + name("host.example") + \
    struct.pack(">IIIII", 1, 3600, 600, 86400, 60)
soa = rr("example", SOA, SOA_RD, ttl=120)


def inp(settings, *msgs):
    """settings byte, then (flags, bytes) per message."""
    out = bytes([settings])
    for flags, m in msgs:
        out += bytes([flags]) + struct.pack(">H", len(m)) + m
    return out


cname_ab = rr("a.example", CNAME, name("b.example"))
seeds = {
    "txt-answer": inp(0x18, (0, msg(an=[rr("a.example", TXT, txt(b"v=vpnrr1 k=site"))]))),
    "two-txt": inp(0x18, (0, msg(an=[rr("a.example", TXT, txt(b"x"), 60),
                                     rr("a.example", TXT, txt(b"y") + txt(b"z"))]))),
    "nxdomain": inp(0x18, (0, msg(rcode=3, ns=[soa]))),
    "nodata": inp(0x18, (0, msg(ns=[soa]))),
    "cname-in-answer": inp(0x18, (0, msg(an=[cname_ab, rr("b.example", TXT, txt(b"b"))]))),
    "cname-requery": inp(0x18, (0, msg(an=[cname_ab])),
                         (0, msg(q="b.example", an=[rr("b.example", TXT, txt(b"b"))]))),
    "cname-loop": inp(0x18, (0, msg(an=[cname_ab, rr("b.example", CNAME, name("a.example"))]))),
    "cname-too-many": inp(0x08, (0, msg(an=[cname_ab, rr("b.example", CNAME, name("c.example")),
                                            rr("c.example", TXT, txt(b"c"))]))),
    "truncated-then-tcp": inp(0x18, (0, msg(tc=True)),
                              (0, msg(an=[rr("a.example", TXT, txt(b"over tcp"))]))),
    "tcp-raw-short-length": inp(0x18, (0, msg(tc=True)), (2, b"\x00\x05abc")),
    "servfail-twice": inp(0x18, (0, msg(rcode=2)), (0, msg(rcode=2))),
    "refused": inp(0x18, (0, msg(rcode=5))),
    "formerr": inp(0x18, (0, msg(rcode=1))),
    "wrong-id-then-good": inp(0x18, (1, msg(mid=0x1234)),
                              (0, msg(an=[rr("a.example", TXT, txt(b"ok"))]))),
    "wrong-source": inp(0x18, (4, msg(an=[rr("a.example", TXT, txt(b"spoof"))])),
                        (0, msg(an=[rr("a.example", TXT, txt(b"ok"))]))),
    "wrong-question": inp(0x18, (0, msg(q="x.example", an=[rr("x.example", TXT, txt(b"x"))]))),
    "wrong-type": inp(0x18, (0, msg(qtype=A, an=[rr("a.example", A, b"\x7f\0\0\1")]))),
    "not-a-response": inp(0x18, (0, msg(qr=False))),
    "short": inp(0x18, (0, b"\x00\x00\x81")),
    "pointer-loop": inp(0x18, (0, struct.pack(">HHHHHH", 0, 0x8180, 1, 0, 0, 0)
                               + b"\xc0\x0c" + struct.pack(">HH", TXT, 1))),
    "rdlength-past-end": inp(0x18, (0, msg()[:-0] + b"")),
    "binary-type": inp(0x19, (0, msg(qtype=BIN, an=[rr("a.example", BIN, b"\x01\x02\x03")]))),
    "ask-cname": inp(0x1a, (0, msg(qtype=CNAME, an=[cname_ab]))),
    "ask-soa-no-edns": inp(0x1f, (0, msg(qtype=SOA, an=[rr("a.example", SOA, SOA_RD)]))),
    "soa-bad-rdata": inp(0x18, (0, msg(ns=[rr("example", SOA, b"\x00")]))),
    "class-chaos": inp(0x18, (0, msg(an=[rr("a.example", TXT, txt(b"ch"), cls=3)]))),
}
# An answer that announces more than it holds.
m = msg(an=[rr("a.example", TXT, txt(b"cut short"))])
seeds["rdlength-past-end"] = inp(0x18, (0, m[:-4]))

os.makedirs(sys.argv[1], exist_ok=True)
for k, v in seeds.items():
    with open(os.path.join(sys.argv[1], k), "wb") as f:
        f.write(v)
