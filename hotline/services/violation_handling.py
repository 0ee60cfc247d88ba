"""Dealing with a camera-recorded violation without a window: handling it, paying, deferring, objecting.

The rules come from 道路交通安全违法行为处理程序规定 (MPS Order 157, the 2020 revision of Order 105; "art."
below) and the scoring rules of Order 163:

- **Self-service handling** (art. 58: 自助处理). A camera record (交通技术监控设备记录, art. 19) may be handled
  by the person who drove: the upstream's recorded actual driver when it names one (art. 21, the record's
  `driver_id_number`), otherwise the vehicle's owner, who confirms they drove it. Only the simple procedure
  can be handled this way (art. 52: a warning or a fine of 200 yuan or less; above 200 yuan, or a
  revocation, is the general procedure at a window), and only while the points would not bring the licence
  to 12 in its scoring cycle (Order 163 art. 17: at 12 the licence is held and the driver studies, at a
  window). Points of other handling requests still waiting count as if decided. A revoked or handled record,
  or one under objection, cannot be handled.
- **Paying** takes no money on the hotline: it reads out the decision's payment reference, the ways to pay
  and the amount due today with the late fee (domain/fines.py, art. 60).
- **Deferral** (art. 53 ¶2): whoever cannot be dealt with within the 30 days the notice gives (art. 20) may
  apply to defer handling by at most three months; one deferral per violation.
- **Objection** (art. 5 ¶3): the offender or the owner may object to the facts of a camera record; the
  authority of the place examines it within 5 days, removes the record when the objection stands, and
  otherwise tells the person. After a decision the way is reconsideration or a lawsuit, not an objection.

Each request goes to the change feed (`violation_handling`, `violation_deferral`, `violation_objection`) as
`pending`; the upstream answers with the violation's record carrying `request_id` and `request_outcome`
(docs/records.md), which ingest hands to `settle_from_changes`. A record that turns `handled` also decides a
pending handling request that it does not name.

Refusal codes and their facts:
- `persons_only` (NotPermitted; action, account) — an organisation asked; its drivers handle at a window.
- `register_first` (NotPermitted) — a person without an online account (services/access.py).
- `no_such_violation` (ref) — not on record, or not the person's (neither owner nor recorded driver).
- `another_driver` (ref) — the upstream recorded someone else as the driver (art. 21).
- `not_camera` (ref) — recorded by an officer on the spot: decided there, not handled here.
- `revoked` (ref), `already_handled` (ref, decided_at) — nothing left to handle, defer or object to.
- `general_procedure` (ref, fine_fen, limit_fen) — the fine is above 200 yuan (art. 52).
- `no_licence_to_handle` — no licence on record to take the points.
- `points_limit` (points, pending_points, violation_points, limit) — would reach 12 (Order 163 art. 17).
- `handling_open` (ref, request_id), `objection_open` (ref, request_id), `deferral_open` (ref, request_id),
  `already_deferred` (ref, deferred_until) — a request of that kind is already waiting or was granted.
- `bad_months` (months) — a deferral of other than 1 to 3 months.
- `deferral_too_late` (ref, deadline) — the 30 days to be dealt with have passed.
- `not_decided` (ref) — no decision yet, so nothing to pay; `already_paid` (ref).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..clock import Clock, add_months, china_today
from ..db import ChangeKind, Licence, Person, Vehicle, Violation, ViolationRequest
from ..domain import fines
from ..domain.refusals import RefusalCode
from ..domain.request_states import REQUEST_OUTCOMES, ViolationRequestKind, ViolationRequestStatus
from ..domain.scoring import FULL_POINTS  # Order 163 art. 3 and 17: 12 points
from . import queries
from .access import Action, query_action, require
from .changefeed import record_change
from .errors import NotPermitted, Refusal

if TYPE_CHECKING:
    from .identity import Party

log = logging.getLogger("hotline.services.violation_handling")

SIMPLE_PROCEDURE_LIMIT_FEN = 200_00  # art. 52: a warning or a fine of 200 yuan or less
DEAL_WITHIN_DAYS = 30  # art. 20: the notice tells the person to be dealt with within 30 days
NOTICE_WITHIN_DAYS = 5  # art. 20: the notice goes within 5 days of the record's entry
MAX_DEFERRAL_MONTHS = 3  # art. 53 ¶2
OBJECTION_EXAMINED_WITHIN_DAYS = 5  # art. 5 ¶3

CHANGE_KINDS = {
    ViolationRequestKind.HANDLE: ChangeKind.VIOLATION_HANDLING,
    ViolationRequestKind.DEFER: ChangeKind.VIOLATION_DEFERRAL,
    ViolationRequestKind.OBJECT: ChangeKind.VIOLATION_OBJECTION,
}
# The refusal when a request of that kind already waits for the upstream.
OPEN_REFUSALS = {
    ViolationRequestKind.HANDLE: RefusalCode.HANDLING_OPEN,
    ViolationRequestKind.DEFER: RefusalCode.DEFERRAL_OPEN,
    ViolationRequestKind.OBJECT: RefusalCode.OBJECTION_OPEN,
}


@dataclass(frozen=True)
class HandlingFacts:
    """What the caller hears before confirming a handling request."""

    violation: queries.ViolationView
    points_now: int  # on the licence in this cycle, with the points of handling requests still waiting
    points_after: int  # points_now + the violation's points


@dataclass(frozen=True)
class DeferralFacts:
    violation: queries.ViolationView
    months: int
    deadline: date  # the last day of the 30 days to be dealt with (art. 20, counted from the latest notice day)
    until: date  # the deadline moved on by `months`: what the application asks for


@dataclass(frozen=True)
class ObjectionFacts:
    violation: queries.ViolationView
    answer_by: date  # today + 5 days (art. 5 ¶3)


@dataclass(frozen=True)
class PaymentView:
    violation: queries.ViolationView
    decision_number: str | None
    payment_reference: str | None
    pay_by: date | None
    late_fee_fen: int
    total_due_fen: int


@dataclass(frozen=True)
class RequestView:
    id: int
    kind: str  # handle | defer | object
    status: str
    ref: str
    plate: str
    channel: str
    requested_at: datetime
    months: int | None
    deferred_until: date | None
    answer_by: date | None  # an objection: examined within 5 days

    @property
    def violation_request_kind(self) -> str:
        """The same as `kind`, under a name templates can test for (`item.violation_request_kind is defined`)."""
        return self.kind


def check_allowed(party: Party, *, paying: bool = False) -> None:
    """Raise the NotPermitted a channel gives before asking which violation: handling, deferring and
    objecting are a registered person's own business; reading how to pay is any party's own query."""
    if paying:
        require(party, query_action(party))
        return
    if party.kind != "person":
        raise NotPermitted(RefusalCode.PERSONS_ONLY, action="violation_handling", account=party.account)
    require(party, Action.OWN_QUERIES)


# --- handling (art. 58, 52) ---------------------------------------------------------------------------


def check_handle(session: Session, clock: Clock, party: Party, ref: str) -> HandlingFacts:
    """The facts of a violation the person may handle now; raises the Refusal that says why not."""
    violation, view = _own_open_violation(session, clock, party, ref)
    _refuse_open(session, violation, ViolationRequestKind.HANDLE)
    _refuse_open(session, violation, ViolationRequestKind.OBJECT)
    if violation.fine_fen > SIMPLE_PROCEDURE_LIMIT_FEN:
        # art. 52: above 200 yuan the general procedure applies, at a window.
        raise Refusal(
            RefusalCode.GENERAL_PROCEDURE, ref=ref, fine_fen=violation.fine_fen, limit_fen=SIMPLE_PROCEDURE_LIMIT_FEN
        )
    licence = session.scalar(select(Licence).where(Licence.person_id == party.id))
    if licence is None:
        raise Refusal(RefusalCode.NO_LICENCE_TO_HANDLE)
    pending_points = _pending_points(session, party.id, exclude=violation.id)
    points_now = licence.points + pending_points
    if points_now + violation.points >= FULL_POINTS:
        # Order 163 art. 17: at 12 points the licence is held and the driver goes to full-score study.
        raise Refusal(
            RefusalCode.POINTS_LIMIT,
            points=licence.points,
            pending_points=pending_points,
            violation_points=violation.points,
            limit=FULL_POINTS,
        )
    return HandlingFacts(violation=view, points_now=points_now, points_after=points_now + violation.points)


def request_handling(session: Session, clock: Clock, party: Party, ref: str, channel: str) -> RequestView:
    """Record a handling request for the upstream (after the caller confirmed the facts). Raises Refusal."""
    _lock_person(session, party)
    check_handle(session, clock, party, ref)
    return _open(session, clock, party, ref, ViolationRequestKind.HANDLE, channel)


# --- deferral (art. 53) -------------------------------------------------------------------------------


def check_defer(session: Session, clock: Clock, party: Party, ref: str, months: int) -> DeferralFacts:
    violation, view = _own_open_violation(session, clock, party, ref)
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_DEFERRAL_MONTHS:
        raise Refusal(RefusalCode.BAD_MONTHS, months=months)
    _refuse_open(session, violation, ViolationRequestKind.DEFER)
    granted = session.scalar(
        select(ViolationRequest.deferred_until).where(
            ViolationRequest.violation_id == violation.id,
            ViolationRequest.kind == ViolationRequestKind.DEFER,
            ViolationRequest.status == ViolationRequestStatus.GRANTED,
        )
    )
    if granted is not None or violation.deferred_until is not None:
        # art. 53 ¶2: at most three months in all; a second deferral would run past them.
        raise Refusal(RefusalCode.ALREADY_DEFERRED, ref=ref, deferred_until=granted or violation.deferred_until)
    deadline = deal_by(violation.recorded_at)
    if china_today(clock) > deadline:
        raise Refusal(RefusalCode.DEFERRAL_TOO_LATE, ref=ref, deadline=deadline)
    return DeferralFacts(violation=view, months=months, deadline=deadline, until=add_months(deadline, months))


def request_deferral(session: Session, clock: Clock, party: Party, ref: str, months: int, channel: str) -> RequestView:
    _lock_person(session, party)
    check_defer(session, clock, party, ref, months)
    return _open(session, clock, party, ref, ViolationRequestKind.DEFER, channel, months=months)


def deal_by(recorded_at: datetime) -> date:
    """The last day of the 30 days to be dealt with: the notice goes within 5 days of the record's entry
    and gives 30 days (art. 20), so counted from the latest day it may have been sent."""
    return fines.served_on(recorded_at) + timedelta(days=NOTICE_WITHIN_DAYS + DEAL_WITHIN_DAYS)


# --- objection (art. 5 ¶3) ----------------------------------------------------------------------------


def check_object(session: Session, clock: Clock, party: Party, ref: str) -> ObjectionFacts:
    # art. 5 ¶3: the offender or the owner may object, so another recorded driver does not bar the owner.
    violation, view = _own_open_violation(session, clock, party, ref, driver_only=False)
    _refuse_open(session, violation, ViolationRequestKind.OBJECT)
    _refuse_open(session, violation, ViolationRequestKind.HANDLE)
    return ObjectionFacts(violation=view, answer_by=china_today(clock) + timedelta(days=OBJECTION_EXAMINED_WITHIN_DAYS))


def request_objection(session: Session, clock: Clock, party: Party, ref: str, channel: str) -> RequestView:
    _lock_person(session, party)
    check_object(session, clock, party, ref)
    return _open(session, clock, party, ref, ViolationRequestKind.OBJECT, channel)


# --- paying -------------------------------------------------------------------------------------------


def payment(session: Session, clock: Clock, party: Party, ref: str) -> PaymentView:
    """How to pay a decided fine: the decision, the payment reference and today's amount with the late fee.
    Reading one's own records: a person's own or an organisation's vehicles."""
    check_allowed(party, paying=True)
    violation, view = _find(session, clock, party, ref)
    if violation.revoked:
        raise Refusal(RefusalCode.REVOKED, ref=ref)
    if not violation.handled:
        raise Refusal(RefusalCode.NOT_DECIDED, ref=ref)
    if violation.paid:
        raise Refusal(RefusalCode.ALREADY_PAID, ref=ref)
    return PaymentView(
        violation=view,
        decision_number=violation.decision_number,
        payment_reference=violation.payment_reference,
        pay_by=view.pay_by,
        late_fee_fen=view.late_fee_fen,
        total_due_fen=view.total_due_fen,
    )


# --- requests and the upstream's answers ----------------------------------------------------------------


def requests(session: Session, party: Party) -> list[RequestView]:
    """The person's violation requests, newest first (none for an organisation)."""
    if party.kind != "person":
        return []
    rows = session.execute(
        select(ViolationRequest, Violation.ref, Vehicle.plate)
        .join(Violation, Violation.id == ViolationRequest.violation_id)
        .join(Vehicle, Vehicle.id == Violation.vehicle_id)
        .where(ViolationRequest.person_id == party.id)
        .order_by(ViolationRequest.requested_at.desc(), ViolationRequest.id.desc())
    )
    return [_view(row, ref, plate) for row, ref, plate in rows]


@dataclass(frozen=True)
class Answered:
    """A request the upstream answered in this import (for the notices)."""

    request_id: int
    person_id: int
    violation_id: int
    kind: str
    status: str


def settle_from_changes(session: Session, changes: Iterable, *, now: datetime) -> list[Answered]:
    """Close the requests the upstream answered: a violation record naming `request_id` with a new
    `request_outcome`, or one that turned `handled` while a handling request waited on it. Called by ingest
    in its transaction. An outcome that does not fit the request's kind (an objection `granted`) or names
    another violation's request is logged and leaves the request waiting."""
    named: dict[int, tuple[int, str, date | None]] = {}
    decided: set[int] = set()
    for change in changes:
        if change.type != "violation":
            continue
        new, old = change.new, change.old or {}
        request_id, outcome = new.get("request_id"), new.get("request_outcome")
        if request_id is not None and (request_id, outcome) != (old.get("request_id"), old.get("request_outcome")):
            named[request_id] = (new["id"], outcome, new.get("deferred_until"))
        if new.get("handled") and not old.get("handled"):
            decided.add(new["id"])
    if not named and not decided:
        return []
    conditions = []
    if named:
        conditions.append(ViolationRequest.id.in_(list(named)))
    if decided:
        conditions.append(
            ViolationRequest.violation_id.in_(list(decided)) & (ViolationRequest.kind == ViolationRequestKind.HANDLE)
        )
    rows = session.scalars(
        select(ViolationRequest).where(or_(*conditions), ViolationRequest.status == ViolationRequestStatus.PENDING)
    ).all()
    answered: list[Answered] = []
    for request in rows:
        if request.id in named:
            violation_id, outcome, until = named[request.id]
            if violation_id != request.violation_id or outcome not in REQUEST_OUTCOMES[request.kind]:
                log.warning(
                    "an answer that does not fit its request was ignored",
                    extra={"request_id": request.id, "outcome": outcome},
                )
                if request.violation_id not in decided or request.kind != ViolationRequestKind.HANDLE:
                    continue
                outcome, until = ViolationRequestStatus.DECIDED, None
        else:
            outcome, until = ViolationRequestStatus.DECIDED, None
        request.status = outcome
        request.answered_at = now
        request.deferred_until = until
        answered.append(Answered(request.id, request.person_id, request.violation_id, request.kind, outcome))
    session.flush()
    return answered


# --- shared -------------------------------------------------------------------------------------------


def _find(session: Session, clock: Clock, party: Party, ref: str) -> tuple[Violation, queries.ViolationView]:
    """The party's violation `ref` (as the violation query shows it), or `no_such_violation`."""
    for view in queries.violations(session, clock, party):
        if view.ref == ref:
            violation = session.scalar(select(Violation).where(Violation.ref == ref))
            return violation, view
    raise Refusal(RefusalCode.NO_SUCH_VIOLATION, ref=ref)


def _own_open_violation(
    session: Session, clock: Clock, party: Party, ref: str, *, driver_only: bool = True
) -> tuple[Violation, queries.ViolationView]:
    """A camera record the person may act on: theirs as its recorded driver (art. 21) or, when none is
    recorded, as the owner; neither revoked nor decided. `driver_only=False` (an objection, art. 5 ¶3: the
    offender or the owner may object): the owner may act on it whoever is recorded as the driver."""
    check_allowed(party)
    violation, view = _find(session, clock, party, ref)
    if driver_only and violation.driver_id_number is not None:
        id_number = session.scalar(select(Person.id_number).where(Person.id == party.id))
        if violation.driver_id_number != id_number:
            raise Refusal(RefusalCode.ANOTHER_DRIVER, ref=ref)
    if not violation.camera:
        raise Refusal(RefusalCode.NOT_CAMERA, ref=ref)
    if violation.revoked:
        raise Refusal(RefusalCode.REVOKED, ref=ref)
    if violation.handled:
        raise Refusal(RefusalCode.ALREADY_HANDLED, ref=ref, decided_at=violation.decided_at)
    return violation, view


def _pending_points(session: Session, person_id: int, *, exclude: int) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(Violation.points), 0))
        .join(ViolationRequest, ViolationRequest.violation_id == Violation.id)
        .where(
            ViolationRequest.person_id == person_id,
            ViolationRequest.kind == ViolationRequestKind.HANDLE,
            ViolationRequest.status == ViolationRequestStatus.PENDING,
            Violation.id != exclude,
        )
    )
    return int(total or 0)


def _refuse_open(session: Session, violation: Violation, kind: str) -> None:
    open_id = session.scalar(
        select(ViolationRequest.id).where(
            ViolationRequest.violation_id == violation.id,
            ViolationRequest.kind == kind,
            ViolationRequest.status == ViolationRequestStatus.PENDING,
        )
    )
    if open_id is not None:
        raise Refusal(OPEN_REFUSALS[kind], ref=violation.ref, request_id=open_id)


def _lock_person(session: Session, party: Party) -> None:
    # Two channels asking at once queue up here (SQLite serialises writers anyway), so the points of one
    # handling request are counted by the other.
    session.scalar(select(Person.id).where(Person.id == party.id).with_for_update())


def _open(
    session: Session, clock: Clock, party: Party, ref: str, kind: str, channel: str, *, months: int | None = None
) -> RequestView:
    violation = session.scalar(select(Violation).where(Violation.ref == ref))
    now = clock.now()
    request = ViolationRequest(
        person_id=party.id,
        violation_id=violation.id,
        kind=kind,
        status=ViolationRequestStatus.PENDING,
        channel=channel,
        requested_at=now,
        months=months,
    )
    try:
        with session.begin_nested():
            session.add(request)
            session.flush()
    except IntegrityError:  # the partial unique index: another transaction opened one first
        _refuse_open(session, violation, kind)
        raise
    plate, plate_type = session.execute(
        select(Vehicle.plate, Vehicle.plate_type).where(Vehicle.id == violation.vehicle_id)
    ).one()
    id_number = session.scalar(select(Person.id_number).where(Person.id == party.id))
    # The upstream's own keys (the violation's ref, the person's ID number): the feed is token-protected
    # and goes back only to it.
    payload = {
        "request_id": request.id,
        "kind": kind,
        "ref": violation.ref,
        "plate": plate,
        "plate_type": plate_type,
        "id_number": id_number,
        "status": request.status,
        "channel": channel,
        "requested_at": now.isoformat(),
    }
    if kind == ViolationRequestKind.HANDLE:
        payload["procedure"] = "simple"  # art. 52
        payload["driver_confirmed"] = True
    if kind == ViolationRequestKind.DEFER:
        payload["months"] = months
    record_change(session, CHANGE_KINDS[kind], payload, now)
    return _view(request, violation.ref, plate)


def _view(request: ViolationRequest, ref: str, plate: str) -> RequestView:
    answer_by = None
    if request.kind == ViolationRequestKind.OBJECT:
        answer_by = fines.served_on(request.requested_at) + timedelta(days=OBJECTION_EXAMINED_WITHIN_DAYS)
    return RequestView(
        id=request.id,
        kind=request.kind,
        status=request.status,
        ref=ref,
        plate=plate,
        channel=request.channel,
        requested_at=request.requested_at,
        months=request.months,
        deferred_until=request.deferred_until,
        answer_by=answer_by,
    )
