"""Progress of long work (`flask demo-data`, `flask import`, `flask notices scan`): done, rate, time left.

On a terminal one line is redrawn in place, at most five times a second. Elsewhere (journald, a pipe, CI) a
log line (logger `hotline.progress`) every 10 seconds. HOTLINE_PROGRESS_SECONDS sets another interval for
both. Work that ends before the first line is due shows nothing.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from datetime import datetime
from typing import TextIO

log = logging.getLogger("hotline.progress")

TERMINAL_SECONDS = 0.2


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


class Progress:
    def __init__(self, what: str, *, total: int | None = None, unit: str = "records", stream: TextIO | None = None,
                 interval: float | None = None) -> None:
        self.what = what
        self.total = total
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        try:
            self.terminal = self.stream.isatty()
        except (AttributeError, ValueError):
            self.terminal = False
        if interval is None and os.environ.get("HOTLINE_PROGRESS_SECONDS"):
            interval = float(os.environ["HOTLINE_PROGRESS_SECONDS"])
        if interval is None:
            interval = TERMINAL_SECONDS if self.terminal else 10.0
        self.interval = interval
        self.started = time.monotonic()
        self.next_at = self.started + interval
        self.drawn = False

    def due(self) -> bool:
        return time.monotonic() >= self.next_at

    def update(self, done: int, *, total: int | None = None, fraction: float | None = None) -> None:
        """Show `done` if a line is due; `fraction` (0..1) when the total is not a count (bytes of a file)."""
        if self.due():
            self.show(done, total=total, fraction=fraction)

    def line(self, done: int, *, total: int | None = None, fraction: float | None = None) -> str:
        total = total if total is not None else self.total
        if fraction is None and total:
            fraction = min(done / total, 1.0)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        text = f"{self.what}: {done:,}" + (f" of {total:,}" if total else "") + f" {self.unit}"
        if fraction is not None:
            text += f" ({fraction:.0%})"
        text += f", {done / elapsed:,.0f} a second"
        if fraction:
            text += f", {_duration(elapsed * (1 - fraction) / fraction)} left"
        return text

    def show(self, done: int, *, total: int | None = None, fraction: float | None = None) -> None:
        text = self.line(done, total=total, fraction=fraction)
        if self.terminal:
            self.stream.write("\r\033[K" + text)
            self.stream.flush()
        elif log.hasHandlers():
            log.info(text)  # JSON lines for the log collector when HOTLINE_LOG_JSON is on
        else:
            self.stream.write(f"{datetime.now():%H:%M:%S} {text}\n")
            self.stream.flush()
        self.drawn = True
        self.next_at = time.monotonic() + self.interval

    def finish(self) -> None:
        """End the redrawn line, so that what is printed next starts on its own."""
        if self.terminal and self.drawn:
            self.stream.write("\n")
            self.stream.flush()
        self.drawn = False
