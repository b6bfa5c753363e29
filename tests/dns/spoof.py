#!/usr/bin/env python3
"""Fake DNS server on 127.0.0.1 that misbehaves on purpose, for dns-driver.

Usage: spoof.py DNS-DRIVER

Answers by query name (see HANDLERS): spoofed answers (wrong ID, wrong
question, wrong source port) before the right one, malformed datagrams,
truncation with a TCP answer sent in small chunks, CNAMEs that need a
re-query, error rcodes.  Runs `DNS-DRIVER spoof 127.0.0.1:PORT`, relays its
output and exits with its status (1 also when the server saw a bad query).
Everything is bounded: the driver gets 60 s, sockets time out.
"""
import select
import socket
import struct
import subprocess
import sys
import threading
import time

T_TXT, T_CNAME, T_A, T_OPT = 16, 5, 1, 41
C_IN, C_CH = 1, 3


def name_wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def txt_rdata(*strings):
    return b"".join(bytes([len(s)]) + s.encode() for s in strings)


def swapcase_wire(wire):
    return bytes(c ^ 0x20 if (65 <= c <= 90 or 97 <= c <= 122) else c
                 for c in wire)


class Query:
    """A parsed query; raises ValueError on anything unexpected."""

    def __init__(self, data):
        if len(data) < 12:
            raise ValueError("short query")
        (self.id, self.flags, qd, an, ns, self.ar) = struct.unpack(
            "!HHHHHH", data[:12])
        if self.flags & 0x8000 or qd != 1 or an or ns:
            raise ValueError("not a plain query: flags %x qd %d" %
                             (self.flags, qd))
        pos, labels = 12, []
        while True:
            n = data[pos]
            if n == 0 or n & 0xC0:
                if n:
                    raise ValueError("compressed qname")
                pos += 1
                break
            labels.append(data[pos + 1:pos + 1 + n].decode("ascii"))
            pos += 1 + n
        self.qname_wire = data[12:pos]
        self.name = ".".join(labels).lower()
        self.qtype, self.qclass = struct.unpack("!HH", data[pos:pos + 4])
        pos += 4
        self.edns = None
        for _ in range(self.ar):
            if data[pos] != 0:
                raise ValueError("additional RR with a non-root owner")
            rtype, rclass, _ttl, rdlen = struct.unpack(
                "!HHIH", data[pos + 1:pos + 11])
            if rtype == T_OPT:
                self.edns = rclass
            pos += 11 + rdlen
        if pos != len(data):
            raise ValueError("trailing bytes in query")

    @property
    def rd(self):
        return bool(self.flags & 0x0100)


def response(q, answers=(), rcode=0, tc=False, qid=None, qname_wire=None,
             qtype=None, qclass=None, qr=True):
    flags = (0x8000 if qr else 0) | 0x0400 | (q.flags & 0x0100) | rcode
    if tc:
        flags |= 0x0200
    head = struct.pack("!HHHHHH", q.id if qid is None else qid, flags, 1,
                       len(answers), 0, 0)
    question = (q.qname_wire if qname_wire is None else qname_wire) + \
        struct.pack("!HH", q.qtype if qtype is None else qtype,
                    q.qclass if qclass is None else qclass)
    body = b""
    for owner, rtype, ttl, rdata in answers:
        body += owner + struct.pack("!HHIH", rtype, C_IN, ttl, len(rdata)) \
            + rdata
    return head + question + body


def right(q, text="right-answer"):
    # Mixed case on the way back: the client must compare names without case.
    return response(q, [(q.qname_wire, T_TXT, 60, txt_rdata(text))],
                    qname_wire=swapcase_wire(q.qname_wire))


class Server:
    def __init__(self):
        self.errors = []
        self.stop = threading.Event()
        for _ in range(20):
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind(("127.0.0.1", 0))
            self.port = self.udp.getsockname()[1]
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                self.tcp.bind(("127.0.0.1", self.port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
        else:
            raise SystemExit("spoof.py: no port free for both UDP and TCP")
        self.tcp.listen(8)
        self.other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.other.bind(("127.0.0.1", 0))
        self.threads = [threading.Thread(target=self.udp_loop, daemon=True),
                        threading.Thread(target=self.tcp_loop, daemon=True)]
        for t in self.threads:
            t.start()

    def close(self):
        self.stop.set()
        for t in self.threads:
            t.join(5)
        for s in (self.udp, self.tcp, self.other):
            s.close()

    # ---- UDP ----

    def udp_loop(self):
        while not self.stop.is_set():
            r, _, _ = select.select([self.udp], [], [], 0.1)
            if not r:
                continue
            data, peer = self.udp.recvfrom(65535)
            try:
                q = Query(data)
            except (ValueError, IndexError, struct.error) as e:
                self.errors.append("bad query: %s" % e)
                continue
            if q.edns is not None and q.edns != 1232:
                self.errors.append("EDNS size %d, not 1232" % q.edns)
            for pkt in self.udp_answers(q):
                sock = self.other if pkt[0] == "other" else self.udp
                sock.sendto(pkt[1], peer)

    def udp_answers(self, q):
        n = q.name
        if n == "spoof.test":
            return [("main", response(q, [(q.qname_wire, T_TXT, 60,
                                           txt_rdata("wrong-id"))],
                                      qid=(q.id + 1) & 0xFFFF)),
                    ("main", response(q, [(name_wire("x" + n), T_TXT, 60,
                                           txt_rdata("wrong-qname"))],
                                      qname_wire=name_wire("x" + n))),
                    ("other", right(q, "wrong-port")),
                    ("main", right(q))]
        if n == "wrongtype.spoof.test":
            return [("main", response(q, qtype=T_A)),
                    ("main", response(q, qclass=C_CH)),
                    ("main", response(q, [(q.qname_wire, T_TXT, 60,
                                           txt_rdata("not-a-response"))],
                                      qr=False)),
                    ("main", right(q))]
        if n == "garbage.spoof.test":
            full = right(q, "cut-short")
            return [("main", full[:3]),
                    ("main", full[:len(full) - 4]),
                    ("main", right(q))]
        if n == "flags.spoof.test":
            text = "rd=%d edns=%s ar=%d" % (
                q.rd, "none" if q.edns is None else q.edns, q.ar)
            return [("main", right(q, text))]
        if n in ("tc.spoof.test", "tceof.spoof.test"):
            return [("main", response(q, tc=True))]
        if n == "chain.spoof.test":
            return [("main", response(q, [(q.qname_wire, T_CNAME, 300,
                                           name_wire("target.spoof.test"))]))]
        if n == "target.spoof.test":
            return [("main", right(q, "after-requery"))]
        if n in ("rl1.spoof.test", "rl2.spoof.test"):
            other = "rl2.spoof.test" if n == "rl1.spoof.test" else \
                "rl1.spoof.test"
            return [("main", response(q, [(q.qname_wire, T_CNAME, 300,
                                           name_wire(other))]))]
        rcodes = {"servfail.spoof.test": 2, "refused.spoof.test": 5,
                  "formerr.spoof.test": 1}
        return [("main", response(q, rcode=rcodes.get(n, 5)))]

    # ---- TCP ----

    def tcp_loop(self):
        while not self.stop.is_set():
            r, _, _ = select.select([self.tcp], [], [], 0.1)
            if not r:
                continue
            conn, _ = self.tcp.accept()
            threading.Thread(target=self.tcp_conn, args=(conn,),
                             daemon=True).start()

    def tcp_conn(self, conn):
        conn.settimeout(5)
        try:
            data = b""
            while len(data) < 2 or len(data) < 2 + struct.unpack(
                    "!H", data[:2])[0]:
                chunk = conn.recv(4096)
                if not chunk:
                    self.errors.append("TCP query cut short")
                    return
                data += chunk
            q = Query(data[2:])
            if q.name == "tc.spoof.test":
                bad = response(q, [(q.qname_wire, T_TXT, 60,
                                    txt_rdata("wrong-id-tcp"))],
                               qid=(q.id + 7) & 0xFFFF)
                conn.sendall(struct.pack("!H", len(bad)) + bad)
                good = right(q, "tcp-chunked")
                framed = struct.pack("!H", len(good)) + good
                # Split inside the length prefix and inside the message.
                for piece in (framed[:1], framed[1:2], framed[2:7],
                              framed[7:20], framed[20:]):
                    conn.sendall(piece)
                    time.sleep(0.05)
                time.sleep(0.2)
            else:
                # Promise more than is sent, then close at once.
                good = right(q, "never-complete")
                conn.sendall(struct.pack("!H", len(good) + 50) + good)
        except (OSError, ValueError, IndexError, struct.error) as e:
            self.errors.append("TCP: %s" % e)
        finally:
            conn.close()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    server = Server()
    try:
        proc = subprocess.run(
            [sys.argv[1], "spoof", "127.0.0.1:%d" % server.port],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60,
            check=False)
        sys.stdout.write(proc.stdout.decode(errors="replace"))
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        print("spoof.py: dns-driver did not finish within 60 s")
        rc = 1
    finally:
        server.close()
    for e in server.errors:
        print("spoof.py: server saw: %s" % e)
    if server.errors:
        rc = rc or 1
    sys.exit(rc)


if __name__ == "__main__":
    main()
