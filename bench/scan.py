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
from datetime import datetime

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

from bench.common import env, fresh_pg_database, record, summary_line, timed, upgrade  # noqa: E402
from hotline.clock import CHINA  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--date", default=datetime.now(CHINA).date().isoformat())
    args = parser.parse_args()
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        url = fresh_pg_database(f"hotline_bench_scan_{size}")
        environment = env(HOTLINE_DATABASE_URL=url)
        upgrade(url, environment)
        load_s, _, _ = timed(["flask", "demo-data", "--people", str(size), "--date", args.date], environment)
        dry_s, _, _ = timed(["flask", "notices", "scan", "--date", args.date, "--dry-run"], environment)
        scan_s, peak_kib, output = timed(["flask", "notices", "scan", "--date", args.date], environment)
        planned = sum(int(n) for n in re.findall(r"^[A-Z]\d\d\t(\d+)\s*$", output, flags=re.MULTILINE))
        # The command's own figure for the scan (after start-up: imports, app, connection).
        inside = re.search(r"planned \d+ notices \((\d+(?:\.\d+)?) s\)", output)
        inside_s = float(inside.group(1)) if inside else scan_s
        row = {"people": size, "demo_data_s": round(load_s, 1), "scan_dry_run_s": round(dry_s, 2),
               "scan_process_s": round(scan_s, 2), "scan_s": round(inside_s, 2),
               "scan_peak_rss_mib": round(peak_kib / 1024, 1), "planned": planned, "output": output[-400:]}
        rows.append(row)
        print(f"  scan {size:,} people: {inside_s:.2f} s in the command ({scan_s:.1f} s the whole process, dry run "
              f"{dry_s:.1f} s), {planned:,} notices planned, peak RSS {peak_kib / 1024:.0f} MiB", flush=True)
    first, last = rows[0], rows[-1]
    people_growth = last["people"] / first["people"]
    growth = last["scan_s"] / first["scan_s"] if first["scan_s"] else float("nan")
    planned_growth = last["planned"] / first["planned"] if first["planned"] else float("nan")
    met = last["scan_s"] < 10 if last["people"] >= 1_000_000 else None
    print(summary_line(f"daily scan at {last['people']:,} people", last["scan_s"], "s", ratio=growth,
                       baseline=f"the scan at {first['people']:,} people ({people_growth:.0f}x the people, "
                                f"{planned_growth:.1f}x the notices planned)",
                       goal="< 10 s at 1,000,000 people", met=met), flush=True)
    record("scan", {"rows": rows, "growth": round(growth, 2), "people_growth": people_growth,
                    "planned_growth": round(planned_growth, 2), "met": met})


if __name__ == "__main__":
    main()
