"""Regenerate corpora/MANIFEST's computed fields (items, distinct, bytes, sha256).

Descriptive fields (name, kind, source, licence, extraction) are kept from the existing
MANIFEST; run from the repository root after changing a corpus file:

    python tools/make_manifest.py
"""

import configparser
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from lowram import corpora  # noqa: E402

MANIFEST = ROOT / "corpora" / "MANIFEST"


def items_of(path, kind):
    if kind == "tokens":
        return corpora.read_tokens(path)
    if kind == "counts":
        return (word for word, _ in corpora.read_counts(path))
    return corpora.read_lines(path)


def main():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(MANIFEST, encoding="utf-8")
    for section in parser.sections():
        path = ROOT / "corpora" / section
        fields = parser[section]
        n, distinct, raw = 0, set(), 0
        for item in items_of(path, fields["kind"]):
            n += 1
            distinct.add(item)
            raw += len(item.encode("utf-8"))
        fields["items"] = str(n)
        fields["distinct"] = str(len(distinct))
        fields["utf8_bytes"] = str(raw)
        fields["file_bytes"] = str(path.stat().st_size)
        fields["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"{section}: {n} items, {len(distinct)} distinct")
    with open(MANIFEST, "w", encoding="utf-8") as fh:
        fh.write("# lowram bundled corpora. Computed fields by tools/make_manifest.py.\n")
        fh.write("# utf8_bytes: the items' UTF-8 bytes without separators; for counts files,\n")
        fh.write("# items are the words.\n\n")
        parser.write(fh)


if __name__ == "__main__":
    main()
