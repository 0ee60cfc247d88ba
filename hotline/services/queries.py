"""A caller's own records as facts: licence, vehicles, violations (the words belong to the channels).

Every query checks the account level first (services/access.py): a person needs OWN_QUERIES, an
organisation ORG_VEHICLES, and a refusal is a `NotPermitted` from `access.require`.

What a party sees:
- a person: the licence held under their ID number; the vehicles they own; the violations of those
  vehicles *and* the violations whose points went to them as the driver (`driver_id_number`) on someone
  else's vehicle, because those points are on their licence and the fine is theirs to settle. They never
  see other violations of that other vehicle.
- an organisation: its vehicles and their violations.

Money is in fen. Late fee (行政处罚法 art. 72, docs/records.md): a decision served on day D is due by D + 15
(China dates); from D + 16 on, 3 % of the fine is added for each day, so D + 16 owes 3 %, D + 17 owes 6 %;
never more than the fine; nothing when paid or revoked. Integer arithmetic, half up (the rule:
hotline/domain/fines.py).

Scoring cycles are the 12-month periods counted from the first issue (hotline/domain/scoring.py). A licence
first issued on 29 February starts its cycles on 1 March in common years: the 12 months counted from 29
February end on the last day of February (the civil code's rule when the corresponding day does not
exist), so every cycle of that licence ends on 28 February.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import Connection, Integer, String, bindparam, func, select, union_all
from sqlalchemy.orm import Session

from hotline.clock import Clock, china_today
from hotline.db import Licence, Person, Vehicle, Violation, core_rows

from .. import calendar as work_calendar
from ..domain import fines
from ..domain.inspection_rules import inspection_exempt, why_not_bookable, window_opens
from ..domain.scoring import FULL_POINTS, scoring_cycle
from ..domain.vehicles import PLATE_SEPARATORS
from .access import Action, query_action, require
from .identity import Party
from .statuses import licence_status_words, vehicle_status_words


@dataclass(frozen=True)
class LicenceView:
    classes: tuple[str, ...]
    status: str  # letters, e.g. "A", "HM"
    status_zh: tuple[str, ...]  # 正常, 违法未处理 ...
    status_en: tuple[str, ...]
    first_issued: date
    valid_until: date | None  # None: long-term (长期)
    expired: bool  # valid_until is before today
    points: int  # in the current scoring cycle
    points_left: int  # 12 - points, not below 0
    cycle_start: date
    cycle_end: date  # last day of the current scoring cycle
    carried_points: int
    review_due: date | None
    physical_due: date | None
    probation_until: date | None
    probation_classes: tuple[str, ...]  # empty when no probation is on record
    on_probation: bool  # probation_until is today or later
    extension_until: date | None
    age_extension_until: date | None

    @property
    def long_term(self) -> bool:
        return self.valid_until is None

    def status_words(self, language: str) -> tuple[str, ...]:
        return self.status_en if language == "en" else self.status_zh


@dataclass(frozen=True)
class VehicleView:
    id: int
    plate: str
    plate_type: str
    status: str
    status_zh: tuple[str, ...]
    status_en: tuple[str, ...]
    use: str
    vehicle_kind: str | None
    registered_on: date
    inspection_valid_until: date
    inspection_overdue: bool  # inspection_valid_until is before today
    inspection_exempt: bool  # applies for the label, no station test (Order 164 art. 55)
    inspection_opens: date  # the first day an inspection can be booked (art. 54: three months ahead)
    inspection_refusal: str | None  # why no inspection can be booked today (domain/inspection_rules.py), None if it can
    scrap_deadline: date | None
    unhandled_count: int  # violations without a decision yet (not revoked)
    unpaid_count: int  # decided, not paid, not revoked

    def status_words(self, language: str) -> tuple[str, ...]:
        return self.status_en if language == "en" else self.status_zh


@dataclass(frozen=True)
class ViolationView:
    ref: str
    plate: str
    plate_type: str
    occurred_at: datetime
    location: str
    code: str
    description: str
    fine_fen: int
    points: int
    handled: bool
    paid: bool
    revoked: bool
    decided_at: datetime | None
    pay_by: date | None  # last China date without a late fee (decision date + 15)
    late_fee_fen: int  # owed today
    total_due_fen: int  # fine + late fee still to pay; 0 when paid or revoked
    decision_number: str | None = None  # 处罚决定书编号, once decided (services/violation_handling.py)
    payment_reference: str | None = None  # 缴款编号: what the fine is paid under


# --- licence --------------------------------------------------------------------------------------


def licence_status(session: Session | Connection, clock: Clock, party: Party) -> LicenceView | None:
    """The person's licence, or None when they hold none."""
    require(party, Action.OWN_QUERIES)
    licence = core_rows(session, _licence_query(), {"person_id": party.id}).first()
    if licence is None:
        return None
    today = china_today(clock)
    start, end = scoring_cycle(licence.first_issued, today)
    classes = tuple(licence.classes or ())
    probation_classes: tuple[str, ...] = ()
    if licence.probation_until is not None:
        # docs/records.md: all classes are on probation when the record names none.
        probation_classes = tuple(licence.probation_classes or classes)
    return LicenceView(
        classes=classes,
        status=licence.status,
        status_zh=tuple(licence_status_words(licence.status, "zh-CN")),
        status_en=tuple(licence_status_words(licence.status, "en")),
        first_issued=licence.first_issued,
        valid_until=licence.valid_until,
        expired=licence.valid_until is not None and licence.valid_until < today,
        points=licence.points,
        points_left=max(FULL_POINTS - licence.points, 0),
        cycle_start=start,
        cycle_end=end,
        carried_points=licence.carried_points or 0,
        review_due=licence.review_due,
        physical_due=licence.physical_due,
        probation_until=licence.probation_until,
        probation_classes=probation_classes,
        on_probation=licence.probation_until is not None and licence.probation_until >= today,
        extension_until=licence.extension_until,
        age_extension_until=licence.age_extension_until,
    )


@cache
def _licence_query():
    """The licence of the person `:person_id`, as a row of the table's columns; built once (built on every
    call, the statement and its cache key were a few per cent of a voice licence step's CPU)."""
    table = Licence.__table__
    return select(table).where(table.c.person_id == bindparam("person_id", type_=Integer))


# --- vehicles -------------------------------------------------------------------------------------


def vehicles(session: Session, clock: Clock, party: Party) -> list[VehicleView]:
    """The party's own vehicles (a person's, or an organisation's), in the order they were recorded."""
    require(party, query_action(party))
    today = china_today(clock)
    # Counted per vehicle through the vehicle_id index: a GROUP BY over the violation table joined
    # afterwards would add up everyone's violations on every query.
    unhandled = _count_of(Vehicle, ~Violation.handled & ~Violation.revoked)
    unpaid = _count_of(Vehicle, Violation.handled & ~Violation.paid & ~Violation.revoked)
    rows = session.execute(select(Vehicle, unhandled, unpaid).where(owned_by(party)).order_by(Vehicle.id))
    return [_vehicle_view(v, unhandled or 0, unpaid or 0, today) for v, unhandled, unpaid in rows]


def _count_of(vehicle, condition):
    return (
        select(func.count(Violation.id))
        .where(Violation.vehicle_id == vehicle.id, condition)
        .correlate(vehicle)
        .scalar_subquery()
    )


def owned_by(party: Party):
    """The condition on Vehicle that picks the party's own vehicles (a person's, or an organisation's)."""
    return _owner_column(party.kind) == party.id


def _owner_column(kind: str):
    return Vehicle.owner_org_id if kind == "organisation" else Vehicle.owner_person_id


def _vehicle_view(vehicle: Vehicle, unhandled: int, unpaid: int, today: date) -> VehicleView:
    overdue = vehicle.inspection_valid_until < today
    # A car past its inspection date is not "normal" whatever the upstream's letters still say: the
    # answer would read "正常 … 已逾期未检验" at once. Overdue shows as Q (逾期未检验) in place of A.
    letters = vehicle.status or ""
    if overdue:
        letters = letters.replace("A", "") + ("" if "Q" in letters else "Q")
    return VehicleView(
        id=vehicle.id,
        plate=vehicle.plate,
        plate_type=vehicle.plate_type,
        status=vehicle.status,
        status_zh=tuple(vehicle_status_words(letters, "zh-CN")),
        status_en=tuple(vehicle_status_words(letters, "en")),
        use=vehicle.use,
        vehicle_kind=vehicle.vehicle_kind,
        registered_on=vehicle.registered_on,
        inspection_valid_until=vehicle.inspection_valid_until,
        inspection_overdue=overdue,
        inspection_exempt=inspection_exempt(
            vehicle.use, vehicle.vehicle_kind, vehicle.registered_on, vehicle.inspection_valid_until
        ),
        inspection_opens=window_opens(vehicle.inspection_valid_until),
        inspection_refusal=why[0] if (why := why_not_bookable(vehicle, today)) else None,
        scrap_deadline=vehicle.scrap_deadline,
        unhandled_count=int(unhandled),
        unpaid_count=int(unpaid),
    )


# --- violations -----------------------------------------------------------------------------------


def violations(
    session: Session | Connection, clock: Clock, party: Party, plate: str | None = None
) -> list[ViolationView]:
    """The party's violations, unhandled first, then the most recent first; optionally for one plate.

    A plate the party has nothing to do with gives an empty list, never someone else's records.
    """
    require(party, query_action(party))
    today = china_today(clock)
    params = {"party_id": party.id}
    if plate is not None:
        params["plate"] = normalise_plate(plate)
    rows = core_rows(session, _violations_query(party.kind, plate is not None), params)
    return [_violation_view(row, row.plate, row.plate_type, today) for row in rows]


@cache
def _violations_query(kind: str, by_plate: bool):
    """The violations of the party `:party_id` of this kind (and of the vehicle `:plate`), as rows of the
    violation's columns with the vehicle's `plate` and `plate_type`; built once."""
    party_id = bindparam("party_id", type_=Integer)
    mine = Violation.vehicle_id.in_(select(Vehicle.id).where(_owner_column(kind) == party_id))
    if kind == "person":
        # The person's ID number is read in the same query: a subquery compares with `=`, so a person no
        # longer on record (NULL) matches nothing, never the violations without a known driver. The two
        # halves are a UNION, not an OR, so that each uses its index (vehicle_id; the driver's): PostgreSQL
        # cannot use an index for `IN (subquery) OR ...` and would read the whole violation table.
        id_number = select(Person.id_number).where(Person.id == party_id).scalar_subquery()
        driven = select(Violation.id).where(Violation.driver_id_number == id_number)
        mine = Violation.id.in_(union_all(select(Violation.id).where(mine), driven))
    violation = Violation.__table__
    query = (
        select(violation, Vehicle.plate, Vehicle.plate_type)
        .join(Vehicle, Vehicle.id == Violation.vehicle_id)
        .where(mine)
        .order_by(Violation.handled, Violation.occurred_at.desc(), Violation.ref)
    )
    if by_plate:
        query = query.where(Vehicle.plate == bindparam("plate", type_=String))
    return query


def normalise_plate(plate: str) -> str:
    """`闽d·12345 ` -> `闽D12345`: the display dot and spaces dropped, letters in capitals (the same
    separators as validation drops from a record's plate, so what was stored is what is asked for)."""
    return "".join(ch for ch in plate if ch not in PLATE_SEPARATORS).upper()


def _violation_view(violation: Violation, plate: str, plate_type: str, today: date) -> ViolationView:
    settled = violation.paid or violation.revoked
    calendar = work_calendar.official()
    late_fee = fines.late_fee_fen(
        violation.fine_fen, violation.decided_at, today, calendar, violation.revoked, paid=violation.paid
    )
    due_by = fines.pay_by(violation.decided_at, calendar) if violation.decided_at is not None else None
    return ViolationView(
        ref=violation.ref,
        plate=plate,
        plate_type=plate_type,
        occurred_at=violation.occurred_at,
        location=violation.location,
        code=violation.code,
        description=violation.description,
        fine_fen=violation.fine_fen,
        points=violation.points,
        handled=violation.handled,
        paid=violation.paid,
        revoked=violation.revoked,
        decided_at=violation.decided_at,
        pay_by=due_by,
        late_fee_fen=late_fee,
        total_due_fen=0 if settled else violation.fine_fen + late_fee,
        decision_number=violation.decision_number,
        payment_reference=violation.payment_reference,
    )
