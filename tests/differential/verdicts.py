#!/usr/bin/env python3
"""verdicts.py FETCH-JSON VERIFY-JSON LABEL: the chain verdicts per object
(head, page, membership, member, site) of vpnrr-fetch's report and of
"vpnrr verify --json" must be the same set; prints them, exits 1 when
they differ.  Further arguments KIND:NAME=VERDICT are verdicts the
scenario is about: both tools must give them."""
import json
import sys


def table(objs):
    out = {}
    for o in objs:
        key = (o["object"], o["name"].lower())
        if key in out and out[key] != o["verdict"]:
            sys.exit("%s reported twice with different verdicts" % (key,))
        out[key] = o["verdict"]
    return out


def main(argv):
    fetch = table(json.load(open(argv[1])).get("verdicts", []))
    verify = table(json.load(open(argv[2])).get("objects", []))
    label = argv[3]
    bad = 0
    for key in sorted(set(fetch) | set(verify)):
        f, v = fetch.get(key, "(none)"), verify.get(key, "(none)")
        mark = "  " if f == v else "!="
        print("%s %s %-10s %-55s fetch=%s verify=%s" %
              (label, mark, key[0], key[1], f, v))
        bad += f != v
    for want in argv[4:]:
        kind_name, verdict = want.rsplit("=", 1)
        kind, name = kind_name.split(":", 1)
        key = (kind, name.lower())
        if fetch.get(key) != verdict or verify.get(key) != verdict:
            print("%s: %s: want %s, fetch %s, verify %s" %
                  (label, kind_name, verdict, fetch.get(key),
                   verify.get(key)))
            bad += 1
    if not fetch:
        print("%s: the fetcher reported no verdicts" % label)
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
