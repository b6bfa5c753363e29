#!/usr/bin/env python3
"""Writes fuzz seed inputs from the test vectors.

usage: seeds.py VECTOR_DIR OUT_DIR

For every vector with encoding txt, txtrdata or bin, writes the raw RDATA
the corresponding decoder sees into OUT_DIR/txt/ or OUT_DIR/bin/.
"""
import os
import sys


def txt_rdata(text):
    data = text.encode("ascii", "surrogateescape")
    out = bytearray()
    for i in range(0, len(data), 255):
        chunk = data[i:i + 255]
        out.append(len(chunk))
        out += chunk
    return bytes(out or b"\x00")


def main():
    vecdir, outdir = sys.argv[1], sys.argv[2]
    for sub in ("txt", "bin"):
        os.makedirs(os.path.join(outdir, sub), exist_ok=True)
    count = 0
    for name in sorted(os.listdir(vecdir)):
        if not name.endswith(".vec"):
            continue
        enc = None
        with open(os.path.join(vecdir, name), encoding="ascii",
                  errors="surrogateescape") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("["):
                    enc = None
                elif line.startswith("encoding = "):
                    enc = line[len("encoding = "):]
                elif line.startswith(("data = ", "member = ")):
                    value = line.split(" = ", 1)[1]
                    if line.startswith("member = ") or enc == "txt":
                        sub, blob = "txt", txt_rdata(value)
                    elif enc == "txtrdata":
                        sub, blob = "txt", bytes.fromhex(value)
                    elif enc == "bin":
                        sub, blob = "bin", bytes.fromhex(value)
                    else:
                        continue
                    count += 1
                    path = os.path.join(outdir, sub, "seed-%04d" % count)
                    with open(path, "wb") as out:
                        out.write(blob)
    if count == 0:
        sys.exit("seeds.py: no vectors found in %s" % vecdir)
    print("seeds.py: wrote %d seeds" % count)


if __name__ == "__main__":
    main()
