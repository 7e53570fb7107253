"""Rewrite README.md's report table from a `lowram-report --format json` file.

    lowram-report --format json --output benchmarks/results/report-english-words.json
    python tools/readme_table.py benchmarks/results/report-english-words.json

The table sits between the markers ``<!-- report-table:start -->`` and
``<!-- report-table:end -->``; the date line above it is rewritten from the JSON too, so
the README never shows a figure that the named report did not print.
"""

import json
import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def fmt(v, digits=1):
    if v is None:
        return "-"
    return f"{v:,.{digits}f}"


def table(doc) -> str:
    rows = ["| structure | family | B/item (RSS) | pympler MB | build s | hit ns | miss ns "
            "| x[i] ns | vs set | measured error |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in doc["records"]:
        error = ", ".join(f"{k} {v:.3g}" for k, v in r["error"].items()
                          if k in ("rel_error", "fpr", "mean_overestimate"))
        rows.append(
            f"| `{r['structure']}` | {r['family']} | {fmt(r['bytes_per_item'])} | "
            f"{fmt(r['deep_bytes'] and r['deep_bytes'] / 1e6, 2)} | "
            f"{fmt(r['build_seconds'], 2)} | {fmt(r['hit_ns'], 0)} | {fmt(r['miss_ns'], 0)} | "
            f"{fmt(r['getitem_ns'], 0)} | {fmt(r['ratio_vs_set'], 3)} | {error} |")
    return "\n".join(rows)


def main(path):
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    text = README.read_text(encoding="utf-8")
    new = re.sub(r"(<!-- report-table:start -->\n).*?(<!-- report-table:end -->)",
                 lambda m: m.group(1) + table(doc) + "\n" + m.group(2), text, flags=re.S)
    new = re.sub(r"measured on this project's\n2-core Linux machine on \d{4}-\d{2}-\d{2}",
                 f"measured on this project's\n2-core Linux machine on {doc['date'][:10]}", new)
    new = re.sub(r"wall time of that run: [\d.]+ s", f"wall time of that run: "
                 f"{doc['wall_seconds']:.1f} s", new)
    README.write_text(new, encoding="utf-8")
    print(f"README table rewritten from {path} ({len(doc['records'])} rows)")


if __name__ == "__main__":
    main(sys.argv[1])
