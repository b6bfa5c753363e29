#!/usr/bin/env python3
"""hostile.py - an authoritative DNS server for tests that misbehaves on
purpose, one selectable way at a time.

Usage: hostile.py --zones DIR [--old-zones DIR] [--port N] [--port-file F]
                  [--pid-file F] [--control F] [--behaviour B]
                  [--max-seconds S] [--log F]

Serves every DIR/NAME.zone (zone NAME) on 127.0.0.1 and, when the host has
it, ::1, over UDP and TCP, at port N (0, the default: a free port, the same
for UDP and TCP on both addresses).  The port is printed on standard
output and written to --port-file once every socket listens.

The behaviour is read from the --control file for every query (its first
word; a missing or empty file means --behaviour, by default "ok"), so one
server process serves a whole suite and the test switches it by rewriting
the file.  Behaviours (see BEHAVIOURS):

  ok               honest authoritative answers
  timeout          never answers (UDP ignored, TCP connections held open)
  servfail refused SERVFAIL / REFUSED
  nxdomain         NXDOMAIN (with the SOA) for names that exist
  nodata-lie       NOERROR, no answer, the SOA: "no RRs of this type"
  wrong-id         the honest answer under another message ID
  wrong-question   an answer for another name (question and owners)
  wrong-type       an answer for another type (question and RRs: A)
  garbage          the query's ID followed by random bytes
  truncated        the honest answer cut in the middle of its last RR
  compression-loop an answer RR whose owner name points at itself
  tc-tcp-close     TC=1 over UDP; over TCP the query read, then closed
  tc-tcp-drip      TC=1 over UDP; over TCP the answer, one byte a second
  tcp-64k          TC=1 over UDP; over TCP the answer padded with TXT
                   records at another name to about 64 KB
  duplicate-rrs    every answer RR twice
  extra-rrs        foreign TXT records (SPF, site verification) added to
                   every TXT RRset
  resplit          TXT RDATA re-split at other character-string boundaries
  cname-loop       QNAME CNAME loop.ZONE, loop.ZONE CNAME QNAME
  rollback         honest answers from the --old-zones directory

Everything is bounded: at most MAX_TCP TCP connections at a time, each
closed after TCP_DEADLINE seconds; the process exits on SIGTERM or SIGINT,
and after --max-seconds (default 600).  Needs python3-dnspython.
"""
import argparse
import os
import random
import signal
import socket
import struct
import sys
import threading
import time

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.rrset
import dns.zone

BEHAVIOURS = (
    "ok", "timeout", "servfail", "refused", "nxdomain", "nodata-lie",
    "wrong-id", "wrong-question", "wrong-type", "garbage", "truncated",
    "compression-loop", "tc-tcp-close", "tc-tcp-drip", "tcp-64k",
    "duplicate-rrs", "extra-rrs", "resplit", "cname-loop", "rollback",
)
TC_TCP = ("tc-tcp-close", "tc-tcp-drip", "tcp-64k")
MAX_TCP = 32
TCP_DEADLINE = 30.0
DRIP_SECONDS = 1.0
UDP_MAX = 65535
PAD_TARGET = 64000  # tcp-64k: stay under the 65535-byte TCP limit

STOP = threading.Event()
LOG_LOCK = threading.Lock()
LOG = None


def log(msg):
    if LOG is None:
        return
    with LOG_LOCK:
        LOG.write("%.3f %s\n" % (time.time(), msg))
        LOG.flush()


def load_zones(directory):
    zones = {}
    for fn in sorted(os.listdir(directory)):
        if not fn.endswith(".zone"):
            continue
        origin = dns.name.from_text(fn[:-len(".zone")])
        zones[origin] = dns.zone.from_file(os.path.join(directory, fn),
                                           origin=origin, relativize=False,
                                           check_origin=True)
    if not zones:
        raise SystemExit("hostile.py: no *.zone files in %s" % directory)
    return zones


class Server:
    def __init__(self, args):
        self.zones = load_zones(args.zones)
        self.old = load_zones(args.old_zones) if args.old_zones else None
        self.control = args.control
        self.default = args.behaviour
        self.tcp_slots = threading.BoundedSemaphore(MAX_TCP)
        self.rng = random.Random()

    def behaviour(self):
        b = self.default
        if self.control:
            try:
                with open(self.control) as f:
                    words = f.read(256).split()
                if words:
                    b = words[0]
            except FileNotFoundError:
                pass
        if b not in BEHAVIOURS:
            log("unknown behaviour %r: answering SERVFAIL" % b)
            return None
        return b

    # ---- honest answers ------------------------------------------------

    @staticmethod
    def find_zone(zones, qname):
        best = None
        for origin in zones:
            if qname.is_subdomain(origin) and (
                    best is None or len(origin) > len(best)):
                best = origin
        return zones[best] if best is not None else None

    @staticmethod
    def soa(zone):
        rds = zone.get_rdataset(zone.origin, dns.rdatatype.SOA)
        rrset = dns.rrset.RRset(zone.origin, dns.rdataclass.IN,
                                dns.rdatatype.SOA)
        rrset.update(rds)
        rrset.ttl = rds.ttl
        return rrset

    def honest(self, query, zones):
        """The authoritative response to QUERY from ZONES."""
        r = dns.message.make_response(query)
        r.flags |= dns.flags.AA
        q = query.question[0]
        zone = self.find_zone(zones, q.name)
        if zone is None or q.rdclass != dns.rdataclass.IN:
            r.flags &= ~dns.flags.AA
            r.set_rcode(dns.rcode.REFUSED)
            return r
        name, hops = q.name, 0
        while hops < 8:
            node = zone.get_node(name)
            if node is None:
                if hops == 0:
                    r.set_rcode(dns.rcode.NXDOMAIN)
                r.authority.append(self.soa(zone))
                return r
            rds = node.get_rdataset(dns.rdataclass.IN, q.rdtype)
            if rds is not None:
                rrset = dns.rrset.RRset(name, dns.rdataclass.IN, q.rdtype)
                rrset.update(rds)
                rrset.ttl = rds.ttl
                r.answer.append(rrset)
                return r
            cn = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
            if cn is None:
                r.authority.append(self.soa(zone))
                return r
            rrset = dns.rrset.RRset(name, dns.rdataclass.IN,
                                    dns.rdatatype.CNAME)
            rrset.update(cn)
            rrset.ttl = cn.ttl
            r.answer.append(rrset)
            name = cn[0].target
            hops += 1
            if not name.is_subdomain(zone.origin):
                return r
        return r

    # ---- misbehaviours -------------------------------------------------

    def answer(self, b, query, wire_query, tcp):
        """Wire bytes to send for QUERY under behaviour B, or None."""
        if b is None:
            r = dns.message.make_response(query)
            r.set_rcode(dns.rcode.SERVFAIL)
            return r.to_wire()
        if b == "timeout":
            return None
        if b in TC_TCP and not tcp:
            r = dns.message.make_response(query)
            r.flags |= dns.flags.AA | dns.flags.TC
            return r.to_wire()
        if b == "garbage":
            n = self.rng.randint(12, 400)
            return wire_query[:2] + bytes(self.rng.getrandbits(8)
                                          for _ in range(n))
        if b == "compression-loop":
            return self.compression_loop(query)
        r = self.honest(query, self.old if b == "rollback" and self.old
                        else self.zones)
        q = query.question[0]
        if b in ("servfail", "refused"):
            r = dns.message.make_response(query)
            r.set_rcode(dns.rcode.SERVFAIL if b == "servfail"
                        else dns.rcode.REFUSED)
        elif b in ("nxdomain", "nodata-lie"):
            zone = self.find_zone(self.zones, q.name)
            r = dns.message.make_response(query)
            r.flags |= dns.flags.AA
            if b == "nxdomain":
                r.set_rcode(dns.rcode.NXDOMAIN)
            if zone is not None:
                r.authority.append(self.soa(zone))
        elif b == "wrong-id":
            r.id = (query.id + 1 + self.rng.randrange(0xfffe)) & 0xffff
        elif b == "wrong-question":
            other = dns.name.Name((b"wrong",) + q.name.labels)
            r.question = [dns.rrset.RRset(other, q.rdclass, q.rdtype)]
            for rrset in r.answer:
                rrset.name = other
        elif b == "wrong-type":
            t = dns.rdatatype.A if q.rdtype != dns.rdatatype.A \
                else dns.rdatatype.AAAA
            r.question = [dns.rrset.RRset(q.name, q.rdclass, t)]
            r.answer = [dns.rrset.from_text(
                q.name, 300, "IN", t,
                "192.0.2.53" if t == dns.rdatatype.A else "2001:db8::53")]
        elif b == "cname-loop":
            zone = self.find_zone(self.zones, q.name)
            if zone is not None:
                loop = dns.name.Name((b"loop",) + zone.origin.labels)
                r.set_rcode(dns.rcode.NOERROR)
                r.answer = [
                    dns.rrset.from_text(q.name, 300, "IN", "CNAME",
                                        loop.to_text()),
                    dns.rrset.from_text(loop, 300, "IN", "CNAME",
                                        q.name.to_text())]
                r.authority = []
        elif b == "duplicate-rrs":
            r.answer = [rs for rs in r.answer for _ in (0, 1)]
        elif b == "extra-rrs":
            for rrset in r.answer:
                if rrset.rdtype == dns.rdatatype.TXT:
                    for t in ('"v=spf1 -all"',
                              '"google-site-verification=vpnrr-test"',
                              '"v=vpnrr9; k=other; this is not a record"'):
                        rrset.add(dns.rdata.from_text("IN", "TXT", t))
        elif b == "resplit":
            r.answer = [self.resplit(rs) for rs in r.answer]
        elif b == "tcp-64k":
            self.pad(r, q)
        if b == "duplicate-rrs":
            return self.render_dup(r)
        wire = r.to_wire(max_size=65535)
        if b == "truncated":
            wire = self.cut(wire, len(query.to_wire()))
        return wire

    @staticmethod
    def render_dup(r):
        # dnspython merges equal RRsets when rendering a message, so the
        # doubled answer section is written RR by RR.
        hdr = struct.pack("!HHHHHH", r.id, r.flags | (r.rcode() & 0xf), 1,
                          sum(len(rs) for rs in r.answer), 0, 0)
        q = r.question[0]
        body = q.name.to_wire() + struct.pack("!HH", q.rdtype, q.rdclass)
        for rs in r.answer:
            for rd in rs:
                rdw = rd.to_wire()
                body += rs.name.to_wire() + struct.pack(
                    "!HHIH", rs.rdtype, rs.rdclass, rs.ttl, len(rdw)) + rdw
        return hdr + body

    @staticmethod
    def cut(wire, qlen):
        """Cut inside the last RR: the header still counts it."""
        if len(wire) <= qlen + 4:
            return wire[:max(12, len(wire) - 2)]
        return wire[:qlen + (len(wire) - qlen) * 2 // 3]

    @staticmethod
    def compression_loop(query):
        q = query.question[0]
        hdr = struct.pack("!HHHHHH", query.id,
                          0x8000 | 0x0400 | (query.flags & 0x0100), 1, 1, 0,
                          0)
        question = q.name.to_wire() + struct.pack("!HH", q.rdtype,
                                                    q.rdclass)
        at = 12 + len(question)  # the answer RR starts here
        owner = struct.pack("!H", 0xC000 | at)  # a pointer to itself
        rdata = b"\x04loop"
        rr = owner + struct.pack("!HHIH", q.rdtype, q.rdclass, 300,
                                 len(rdata)) + rdata
        return hdr + question + rr

    @staticmethod
    def resplit(rrset):
        if rrset.rdtype != dns.rdatatype.TXT:
            return rrset
        out = dns.rrset.RRset(rrset.name, rrset.rdclass, rrset.rdtype)
        for i, rd in enumerate(rrset):
            data = b"".join(rd.strings)
            sizes = (1, 254, 17, 255, 100)  # boundaries the zone never had
            parts, pos, k = [], 0, i
            while pos < len(data):
                n = sizes[k % len(sizes)]
                parts.append(data[pos:pos + n])
                pos += n
                k += 1
            if not parts:
                parts = [b""]
            out.add(dns.rdtypes.ANY.TXT.TXT(rd.rdclass, rd.rdtype, parts),
                    rrset.ttl)
        return out

    @staticmethod
    def pad(r, q):
        filler = dns.name.Name((b"filler",) + q.name.labels[1:]) \
            if len(q.name.labels) > 1 else dns.name.from_text("filler.")
        size = len(r.to_wire(max_size=65535))
        rrset = dns.rrset.RRset(filler, dns.rdataclass.IN,
                                dns.rdatatype.TXT)
        rrset.ttl = 300
        i = 0
        # Each RR: owner pointer 2 + fixed 10 + one 251-byte string.
        while size + 263 < PAD_TARGET and i < 1000:
            s = ("pad%05d-" % i).encode() + b"x" * 241
            rrset.add(dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN,
                                              dns.rdatatype.TXT, [s]))
            size += 263
            i += 1
        r.additional.append(rrset)

    # ---- transports ----------------------------------------------------

    def parse(self, wire):
        try:
            return dns.message.from_wire(wire)
        except (dns.exception.DNSException, ValueError) as e:
            log("unparseable query: %s" % e)
            return None

    def serve_udp(self, sock):
        sock.settimeout(0.2)
        while not STOP.is_set():
            try:
                data, peer = sock.recvfrom(UDP_MAX)
            except socket.timeout:
                continue
            except OSError:
                return
            query = self.parse(data)
            if query is None or not query.question:
                continue
            b = self.behaviour()
            log("udp %s %s %s" % (query.question[0].name,
                                  dns.rdatatype.to_text(
                                      query.question[0].rdtype), b))
            out = self.answer(b, query, data, False)
            if out is None:
                continue
            try:
                sock.sendto(out, peer)
            except OSError as e:
                log("udp send: %s" % e)

    def serve_tcp(self, lsock):
        lsock.settimeout(0.2)
        while not STOP.is_set():
            try:
                conn, _ = lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            if not self.tcp_slots.acquire(blocking=False):
                log("tcp: too many connections, closing one")
                conn.close()
                continue
            threading.Thread(target=self.tcp_conn, args=(conn,),
                             daemon=True).start()

    @staticmethod
    def recv_exact(conn, n, deadline):
        buf = b""
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0 or STOP.is_set():
                return None
            conn.settimeout(min(left, 0.5))
            try:
                chunk = conn.recv(n - len(buf))
            except socket.timeout:
                continue
            if not chunk:
                return None
            buf += chunk
        return buf

    def tcp_conn(self, conn):
        deadline = time.monotonic() + TCP_DEADLINE
        try:
            self.tcp_session(conn, deadline)
        except OSError as e:
            log("tcp: %s" % e)
        finally:
            conn.close()
            self.tcp_slots.release()

    def tcp_session(self, conn, deadline):
        while True:  # several queries per connection, until the deadline
            hdr = self.recv_exact(conn, 2, deadline)
            if hdr is None:
                return
            data = self.recv_exact(conn, struct.unpack("!H", hdr)[0],
                                   deadline)
            if data is None:
                return
            query = self.parse(data)
            if query is None or not query.question:
                return
            b = self.behaviour()
            log("tcp %s %s %s" % (query.question[0].name,
                                  dns.rdatatype.to_text(
                                      query.question[0].rdtype), b))
            if b == "tc-tcp-close":  # the query read, so a clean EOF
                return
            out = self.answer(b, query, data, True)
            if out is None:  # timeout: hold the connection, say nothing
                while time.monotonic() < deadline and not STOP.is_set():
                    time.sleep(0.2)
                return
            msg = struct.pack("!H", len(out)) + out
            if b == "tc-tcp-drip":
                for i in range(len(msg)):
                    if time.monotonic() >= deadline or STOP.is_set():
                        return
                    conn.sendall(msg[i:i + 1])
                    STOP.wait(DRIP_SECONDS)
                return
            conn.settimeout(max(0.1, deadline - time.monotonic()))
            conn.sendall(msg)


def bind_all(port):
    """UDP and TCP sockets on 127.0.0.1 (and ::1) at one port."""
    socks = []
    addrs = [(socket.AF_INET, "127.0.0.1")]
    if socket.has_ipv6:
        addrs.append((socket.AF_INET6, "::1"))
    try:
        for i, (fam, addr) in enumerate(addrs):
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                s = socket.socket(fam, kind)
                socks.append(s)
                if kind == socket.SOCK_STREAM:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind((addr, port))
                except OSError:
                    if fam == socket.AF_INET6 and i > 0:
                        s.close()
                        socks.remove(s)
                        continue  # no ::1 on this host
                    raise
                if kind == socket.SOCK_STREAM:
                    s.listen(16)
                port = s.getsockname()[1]
    except OSError:
        for s in socks:
            s.close()
        raise
    return port, socks


def main():
    global LOG
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--zones", required=True)
    p.add_argument("--old-zones")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--pid-file")
    p.add_argument("--control")
    p.add_argument("--behaviour", default="ok", choices=BEHAVIOURS)
    p.add_argument("--max-seconds", type=float, default=600.0)
    p.add_argument("--log")
    args = p.parse_args()
    if args.log:
        LOG = open(args.log, "a")
    srv = Server(args)
    socks = None
    for _ in range(20):  # a free port for UDP and TCP on both addresses
        try:
            port, socks = bind_all(args.port)
            break
        except OSError as e:
            if args.port:
                raise SystemExit("hostile.py: port %d: %s" % (args.port, e))
    if socks is None:
        raise SystemExit("hostile.py: no free port")
    signal.signal(signal.SIGTERM, lambda *_: STOP.set())
    signal.signal(signal.SIGINT, lambda *_: STOP.set())
    threads = []
    for s in socks:
        fn = srv.serve_udp if s.type == socket.SOCK_DGRAM else srv.serve_tcp
        t = threading.Thread(target=fn, args=(s,), daemon=True)
        t.start()
        threads.append(t)
    if args.pid_file:
        with open(args.pid_file + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(args.pid_file + ".tmp", args.pid_file)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(args.port_file + ".tmp", args.port_file)
    print(port, flush=True)
    log("serving on port %d" % port)
    STOP.wait(args.max_seconds)
    STOP.set()
    for t in threads:
        t.join(1.0)
    for s in socks:
        s.close()
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
