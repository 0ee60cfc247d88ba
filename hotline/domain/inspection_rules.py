"""Which vehicles may book an inspection (检验预约): pure rules from 机动车登记规定 (MPS Order 164), no I/O.

A vehicle books a test at an inspection station only when the station can inspect it now:

- art. 76: a vehicle recorded as stolen or robbed (被盗抢, status C) has all its registrations and business
  stopped until it is returned: `vehicle_stolen`;
- a vehicle deregistered (E 注销) or compulsorily deregistered (M 强制注销), one that has reached the
  scrapping standard (P, its plate and licence void), one sealed up (K 查封) or transferred out to another
  office (B 转出) has nothing to be inspected for here: `vehicle_deregistered`, `vehicle_scrapped`,
  `vehicle_sealed`, `vehicle_transferred_out`;
- art. 55: an inspection-exempt car (免检) is not tested at a station; its owner applies for the
  inspection label (申领检验标志) with the ID or the 行驶证, the compulsory insurance and the vehicle-tax
  proof: `inspection_exempt`;
- art. 54: the label is applied for within the three months before the inspection runs out, so a test
  is booked from `inspection_valid_until` less three months (inclusive, art. 92: 以内 includes the
  number itself); before that, `inspection_too_early`. A car past its date is overdue and may book at once.

`why_not_bookable` gives the refusal code and its facts (services/inspections.py raises them): the plate, and
the dates where the answer needs them (`valid_until`, `opens`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Protocol

from .dates import add_months
from .refusals import RefusalCode

__all__ = ["BOOKING_WINDOW_MONTHS", "inspection_exempt", "why_not_bookable", "window_opens"]

BOOKING_WINDOW_MONTHS = 3  # art. 54: 检验有效期满前三个月内

# Status letters (GA code table, DATASET.md) that keep a vehicle from being inspected, checked in this
# order: a stolen car first, whose answer (all business stopped, art. 76) outweighs the others.
_BLOCKING = (
    ("C", RefusalCode.VEHICLE_STOLEN),
    ("E", RefusalCode.VEHICLE_DEREGISTERED),
    ("M", RefusalCode.VEHICLE_DEREGISTERED),
    ("P", RefusalCode.VEHICLE_SCRAPPED),
    ("K", RefusalCode.VEHICLE_SEALED),
    ("B", RefusalCode.VEHICLE_TRANSFERRED_OUT),
)

# Inspection-exempt private cars (2022 reform): small and mini passenger cars K3x/K4x except the vans.
_EXEMPT_KIND = re.compile(r"^K[34]\d$")
_NOT_EXEMPT_KINDS = frozenset({"K39", "K49"})


class InspectedVehicle(Protocol):
    """What the rules read of a vehicle: a `Vehicle` row and a `VehicleView` both have it."""

    plate: str
    status: str
    use: str
    vehicle_kind: str | None
    registered_on: date
    inspection_valid_until: date


def inspection_exempt(use: str | None, vehicle_kind: str | None, registered_on: date, due: date) -> bool:
    """A private small or mini passenger car (not a van) whose age on the due date is under 10 years and
    not 6: years 6 and 10 are on-site tests; in the other years the label is applied for (art. 55)."""
    if (use or "private") != "private" or not vehicle_kind:
        return False
    if not _EXEMPT_KIND.match(vehicle_kind) or vehicle_kind in _NOT_EXEMPT_KINDS:
        return False
    age = due.year - registered_on.year - ((due.month, due.day) < (registered_on.month, registered_on.day))
    return age < 10 and age != 6


def window_opens(valid_until: date) -> date:
    """The first day a test may be booked (art. 54): three calendar months before the inspection runs out."""
    return add_months(valid_until, -BOOKING_WINDOW_MONTHS)


def why_not_bookable(vehicle: InspectedVehicle, today: date) -> tuple[RefusalCode, dict[str, Any]] | None:
    """Why `vehicle` cannot book an inspection on `today` (the refusal code and its facts), or None when it can."""
    letters = vehicle.status or ""
    for letter, code in _BLOCKING:
        if letter in letters:
            return code, {"plate": vehicle.plate, "status": letter}
    valid_until = vehicle.inspection_valid_until
    opens = window_opens(valid_until)
    if inspection_exempt(vehicle.use, vehicle.vehicle_kind, vehicle.registered_on, valid_until):
        return RefusalCode.INSPECTION_EXEMPT, {"plate": vehicle.plate, "valid_until": valid_until, "opens": opens}
    if today < opens:
        return RefusalCode.INSPECTION_TOO_EARLY, {"plate": vehicle.plate, "valid_until": valid_until, "opens": opens}
    return None
