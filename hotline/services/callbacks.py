"""Callback requests: a person calls the citizen back instead of the citizen waiting on the line.

A request is made from the voice queue (1 while waiting), from the menu outside office hours (the call
comes at the next working day's opening), or by staff. At most one is open (`waiting` or `calling`) per
number; a second request says when the open one is due (refusal `callback_open`). The citizen gets a text
confirming it and saying how to cancel: `QX`, which withdraws a callback when nothing else is open to
cancel (sms/handler.py).

An agent's "call now" (`call_now`) places the call through the Twilio REST client (`rt.twilio`,
`calls.create`) with a URL under /voice/ whose TwiML connects the citizen to the agent's number, and a
`<Dial action>` that reports whether the agent was reached (`dialled`). Only a citizen connected to a person
makes it `done` (Twilio's DialCallStatus `completed`); the citizen not answering, or answering while the
agent does not (or the call reaching voicemail on the citizen's side with no agent), is `waiting` again, and
after the second such call `missed`, with a text saying so to a mobile (a landline cannot take it). The
call's status callback (`settle`) settles a call that never reached the Dial (the citizen did not answer).

Refusal codes:
- `callback_open` — facts: `due_at` (aware UTC), `callback_id`. The number already has an open request.
- `no_such_callback` — facts: `callback_id`.
- `callback_not_waiting` — facts: `callback_id`, `state`. "Call now" on one that is ringing or settled.
- `call_failed` — facts: `callback_id`, `reason`. The provider refused or could not be reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import phones
from ..calendar import WorkCalendar
from ..clock import CHINA, as_utc, at_china
from ..config import DailyHours
from ..db import CallbackRequest
from ..domain.reaching_a_person import CALLBACK_ATTEMPTS, OPEN_CALLBACK_STATES, CallbackState
from ..domain.refusals import RefusalCode
from ..masking import mask_phone
from .errors import Refusal
from .identity import Party, party_by_key

CONNECT_PATH = "/voice/callbacks/connect"
STATUS_PATH = "/voice/callbacks/status"
DIALLED_PATH = "/voice/callbacks/dialled"
CONNECTED = "completed"  # Twilio's DialCallStatus when the dialled agent answered and the two spoke


@dataclass(frozen=True)
class CallbackView:
    id: int
    number_masked: str  # 138****8000: the desk never shows a whole number
    party_kind: str | None  # None: the caller was not verified
    party_id: int | None
    verified: bool
    menu_node: str
    language: str
    requested_at: datetime
    due_at: datetime
    due: bool  # due_at has come
    state: str
    attempts: int
    staff_id: int | None


def _view(row: CallbackRequest, now: datetime) -> CallbackView:
    return CallbackView(
        id=row.id,
        number_masked=mask_phone(row.number),
        party_kind=row.party_kind,
        party_id=row.party_id,
        verified=row.party_kind is not None,
        menu_node=row.menu_node,
        language=row.language,
        requested_at=as_utc(row.requested_at),
        due_at=as_utc(row.due_at),
        due=as_utc(row.due_at) <= now,
        state=row.state,
        attempts=row.attempts,
        staff_id=row.staff_id,
    )


# --- office hours ------------------------------------------------------------------------------------


def within_office_hours(calendar: WorkCalendar, office_hours: DailyHours, now: datetime) -> bool:
    """Whether a person answers at `now`: a working day (the holiday calendar) inside the hours, China time."""
    local = now.astimezone(CHINA)
    return calendar.is_working_day(local.date()) and local.time() in office_hours


def next_opening(calendar: WorkCalendar, office_hours: DailyHours, now: datetime) -> datetime:
    """The next moment a person answers after `now` (itself if it is in office hours): today's opening
    before it on a working day, else the opening of the next working day (holidays skipped, make-up
    working days counted)."""
    if within_office_hours(calendar, office_hours, now):
        return now
    opens = office_hours.start
    today = now.astimezone(CHINA).date()
    if calendar.is_working_day(today) and now.astimezone(CHINA).time() < opens:
        day = today
    else:
        day = calendar.next_working_day(today)
    return at_china(day, opens.hour, opens.minute)


# --- requests ----------------------------------------------------------------------------------------


def open_for(session: Session, number: str) -> CallbackRequest | None:
    return session.scalars(
        select(CallbackRequest).where(
            CallbackRequest.number == number, CallbackRequest.state.in_([str(s) for s in OPEN_CALLBACK_STATES])
        )
    ).first()


def request(
    session: Session,
    now: datetime,
    calendar: WorkCalendar,
    office_hours: DailyHours,
    *,
    number: str,
    party: Party | None,
    menu_node: str,
    language: str,
) -> CallbackView:
    """Open a callback request for `number`; due now in office hours, else at the next opening.

    `party` is the verified caller, or None (the desk then knows the number alone)."""
    existing = open_for(session, number)
    if existing is not None:
        raise Refusal(RefusalCode.CALLBACK_OPEN, due_at=as_utc(existing.due_at), callback_id=existing.id)
    row = CallbackRequest(
        number=number,
        party_kind=party.kind if party else None,
        party_id=party.id if party else None,
        menu_node=menu_node[:60],
        language=language,
        requested_at=now,
        due_at=next_opening(calendar, office_hours, now),
        state=CallbackState.WAITING,
        attempts=0,
        updated_at=now,
    )
    try:
        # A savepoint: when a request from another door wins the race, the caller's transaction goes on.
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        existing = open_for(session, number)
        if existing is None:
            raise
        raise Refusal(RefusalCode.CALLBACK_OPEN, due_at=as_utc(existing.due_at), callback_id=existing.id) from None
    return _view(row, now)


def cancel(
    session: Session,
    now: datetime,
    *,
    number: str | None = None,
    callback_id: int | None = None,
    staff_id: int | None = None,
) -> CallbackView | None:
    """Withdraw the open request of `number` (the citizen's QX) or request `callback_id` (staff); None when
    there is nothing open to withdraw. A call already ringing is not withdrawn (it settles by itself)."""
    if callback_id is not None:
        row = session.get(CallbackRequest, callback_id, with_for_update=True)
        if row is None or row.state not in OPEN_CALLBACK_STATES:
            return None
    else:
        row = open_for(session, number or "")
        if row is None:
            return None
    if row.state != CallbackState.WAITING:
        raise Refusal(RefusalCode.CALLBACK_NOT_WAITING, callback_id=row.id, state=row.state)
    row.state = CallbackState.CANCELLED
    row.updated_at = now
    if staff_id is not None:
        row.staff_id = staff_id
    session.flush()
    return _view(row, now)


def open_list(session: Session, now: datetime) -> list[CallbackView]:
    """Requests waiting or ringing, the longest due first (those not yet due after them)."""
    rows = session.scalars(
        select(CallbackRequest)
        .where(CallbackRequest.state.in_([str(s) for s in OPEN_CALLBACK_STATES]))
        .order_by(CallbackRequest.due_at, CallbackRequest.id)
    ).all()
    return [_view(row, now) for row in rows]


def get(session: Session, now: datetime, callback_id: int) -> CallbackView | None:
    row = session.get(CallbackRequest, callback_id)
    return _view(row, now) if row is not None else None


def party_of(session: Session, callback_id: int) -> Party | None:
    """The verified party who asked, for the desk's context (None when not verified)."""
    row = session.get(CallbackRequest, callback_id)
    if row is None or row.party_kind is None or row.party_id is None:
        return None
    return party_by_key(session, row.party_kind, row.party_id)


# --- calling back ------------------------------------------------------------------------------------


def call_now(rt, session: Session, callback_id: int, *, staff_id: int, agent_number: str) -> CallbackView:
    """Ring the citizen now; when they answer, Twilio fetches CONNECT_PATH, which dials `agent_number`.

    The provider is asked inside the transaction (the row stays locked, so two agents cannot both call the
    same citizen); its timeout (HOTLINE_TWILIO_TIMEOUT_SECONDS) bounds how long. A refused or unreachable
    provider leaves the request waiting, the attempt not counted."""
    now = rt.clock.now()
    row = session.get(CallbackRequest, callback_id, with_for_update=True)
    if row is None:
        raise Refusal(RefusalCode.NO_SUCH_CALLBACK, callback_id=callback_id)
    if row.state != CallbackState.WAITING:
        raise Refusal(RefusalCode.CALLBACK_NOT_WAITING, callback_id=row.id, state=row.state)
    base = rt.settings.public_url.rstrip("/")
    try:
        call = rt.twilio.calls.create(
            to=row.number,
            from_=rt.settings.twilio_from_number,
            url=f"{base}{CONNECT_PATH}?" + urlencode({"id": row.id, "agent": agent_number}),
            method="POST",
            status_callback=f"{base}{STATUS_PATH}?" + urlencode({"id": row.id}),
            status_callback_method="POST",
        )
    except Exception as error:  # the twilio library's errors, or the connection's
        raise Refusal(RefusalCode.CALL_FAILED, callback_id=row.id, reason=type(error).__name__) from None
    row.state = CallbackState.CALLING
    row.attempts += 1
    row.staff_id = staff_id
    row.call_sid = call.sid
    row.updated_at = now
    session.flush()
    return _view(row, now)


@dataclass(frozen=True)
class Settled:
    view: CallbackView
    missed_text_to: str | None  # the number to text that the callback was missed (E.164), if it was
    language: str


def settle(session: Session, now: datetime, callback_id: int, call_sid: str, call_status: str) -> Settled | None:
    """The status callback of a call placed by `call_now`. A call still `calling` when it ends never reported
    a connected agent (the citizen did not answer, or hung up before the Dial ended): waiting again, or
    missed after the second such call, whatever its CallStatus. None when it belongs to no ringing call of
    this request (a repeat, or a call the Dial's action already settled)."""
    row = _ringing(session, callback_id, call_sid)
    if row is None:
        return None
    return _not_reached(session, now, row)


def dialled(session: Session, now: datetime, callback_id: int, call_sid: str, dial_status: str) -> Settled | None:
    """The `<Dial action>` of the citizen's leg: done only when the agent answered (DialCallStatus
    `completed`); an agent busy, not answering or failing is a callback not yet made. None as in `settle`."""
    row = _ringing(session, callback_id, call_sid)
    if row is None:
        return None
    if dial_status != CONNECTED:
        return _not_reached(session, now, row)
    row.state = CallbackState.DONE
    row.updated_at = now
    session.flush()
    return Settled(_view(row, now), None, row.language)


def _ringing(session: Session, callback_id: int, call_sid: str) -> CallbackRequest | None:
    row = session.get(CallbackRequest, callback_id, with_for_update=True)
    if row is None or row.state != CallbackState.CALLING or (row.call_sid and row.call_sid != call_sid):
        return None
    return row


def _not_reached(session: Session, now: datetime, row: CallbackRequest) -> Settled:
    """The citizen was not connected to a person: waiting again, or missed after the last attempt, with the
    missed-callback text for a mobile only."""
    missed_to = None
    if row.attempts >= CALLBACK_ATTEMPTS:
        row.state = CallbackState.MISSED
        missed_to = row.number if phones.is_mobile(row.number) else None  # a landline cannot take the text
    else:
        row.state = CallbackState.WAITING
    row.updated_at = now
    session.flush()
    return Settled(_view(row, now), missed_to, row.language)
