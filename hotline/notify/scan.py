"""The daily scan: plan every date-triggered notice due on a day (docs/notices.md, trigger "date").

Each kind and stage is one range query on an indexed date column: a stage due `offset` days from a record's
date is due on `day` when the date is `day - offset`. With the catch-up rule (a stage whose day passed at
most 14 days ago is still planned) the range is 15 days wide. A reminder stage (negative offset) is only
ever found while its date is still ahead, since the window ends before it; an overdue stage is read from
the stored date, which the upstream moves when the licence is renewed or the vehicle inspected, so a
record still in the window is still overdue. A `NOT EXISTS` against the notice key keeps the rows already
planned out of Python, so the work grows with the notices due, never with the records kept.

The few rules that are not a date comparison (V01 or V02 by the car's age on the due date, inactive
records, a learner who passed everything) are applied in Python to the rows of the window only. All kinds
are planned as one batch (see `planner.plan_counted`).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import exists, literal, or_, select
from sqlalchemy.orm import Session

from ..calendar import official
from ..clock import CHINA
from ..db import Learner, Licence, Notice, Person, Vehicle, Violation
from ..domain import fines, licence_review
from ..domain.inspection_rules import inspection_exempt  # V01 or V02 (Order 164 art. 55)
from ..domain.licences import AB_CLASSES, INACTIVE_LICENCE, LICENCE_CLASSES, permit_subjects_passed
from ..domain.vehicles import GONE_VEHICLE
from . import store
from .planner import Planned, plan_counted

CATCH_UP_DAYS = 14
ANALYZE_AFTER = 1000  # notices planned in one scan


@dataclass
class ScanResult:
    day: date
    by_kind: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


@dataclass(frozen=True)
class Stage:
    """One stage of a date-triggered kind: due `offset` days from the record's date."""

    kind: str
    offset: int
    label: str  # the occasion's stage: "-90", "+1", "scrap" ...


def occasion(due: date, label: str) -> str:
    return f"due:{due.isoformat()}:{label}"


def window(day: date, offset: int) -> tuple[date, date]:
    """Record dates whose stage (date + offset) fell on `day` or at most CATCH_UP_DAYS before it."""
    return day - timedelta(days=offset + CATCH_UP_DAYS), day - timedelta(days=offset)


# --- the scan -------------------------------------------------------------------------------------------


def scan(session: Session, day: date, *, now: datetime, dry_run: bool = False,
         progress: Callable[[int], None] | None = None) -> ScanResult:
    """Plan (or, with `dry_run`, only count) every date-triggered notice due on `day`.

    `progress(rules_done)` is called after each rule (the CLI shows it with hotline.progress)."""
    started = time.perf_counter()
    result = ScanResult(day=day, dry_run=dry_run)
    due = []
    for done, rule in enumerate(RULES, start=1):
        due.extend(rule(session, day))
        if progress is not None:
            progress(done)
    if dry_run:
        result.by_kind.update(n.kind for n in due)
    else:
        # One batch: the recipients' numbers are read once and the rows go in a few statements.
        result.by_kind.update(plan_counted(session, due, now=now))
        if result.total >= ANALYZE_AFTER:
            store.analyze(session)  # the notice table just grew a lot
    result.seconds = time.perf_counter() - started
    return result


def run(rt, day: date, *, dry_run: bool = False, progress: Callable[[int], None] | None = None) -> ScanResult:
    """The scan in its own transaction (the CLI and the scheduled job)."""
    with rt.transaction(read_only=dry_run) as session:
        result = scan(session, day, now=rt.clock.now(), dry_run=dry_run, progress=progress)
        if dry_run:
            session.rollback()
    return result


# --- SQL helpers ----------------------------------------------------------------------------------------


def _not_planned(session: Session, kind: str, subject_kind: str, subject_id, due_column, label: str):
    """NOT EXISTS a notice with this key: the rows already planned stay in the database."""
    key = literal("due:") + store.date_text(session, due_column) + literal(f":{label}")
    return ~exists().where(
        Notice.kind == kind,
        Notice.subject_kind == subject_kind,
        Notice.subject_id == subject_id,
        Notice.occasion == key,
    )


def _in_window(column, day: date, offset: int):
    low, high = window(day, offset)
    return column.between(low, high)


def _owner(row) -> tuple[str, int]:
    if row.owner_person_id is not None:
        return "person", row.owner_person_id
    return "organisation", row.owner_org_id


# --- vehicles -------------------------------------------------------------------------------------------


def _vehicle_stage(session: Session, day: date, stage: Stage, column, variable: str,
                   keep: Callable[[object], bool] = lambda row: True) -> Iterator[Planned]:
    query = (
        select(Vehicle.id, Vehicle.plate, Vehicle.owner_person_id, Vehicle.owner_org_id, Vehicle.status,
               Vehicle.use, Vehicle.vehicle_kind, Vehicle.registered_on, column.label("due"))
        .where(_in_window(column, day, stage.offset))
        .where(_not_planned(session, stage.kind, "vehicle", Vehicle.id, column, stage.label))
    )
    for row in session.execute(query):
        if GONE_VEHICLE & set(row.status) or not keep(row):
            continue
        recipient_kind, recipient_id = _owner(row)
        yield Planned(stage.kind, "vehicle", row.id, occasion(row.due, stage.label), recipient_kind, recipient_id,
                      {"plate": row.plate, variable: row.due.isoformat()})


def _exempt(row) -> bool:
    return inspection_exempt(row.use, row.vehicle_kind, row.registered_on, row.due)


def _inspection_rules() -> list[Callable[[Session, date], Iterable[Planned]]]:
    column = Vehicle.inspection_valid_until
    rules = []
    for offset in (-90, -30):
        stage = Stage("V01", offset, str(offset))
        rules.append(lambda s, d, stage=stage: _vehicle_stage(s, d, stage, column, "due", lambda r: not _exempt(r)))
    stage_v02 = Stage("V02", -90, "-90")
    rules.append(lambda s, d: _vehicle_stage(s, d, stage_v02, column, "due", _exempt))
    for code, offset in (("V03", 1), ("V04", 365)):
        stage = Stage(code, offset, f"+{offset}")
        rules.append(lambda s, d, stage=stage: _vehicle_stage(s, d, stage, column, "due"))
    return rules


def _scrap_rules() -> list[Callable[[Session, date], Iterable[Planned]]]:
    column = Vehicle.scrap_deadline
    rules = []
    for offset in (-180, -30):
        stage = Stage("V05", offset, str(offset))
        rules.append(lambda s, d, stage=stage: _vehicle_stage(s, d, stage, column, "deadline"))
    stage_v06 = Stage("V06", 1, "scrap")
    rules.append(lambda s, d: _v06(s, d, stage_v06))
    return rules


def _v06(session: Session, day: date, stage: Stage) -> Iterator[Planned]:
    for planned in _vehicle_stage(session, day, stage, Vehicle.scrap_deadline, "deadline"):
        # V06's text names no date; the deadline is in the occasion.
        yield Planned(planned.kind, planned.subject_kind, planned.subject_id, planned.occasion,
                      planned.recipient_kind, planned.recipient_id, {"plate": planned.variables["plate"]})


# --- licences -------------------------------------------------------------------------------------------


def _licence_stage(session: Session, day: date, stage: Stage, column,
                   where=None, variables: Callable[[object], dict] | None = None, *, also=(),
                   keep: Callable[[object], bool] = lambda row: True) -> Iterator[Planned]:
    """A licence stage for the licences still held; `also` are columns `keep` or `variables` read."""
    query = (
        select(Licence.person_id, Licence.status, Licence.classes, *also, column.label("due"))
        .where(_in_window(column, day, stage.offset))
        .where(_not_planned(session, stage.kind, "person", Licence.person_id, column, stage.label))
    )
    if where is not None:
        query = query.where(where)
    for row in session.execute(query):
        if INACTIVE_LICENCE & set(row.status) or not keep(row):
            continue
        values = variables(row) if variables else {"due": row.due.isoformat()}
        yield Planned(stage.kind, "person", row.person_id, occasion(row.due, stage.label), "person", row.person_id,
                      values)


def _extension_words(row) -> dict:
    # Which extension is running out: N 延期换证, P 延期体检, T 延期审验 (docs/records.md licence statuses).
    return {"due": row.due.isoformat(), "statuses": "".join(ch for ch in "NPT" if ch in row.status)}


def _review_stage(session: Session, day: date, stage: Stage) -> Iterator[Planned]:
    """D05 and D06, decided by the scoring cycle the review is for, not by the current points (Order 162
    art. 72, unchanged by Order 172; see domain/licence_review.py). D06 also goes when the upstream already says
    the review is overdue (status S). Neither goes while the review is deferred (art. 75, status T)."""

    def keep(row) -> bool:
        if licence_review.review_deferred(row.status):
            return False
        return licence_review.review_required(row) or (stage.kind == "D06" and "S" in row.status)

    return _licence_stage(session, day, stage, Licence.review_due, also=_REVIEW_COLUMNS, keep=keep)


# What licence_review.review_required reads of a licence (the ended cycle's points and when they were reported).
_REVIEW_COLUMNS = (Licence.has_ab_class, Licence.first_issued, Licence.points, Licence.carried_points,
                   Licence.previous_cycle_points, Licence.previous_cycle_end, Licence.upstream_updated_at,
                   Licence.modified_at, Licence.review_due)


def _licence_rules() -> list[Callable[[Session, date], Iterable[Planned]]]:
    specs = [
        ("D01", Licence.valid_until, -90, None, None),
        ("D01", Licence.valid_until, -30, None, None),
        ("D02", Licence.valid_until, 1, None, None),
        ("D03", Licence.valid_until, 330, None, None),
        ("D08", Licence.physical_due, -30, None, None),
        ("D09", Licence.physical_due, 1, None, None),
        ("D10", Licence.physical_due, 330, None, None),
        ("D17", Licence.extension_until, -30, None, _extension_words),
    ]
    rules = []
    for code, column, offset, where, variables in specs:
        stage = Stage(code, offset, str(offset) if offset < 0 else f"+{offset}")
        rules.append(lambda s, d, stage=stage, column=column, where=where, variables=variables:
                     _licence_stage(s, d, stage, column, where, variables))
    for stage in (Stage("D05", -30, "-30"), Stage("D06", 1, "overdue")):
        rules.append(lambda s, d, stage=stage: _review_stage(s, d, stage))
    rules.append(_cycle_ends)
    rules.append(_age_limit)
    return rules


def _cycle_ends(session: Session, day: date) -> Iterator[Planned]:
    """D07 and D14, on the day after a scoring cycle ends (the first-issue anniversary).

    Cycles end on every licence's anniversary: one query per day of the catch-up window, on the indexed
    `cycle_anniversary` ("MMDD"; 29 February licences start their cycles on 1 March in common years).
    Holders of neither points nor A/B classes (most drivers) get neither notice and are never read.
    The points on record belong to the ended cycle when the record was reported during it; a record
    reported after the cycle ended already counts the new cycle, and then the points the ended one closed
    with (previous_cycle_points) or its carried points tell (domain/licence_review.py).
    """
    candidates = []
    for back in range(CATCH_UP_DAYS, -1, -1):
        anniversary = day - timedelta(days=back)
        cycle_end = anniversary - timedelta(days=1)
        mmdd = [f"{anniversary:%m%d}"]
        if anniversary.month == 3 and anniversary.day == 1 and not _leap(anniversary.year):
            mmdd.append("0229")
        key = occasion(cycle_end, "+1")
        query = (
            select(Licence.person_id, Licence.status, Licence.points, Licence.carried_points, Licence.has_ab_class,
                   Licence.previous_cycle_points, Licence.previous_cycle_end, Licence.upstream_updated_at,
                   Licence.modified_at)
            .where(Licence.cycle_anniversary.in_(mmdd), Licence.first_issued < anniversary)
            .where(or_(Licence.points > 0, Licence.carried_points > 0, Licence.previous_cycle_points > 0,
                       Licence.has_ab_class.is_(True)))
            .where(~exists().where(Notice.kind.in_(("D07", "D14")), Notice.subject_kind == "person",
                                   Notice.subject_id == Licence.person_id, Notice.occasion == key))
        )
        for row in session.execute(query):
            if INACTIVE_LICENCE & set(row.status):
                continue
            if licence_review.reported_on(row.upstream_updated_at, row.modified_at) <= cycle_end:
                points, carried = row.points, None  # carried points worked out below from unpaid fines
            else:
                # The record already speaks of the new cycle: the points the ended one closed with, if known.
                points, carried = licence_review.ended_cycle_points(row, cycle_end), row.carried_points
                if points is None:
                    continue
            if points > 0:
                candidates.append(("D14", row.person_id, cycle_end, points, carried))
            elif row.has_ab_class:
                candidates.append(("D07", row.person_id, cycle_end, 0, 0))
    unpaid = _unpaid_points(session, [(c[1], c[2]) for c in candidates if c[0] == "D14" and c[4] is None])
    for code, person_id, cycle_end, points, carried in candidates:
        key = occasion(cycle_end, "+1")
        if code == "D07":
            values = {"cycle_end": cycle_end.isoformat()}
        else:
            if carried is None:
                carried = min(points, unpaid.get((person_id, cycle_end), 0))
            values = {"cycle_end": cycle_end.isoformat(), "carried": carried}
        yield Planned(code, "person", person_id, key, "person", person_id, values)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _unpaid_points(session: Session, candidates: list[tuple[int, date]]) -> dict[tuple[int, date], int]:
    """Points of the ended cycle that carry over: decisions in the cycle whose fines were overdue at its end
    and are still unpaid (Order 163 art. 15: 罚款逾期未缴纳的 ... 记分分值转入下一记分周期). A fine still
    inside its payment period when the cycle ended is not overdue, and its points are cleared with the cycle."""
    if not candidates:
        return {}
    ends = dict(candidates)
    person_ids = sorted(ends)
    result: dict[tuple[int, date], int] = {}
    for start in range(0, len(person_ids), 500):
        query = (
            select(Person.id, Violation.points, Violation.decided_at)
            .join(Violation, Violation.driver_id_number == Person.id_number)
            .where(Person.id.in_(person_ids[start:start + 500]), Violation.handled.is_(True),
                   Violation.paid.is_(False), Violation.revoked.is_(False), Violation.fine_fen > 0)
        )
        for row in session.execute(query):
            end = ends[row.id]
            if row.decided_at is None:
                continue
            decided = row.decided_at.astimezone(CHINA).date()
            if end - timedelta(days=366) < decided <= end and fines.pay_by(decided, official()) < end:
                result[(row.id, end)] = result.get((row.id, end), 0) + row.points
    return result


def _age_limit(session: Session, day: date) -> Iterator[Planned]:
    """D16: A/B-class holders without an age extension, a year before their 63rd birthday and on it."""
    for offset, label in ((-365, "-365"), (0, "0")):
        query = (
            select(Person.id, Person.turns_63_on, Licence.classes, Licence.status)
            .join(Licence, Licence.person_id == Person.id)
            .where(_in_window(Person.turns_63_on, day, offset))
            .where(Licence.has_ab_class.is_(True), Licence.age_extension_until.is_(None))
            .where(_not_planned(session, "D16", "person", Person.id, Person.turns_63_on, label))
        )
        for row in session.execute(query):
            if INACTIVE_LICENCE & set(row.status):
                continue
            classes = "".join(c for c in LICENCE_CLASSES if c in AB_CLASSES and c in (row.classes or []))
            yield Planned("D16", "person", row.id, occasion(row.turns_63_on, label), "person", row.id,
                          {"birthday": row.turns_63_on.isoformat(), "classes": classes, "stage": label})


# --- learners and violations ----------------------------------------------------------------------------


def _permit_expiring(session: Session, day: date) -> Iterator[Planned]:
    """D21: a learner's permit (valid 3 years) runs out in 90 days and the subjects the class takes on it
    (C6: no KM3 road test, art. 30 ¶3) are not all passed."""
    column = Learner.permit_expires
    query = (
        select(Learner.person_id, Learner.licence_class, Learner.passed, column.label("due"))
        .where(_in_window(column, day, -90))
        .where(_not_planned(session, "D21", "person", Learner.person_id, column, "-90"))
    )
    for row in session.execute(query):
        if permit_subjects_passed(row.licence_class, row.passed):
            continue  # every subject of the class passed: the licence is on its way, the permit no longer matters
        yield Planned("D21", "person", row.person_id, occasion(row.due, "-90"), "person", row.person_id,
                      {"due": row.due.isoformat()})


def _late_fines(session: Session, day: date) -> Iterator[Planned]:
    """W05: from the 16th day after the decision an unpaid fine grows by 3 % a day; the text gives today's."""
    column = Violation.late_fee_from
    low, high = day - timedelta(days=CATCH_UP_DAYS), day
    query = (
        select(Violation.id, Violation.fine_fen, Violation.decided_at, Vehicle.plate, Vehicle.owner_person_id,
               Vehicle.owner_org_id, column.label("due"))
        .join(Vehicle, Vehicle.id == Violation.vehicle_id)
        .where(column.between(low, high))
        .where(Violation.handled.is_(True), Violation.paid.is_(False), Violation.revoked.is_(False),
               Violation.fine_fen > 0)
        .where(_not_planned(session, "W05", "violation", Violation.id, column, "late"))
    )
    for row in session.execute(query):
        recipient_kind, recipient_id = _owner(row)
        fee = fines.late_fee_fen(row.fine_fen, row.decided_at, day, official())
        yield Planned("W05", "violation", row.id, occasion(row.due, "late"), recipient_kind, recipient_id,
                      {"plate": row.plate, "fine": row.fine_fen, "late_fee": fee})


RULES: list[Callable[[Session, date], Iterable[Planned]]] = [
    *_inspection_rules(),
    *_scrap_rules(),
    *_licence_rules(),
    _permit_expiring,
    _late_fines,
]

# Every date-triggered kind and its stages, as the scan plans them (for tests and documentation).
STAGES: dict[str, tuple[str, ...]] = {
    "V01": ("-90", "-30"), "V02": ("-90",), "V03": ("+1",), "V04": ("+365",), "V05": ("-180", "-30"),
    "V06": ("scrap",), "D01": ("-90", "-30"), "D02": ("+1",), "D03": ("+330",), "D05": ("-30",),
    "D06": ("overdue",), "D07": ("+1",), "D08": ("-30",), "D09": ("+1",), "D10": ("+330",), "D14": ("+1",),
    "D16": ("-365", "0"), "D17": ("-30",), "D21": ("-90",), "W05": ("late",),
}

