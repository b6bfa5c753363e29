#!/bin/sh
# figures.sh [BUILDDIR] - runs the fault and attack suites with
# VPNRR_FIGURES set (each appends JSON lines, format in tests/README.md)
# and renders their results as a Markdown table into tests/README.md,
# between the figures markers, with the date and the machine.
#
#   hostile-dns   behaviours of a hostile DNS server tried
#   kill-suite    refreshes SIGKILLed at random moments, and survived
#   hostile-site  consumer rules enforced on validly signed hostile values
#   local-faults  disk full, read-only outputs or state, corrupt store
#
# A suite that is not registered in the build is named as missing.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
[ -d "$BUILD" ] || { echo "figures.sh: no build directory $BUILD" >&2; exit 2; }
README=$SRC/tests/README.md
FIG=$(mktemp /tmp/vpnrr-figures.XXXXXX)
LIST=$(mktemp /tmp/vpnrr-figures-list.XXXXXX)
trap 'rm -f "$FIG" "$LIST"' EXIT

meson test -C "$BUILD" --list >"$LIST" 2>/dev/null ||
	{ echo "figures.sh: meson test --list failed in $BUILD" >&2; exit 2; }
names=
missing=
for suite in hostile-dns kill-suite hostile-site local-faults; do
	t=$(sed -n "s|.* / \(fetcher-$suite\)\$|\1|p" "$LIST" | head -n 1)
	if [ -n "$t" ]; then
		names="$names $t"
	else
		missing="$missing $suite"
	fi
done
status=0
if [ -n "$names" ]; then
	# shellcheck disable=SC2086
	VPNRR_FIGURES=$FIG meson test -C "$BUILD" --print-errorlogs \
		--num-processes 1 $names || status=$?
fi

python3 -B - "$FIG" "$README" "$(date -u +%Y-%m-%d)" \
	"$(nproc) CPUs, $(uname -sr) $(uname -m)" "$missing" <<'EOF'
import json, sys
fig, readme, date, machine, missing = sys.argv[1:6]
lines = []
for raw in open(fig):
    raw = raw.strip()
    if raw:
        try:
            lines.append(json.loads(raw))
        except ValueError:
            lines.append({'suite': '?', 'case': raw[:40], 'ok': False})
suites = [('hostile-dns', 'hostile-dns', 'behaviours of a hostile DNS server tried'),
          ('kill', 'kill-suite', 'kills survived'),
          ('hostile-site', 'hostile-site', 'consumer constraints enforced'),
          ('local-faults', 'local-faults', 'local faults')]
rows = ['| suite | what | result | not passing |', '| --- | --- | --- | --- |']
for name, test, what in suites:
    mine = [l for l in lines if l.get('suite') == name]
    if test in missing.split():
        rows.append('| %s | %s | missing: suite not in this tree | |' % (name, what))
        continue
    if not mine:
        rows.append('| %s | %s | no figures written | |' % (name, what))
        continue
    if name == 'kill':
        k = mine[-1]
        fails = ', '.join('%s %d' % kv for kv in sorted(k.get('failures', {}).items()))
        rows.append('| kill | %s | %d of %d kills converged (seed %s) | %s |' % (
            what, k.get('converged', 0), k.get('kills', 0), k.get('seed', '?'),
            fails or 'none'))
        continue
    bad = [l.get('case', '?') for l in mine if not l.get('ok')]
    rows.append('| %s | %s | %d of %d cases pass | %s |' % (
        name, what, len(mine) - len(bad), len(mine), ', '.join(bad) or 'none'))
# Which cases: the behaviours, constraints and faults by name.
detail = ['', '| suite | cases (✓ passed, ✗ failed) |', '| --- | --- |']
for name, test, what in suites:
    mine = [l for l in lines if l.get('suite') == name]
    if name == 'kill' and mine:
        k = mine[-1]
        detail.append('| kill | %d kills at random moments, %d while the '
                      'refresh was running; each run then finished by the '
                      'next run (%s ms per uninterrupted refresh) |' % (
                          k.get('kills', 0), k.get('killed_running', 0),
                          k.get('refresh_ms', '?')))
    elif mine:
        detail.append('| %s | %s |' % (name, ', '.join(
            ('✓ ' if l.get('ok') else '✗ ') + str(l.get('case', '?'))
            for l in mine)))
block = ['<!-- figures:begin -->',
         'Measured %s on %s by `tests/figures.sh`.' % (date, machine), ''] + \
    rows + detail + ['<!-- figures:end -->']
text = open(readme).read()
b, e = text.find('<!-- figures:begin -->'), text.find('<!-- figures:end -->')
if b < 0 or e < b:
    sys.exit('figures.sh: no figures markers in ' + readme)
e += len('<!-- figures:end -->')
open(readme, 'w').write(text[:b] + '\n'.join(block) + text[e:])
print('\n'.join(rows))
EOF
exit "$status"
