"""`flask import` of JSON Lines records into PostgreSQL: records per second and peak memory.

    python bench/import_bench.py [--people 330000] [--fractions 0.25,1]

Writes the demo-data mix as JSON Lines (`flask demo-data --jsonl`), then imports the first quarter and the
whole file into fresh databases with full validation and change capture (no --baseline), from one
process. Goal: at least 10,000 records/s, with peak memory flat as the file grows.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, env, fresh_pg_database, record, summary_line, timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=330_000, help="about 3 records a person: 1M lines")
    parser.add_argument("--fractions", default="0.25,1")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    full = OUT / f"demo-{args.people}.jsonl"
    scratch = fresh_pg_database("hotline_bench_import_source")
    if not full.exists():
        timed(["flask", "demo-data", "--people", str(args.people), "--jsonl", str(full)],
              env(HOTLINE_DATABASE_URL=scratch))
    lines = full.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = []
    for fraction in [float(f) for f in args.fractions.split(",")]:
        part = OUT / f"import-{fraction}.jsonl"
        count = int(len(lines) * fraction)
        part.write_text("".join(lines[:count]), encoding="utf-8")
        url = fresh_pg_database(f"hotline_bench_import_{int(fraction * 100)}")
        environment = env(HOTLINE_DATABASE_URL=url)
        timed(["flask", "db", "upgrade"], environment)
        seconds, peak_kib, _ = timed(["flask", "import", str(part)], environment)
        rate = count / seconds
        rows.append({"records": count, "seconds": round(seconds, 1), "records_per_s": round(rate),
                     "peak_rss_mib": round(peak_kib / 1024, 1)})
        print(summary_line(f"import {count:,} records", rate, "records/s", goal=">= 10,000 records/s",
                           met=rate >= 10_000) + f" | peak RSS {peak_kib / 1024:.0f} MiB", flush=True)
    del lines
    if len(rows) > 1:
        print(f"peak memory {rows[0]['peak_rss_mib']} MiB at {rows[0]['records']:,} records, "
              f"{rows[-1]['peak_rss_mib']} MiB at {rows[-1]['records']:,}")
    record("import", {"rows": rows})


if __name__ == "__main__":
    main()
