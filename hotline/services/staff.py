"""Staff accounts: creating them, signing in with lockout, and the audit trail of the desk.

Signing in answers the same for an unknown name and a wrong password, so the sign-in page does not tell a
stranger which names exist. Five failures in a row lock the account for `LOCKOUT`, as five failed PINs lock
a caller (README, "Who is calling"); a success resets the count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import validation
from ..db.staff import AuditRecord, Staff, StaffRole
from ..security import check_pin, hash_pin

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10


class StaffError(ValueError):
    """A staff account that cannot be made as asked; the message says why."""


class SignIn(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # unknown name or wrong password: the same answer
    LOCKED = "locked"


@dataclass(frozen=True)
class SignInResult:
    outcome: SignIn
    staff: Staff | None = None
    locked_until: datetime | None = None


def add_staff(
    session: Session, name: str, role: str, password: str, *, pepper: str, now: datetime, phone: str | None = None
) -> Staff:
    name = name.strip()
    if not name or len(name) > 60:
        raise StaffError("a name of 1 to 60 characters")
    try:
        role = StaffRole(role)
    except ValueError:
        raise StaffError(f"role must be one of {', '.join(StaffRole)}, not {role!r}") from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"a password of at least {MIN_PASSWORD_LENGTH} characters")
    number = None
    if phone:
        try:
            number = validation.phone(phone, "phone", mobile=False)
        except validation.InvalidValue as error:
            raise StaffError(str(error)) from None
    if session.scalar(select(Staff.id).where(Staff.name == name)) is not None:
        raise StaffError(f"there is already a staff member called {name!r}")
    staff = Staff(
        name=name,
        role=role.value,
        password_hash=hash_pin(password, pepper),
        phone=number,
        failed_attempts=0,
        created_at=now,
    )
    session.add(staff)
    session.flush()
    return staff


def set_password(session: Session, name: str, password: str, *, pepper: str) -> Staff:
    """A new password for `name`; also lifts a lockout."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"a password of at least {MIN_PASSWORD_LENGTH} characters")
    staff = session.scalar(select(Staff).where(Staff.name == name.strip()))
    if staff is None:
        raise StaffError(f"no staff member called {name!r}")
    staff.password_hash = hash_pin(password, pepper)
    staff.failed_attempts = 0
    staff.locked_until = None
    return staff


def sign_in(session: Session, name: str, password: str, *, pepper: str, now: datetime) -> SignInResult:
    """Check a name and password; count failures and lock after `MAX_FAILURES` (call inside a transaction)."""
    staff = session.scalar(select(Staff).where(Staff.name == name.strip()).with_for_update())
    if staff is None:
        # The same cost as a real check, so the answer's timing does not tell that the name is unknown.
        check_pin(password, pepper, _DUMMY_HASH)
        return SignInResult(SignIn.WRONG)
    if staff.locked_until is not None and staff.locked_until > now:
        return SignInResult(SignIn.LOCKED, locked_until=staff.locked_until)
    if not check_pin(password, pepper, staff.password_hash):
        staff.failed_attempts = (staff.failed_attempts or 0) + 1
        if staff.failed_attempts >= MAX_FAILURES:
            staff.failed_attempts = 0
            staff.locked_until = now + LOCKOUT
            return SignInResult(SignIn.LOCKED, locked_until=staff.locked_until)
        return SignInResult(SignIn.WRONG)
    staff.failed_attempts = 0
    staff.locked_until = None
    staff.last_signed_in_at = now
    return SignInResult(SignIn.OK, staff=staff)


def audit(
    session: Session, staff_id: int, *, subject_kind: str, subject_id: int | None, reason: str, page: str, now: datetime
) -> None:
    """Record that a staff member saw a person's (or organisation's) data, and why."""
    session.add(
        AuditRecord(
            staff_id=staff_id,
            subject_kind=subject_kind,
            subject_id=subject_id,
            at=now,
            reason=reason[:200],
            page=page[:60],
        )
    )


def audit_log(session: Session, *, limit: int = 200) -> list[tuple[AuditRecord, str]]:
    """The newest audit records with the staff member's name."""
    rows = session.execute(
        select(AuditRecord, Staff.name)
        .join(Staff, Staff.id == AuditRecord.staff_id)
        .order_by(AuditRecord.at.desc(), AuditRecord.id.desc())
        .limit(limit)
    )
    return [(record, name) for record, name in rows]


# A stored form of no password anyone knows (scrypt of a random string), checked when the name is unknown.
_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
