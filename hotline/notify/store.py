"""The notice store: every write of a notice's or an attempt's state, in one place (ARCHITECTURE.md, "A notice's
life"). Other modules decide; this one writes. Each function takes the caller's session and leaves the commit
to it; the states and their order are `hotline.domain.notices`.

A notice's life, and who moves it:

    planned ──dispatch──> queued ──send_batch──> claimed ──provider──> accepted ──receipt──> delivered
       │  ^                 │  ^                   │   │                  │                   undelivered
       │  └─ window, cap ───┘  └─ not handed over ─┘   └─> unknown ─┐     └─ no receipt ──>    failed
       └─> skipped (no mobile, opted out, no longer due)             └─ sweep: found -> accepted,
                                                                       not found -> new attempt or failed

- `plan`, `plan_selected`, `insert_text` write new rows: `planned` (or `skipped`, no mobile number) by the
  planners and the broadcast, `queued` for a transactional text (one-time code, answer copy, booking).
  Planning an occasion again creates nothing (ON CONFLICT DO NOTHING on the notice key).
- `hold`, `queue`, `skip` are the dispatcher's (`sender.dispatch`, the scheduler's tick or `flask notices
  send-due`): a notice waits for the window or the daily cap (`hold`), goes to `queued` (an RQ job carries its
  id), or is `skipped`.
- `unqueue_for_window`, `read_queued`, `claim` are the worker's (`sender.send_batch`): `queued` -> `claimed`
  with one attempt each, the text stored; the rows are read locked (PostgreSQL; SQLite's writer holds the
  whole file), so what is read is what is claimed and two workers never claim one notice.
- `record` writes a batch's answers from the provider: `accepted` with the SID, `unknown` (timed out, 5xx),
  `failed` (refused for good), `skipped` (STOP at the provider), back to `planned` (throttled) or `queued`
  (never handed over, or the account refused): the only backward moves, all for texts the provider never
  took.
- `apply_receipt` moves an attempt and its notice forward only (`domain.notices.RANK`); a temporary
  delivery failure on the latest attempt becomes a new attempt (`retry_or_finish`, back to `queued`) while
  `notice_max_attempts` allows.
- The sweep: `expire_claims` (claimed too long: the worker died; `unknown`), `not_found` (an unknown
  notice the provider has no trace of: a new attempt or `failed`), `settle` (no final receipt ever came);
  `requeue_failed` is `flask notices retry` (a temporary failure back to `planned`).

Statements are written once for SQLite and PostgreSQL (PostgreSQL's `insert` construct carries ON
CONFLICT DO NOTHING, which SQLite compiles the same; FOR UPDATE is left out on SQLite), except where one
statement cannot serve both, each choice commented with its reason: the three hot transitions, `plan`,
`claim` and the accept in `record`, are one statement from arrays on PostgreSQL (`unnest`, one round trip
per batch; SQLite has no arrays), and `date_text` and `analyze` for the daily scan.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    JSON,
    BigInteger,
    String,
    any_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from ..db import Notice, NoticeAttempt, PhonePreference
from ..domain.notices import FINAL, PROVIDER_STATUS, NoticeState, SendOutcome, SkipReason, outranks
from ..domain.provider_codes import THROTTLE_CODE_TEXTS
from ..services.identity import parties_on_phone

_notice = Notice.__table__
_attempt = NoticeAttempt.__table__
_KEY = ["kind", "subject_kind", "subject_id", "occasion"]
_IN_CHUNK = 500  # ids per IN list: SQLite's variable limit, and plans PostgreSQL keeps cached
THROTTLE_RELEASE = timedelta(seconds=10)  # a notice still throttled after the in-place retries waits this long


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start : start + _IN_CHUNK]


def _among(session: Session, column, ids: Sequence[int]) -> Iterable:
    """`column` among `ids`, as one condition per statement to run: on PostgreSQL `= ANY(array)`, one
    statement whatever the count, whose text never changes (so the driver's and the server's prepared plans
    are reused, where an IN list of a new length is a new statement); on SQLite IN lists of `_IN_CHUNK`."""
    if not ids:
        return
    if _postgresql(session):
        yield _in(session, column, ids)
        return
    for chunk in _chunks(ids):
        yield column.in_(chunk)


def _in(session: Session, column, ids: Sequence[int]):
    """`column` among `ids` as one condition (see `_among`), for lists SQLite takes whole (a batch's part)."""
    if _postgresql(session):
        return column == any_(bindparam(None, list(ids), type_=postgresql.ARRAY(BigInteger)))
    return column.in_(ids)


def _move(session: Session, ids: Sequence[int], from_states: Iterable[str], **values) -> int:
    """UPDATE notice SET values WHERE id IN ids AND state IN from_states; returns the rows moved."""
    states = list(from_states)
    moved = 0
    for among in _among(session, _notice.c.id, ids):
        statement = update(_notice).where(among, _notice.c.state.in_(states)).values(**values)
        moved += session.execute(statement).rowcount
    return moved


def _either(column, states: Sequence[str]):
    """`column = a OR column = b`: an IN list cannot go in a statement run once per row (executemany)."""
    return or_(*(column == state for state in states))


# -- planning ---------------------------------------------------------------------------------------------
def _insert(session: Session):
    """INSERT ... ON CONFLICT DO NOTHING on the notice table: PostgreSQL's construct, which SQLite compiles
    to its own (same) clause."""
    return postgresql.insert(_notice)


def plan(session: Session, rows: Sequence[dict]) -> list[str]:
    """Insert notices not planned yet (`planned`, or `skipped` with its reason); returns the kinds created.

    RETURNING gives back only the rows inserted, so the count is exact when another process planned some
    first. SQLAlchemy sends the rows as multi-row VALUES, a few statements for thousands of rows."""
    if not rows:
        return []
    if _postgresql(session):
        return _plan_postgresql(session, rows)
    statement = _insert(session).on_conflict_do_nothing(index_elements=_KEY).returning(_notice.c.kind)
    return list(session.scalars(statement, list(rows)))


# Planning by dialect, because one statement cannot serve both at speed: on PostgreSQL the rows travel as one
# array per column and are unnested on the server, one statement text whatever the batch size (prepared
# once per process); SQLAlchemy's multi-row VALUES was about five times slower for 10,000 notices. SQLite has
# no arrays. The column list is a constant, never data: the values are bound parameters.
_PLAN_ARRAYS = (
    ("kind", "varchar"),
    ("subject_kind", "varchar"),
    ("subject_id", "bigint"),
    ("occasion", "varchar"),
    ("recipient_kind", "varchar"),
    ("recipient_id", "bigint"),
    ("phone", "varchar"),
    ("language", "varchar"),
    ("variables", "json"),
    ("urgent", "boolean"),
    ("state", "varchar"),
    ("skip_reason", "varchar"),
    ("planned_at", "timestamptz"),
    ("not_before", "timestamptz"),
    ("finished_at", "timestamptz"),
    ("attempt_count", "integer"),
)
_PG_PLAN = text(
    "INSERT INTO notice ({names}) SELECT {picked} FROM unnest({arrays}) AS t({names}) "  # noqa: S608
    "ON CONFLICT (kind, subject_kind, subject_id, occasion) DO NOTHING RETURNING kind".format(
        names=", ".join(name for name, _ in _PLAN_ARRAYS),
        picked=", ".join(f"t.{name}" for name, _ in _PLAN_ARRAYS),
        arrays=", ".join(
            f"CAST(CAST(:{name} AS text[]) AS json[])" if kind == "json" else f"CAST(:{name} AS {kind}[])"
            for name, kind in _PLAN_ARRAYS
        ),
    )
)


def _plan_postgresql(session: Session, rows: Sequence[dict]) -> list[str]:
    params = {
        name: [json.dumps(row[name], ensure_ascii=False) if kind == "json" else row[name] for row in rows]
        for name, kind in _PLAN_ARRAYS
    }
    return list(session.scalars(_PG_PLAN, params))


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def plan_selected(session: Session, columns: list[str], picked) -> int:
    """INSERT INTO notice (columns) SELECT ..., skipping occasions already planned; returns the rows created.
    The broadcast plans a whole area's subscribers this way, without a Python object per row."""
    statement = (
        _insert(session)
        .from_select(columns, picked)
        .on_conflict_do_nothing(index_elements=_KEY)
        .returning(_notice.c.id)
    )
    return len(session.scalars(statement).all())


def date_text(session: Session, column):
    """A date column as 'YYYY-MM-DD' text, to build a `due:<date>:<stage>` occasion in SQL.

    By dialect, because one expression cannot do both: PostgreSQL's cast to text follows the server's
    DateStyle (`12/03/2026` under SQL style), so it needs to_char, which SQLite lacks; SQLite keeps dates
    as ISO text already."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM-DD")
    return cast(column, String)


def analyze(session: Session) -> None:
    """Fresh statistics after a large plan, so the next scan's NOT EXISTS is a hash or index anti-join, not a
    nested loop planned for an empty table (autovacuum may lag). PostgreSQL only, by dialect: SQLite's
    ANALYZE writes sqlite_stat1 and changes its planner's choices for every query on the file."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE notice"))


def json_value(value: dict):
    """A JSON value for `plan_selected`'s SELECT list (a bound parameter of the JSON type)."""
    return literal(value, JSON)


def insert_text(session: Session, row: dict) -> int:
    """A transactional text, persisted `queued` (it goes at once); returns its id."""
    return session.execute(insert(_notice).returning(_notice.c.id), [{**row, "state": NoticeState.QUEUED}]).scalar_one()


# -- dispatch ---------------------------------------------------------------------------------------------
def due_planned(session: Session, now: datetime, limit: int):
    """The planned notices due by `now`, urgent first, oldest first."""
    return session.execute(
        select(_notice.c.id, _notice.c.kind, _notice.c.phone, _notice.c.urgent)
        .where(_notice.c.state == NoticeState.PLANNED, _notice.c.not_before <= now)
        .order_by(_notice.c.urgent.desc(), _notice.c.not_before, _notice.c.id)
        .limit(limit)
    ).all()


def hold(session: Session, ids: Sequence[int], not_before: datetime) -> int:
    """Planned notices wait until `not_before` (the window opens, the daily cap has room)."""
    return _move(session, ids, [NoticeState.PLANNED], not_before=not_before)


def skip(session: Session, ids: Sequence[int], reason: str, now: datetime, *, from_states: Iterable[str]) -> int:
    return _move(session, ids, from_states, state=NoticeState.SKIPPED, skip_reason=reason, finished_at=now)


def queue(session: Session, ids: Sequence[int], now: datetime) -> list:
    """planned -> queued; returns (id, urgent) of the notices moved, for the jobs to carry."""
    found = []
    for among in _among(session, _notice.c.id, ids):
        found.extend(
            session.execute(
                update(_notice)
                .where(among, _notice.c.state == NoticeState.PLANNED)
                .values(state=NoticeState.QUEUED, queued_at=now)
                .returning(_notice.c.id, _notice.c.urgent)
            ).all()
        )
    return found


def queued_since(session: Session, before: datetime, *, urgent: bool, limit: int) -> list[int]:
    """Queued notices older than `before` (the sweep enqueues them again when their queue is empty)."""
    return session.scalars(
        select(_notice.c.id)
        .where(_notice.c.state == NoticeState.QUEUED, _notice.c.queued_at < before, _notice.c.urgent.is_(urgent))
        .order_by(_notice.c.id)
        .limit(limit)
    ).all()


def all_queued(session: Session) -> list:
    return session.execute(select(_notice.c.id, _notice.c.urgent).where(_notice.c.state == NoticeState.QUEUED)).all()


# -- claim ------------------------------------------------------------------------------------------------
def unqueue_for_window(session: Session, ids: Sequence[int], opening: datetime) -> int:
    """Queued inside the window, reached outside it: back to planned, never claimed, never sent (urgent ones
    go at any hour)."""
    moved = 0
    for among in _among(session, _notice.c.id, ids):
        moved += session.execute(
            update(_notice)
            .where(among, _notice.c.state == NoticeState.QUEUED, _notice.c.urgent.is_(False))
            .values(state=NoticeState.PLANNED, not_before=opening, queued_at=None)
        ).rowcount
    return moved


def read_queued(session: Session, ids: Sequence[int]) -> list:
    """The queued notices among `ids`, each with its number's opt-out (NULL when none) and, on a number others
    on record share, the recipient's name (`addressee`), locked for the claim.

    FOR UPDATE SKIP LOCKED (PostgreSQL): a notice another worker is claiming right now is left to it, and
    what this returns stays ours until the commit. SQLite renders no lock clause: the writing transaction
    holds the whole file from its first statement."""
    pref = PhonePreference.__table__
    return session.execute(
        select(
            _notice.c.id,
            _notice.c.kind,
            _notice.c.subject_kind,
            _notice.c.subject_id,
            _notice.c.occasion,
            _notice.c.recipient_kind,
            _notice.c.recipient_id,
            _notice.c.phone,
            _notice.c.language,
            _notice.c.variables,
            _notice.c.body,
            _notice.c.urgent,
            _notice.c.attempt_count,
            pref.c.opted_out,
            pref.c.provider_blocked,
            _addressee().label("addressee"),
        )
        .outerjoin(pref, (pref.c.phone == _notice.c.phone) & pref.c.opted_out)
        .where(_in(session, _notice.c.id, ids), _notice.c.state == NoticeState.QUEUED)
        .order_by(_notice.c.id)
        .with_for_update(of=_notice, skip_locked=True)
    ).all()


def _addressee():
    """The recipient's name when several people or organisations on record share the notice's number (a
    family phone: the text must say whose record it is about), else NULL; read with the claim, so the sender
    asks nothing more. A recipient no longer on that number is not named."""
    party = parties_on_phone(_notice.c.phone)
    sharing = select(func.count()).select_from(party).scalar_subquery()
    name = (
        select(party.c.name)
        .where(party.c.kind == _notice.c.recipient_kind, party.c.id == _notice.c.recipient_id)
        .scalar_subquery()
    )
    return case((sharing > 1, name))


def skip_queued(session: Session, skips: Sequence[tuple[int, str]], now: datetime) -> None:
    """Queued notices found not to go (opted out, no longer due, no number): skipped, each with its reason."""
    if skips:
        session.execute(
            update(_notice)
            .where(_notice.c.id == bindparam("nid"), _notice.c.state == NoticeState.QUEUED)
            .values(state=NoticeState.SKIPPED, skip_reason=bindparam("reason"), finished_at=now),
            [{"nid": nid, "reason": reason} for nid, reason in skips],
        )


@dataclass(frozen=True)
class Claim:
    notice_id: int
    attempt_count: int  # before this claim
    body: str
    segments: int


# The claim by dialect, because one statement cannot serve both: on PostgreSQL the UPDATE from arrays feeds the
# INSERT of the attempts (numbered from the count the UPDATE wrote) in one statement, one round trip per
# batch, one statement text whatever the batch size; SQLite has neither arrays nor an UPDATE inside WITH, so
# there it is an executemany UPDATE and a multi-row INSERT. Only `queued` rows move, as on SQLite.
_PG_CLAIM = text(
    "WITH claimed AS ("
    "UPDATE notice SET state = :claimed, claimed_at = :now, body = v.body, segments = v.segments, "
    "attempt_count = notice.attempt_count + 1 "
    "FROM unnest(CAST(:ids AS BIGINT[]), CAST(:bodies AS TEXT[]), CAST(:segments AS INTEGER[])) "
    "AS v(id, body, segments) "
    "WHERE notice.id = v.id AND notice.state = :queued RETURNING notice.id, notice.attempt_count) "
    "INSERT INTO notice_attempt (notice_id, number, state, started_at) "
    "SELECT claimed.id, claimed.attempt_count, :claimed, :now FROM claimed "
    "RETURNING notice_id, id"
).bindparams(
    bindparam("now", type_=_notice.c.claimed_at.type),
    claimed=NoticeState.CLAIMED.value,
    queued=NoticeState.QUEUED.value,
)


def claim(session: Session, claims: Sequence[Claim], now: datetime) -> dict[int, int]:
    """queued -> claimed, storing each text, and one `claimed` attempt each; returns notice id -> attempt id.

    The rows were read by `read_queued` in this transaction, so every one is ours to claim."""
    if not claims:
        return {}
    if _postgresql(session):
        found = session.execute(
            _PG_CLAIM,
            {
                "ids": [c.notice_id for c in claims],
                "bodies": [c.body for c in claims],
                "segments": [c.segments for c in claims],
                "now": now,
            },
        )
        return {notice_id: attempt_id for notice_id, attempt_id in found}
    session.execute(
        update(_notice)
        .where(_notice.c.id == bindparam("nid"), _notice.c.state == NoticeState.QUEUED)
        .values(
            state=NoticeState.CLAIMED,
            claimed_at=now,
            body=bindparam("nbody"),
            segments=bindparam("nsegments"),
            attempt_count=bindparam("number"),
        ),
        [{"nid": c.notice_id, "nbody": c.body, "nsegments": c.segments, "number": c.attempt_count + 1} for c in claims],
    )
    found = session.execute(
        insert(_attempt).returning(_attempt.c.notice_id, _attempt.c.id),
        [
            {"notice_id": c.notice_id, "number": c.attempt_count + 1, "state": NoticeState.CLAIMED, "started_at": now}
            for c in claims
        ],
    )
    return {notice_id: attempt_id for notice_id, attempt_id in found}


# -- recording the provider's answers ---------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    """What the provider said to one attempt of a notice."""

    notice_id: int
    attempt_id: int
    outcome: SendOutcome
    sid: str | None = None
    status: str | None = None
    code: int | None = None
    reason: str | None = None


def lock(session: Session, ids: Iterable[int]) -> None:
    """Lock notices in id order before any attempt (PostgreSQL; SQLite renders no lock clause and holds the
    file): notice first, then attempt, is the one lock order of every writer of both (the worker's record,
    receipts, the sweep), so none waits on another crosswise."""
    ordered = sorted(set(ids))
    for among in _among(session, _notice.c.id, ordered):
        session.execute(select(_notice.c.id).where(among).order_by(_notice.c.id).with_for_update()).all()


def record(session: Session, answers: Sequence[Answer], now: datetime) -> list[int]:
    """Write a batch's answers, a few bulk statements per outcome; returns the ids handed back to `queued`
    without ever reaching the provider (the caller enqueues them again)."""
    by: dict[SendOutcome, list[Answer]] = {}
    for answer in answers:
        by.setdefault(answer.outcome, []).append(answer)
    lock(session, (a.notice_id for a in answers))
    claimed_or_unknown = (NoticeState.CLAIMED, NoticeState.UNKNOWN)

    accepted = by.get(SendOutcome.ACCEPTED, [])
    if accepted and _postgresql(session):
        _accept_postgresql(session, accepted, now)
    elif accepted:
        # A receipt may have got here first and moved either on: the state guards keep what it wrote.
        session.execute(
            update(_attempt)
            .where(_attempt.c.id == bindparam("aid"), _either(_attempt.c.state, claimed_or_unknown))
            .values(state=NoticeState.ACCEPTED, provider_sid=bindparam("sid"), provider_status=bindparam("status")),
            [{"aid": a.attempt_id, "sid": a.sid, "status": a.status} for a in accepted],
        )
        _move(session, [a.notice_id for a in accepted], claimed_or_unknown, state=NoticeState.ACCEPTED, accepted_at=now)

    unknown = by.get(SendOutcome.UNKNOWN, [])
    _finish_attempts(session, unknown, NoticeState.UNKNOWN, now)
    _move(session, [a.notice_id for a in unknown], [NoticeState.CLAIMED], state=NoticeState.UNKNOWN)

    rejected = by.get(SendOutcome.REJECTED, [])
    _finish_attempts(session, rejected, NoticeState.FAILED, now)
    if rejected:
        session.execute(
            update(_notice)
            .where(_notice.c.id == bindparam("nid"), _either(_notice.c.state, claimed_or_unknown))
            .values(state=NoticeState.FAILED, failure_reason=bindparam("reason"), finished_at=now),
            [{"nid": a.notice_id, "reason": a.reason} for a in rejected],
        )

    stopped = by.get(SendOutcome.OPTED_OUT, [])
    _finish_attempts(session, stopped, NoticeState.FAILED, now)
    skip(session, [a.notice_id for a in stopped], SkipReason.OPTED_OUT, now, from_states=claimed_or_unknown)

    # Throttled after the in-place retries: nothing was created; back to planned for a little later.
    throttled = by.get(SendOutcome.THROTTLED, [])
    _finish_attempts(session, throttled, NoticeState.FAILED, now)
    _move(
        session,
        [a.notice_id for a in throttled],
        [NoticeState.CLAIMED],
        state=NoticeState.PLANNED,
        not_before=now + THROTTLE_RELEASE,
        queued_at=None,
        claimed_at=None,
    )

    # Refused for the whole account (the attempt keeps the code), or never handed over: back to queued.
    fault = by.get(SendOutcome.PROVIDER_FAULT, [])
    _finish_attempts(session, fault, NoticeState.FAILED, now)
    _move(session, [a.notice_id for a in fault], [NoticeState.CLAIMED], state=NoticeState.QUEUED, claimed_at=None)
    unsent = by.get(SendOutcome.NOT_SENT, [])
    if unsent:
        for among in _among(session, _attempt.c.id, [a.attempt_id for a in unsent]):
            session.execute(delete(_attempt).where(among))
        _move(
            session,
            [a.notice_id for a in unsent],
            [NoticeState.CLAIMED],
            state=NoticeState.QUEUED,
            claimed_at=None,
            attempt_count=_notice.c.attempt_count - 1,
        )
    return [a.notice_id for a in unsent]


# The accept by dialect, because one statement cannot serve both: on PostgreSQL the attempts' SIDs from arrays
# and the notices' move in one statement (one round trip per batch); SQLite has no arrays and no UPDATE
# inside WITH. The same state guards as SQLite's: a receipt that got here first keeps what it wrote.
_PG_ACCEPT = text(
    "WITH attempts AS ("
    "UPDATE notice_attempt SET state = :accepted, provider_sid = v.sid, provider_status = v.status "
    "FROM unnest(CAST(:ids AS BIGINT[]), CAST(:sids AS TEXT[]), CAST(:statuses AS TEXT[])) AS v(id, sid, status) "
    "WHERE notice_attempt.id = v.id AND notice_attempt.state IN (:claimed, :unknown)) "
    "UPDATE notice SET state = :accepted, accepted_at = :now "
    "WHERE notice.id = ANY(CAST(:notice_ids AS BIGINT[])) AND notice.state IN (:claimed, :unknown)"
).bindparams(
    bindparam("now", type_=_notice.c.accepted_at.type),
    accepted=NoticeState.ACCEPTED.value,
    claimed=NoticeState.CLAIMED.value,
    unknown=NoticeState.UNKNOWN.value,
)


def _accept_postgresql(session: Session, accepted: Sequence[Answer], now: datetime) -> None:
    session.execute(
        _PG_ACCEPT,
        {
            "ids": [a.attempt_id for a in accepted],
            "sids": [a.sid for a in accepted],
            "statuses": [a.status for a in accepted],
            "notice_ids": [a.notice_id for a in accepted],
            "now": now,
        },
    )


def _finish_attempts(session: Session, answers: Sequence[Answer], state: NoticeState, now: datetime) -> None:
    if answers:
        session.execute(
            update(_attempt)
            .where(_attempt.c.id == bindparam("aid"), _attempt.c.state == NoticeState.CLAIMED)
            .values(state=state, error_code=bindparam("code"), error_message=bindparam("reason"), finished_at=now),
            [
                {"aid": a.attempt_id, "code": str(a.code) if a.code else None, "reason": (a.reason or "")[:300] or None}
                for a in answers
            ],
        )


# -- receipts and new attempts ----------------------------------------------------------------------------
def attempts_counted(session: Session, notice_id: int) -> int:
    """Attempts that count toward `notice_max_attempts`: throttled ones (nothing created) do not."""
    counted = (
        select(func.count())
        .select_from(_attempt)
        .where(
            _attempt.c.notice_id == notice_id,
            _attempt.c.error_code.is_(None) | _attempt.c.error_code.not_in(THROTTLE_CODE_TEXTS),
        )
    )
    return session.scalar(counted) or 0


def retry_or_finish(
    session: Session, notice: Notice, *, max_attempts: int, final_state: str, reason: str, now: datetime
) -> bool:
    """A new attempt if the notice has attempts left (back to `queued`), else the final state. True: retry."""
    if attempts_counted(session, notice.id) < max_attempts:
        notice.state = NoticeState.QUEUED
        notice.queued_at = now
        notice.claimed_at = None
        return True
    notice.state = final_state
    notice.failure_reason = reason[:200]
    notice.finished_at = now
    return False


def find_attempt(session: Session, sid: str, attempt_id: int | None) -> NoticeAttempt | None:
    """The attempt a receipt is about, not locked yet (its notice is locked first)."""
    if attempt_id is not None:
        attempt = session.get(NoticeAttempt, attempt_id)
        # The id in the URL is only a hint: it must agree with the SID once we know the SID.
        if attempt is not None and attempt.provider_sid in (None, sid):
            return attempt
    return session.scalar(select(NoticeAttempt).where(NoticeAttempt.provider_sid == sid))


@dataclass(frozen=True)
class ReceiptResult:
    what: str  # "unknown sid", "ignored", "recorded", "retry"
    notice_id: int | None = None
    urgent: bool = False


def apply_receipt(
    session: Session,
    *,
    sid: str,
    status: str,
    error_code: str | None,
    attempt_id: int | None,
    retry_codes: set[str],
    max_attempts: int,
    now: datetime,
) -> ReceiptResult:
    """Record one status word for an attempt, moving it and its notice forward only."""
    new_state = PROVIDER_STATUS.get(status.lower())
    attempt = find_attempt(session, sid, attempt_id)
    if attempt is None:
        return ReceiptResult("unknown sid")
    # Lock the notice row, then its attempt (PostgreSQL): the one order of every writer of both, so a
    # receipt and a batch never wait on each other crosswise; and two receipts for one notice do not both
    # read the old state.
    notice = session.get(Notice, attempt.notice_id, with_for_update=True)
    session.refresh(attempt, with_for_update=True)
    if attempt.provider_sid is None:
        attempt.provider_sid = sid
    if new_state is None or not outranks(new_state, attempt.state):
        return ReceiptResult("ignored")  # late or out of order: the attempt already knows better
    attempt.state = new_state
    attempt.provider_status = status.lower()
    if error_code:
        attempt.error_code = error_code[:10]
    if new_state != NoticeState.ACCEPTED:
        attempt.finished_at = now
    if notice is None or notice.state in FINAL:
        return ReceiptResult("recorded")
    latest = attempt.number == notice.attempt_count
    if new_state == NoticeState.DELIVERED:
        # Any attempt that reached the handset means the person was told.
        notice.state, notice.finished_at = NoticeState.DELIVERED, now
    elif not latest:
        return ReceiptResult("recorded")
    elif new_state == NoticeState.ACCEPTED:
        if notice.state in (NoticeState.CLAIMED, NoticeState.UNKNOWN):
            notice.state, notice.accepted_at = NoticeState.ACCEPTED, notice.accepted_at or now
    elif error_code in retry_codes:
        if retry_or_finish(
            session, notice, max_attempts=max_attempts, final_state=new_state, reason=f"{error_code}: {status}", now=now
        ):
            return ReceiptResult("retry", notice.id, notice.urgent)
    else:
        notice.state, notice.finished_at = new_state, now
        notice.failure_reason = f"{error_code or '-'}: {status}"[:200]
    return ReceiptResult("recorded")


# -- the sweep --------------------------------------------------------------------------------------------
def expire_claims(session: Session, before: datetime, now: datetime) -> int:
    """Claims older than `before` become `unknown` (notice and attempt): the worker died or hung."""
    count = session.execute(
        update(_notice)
        .where(_notice.c.state == NoticeState.CLAIMED, _notice.c.claimed_at < before)
        .values(state=NoticeState.UNKNOWN)
    ).rowcount
    session.execute(
        update(_attempt)
        .where(_attempt.c.state == NoticeState.CLAIMED, _attempt.c.started_at < before)
        .values(state=NoticeState.UNKNOWN, error_message="worker did not finish the attempt", finished_at=now)
    )
    return count


def not_found(session: Session, notice_id: int, attempt_id: int, *, max_attempts: int, now: datetime):
    """An unknown notice the provider has no trace of: its attempt failed (nothing was created); a new
    attempt while attempts are left, else failed. Returns (retry, urgent), or None when it moved meanwhile."""
    notice = session.get(Notice, notice_id, with_for_update=True)
    if notice is None or notice.state != NoticeState.UNKNOWN:
        return None
    attempt = session.get(NoticeAttempt, attempt_id)
    if attempt is not None and attempt.state in (NoticeState.CLAIMED, NoticeState.UNKNOWN):
        attempt.state = NoticeState.FAILED
        attempt.error_message = "not created: not found at the provider"
        attempt.finished_at = now
    retry = retry_or_finish(
        session,
        notice,
        max_attempts=max_attempts,
        final_state=NoticeState.FAILED,
        reason="outcome unknown and not found at the provider",
        now=now,
    )
    return retry, notice.urgent


def settle(session: Session, notice_id: int, status: str | None, now: datetime) -> None:
    """An accepted notice whose final receipt never came, after asking the provider."""
    notice = session.get(Notice, notice_id, with_for_update=True)
    if notice is None or notice.state in FINAL:
        return
    if status == "sent":
        # Carriers that return no delivery report leave a message at `sent` for good; the carrier took it.
        notice.state = NoticeState.DELIVERED
    else:
        notice.state = NoticeState.FAILED
        notice.failure_reason = f"no receipt; provider says {status or 'nothing'}"[:200]
    notice.finished_at = now


def unknown_since(session: Session, before: datetime, *, limit: int) -> list:
    """Unknown notices whose latest attempt ended (or began, if it never ended) before `before`, with what
    the provider's list is searched by: recipient, body and the attempt's start."""
    return session.execute(
        select(_notice.c.id, _notice.c.phone, _notice.c.body, _attempt.c.id.label("attempt_id"), _attempt.c.started_at)
        .join(_attempt, (_attempt.c.notice_id == _notice.c.id) & (_attempt.c.number == _notice.c.attempt_count))
        .where(
            _notice.c.state == NoticeState.UNKNOWN,
            (_attempt.c.finished_at < before) | (_attempt.c.finished_at.is_(None) & (_attempt.c.started_at < before)),
        )
        .order_by(_notice.c.id)
        .limit(limit)
    ).all()


def accepted_since(session: Session, before: datetime, *, limit: int) -> list:
    """Notices accepted before `before` and still waiting for a final receipt, with their latest SID."""
    return session.execute(
        select(_notice.c.id, _attempt.c.id.label("attempt_id"), _attempt.c.provider_sid)
        .join(_attempt, (_attempt.c.notice_id == _notice.c.id) & (_attempt.c.number == _notice.c.attempt_count))
        .where(_notice.c.state == NoticeState.ACCEPTED, _notice.c.accepted_at < before)
        .order_by(_notice.c.id)
        .limit(limit)
    ).all()


def requeue_failed(session: Session, ids: Sequence[int], now: datetime) -> int:
    """Failed or undelivered notices back to `planned` for a new attempt (`flask notices retry`)."""
    return _move(
        session,
        ids,
        [NoticeState.FAILED, NoticeState.UNDELIVERED],
        state=NoticeState.PLANNED,
        not_before=now,
        finished_at=None,
        failure_reason=None,
    )


def purge_texts(session: Session, before: datetime) -> int:
    """Drop the text and variables of finished notices planned before `before` (`flask purge`); the rows stay,
    so statistics and the "planned once" key survive. Returns how many."""
    return session.execute(
        update(_notice)
        .where(_notice.c.state.in_(FINAL), _notice.c.planned_at < before, _notice.c.body.is_not(None))
        .values(body=None, variables={})
    ).rowcount


def counts_by_state(session: Session) -> Counter:
    return Counter(dict(session.execute(select(_notice.c.state, func.count()).group_by(_notice.c.state)).tuples()))
