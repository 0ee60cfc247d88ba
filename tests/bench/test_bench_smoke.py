"""Each benchmark at a tiny size: it runs to the end and prints its summary line. No timing is asserted.

The benchmarks start their own servers (gunicorn, redis-server, the loopback Twilio, RQ workers) and make
their own PostgreSQL databases on the test server, with a tag of this test process in every name, and
write their records under the test's temporary directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_URL, drop_pg_databases, pg_database_name

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent

def run_benchmark(tmp_path: Path, *command: str) -> str:
    # The run's tag and the test process in every database name, so that two suites on one server never drop
    # each other's; the benchmark's databases are dropped when it ends.
    tag = "_smoke" + pg_database_name("").removeprefix("hotline_")
    environment = dict(os.environ)
    environment.update({
        "HOTLINE_BENCH_PG_ADMIN_URL": PG_ADMIN_URL,
        "HOTLINE_BENCH_OUT": str(tmp_path),
        "HOTLINE_BENCH_TAG": tag,
    })
    try:
        completed = subprocess.run([sys.executable, *command], cwd=ROOT, env=environment, capture_output=True,
                                   text=True, timeout=600)
    finally:
        drop_pg_databases(tag)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-3000:]
    assert (tmp_path / "results.jsonl").read_text(encoding="utf-8").strip(), "no result was recorded"
    return completed.stdout


def summary_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "| goal " in line and not line.startswith(" ")]


def test_webhooks_benchmark_measures_every_route_against_the_minimal_webhook_and_the_drivers_alone(tmp_path):
    output = run_benchmark(tmp_path, "bench/webhooks.py", "--backends", "sqlite,postgresql", "--people", "200",
                           "--seconds", "0.4", "--warmup", "0.1", "--rounds", "1", "--request-budget", "1500",
                           "--workers", "2")  # four apps' workers start on a machine the suite keeps busy
    for backend in ("sqlite", "postgresql"):
        for route in ("bare", "minimal", "ivr_menu", "licence_step", "sms_wz",
                      "drivers_ivr_menu", "drivers_licence_step", "drivers_sms_wz"):
            assert any(line.split()[:2] == [backend, route] for line in output.splitlines()), (backend, route)
        for route in ("ivr_menu", "licence_step", "sms_wz"):
            [line] = [line for line in output.splitlines() if line.split()[:2] == [backend, route]]
            assert "x minimal" in line and "x drivers alone" in line, line
    [line] = summary_lines(output)
    assert line.startswith("webhooks, worst route ") and "x minimal webhook" in line
    assert "against the drivers alone the worst is " in line


def test_notices_benchmark_accepts_every_notice_exactly_once(tmp_path):
    output = run_benchmark(tmp_path, "bench/notices_e2e.py", "--notices", "200", "--naive", "4")
    assert "exactly once: yes" in output
    assert "  drivers alone: psycopg + redis-py + the twilio client" in output
    [line] = summary_lines(output)
    assert line.startswith("notices end to end:") and "x limit" in line and "x naive" in line
    assert "x drivers alone" in line


@pytest.mark.parametrize(("script", "arguments", "start"), [
    ("bench/scan.py", ("--sizes", "200,400"), "daily scan at 400 people:"),
    ("bench/import_bench.py", ("--people", "200"), "import "),
])
def test_scan_and_import_benchmarks_print_their_line(tmp_path, script, arguments, start):
    output = run_benchmark(tmp_path, script, *arguments)
    [line] = summary_lines(output)
    assert line.startswith(start) and "ratio" in line
