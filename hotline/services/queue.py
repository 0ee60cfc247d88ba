"""Callers waiting for a person in the voice queue (Twilio `<Enqueue>`), for the voice side and the desk.

The voice side records a caller when Twilio first asks the wait URL (`join`), their position at each
repeat (`seen`), and how they left (`left`: taken by an agent, abandoned, or a callback instead). The desk
reads `waiting`, takes the longest-waiting caller with `take_next` (a REST call rings the agent's number
with TwiML that dials the queue, `<Dial><Queue>`, which connects the caller at its front) and charts the
day with `stats`. The handling time measured over taken calls (`taken` to `ended`) gives the expected wait.

An agent's call that nobody answers puts the caller back (`agent_unanswered`); Twilio's `<Queue url>`
request names the caller it really connected (`connected`), so the record follows Twilio should the two
ever disagree about who was at the front.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clock import CHINA, as_utc, at_china
from ..db import QueueEntry
from ..domain.reaching_a_person import QueueOutcome
from ..domain.refusals import RefusalCode
from ..masking import mask_phone
from .errors import Refusal
from .identity import Party, party_by_key

AGENT_PATH = "/voice/queue/agent"  # TwiML for the agent's leg: <Dial><Queue>
AGENT_STATUS_PATH = "/voice/queue/agent-status"
# Handling times from this far back set the expected wait.
HANDLING_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class WaitingCaller:
    entry_id: int
    position: int  # 1 is next
    waited_seconds: int
    verified: bool
    name_masked: str | None  # only for a verified caller
    number_masked: str
    menu_node: str  # the menu they left for a person
    language: str


@dataclass(frozen=True)
class TakenCall:
    entry_id: int
    agent_call_sid: str
    waited_seconds: int
    verified: bool
    number_masked: str
    menu_node: str
    language: str
    party: Party | None  # the verified caller, for the context on the desk; None when not verified


@dataclass(frozen=True)
class HourStats:
    hour: int  # 0-23, China time
    joined: int
    waiting: int  # callers in the queue at any moment of this hour
    handled: int  # taken by an agent
    abandoned: int
    callbacks: int  # left the queue for a callback
    longest_wait_seconds: int  # of those who left in this hour (or still wait)


@dataclass(frozen=True)
class DayStats:
    day: date
    hours: list[HourStats]
    joined: int
    handled: int
    abandoned: int
    callbacks: int
    waiting_now: int
    longest_wait_seconds: int
    average_handling_seconds: int | None


# --- the voice side ----------------------------------------------------------------------------------


def entry(session: Session, call_sid: str) -> QueueEntry | None:
    return session.scalars(select(QueueEntry).where(QueueEntry.call_sid == call_sid)).first()


def join(
    session: Session,
    now: datetime,
    *,
    call_sid: str,
    number: str,
    party: Party | None,
    verified: bool,
    menu_node: str,
    language: str,
    position: int | None = None,
) -> QueueEntry:
    """Record a caller entering the queue; the same call again only updates its position."""
    found = entry(session, call_sid)
    if found is not None:
        return seen(session, now, found, position)
    row = QueueEntry(
        call_sid=call_sid,
        number=number,
        party_kind=party.kind if party else None,
        party_id=party.id if party else None,
        verified=verified and party is not None,
        menu_node=menu_node[:60],
        language=language,
        entered_at=now,
        position=position,
        position_at=now if position else None,
    )
    session.add(row)
    session.flush()
    return row


def seen(session: Session, now: datetime, row: QueueEntry, position: int | None) -> QueueEntry:
    if position is not None and row.left_at is None:
        row.position, row.position_at = position, now
        session.flush()
    return row


def left(session: Session, now: datetime, call_sid: str, outcome: QueueOutcome) -> QueueEntry | None:
    """The caller left the queue (`abandoned` or `callback`); a call already taken keeps its outcome."""
    row = entry(session, call_sid)
    if row is None or row.left_at is not None:
        return row
    row.left_at, row.outcome = now, outcome
    session.flush()
    return row


def ended(session: Session, now: datetime, call_sid: str) -> QueueEntry | None:
    """A call bridged to an agent ended (Twilio's `QueueResult=bridged`): the handling time is measured."""
    row = entry(session, call_sid)
    if row is None:
        return None
    if row.left_at is None:  # taken without the desk (a phone dialling the queue): count it taken now
        row.left_at, row.outcome = now, QueueOutcome.TAKEN
    if row.outcome == QueueOutcome.TAKEN and row.ended_at is None:
        row.ended_at = now
    session.flush()
    return row


def connected(session: Session, now: datetime, call_sid: str, entry_id: int) -> QueueEntry | None:
    """Twilio connected caller `call_sid` for the agent's call made for entry `entry_id`: if it was someone
    else (the front of Twilio's queue differed from ours), the record moves to the caller really taken."""
    taken = entry(session, call_sid)
    expected = session.get(QueueEntry, entry_id)
    if taken is None or expected is None or taken.id == expected.id:
        return taken
    taken.left_at, taken.outcome = now, QueueOutcome.TAKEN
    taken.staff_id, taken.agent_call_sid = expected.staff_id, expected.agent_call_sid
    if expected.outcome == QueueOutcome.TAKEN and expected.ended_at is None:
        _requeue(expected)
    session.flush()
    return taken


def agent_unanswered(session: Session, entry_id: int, agent_call_sid: str) -> QueueEntry | None:
    """The agent's call for entry `entry_id` ended unanswered (busy, no answer, failed): the caller, still in
    Twilio's queue, is waiting again."""
    row = session.get(QueueEntry, entry_id)
    if row is None or row.agent_call_sid != agent_call_sid or row.outcome != QueueOutcome.TAKEN or row.ended_at:
        return None
    _requeue(row)
    session.flush()
    return row


def _requeue(row: QueueEntry) -> None:
    """The caller is waiting again, as if never taken: no outcome, no agent, no agent's call."""
    row.left_at = row.outcome = row.staff_id = row.agent_call_sid = None


def average_handling_seconds(session: Session, now: datetime) -> int | None:
    """The mean time agents spent on taken calls over the last HANDLING_WINDOW, or None before any."""
    rows = session.execute(
        select(QueueEntry.left_at, QueueEntry.ended_at).where(
            QueueEntry.outcome == QueueOutcome.TAKEN,
            QueueEntry.ended_at.is_not(None),
            QueueEntry.ended_at >= now - HANDLING_WINDOW,
        )
    ).all()
    if not rows:
        return None
    total = sum((as_utc(end) - as_utc(start)).total_seconds() for start, end in rows)
    return max(int(total / len(rows)), 1)


def expected_wait_seconds(position: int, average_handling: int | None, average_queue_time: int | None) -> int | None:
    """About how long until an agent takes this caller: the callers ahead and this one, each the measured
    handling time; before any call was measured, Twilio's own AvgQueueTime; None when neither is known."""
    if average_handling:
        return max(position, 1) * average_handling
    if average_queue_time:
        return average_queue_time
    return None


# --- the desk ----------------------------------------------------------------------------------------


def _waiting_rows(session: Session) -> list[QueueEntry]:
    return list(
        session.scalars(
            select(QueueEntry).where(QueueEntry.left_at.is_(None)).order_by(QueueEntry.entered_at, QueueEntry.id)
        ).all()
    )


def waiting(session: Session, now: datetime) -> list[WaitingCaller]:
    """The callers in the queue now, longest-waiting first (position 1 is next)."""
    out: list[WaitingCaller] = []
    for position, row in enumerate(_waiting_rows(session), start=1):
        name = None
        if row.verified and row.party_kind and row.party_id:
            party = party_by_key(session, row.party_kind, row.party_id)
            name = party.name_masked if party else None
        out.append(
            WaitingCaller(
                entry_id=row.id,
                position=position,
                waited_seconds=int((now - as_utc(row.entered_at)).total_seconds()),
                verified=row.verified,
                name_masked=name,
                number_masked=mask_phone(row.number),
                menu_node=row.menu_node,
                language=row.language,
            )
        )
    return out


def take_next(rt, session: Session, *, staff_id: int, agent_number: str) -> TakenCall | None:
    """Connect the longest-waiting caller to `agent_number`: a REST call rings the agent with TwiML that
    dials the queue; None when nobody waits. Refusal `call_failed` when the provider cannot place it."""
    now = rt.clock.now()
    query = (
        select(QueueEntry).where(QueueEntry.left_at.is_(None)).order_by(QueueEntry.entered_at, QueueEntry.id).limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # two agents at once take two callers
    row = session.scalars(query).first()
    if row is None:
        return None
    base = rt.settings.public_url.rstrip("/")
    try:
        call = rt.twilio.calls.create(
            to=agent_number,
            from_=rt.settings.twilio_from_number,
            url=f"{base}{AGENT_PATH}?" + urlencode({"entry": row.id}),
            method="POST",
            status_callback=f"{base}{AGENT_STATUS_PATH}?" + urlencode({"entry": row.id}),
            status_callback_method="POST",
        )
    except Exception as error:  # the twilio library's errors, or the connection's
        raise Refusal(RefusalCode.CALL_FAILED, entry_id=row.id, reason=type(error).__name__) from None
    row.left_at, row.outcome, row.staff_id, row.agent_call_sid = now, QueueOutcome.TAKEN, staff_id, call.sid
    session.flush()
    party = None
    if row.verified and row.party_kind and row.party_id:
        party = party_by_key(session, row.party_kind, row.party_id)
    return TakenCall(
        entry_id=row.id,
        agent_call_sid=call.sid,
        waited_seconds=int((now - as_utc(row.entered_at)).total_seconds()),
        verified=row.verified,
        number_masked=mask_phone(row.number),
        menu_node=row.menu_node,
        language=row.language,
        party=party,
    )


def stats(session: Session, day: date, now: datetime | None = None) -> DayStats:
    """The queue over one China day, hour by hour: joined, waiting, handled, abandoned, callbacks and the
    longest wait; `now` (default: the day's end) closes the waits still going."""
    start = at_china(day)
    end = start + timedelta(days=1)
    now = now or end
    rows = session.scalars(
        select(QueueEntry).where(
            QueueEntry.entered_at < end, (QueueEntry.left_at.is_(None)) | (QueueEntry.left_at >= start)
        )
    ).all()
    hours = []
    for hour in range(24):
        h_start, h_end = start + timedelta(hours=hour), start + timedelta(hours=hour + 1)
        joined = waiting_n = handled = abandoned = callbacks = longest = 0
        for row in rows:
            entered = as_utc(row.entered_at)
            out = as_utc(row.left_at) if row.left_at else None
            if h_start <= entered < h_end:
                joined += 1
            if entered < h_end and (out or now) >= h_start and entered < now:
                waiting_n += 1
            if out is not None and h_start <= out < h_end:
                handled += row.outcome == QueueOutcome.TAKEN
                abandoned += row.outcome == QueueOutcome.ABANDONED
                callbacks += row.outcome == QueueOutcome.CALLBACK
                longest = max(longest, int((out - entered).total_seconds()))
            elif out is None and entered < h_end and h_start <= now < h_end:
                longest = max(longest, int((now - entered).total_seconds()))
        hours.append(HourStats(hour, joined, waiting_n, handled, abandoned, callbacks, longest))
    still = session.scalar(select(func.count()).select_from(QueueEntry).where(QueueEntry.left_at.is_(None))) or 0
    return DayStats(
        day=day,
        hours=hours,
        joined=sum(h.joined for h in hours),
        handled=sum(h.handled for h in hours),
        abandoned=sum(h.abandoned for h in hours),
        callbacks=sum(h.callbacks for h in hours),
        waiting_now=int(still),
        longest_wait_seconds=max((h.longest_wait_seconds for h in hours), default=0),
        average_handling_seconds=average_handling_seconds(session, now),
    )


def china_hour(moment: datetime) -> int:
    return moment.astimezone(CHINA).hour
