"""A gateway that prints each text instead of sending it: the demo without any Twilio at all."""

from __future__ import annotations

import itertools
import secrets
import sys
import threading
from datetime import datetime
from typing import TextIO

from ..domain.notices import SendOutcome
from .base import FoundMessage, SendResult


class ConsoleGateway:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._sent: dict[tuple[str, str], str] = {}
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendResult:
        sid = "SMconsole" + secrets.token_hex(12)
        with self._lock:
            self._sent[(to, body)] = sid
            print(f"── SMS #{next(self._numbers)} to {to} ──\n{body}\n", file=self.stream, flush=True)
        return SendResult(SendOutcome.ACCEPTED, sid=sid, status="sent")

    def find(self, to: str, body: str, since: datetime) -> FoundMessage | None:
        sid = self._sent.get((to, body))
        return FoundMessage(sid, "sent") if sid else None

    def status(self, sid: str) -> str | None:
        # Printed is as delivered as a console text gets; any process may be asked (the sweep runs elsewhere).
        return "delivered" if sid.startswith("SMconsole") else None
