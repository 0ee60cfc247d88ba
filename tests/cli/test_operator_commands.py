"""Operator commands are safe to run twice and say what they did."""

from datetime import timedelta

from sqlalchemy import func, select

from hotline.db import Notice, NoticeState, OutboundChange, PhonePreference, VerificationAttempt


def test_optout_add_list_remove_and_repeat(app, session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["optout", "add", "138 0013 8000"])
    assert first.exit_code == 0 and "+8613800138000 opted out" in first.output
    again = runner.invoke(args=["optout", "add", "+8613800138000"])
    assert "already opted out" in again.output

    listing = runner.invoke(args=["optout", "list"])
    assert "+8613800138000" in listing.output and "1 opted out" in listing.output

    removed = runner.invoke(args=["optout", "remove", "13800138000"])
    assert "receives notices again" in removed.output
    assert "was not opted out" in runner.invoke(args=["optout", "remove", "13800138000"]).output

    session.expire_all()
    assert session.get(PhonePreference, "+8613800138000").opted_out is False
    kinds = session.scalars(select(OutboundChange.kind).order_by(OutboundChange.id)).all()
    assert kinds == ["opt_out", "opt_in"]  # the repeats recorded nothing


def test_optout_rejects_a_number_it_cannot_read(app):
    result = app.test_cli_runner().invoke(args=["optout", "add", "not-a-number"])
    assert result.exit_code != 0
    assert "number" in result.output


def test_remove_explains_a_twilio_block(app, session, clock):
    from hotline.services import optouts

    optouts.opt_out(session, "+8613900139000", clock.now(), source="twilio_stop", provider_blocked=True)
    session.commit()
    result = app.test_cli_runner().invoke(args=["optout", "remove", "+8613900139000"])
    assert "only START from that phone lifts it" in result.output
    assert optouts.opt_in(session, "+8613900139000", clock.now(), source="sms") is False  # nothing changed


def test_purge_drops_old_bodies_and_attempts_once(app, session, clock):
    now = clock.now()
    old = now - timedelta(days=200)
    session.add_all([
        Notice(kind="V01", subject_kind="vehicle", subject_id=1, occasion="due:2026-01-01:90", phone="+8613800138000",
               body="old text", variables={"plate": "闽D12345"}, state=NoticeState.DELIVERED, planned_at=old,
               not_before=old),
        Notice(kind="V01", subject_kind="vehicle", subject_id=2, occasion="due:2026-12-01:90", phone="+8613800138000",
               body="recent text", state=NoticeState.DELIVERED, planned_at=now, not_before=now),
        VerificationAttempt(calling_number="+8613800138000", method="pin", outcome="failure", at=old),
    ])
    session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["purge"])
    assert "1 notice bodies, 1 verification attempts" in first.output
    second = runner.invoke(args=["purge"])
    assert "0 notice bodies, 0 verification attempts" in second.output
    session.expire_all()
    bodies = sorted(b for b in session.scalars(select(Notice.body)) if b)
    assert bodies == ["recent text"]
    assert session.scalar(select(func.count()).select_from(VerificationAttempt)) == 0


def test_notice_stats_counts_by_kind_and_state_for_the_day(app, session, clock):
    now = clock.now()
    yesterday = now - timedelta(days=1)
    rows = [("V01", NoticeState.DELIVERED, now), ("V01", NoticeState.PLANNED, now), ("D01", NoticeState.FAILED, now),
            ("D01", NoticeState.DELIVERED, yesterday)]
    for number, (kind, state, at) in enumerate(rows):
        session.add(Notice(kind=kind, subject_kind="person", subject_id=number, occasion=f"test:{number}",
                           state=state, planned_at=at, not_before=at))
    session.commit()
    output = app.test_cli_runner().invoke(args=["notices", "stats"]).output
    lines = output.splitlines()
    assert lines[0] == "kind\tdelivered\tfailed\tplanned\ttotal"
    assert "D01\t0\t1\t0\t1" in lines and "V01\t1\t0\t1\t2" in lines
    assert lines[-1] == "2026-11-24: 3 notices"


def test_retry_plans_again_only_temporary_failures_and_is_safe_to_repeat(app, session, clock):
    from hotline.db import NoticeAttempt

    now = clock.now()
    cases = [("temporary", NoticeState.UNDELIVERED, "30003"), ("permanent", NoticeState.FAILED, "21211"),
             ("delivered", NoticeState.DELIVERED, None)]
    for number, (name, state, code) in enumerate(cases):
        notice = Notice(kind="V01", subject_kind="vehicle", subject_id=number, occasion=name, phone="+8613800138000",
                        state=state, planned_at=now, not_before=now, finished_at=now, attempt_count=2)
        session.add(notice)
        session.flush()
        session.add_all([
            NoticeAttempt(notice_id=notice.id, number=1, state="undelivered", error_code="30003", started_at=now),
            NoticeAttempt(notice_id=notice.id, number=2, state=state, error_code=code, started_at=now),
        ])
    session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["notices", "retry"]).output.startswith("1 failed notices planned again")
    assert runner.invoke(args=["notices", "retry"]).output.startswith("0 failed notices planned again")
    session.expire_all()
    states = dict(session.execute(select(Notice.occasion, Notice.state)).all())
    assert states == {"temporary": "planned", "permanent": "failed", "delivered": "delivered"}
    assert len(session.scalars(select(NoticeAttempt)).all()) == 6  # every earlier attempt is kept
