"""Models and sessions. Importing this package registers every table on `Base.metadata`."""

from .announcements import Announcement, AnnouncementSubscription
from .base import Base, UTCDateTime
from .bookings import ExamApplication, InspectionBooking
from .callbacks import CallbackRequest
from .changes import ChangeKind, OutboundChange
from .identity import PhonePreference, VerificationAttempt, VerificationCode
from .licence_extensions import ExtensionApplication
from .notices import Notice, NoticeAttempt, NoticeState
from .number_change import NumberChange
from .queue import QueueEntry
from .records import (
    ExamPlan,
    ExamResult,
    InspectionSlot,
    Learner,
    Licence,
    NoticeRequest,
    Organisation,
    Person,
    Vehicle,
    Violation,
)
from .session import (
    ReadingUnit,
    core_rows,
    database_unavailable,
    make_engine,
    make_sessionmaker,
    reading,
    reading_unit,
    transaction,
)
from .staff import AuditRecord, Staff, StaffRole
from .violation_handling import ViolationRequest

__all__ = [
    "Announcement",
    "AuditRecord",
    "AnnouncementSubscription",
    "ExtensionApplication",
    "Base",
    "CallbackRequest",
    "ChangeKind",
    "core_rows",
    "ReadingUnit",
    "reading_unit",
    "database_unavailable",
    "ExamApplication",
    "ExamPlan",
    "ExamResult",
    "InspectionBooking",
    "InspectionSlot",
    "Learner",
    "Licence",
    "NoticeRequest",
    "Notice",
    "NoticeAttempt",
    "NoticeState",
    "NumberChange",
    "Organisation",
    "OutboundChange",
    "Person",
    "QueueEntry",
    "PhonePreference",
    "Staff",
    "StaffRole",
    "UTCDateTime",
    "Vehicle",
    "VerificationAttempt",
    "VerificationCode",
    "Violation",
    "ViolationRequest",
    "make_engine",
    "make_sessionmaker",
    "reading",
    "transaction",
]
