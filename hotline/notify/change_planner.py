"""Notices caused by record changes: the hook ingest calls after each batch of upserts.

For each `RecordChange` (old record -> new record) this plans the notices docs/notices.md triggers by a change
(a status gained, a points threshold crossed, a violation recorded or decided), by a `notice_request`
(V07 V08 V09 D22) and by an `exam_result` (D20). It runs in ingest's transaction and never commits.

A condition fires when the old record did not meet it and the new one does. A record seen for the first
time has no old record, and "first sight is not news" (docs/records.md): it fires only where the notice is
still timely, meaning a violation recorded within the last 5 days, a status or points threshold whose
record says (`updated_at`) it changed within the last 5 days, a decision served within the last 5 days.
A baseline import fires nothing at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..calendar import official
from ..clock import CHINA
from ..db import ExamPlan, ExamResult, Learner, Organisation, Person, Vehicle, Violation
from ..domain import fines, licence_review
from ..domain.scoring import FULL_POINTS, NEAR_FULL_POINTS, scoring_cycle
from ..services import exams
from . import broadcast
from .catalogue import KINDS
from .planner import Planned, plan_many

NEWS_DAYS = 5
MANY_UNHANDLED = 5  # W03
# Retake waits and the attempt limit (Order 162 as amended by Order 172, art. 47) are the exams service's own
# (exams.RETAKE_WAIT_DAYS, LIMITED_SUBJECTS, ATTEMPT_LIMIT); KM1 is booked again the next day.

VEHICLE_ALERTS = "CKLO"  # V10
VEHICLE_SCRAP = "PM"  # V06
LICENCE_DETAINED = "DFU"  # D18


def plan_changes(session: Session, changes: Sequence, *, now: datetime, baseline: bool) -> int:
    """Plan the notices `changes` cause; returns how many were planned."""
    if baseline or not changes:
        return 0
    planner = _ChangePlanner(session, now)
    notices: list[Planned] = []
    violations = []
    for change in changes:
        handler = _HANDLERS.get(change.type)
        if handler is not None:
            notices.extend(handler(planner, change))
        if change.type == "violation":
            violations.append(change)
    notices.extend(planner.many_unhandled(violations))
    # Announcements go to their subscribers in one bulk statement each, not as Planned objects.
    return plan_many(session, notices, now=now) + broadcast.plan_for_changes(session, changes, now=now)


class _ChangePlanner:
    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.today = now.astimezone(CHINA).date()
        self._owners: dict[int, tuple[str, int]] = {}

    # --- shared rules -----------------------------------------------------------------------------------

    def recent(self, moment: datetime | None) -> bool:
        return moment is not None and self.now - moment <= timedelta(days=NEWS_DAYS)

    def news(self, change) -> bool:
        """A change may fire: always for an update; for a first sight, only if its record says it is recent."""
        return not change.first_seen or self.recent(change.new.get("upstream_updated_at"))

    def gained(self, change, letters: str) -> list[str]:
        """Status letters among `letters` the new record has and the old one had not."""
        if not self.news(change):
            return []
        old = set(change.old["status"]) if change.old else set()
        return [ch for ch in letters if ch in change.new["status"] and ch not in old]

    def gained_on(self, change) -> date:
        """The day a status was gained: the record's own time when it gives one, else today."""
        at = change.new.get("upstream_updated_at")
        return at.astimezone(CHINA).date() if at is not None else self.today

    def vehicle_owner(self, vehicle_id: int) -> tuple[str, int]:
        if vehicle_id not in self._owners:
            row = self.session.execute(
                select(Vehicle.owner_person_id, Vehicle.owner_org_id).where(Vehicle.id == vehicle_id)
            ).one()
            self._owners[vehicle_id] = (
                ("person", row.owner_person_id) if row.owner_person_id is not None
                else ("organisation", row.owner_org_id)
            )
        return self._owners[vehicle_id]

    def person_id(self, id_number: str | None) -> int | None:
        if not id_number:
            return None
        return self.session.scalar(select(Person.id).where(Person.id_number == id_number))

    # --- vehicles ---------------------------------------------------------------------------------------

    def vehicle(self, change) -> Iterator[Planned]:
        new = change.new
        owner = ("person", new["owner_person_id"]) if new.get("owner_person_id") else ("organisation",
                                                                                       new["owner_org_id"])
        self._owners[new["id"]] = owner
        gained_on = self.gained_on(change).isoformat()
        for letter in self.gained(change, VEHICLE_ALERTS):
            yield Planned("V10", "vehicle", new["id"], f"status:{letter}:{gained_on}", *owner,
                          {"plate": new["plate"], "status": letter})
        scrap = self.gained(change, VEHICLE_SCRAP)
        if scrap:
            # One notice per vehicle and deadline, shared with the date trigger (scan: due:<deadline>:scrap).
            deadline = new.get("scrap_deadline")
            occasion = f"due:{deadline.isoformat()}:scrap" if deadline else f"status:{scrap[0]}:{gained_on}"
            yield Planned("V06", "vehicle", new["id"], occasion, *owner, {"plate": new["plate"]})

    # --- licences ---------------------------------------------------------------------------------------

    def licence(self, change) -> Iterator[Planned]:
        new, old = change.new, change.old
        person = new["person_id"]
        gained_on = self.gained_on(change)

        def notice(code: str, occasion: str, **variables) -> Planned:
            return Planned(code, "person", person, occasion, "person", person, variables)

        if self.gained(change, "R"):
            yield notice("D04", f"status:R:{gained_on}", restore_until=_add_years(gained_on, 2).isoformat(),
                         reason=_restoration_reason(new, gained_on))
        if self.gained(change, "S") and not licence_review.review_deferred(new["status"]):  # art. 75: deferred
            review_due = new.get("review_due")
            occasion = f"due:{review_due.isoformat()}:overdue" if review_due else f"status:S:{gained_on}"
            yield notice("D06", occasion, due=review_due.isoformat() if review_due else None)
        if self.gained(change, "J"):
            yield notice("D13", f"status:J:{gained_on}")
        for letter in self.gained(change, LICENCE_DETAINED):
            yield notice("D18", f"status:{letter}:{gained_on}", status=letter)

        # Points thresholds, once per scoring cycle.
        if not self.news(change):
            return
        _, cycle_end = scoring_cycle(new["first_issued"], self.today)
        cycle = f"cycle:{cycle_end.isoformat()}"
        points, before = new["points"], (old["points"] if old else 0)
        reached_full = before < FULL_POINTS <= points
        probation = new.get("probation_until")
        on_probation = probation is not None and probation >= self.today
        probation_classes = list(new.get("probation_classes") or new["classes"]) if on_probation else []
        if reached_full and on_probation:
            yield notice("D15", cycle, classes="".join(probation_classes))
        full_by_status = bool(self.gained(change, "B"))
        covers_all = on_probation and set(new["classes"]) <= set(probation_classes)
        if (reached_full or full_by_status) and not (reached_full and covers_all):
            yield notice("D12", cycle, points=points)
        elif before < NEAR_FULL_POINTS <= points < FULL_POINTS:  # straight to 12: D12 says more than D11
            yield notice("D11", cycle, points=points, cycle_end=cycle_end.isoformat())

    # --- violations -------------------------------------------------------------------------------------

    def violation(self, change) -> Iterator[Planned]:
        new, old = change.new, change.old
        if new.get("revoked"):
            return
        vehicle_id = new["vehicle_id"]
        owner = self.vehicle_owner(vehicle_id)
        occasion = f"violation:{new['ref']}"
        if change.first_seen and not new["handled"] and self.recent(new["recorded_at"]):
            code = "W01" if owner[0] == "person" else "W04"
            yield Planned(code, "vehicle", vehicle_id, occasion, *owner, {
                "plate": new["plate"], "occurred_at": new["occurred_at"].isoformat(),
                "location": new["location"], "description": new["description"],
            })
        newly_decided = new["handled"] and (
            (old is not None and not old["handled"]) or (old is None and self.recent(new.get("decided_at")))
        )
        if newly_decided:
            driver = self.person_id(new.get("driver_id_number"))
            recipient = ("person", driver) if driver is not None else owner
            fine = new["fine_fen"]
            pay_by = None
            if fine and not new["paid"] and new.get("decided_at") is not None:
                pay_by = fines.pay_by(new["decided_at"], official()).isoformat()
            yield Planned("W02", "vehicle", vehicle_id, occasion, *recipient,
                          {"plate": new["plate"], "points": new["points"], "fine": fine, "pay_by": pay_by,
                           "payment_reference": new.get("payment_reference") if pay_by else None})

    def many_unhandled(self, changes: list) -> Iterator[Planned]:
        """W03: a vehicle's unhandled violations reach 5 through news (old records found late do not count)."""
        delta: dict[int, int] = defaultdict(int)
        plates: dict[int, str] = {}
        for change in changes:
            new, old = change.new, change.old
            if change.first_seen and not self.recent(new["recorded_at"]):
                continue
            now_open = not new["handled"] and not new.get("revoked")
            was_open = old is not None and not old["handled"] and not old.get("revoked")
            delta[new["vehicle_id"]] += int(now_open) - int(was_open)
            plates[new["vehicle_id"]] = new["plate"]
        rising = [vehicle_id for vehicle_id, d in delta.items() if d > 0]
        if not rising:
            return
        counts = dict(self.session.execute(
            select(Violation.vehicle_id, func.count())
            .where(Violation.vehicle_id.in_(rising), Violation.handled.is_(False), Violation.revoked.is_(False))
            .group_by(Violation.vehicle_id)
        ).all())
        for vehicle_id in rising:
            count = counts.get(vehicle_id, 0)
            if count - delta[vehicle_id] < MANY_UNHANDLED <= count:
                yield Planned("W03", "vehicle", vehicle_id, f"due:{self.today.isoformat()}:{MANY_UNHANDLED}",
                              *self.vehicle_owner(vehicle_id), {"plate": plates[vehicle_id], "count": count})

    # --- requests and exam results ----------------------------------------------------------------------

    def request(self, change) -> Iterator[Planned]:
        if not change.first_seen:
            return  # the same request_id twice sends once
        new = change.new
        if new.get("upstream_updated_at") is not None and not self.recent(new["upstream_updated_at"]):
            return
        kind = KINDS.get(new["kind"])
        if kind is None or kind.trigger != "request":
            return
        subject = self._request_subject(new["to_kind"], new["to_key"])
        if subject is None:
            return
        subject_kind, subject_id, recipient = subject
        data = new.get("data") or {}
        variables = {name: data.get(name) for name in kind.variables}
        yield Planned(kind.code, subject_kind, subject_id, f"request:{new['request_id']}", *recipient, variables)

    def _request_subject(self, to_kind: str, to_key: str):
        if to_kind == "vehicle":
            plate, plate_type = to_key.rsplit("/", 1)
            vehicle_id = self.session.scalar(
                select(Vehicle.id).where(Vehicle.plate == plate, Vehicle.plate_type == plate_type)
            )
            return None if vehicle_id is None else ("vehicle", vehicle_id, self.vehicle_owner(vehicle_id))
        if to_kind == "organisation":
            org_id = self.session.scalar(select(Organisation.id).where(Organisation.org_code == to_key))
            return None if org_id is None else ("organisation", org_id, ("organisation", org_id))
        person_id = self.person_id(to_key)
        return None if person_id is None else ("person", person_id, ("person", person_id))

    def exam_result(self, change) -> Iterator[Planned]:
        new, old = change.new, change.old
        if old is not None and old["result"] == new["result"] and old.get("score") == new.get("score"):
            return
        if change.first_seen and new.get("upstream_updated_at") is not None and not self.recent(
            new["upstream_updated_at"]
        ):
            return
        plan = self.session.get(ExamPlan, new["plan_id"])
        person_id = new["person_id"]
        failed = new["result"] != "pass"
        retake_from = voided = None
        if failed:
            voided = (plan.subject in exams.LIMITED_SUBJECTS
                      and self._road_attempts(person_id, plan.subject) >= exams.ATTEMPT_LIMIT)
            if not voided:
                # A result that arrives late says "from today", not a day already gone.
                wait = exams.RETAKE_WAIT_DAYS if plan.subject in exams.PERMIT_SUBJECTS else 1  # KM1: next day
                earliest = plan.date + timedelta(days=wait)
                retake_from = max(earliest, self.today).isoformat()
        yield Planned("D20", "person", person_id, f"result:{plan.plan_id}", "person", person_id, {
            "subject": plan.subject, "exam_date": plan.date.isoformat(), "result": new["result"],
            "score": new.get("score"), "retake_from": retake_from, "voided": bool(voided),
        })

    def _road_attempts(self, person_id: int, subject: str) -> int:
        """Bookings of `subject` used within the current learning permit (art. 47): those the learner
        record counted plus every result the hotline saw for an exam on or after the permit's issue."""
        row = self.session.execute(
            select(Learner.attempts, Learner.permit_issued).where(Learner.person_id == person_id)
        ).first()
        before, permit = (row.attempts or {}, row.permit_issued) if row is not None else ({}, None)
        query = (
            select(func.count()).select_from(ExamResult).join(ExamPlan, ExamPlan.id == ExamResult.plan_id)
            .where(ExamResult.person_id == person_id, ExamPlan.subject == subject)
        )
        if permit is not None:
            query = query.where(ExamPlan.date >= permit)
        seen = self.session.scalar(query) or 0
        return int(before.get(subject, 0)) + seen


def _restoration_reason(licence: dict, cancelled_on: date) -> str | None:
    """Why a restorable licence was cancelled, so D04 says what restores it (Order 162 as amended by
    Order 172, art. 79 ¶3 and ¶4): `expired` (art. 79(8), more than a year past its valid-until date: pass
    KM1, ¶3), `certificate` (art. 79(9), no physical-condition certificate while the licence is valid or
    less than a year past it: hand in the certificate, ¶4), None when the record does not show which."""
    valid_until, physical_due = licence.get("valid_until"), licence.get("physical_due")
    if valid_until is not None and _add_years(valid_until, 1) < cancelled_on:
        return "expired"
    if physical_due is not None and physical_due < cancelled_on:
        return "certificate"
    return None


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return date(day.year + years, 3, 1)


_HANDLERS = {
    "vehicle": _ChangePlanner.vehicle,
    "licence": _ChangePlanner.licence,
    "violation": _ChangePlanner.violation,
    "notice_request": _ChangePlanner.request,
    "exam_result": _ChangePlanner.exam_result,
}
