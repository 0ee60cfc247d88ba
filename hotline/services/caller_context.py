"""What the hotline can already tell about a caller, for the staff desk: licence, vehicles, violations and
bookings, as the same views the voice menu and the texts read (so the agent sees what the caller heard).

The views carry no ID number and names only masked (Party.name_masked); plates and dates are the caller's
own business, shown to the agent serving them. A party at account level `none` has no own records to
show (services/access.py: the queries refuse), so the context says so instead. Kept apart from
services/queries.py, which services/inspections.py imports: the bookings here would close that circle.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..calendar import WorkCalendar
from ..clock import Clock
from . import access, exams, inspections, queries
from .identity import Party


@dataclass(frozen=True)
class CallerContext:
    party: Party
    registered: bool  # False: account level `none`, no own records on the phone (told how to register)
    licence: queries.LicenceView | None
    vehicles: list[queries.VehicleView]
    violations: list[queries.ViolationView]
    inspection_bookings: list[inspections.BookingView]
    exam_applications: list[exams.ApplicationView]


def caller_context(session: Session, clock: Clock, party: Party, calendar: WorkCalendar | None = None) -> CallerContext:
    """The caller's records as the hotline's own answers give them (read-only)."""
    if not access.allowed(party, access.query_action(party)):
        return CallerContext(party, False, None, [], [], [], [])
    licence = queries.licence_status(session, clock, party) if party.kind == "person" else None
    applications = (
        exams.applications(session, clock, party, calendar)
        if access.allowed(party, access.Action.EXAM_APPLICATION)
        else []
    )
    bookings = (
        inspections.bookings(session, clock, party) if access.allowed(party, access.Action.INSPECTION_BOOKING) else []
    )
    return CallerContext(
        party=party,
        registered=True,
        licence=licence,
        vehicles=queries.vehicles(session, clock, party),
        violations=queries.violations(session, clock, party),
        inspection_bookings=bookings,
        exam_applications=applications,
    )
