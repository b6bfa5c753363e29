#!/usr/bin/env python3
"""Kill vpnrr-fetch at random moments of a refresh and check that the next
run finishes exactly what an uninterrupted run does.  Driven by
kill-suite.sh, which builds the VPN (versions A and B), serves both with
NSD, refreshes a node on A and snapshots it (S0).

  kill-suite.py FETCH CONF_B NODE S0 SECNET SECNET_CONF KILLS SEED

NODE holds out/ (every output), state/ (opaque: whatever vpnrr-fetch
keeps) and reloads (one line per reload: the SHA-256 of the secnet
configuration and live peer-keys files as they were when it ran).  S0 is
a copy of NODE.  Each trial restores S0, starts "vpnrr-fetch --once" on B,
SIGKILLs its process group at a moment uniform in [0, 1.2 T] (T: the
duration of an uninterrupted refresh), checks that secnet -j loads what is
on disk, runs vpnrr-fetch --once again and asserts that the outputs are
exactly those of the uninterrupted refresh, that no temporary file is
left, that the last reload saw the final configuration, and that one more
run writes nothing and reloads nothing.

Env VPNRR_FIGURES: a file to append the summary JSON line to.
"""
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

RUN_TIMEOUT = 60
COMPLAINTS = re.compile(r'error|could not|no useable|unknown|syntax|too many|'
                        r'repeated|fatal|warning', re.I)
TEMP = re.compile(r'tmp|~update|~proc')


def files_under(top):
    """{relative path: absolute path} of every file under TOP."""
    out = {}
    for d, _, names in os.walk(top):
        for n in names:
            p = os.path.join(d, n)
            out[os.path.relpath(p, top)] = p
    return out


def contents(top):
    return {r: open(p, 'rb').read() for r, p in files_under(top).items()}


def stamps(top):
    out = {}
    for r, p in files_under(top).items():
        st = os.stat(p)
        out[r] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def config_hash(out_dir):
    """What the reload command logs: sha256 of `cat secnet/*.conf pk/*`
    (in the C locale's order)."""
    h = hashlib.sha256()
    for sub, suffix in (('secnet', '.conf'), ('pk', '')):
        d = os.path.join(out_dir, sub)
        if not os.path.isdir(d):
            continue
        for n in sorted(os.listdir(d)):
            p = os.path.join(d, n)
            if n.endswith(suffix) and os.path.isfile(p):
                h.update(open(p, 'rb').read())
    return h.hexdigest()


def reload_lines(node):
    try:
        return open(os.path.join(node, 'reloads')).read().split('\n')[:-1]
    except FileNotFoundError:
        return []


def restore(s0, node):
    for sub in ('out', 'state'):
        shutil.rmtree(os.path.join(node, sub), ignore_errors=True)
        shutil.copytree(os.path.join(s0, sub), os.path.join(node, sub),
                        symlinks=True)
    shutil.copy2(os.path.join(s0, 'reloads'), os.path.join(node, 'reloads'))


def start(fetch, conf, log):
    return subprocess.Popen([fetch, '-c', conf, '--once'],
                            stdout=subprocess.DEVNULL, stderr=log,
                            start_new_session=True)


def run(fetch, conf, logpath):
    """One bounded run to completion: exit status (None: timed out)."""
    with open(logpath, 'wb') as log:
        p = start(fetch, conf, log)
        try:
            return p.wait(RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            return None


def secnet_check(secnet, conf, logpath):
    """'' if secnet -j loads CONF cleanly, else why not."""
    try:
        r = subprocess.run([secnet, '-j', '-c', conf], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        return 'secnet -j timed out'
    text = r.stdout.decode('utf-8', 'replace')
    with open(logpath, 'w') as f:
        f.write(text)
    if r.returncode != 0:
        return 'secnet -j exited %d' % r.returncode
    m = COMPLAINTS.search(text)
    if m:
        line = next(l for l in text.splitlines() if m.group(0) in l)
        return 'secnet -j: ' + line.strip()
    if 'configuration file check complete' not in text:
        return 'secnet -j did not complete its check'
    return ''


def temp_files(node):
    found = []
    for sub in ('out', 'state'):
        for r in files_under(os.path.join(node, sub)):
            if TEMP.search(os.path.basename(r)):
                found.append(os.path.join(sub, r))
    return sorted(found)


def trial(args, i, kill_at, expected, work):
    """Run one trial; returns (killed, {kind: detail})."""
    fetch, conf, node, s0, secnet, secnet_conf = args
    restore(s0, node)
    fails = {}
    log1 = os.path.join(work, 'kill-%d.log' % i)
    with open(log1, 'wb') as log:
        p = start(fetch, conf, log)
        time.sleep(kill_at)
        killed = p.poll() is None
        if killed:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                killed = False
        p.wait()
    why = secnet_check(secnet, secnet_conf, os.path.join(work, 'secnet.log'))
    if why:
        fails['secnet-rejects'] = why
    rc = run(fetch, conf, os.path.join(work, 'rerun-%d.log' % i))
    if rc != 0:
        fails['rerun-failed'] = 'second run exited %s' % rc
    out = os.path.join(node, 'out')
    got = contents(out)
    pk_bad = sorted(r for r in set(got) | set(expected)
                    if r.startswith('pk/') and not TEMP.search(r) and
                    got.get(r) != expected.get(r))
    left = [r for r in got if r.startswith('pk/') and '~update' in r]
    if pk_bad or left:
        fails['key-install-lost'] = '%d live files wrong (%s), %d ~update left' % (
            len(pk_bad), ' '.join(pk_bad[:2]), len(left))
    other = sorted(r for r in set(got) | set(expected)
                   if not r.startswith('pk/') and not TEMP.search(r) and
                   got.get(r) != expected.get(r))
    if other:
        fails['outputs-differ'] = ' '.join(other[:5])
    tmps = [t for t in temp_files(node) if '~update' not in t]
    if tmps:
        fails['temp-files'] = ' '.join(tmps[:5])
    lines = reload_lines(node)
    if not lines or lines[-1].split()[0] != config_hash(out):
        fails['reload-lost'] = 'the last reload did not see the final configuration'
    before, nreloads = stamps(out), len(lines)
    rc = run(fetch, conf, os.path.join(work, 'idle-%d.log' % i))
    if rc != 0 or stamps(out) != before or len(reload_lines(node)) != nreloads:
        fails['not-idempotent'] = 'a further run exited %s, wrote %s, reloaded %d times' % (
            rc, 'something' if stamps(out) != before else 'nothing',
            len(reload_lines(node)) - nreloads)
    return killed, fails


def main():
    fetch, conf, node, s0, secnet, secnet_conf = sys.argv[1:7]
    kills, seed = int(sys.argv[7]), int(sys.argv[8])
    args = (fetch, conf, node, s0, secnet, secnet_conf)
    work = os.path.join(os.path.dirname(node), 'kill-logs')
    os.makedirs(work, exist_ok=True)
    # Baseline: S0 refreshed onto B, uninterrupted.
    # T: the fastest of three, so that a busy moment does not push most
    # kills past the end of the refresh.
    t = None
    for _ in range(3):
        restore(s0, node)
        t0 = time.monotonic()
        rc = run(fetch, conf, os.path.join(work, 'baseline.log'))
        t = min(t or 1e9, time.monotonic() - t0)
        if rc != 0:
            break
    if rc != 0:
        sys.exit('kill-suite: the uninterrupted refresh on B exited %s: %s' % (
            rc, open(os.path.join(work, 'baseline.log')).read()))
    expected = contents(os.path.join(node, 'out'))
    bad = [t for t in temp_files(node)]
    lines = reload_lines(node)
    if bad or len(lines) != len(reload_lines(s0)) + 1 or \
            lines[-1].split()[0] != config_hash(os.path.join(node, 'out')):
        sys.exit('kill-suite: the uninterrupted refresh is itself wrong '
                 '(temp files %s, reload log %s)' % (bad, lines[-3:]))
    print('kill-suite: seed %d; uninterrupted refresh A -> B: %d ms, '
          '%d output files' % (seed, t * 1000, len(expected)), flush=True)
    rng = random.Random(seed)
    by_kind, converged, landed = {}, 0, 0
    for i in range(1, kills + 1):
        kill_at = rng.uniform(0, 1.2 * t)
        killed, fails = trial(args, i, kill_at, expected, work)
        landed += killed
        for k in fails:
            by_kind[k] = by_kind.get(k, 0) + 1
        if not fails:
            converged += 1
            verdict = 'ok'
        else:
            verdict = 'FAIL ' + '; '.join('%s: %s' % kv for kv in sorted(fails.items()))
        print('kill %3d at %4d ms (%s): %s' % (
            i, kill_at * 1000, 'killed' if killed else 'had exited', verdict),
            flush=True)
    summary = ', '.join('%s %d' % kv for kv in sorted(by_kind.items())) or 'none'
    print('kills: %d (%d while running), converged: %d, failures by kind: %s'
          % (kills, landed, converged, summary))
    figures = os.environ.get('VPNRR_FIGURES')
    if figures:
        with open(figures, 'a') as f:
            f.write(json.dumps({
                'suite': 'kill', 'case': 'random-kills',
                'ok': converged == kills, 'kills': kills,
                'killed_running': landed, 'converged': converged,
                'failures': by_kind, 'seed': seed,
                'refresh_ms': int(t * 1000)}, sort_keys=True) + '\n')
    sys.exit(0 if converged == kills else 1)


if __name__ == '__main__':
    main()
