"""`flask import` of JSON Lines records into PostgreSQL: records per second and peak memory.

    python bench/import_bench.py [--people 440000] [--fractions 0.25,1]

Writes the demo-data mix as JSON Lines (`flask demo-data --jsonl`), then imports the first quarter and the
whole file into fresh databases with full validation and change capture (no --baseline), from one
process. Goal: at least 10,000 records/s, with peak memory flat as the file grows.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, env, fresh_pg_database, record, summary_line, timed, upgrade  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=440_000, help="about 2.3 records a person: 1M lines")
    parser.add_argument("--fractions", default="0.25,1")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    full = OUT / f"demo-{args.people}.jsonl"
    scratch = fresh_pg_database("hotline_bench_import_source")
    if not full.exists():
        timed(["flask", "demo-data", "--people", str(args.people), "--jsonl", str(full)],
              env(HOTLINE_DATABASE_URL=scratch))
    lines = full.read_text(encoding="utf-8").splitlines(keepends=True)
    # Start-up (interpreter, app, connection) is not import work: an empty file's import measures it.
    empty = OUT / "import-empty.jsonl"
    empty.write_text("", encoding="utf-8")
    startup_url = fresh_pg_database("hotline_bench_import_empty")
    upgrade(startup_url, env(HOTLINE_DATABASE_URL=startup_url))
    startup_s, _, _ = timed(["flask", "import", str(empty)], env(HOTLINE_DATABASE_URL=startup_url))
    rows = []
    for fraction in [float(f) for f in args.fractions.split(",")]:
        part = OUT / f"import-{fraction}.jsonl"
        count = int(len(lines) * fraction)
        part.write_text("".join(lines[:count]), encoding="utf-8")
        url = fresh_pg_database(f"hotline_bench_import_{int(fraction * 100)}")
        environment = env(HOTLINE_DATABASE_URL=url)
        upgrade(url, environment)
        seconds, peak_kib, _ = timed(["flask", "import", str(part)], environment)
        rate = count / max(seconds - startup_s, 1e-3)
        rows.append({"records": count, "seconds": round(seconds, 1), "startup_s": round(startup_s, 2),
                     "records_per_s": round(rate), "records_per_s_whole_process": round(count / seconds),
                     "peak_rss_mib": round(peak_kib / 1024, 1)})
        print(f"  import {count:,} records: {rate:,.0f} records/s after start-up ({count / seconds:,.0f} over the "
              f"whole process of {seconds:.1f} s, start-up {startup_s:.1f} s), peak RSS {peak_kib / 1024:.0f} MiB",
              flush=True)
    del lines
    last, first = rows[-1], rows[0]
    memory_growth = last["peak_rss_mib"] / first["peak_rss_mib"] if first["peak_rss_mib"] else float("nan")
    met = last["records_per_s"] >= 10_000 and memory_growth < 1.5
    print(summary_line(f"import {last['records']:,} records", last["records_per_s"], "records/s",
                       ratio=last["records_per_s"] / 10_000,
                       baseline=f"the goal of 10,000 records/s; peak memory {memory_growth:.2f}x for "
                                f"{last['records'] / max(first['records'], 1):.0f}x the records",
                       goal=">= 10,000 records/s, memory flat", met=met), flush=True)
    record("import", {"rows": rows, "memory_growth": round(memory_growth, 2), "met": met})


if __name__ == "__main__":
    main()
