"""Daily scan time over 10,000 / 100,000 / 1,000,000 people on PostgreSQL.

    python bench/scan.py [--sizes 10000,100000,1000000] [--date 2026-11-24]

For each size: a fresh database, `flask db upgrade`, `flask demo-data --people N`, then
`flask notices scan --date D --dry-run` and the real `flask notices scan --date D`, each timed as a whole
process. Goal: 1,000,000 people in under 10 s, the time growing with the notices due rather than with
the records scanned.
"""

from __future__ import annotations

import argparse
import re
import sys

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

from bench.common import env, fresh_pg_database, record, summary_line, timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--date", default="2026-11-24")
    args = parser.parse_args()
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        url = fresh_pg_database(f"hotline_bench_scan_{size}")
        environment = env(HOTLINE_DATABASE_URL=url)
        timed(["flask", "db", "upgrade"], environment)
        load_s, _, _ = timed(["flask", "demo-data", "--people", str(size), "--date", args.date], environment)
        dry_s, _, _ = timed(["flask", "notices", "scan", "--date", args.date, "--dry-run"], environment)
        scan_s, peak_kib, output = timed(["flask", "notices", "scan", "--date", args.date], environment)
        planned = sum(int(n) for n in re.findall(r"(\d+)\s*$", output, flags=re.MULTILINE)) if output else 0
        row = {"people": size, "demo_data_s": round(load_s, 1), "scan_dry_run_s": round(dry_s, 2),
               "scan_s": round(scan_s, 2), "scan_peak_rss_mib": round(peak_kib / 1024, 1), "output": output[-400:],
               "planned_reported": planned}
        rows.append(row)
        print(summary_line(f"scan {size:,} people", scan_s, "s", goal="< 10 s at 1,000,000",
                           met=(scan_s < 10) if size >= 1_000_000 else None), flush=True)
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        growth = last["scan_s"] / first["scan_s"] if first["scan_s"] else float("nan")
        print(f"scan time grew {growth:.1f}x for {last['people'] / first['people']:.0f}x the people")
    record("scan", {"rows": rows})


if __name__ == "__main__":
    main()
