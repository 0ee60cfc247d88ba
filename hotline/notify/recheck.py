"""The condition checked again just before a notice goes (ARCHITECTURE.md, "Re-check").

Between planning and sending, the upstream may have renewed the licence, recorded the inspection or the
payment. `still_due` answers with the skip reason ("no longer due: licence renewed") or None when the
notice should still go. A date-triggered notice names its date in the occasion (`due:<date>:<stage>`):
when the record's date has moved, the matter was dealt with (and the new date has its own reminders).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clock import CHINA
from ..db import Announcement, AnnouncementSubscription, Learner, Licence, Notice, Vehicle, Violation
from ..domain import licence_review
from ..domain.licences import permit_subjects_passed
from ..domain.scoring import FULL_POINTS, NEAR_FULL_POINTS
from ..domain.vehicles import GONE_VEHICLE

MANY_UNHANDLED = 5
GONE = "no longer due: record removed"


def still_due(session: Session, notice: Notice, today: date) -> str | None:
    """A skip reason when the notice is no longer due, else None."""
    check = _CHECKS.get(notice.kind)
    if check is None:
        return None
    return check(session, notice, today)


# --- reading the occasion -------------------------------------------------------------------------------


def occasion_date(occasion: str) -> date | None:
    """The date in `due:<date>:<stage>` or `status:<letter>:<date>`."""
    parts = occasion.split(":")
    try:
        if parts[0] == "due":
            return date.fromisoformat(parts[1])
        if parts[0] == "status":
            return date.fromisoformat(parts[2])
    except (IndexError, ValueError):
        return None
    return None


def occasion_letter(occasion: str) -> str | None:
    parts = occasion.split(":")
    return parts[1] if parts[0] == "status" and len(parts) > 1 else None


# --- vehicles -------------------------------------------------------------------------------------------


def _vehicle(session: Session, notice: Notice) -> Vehicle | None:
    return session.get(Vehicle, notice.subject_id) if notice.subject_kind == "vehicle" else None


def _inspection(session: Session, notice: Notice, today: date) -> str | None:
    vehicle = _vehicle(session, notice)
    if vehicle is None:
        return GONE
    if GONE_VEHICLE & set(vehicle.status):
        return "no longer due: vehicle deregistered"
    if vehicle.inspection_valid_until != occasion_date(notice.occasion):
        return "no longer due: vehicle inspected"
    return None


def _scrap(session: Session, notice: Notice, today: date) -> str | None:
    vehicle = _vehicle(session, notice)
    if vehicle is None:
        return GONE
    if GONE_VEHICLE & set(vehicle.status):
        return "no longer due: vehicle deregistered"
    if notice.occasion.startswith("due:") and vehicle.scrap_deadline != occasion_date(notice.occasion):
        return "no longer due: scrap deadline changed"
    return None


def _vehicle_status(session: Session, notice: Notice, today: date) -> str | None:
    vehicle = _vehicle(session, notice)
    if vehicle is None:
        return GONE
    letter = occasion_letter(notice.occasion)
    if letter and letter not in vehicle.status:
        return "no longer due: vehicle status cleared"
    return None


# --- licences and learners ------------------------------------------------------------------------------


def _licence(session: Session, notice: Notice) -> Licence | None:
    if notice.subject_kind != "person":
        return None
    return session.scalar(select(Licence).where(Licence.person_id == notice.subject_id))


def _licence_date(
    field: str, reason: str, *, deferrable: bool = False
) -> Callable[[Session, Notice, date], str | None]:
    def check(session: Session, notice: Notice, today: date) -> str | None:
        licence = _licence(session, notice)
        if licence is None:
            return GONE
        if deferrable and licence_review.review_deferred(licence.status):
            return REVIEW_DEFERRED
        if notice.occasion.startswith("due:") and getattr(licence, field) != occasion_date(notice.occasion):
            return reason
        return None

    return check


def _licence_status(reason: str, *, deferrable: bool = False) -> Callable[[Session, Notice, date], str | None]:
    def check(session: Session, notice: Notice, today: date) -> str | None:
        licence = _licence(session, notice)
        if licence is None:
            return GONE
        if deferrable and licence_review.review_deferred(licence.status):
            return REVIEW_DEFERRED
        letter = occasion_letter(notice.occasion)
        if letter and letter not in licence.status:
            return reason
        return None

    return check


# D05 and D06 are no longer due once the review is deferred (Order 162 art. 75, status T).
REVIEW_DEFERRED = "no longer due: review deferred"
_review_due = _licence_date("review_due", "no longer due: review done", deferrable=True)
_review_overdue_by_status = _licence_status("no longer due: review done", deferrable=True)


def _review_overdue(session: Session, notice: Notice, today: date) -> str | None:
    by = _review_overdue_by_status if notice.occasion.startswith("status:") else _review_due
    return by(session, notice, today)


def _near_full(session: Session, notice: Notice, today: date) -> str | None:
    licence = _licence(session, notice)
    if licence is None:
        return GONE
    if licence.points < NEAR_FULL_POINTS:
        return "no longer due: points cleared"
    return None


def _full(session: Session, notice: Notice, today: date) -> str | None:
    licence = _licence(session, notice)
    if licence is None:
        return GONE
    if licence.points < FULL_POINTS and "B" not in licence.status:
        return "no longer due: points cleared"
    return None


def _age_limit(session: Session, notice: Notice, today: date) -> str | None:
    licence = _licence(session, notice)
    if licence is None:
        return GONE
    if licence.age_extension_until is not None:
        return "no longer due: age extension granted"
    if not licence.has_ab_class:
        return "no longer due: classes given up"
    return None


def _permit(session: Session, notice: Notice, today: date) -> str | None:
    learner = session.scalar(select(Learner).where(Learner.person_id == notice.subject_id))
    if learner is None:
        return GONE
    if permit_subjects_passed(learner.licence_class, learner.passed):
        return "no longer due: exams passed"
    if learner.permit_expires != occasion_date(notice.occasion):
        return "no longer due: permit renewed"
    return None


# --- violations and requests ----------------------------------------------------------------------------


def _violation_of(session: Session, notice: Notice) -> Violation | None:
    if notice.subject_kind == "violation":
        return session.get(Violation, notice.subject_id)
    if notice.occasion.startswith("violation:"):
        ref = notice.occasion.removeprefix("violation:")
        return session.scalar(select(Violation).where(Violation.ref == ref))
    return None


def _unhandled(session: Session, notice: Notice, today: date) -> str | None:
    violation = _violation_of(session, notice)
    if violation is None:
        return GONE
    if violation.revoked:
        return "no longer due: decision revoked"
    if violation.handled:
        return "no longer due: violation handled"
    return None


def _decided(session: Session, notice: Notice, today: date) -> str | None:
    violation = _violation_of(session, notice)
    if violation is None:
        return GONE
    if violation.revoked:
        return "no longer due: decision revoked"
    return None


def _many_unhandled(session: Session, notice: Notice, today: date) -> str | None:
    count = session.scalar(
        select(func.count()).select_from(Violation).where(
            Violation.vehicle_id == notice.subject_id, Violation.handled.is_(False), Violation.revoked.is_(False)
        )
    )
    if count < MANY_UNHANDLED:
        return "no longer due: violations handled"
    return None


def _late_fine(session: Session, notice: Notice, today: date) -> str | None:
    violation = _violation_of(session, notice)
    if violation is None:
        return GONE
    if violation.paid:
        return "no longer due: fine paid"
    if violation.revoked:
        return "no longer due: decision revoked"
    return None


def _binding_request(session: Session, notice: Notice, today: date) -> str | None:
    deadline = (notice.variables or {}).get("deadline")
    if deadline and date.fromisoformat(deadline) < today:
        return "no longer due: request expired"
    return None


def _announcement(session: Session, notice: Notice, today: date) -> str | None:
    """A01: the number said `GG TD` since, or the announcement ran out (its end, per transaction, is looked
    up once: a broadcast's notices share it)."""
    subscription = session.get(AnnouncementSubscription, notice.subject_id)
    if subscription is None or not subscription.active:
        return "no longer due: unsubscribed"
    key = notice.occasion.removeprefix("announcement:")
    ends = session.info.setdefault("announcement_valid_until", {})
    if key not in ends:
        ends[key] = session.scalar(select(Announcement.valid_until).where(Announcement.announcement_id == key))
    if ends[key] is None or ends[key].astimezone(CHINA).date() < today:
        return "no longer due: announcement expired"
    return None


_CHECKS: dict[str, Callable[[Session, Notice, date], str | None]] = {
    "V01": _inspection,
    "V02": _inspection,
    "V03": _inspection,
    "V04": _inspection,
    "V05": _scrap,
    "V06": _scrap,
    "V09": _binding_request,
    "V10": _vehicle_status,
    "D01": _licence_date("valid_until", "no longer due: licence renewed"),
    "D02": _licence_date("valid_until", "no longer due: licence renewed"),
    "D03": _licence_date("valid_until", "no longer due: licence renewed"),
    "D04": _licence_status("no longer due: licence restored"),
    "D05": _review_due,
    "D06": _review_overdue,
    "D08": _licence_date("physical_due", "no longer due: certificate submitted"),
    "D09": _licence_date("physical_due", "no longer due: certificate submitted"),
    "D10": _licence_date("physical_due", "no longer due: certificate submitted"),
    "D11": _near_full,
    "D12": _full,
    "D13": _licence_status("no longer due: licence in use again"),
    "D16": _age_limit,
    "D17": _licence_date("extension_until", "no longer due: extension handled"),
    "D18": _licence_status("no longer due: licence returned"),
    "D21": _permit,
    "W01": _unhandled,
    "W02": _decided,
    "W03": _many_unhandled,
    "W04": _unhandled,
    "W05": _late_fine,
    "A01": _announcement,
}
