"""Extension applications: 延期换证 (renewal), 延期审验 (review), 延期提交身体条件证明 (physical certificate).

A driver who cannot renew, be reviewed or hand in a physical-condition certificate in time (military
service, abroad, or another reason) applies for an extension of 1 to 3 years. The platform's rule: only a
`window`-verified user may apply; an internet-registered user is told to have the account converted at a
window first. The channel tells the caller that during an extension the licence may not be used to drive
and applies only once they confirm (`acknowledged=True`).

An application goes to the change feed (`extension_application`) as `pending`. The upstream answers by
updating the licence record: status N (renewal), T (review) or P (physical) with `extension_until`.
`settle_from_changes`, called by ingest after every batch of upserts, turns the open application of that
kind into `granted`; the licence query then reports the extension. One open application per kind; a
pending one may be cancelled (`extension_cancellation` in the feed).

Refusal codes and their facts:
- `persons_only` (NotPermitted; action, account) — an organisation asked.
- `window_account_only` (NotPermitted; account) — the person is not window-verified; `account` says
  whether they must register (`none`) or only convert (`internet`).
- `no_licence` — no licence is on record for the person.
- `bad_kind` (kind), `bad_reason` (reason), `bad_years` (years) — a choice outside the lists.
- `not_acknowledged` — the driving ban during the extension was not confirmed.
- `extension_open` (kind, application_id) — an application of this kind is already pending.
- `no_such_extension` (application_id) — not found, or not this person's.
- `not_cancellable` (status) — the application is no longer pending.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..clock import Clock
from ..db import ChangeKind, ExtensionApplication, Licence, Person
from ..domain.refusals import RefusalCode
from ..domain.request_states import ExtensionStatus
from .changefeed import record_change
from .errors import NotPermitted, Refusal

if TYPE_CHECKING:
    from .identity import Party

# What can be extended, in the order the channels number them, and the licence status letter that the
# upstream sets when it grants each one.
KINDS = ("renewal", "review", "physical")
STATUS_LETTER = {"renewal": "N", "review": "T", "physical": "P"}
REASONS = ("military", "abroad", "other")  # 服兵役, 出国(境), 其他
MIN_YEARS, MAX_YEARS = 1, 3


@dataclass(frozen=True)
class ExtensionView:
    id: int
    kind: str
    status_letter: str
    reason: str
    years: int
    status: str  # pending | granted | cancelled
    channel: str
    applied_at: datetime
    extension_until: date | None

    @property
    def extension_kind(self) -> str:
        """The same as `kind`, under a name list templates can test for (`i.extension_kind is defined`)."""
        return self.kind


def check_eligible(session: Session, party: Party) -> None:
    """Raise the refusal a channel should give before asking any question (window rule, licence)."""
    if party.kind != "person":
        raise NotPermitted(RefusalCode.PERSONS_ONLY, action="extension", account=party.account)
    if party.account != "window":
        raise NotPermitted(RefusalCode.WINDOW_ACCOUNT_ONLY, account=party.account)
    if session.scalar(select(Licence.id).where(Licence.person_id == party.id)) is None:
        raise Refusal(RefusalCode.NO_LICENCE)


def applications(session: Session, party: Party) -> list[ExtensionView]:
    """The person's extension applications, newest first (none for an organisation)."""
    if party.kind != "person":
        return []
    rows = session.scalars(
        select(ExtensionApplication)
        .where(ExtensionApplication.person_id == party.id)
        .order_by(ExtensionApplication.applied_at.desc(), ExtensionApplication.id.desc())
    )
    return [_view(row) for row in rows]


def pending(session: Session, party: Party) -> list[ExtensionView]:
    return [view for view in applications(session, party) if view.status == ExtensionStatus.PENDING]


def apply(
    session: Session,
    clock: Clock,
    party: Party,
    *,
    kind: str,
    reason: str,
    years: int,
    acknowledged: bool,
    channel: str,
) -> ExtensionView:
    """Open an extension application. Raises Refusal."""
    check_eligible(session, party)
    if kind not in KINDS:
        raise Refusal(RefusalCode.BAD_KIND, kind=kind)
    if reason not in REASONS:
        raise Refusal(RefusalCode.BAD_REASON, reason=reason)
    if isinstance(years, bool) or not isinstance(years, int) or not MIN_YEARS <= years <= MAX_YEARS:
        raise Refusal(RefusalCode.BAD_YEARS, years=years)
    if not acknowledged:
        raise Refusal(RefusalCode.NOT_ACKNOWLEDGED)
    # Lock the person's row so two channels applying at once queue up here (SQLite serialises writers).
    person = session.scalar(select(Person).where(Person.id == party.id).with_for_update())
    _refuse_open(session, party.id, kind)
    now = clock.now()
    application = ExtensionApplication(
        person_id=party.id, kind=kind, reason=reason, years=years, status=ExtensionStatus.PENDING,
        channel=channel, applied_at=now,
    )
    try:
        with session.begin_nested():
            session.add(application)
            session.flush()
    except IntegrityError:  # the partial unique index: another transaction opened one first
        _refuse_open(session, party.id, kind)
        raise
    record_change(session, ChangeKind.EXTENSION_APPLICATION, _payload(application, person), now)
    return _view(application)


def cancel(session: Session, clock: Clock, party: Party, application_id: int, channel: str) -> ExtensionView:
    """Withdraw a pending application. Raises Refusal."""
    if party.kind != "person":
        raise NotPermitted(RefusalCode.PERSONS_ONLY, action="extension", account=party.account)
    person = session.scalar(select(Person).where(Person.id == party.id).with_for_update())
    application = session.get(ExtensionApplication, application_id, populate_existing=True)
    if application is None or application.person_id != party.id:
        raise Refusal(RefusalCode.NO_SUCH_EXTENSION, application_id=application_id)
    if application.status != ExtensionStatus.PENDING:
        raise Refusal(RefusalCode.NOT_CANCELLABLE, status=application.status)
    now = clock.now()
    application.status = ExtensionStatus.CANCELLED
    application.cancelled_at = now
    session.flush()
    record_change(session, ChangeKind.EXTENSION_CANCELLATION, _payload(application, person) | {"channel": channel},
                  now)
    return _view(application)


def settle_from_changes(session: Session, changes: Iterable, *, now: datetime) -> int:
    """Grant the open applications the upstream answered: a licence change that shows status N, T or P
    newly gained (or an `extension_until` moved on) with `extension_until` set grants the pending
    application of that kind. Called by ingest in its transaction; returns how many were granted."""
    answered: dict[int, list[tuple[str, date]]] = {}
    for change in changes:
        if change.type != "licence":
            continue
        new, old = change.new, change.old or {}
        until = new.get("extension_until")
        if until is None:
            continue
        for kind, letter in STATUS_LETTER.items():
            if letter not in (new.get("status") or ""):
                continue
            if letter in (old.get("status") or "") and old.get("extension_until") == until:
                continue  # nothing new about this extension
            answered.setdefault(new["person_id"], []).append((kind, until))
    if not answered:
        return 0
    open_rows = session.scalars(
        select(ExtensionApplication).where(
            ExtensionApplication.person_id.in_(list(answered)),
            ExtensionApplication.status == ExtensionStatus.PENDING,
        )
    ).all()
    granted = 0
    for application in open_rows:
        for kind, until in answered[application.person_id]:
            if application.kind == kind:
                application.status = ExtensionStatus.GRANTED
                application.granted_at = now
                application.extension_until = until
                granted += 1
    session.flush()
    return granted


def _refuse_open(session: Session, person_id: int, kind: str) -> None:
    open_id = session.scalar(
        select(ExtensionApplication.id).where(
            ExtensionApplication.person_id == person_id,
            ExtensionApplication.kind == kind,
            ExtensionApplication.status == ExtensionStatus.PENDING,
        )
    )
    if open_id is not None:
        raise Refusal(RefusalCode.EXTENSION_OPEN, kind=kind, application_id=open_id)


def _view(application: ExtensionApplication) -> ExtensionView:
    return ExtensionView(
        id=application.id,
        kind=application.kind,
        status_letter=STATUS_LETTER[application.kind],
        reason=application.reason,
        years=application.years,
        status=application.status,
        channel=application.channel,
        applied_at=application.applied_at,
        extension_until=application.extension_until,
    )


def _payload(application: ExtensionApplication, person: Person) -> dict:
    # The upstream's own key for the person: the feed is token-protected and goes back only to it.
    return {
        "application_id": application.id,
        "id_number": person.id_number,
        "kind": application.kind,
        "status_letter": STATUS_LETTER[application.kind],
        "reason": application.reason,
        "years": application.years,
        "status": application.status,
        "applied_at": application.applied_at.isoformat(),
        "cancelled_at": application.cancelled_at.isoformat() if application.cancelled_at else None,
        "channel": application.channel,
    }
