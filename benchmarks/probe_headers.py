"""Header lies with a valid checksum, against every saved structure lowram has.

For each file in ``tests/compat/data`` that ``from_bytes`` opens (every kind of structure
lowram saves), each 4- and 8-byte field in the first 128 bytes of the payload is set in turn
to huge values (2**31 - 1, 2**32 - 1, 2**31, 2**28; 2**40, 2**62, 2**64 - 1, 2**33), the
payload re-wrapped in a valid envelope, opened and exercised (iteration of up to 10**6 items,
``len``, ``repr``, where the structure has them), under a 3 GiB address-space cap and a 5 s alarm. Each fixture runs in its
own process, so a crash is counted, not fatal. An outcome other than ``FormatError``, an open
that works, or an exercise refused with a clear exception is printed (``MEMORYERROR``: the file
made lowram ask for gigabytes; ``HANG``; ``OTHER``: an unclear exception; ``CRASH``: the
process died), and the summary is written to ``benchmarks/results/probe_headers.json``.

    python benchmarks/probe_headers.py [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from _common import print_table, write_results

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "tests", "compat", "data")

CHILD = r"""
import json, resource, signal, sys, time
sys.path.insert(0, sys.argv[3])
from _fuzzkit import Hang, alarm
import lowram
from lowram import _fileformat as ff
from lowram.errors import FormatError
data_dir, name = sys.argv[1], sys.argv[2]
entry = json.load(open(f"{data_dir}/expected.json"))["structures"][name]
cls = getattr(lowram, entry["class"], None)
if cls is None:
    import lowram.sketches
    cls = getattr(lowram.sketches, entry["class"])
f = [e for e in entry["files"] if e["open"] == "from_bytes"][0]
kwargs = f.get("kwargs") or {}
env = ff.unpack(open(f"{data_dir}/{f['file']}", "rb").read())
payload = bytes(env.payload)
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
signal.signal(signal.SIGALRM, alarm)
VALUES = {4: [0x7FFFFFFF, 0xFFFFFFFF, 0x80000000, 0x10000000],
          8: [1 << 40, 1 << 62, (1 << 64) - 1, 1 << 33]}
CLEAR = (FormatError, ValueError, IndexError, KeyError, UnicodeError, OverflowError, TypeError)
for pos in range(0, min(len(payload), 128), 4):
    for width, values in VALUES.items():
        if pos + width > len(payload):
            continue
        for v in values:
            b = bytearray(payload)
            b[pos:pos + width] = v.to_bytes(width, "little")
            what = f"pos={pos} width={width} value={v:#x}"
            print("TRY", what, flush=True)
            signal.alarm(5)
            try:
                o = cls.from_bytes(ff.pack(env.kind, env.version, bytes(b)), **kwargs)
                try:
                    n = 0
                    for _ in (o if hasattr(o, "__iter__") else ()):
                        n += 1
                        if n > 10**6:
                            break
                    if hasattr(o, "__len__"):
                        len(o)
                    repr(o)
                    out = "opened"
                except CLEAR as e:
                    out = "refused later"
            except FormatError:
                out = "FormatError"
            except MemoryError:
                out = "MEMORYERROR"
            except Hang:
                out = "HANG"
            except Exception as e:
                out = f"OTHER {type(e).__name__}: {str(e)[:60]}"
            finally:
                signal.alarm(0)
            print("OUT", what, out, flush=True)
"""


def run(name: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, DATA, name, HERE],
                          capture_output=True, text=True, timeout=1200)
    counts: dict[str, int] = {}
    bad = []
    tried = None
    for line in proc.stdout.splitlines():
        if line.startswith("TRY "):
            tried = line[4:]
        elif line.startswith("OUT "):
            _, pos, width, value, out = line.split(" ", 4)
            kind = "OTHER" if out.startswith("OTHER") else out
            counts[kind] = counts.get(kind, 0) + 1
            if kind not in ("FormatError", "opened", "refused later"):
                bad.append(f"{pos} {width} {value}: {out}")
            tried = None
    if proc.returncode != 0:
        counts["CRASH"] = 1
        bad.append(f"{tried}: CRASH (exit {proc.returncode}); later fields not tried")
    return {"fixture": name, **counts, "bad": bad}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="fixture names (default: all)")
    args = ap.parse_args()
    with open(os.path.join(DATA, "expected.json")) as fh:
        structures = json.load(fh)["structures"]
    names = [n for n, s in structures.items()
             if any(e["open"] == "from_bytes" for e in s["files"])]
    if args.only:
        names = [n for n in names if n in args.only]
    rows = []
    for name in names:
        row = run(name)
        rows.append(row)
        for b in row["bad"]:
            print(f"{name}: {b}", flush=True)
    kinds = ["FormatError", "opened", "refused later", "MEMORYERROR", "HANG", "OTHER", "CRASH"]
    for row in rows:
        for k in kinds:
            row.setdefault(k, 0)
    print_table(rows, ["fixture", *kinds], "header fields set to huge values, valid checksum")
    total = {k: sum(r[k] for r in rows) for k in kinds}
    print("\ntotal:", total)
    path = write_results("probe_headers", rows, notes=f"totals {total}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
