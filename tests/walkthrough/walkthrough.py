#!/usr/bin/env python3
"""tests/walkthrough/walkthrough.py - runs the role walk-throughs of the
user documentation verbatim.

    walkthrough.py SRCDIR VPNRR VPNRR-FETCH [SEQUENCE]

A sequence is a list of documents that make one walk-through (SEQUENCES
below; "roles", the default, is publisher/README.md then
fetcher/README.md; "wireguard" is fetcher/WIREGUARD.md).  Every fenced
block whose info string is "sh walkthrough" in the sequence's documents
is one step; its first line is "# step N ...".  The steps must be
numbered 1, 2, ... with no gap or repeat, across the sequence's files.
They run in that order, in one shell, in an empty temporary directory
of their own, after a prelude that only puts the two binaries first on
PATH and sets PORT to a free loopback port.  After some steps the test
checks what the step must have produced (files written, keys adopted,
peers set, a site removed): a walk-through whose commands all succeed
but do not do what the text says fails too.  The DNS server the
walk-through starts (Knot DNS for "roles", NSD for "wireguard") is
stopped by its pid file whatever happens, and a sequence's
cleanup commands (network namespaces, interfaces) run whatever happens.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

FENCE = re.compile(r"^```sh walkthrough[ \t]*$")
STEP = re.compile(r"^# step (\d+)\b")
SKIP = 77  # meson: test skipped

# Shell checks run right after a step (in the same shell, same directory).
# Each prints what it found before failing, so the log says why.
ROLE_CHECKS = {
    1: """
for k in admin alpha beta delta; do
    grep -q "^hmac-sha256:$k-update:" "$k.tsig"
    test "$(stat -c %a "$k.tsig")" = 600
done
for z in vpn.example.org alpha.example.net beta.example.net; do
    dig +short -p "$PORT" @127.0.0.1 SOA "$z" | grep -q .
done
""",
    4: """
grep -q '^-----BEGIN VPNRR REQUEST-----' beta/site.req
! grep -q '^networks' beta/site.desc || exit 1
test "$(stat -c %a alpha/privkeys/priv.0000000100)" = 600
""",
    5: """
for m in london,alpha paris,beta mobile,delta; do
    test -f "admin/members/$m.member"
done
dig +short -p "$PORT" @127.0.0.1 TXT beta.paris.m._vpnrr.vpn.example.org |
    grep -q 'nets=10.0.0.0/29;'
dig +short -p "$PORT" @127.0.0.1 TXT delta.mobile.m._vpnrr.vpn.example.org |
    grep -q 'nets=10.0.0.8/29;'
""",
    6: """
grep -qx 'networks 10.0.0.0/29' beta/site.desc
grep -qx 'peer 10.0.0.1' beta/site.desc
grep -qx 'publish delta.mobile.sites.vpn.example.org' delta/site.desc
dig +short -p "$PORT" @127.0.0.1 TXT delta.mobile.sites.vpn.example.org |
    grep -q 'ep=mobile'
# what steps 13 and 14 must renew
dig +short -p "$PORT" @127.0.0.1 TXT _vpnrr.alpha.example.net |
    grep -o 'x=[0-9]*' | head -n 1 > .alpha-x
dig +short -p "$PORT" @127.0.0.1 TXT alpha.london.m._vpnrr.vpn.example.org |
    grep -o ' s=[0-9]*' | head -n 1 > .alpha-m
test -s .alpha-x && test -s .alpha-m
""",
    7: """
python3 -c 'import json,sys; r=json.load(open("audit.json")); sys.exit(r["result"] != "valid")'
""",
    8: """
for f in node/vpnrr/site.example,london,alpha.conf \\
         node/vpnrr/site.example,paris,beta.conf \\
         node/vpnrr/site.example,mobile,delta.conf node/vpnrr/sites.conf \\
         node/pubkeys/peer.example,paris,beta node/vpn.json; do
    test -s "$f" || { echo "check: $f missing after step 8" >&2; exit 1; }
done
grep -q 'address "\\[2001:db8::20\\]"' node/vpnrr/site.example,paris,beta.conf
grep -qx 'serial 00000001' node/pubkeys/peer.example,paris,beta
""",
    10: """
grep -qx 'serial 00000002' node/pubkeys/peer.example,paris,beta
grep -qx 'pkgf 00000001' node/pubkeys/peer.example,paris,beta
grep -qx 'pkg 00000002' node/pubkeys/peer.example,paris,beta
test ! -e 'node/pubkeys/peer.example,paris,beta~update'
python3 -c 'import json,sys; r=json.load(open("status.json")); sys.exit(r["ok"] is not True)'
""",
    12: """
grep -qx 'serial 00000003' node/pubkeys/peer.example,paris,beta
! grep -q '^pkgf' node/pubkeys/peer.example,paris,beta || exit 1
""",
    13: """
x=$(dig +short -p "$PORT" @127.0.0.1 TXT _vpnrr.alpha.example.net |
    grep -o 'x=[0-9]*' | head -n 1)
echo "check: alpha's record $(cat .alpha-x) -> $x" >&2
test -n "$x" && test "$x" != "$(cat .alpha-x)"
""",
    14: """
s=$(dig +short -p "$PORT" @127.0.0.1 TXT alpha.london.m._vpnrr.vpn.example.org |
    grep -o ' s=[0-9]*' | head -n 1)
echo "check: alpha's membership $(cat .alpha-m) -> $s" >&2
test -n "$s" && test "$s" != "$(cat .alpha-m)"
""",
    15: """
test -f admin/revoked/paris,beta.member
test ! -e admin/members/paris,beta.member
! dig +short -p "$PORT" @127.0.0.1 TXT beta.paris.m._vpnrr.vpn.example.org |
    grep -q . || exit 1
""",
    17: """
test ! -e node/vpnrr/site.example,paris,beta.conf
test ! -e node/pubkeys/peer.example,paris,beta
test -s node/vpnrr/site.example,london,alpha.conf
test -s node/vpnrr/site.example,mobile,delta.conf
! grep -q beta node/vpnrr/sites.conf || exit 1
""",
    19: """
python3 - "$(cat anchor-2.pub)" <<'EOF'
import json, sys
anchors = json.load(open("status.json"))["anchors"]
print("check: anchors", anchors, file=sys.stderr)
sys.exit(not any(a["key"] == sys.argv[1] and a["status"] == "adopted"
                 for a in anchors))
EOF
""",
    23: """
python3 - "$(cat anchor.pub)" <<'EOF'
import json, sys
r = json.load(open("status.json"))
print("check: ok", r["ok"], "anchors", r["anchors"], file=sys.stderr)
sys.exit(r["ok"] is not True or
         not any(a["key"] == sys.argv[1] and a["status"] == "retired"
                 for a in r["anchors"]))
EOF
test -s node/vpnrr/site.example,london,alpha.conf
! grep -qxF "anchor $(cat anchor.pub)" node/fetch.conf || exit 1
""",
}


# fetcher/WIREGUARD.md: alpha's interface wg-vpn must list beta and gamma
# (never alpha itself) with what their records say.
WG_CHECKS = {
    6: """
wg show wg-vpn dump >peers.dump
cat peers.dump >&2
beta=$(wg pubkey <beta.wg) gamma=$(wg pubkey <gamma.wg)
alpha=$(wg pubkey <node/wg-vpn.key)
test "$(tail -n +2 peers.dump | wc -l)" -eq 2
! tail -n +2 peers.dump | grep -qF "$alpha" || exit 1
grep -F "$beta" peers.dump | cut -f3 | grep -qx '\\[2001:db8::20\\]:51820'
grep -F "$beta" peers.dump | cut -f4 | tr ',' '\\n' | grep -qx 10.20.0.0/16
grep -F "$beta" peers.dump | cut -f4 | tr ',' '\\n' | grep -qx fd00:2::/64
grep -F "$gamma" peers.dump | cut -f3 | grep -qx '(none)'
grep -F "$gamma" peers.dump | cut -f4 | grep -qx 10.3.0.0/16
grep -qx "PublicKey = $beta" node/vpn-peers.conf
grep -qx "PublicKey = $gamma" node/vpn-peers.conf
""",
    8: """
wg show wg-vpn endpoints >&2
wg show wg-vpn endpoints | grep -F "$beta" | cut -f2 | grep -qx '\\[2001:db8::21\\]:51820'
wg show wg-vpn dump | grep -F "$gamma" | cut -f3 | grep -qx '(none)'
""",
    10: """
test "$(wg show wg-vpn peers)" = "$beta"
! grep -q berlin node/vpn-peers.conf || exit 1
""",
}

SEQUENCES = {
    "roles": {
        "docs": ["publisher/README.md", "fetcher/README.md"],
        "checks": ROLE_CHECKS,
        "tools": ["knotd", "keymgr", "dig", "secnet"],
        "root": False,
        # The DNS server the documents start, stopped by its pid file.
        "server": ("dns/knot.pid", "dns/knot.log"),
        "cleanup": [],
    },
    "wireguard": {
        "docs": ["fetcher/WIREGUARD.md"],
        "checks": WG_CHECKS,
        "tools": ["nsd", "wg", "wireguard-go", "ip"],
        "root": True,
        "server": ("nsd/nsd.pid", "nsd/nsd.log"),
        # What the document's last step removes, should it not get there.
        "cleanup": [["ip", "-n", "vpnrr-trial", "link", "del", "wg-vpn"],
                    ["ip", "netns", "del", "vpnrr-trial"]],
    },
}


def blocks(srcdir, docs):
    """[(step, file, text)] of every walk-through block, in file order."""
    out = []
    for doc in docs:
        lines = open(os.path.join(srcdir, doc), encoding="utf-8").read().split("\n")
        i = 0
        while i < len(lines):
            if not FENCE.match(lines[i]):
                i += 1
                continue
            start = i + 1
            j = start
            while j < len(lines) and lines[j] != "```":
                j += 1
            if j == len(lines):
                sys.exit("%s:%d: walk-through block not closed" % (doc, i + 1))
            body = lines[start:j]
            m = STEP.match(body[0]) if body else None
            if not m:
                sys.exit('%s:%d: a walk-through block must begin "# step N"'
                         % (doc, start + 1))
            out.append((int(m.group(1)), "%s:%d" % (doc, start + 1),
                        "\n".join(body) + "\n"))
            i = j + 1
    return out


def free_port():
    """A port free for UDP and TCP on 127.0.0.1 (NSD binds both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    sys.exit("no free port")


def stop_server(tmp, pidfile):
    """Stops the DNS server the walk-through started, if it still runs."""
    try:
        pid = int(open(os.path.join(tmp, pidfile)).read().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def cleanup(seq):
    """Runs the sequence's cleanup commands; each may find nothing left."""
    for cmd in seq["cleanup"]:
        subprocess.run(cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30, check=False)


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: walkthrough.py SRCDIR VPNRR VPNRR-FETCH [SEQUENCE]")
    srcdir, vpnrr, fetch = sys.argv[1:4]
    name = sys.argv[4] if len(sys.argv) == 5 else "roles"
    if name not in SEQUENCES:
        sys.exit("unknown sequence %s (known: %s)"
                 % (name, ", ".join(sorted(SEQUENCES))))
    seq = SEQUENCES[name]
    checks = seq["checks"]
    for tool in seq["tools"]:
        if shutil.which(tool) is None:
            print("skipped: %s is not installed" % tool)
            return SKIP
    if seq["root"] and os.geteuid() != 0:
        print("skipped: not root")
        return SKIP
    if seq["root"] and not os.path.exists("/dev/net/tun"):
        print("skipped: no /dev/net/tun")
        return SKIP
    steps = blocks(srcdir, seq["docs"])
    numbers = sorted(n for n, _, _ in steps)
    if numbers != list(range(1, len(steps) + 1)):
        sys.exit("walk-through steps must be numbered 1..N once each, found %s"
                 % numbers)
    for n in checks:
        if n not in numbers:
            sys.exit("check for step %d, which the documents no longer have" % n)
    steps.sort()

    bindirs = [os.path.dirname(os.path.abspath(p)) for p in (vpnrr, fetch)]
    script = ["set -eu",
              # The prelude: where the binaries are, and a free port.
              "PATH=%s:$PATH; export PATH" % ":".join(bindirs),
              "PORT=%d" % free_port()]
    for n, where, text in steps:
        script.append("echo '=== step %d (%s)' >&2" % (n, where))
        script.append(text)
        if n in checks:
            script.append("echo '--- checking step %d' >&2" % n)
            script.append(checks[n])
    script.append("echo '=== all %d steps done' >&2" % len(steps))

    tmp = tempfile.mkdtemp(prefix="vpnrr-walkthrough-%s." % name)
    rc = 1
    try:
        with open(os.path.join(tmp, ".walkthrough.sh"), "w") as f:
            f.write("\n".join(script) + "\n")
        try:
            r = subprocess.run(["sh", "-x", ".walkthrough.sh"], cwd=tmp,
                               timeout=240)
            rc = r.returncode
        except subprocess.TimeoutExpired:
            print("walk-through timed out after 240 s", file=sys.stderr)
        if rc != 0:
            log = os.path.join(tmp, seq["server"][1])
            if os.path.exists(log):
                sys.stderr.write("--- %s\n" % seq["server"][1] + open(log).read())
            print("walk-through failed (exit %d)" % rc, file=sys.stderr)
    finally:
        stop_server(tmp, seq["server"][0])
        cleanup(seq)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
