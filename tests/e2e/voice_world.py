"""Callers for the voice conversation tests, built with the factories and the real services.

A `Persona` describes a kind of caller (a PIN holder with five cars, a shared family phone, an unknown
number, ...). Each call gets a fresh instance (new ID numbers, new phone number) so that what one call
does (a booking, a verification lock) never changes what the next call can reach. A persona also says
what its caller types at each digit-entry node, each entry labelled with the outcome it leads to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import select, text

from hotline.clock import CHINA, FixedClock
from hotline.db import Notice
from hotline.services import exams, identity, inspections, licence_extensions
from hotline.validation import id_check_char
from tests import factories as f
from tests.conftest import DEFAULT_NOW

PIN = "246810"
WRONG_PIN = "000000"
NIGHT = datetime(2026, 11, 24, 20, 0, tzinfo=CHINA)
AFTER_EVERYTHING = datetime(2026, 12, 21, 10, 0, tzinfo=CHINA)  # a Monday after every plan and slot
UNKNOWN_ID = f.valid_id_number(date(1970, 1, 1), "110101", 999)
BAD_ID = UNKNOWN_ID[:17] + ("0" if UNKNOWN_ID[17] != "0" else "1")

Value = str | Callable[[], str | None]


@dataclass
class Caller:
    """One instance of a persona: who calls, and what they type where."""

    phone: str
    entries: dict[str, list[tuple[Value, str | None]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Persona:
    name: str
    build: Callable[[World], Caller]
    at: datetime = DEFAULT_NOW
    fault: Callable[[World], AbstractContextManager] | None = None  # what breaks while this caller calls


def keyed(id_number: str) -> str:
    """An ID number as typed on a keypad: `*` for X, `#` to end."""
    return id_number.replace("X", "*") + "#"


def latest_code(rt, phone: str) -> Callable[[], str | None]:
    """The one-time code last texted to `phone`, read from the outbox as the phone would read it."""

    def read() -> str | None:
        with rt.transaction(read_only=True) as session:
            body = session.scalar(
                select(Notice.body).where(Notice.kind == "X01", Notice.phone == phone).order_by(Notice.id.desc())
            )
        found = re.search(r"(\d{6})", body or "")
        return found.group(1) if found else None

    return read


def twin_ids() -> tuple[str, str]:
    """Two valid ID numbers with the same last 4 characters (a family phone where last 4 cannot decide)."""
    seq = f._next() % 1000
    first = f.valid_id_number(date(1980, 1, 1), "350203", seq)
    day = date(1980, 1, 2)
    while True:
        first17 = f"350203{day:%Y%m%d}{seq:03d}"
        if id_check_char(first17) == first[-1]:
            return first, first17 + first[-1]
        day += timedelta(days=1)


class World:
    """The shared records (exam plans, inspection slots) and the factory of callers."""

    def __init__(self, rt) -> None:
        self.rt = rt
        self.plans = [
            f.exam_plan(subject=subject, classes=["C1"], date=f"2026-12-{day:02d}", capacity=30)
            for subject, day in (("KM2", 8), ("KM3", 9), ("KM3W", 10), ("KM2", 11), ("KM3", 14), ("KM2", 15))
        ]
        # Closed yesterday, exam next week, not yet allocated: a pending application can only be given up
        # at the window.
        self.closed_plan = f.exam_plan(subject="KM2", classes=["C1"], date="2026-11-30",
                                       booking_closes_at="2026-11-24T09:00:00+08:00", capacity=30)
        self.slots = [
            f.inspection_slot(starts_at=f"2026-12-{day:02d}T09:00:00+08:00",
                              ends_at=f"2026-12-{day:02d}T10:00:00+08:00", capacity=200)
            for day in range(1, 7)
        ]
        # Four announcements for the district the factories' ID numbers come from (a page of three, then
        # more), none for the organisations' city code.
        self.announcements = [f.announcement(area="350203") for _ in range(4)]
        with rt.sessions() as session:
            f.store(session, *self.plans, self.closed_plan, *self.slots, *self.announcements)

    def store(self, *records) -> None:
        with self.rt.sessions() as session:
            f.store(session, *records, pepper=self.rt.settings.pin_pepper)

    def party(self, phone: str, last4: str | None = None):
        with self.rt.transaction(read_only=True) as session:
            parties = identity.identify(session, phone)
        return next(p for p in parties if last4 is None or p.id_last4 == last4)

    def pin_entries(self, pin: str = PIN) -> dict:
        return {"ask_pin": [(pin, "ok"), (WRONG_PIN, "failed"), (WRONG_PIN, "locked")]}

    def code_entries(self, node: str, phone: str) -> dict:
        return {node: [(latest_code(self.rt, phone), "ok"), (WRONG_PIN, "failed"), (WRONG_PIN, "locked")]}

    # --- the personas ------------------------------------------------------------------------------

    def full(self, pin: bool = True) -> Caller:
        """A registered learner with a licence, five cars, four violations on the first; a PIN, or a code
        by text (the explorer's workhorses verify by code: a PIN hash is deliberately slow)."""
        someone = f.person(pin=PIN if pin else None, account="internet")
        cars = [f.vehicle(someone) for _ in range(5)]
        fines = [f.violation(cars[0], fine_cny=200 + i) for i in range(3)]
        fines.append(f.violation(cars[0], handled=True, decided_at="2026-11-01T10:00:00+08:00"))
        self.store(someone, f.licence(someone, review_due="2027-03-15"), *cars, *fines, f.learner(someone))
        return Caller(someone["phone"], self.pin_entries() if pin else self.code_entries("ask_code", someone["phone"]))

    def learner_with(self, **learner: object) -> Caller:
        """A registered learner with a PIN and nothing else; `learner` overrides the learner record."""
        someone = f.person(pin=PIN, account="internet")
        self.store(someone, f.learner(someone, **learner))
        return Caller(someone["phone"], self.pin_entries())

    def owner(self, *cars: dict, pin: bool = True) -> Caller:
        """A registered person and one car per dict of factory overrides (status, dates); a PIN, or a code."""
        someone = f.person(pin=PIN if pin else None, account="internet")
        self.store(someone, *(f.vehicle(someone, **car) for car in cars))
        return Caller(someone["phone"], self.pin_entries() if pin else self.code_entries("ask_code", someone["phone"]))

    def decided_fine(self) -> Caller:
        """One camera record, already decided and unpaid with its payment reference: paying is read out;
        handling, deferring and objecting are refused (services/violation_handling.py)."""
        someone = f.person(account="internet")
        car = f.vehicle(someone)
        decided = f.violation(car, handled=True, decided_at="2026-11-21T10:00:00+08:00",
                              decision_number="3502031900012345", payment_reference="350200260001234567",
                              driver_id_number=someone["id_number"])
        self.store(someone, f.licence(someone), car, decided)
        return Caller(someone["phone"], self.code_entries("ask_code", someone["phone"]))

    def changing_number(self) -> Caller:
        """A registered person verified by code who changes their contact number (art. 20 ¶2): a new
        number nobody has (a code goes there) or one on record for someone else (refused); then the code
        the new phone received, or a wrong one."""
        someone, other = f.person(account="internet"), f.person()
        self.store(someone, other)
        new = f.valid_phone()
        digits = new.removeprefix("+86")
        return Caller(someone["phone"], {
            **self.code_entries("ask_code", someone["phone"]),
            "ask_new_number": [(digits, "sent"), (other["phone"].removeprefix("+86"), "refused")],
            "ask_number_code": [(latest_code(self.rt, new), "ok"), (WRONG_PIN, "refused")],
        })

    def stolen_car(self) -> Caller:
        """A car recorded as stolen (Order 164 art. 76): inspection booking is refused before any time."""
        return self.owner({"status": "C"}, pin=False)

    def booked(self, pin: bool = True) -> Caller:
        """Two exam applications still pending, KM2 and KM3 (the most a learner can have waiting: KM3W
        follows passing both, Order 162 art. 39), two cancelled before them, three cars each booked for
        inspection."""
        someone = f.person(pin=PIN if pin else None, account="window")
        cars = [f.vehicle(someone) for _ in range(3)]
        self.store(someone, f.licence(someone), *cars, f.learner(someone))
        party = self.party(someone["phone"])
        rt = self.rt
        with rt.transaction() as session:
            for plan in (self.plans[0], self.plans[4]):
                withdrawn = exams.apply(session, rt.clock, rt.calendar, rt.settings, party, plan["plan_id"], "api")
                exams.cancel(session, rt.clock, rt.calendar, party, withdrawn.id, "api")
            for plan in (self.plans[3], self.plans[1]):
                exams.apply(session, rt.clock, rt.calendar, rt.settings, party, plan["plan_id"], "api")
            vehicles = {v.plate: v.id for v in _vehicles(session, rt, party)}
            for car, slot in zip(cars, self.slots, strict=False):
                inspections.book(session, rt.clock, party, vehicles[car["plate"]], slot["slot_id"], "api")
        return Caller(someone["phone"], self.pin_entries() if pin else self.code_entries("ask_code", someone["phone"]))

    def extending(self) -> Caller:
        """A window user with a licence and an extension of every kind waiting for the upstream: another is
        refused, and the waiting ones can be withdrawn."""
        someone = f.person(account="window")
        self.store(someone, f.licence(someone))
        party = self.party(someone["phone"])
        with self.rt.transaction() as session:
            for kind in licence_extensions.KINDS:
                licence_extensions.apply(session, self.rt.clock, party, kind=kind, reason="abroad", years=2,
                                 acknowledged=True, channel="sms")
        return Caller(someone["phone"], self.code_entries("ask_code", someone["phone"]))

    def window_only(self) -> Caller:
        """A pending application to a plan whose booking has closed: cancelling is refused (window only)."""
        someone = f.person()
        self.store(someone, f.learner(someone))
        party = self.party(someone["phone"])
        earlier = FixedClock(datetime(2026, 11, 20, 10, 0, tzinfo=CHINA))
        with self.rt.transaction() as session:
            exams.apply(session, earlier, self.rt.calendar, self.rt.settings, party,
                        self.closed_plan["plan_id"], "api")
        return Caller(someone["phone"], self.code_entries("ask_code", someone["phone"]))

    def by_code(self) -> Caller:
        """No PIN: verified by a code texted to the number on record. One car, no violations, no licence."""
        someone = f.person(account="internet")
        self.store(someone, f.vehicle(someone))
        return Caller(someone["phone"], self.code_entries("ask_code", someone["phone"]))

    def unregistered(self) -> Caller:
        someone = f.person(pin=PIN, account="none")
        self.store(someone)
        return Caller(someone["phone"], self.pin_entries())

    def organisation(self) -> Caller:
        firm = f.organisation(pin=PIN)
        self.store(firm)
        return Caller(firm["phone"], self.pin_entries())

    def family(self) -> Caller:
        """Two people on one phone: the last 4 of the ID number decide."""
        first = f.person(pin=PIN)
        second = f.person(phone=first["phone"])
        self.store(first, second)
        return Caller(first["phone"], {
            "ask_last4": [(first["id_number"][-4:].replace("X", "*"), "found"), ("0000", "not_found")],
            **self.pin_entries(),
        })

    def twins(self) -> Caller:
        """Two people on one phone with the same last 4: only the whole ID number decides."""
        one, two = twin_ids()
        first = f.person(id_number=one)
        second = f.person(id_number=two, phone=first["phone"])
        self.store(first, second)
        return Caller(first["phone"], {
            "ask_last4": [(one[-4:].replace("X", "*"), "ambiguous"), ("0000", "not_found")],
            **self._id_entries(first),
        })

    def stranger(self) -> Caller:
        """A number on no record: the caller types an ID number (a real one, an unknown one, a wrong one)."""
        someone = f.person()
        self.store(someone)
        return Caller(f.valid_phone(), self._id_entries(someone))

    def withheld(self) -> Caller:
        """A withheld number (Twilio's `anonymous`): asked for an ID number; cannot be called back."""
        someone = f.person()
        self.store(someone)
        return Caller("anonymous", self._id_entries(someone))

    def callback_waiting(self) -> Caller:
        """A caller who already asked to be called back (the request still open)."""
        from hotline.services import callbacks

        caller = self.full(pin=False)
        with self.rt.transaction() as session:
            callbacks.request(session, self.rt.clock.now(), self.rt.calendar, self.rt.settings.office_hours,
                              number=caller.phone, party=None, menu_node="main_menu", language="zh-CN")
        return caller

    def _id_entries(self, someone: dict) -> dict:
        return {
            "ask_id": [(keyed(someone["id_number"]), "sent"), (keyed(UNKNOWN_ID), "sent"), (keyed(BAD_ID), "invalid")],
            **self.code_entries("ask_code_by_id", someone["phone"]),
        }

    def locked_person(self) -> Caller:
        """Five wrong PINs a minute ago: verification is locked for this person."""
        someone = f.person(pin=PIN)
        self.store(someone)
        party = self.party(someone["phone"])
        rt = self.rt
        with rt.transaction() as session:
            for _ in range(5):
                identity.verify_pin(session, rt.clock, rt.settings, party, WRONG_PIN, someone["phone"])
        return Caller(someone["phone"], self.pin_entries())

    def locked_number(self) -> Caller:
        """A number that failed five codes a minute ago: it may not try an ID number now."""
        phone = f.valid_phone()
        rt = self.rt
        with rt.transaction() as session:
            for _ in range(5):
                identity.verify_code(session, rt.clock, rt.settings, None, WRONG_PIN, phone)
        return Caller(phone, {"ask_id": [(keyed(UNKNOWN_ID), "locked")]})

    def no_more_codes(self) -> Caller:
        """Five codes in the last hour already: no sixth is sent."""
        someone = f.person()
        self.store(someone)
        party = self.party(someone["phone"])
        with self.rt.transaction() as session:
            for _ in range(5):
                identity.issue_code(session, self.rt.clock, self.rt.settings, party)
        return Caller(someone["phone"])

    @contextmanager
    def table_missing(self, table: str = "person") -> Iterator[None]:
        """A real database failure: the table the first query needs is gone while the call runs."""
        with self.rt.engine.begin() as connection:
            connection.execute(text(f"ALTER TABLE {table} RENAME TO {table}_unavailable"))
        try:
            yield
        finally:
            with self.rt.engine.begin() as connection:
                connection.execute(text(f"ALTER TABLE {table}_unavailable RENAME TO {table}"))

    def personas(self) -> list[Persona]:
        return [
            Persona("full", partial(World.full, pin=False)),
            Persona("booked", partial(World.booked, pin=False)),
            Persona("by_code", World.by_code),
            Persona("family", World.family),
            Persona("stranger", World.stranger),
            Persona("organisation", World.organisation),
            Persona("unregistered", World.unregistered),
            Persona("twins", World.twins),
            Persona("window_only", World.window_only),
            Persona("extending", World.extending),
            Persona("stolen_car", World.stolen_car),
            Persona("decided_fine", World.decided_fine),
            Persona("changing_number", World.changing_number),
            Persona("locked_person", World.locked_person),
            Persona("locked_number", World.locked_number),
            Persona("no_more_codes", World.no_more_codes),
            Persona("full_at_night", partial(World.full, pin=False), at=NIGHT),
            Persona("withheld_at_night", World.withheld, at=NIGHT),
            Persona("callback_waiting_at_night", World.callback_waiting, at=NIGHT),
            Persona("full_too_late", partial(World.full, pin=False), at=AFTER_EVERYTHING),
            Persona("unregistered_too_late", World.unregistered, at=AFTER_EVERYTHING),
            Persona("database_fails", partial(World.full, pin=False), fault=World.table_missing),
        ]


def _vehicles(session, rt, party):
    from hotline.services import queries

    return queries.vehicles(session, rt.clock, party)
