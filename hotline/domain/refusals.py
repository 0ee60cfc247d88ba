"""Why the business core says no: the stable codes a `Refusal` carries (services/errors.py).

Channels map a code to a template (`sms_templates/`, `ivr_flows/`), so a code is part of the contract
between the core and its channels: rename one only together with its templates. A StrEnum compares equal
to its text, so `refusal.code == "slot_full"` and a template named after the code keep working.
"""

from __future__ import annotations

from enum import StrEnum


class RefusalCode(StrEnum):
    # access (services/access.py): the account level or the kind of party does not allow the action
    PERSONS_ONLY = "persons_only"
    ORGANISATIONS_ONLY = "organisations_only"
    REGISTER_FIRST = "register_first"
    WINDOW_ACCOUNT_ONLY = "window_account_only"
    # identity and verification
    UNKNOWN_LANGUAGE = "unknown_language"
    VERIFICATION_LOCKED = "verification_locked"
    TOO_MANY_CODES = "too_many_codes"
    WRONG_CODE = "wrong_code"
    # changing one's contact number (Order 157 art. 20 ¶2)
    BAD_NUMBER = "bad_number"
    SAME_NUMBER = "same_number"
    NUMBER_UNAVAILABLE = "number_unavailable"
    CHANGE_PENDING = "change_pending"
    # exams: applications, cancelling, allocation
    NOT_A_LEARNER = "not_a_learner"
    NO_SUCH_PLAN = "no_such_plan"
    NO_SUCH_APPLICATION = "no_such_application"
    BOOKING_CLOSED = "booking_closed"
    BOOKING_OPEN = "booking_open"
    CLASS_NOT_SERVED = "class_not_served"
    ALREADY_OPEN = "already_open"
    ALREADY_PASSED = "already_passed"
    ATTEMPTS_EXHAUSTED = "attempts_exhausted"
    NO_PERMIT = "no_permit"
    PERMIT_EXPIRED = "permit_expired"
    NO_ROAD_TEST = "no_road_test"
    KM2_NOT_PASSED = "km2_not_passed"
    KM3_NOT_PASSED = "km3_not_passed"
    RETAKE_TOO_EARLY = "retake_too_early"
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"
    WINDOW_ONLY = "window_only"
    NOT_CANCELLABLE = "not_cancellable"
    # inspections (Order 164: art. 54, 55, 76)
    NOT_YOUR_VEHICLE = "not_your_vehicle"
    NO_SUCH_SLOT = "no_such_slot"
    NO_SUCH_BOOKING = "no_such_booking"
    SLOT_STARTED = "slot_started"
    SLOT_FULL = "slot_full"
    ALREADY_BOOKED = "already_booked"
    ALREADY_CANCELLED = "already_cancelled"
    VEHICLE_STOLEN = "vehicle_stolen"
    VEHICLE_DEREGISTERED = "vehicle_deregistered"
    VEHICLE_SCRAPPED = "vehicle_scrapped"
    VEHICLE_SEALED = "vehicle_sealed"
    VEHICLE_TRANSFERRED_OUT = "vehicle_transferred_out"
    INSPECTION_EXEMPT = "inspection_exempt"
    INSPECTION_TOO_EARLY = "inspection_too_early"
    # camera-recorded violations: handling, deferral, objection, paying (Order 157 art. 5, 21, 52, 53, 58;
    # Order 163 art. 17)
    NO_SUCH_VIOLATION = "no_such_violation"
    ANOTHER_DRIVER = "another_driver"
    NOT_CAMERA = "not_camera"
    REVOKED = "revoked"
    ALREADY_HANDLED = "already_handled"
    GENERAL_PROCEDURE = "general_procedure"
    NO_LICENCE_TO_HANDLE = "no_licence_to_handle"
    POINTS_LIMIT = "points_limit"
    HANDLING_OPEN = "handling_open"
    OBJECTION_OPEN = "objection_open"
    DEFERRAL_OPEN = "deferral_open"
    ALREADY_DEFERRED = "already_deferred"
    BAD_MONTHS = "bad_months"
    DEFERRAL_TOO_LATE = "deferral_too_late"
    NOT_DECIDED = "not_decided"
    ALREADY_PAID = "already_paid"
    # licence extensions (延期, Order 162 art. 75)
    NO_LICENCE = "no_licence"
    BAD_KIND = "bad_kind"
    BAD_REASON = "bad_reason"
    BAD_YEARS = "bad_years"
    NOT_ACKNOWLEDGED = "not_acknowledged"
    NO_SUCH_EXTENSION = "no_such_extension"
    EXTENSION_OPEN = "extension_open"
    # a person on the line: the voice queue and callbacks
    CALL_FAILED = "call_failed"
    CALLBACK_OPEN = "callback_open"
    CALLBACK_NOT_WAITING = "callback_not_waiting"
    NO_SUCH_CALLBACK = "no_such_callback"
    # announcements
    BAD_AREA = "bad_area"
    NO_AREA = "no_area"
