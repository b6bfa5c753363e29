#!/bin/sh
# dynupdate.sh VPNRR EXAMPLES DATA - "vpnrr publish" against a real Knot
# DNS taking TSIG-signed dynamic updates: a site record published and
# republished (exactly one record set afterwards); the admin's zone
# republished three times while a node keeps verifying the live chain
# (it never sees a head whose pages are missing); a wrong TSIG key and an
# unknown one refused with their RCODE and TSIG error, the zone
# unchanged; an unreachable and a silent server fail within the timeout;
# a group-readable key file and a record that does not verify are
# refused before anything is sent.
set -eu
V=$1 EX=$2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/knot.sh"
SILENT_PID= LOOP_PID=
trap 'for p in $LOOP_PID $SILENT_PID; do kill "$p" 2>/dev/null || :; done;
      stop_knot; cleanup' EXIT

command -v knotd >/dev/null || { echo "SKIP: knotd not installed"; exit 77; }

cp -R "$EX" "$TMP/ex"
rm -f "$TMP"/ex/zones/*.zone "$TMP"/ex/sites/*.rec "$TMP/ex/admin/state"
expect 0 "regen.sh builds the example" sh "$TMP/ex/regen.sh" "$V"
A=$(cat "$TMP/ex/keys/anchor.pub")
SECRET=$(head -c 32 /dev/urandom | base64)
start_knot "$TMP/knot" "$SECRET" "$TMP"/ex/zones/*.zone
S=127.0.0.1:$KPORT

printf 'key "publisher" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
	"$SECRET" > "$TMP/tsig.key"
chmod 600 "$TMP/tsig.key"
printf '# alpha publishes here\nserver %s\nzone alpha.example.net\ntsig-key tsig.key\ntimeout 5s\n' \
	"$S" > "$TMP/publish.conf"
soa() { dig +short -p "$KPORT" @127.0.0.1 SOA "$1" | awk '{ print $3 }'; }
txt() { dig +short -p "$KPORT" @127.0.0.1 TXT "$1"; }

# ---- a site -----------------------------------------------------------------
REC=$TMP/ex/sites/london,alpha.rec
expect 0 "the served record is unchanged: nothing sent" "$V" publish \
	--config "$TMP/publish.conf" --signer "$TMP/ex/keys/alpha.pub" "$REC"
has "$TMP/out" "^unchanged" "publish says unchanged"
sed 's/^address .*/address 192.0.2.99 4500/' \
	"$TMP/ex/sites/london,alpha.site" > "$TMP/alpha2.site"
grep -q '192.0.2.99' "$TMP/alpha2.site" || fail "the test's site change did not apply"
expect 0 "a changed site record is signed" "$V" sign -k "$TMP/ex/keys/alpha.key" \
	-o "$TMP/alpha2.rec" "$TMP/alpha2.site"
s0=$(soa alpha.example.net)
expect 0 "the changed record is published" "$V" publish \
	--config "$TMP/publish.conf" --signer "$TMP/ex/keys/alpha.key" \
	"$TMP/alpha2.rec"
has "$TMP/out" "^published: zone alpha.example.net. .*checked" "publish reports the check"
s1=$(soa alpha.example.net)
[ "$s1" != "$s0" ] && ok "the serial moved ($s0 -> $s1)" || fail "serial unchanged"
txt _vpnrr.alpha.example.net > "$TMP/dig"
[ "$(wc -l < "$TMP/dig")" -eq 1 ] && ok "exactly one TXT record at the name" \
	|| fail "$(wc -l < "$TMP/dig") TXT records at the name"
has "$TMP/dig" "ep=192.0.2.99:4500" "dig shows the new endpoint"
n=$(dig +short -p "$KPORT" @127.0.0.1 TYPE65380 _vpnrr.alpha.example.net | grep -c '^\\#')
[ "$n" -eq 1 ] && ok "exactly one TYPE65380 record" || fail "$n TYPE65380 records"
dig -p "$KPORT" @127.0.0.1 TXT _vpnrr.alpha.example.net > "$TMP/dig.full"
expect 0 "the dug record is VALID under the served membership" "$V" verify \
	--anchor "$A" --server 127.0.0.1 -p "$KPORT" --zone vpn.example.org \
	"$TMP/dig.full"
expect 0 "republishing the same record sends nothing" "$V" publish \
	--config "$TMP/publish.conf" --signer "$TMP/ex/keys/alpha.pub" "$TMP/alpha2.rec"
has "$TMP/out" "^unchanged" "second publish unchanged"
[ "$(soa alpha.example.net)" = "$s1" ] && ok "serial kept" || fail "serial moved"

# ---- refusals ------------------------------------------------------------------
printf 'key "publisher" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
	"$(head -c 32 /dev/urandom | base64)" > "$TMP/wrong.key"
printf 'hmac-sha256:stranger:%s\n' "$SECRET" > "$TMP/stranger.key"
chmod 600 "$TMP/wrong.key" "$TMP/stranger.key"
expect 3 "a wrong secret is refused" "$V" publish --config "$TMP/publish.conf" \
	--key "$TMP/wrong.key" --signer "$TMP/ex/keys/alpha.pub" "$REC"
has "$TMP/err" "RCODE NOTAUTH, TSIG error 16 BADSIG" "BADSIG is named"
expect 3 "an unknown key is refused" "$V" publish --config "$TMP/publish.conf" \
	--key "$TMP/stranger.key" --signer "$TMP/ex/keys/alpha.pub" "$REC"
has "$TMP/err" "RCODE NOTAUTH, TSIG error 17 BADKEY" "BADKEY is named"
[ "$(soa alpha.example.net)" = "$s1" ] && ok "zone unchanged after the refusals" \
	|| fail "zone changed"
has "$TMP/dig" "ep=192.0.2.99:4500" "still the record published before"
expect 3 "a zone the server does not serve is refused" "$V" publish \
	--config "$TMP/publish.conf" --zone example.net \
	--signer "$TMP/ex/keys/alpha.pub" "$REC"
has "$TMP/err" "RCODE" "its RCODE is named"
chmod 640 "$TMP/tsig.key"
expect 1 "a group-readable key file is refused" "$V" publish \
	--config "$TMP/publish.conf" --signer "$TMP/ex/keys/alpha.pub" "$REC"
has "$TMP/err" "tsig.key: TSIG key: mode 0640 .*chmod 600" "names the file, its mode, the fix"
chmod 600 "$TMP/tsig.key"
expect 1 "a record that does not verify is not sent" "$V" publish \
	--config "$TMP/publish.conf" --signer "$TMP/ex/keys/beta.pub" "$REC"
has "$TMP/err" "does not verify.*nothing sent" "says nothing was sent"
[ "$(soa alpha.example.net)" = "$s1" ] && ok "zone unchanged" || fail "zone changed"

# A closed port, then a server that accepts and never answers.
expect 3 "an unreachable server is a clear error" "$V" publish \
	--config "$TMP/publish.conf" --server 127.0.0.1:1 \
	--signer "$TMP/ex/keys/alpha.pub" "$REC"
has "$TMP/err" "127.0.0.1:1: .*refused" "says the connection was refused"
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
print(s.getsockname()[1], flush=True)
conns = []
end = time.time() + 60
while time.time() < end:
    s.settimeout(1)
    try: conns.append(s.accept()[0])
    except socket.timeout: pass
' > "$TMP/silent.port" &
SILENT_PID=$!
n=0; while [ ! -s "$TMP/silent.port" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
t0=$(date +%s)
expect 3 "a silent server fails within --timeout" "$V" publish \
	--config "$TMP/publish.conf" --server "127.0.0.1:$(cat "$TMP/silent.port")" \
	--timeout 2s --signer "$TMP/ex/keys/alpha.pub" "$REC"
t1=$(date +%s)
has "$TMP/err" "no answer within 2000 ms (timeout)" "says it timed out"
[ $((t1 - t0)) -le 4 ] && ok "gave up in $((t1 - t0))s" || fail "took $((t1 - t0))s"
kill "$SILENT_PID" 2>/dev/null || :; SILENT_PID=

# ---- the admin's zone ------------------------------------------------------------
AD=$TMP/ex/admin
printf 'server %s\ntsig-key %s\n' "$S" "$TMP/tsig.key" > "$AD/publish.conf"
expect 0 "the served index is unchanged" "$V" publish --index "$AD"
has "$TMP/out" "^unchanged" "nothing sent"

# A node keeps verifying the live chain (head, every page, members, sites)
# while the admin republishes: each pass must be valid.
: > "$TMP/loop.log"
(
	i=0
	while [ $i -lt 400 ] && [ ! -e "$TMP/loop.stop" ]; do
		set +e
		"$V" verify --anchor "$A" --server 127.0.0.1 -p "$KPORT" \
			--quiet vpn.example.org 2>>"$TMP/loop.err"
		echo "$?" >> "$TMP/loop.log"
		set -e
		i=$((i + 1))
	done
) &
LOOP_PID=$!
pages_of() {
	awk '$1 ~ /\.p\._vpnrr\./ && $4 == "TXT" { print $1 }' "$1" | sort -u
}
zonefile=$TMP/ex/zones/vpn.example.org.zone
pages_of "$zonefile" > "$TMP/pages0"
expect 0 "revoke gamma" "$V" revoke -q "$AD" mobile/gamma
pages_of "$zonefile" > "$TMP/pages1"
cmp -s "$TMP/pages0" "$TMP/pages1" && fail "the test needs a page change" || :
expect 0 "publish the index without gamma" "$V" publish --step-wait 1s --index "$AD"
has "$TMP/out" "^step 1 (pages)" "new pages first"
has "$TMP/out" "^step 2 (head)" "then the head"
has "$TMP/out" "^published: .*checked" "checked"
n=$(dig +short -p "$KPORT" @127.0.0.1 TXT mobile.gamma.m._vpnrr.vpn.example.org | wc -l)
[ "$n" -eq 0 ] && ok "gamma's member record is gone" || fail "gamma's member record still served"
for p in $(cat "$TMP/pages0"); do
	[ -n "$(txt "$p")" ] || fail "old page $p removed with the head it served"
done
ok "the replaced head's pages are still there"
expect 0 "revoke delta" "$V" revoke -q "$AD" berlin/delta
expect 0 "publish the index without delta" "$V" publish --step-wait 1s --index "$AD"
has "$TMP/out" "^step 4 (cleanup)" "pages of two heads ago are removed"
for p in $(comm -23 "$TMP/pages0" "$TMP/pages1"); do
	[ -z "$(txt "$p")" ] || fail "page $p of two heads ago still served"
done
mv "$AD"/revoked/*.member "$AD/members/"
expect 0 "index with everyone back" "$V" index -q "$AD"
expect 0 "publish the full index" "$V" publish --step-wait 1s --index "$AD"
expect 0 "--prune removes the replaced head's pages now" "$V" publish --index "$AD" --prune
has "$TMP/out" "^step 4 (cleanup)" "prune cleans up"
touch "$TMP/loop.stop"
n=0; while kill -0 "$LOOP_PID" 2>/dev/null && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
LOOP_PID=
total=$(wc -l < "$TMP/loop.log")
bad=$(grep -vc '^0$' "$TMP/loop.log" || :)
[ "$total" -ge 5 ] && [ "$bad" -eq 0 ] \
	&& ok "the node verified the chain $total times during the updates, never a missing page" \
	|| { fail "$bad of $total node passes failed"; head -5 "$TMP/loop.err" >&2; }
expect 0 "the served zone verifies afterwards" "$V" verify --anchor "$A" \
	--server 127.0.0.1 -p "$KPORT" --quiet vpn.example.org
expect 0 "and equals the admin's zone file: unchanged" "$V" publish --index "$AD"
has "$TMP/out" "^unchanged" "nothing left to send"

# A broken zone file is not sent.
cp "$zonefile" "$TMP/zone.bak"
sed 's/\(_vpnrr\.vpn\.example\.org\..*TXT.*v=vpnrr1; k=head; vpn=\)example/\1exampl/' \
	"$TMP/zone.bak" > "$zonefile"
s0=$(soa vpn.example.org)
expect 1 "an index that does not verify is not sent" "$V" publish --index "$AD"
has "$TMP/err" "nothing sent" "says nothing was sent"
[ "$(soa vpn.example.org)" = "$s0" ] && ok "zone unchanged" || fail "zone changed"
cp "$TMP/zone.bak" "$zonefile"
finish
