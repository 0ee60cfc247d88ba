"""Notices end to end under faults: real `flask worker` processes, the real twilio client, the loopback
Twilio posting signed receipts to the real web app over HTTP, real Redis, both databases.

- Faults: the first creates answer 429, the next ones 500 without creating anything; every notice still
  arrives exactly once.
- Crash: the loopback holds one create open, the worker is killed with SIGKILL while it waits; a new worker
  and the sweep run; every notice ends in a final state in time and each text arrived at most once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from hotline.db import Notice
from hotline.domain.notices import FINAL
from hotline.notify import sender
from hotline.notify.sweep import sweep
from hotline.runtime import Runtime
from hotline.sandbox.loopback_twilio import Loopback
from tests.conftest import free_port
from tests.notify.support import people, plan, sending_settings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 90.0


class Stack:
    """The loopback Twilio, the web app receiving its receipts, and worker processes."""

    def __init__(self, settings, **overrides) -> None:
        from hotline.factory import create_app

        self.loopback = Loopback().start()
        port = free_port()
        self.settings = sending_settings(
            settings, self.loopback, public_url=f"http://127.0.0.1:{port}", send_window="00:00-24:00",
            notice_claim_timeout_seconds=5, notice_unknown_grace_seconds=1, notice_queued_timeout_seconds=5,
            **overrides,
        )
        self.app = create_app(self.settings)
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.rt = Runtime.from_settings(self.settings)
        self.workers: list[subprocess.Popen] = []

    def env(self) -> dict[str, str]:
        names = ("database_url", "redis_url", "public_url", "twilio_api_url", "send_window", "pin_pepper",
                 "notice_claim_timeout_seconds", "notice_unknown_grace_seconds", "notice_queued_timeout_seconds",
                 "sender_segments_per_second", "notice_batch_size", "twilio_timeout_seconds")
        env = {**os.environ, "FLASK_APP": "app.py", "HOTLINE_LOG_JSON": "0"}
        env.update({f"HOTLINE_{name.upper()}": str(getattr(self.settings, name)) for name in names})
        return env

    def start_worker(self) -> subprocess.Popen:
        worker = subprocess.Popen([sys.executable, "-m", "flask", "worker"], cwd=ROOT, env=self.env(),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.workers.append(worker)
        return worker

    def states(self) -> Counter:
        with self.rt.sessions() as session:
            return Counter(session.scalars(select(Notice.state)))

    def run_until_final(self, deadline: float = DEADLINE) -> Counter:
        """Sweep now and then (as the scheduler would) until no notice is in a non-final state."""
        stop = time.monotonic() + deadline
        while True:
            states = self.states()
            if set(states) <= FINAL:
                return states
            assert time.monotonic() < stop, f"notices still not final at the deadline: {dict(states)}"
            sweep(self.rt)
            sender.dispatch(self.rt)  # the scheduler's tick runs both
            time.sleep(0.3)

    def close(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.terminate()
        for worker in self.workers:
            try:
                worker.wait(10)
            except subprocess.TimeoutExpired:
                worker.kill()
        self.server.shutdown()
        self.loopback.stop()
        self.app.extensions["hotline"].engine.dispose()
        self.rt.engine.dispose()


@pytest.fixture
def stack_factory(settings):
    made: list[Stack] = []

    def make(**overrides) -> Stack:
        made.append(Stack(settings, **overrides))
        return made[-1]

    yield make
    for stack in made:
        stack.close()


def plan_for_everyone(stack: Stack, count: int) -> dict[int, str]:
    folks = people(stack.rt, count)
    ids = {plan(stack.rt, p): p.phone for p in folks}
    return ids


def test_429s_then_500s_still_deliver_every_notice_exactly_once(stack_factory):
    stack = stack_factory(notice_batch_size=10)
    phones = plan_for_everyone(stack, 40)
    stack.loopback.fail_next(3, 429)
    stack.loopback.fail_next(4, 500)

    assert sender.dispatch(stack.rt) == 40
    stack.start_worker()
    stack.start_worker()
    states = stack.run_until_final()

    assert states == Counter({"delivered": 40})
    arrived = Counter(m.to for m in stack.loopback.messages())
    assert arrived == Counter(phones.values())
    assert stack.loopback.requests_seen == 40 + 3 + 4


def test_a_worker_killed_mid_request_strands_nothing_and_doubles_nothing(stack_factory):
    stack = stack_factory(notice_batch_size=10, twilio_timeout_seconds=60)
    phones = plan_for_everyone(stack, 30)
    stack.loopback.hold(15, seconds=60)  # the 15th message is created, its answer never comes
    sender.dispatch(stack.rt)

    first = stack.start_worker()
    stop = time.monotonic() + DEADLINE
    while len(stack.loopback.messages()) < 15:
        assert time.monotonic() < stop, "the worker never reached the held request"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    stack.loopback.release()

    stack.start_worker()
    started = time.monotonic()
    states = stack.run_until_final()
    took = time.monotonic() - started

    assert states == Counter({"delivered": 30})
    arrived = Counter(m.to for m in stack.loopback.messages())
    assert arrived == Counter(phones.values())  # none lost, none doubled
    # claim timeout (5 s) + grace (1 s) + a few sweeps and sends
    assert took < 45
