"""The states of what a citizen asks for on the hotline, as the tables store them.

The values are the stored text (and the change feed's, docs/records.md): change one only with a migration.

- a contact number change (MPS Order 157 art. 20 ¶2): `pending → confirmed | refused | cancelled`;
- a violation request (Order 157): handling (art. 58), deferral (art. 53 ¶2) or objection (art. 5 ¶3),
  `pending →` the upstream's answer, which depends on the kind (`REQUEST_OUTCOMES`);
- an exam application: `pending → success | unsuccessful` (allocation, once), or `cancelled` by the applicant;
- an inspection booking: `booked → cancelled`;
- a licence extension (延期, Order 162 art. 75): `pending → granted | cancelled`.
"""

from __future__ import annotations

from enum import StrEnum


class NumberChangeStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"  # the upstream's person record now carries the new number
    REFUSED = "refused"  # the upstream said no
    CANCELLED = "cancelled"  # the number on record changed to another one meanwhile (e.g. at a window)


class ViolationRequestKind(StrEnum):
    HANDLE = "handle"  # 自助处理 (art. 58), simple procedure (art. 52)
    DEFER = "defer"  # 延期处理 (art. 53 ¶2)
    OBJECT = "object"  # 异议 (art. 5 ¶3)


class ViolationRequestStatus(StrEnum):
    PENDING = "pending"
    DECIDED = "decided"  # handle: the decision was served
    REFUSED = "refused"  # handle or defer: the upstream said no
    GRANTED = "granted"  # defer
    UPHELD = "upheld"  # object: the record is removed
    REJECTED = "rejected"  # object: the record stands


# The outcomes the upstream may give each kind of request (docs/records.md).
REQUEST_OUTCOMES = {
    ViolationRequestKind.HANDLE: frozenset({ViolationRequestStatus.DECIDED, ViolationRequestStatus.REFUSED}),
    ViolationRequestKind.DEFER: frozenset({ViolationRequestStatus.GRANTED, ViolationRequestStatus.REFUSED}),
    ViolationRequestKind.OBJECT: frozenset({ViolationRequestStatus.UPHELD, ViolationRequestStatus.REJECTED}),
}


class ApplicationStatus(StrEnum):
    """An exam application's states; allocation moves pending to success or unsuccessful once."""

    PENDING = "pending"  # applied, booking still open
    SUCCESS = "success"  # allocated a seat
    UNSUCCESSFUL = "unsuccessful"  # not allocated (capacity)
    CANCELLED = "cancelled"  # cancelled by the applicant before the booking closed


# An application that still holds or may still get a seat.
OPEN_APPLICATION_STATUSES = (ApplicationStatus.PENDING, ApplicationStatus.SUCCESS)


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class ExtensionStatus(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"  # the upstream's licence record shows the extension
    CANCELLED = "cancelled"  # withdrawn by the applicant
