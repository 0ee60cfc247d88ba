"""The bridge from a flow's named actions to the business core (hotline/services).

Each action takes the runtime, the node's params and the call's state, runs the services in one
transaction, and returns `(outcome, updates)`: an outcome the flow routes and call variables to set (None
deletes one). Service refusals become the outcome `refused` with the refusal in `refusal` for the flow's
words. Nothing here chooses words; text lives in ivr_flows/ and sms_templates/.

Texts (a one-time code, "send me this by SMS") go through the outbox: persisted and queued, sent by a
worker, so the webhook never waits for a provider.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .. import metrics
from ..clock import CHINA, at_china, china_now
from ..domain.refusals import RefusalCode
from ..domain.request_states import ApplicationStatus
from ..masking import mask_phone
from ..notify import outbox, sender
from ..notify.outbox import send_text
from ..phones import from_twilio
from ..replies import Replier, clip
from ..runtime import Runtime
from ..services import (
    announcements,
    callbacks,
    errors,
    exams,
    identity,
    inspections,
    licence_extensions,
    number_change,
    queries,
    violation_handling,
)
from ..services.callbacks import next_opening, within_office_hours
from ..services.identity import CODE_LIFETIME, Party
from ..templates import addressed, render
from ..validation import InvalidValue, id_number
from .protocol import CallState, CallVars, ExamRefusal, Hours

Result = tuple[str, CallVars]  # an outcome the flow routes, and call variables to set (None deletes one)
PAGE = 3  # list entries read at a time


@dataclass(frozen=True)
class Action:
    name: str
    outcomes: frozenset[str]
    run: Callable[[Runtime, dict[str, Any], CallState], Result]


REGISTRY: dict[str, Action] = {}


def action(name: str, *outcomes: str):
    def register(fn: Callable[[Runtime, dict[str, Any], CallState], Result]):
        REGISTRY[name] = Action(name, frozenset(outcomes), fn)
        return fn

    return register


def declared() -> dict[str, frozenset[str]]:
    """What the flow checker needs: each action's name and outcomes."""
    return {name: a.outcomes for name, a in REGISTRY.items()}


def run(rt: Runtime, name: str, params: dict[str, Any], state: CallState) -> Result:
    """Run one action; a refusal is an outcome, any other exception is the caller's to turn into `error`."""
    try:
        return REGISTRY[name].run(rt, params, state)
    except errors.Refusal as refusal:
        if "refused" not in REGISTRY[name].outcomes:
            raise
        return "refused", {"refusal": {"code": refusal.code, "facts": dict(refusal.facts)}}


# --- helpers --------------------------------------------------------------------------------------


def _party(state: CallState) -> Party:
    party = state["vars"].get("party")
    if party is None:
        raise LookupError("no verified party in this call")
    return party


def _verified_party(state: CallState) -> Party:
    if not state["vars"].get("verified"):
        # The flow never routes here unverified; refuse loudly if a flow ever tries.
        raise PermissionError("personal data before verification")
    return _party(state)


def _send_text(rt: Runtime, to: str, body: str, purpose: str, *, signed: bool = False) -> None:
    # The carrier's rule: every text starts with the sender's signature 【…】; the outbox sends bodies as given.
    send_text(rt, to=to, body=body if signed else rt.settings.sms_signature + body, purpose=purpose)


def _code_text(language: str, issued, whose: str | None = None) -> str:
    # The lifetime the code was given, not the time left now: a few seconds later that is 9 minutes 59.
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    # `whose`: on a family phone the code says whom it is for (masked), like every text to a shared number.
    return addressed(language, whose, render(language, "texts/code", code=issued.code, minutes=minutes))


def _lock_vars(until: datetime | None) -> CallVars:
    return {"locked_until": until}


# --- language, identity, verification -------------------------------------------------------------


@action("identify_caller", "one", "several", "none")
def identify_caller(rt: Runtime, params: dict, state: CallState) -> Result:
    with rt.reading() as connection:
        parties = identity.identify(connection, state["caller"])
    if not parties:
        return "none", {}
    if len(parties) == 1:
        return "one", {"party": parties[0]}
    return "several", {"parties": parties}


@action("choose_party", "found", "not_found", "ambiguous")
def choose_party(rt: Runtime, params: dict, state: CallState) -> Result:
    parties = state["vars"].get("parties") or []
    last4 = str(state["vars"].get("last4") or "").upper()
    matches = [p for p in parties if p.id_last4 == last4]
    if len(matches) > 1:
        return "ambiguous", {"last4": None}  # two on one phone share the last 4: the whole ID decides
    chosen = identity.choose_by_last4(parties, last4)
    if chosen is None:
        return "not_found", {"last4": None}
    return "found", {"party": chosen, "last4": None, "parties": None, "shared": True}


@action("start_with_id", "sent", "invalid", "locked")
def start_with_id(rt: Runtime, params: dict, state: CallState) -> Result:
    """An entered ID number: the same answer whether it exists or not (a code "if it is on record")."""
    entered = str(state["vars"].get("id_number") or "").upper()
    try:
        id_number(entered)
    except InvalidValue:
        # The check digit is public arithmetic: saying "that is not a valid ID number" reveals nothing.
        return "invalid", {"id_number": None}
    with rt.transaction() as session:
        locked = identity.lock_state(session, rt.clock, None, state["caller"])
        if locked is not None:
            return "locked", {"id_number": None, **_lock_vars(locked)}
        party, issued = identity.start_with_id_number(session, rt.clock, rt.settings, entered, state["caller"])
    if issued is not None:
        _send_text(rt, issued.phone, _code_text(party.language, issued), "code")
    # The party (if any) is kept for the code check, never spoken; an unknown ID keeps None and fails there.
    return "sent", {"id_number": None, "party": party if party else None, "party_by_id": True}


@action("verify_start", "pin", "code", "locked", "no_code")
def verify_start(rt: Runtime, params: dict, state: CallState) -> Result:
    party = _party(state)
    with rt.transaction() as session:
        locked = identity.lock_state(session, rt.clock, party, state["caller"])
        if locked is not None:
            return "locked", _lock_vars(locked)
        if party.has_pin:
            return "pin", {}
        try:
            issued = identity.issue_code(session, rt.clock, rt.settings, party)
        except errors.Refusal as refusal:
            if refusal.code == RefusalCode.VERIFICATION_LOCKED:
                return "locked", _lock_vars(refusal.facts.get("locked_until"))
            return "no_code", {}
    whose = party.name_masked if state["vars"].get("shared") else None  # chosen by the last 4 on a shared number
    _send_text(rt, issued.phone, _code_text(party.language, issued, whose), "code")
    return "code", {}


def _check(rt: Runtime, state: CallState, method: str) -> Result:
    party = state["vars"].get("party")
    entered = str(state["vars"].get("secret") or "")
    with rt.transaction() as session:
        if method == "pin":
            result = identity.verify_pin(session, rt.clock, rt.settings, party, entered, state["caller"])
        else:
            # Reached by a typed ID number: the answer must not tell whether that ID is on record.
            result = identity.verify_code(session, rt.clock, rt.settings, party, entered, state["caller"],
                                          by_id_number=bool(state["vars"].get("party_by_id")))
    if result.ok and party is not None:
        return "ok", {"secret": None, "verified": True}
    metrics.VERIFICATION_FAILURES.labels(method=method).inc()
    if result.locked_until is not None:
        metrics.LOCKOUTS.inc()
        return "locked", {"secret": None, **_lock_vars(result.locked_until)}
    return "failed", {"secret": None, "attempts_left": result.attempts_left}


@action("check_pin", "ok", "failed", "locked")
def check_pin(rt: Runtime, params: dict, state: CallState) -> Result:
    return _check(rt, state, "pin")


@action("check_code", "ok", "failed", "locked")
def check_code(rt: Runtime, params: dict, state: CallState) -> Result:
    return _check(rt, state, "code")


@action("account_level", "full", "none")
def account_level(rt: Runtime, params: dict, state: CallState) -> Result:
    """Verified: say what the account level allows. The call's language is this call's alone: it is never
    written to the record, whose language sets the texts (changed only by EN / 中文 by text)."""
    party = _verified_party(state)
    updates: CallVars = {}
    if state["vars"].get("shared") or len(state["vars"].get("parties") or []) > 1:
        # A number several people share: every answer says whose record it reads (masked, 林*伟).
        updates["whose"] = party.name_masked
    if party.language != state["language"]:
        party = dataclasses.replace(party, language=state["language"])
        updates["party"] = party
    if party.kind == "person" and party.account not in ("internet", "window"):
        return "none", updates
    return "full", updates


@action("party_kind", "person", "organisation")
def party_kind(rt: Runtime, params: dict, state: CallState) -> Result:
    """Route by who is calling: a person's menus and an organisation's differ (services/access.py)."""
    return _verified_party(state).kind, {}


# --- a person -------------------------------------------------------------------------------------


def office_hours(rt: Runtime) -> tuple[bool, datetime, datetime]:
    """Whether a person answers now (services/callbacks.py: office hours on a working day, China time), and
    today's hours."""
    now = china_now(rt.clock)
    hours = rt.settings.office_hours
    today = now.date()
    opens = at_china(today, hours.start.hour, hours.start.minute)
    if hours.end is None:  # 24:00
        closes = at_china(today + timedelta(days=1), 0, 0)
    else:
        closes = at_china(today, hours.end.hour, hours.end.minute)
    open_now = within_office_hours(rt.calendar, hours, now)
    return open_now, opens, closes


@action("office_hours", "open", "closed")
def office_hours_action(rt: Runtime, params: dict, state: CallState) -> Result:
    open_now, opens, closes = office_hours(rt)
    # When a callback asked for now would come: the next working day's opening (holidays skipped).
    following = next_opening(rt.calendar, rt.settings.office_hours, rt.clock.now()).astimezone(opens.tzinfo)
    hours: Hours = {"start": opens, "end": closes, "next_opening": following}
    return ("open" if open_now else "closed"), {"hours": hours}


def menu_left(state: CallState) -> str:
    """The menu the caller left for a person: where they pressed 0, or where their retries ran out."""
    for source, kind, *_ in reversed(state.get("trail") or []):
        if kind in ("agent", "no_input_exit", "wrong_input_exit"):
            return str(source)
    return str(state.get("node") or "agent")


def caller_party(state: CallState) -> Party | None:
    """The verified caller's party, or None (a callback or queue entry then knows the number alone)."""
    if not state["vars"].get("verified") or not state["vars"].get("party"):
        return None
    return _party(state)


def ask_callback(rt: Runtime, *, number: str, party, menu_node: str, language: str,
                 whose: str | None = None) -> tuple[str, datetime | None]:
    """Open a callback request and queue its confirming text (with how to cancel: QX) in one transaction.

    Returns ("ok", due), ("open", due of the request already open) or ("no_number", None) for a caller
    whose number we cannot call (withheld)."""
    read = from_twilio(number)
    if read is None or not read.valid:
        return "no_number", None
    now = rt.clock.now()
    with rt.transaction() as session:
        try:
            view = callbacks.request(session, now, rt.calendar, rt.settings.office_hours, number=number,
                                     party=party, menu_node=menu_node, language=language)
        except errors.Refusal as refusal:
            if refusal.code != RefusalCode.CALLBACK_OPEN:
                raise
            return "open", refusal.facts["due_at"]
        text_ids = []
        if read.mobile:  # a landline is called back all the same; it cannot take the text
            body = render(language, "texts/callback", case="requested", due_at=view.due_at, now=view.due)
            signed = clip(rt.settings.sms_signature + addressed(language, whose, body), language)
            text_ids.append(outbox.queue_text(session, now, to=number, purpose="callback", body=signed))
    sender.enqueue_quietly(rt, text_ids, urgent=True)
    return "ok", view.due_at


@action("request_callback", "ok", "open", "no_number")
def request_callback(rt: Runtime, params: dict, state: CallState) -> Result:
    """Outside office hours: a person calls back at the next working day's opening."""
    outcome, due = ask_callback(rt, number=state["caller"], party=caller_party(state), menu_node=menu_left(state),
                                language=state["language"], whose=state["vars"].get("whose"))
    return outcome, {"callback_due": at_china_moment(due) if due else None}


def at_china_moment(moment: datetime) -> datetime:
    """A timestamp as China wall-clock time, for the words that say it."""
    return moment.astimezone(CHINA)


# --- queries --------------------------------------------------------------------------------------


def _list_vars(name: str, items: list) -> dict[str, Any]:
    return {name: items, "pos": 0, "page": PAGE}


@action("load_violations", "some", "none", "refused")
def load_violations(rt: Runtime, params: dict, state: CallState) -> Result:
    party = _verified_party(state)
    plate = params.get("plate") or None
    with rt.reading() as connection:
        found = queries.violations(connection, rt.clock, party, plate=plate)
    if not found:
        return "none", {}
    return "some", _list_vars("violations", found) | {"copy": "violations"}


@action("list_more", "more", "end")
def list_more(rt: Runtime, params: dict, state: CallState) -> Result:
    """Read the next few entries of the list on screen, so to speak."""
    variables = state["vars"]
    items = variables.get(str(params.get("list"))) or []
    pos = int(variables.get("pos", 0)) + PAGE
    if pos >= len(items):
        return "end", {}
    return "more", {"pos": pos}


@action("load_licence", "found", "none", "refused")
def load_licence(rt: Runtime, params: dict, state: CallState) -> Result:
    party = _verified_party(state)
    with rt.reading() as connection:
        found = queries.licence_status(connection, rt.clock, party)
    if found is None:
        return "none", {}
    return "found", {"licence": found, "copy": "licence"}


@action("load_vehicles", "one", "several", "none", "refused")
def load_vehicles(rt: Runtime, params: dict, state: CallState) -> Result:
    party = _verified_party(state)
    with rt.transaction(read_only=True) as session:
        found = queries.vehicles(session, rt.clock, party)
    if not found:
        return "none", {}
    if len(found) == 1:
        return "one", {"vehicles": found, "vehicle": found[0], "copy": "vehicle"}
    return "several", {"vehicles": found, "copy": "vehicle"}


@action("send_copy", "sent")
def send_copy(rt: Runtime, params: dict, state: CallState) -> Result:
    """The answer just heard, as a text to the number on record (never an ID number in it).

    A copy keeps to the replies' 4 segments: a list (the call's variable named like the copy) is paged as
    the replies are, the first page sent with "reply … for more"; anything else is one reply."""
    party = _verified_party(state)
    name = str(params.get("copy") or state["vars"].get("copy"))
    variables = {k: v for k, v in state["vars"].items() if k not in ("party", "parties")}
    replier = Replier(state["language"], rt.settings.sms_signature, addressee=state["vars"].get("whose") or "",
                      folder="texts")
    items = variables.get(name)
    if isinstance(items, list):
        # The call's own place in the list (pos, page) is not the text's: the pager sets its own.
        rest = {k: v for k, v in variables.items() if k not in (name, "pos", "page")}
        body = replier.page(name, items, 1, **rest)
    else:
        body = replier.text(name, **variables)
    _send_text(rt, party.phone, body, "answer", signed=True)
    return "sent", {"sent_to": mask_phone(party.phone)}


# --- public information (anyone verified, whatever the account level) -------------------------------


@action("load_public_plans", "some", "none")
def load_public_plans(rt: Runtime, params: dict, state: CallState) -> Result:
    """Every exam plan open for booking: public information (services/access.py, PUBLIC_INFO)."""
    return _public_list(rt, state, "public_plans", lambda session: exams.open_plans(session, rt.clock))


@action("load_public_slots", "some", "none")
def load_public_slots(rt: Runtime, params: dict, state: CallState) -> Result:
    """The inspection slots with places left: public information (services/access.py, PUBLIC_INFO)."""
    return _public_list(rt, state, "public_slots",
                        lambda session: inspections.open_slots(session, rt.clock, limit=20))


def _public_list(rt: Runtime, state: CallState, name: str, load) -> Result:
    _verified_party(state)  # every account level may hear them, once verified
    with rt.transaction(read_only=True) as session:
        found = load(session)
    if not found:
        return "none", {}
    return "some", _list_vars(name, found)


# --- driving exams --------------------------------------------------------------------------------


@action("load_applications", "some", "none", "refused")
def load_applications(rt: Runtime, params: dict, state: CallState) -> Result:
    party = _verified_party(state)
    with rt.transaction(read_only=True) as session:
        found = exams.applications(session, rt.clock, party, rt.calendar)
    if not found:
        return "none", {}
    return "some", _list_vars("applications", found) | {"copy": "applications"}


@action("load_plans", "some", "none", "refused")
def load_plans(rt: Runtime, params: dict, state: CallState) -> Result:
    """Only the open plans the caller may apply for now (exams.offer: the booking rules themselves, the
    order of the subjects included: no KM3W before KM2 and the KM3 road test, no KM3 for C6), so that no
    one is walked to the confirmation of a plan the booking would refuse; with none, why not."""
    party = _verified_party(state)
    with rt.transaction(read_only=True) as session:
        offer = exams.offer(session, rt.clock, rt.settings, party)
    reasons: list[ExamRefusal] = [{"subject": subject, "code": refusal.code, "facts": dict(refusal.facts)}
               for subject, refusal in offer.refusals.items() if refusal.code != RefusalCode.ALREADY_PASSED]
    if not offer.plans:
        return "none", {"exam_refusals": reasons}
    return "some", {"plans": offer.plans, "exam_refusals": reasons}


@action("apply_exam", "ok", "refused")
def apply_exam(rt: Runtime, params: dict, state: CallState) -> Result:
    party = _verified_party(state)
    plan = state["vars"]["plan"]
    with rt.transaction() as session:
        made = exams.apply(session, rt.clock, rt.calendar, rt.settings, party, plan.plan_id, "voice")
    return "ok", {"application": made}


@action("load_cancellable", "some", "none", "refused")
def load_cancellable(rt: Runtime, params: dict, state: CallState) -> Result:
    party = _verified_party(state)
    with rt.transaction(read_only=True) as session:
        found = [a for a in exams.applications(session, rt.clock, party, rt.calendar)
                 if a.status == ApplicationStatus.PENDING]
    if not found:
        return "none", {}
    return "some", {"cancellable": found}


@action("cancel_exam", "ok", "refused")
def cancel_exam(rt: Runtime, params: dict, state: CallState) -> Result:
    party = _verified_party(state)
    chosen = state["vars"]["application"]
    with rt.transaction() as session:
        done = exams.cancel(session, rt.clock, rt.calendar, party, chosen.id, "voice")
    return "ok", {"application": done}


# --- inspections ----------------------------------------------------------------------------------


@action("load_slots", "some", "none", "refused")
def load_slots(rt: Runtime, params: dict, state: CallState) -> Result:
    party = _verified_party(state)
    vehicle = state["vars"].get("vehicle")
    with rt.transaction(read_only=True) as session:
        # A car that cannot be inspected now hears why before any time is offered (Order 164).
        found = inspections.bookable_slots(session, rt.clock, party, vehicle.id if vehicle else None)
    if not found:
        return "none", {}
    return "some", {"slots": found}


@action("book_inspection", "ok", "refused")
def book_inspection(rt: Runtime, params: dict, state: CallState) -> Result:
    party = _verified_party(state)
    vehicle, slot = state["vars"]["vehicle"], state["vars"]["slot"]
    with rt.transaction() as session:
        made = inspections.book(session, rt.clock, party, vehicle.id, slot.slot_id, "voice")
        # The citizen's record of the booking, texted unasked to the number on record; written in the
        # booking's transaction, so there is never a booking without its text or a text without a booking.
        text_id = outbox.queue_text(session, rt.clock.now(), to=party.phone, purpose="booking",
                                    body=_booking_text(rt, state, made))
    sender.enqueue_quietly(rt, [text_id], urgent=True)
    return "ok", {"booking": made}


def _booking_text(rt: Runtime, state: CallState, booking) -> str:
    language = state["language"]
    body = render(language, "texts/inspection_booked", booking=booking)
    # Within the 4 segments of every reply; only a station name far longer than any real one is ever cut.
    return clip(rt.settings.sms_signature + addressed(language, state["vars"].get("whose"), body), language)


@action("load_bookings", "some", "none", "refused")
def load_bookings(rt: Runtime, params: dict, state: CallState) -> Result:
    party = _verified_party(state)
    with rt.transaction(read_only=True) as session:
        found = [b for b in inspections.bookings(session, rt.clock, party) if b.cancellable]
    if not found:
        return "none", {}
    return "some", {"bookings": found, "copy": "bookings"}


@action("cancel_inspection", "ok", "refused")
def cancel_inspection(rt: Runtime, params: dict, state: CallState) -> Result:
    party = _verified_party(state)
    chosen = state["vars"]["booking"]
    with rt.transaction() as session:
        done = inspections.cancel(session, rt.clock, party, chosen.id, "voice")
    return "ok", {"booking": done}



# --- violations: handling, paying, deferring, objecting (services/violation_handling.py) -----------------


def _chosen_ref(state: CallState) -> str:
    return state["vars"]["violation"].ref


def _violation_facts(rt: Runtime, state: CallState, check: Callable[..., Any], *args: Any) -> Any:
    """What the caller hears about the chosen violation before confirming by key: read in one read-only
    transaction; a refusal says why the request cannot be made."""
    with rt.transaction(read_only=True) as session:
        return check(session, rt.clock, _verified_party(state), _chosen_ref(state), *args)


def _violation_request(rt: Runtime, state: CallState, request: Callable[..., Any], *args: Any) -> Result:
    """The request on the chosen violation, made by phone in one transaction (the service checks again)."""
    with rt.transaction() as session:
        made = request(session, rt.clock, _verified_party(state), _chosen_ref(state), *args, "voice")
    return "ok", {"violation_request": made}


def _deferral_months(state: CallState) -> int:
    return int(state["vars"]["deferral_length"]["months"])


@action("violation_options", "ok", "refused")
def violation_options(rt: Runtime, params: dict, state: CallState) -> Result:
    """Before the caller picks a violation to act on: the account rule, and the deferral lengths (art. 53)."""
    violation_handling.check_allowed(_verified_party(state), paying=bool(params.get("paying")))
    months = range(1, violation_handling.MAX_DEFERRAL_MONTHS + 1)
    return "ok", {"deferral_lengths": [{"months": m} for m in months]}


@action("check_handling", "ok", "refused")
def check_handling(rt: Runtime, params: dict, state: CallState) -> Result:
    """The facts the caller confirms by key before a handling request is made (art. 58, 52)."""
    return "ok", {"handling": _violation_facts(rt, state, violation_handling.check_handle)}


@action("request_handling", "ok", "refused")
def request_handling(rt: Runtime, params: dict, state: CallState) -> Result:
    """Reached only from the prompt that read the facts and asked the caller to confirm they drove, by 1."""
    return _violation_request(rt, state, violation_handling.request_handling)


# --- changing one's contact number (道路交通安全违法行为处理程序规定 art. 20 ¶2; services/number_change.py) ------
# The call is verified (PIN or code) before this menu: that is the proof on the old number. The code sent to
# the new number, keyed in on this call, proves the new one.


def _kept_when_refused(rt: Runtime, work: Callable[[Any], Any]) -> Any:
    """`work(session)` in a transaction that is committed even when the service refuses, the refusal raised
    after: what a refused attempt counts (a code sent, a wrong code toward the lockout) stays recorded."""
    refused = None
    with rt.transaction() as session:
        try:
            return work(session)
        except errors.Refusal as refusal:
            refused = refusal
    raise refused


@action("send_number_code", "sent", "refused")
def send_number_code(rt: Runtime, params: dict, state: CallState) -> Result:
    party = _verified_party(state)
    new_phone = number_change.read_number(str(state["vars"].get("new_number") or ""))
    # A refused number still counts as a code sent.
    issued = _kept_when_refused(rt, lambda session: number_change.start(session, rt.clock, rt.settings, party,
                                                                          new_phone))
    _send_text(rt, issued.phone, _code_text(party.language, issued), "code")
    return "sent", {"new_phone": new_phone, "new_phone_masked": mask_phone(new_phone)}


@action("confirm_number_change", "ok", "refused")
def confirm_number_change(rt: Runtime, params: dict, state: CallState) -> Result:
    code = str(state["vars"].get("number_code") or "")
    # A wrong code's failure counts toward the lockout.
    made = _kept_when_refused(rt, lambda session: number_change.confirm(
        session, rt.clock, rt.settings, _verified_party(state), state["vars"]["new_phone"], code, state["caller"],
        "voice"))
    return "ok", {"number_change": made}


@action("load_payment", "ok", "refused")
def load_payment(rt: Runtime, params: dict, state: CallState) -> Result:
    return "ok", {"payment": _violation_facts(rt, state, violation_handling.payment)}


@action("check_deferral", "ok", "refused")
def check_deferral(rt: Runtime, params: dict, state: CallState) -> Result:
    return "ok", {"deferral": _violation_facts(rt, state, violation_handling.check_defer, _deferral_months(state))}


@action("request_deferral", "ok", "refused")
def request_deferral(rt: Runtime, params: dict, state: CallState) -> Result:
    return _violation_request(rt, state, violation_handling.request_deferral, _deferral_months(state))


@action("check_objection", "ok", "refused")
def check_objection(rt: Runtime, params: dict, state: CallState) -> Result:
    return "ok", {"objection": _violation_facts(rt, state, violation_handling.check_object)}


@action("request_objection", "ok", "refused")
def request_objection(rt: Runtime, params: dict, state: CallState) -> Result:
    return _violation_request(rt, state, violation_handling.request_objection)


# --- extensions (延期) and announcements (公告) ---------------------------------------------------------


@action("extension_options", "ok", "refused")
def extension_options(rt: Runtime, params: dict, state: CallState) -> Result:
    """The window rule first (an internet user hears to convert at a window), then the three lists to choose
    from: what to extend, why, and for how long."""
    party = _verified_party(state)
    with rt.transaction(read_only=True) as session:
        licence_extensions.check_eligible(session, party)
    return "ok", {
        "extension_kinds": [{"kind": kind} for kind in licence_extensions.KINDS],
        "extension_reasons": [{"reason": reason} for reason in licence_extensions.REASONS],
        "extension_lengths": [{"years": years}
                              for years in range(licence_extensions.MIN_YEARS, licence_extensions.MAX_YEARS + 1)],
    }


@action("apply_extension", "ok", "refused")
def apply_extension(rt: Runtime, params: dict, state: CallState) -> Result:
    """Reached only from the prompt that says the licence may not be used to drive, by pressing 1."""
    party = _verified_party(state)
    chosen = state["vars"]
    with rt.transaction() as session:
        made = licence_extensions.apply(session, rt.clock, party, kind=chosen["extension_kind"]["kind"],
                                reason=chosen["extension_reason"]["reason"],
                                years=int(chosen["extension_length"]["years"]), acknowledged=True, channel="voice")
    return "ok", {"extension": made}


@action("load_extensions", "some", "none")
def load_extensions(rt: Runtime, params: dict, state: CallState) -> Result:
    party = _verified_party(state)
    with rt.transaction(read_only=True) as session:
        found = licence_extensions.pending(session, party)
    if not found:
        return "none", {}
    return "some", {"extensions": found}


@action("cancel_extension", "ok")
def cancel_extension(rt: Runtime, params: dict, state: CallState) -> Result:
    party = _verified_party(state)
    chosen = state["vars"]["extension"]
    with rt.transaction() as session:
        done = licence_extensions.cancel(session, rt.clock, party, chosen.id, "voice")
    return "ok", {"extension": done}


@action("load_announcements", "some", "none")
def load_announcements(rt: Runtime, params: dict, state: CallState) -> Result:
    """The announcements still valid for the caller's region (the ID number's), its city's, province's and
    the national ones too, the most local first."""
    party = _verified_party(state)
    with rt.transaction(read_only=True) as session:
        area = announcements.default_area(session, party)
        found = announcements.current(session, rt.clock, area, limit=9)
    if not found:
        return "none", {}
    return "some", _list_vars("announcements", found)
