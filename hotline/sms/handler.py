"""One text in, one reply out: the SMS door onto the business core.

`answer(rt, phone, body, opt_out_type)` parses the text, finds who is texting, calls the same service
functions the voice menu calls, and renders the reply from `sms_templates/`. It returns None for silence
(a rate-limited number, or a STOP that Twilio answers itself).

The order of checks matters:
1. opt-out and opt-in first, whatever else is going on: carriers require TD to work always, and it is
   never rate limited; with the database down it is held in Redis and applied when it is back (held.py);
2. the per-number limit, before any database work for the query;
3. texts that are not keywords get the help text;
4. who is texting (the sender's number; on a shared number the last 4 of the ID number);
5. the keyword, with the account level checked by the services (a `NotPermitted` becomes its reply).

Actions (apply, book, cancel) are proposed first and carried out only on `Y` / `确认` within 10 minutes.
Only texts that change something write (`writes` decides from the parsed text, before the transaction
opens); every other text is answered in a read-only unit of work (on a Core connection, with a session opened
on it only for the services that load entities), where a write raises instead of happening.
When Redis is down, queries still work; choices and confirmations answer "please try again later".
"""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import cached_property
from typing import Any

import redis
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .. import metrics
from ..clock import china_today
from ..db import ReadingUnit, database_unavailable
from ..domain.refusals import RefusalCode
from ..domain.request_states import OPEN_APPLICATION_STATUSES
from ..formatting import dialled
from ..masking import mask_phone
from ..notify import outbox, sender
from ..replies import Replier
from ..runtime import Runtime
from ..services import (
    access,
    announcements,
    callbacks,
    exams,
    identity,
    inspections,
    licence_extensions,
    number_change,
    optouts,
    queries,
    violation_handling,
)
from ..services.errors import Refusal
from ..services.identity import Party
from ..templates import render
from . import held, optout, ratelimit
from .conversation import (
    ApplyExam,
    ApplyExtension,
    BookInspection,
    Cancel,
    Conversation,
    DeferViolation,
    HandleViolation,
    ObjectViolation,
    PartyRef,
    StateUnavailable,
)
from .grammar import Command, Problem, Verb, parse

log = logging.getLogger("hotline.sms")

CHANNEL = "sms"
# Open inspection slots looked at for one JY reply; those that fit in 4 segments are numbered.
SLOT_CANDIDATES = 8
# Violations of a WZ list that BL / JK / HC / SS can name by number.
VIOLATION_CHOICES = 100


# Replies about no one's record, said without a name even on a shared number: who is chosen (it names them
# itself), the keywords, and announcements (a subscription belongs to the number).
IMPERSONAL_REPLIES = frozenset({"who", "help", "announcements"})

# Texts that may write: the opt-out words, EN / 中文, Y / 确认 (the action itself), GG (a subscription) and
# the last 4 on a shared number (the keyword held until then may be any of these). Everything else only
# reads, in a read-only transaction: on SQLite a deferred one, so queries never wait for each other.
WRITING_VERBS = frozenset({*optout.OPT_VERBS, Verb.LANGUAGE, Verb.CONFIRM, Verb.ANNOUNCEMENTS, Verb.LAST4,
                           Verb.CHANGE_NUMBER})
# A write in a read-only transaction is refused (hotline/db/session.py: ReadOnlyViolation): `writes` would
# be wrong, a bug to fix there.


def writes(command: Command, opt_out_type: str | None) -> bool:
    """Whether answering this text may write to the database, decided before the transaction opens.
    A bare QX may withdraw a callback request (services/callbacks.py) when nothing else is open."""
    return (command.verb in WRITING_VERBS or (opt_out_type or "").upper() in ("STOP", "START")
            or (command.verb is Verb.CANCEL and command.number is None))


def answer(rt: Runtime, phone: str, body: str, opt_out_type: str | None = None) -> str | None:
    """The reply to one incoming text from `phone` (E.164, checked at the door: web/numbers.py), or None
    for no reply."""
    command = parse(body)
    metrics.SMS_KEYWORDS.labels(keyword=str(command.verb)).inc()
    if optout.is_opt_message(command, opt_out_type):
        reply = _opt_message(rt, phone, body, command, opt_out_type)
    else:
        if writes(command, opt_out_type):
            with rt.transaction() as session:
                dialogue = _Dialogue(rt, session, phone, body, command)
                reply = dialogue.run(opt_out_type)
        else:
            with rt.reading_unit() as unit:
                dialogue = _Dialogue(rt, unit, phone, body, command)
                reply = dialogue.run(opt_out_type)
        if dialogue.texts:  # a code to a new number, written with the rest, sent once committed
            sender.enqueue_quietly(rt, dialogue.texts, urgent=True)
    log.info("sms answered", extra={"phone": mask_phone(phone), "verb": str(command.verb),
                                    "silent": reply is None})
    return reply


def _opt_message(rt: Runtime, phone: str, body: str, command: Command, opt_out_type: str | None) -> str | None:
    """An opt-out or opt-in is never lost: when the database cannot take it, it is held (sms/held.py)."""
    try:
        try:
            behind = held.waiting(rt)
            if behind:  # those held during an outage first: an older TD must not overtake this text
                held.apply(rt)
                behind = held.waiting(rt)
        except redis.RedisError:
            behind = 0  # nothing can be held or applied without Redis; the database alone decides
        if not behind:
            with rt.transaction() as session:
                return _Dialogue(rt, session, phone, body, command).run(opt_out_type)
    except SQLAlchemyError as error:
        if not database_unavailable(error):
            raise
        log.warning("database unavailable for an opt message: %s", type(error).__name__)
    held.hold(rt, phone, body, opt_out_type)
    outcome = optout.held_outcome(command, opt_out_type)
    if outcome is optout.Outcome.PROVIDER_OUT:
        return None
    language = "en" if command.hint == "en" else "zh-CN"  # the number's chosen language is in the database
    return Replier(language, rt.settings.sms_signature).text("optout", outcome=str(outcome),
                                                             agent_number=dialled(rt.settings.agent_number))


def fallback_reply(rt: Runtime, sender: str) -> str:
    """What to say when answering failed unexpectedly: sorry, and the help number. Needs no database."""
    return Replier("zh-CN", rt.settings.sms_signature).text("failure", agent_number=dialled(rt.settings.agent_number))


class _Dialogue:
    def __init__(self, rt: Runtime, work: Session | ReadingUnit, phone: str, body: str, command: Command) -> None:
        self.rt = rt
        self._work = work
        # Reads of plain rows (who is texting, WZ, JZ) go here: in a read-only text the unit's Core connection,
        # so that the commonest queries never open a session (db/session.py ReadingUnit).
        self.reader: Session | Connection = work.connection if isinstance(work, ReadingUnit) else work
        self.phone = phone
        self.body = body
        self.command = command
        self.now = rt.clock.now()
        self.conversation = Conversation(rt.redis, rt.clock, phone, rt.settings.rq_queue_prefix)
        self.party: Party | None = None
        self.texts: list[int] = []  # transactional texts queued in this transaction (notify/outbox.py)

    @cached_property
    def session(self) -> Session:
        """The ORM session the other services read and write with; in a read-only text opened on first use,
        on the same connection as `reader`."""
        return self._work.session if isinstance(self._work, ReadingUnit) else self._work

    @cached_property
    def texter(self) -> identity.Texter:
        """Who is on record with this number, and the language it chose: one query, made only when needed
        (a number answered with silence by the limit costs none)."""
        return identity.identify_texter(self.reader, self.phone)

    @property
    def parties(self) -> list[Party]:
        return self.texter.parties

    # --- language -------------------------------------------------------------------------------------

    def language(self) -> str:
        if self.texter.language:
            return self.texter.language
        if self.command.hint == "en":
            # An English keyword from a number that never chose a language (EN / 中文) is answered in
            # English; the record's language is only a default, not the texter's choice.
            return "en"
        if self.party is not None:
            return self.party.language
        if len(self.parties) == 1:
            return self.parties[0].language
        return self.command.hint or "zh-CN"

    def say(self, name: str, /, **variables: Any) -> str:
        return self.replier(name).text(name, **self._common(), **variables)

    def replier(self, name: str = "") -> Replier:
        addressee = ""
        if self.party is not None and len(self.parties) > 1 and name not in IMPERSONAL_REPLIES:
            # A family phone: say whose record the answer is about, the name masked (林*伟).
            addressee = self.party.name_masked
        return Replier(self.language(), self.rt.settings.sms_signature, addressee)

    def _common(self) -> dict[str, Any]:
        return {"agent_number": dialled(self.rt.settings.agent_number)}

    def help(self, problem: str | None) -> str:
        """The keywords this number may use (services/access.py): an organisation has no licence, exams or
        extensions; a person at account level `none` reads only public information until they register."""
        parties = self.parties
        audience = "person"
        if parties and all(p.kind == "organisation" for p in parties):
            audience = "organisation"
        elif parties and all(not access.allowed(p, access.Action.OWN_QUERIES)
                             and not access.allowed(p, access.Action.ORG_VEHICLES) for p in parties):
            audience = "public"
        return self.say("help", problem=problem, audience=audience)

    # --- the steps ------------------------------------------------------------------------------------

    def run(self, opt_out_type: str | None) -> str | None:
        command = self.command
        if (opt_out_type or "").upper() == "START" and command.verb not in optout.OPT_VERBS:
            # Twilio marks its other opt-in words (YES) too: mirror that, then answer the text itself,
            # so that YES to a confirmation prompt still confirms.
            optout.handle(self.session, self.phone, command, opt_out_type, self.now)
            opt_out_type = None
        if optout.is_opt_message(command, opt_out_type):
            outcome = optout.handle(self.session, self.phone, command, opt_out_type, self.now)
            if outcome is optout.Outcome.PROVIDER_OUT:
                return None
            return self.say("optout", outcome=str(outcome))

        settings = self.rt.settings
        verdict = ratelimit.check(self.rt.redis, self.rt.clock, self.phone, limit=settings.sms_query_limit,
                                  window_seconds=settings.sms_query_window_seconds,
                                  prefix=settings.rq_queue_prefix)
        if verdict is ratelimit.Verdict.SILENT:
            return None
        if verdict is ratelimit.Verdict.WARN:
            minutes = max(settings.sms_query_window_seconds // 60, 1)
            return self.say("limited", minutes=minutes)

        if (opt_out_type or "").upper() == "HELP" or command.verb in (Verb.HELP, Verb.UNKNOWN):
            return self.help(str(command.problem) if command.problem else None)
        if command.problem is Problem.BAD_PLATE:
            return self.say("state", case="bad_plate")
        if command.verb is Verb.LANGUAGE:
            return self.set_language(command.language or "zh-CN")

        if command.verb is Verb.CANCEL and command.number is None:
            withdrawn = self.withdraw_callback()
            if withdrawn is not None:
                return withdrawn
        if command.verb is Verb.ANNOUNCEMENTS and (command.off or command.area or not self.parties):
            # A subscription belongs to the number: anyone may name an area or stop, no record needed
            # (a number on no record that names no area is asked for one).
            return self.dispatch(command)
        if not self.parties:
            # Public information needs no record (the account table, ARCHITECTURE.md "Who is calling, and
            # what they may do": public exam plans and inspection slots for everyone): plans and slots.
            if command.verb is Verb.BOOK_EXAM and command.number is None:
                return self.plans(None, command)
            if command.verb is Verb.INSPECTION and command.number is None and command.plate is None:
                return self.public_slots()
            return self.say("who", case="unknown")
        chosen = self.choose_party()
        if isinstance(chosen, str):
            return chosen
        self.party = chosen
        if command.verb is Verb.LAST4:
            held = self.take_held()
            if held is not None and held.verb not in (Verb.LAST4, Verb.UNKNOWN):
                return self.dispatch(held)
            return self.say("who", case="chosen", name=self.party.name_masked)
        return self.dispatch(command)

    def choose_party(self) -> Party | str:
        """The one party this text is about, or the reply that asks (or says nobody matched)."""
        if len(self.parties) == 1:
            return self.parties[0]
        last4 = self.command.last4
        if last4:
            party = identity.choose_by_last4(self.parties, last4)
            if party is None:
                return self.say("who", case="no_match")
            try:
                self.conversation.choose_party(PartyRef(party.kind, party.id))
            except StateUnavailable:
                pass  # this text is still answered; the next one names the last 4 again
            return party
        try:
            ref = self.conversation.chosen_party()
        except StateUnavailable:
            ref = None
        for party in self.parties:
            if ref is not None and (party.kind, party.id) == (ref.kind, ref.id):
                return party
        try:
            self.conversation.hold_text(self.body)
            held = True
        except StateUnavailable:
            held = False
        return self.say("who", case="choose", held=held)

    def take_held(self) -> Command | None:
        try:
            text = self.conversation.take_held_text()
        except StateUnavailable:
            return None
        return parse(text) if text else None

    def set_language(self, language: str) -> str:
        pref = optouts.preference(self.session, self.phone, self.now)
        pref.language = language
        pref.modified_at = self.now
        if len(self.parties) == 1:
            identity.set_language(self.session, self.parties[0], language)
        self.session.flush()
        self.texter = replace(self.texter, language=language)
        return self.say("language")

    # --- keywords -------------------------------------------------------------------------------------

    def dispatch(self, command: Command) -> str:
        handlers = {
            Verb.VIOLATIONS: self.violations,
            Verb.LICENCE: self.licence,
            Verb.VEHICLES: self.vehicles,
            Verb.INSPECTION: self.inspection,
            Verb.EXAMS: self.exam_applications,
            Verb.BOOK_EXAM: lambda c: self.plans(self.party, c),
            Verb.CANCEL: self.cancel,
            Verb.EXTENSION: self.extension,
            Verb.ANNOUNCEMENTS: self.announcements,
            Verb.HANDLE: self.handle_violation,
            Verb.PAY: self.payment,
            Verb.DEFER: self.defer_violation,
            Verb.OBJECT: self.object_to_violation,
            Verb.CHANGE_NUMBER: self.change_number,
            Verb.CONFIRM: self.confirm,
            Verb.DECLINE: self.decline,
        }
        handler = handlers.get(command.verb)
        if handler is None:
            return self.help(None)
        try:
            return handler(command)
        except Refusal as refusal:
            return self.say("refusal", code=refusal.code, facts=refusal.facts)
        except StateUnavailable:
            return self.say("state", case="try_later")

    @property
    def ref(self) -> PartyRef | None:
        return PartyRef(self.party.kind, self.party.id) if self.party else None

    def violations(self, command: Command) -> str:
        rows = queries.violations(self.reader, self.rt.clock, self.party, command.plate)
        if command.plate and not rows and not any(
                v.plate == command.plate for v in queries.vehicles(self.session, self.rt.clock, self.party)):
            # A plate not on the sender's record gets what CL says of it, never an all-clear.
            return self.say("state", case="not_your_plate", plate=command.plate)
        open_rows = [v for v in rows if not (v.paid or v.revoked)]
        due = sum(v.total_due_fen for v in open_rows)
        # The numbers of the list, for BL / JK / HC / SS n within 10 minutes (numbered across pages).
        self._remember("violations", [{"ref": v.ref} for v in rows[:VIOLATION_CHOICES]])
        return self.replier().page("violations", rows, command.page, plate=command.plate, due_fen=due,
                                   open_count=len(open_rows), unhandled=sum(1 for v in rows if not v.handled),
                                   **self._common())

    def licence(self, command: Command) -> str:
        view = queries.licence_status(self.reader, self.rt.clock, self.party)
        return self.say("licence", licence=view)

    def vehicles(self, command: Command) -> str:
        rows = queries.vehicles(self.session, self.rt.clock, self.party)
        if command.plate:
            rows = [v for v in rows if v.plate == command.plate]
        return self.replier().page("vehicles", rows, command.page, plate=command.plate, **self._common())

    def inspection(self, command: Command) -> str:
        if not access.allowed(self.party, access.Action.INSPECTION_BOOKING):
            # Account level `none`: the open slots are public information (services/access.py, PUBLIC_INFO);
            # a plate or a number asks for their records or a booking, which the table does not give them.
            if command.number is None and command.plate is None:
                return self.public_slots()
        # The booking's own list of vehicles: the service refuses an account level that may not book.
        rows = inspections.vehicles(self.session, self.rt.clock, self.party)
        if command.plate:
            rows = [v for v in rows if v.plate == command.plate]
            if not rows:
                return self.say("state", case="not_your_plate", plate=command.plate)
        if command.number is not None:
            return self.propose_booking(command, rows)
        # Slots are offered unless every vehicle named is one that cannot be inspected now (each says why).
        bookable = not rows or any(v.inspection_refusal is None for v in rows)
        slots = inspections.open_slots(self.session, self.rt.clock, limit=SLOT_CANDIDATES) if bookable else []
        booked = inspections.bookings(self.session, self.rt.clock, self.party)
        text, shown = self.replier().first_fitting("inspection", slots, vehicles=rows, booked=booked,
                                                   several=len(rows) > 1, bookable=bookable, can_book=True,
                                                   **self._common())
        self._remember("slots", [{"slot_id": s.slot_id} for s in shown])
        return text

    def public_slots(self) -> str:
        """The open inspection slots for someone who may read them but not book (no record, or account
        level `none`): no numbers to reply with, and what booking needs instead."""
        slots = inspections.open_slots(self.session, self.rt.clock, limit=SLOT_CANDIDATES)
        text, _ = self.replier().first_fitting("inspection", slots, vehicles=[], booked=[], several=False,
                                               bookable=True, can_book=False, **self._common())
        return text

    def propose_booking(self, command: Command, rows: list[queries.VehicleView]) -> str:
        if len(rows) == 1:
            # A car that cannot be inspected now hears why first (Order 164), whatever number was sent, and
            # never a confirmation that YES would only meet with a refusal.
            inspections.check_bookable(self.session, self.rt.clock, self.party, rows[0].id)
        status, item = self.conversation.choice(self.ref, "slots", command.number)
        if status != "ok":
            return self.say("state", case=status, keyword="JY")
        if not rows:
            return self.say("state", case="no_vehicle")
        if len(rows) > 1:
            return self.say("state", case="which_vehicle", plates=[v.plate for v in rows[:4]],
                            number=command.number)
        vehicle = rows[0]
        slot = next((s for s in inspections.open_slots(self.session, self.rt.clock, limit=200)
                     if s.slot_id == item["slot_id"]), None)
        if slot is None:
            raise Refusal(RefusalCode.SLOT_FULL, slot_id=item["slot_id"])
        self.conversation.propose(self.ref, BookInspection(do="book", vehicle_id=vehicle.id, slot_id=slot.slot_id))
        return self.say("confirm", do="book", plate=vehicle.plate, slot=slot)

    def exam_applications(self, command: Command) -> str:
        rows = exams.applications(self.session, self.rt.clock, self.party, self.rt.calendar)
        return self.replier().page("exams", rows, command.page, **self._common())

    def plans(self, party: Party | None, command: Command) -> str:
        if command.subject is None:
            return self.say("state", case="which_subject")
        kind = f"plans:{command.subject}"
        if command.number is not None:
            if party is None:
                return self.say("who", case="unknown")
            # Checked again before asking for the Y: what was offered may have gone meanwhile.
            offer = exams.offer(self.session, self.rt.clock, self.rt.settings, party, command.subject)
            status, item = self.conversation.choice(self.ref, kind, command.number)
            if status != "ok":
                return self.say("state", case=status, keyword=f"YY {command.subject}")
            plan = next((p for p in offer.plans if p.plan_id == item["plan_id"]), None)
            if plan is None:
                raise offer.refusals.get(command.subject) or Refusal(
                    RefusalCode.BOOKING_CLOSED, plan_id=item["plan_id"], closed_at=None)
            self.conversation.propose(self.ref, ApplyExam(do="apply", plan_id=plan.plan_id))
            return self.say("confirm", do="apply", plan=plan)
        can_apply = party is not None and access.allowed(party, access.Action.EXAM_APPLICATION)
        if can_apply:
            # Only the plans this person may apply for, by the exam rules themselves (exams.offer); when
            # there are none, why not (already booked, too early, ...), before anyone is asked to choose.
            offer = exams.offer(self.session, self.rt.clock, self.rt.settings, party, command.subject)
            if not offer.plans and command.subject in offer.refusals:
                raise offer.refusals[command.subject]
            rows = offer.plans
        else:
            # Plans are public (PUBLIC_INFO): listed with no numbers to apply with (an organisation is told
            # it takes no exams).
            rows = exams.open_plans(self.session, self.rt.clock, command.subject, asker=party)
        text, shown = self.replier().first_fitting("plans", rows, subject=command.subject, can_apply=can_apply,
                                                   **self._common())
        if can_apply:
            self._remember(kind, [{"plan_id": p.plan_id} for p in shown])
        return text

    def cancel(self, command: Command) -> str:
        items = self._cancellable()  # first: the services refuse an account that may not cancel
        if command.number is not None:
            status, item = self.conversation.choice(self.ref, "cancel", command.number)
            if status != "ok":
                return self.say("state", case=status, keyword="QX")
            view = self._cancel_item(item, items)
            self._refuse_window_only(view)
            self.conversation.propose(self.ref, Cancel(do="cancel", kind=item["kind"], id=item["id"]))
            return self.say("confirm", do="cancel", item=view)
        text, shown = self.replier().first_fitting("cancel_list", [i for _, i in items], **self._common())
        keys = [key for key, _ in items][: len(shown)]
        self._remember("cancel", keys)
        return text

    # --- extensions (延期) and announcements (公告) ----------------------------------------------------------

    def extension(self, command: Command) -> str:
        """`YQ` asks for the kind, `YQ 1` for the reason, `YQ 1 2` for the years; `YQ 1 2 3` proposes the
        application, with the warning that the licence may not be used to drive during the extension."""
        licence_extensions.check_eligible(self.session, self.party)  # the window rule before any question
        numbers = command.numbers
        limits = (len(licence_extensions.KINDS), len(licence_extensions.REASONS), licence_extensions.MAX_YEARS)
        for position, (number, limit) in enumerate(zip(numbers, limits, strict=False)):
            if not 1 <= number <= limit:
                return self.say("extension", step=("kind", "reason", "years")[position], numbers=numbers[:position],
                                wrong=True, open_kinds=[])
        if len(numbers) < 3:
            open_kinds = [v.kind for v in licence_extensions.pending(self.session, self.party)] if not numbers else []
            return self.say("extension", step=("kind", "reason", "years")[len(numbers)], numbers=numbers,
                            wrong=False, open_kinds=open_kinds)
        kind = licence_extensions.KINDS[numbers[0] - 1]
        reason = licence_extensions.REASONS[numbers[1] - 1]
        for view in licence_extensions.pending(self.session, self.party):
            if view.kind == kind:  # say it now, not after the Y (apply checks again)
                raise Refusal(RefusalCode.EXTENSION_OPEN, kind=kind, application_id=view.id)
        self.conversation.propose(self.ref, ApplyExtension(do="extend", kind=kind, reason=reason, years=numbers[2]))
        return self.say("confirm", do="extend", kind=kind, reason=reason, years=numbers[2])

    def announcements(self, command: Command) -> str:
        clock = self.rt.clock
        if command.off:
            view = announcements.unsubscribe(self.session, clock, self.phone)
            return self.say("announcements", case="off" if view.changed else "not_on", area=view.area)
        view = announcements.subscribe(self.session, clock, self.phone, area=command.area, party=self.party,
                                       language=self.language())
        current = announcements.current(self.session, clock, view.area, limit=2)  # the most local first
        return self.say("announcements", case="on", area=view.area, own_region=command.area is None,
                        wider=announcements.levels(view.area)[1:], current=current,
                        opted_out=optouts.opted_out(self.session, self.phone))

    def withdraw_callback(self) -> str | None:
        """QX withdraws the number's callback request when nothing else is open to cancel for anyone on it
        (else the list of those comes first, as before); None when there is no callback to withdraw."""
        row = callbacks.open_for(self.session, self.phone)
        if row is None:
            return None
        for party in self.parties:
            self.party = party
            if access.allowed(party, access.Action.INSPECTION_BOOKING) and self._cancellable():
                self.party = None
                return None
        self.party = self.parties[0] if len(self.parties) == 1 else None
        # A number on no record answers in the language the caller chose on the phone.
        language = self.language() if self.parties or self.texter.language else row.language
        case = "cancelled"
        try:
            callbacks.cancel(self.session, self.now, number=self.phone)
        except Refusal:  # the call is ringing now: it settles by itself
            case = "calling"
        return Replier(language, self.rt.settings.sms_signature).text("callback", case=case, **self._common())

    # --- violations: handling (BL), paying (JK), deferring (HC), objecting (SS) ------------------------------

    def _chosen_violation(self, command: Command, keyword: str) -> str | tuple[str]:
        """The ref of violation n of the sender's last WZ list, or the reply that says why there is none."""
        violation_handling.check_allowed(self.party, paying=keyword == "JK")
        if command.number is None:
            return self.say("state", case="which_violation", keyword=keyword)
        status, item = self.conversation.choice(self.ref, "violations", command.number)
        if status != "ok":
            return self.say("state", case=status, keyword="WZ")
        return (item["ref"],)

    def handle_violation(self, command: Command) -> str:
        """`BL n`: the facts of violation n and the points it brings; `Y` sends the handling request."""
        chosen = self._chosen_violation(command, "BL")
        if isinstance(chosen, str):
            return chosen
        facts = violation_handling.check_handle(self.session, self.rt.clock, self.party, chosen[0])
        self.conversation.propose(self.ref, HandleViolation(do="handle", ref=chosen[0]))
        return self.say("confirm", do="handle", facts=facts)

    def defer_violation(self, command: Command) -> str:
        """`HC n months`: defer handling violation n (art. 53 ¶2); `Y` sends the application."""
        chosen = self._chosen_violation(command, "HC")
        if isinstance(chosen, str):
            return chosen
        if len(command.numbers) < 2:
            return self.say("state", case="which_months", number=command.number)
        months = command.numbers[1]
        facts = violation_handling.check_defer(self.session, self.rt.clock, self.party, chosen[0], months)
        self.conversation.propose(self.ref, DeferViolation(do="defer", ref=chosen[0], months=months))
        return self.say("confirm", do="defer", facts=facts)

    def object_to_violation(self, command: Command) -> str:
        """`SS n`: object to the camera record of violation n (art. 5 ¶3); `Y` sends the objection."""
        chosen = self._chosen_violation(command, "SS")
        if isinstance(chosen, str):
            return chosen
        facts = violation_handling.check_object(self.session, self.rt.clock, self.party, chosen[0])
        self.conversation.propose(self.ref, ObjectViolation(do="object", ref=chosen[0]))
        return self.say("confirm", do="object", facts=facts)

    # --- changing one's contact number (GH; services/number_change.py, art. 20 ¶2) ------------------------

    def change_number(self, command: Command) -> str:
        """`GH 13912345678`: a code goes to the new number; `GH 123456` (or the code alone) from this, the
        old number, within 10 minutes records the change. The sender's number on record is the first proof
        and the second message the action's confirmation; the code proves the new number."""
        number_change.check_allowed(self.party)
        digits = command.digits
        if digits is None:
            return self.say("number_change", case="how")
        if len(digits) == 6:
            new_phone = self.conversation.awaited_number(self.ref)
            if new_phone is None:
                return self.say("number_change", case="nothing_pending")
            # Not in a savepoint: a wrong code's failure must stay recorded (it counts toward the lockout).
            view = number_change.confirm(
                self.session, self.rt.clock, self.rt.settings, self.party, new_phone, digits, self.phone, CHANNEL
            )
            self.conversation.end_number_change()
            return self.say("number_change", case="recorded", view=view)
        if len(digits) > 11 and not digits.startswith("+"):
            digits = "+" + digits  # `GH +86139…`: the plus is lost in reading the text
        new_phone = number_change.read_number(digits)
        # Conversation state first: with Redis down the answer is "try later" and no code is issued or counted.
        self.conversation.await_number_code(self.ref, new_phone)
        try:
            issued = number_change.start(self.session, self.rt.clock, self.rt.settings, self.party, new_phone)
        except Refusal:
            self.conversation.end_number_change()  # no code went to this number: nothing waits for one
            raise
        minutes = int(identity.CODE_LIFETIME.total_seconds() // 60)
        # The carrier's rule: every text starts with the sender's signature; the outbox sends bodies as given.
        body = self.rt.settings.sms_signature + render(self.language(), "texts/code", code=issued.code, minutes=minutes)
        self.texts.append(outbox.queue_text(self.session, self.now, to=issued.phone, body=body, purpose="code"))
        return self.say("number_change", case="code_sent", new_phone=mask_phone(new_phone))

    def payment(self, command: Command) -> str:
        """`JK`: how to pay each decided, unpaid fine; `JK n`: violation n of the WZ list."""
        clock = self.rt.clock
        violation_handling.check_allowed(self.party, paying=True)
        if command.number is not None:
            chosen = self._chosen_violation(command, "JK")
            if isinstance(chosen, str):
                return chosen
            views = [violation_handling.payment(self.session, clock, self.party, chosen[0])]
        else:
            rows = queries.violations(self.session, clock, self.party)
            views = [violation_handling.payment(self.session, clock, self.party, v.ref)
                     for v in rows if v.handled and not v.paid and not v.revoked]
        text, _ = self.replier().first_fitting("payment", views, today=china_today(clock), **self._common())
        return text

    def _refuse_window_only(self, view: Any) -> None:
        """Say now, not after the `Y`, that a closed booking can only be given up at the window: a prompt
        must not promise what the service will refuse (exams.cancel makes the same check again)."""
        if not isinstance(view, exams.ApplicationView) or view.cancellable_online:
            return
        deadline = exams.window_deadline(self.rt.calendar, view.date)
        if deadline < china_today(self.rt.clock):
            raise Refusal(RefusalCode.TOO_LATE, exam_date=view.date)
        raise Refusal(RefusalCode.WINDOW_ONLY, window_deadline=deadline, exam_date=view.date)

    def _cancellable(self) -> list[tuple[dict[str, Any], Any]]:
        items: list[tuple[dict[str, Any], Any]] = []
        if access.allowed(self.party, access.Action.EXAM_APPLICATION):
            for application in exams.applications(self.session, self.rt.clock, self.party, self.rt.calendar):
                if application.status in OPEN_APPLICATION_STATUSES:
                    items.append(({"kind": "exam", "id": application.id}, application))
        for booking in inspections.bookings(self.session, self.rt.clock, self.party):
            items.append(({"kind": "booking", "id": booking.id}, booking))
        for extension in licence_extensions.pending(self.session, self.party):
            items.append(({"kind": "extension", "id": extension.id}, extension))
        return items

    def _cancel_item(self, key: dict[str, Any], items: list[tuple[dict[str, Any], Any]]) -> Any:
        for candidate, view in items:
            if candidate == {"kind": key["kind"], "id": key["id"]}:
                return view
        if key["kind"] == "extension":
            raise Refusal(RefusalCode.NO_SUCH_EXTENSION, application_id=key["id"])
        if key["kind"] == "exam":
            raise Refusal(RefusalCode.NO_SUCH_APPLICATION, application_id=key["id"])
        raise Refusal(RefusalCode.NO_SUCH_BOOKING, booking_id=key["id"])

    def confirm(self, command: Command) -> str:
        action = self.conversation.take_pending(self.ref)
        if action is None:
            return self.say("state", case="nothing_pending")
        clock, calendar = self.rt.clock, self.rt.calendar
        # A savepoint: a refusal half way leaves nothing of the action behind.
        with self.session.begin_nested():
            if action["do"] == "apply":
                view = exams.apply(self.session, clock, calendar, self.rt.settings, self.party, action["plan_id"],
                                   CHANNEL)
            elif action["do"] == "extend":
                view = licence_extensions.apply(self.session, clock, self.party, kind=action["kind"],
                                                reason=action["reason"], years=action["years"], acknowledged=True,
                                                channel=CHANNEL)
            elif action["do"] == "handle":
                view = violation_handling.request_handling(self.session, clock, self.party, action["ref"], CHANNEL)
            elif action["do"] == "defer":
                view = violation_handling.request_deferral(self.session, clock, self.party, action["ref"],
                                                           action["months"], CHANNEL)
            elif action["do"] == "object":
                view = violation_handling.request_objection(self.session, clock, self.party, action["ref"], CHANNEL)
            elif action["do"] == "book":
                view = inspections.book(self.session, clock, self.party, action["vehicle_id"], action["slot_id"],
                                        CHANNEL)
            elif action["kind"] == "exam":
                view = exams.cancel(self.session, clock, calendar, self.party, action["id"], CHANNEL)
            elif action["kind"] == "extension":
                view = licence_extensions.cancel(self.session, clock, self.party, action["id"], CHANNEL)
            else:
                view = inspections.cancel(self.session, clock, self.party, action["id"], CHANNEL)
        done = action["do"] if action["do"] != "cancel" else f"cancel_{action['kind']}"
        return self.say("done", do=done, view=view)

    def decline(self, command: Command) -> str:
        action = self.conversation.take_pending(self.ref)
        return self.say("state", case="declined" if action else "nothing_pending")

    def _remember(self, kind: str, items: list[dict[str, Any]]) -> None:
        try:
            self.conversation.remember_choices(self.ref, kind, items)
        except StateUnavailable:
            pass  # the list is still worth reading; choosing from it will say "try later"
