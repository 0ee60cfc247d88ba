"""Every benchmark at a small size, one after the other, in under 5 minutes: `python bench/run_all.py`.

Prints each benchmark's single summary line (value, ratio to its baseline, goal, met or not) as it finishes;
the full output of each is kept in bench/out/run_all-<name>.log and every result is appended to
bench/out/results.jsonl. Small sizes show that everything works and give ratios to compare between runs;
the goals are judged at the full sizes (bench/README.md lists the commands).

    python bench/run_all.py [--only webhooks,notices,scan,import]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, ROOT, machine  # noqa: E402

SMALL = {
    "webhooks": ["bench/webhooks.py", "--people", "3000", "--seconds", "1.5", "--warmup", "0.3", "--rounds", "3"],
    "notices": ["bench/notices_e2e.py", "--notices", "10000", "--naive", "40"],
    "scan": ["bench/scan.py", "--sizes", "1000,10000"],
    "import": ["bench/import_bench.py", "--people", "20000"],
}


def summary(output: str) -> str:
    """The benchmark's one summary line: the last line naming a goal."""
    lines = [line for line in output.splitlines() if "| goal " in line and not line.startswith(" ")]
    return lines[-1] if lines else "(no summary line)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(SMALL))
    args = parser.parse_args(argv)
    facts = machine()
    print(f"machine: {facts['cores']} cores, {facts['memory_gib']} GiB, Python {facts['python']}, {facts['date']}",
          flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    failures = 0
    for name in args.only.split(","):
        began = time.perf_counter()
        completed = subprocess.run([sys.executable, *SMALL[name]], cwd=ROOT, capture_output=True, text=True)
        output = completed.stdout + completed.stderr
        (OUT / f"run_all-{name}.log").write_text(output, encoding="utf-8")
        if completed.returncode != 0:
            failures += 1
            print(f"{name}: FAILED (exit {completed.returncode}); see bench/out/run_all-{name}.log", flush=True)
            print("\n".join(output.splitlines()[-5:]), flush=True)
            continue
        print(f"{summary(completed.stdout)}  [{time.perf_counter() - began:.0f} s]", flush=True)
    print(f"all benchmarks in {time.perf_counter() - started:.0f} s", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
