"""Long work shows how far it is: records, rate and time left, redrawn on a terminal, a log line elsewhere."""

from __future__ import annotations

import json
import logging
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "ingest" / "data" / "sample.jsonl"
LINE = r"import: (\d+) records \((\d+)%\), [\d,]+ a second, \d+ s left"


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_import_not_on_a_terminal_logs_records_rate_and_time_left(app, monkeypatch):
    monkeypatch.setenv("HOTLINE_PROGRESS_SECONDS", "0")  # a line at every record instead of every 10 s
    handler = _Lines()
    logging.getLogger("hotline.progress").addHandler(handler)
    try:
        result = app.test_cli_runner().invoke(args=["import", str(SAMPLE)])
    finally:
        logging.getLogger("hotline.progress").removeHandler(handler)
    assert result.exit_code == 0, result.output
    found = [re.fullmatch(LINE, line) for line in handler.lines]
    assert found and all(found), handler.lines
    assert [int(m[1]) for m in found] == list(range(1, 21))  # the sample's 20 records, one by one
    assert int(found[-1][2]) == 100 and int(found[0][2]) < 100
    assert "\r" not in result.output  # nothing redrawn where there is no terminal


def test_import_and_scan_on_a_terminal_redraw_one_line(db_url, redis_url, tmp_path):
    environment = dict(os.environ, FLASK_APP="app.py", HOTLINE_DATABASE_URL=db_url, HOTLINE_REDIS_URL=redis_url,
                       HOTLINE_PROGRESS_SECONDS="0", HOTLINE_LOG_JSON="false")
    output = b""
    for command in (["import", str(SAMPLE)], ["notices", "scan", "--date", "2026-11-24"]):
        leader, follower = pty.openpty()
        process = subprocess.Popen([sys.executable, "-m", "flask", *command], cwd=ROOT, env=environment,
                                   stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(leader)
        assert process.wait(timeout=60) == 0, b"".join(chunks).decode(errors="replace")
        output += b"".join(chunks)
    text = output.decode("utf-8")
    drawn = re.findall(r"\r\x1b\[K(import: [^\r\n]*)", text)
    assert drawn and re.fullmatch(LINE, drawn[-1].strip()), text
    assert "import: 20 records (100%)" in drawn[-1]
    rules = re.findall(r"\r\x1b\[K(scan 2026-11-24: [^\r\n]*)", text)
    assert rules and re.match(r"scan 2026-11-24: (\d+) of \1 rules \(100%\)", rules[-1]), text
    assert "planned" in text.split(rules[-1])[-1]  # the scan's own summary follows on a line of its own


def test_import_in_a_pipe_prints_a_progress_line_in_the_log_format(db_url, redis_url):
    for log_json in ("false", "true"):
        environment = dict(os.environ, FLASK_APP="app.py", HOTLINE_DATABASE_URL=db_url, HOTLINE_REDIS_URL=redis_url,
                           HOTLINE_PROGRESS_SECONDS="0", HOTLINE_LOG_JSON=log_json)
        completed = subprocess.run([sys.executable, "-m", "flask", "import", str(SAMPLE)], cwd=ROOT, env=environment,
                                   capture_output=True, text=True, timeout=60)
        assert completed.returncode == 0, completed.stderr
        if log_json == "false":
            lines = re.findall(r"^\d\d:\d\d:\d\d (import: .*)$", completed.stderr, re.MULTILINE)
        else:
            lines = [json.loads(line)["message"] for line in completed.stderr.splitlines()
                     if '"hotline.progress"' in line]
        assert lines and all(re.fullmatch(LINE, line) for line in lines), completed.stderr
        assert "import: 20 records (100%)" in lines[-1]
