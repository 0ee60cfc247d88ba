"""The recurring schedule and the operator's commands: run ids make a second scheduler harmless."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.clock import CHINA
from hotline.notify import sender
from hotline.runtime import QUEUE_DEFAULT
from tests.factories import exam_plan, store
from tests.notify.support import notice, people, plan, sending_settings
from workers.schedule import Scheduler


@pytest.fixture
def app(settings, clock, loopback):
    from hotline.factory import create_app

    flask_app = create_app(sending_settings(settings, loopback), clock=clock)
    yield flask_app
    flask_app.extensions["hotline"].engine.dispose()


@pytest.fixture
def srt(app):
    return app.extensions["hotline"]


def job_ids(rt) -> list[str]:
    return sorted(job.id for job in rt.queue(QUEUE_DEFAULT).get_jobs())


def test_the_daily_scan_is_enqueued_once_a_day_whoever_ticks(srt, clock):
    clock.set(datetime(2026, 11, 24, 7, 29, tzinfo=CHINA))
    Scheduler(srt).tick()
    assert job_ids(srt) == []

    clock.set(datetime(2026, 11, 24, 7, 30, tzinfo=CHINA))
    first = Scheduler(srt).tick()
    second = Scheduler(srt).tick()  # another scheduler, same moment
    assert "scan:2026-11-24" in first and "scan:2026-11-24" not in second
    assert job_ids(srt) == ["scan-2026-11-24"]
    assert srt.queue(QUEUE_DEFAULT).get_jobs()[0].args == ("2026-11-24",)

    clock.advance(days=1)
    Scheduler(srt).tick()
    assert job_ids(srt) == ["scan-2026-11-24", "scan-2026-11-25"]


def test_each_plan_is_allocated_once_after_its_booking_closes(srt, clock):
    with srt.sessions() as session:
        store(session, exam_plan(plan_id="XM01-KM2-PLAN01", booking_closes_at="2026-11-24T09:00:00+08:00"),
              exam_plan(plan_id="XM01-KM2-PLAN02", booking_closes_at="2026-11-25T09:00:00+08:00"))
    Scheduler(srt).tick()
    Scheduler(srt).tick()
    assert [j for j in job_ids(srt) if j.startswith("allocate")] == ["allocate-XM01-KM2-PLAN01"]


def test_the_scheduler_dispatches_due_notices(srt, clock):
    nid = plan(srt, people(srt, 1)[0])
    Scheduler(srt).tick()
    assert notice(srt, nid).state == "queued"


def test_pause_and_resume_by_hand(app, srt, loopback):
    runner = app.test_cli_runner()
    nid = plan(srt, people(srt, 1)[0])
    sender.dispatch(srt)

    result = runner.invoke(args=["notices", "pause", "--reason", "carrier maintenance"])
    assert "carrier maintenance" in result.output
    assert runner.invoke(args=["worker", "--burst"]).exit_code == 0
    assert notice(srt, nid).state == "queued"
    assert loopback.messages() == []

    result = runner.invoke(args=["notices", "resume"])
    assert "1 queued notices enqueued" in result.output
    assert runner.invoke(args=["worker", "--burst"]).exit_code == 0
    assert notice(srt, nid).state == "accepted"
    assert "accepted\t1" in runner.invoke(args=["notices", "status"]).output


def test_send_due_queues_what_is_due(app, srt):
    nid = plan(srt, people(srt, 1)[0])
    result = app.test_cli_runner().invoke(args=["notices", "send-due"])
    assert "queued 1 notices" in result.output
    assert notice(srt, nid).state == "queued"
