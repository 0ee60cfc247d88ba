"""Who is calling, and proving it (ARCHITECTURE.md, "Who is calling, and what they may do").

Identify by the calling number: persons and organisations with that number on record (a family phone
matches several; the caller then picks by the last 4 characters of the ID number). Verify before any
personal data: the 6-digit PIN where one is set, else a one-time 6-digit code sent by SMS to the number on
record (which also defeats a spoofed caller ID). The service returns the code; the caller sends it.

Locking: every check is recorded in `VerificationAttempt`. A failure that is the fifth within 15 minutes
locks verification for 15 minutes from that failure, separately for the party and for the calling number,
so neither guessing one person's PIN from many phones nor many IDs from one phone gets more than 5 tries.
A success clears the failures of the party who succeeded (on a family phone, a person who mistyped and
then got it right starts afresh), never those against anyone else: a phone proving itself on its own
account in between does not earn more guesses at other people's. While locked a check is recorded as
`locked` and the PIN or code is not looked at. Because no failure is recorded while a key is locked, and
a lock outlasts the 15-minute window, the failures before a lock can never count towards the next one.

An entered ID number gets the same outward answer whether it exists or not: `start_with_id_number`
returns `(None, None)` for an unknown ID, a code check against `None` always fails (counted against the
calling number), and both paths compute a hash so that they take about as long. Every entered ID is
recorded against the calling number (outcome `id_entry`), on record or not, and a number gets codes sent
for at most 5 entered IDs an hour: typing other people's ID numbers must not make the hotline text
strangers (the per-party limit alone would allow 5 texts to each of any number of people).

One-time codes are stored as an HMAC keyed with the pepper (a 6-digit code would fall to brute force
from a plain hash, and a slow hash buys nothing over a 10-minute, single-use, rate-limited secret).
Issuing a code retires the party's earlier open codes, so repeated requests do not widen the guess.

Refusal codes (raised by `issue_code`; `start_with_id_number` swallows them to keep its answer uniform):
- `verification_locked` — facts: `locked_until` (aware UTC). No code is sent while the party is locked.
- `too_many_codes` — facts: `retry_at` (aware UTC). At most 5 codes per party per hour, 10 per party in 24
  hours, and 10 in 24 hours to one receiving number whoever they are for (SMS pumping; codes as a weapon).
- `unknown_language` (from `set_language`) — facts: `language`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Connection, String, bindparam, func, literal, select, union_all, update
from sqlalchemy.orm import Session

from hotline.clock import Clock
from hotline.config import Settings
from hotline.db import (
    Organisation,
    Person,
    PhonePreference,
    VerificationAttempt,
    VerificationCode,
    core_rows,
)
from hotline.masking import mask_name
from hotline.security import check_pin, hash_pin

from ..domain.refusals import RefusalCode
from ..domain.verification import VerificationOutcome
from .errors import Refusal

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)
CODE_LIFETIME = timedelta(minutes=10)
CODE_DIGITS = 6
MAX_CODES_PER_HOUR = 5
# A daily ceiling besides: 5 an hour alone let one attacker make the hotline text 120 codes a day to a victim.
MAX_CODES_PER_DAY = 10  # per party
MAX_CODES_PER_NUMBER_PER_DAY = 10  # per receiving number, whoever on it they are for (a family phone)
CODE_DAY = timedelta(hours=24)
MAX_ID_ENTRIES_PER_HOUR = 5  # per calling number
LANGUAGES = ("zh-CN", "en")

PERSON = "person"
ORGANISATION = "organisation"
METHOD_PIN = "pin"
METHOD_CODE = "otp"


@dataclass(frozen=True)
class Party:
    kind: str  # "person" | "organisation"
    id: int  # Person.id or Organisation.id
    name_masked: str  # 林*明
    phone: str  # E.164 on record
    account: str  # "none" | "internet" | "window" (organisations: "window")
    language: str  # "zh-CN" | "en"
    has_pin: bool
    id_last4: str  # last 4 characters of the ID number or organisation code ("123X")


# Stands in for an ID number that matched nobody, so that its path runs the same queries as a real one's
# (ids start at 1: nothing is ever on record for it). Never recorded: attempts keep party None.
_NOBODY = Party(kind=PERSON, id=0, name_masked="", phone="", account="none", language="zh-CN", has_pin=False,
                id_last4="")


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    locked_until: datetime | None  # set when this check was refused or caused a lock
    attempts_left: int  # failures still allowed before the lock (0 when locked)


@dataclass(frozen=True)
class IssuedCode:
    code: str  # the plain code, for the SMS only; never log it
    phone: str  # the number on record: send it here, never to a different calling number
    expires_at: datetime


# --- identification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Texter:
    """A texting number: who is on record with it, and the reply language it chose itself."""

    parties: list[Party]  # as `identify` gives them
    language: str | None  # PhonePreference.language (chosen with EN / 中文); it outranks the parties' own


def identify(session: Session | Connection, phone_e164: str) -> list[Party]:
    """Everyone on record with this number: persons first, then organisations, each in record order. The
    rows are plain rows, so a read-only Core connection (Runtime.reading) serves as well as a session."""
    return [_row_party(row) for row in core_rows(session, _parties_query(), {"phone": phone_e164})]


def identify_texter(session: Session | Connection, phone_e164: str) -> Texter:
    """`identify`, and the number's own reply language read in the same query (a second one only for a
    number nobody on record has, whose query has no row to carry it). A read-only Core connection serves
    as well as a session."""
    # On the session's connection (db/session.py `core_rows`): the rows are plain rows either way, and the
    # ORM's execution of a Core select cost a text's webhook as much as the query itself.
    rows = core_rows(session, _parties_query(with_language=True), {"phone": phone_e164}).all()
    if not rows:
        return Texter(parties=[], language=session.scalar(_chosen_language(phone_e164)))
    return Texter(parties=[_row_party(row) for row in rows], language=rows[0].chosen_language)


def _chosen_language(phone):
    return select(PhonePreference.language).where(PhonePreference.phone == phone)


# Organisations register at a window before they can use the service at all.
WINDOW_ACCOUNT = "window"
# The rank orders persons before organisations; `key` is the ID number or the organisation code.
_PERSON_RANK, _ORG_RANK = 0, 1


def parties_on_phone(phone):
    """The parties on a phone: the persons and the organisations on record with the number `phone` (a value or
    a bound parameter) or any of the numbers in `phone` (a list), or the number in a column of an enclosing
    query (correlated: `parties_on_phone(Notice.phone)` in a notice's row), as one subquery (UNION ALL) with
    the columns rank (persons first), kind, id, name, phone, account, language, pin_hash and key (the ID
    number or the organisation code). Whoever asks who shares a number asks this."""

    def on(column):
        return column.in_(phone) if isinstance(phone, (list, tuple, set, frozenset)) else column == phone

    persons = select(
        literal(_PERSON_RANK).label("rank"), literal(PERSON).label("kind"), Person.id, Person.name, Person.phone,
        Person.account, Person.language, Person.pin_hash, Person.id_number.label("key"),
    ).where(on(Person.phone)).correlate_except(Person)
    orgs = select(
        literal(_ORG_RANK).label("rank"), literal(ORGANISATION).label("kind"), Organisation.id, Organisation.name,
        Organisation.phone, literal(WINDOW_ACCOUNT).label("account"), Organisation.language,
        Organisation.pin_hash, Organisation.org_code.label("key"),
    ).where(on(Organisation.phone)).correlate_except(Organisation)
    return union_all(persons, orgs).subquery("party")


@cache
def _parties_query(*, with_language: bool = False):
    """The parties on the number `:phone` in record order, as `identify` reads them; built once."""
    phone = bindparam("phone", type_=String)
    both = parties_on_phone(phone)
    extra = [_chosen_language(phone).scalar_subquery().label("chosen_language")] if with_language else []
    return select(both, *extra).order_by(both.c.rank, both.c.id)


def _row_party(row) -> Party:
    return _party(row.kind, row.id, row.name, row.phone, row.account, row.language, row.pin_hash, row.key)


def choose_by_last4(parties: list[Party], last4: str) -> Party | None:
    """The one party whose ID number ends with `last4` (an `x` reads as `X`).

    None when nobody matches, and also when two on the same number share the last 4 characters: the
    hotline never guesses whose data to read out; the channel falls back to the whole ID number.
    """
    wanted = (last4 or "").strip().upper()
    if len(wanted) != 4:
        return None
    matches = [p for p in parties if p.id_last4 == wanted]
    return matches[0] if len(matches) == 1 else None


def party_by_id_number(session: Session, id_or_org_code: str) -> Party | None:
    """The person with this resident ID or the organisation with this unified social credit code."""
    key = (id_or_org_code or "").strip().upper()
    if not key:
        return None
    # Both asked every time: a known person's ID must not answer sooner than an unknown one.
    person = session.scalar(select(Person).where(Person.id_number == key))
    org = session.scalar(select(Organisation).where(Organisation.org_code == key))
    if person is not None:
        return _person_party(person)
    return _org_party(org) if org is not None else None


def set_language(session: Session, party: Party, language: str) -> Party:
    """Keep the party's reply language (the hotline owns it once set); returns the updated party."""
    if language not in LANGUAGES:
        raise Refusal(RefusalCode.UNKNOWN_LANGUAGE, language=language)
    record = _record(session, party)
    record.language = language
    session.flush()
    return replace(party, language=language)


def party_by_key(session: Session, kind: str, id: int) -> Party | None:
    """The party a stored (kind, id) names (a callback request, a caller in the queue), or None if gone."""
    if kind == PERSON:
        person = session.get(Person, id)
        return _person_party(person) if person is not None else None
    if kind == ORGANISATION:
        org = session.get(Organisation, id)
        return _org_party(org) if org is not None else None
    return None


def _person_party(person: Person) -> Party:
    return _party(PERSON, person.id, person.name, person.phone, person.account, person.language, person.pin_hash,
                  person.id_number)


def _org_party(org: Organisation) -> Party:
    return _party(ORGANISATION, org.id, org.name, org.phone, WINDOW_ACCOUNT, org.language, org.pin_hash,
                  org.org_code)


def _party(kind: str, id: int, name: str, phone: str, account: str | None, language: str | None,
           pin_hash: str | None, key: str) -> Party:
    """`key`: the ID number, or the organisation's unified social credit code."""
    return Party(
        kind=kind,
        id=id,
        name_masked=mask_name(name),
        phone=phone,
        account=account or "none",
        language=language or "zh-CN",
        has_pin=bool(pin_hash),
        id_last4=key[-4:].upper(),
    )


def _record(session: Session, party: Party) -> Person | Organisation:
    model = Person if party.kind == PERSON else Organisation
    record = session.get(model, party.id)
    if record is None:
        raise LookupError(f"{party.kind} {party.id} is no longer on record")
    return record


# --- locking --------------------------------------------------------------------------------------

# Check-then-record must be one step per key, or forty requests at once all read "4 failures so far" and
# all get checked (PostgreSQL's READ COMMITTED lets them). SQLite already runs every writing transaction
# alone (BEGIN IMMEDIATE); on PostgreSQL a transaction first takes an advisory lock per key it reads and
# writes: the calling number, the party, the receiving number. Always in that order (the rank in the key),
# so two transactions never wait on each other crosswise; the locks end with the transaction.
_KEY_NUMBER, _KEY_PARTY, _KEY_PHONE = "1-number", "2-party", "3-phone"


def _serialise(session: Session, *keys: str) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"verify:{key}", 0))))


def _number_key(calling_number: str) -> str:
    return f"{_KEY_NUMBER}:{calling_number}"


def _party_key(party: Party) -> str:
    return f"{_KEY_PARTY}:{party.kind}:{party.id}"


def _phone_key(phone: str) -> str:
    return f"{_KEY_PHONE}:{phone}"


def lock_state(session: Session, clock: Clock, party: Party | None, calling_number: str) -> datetime | None:
    """Until when verification is locked for this party or this calling number; None when it is not."""
    now = clock.now()
    return _lock(now, _party_history(session, now, party), _number_history(session, now, calling_number))


# (when, outcome, whose: (party_kind, party_id), both None for an ID that matched nobody)
Attempt = tuple[datetime, str, tuple[str | None, int | None]]


def _party_history(session: Session, now: datetime, party: Party | None) -> list[Attempt]:
    if party is None:
        return []
    return _history(
        session,
        now,
        (VerificationAttempt.party_kind == party.kind) & (VerificationAttempt.party_id == party.id),
    )


def _number_history(session: Session, now: datetime, calling_number: str) -> list[Attempt]:
    return _history(session, now, VerificationAttempt.calling_number == calling_number)


def _history(session: Session, now: datetime, key) -> list[Attempt]:
    """The attempts that can still matter: a lock active now began within 15 minutes, and its five
    failures within 15 minutes before that."""
    since = now - LOCK_DURATION - FAILURE_WINDOW
    rows = session.execute(
        select(
            VerificationAttempt.at,
            VerificationAttempt.outcome,
            VerificationAttempt.party_kind,
            VerificationAttempt.party_id,
        )
        .where(key, VerificationAttempt.at > since)
        .order_by(VerificationAttempt.at, VerificationAttempt.id)
    )
    return [(at, outcome, (kind, party_id)) for at, outcome, kind, party_id in rows]


def _failures_since_success(history: list[Attempt]) -> list[datetime]:
    """The failures not cleared by a later success of the same party, oldest first."""
    failures: list[tuple[datetime, tuple[str | None, int | None]]] = []
    for at, outcome, whose in history:
        if outcome == VerificationOutcome.SUCCESS:
            failures = [failure for failure in failures if failure[1] != whose]
        elif outcome == VerificationOutcome.FAILURE:
            failures.append((at, whose))
    return [at for at, _ in failures]


def _locked_until(now: datetime, history: list[Attempt]) -> datetime | None:
    failures = _failures_since_success(history)
    until = None
    for i in range(MAX_FAILURES - 1, len(failures)):
        if failures[i] - failures[i - MAX_FAILURES + 1] < FAILURE_WINDOW:
            until = failures[i] + LOCK_DURATION
    return until if until is not None and until > now else None


def _lock(now: datetime, *histories: list[Attempt]) -> datetime | None:
    locks = [until for h in histories if (until := _locked_until(now, h)) is not None]
    return max(locks) if locks else None


def _attempts_left(now: datetime, *histories: list[Attempt]) -> int:
    recent = max(sum(1 for at in _failures_since_success(h) if at > now - FAILURE_WINDOW) for h in histories)
    return max(MAX_FAILURES - recent, 0)


# --- checks ---------------------------------------------------------------------------------------


def verify_pin(
    session: Session, clock: Clock, settings: Settings, party: Party | None, pin: str, calling_number: str
) -> VerifyResult:
    """Check the party's PIN. A party without a PIN (or None) fails like a wrong PIN, after the same work."""

    def check(record: Person | Organisation | None) -> bool:
        if record is None or not record.pin_hash:
            hash_pin(pin or "", settings.pin_pepper)  # the same slow work, so timing tells nothing
            return False
        return check_pin(pin or "", settings.pin_pepper, record.pin_hash)

    return _verify(session, clock, party, calling_number, METHOD_PIN, check)


def verify_code(
    session: Session,
    clock: Clock,
    settings: Settings,
    party: Party | None,
    code: str,
    calling_number: str,
    *,
    by_id_number: bool = False,
    sent_to: str | None = None,
) -> VerifyResult:
    """Check a one-time code; a correct code works once, within 10 minutes, and only the latest one.

    `by_id_number`: the caller typed the ID number (`party` is None when it matched nobody). Then the answer
    must not tell a known ID from an unknown one, so only the calling number's lock and count are told: a
    party locked by failures elsewhere hears a plain wrong code (counted against the calling number, as an
    unknown ID's would be) and its code is not looked at.

    `sent_to`: check a code sent to that number for a contact number change (services/number_change.py)
    instead of a verification code; the two never stand in for each other. Failures count the same.
    """
    now = clock.now()
    subject = party or _NOBODY  # an unknown ID asks the same question, of nobody

    def check(_record: Person | Organisation | None) -> bool:
        candidate = _code_hash(settings, party, code or "")
        issued = session.scalar(
            select(VerificationCode)
            .where(*_open_codes(subject, now, sent_to))
            .order_by(VerificationCode.issued_at.desc(), VerificationCode.id.desc())
            .limit(1)
        )
        if party is None or issued is None or not hmac.compare_digest(issued.code_hash, candidate):
            return False
        # Conditional, so two calls racing with the same code cannot both use it.
        used = session.execute(
            update(VerificationCode)
            .where(VerificationCode.id == issued.id, VerificationCode.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return used.rowcount == 1

    return _verify(session, clock, party, calling_number, METHOD_CODE, check, by_id_number=by_id_number)


def _verify(session, clock, party, calling_number, method, check, *, by_id_number=False) -> VerifyResult:
    subject = party or _NOBODY
    _serialise(session, _number_key(calling_number), _party_key(subject))
    now = clock.now()
    party_history = _party_history(session, now, subject)
    number_history = _number_history(session, now, calling_number)
    # What the caller may be told: by an entered ID number, only what an unknown ID would show (the
    # calling number's own count and lock); else the party's as well.
    told = [number_history] if by_id_number else [party_history, number_history]
    number_locked = _lock(now, number_history)
    party_locked = _lock(now, party_history)
    if number_locked is not None or (party_locked is not None and not by_id_number):
        _record_attempt(session, party, calling_number, method, VerificationOutcome.LOCKED, now)
        return VerifyResult(ok=False, locked_until=_lock(now, *told), attempts_left=0)

    record = _party_record(session, subject)
    if party is None:
        record = None
    elif record is None:
        raise LookupError(f"{party.kind} {party.id} is no longer on record")
    if party_locked is not None:
        # By an ID number, and that party is locked by failures elsewhere: not looked at, and answered as a
        # wrong code for an unknown ID is (recorded against the calling number only, as that one would be).
        check(None)
        whose: Party | None = None
    elif check(record):
        _record_attempt(session, party, calling_number, method, VerificationOutcome.SUCCESS, now)
        return VerifyResult(ok=True, locked_until=None, attempts_left=MAX_FAILURES)
    else:
        whose = party

    _record_attempt(session, whose, calling_number, method, VerificationOutcome.FAILURE, now)
    failure = (now, VerificationOutcome.FAILURE, (whose.kind, whose.id) if whose else (None, None))
    if whose is not None:
        party_history.append(failure)
    number_history.append(failure)
    return VerifyResult(ok=False, locked_until=_lock(now, *told), attempts_left=_attempts_left(now, *told))


def _party_record(session: Session, party: Party) -> Person | Organisation | None:
    return session.get(Person if party.kind == PERSON else Organisation, party.id)


def _record_attempt(session, party, calling_number, method, outcome, now) -> None:
    session.add(
        VerificationAttempt(
            party_kind=party.kind if party else None,
            party_id=party.id if party else None,
            calling_number=calling_number,
            method=method,
            outcome=outcome,
            at=now,
        )
    )
    session.flush()


# --- one-time codes -------------------------------------------------------------------------------


def issue_code(
    session: Session, clock: Clock, settings: Settings, party: Party, *, sent_to: str | None = None
) -> IssuedCode:
    """A fresh 6-digit code for `party`, valid 10 minutes; the caller texts it to `IssuedCode.phone`.

    `sent_to`: a code that proves a new contact number (services/number_change.py), texted there. It counts
    toward the party's caps and the receiving number's like any code, and is checked by `verify_code`
    with the same `sent_to` only."""
    refusal = _code_refusal(session, clock, party, phone=sent_to)
    if refusal is not None:
        raise refusal
    return _make_code(session, clock, settings, party, sent_to=sent_to)


def _open_codes(party: Party, now: datetime, sent_to: str | None) -> tuple:
    """The party's codes still open (unused, unexpired) of one use: to the number on record (`sent_to` None)
    or to prove the new number `sent_to`. The newest is the one accepted; issuing one closes the others."""
    sent = VerificationCode.sent_to.is_(None) if sent_to is None else VerificationCode.sent_to == sent_to
    return (VerificationCode.party_kind == party.kind, VerificationCode.party_id == party.id,
            VerificationCode.used_at.is_(None), VerificationCode.expires_at > now, sent)


def _code_refusal(session: Session, clock: Clock, party: Party, *, phone: str | None = None) -> Refusal | None:
    """Why no code may be sent to `party` now (None: it may); `phone`: where it would go, when not to the
    party's number on record. Every check is asked every time, whatever the first one says, so that the
    work done does not depend on the answer."""
    phone = phone or party.phone
    _serialise(session, _party_key(party), _phone_key(phone))
    now = clock.now()
    locked_until = _lock(now, _party_history(session, now, party))
    today = list(
        session.scalars(
            select(VerificationCode.issued_at)
            .where(
                VerificationCode.party_kind == party.kind,
                VerificationCode.party_id == party.id,
                VerificationCode.issued_at > now - CODE_DAY,
            )
            .order_by(VerificationCode.issued_at)
        )
    )
    to_number = _codes_to_number(session, phone, now - CODE_DAY)
    recent = [at for at in today if at > now - timedelta(hours=1)]
    if locked_until is not None:
        return Refusal(RefusalCode.VERIFICATION_LOCKED, locked_until=locked_until)
    if len(recent) >= MAX_CODES_PER_HOUR:
        return Refusal(RefusalCode.TOO_MANY_CODES, retry_at=recent[-MAX_CODES_PER_HOUR] + timedelta(hours=1))
    if len(today) >= MAX_CODES_PER_DAY:
        return Refusal(RefusalCode.TOO_MANY_CODES, retry_at=today[-MAX_CODES_PER_DAY] + CODE_DAY)
    if len(to_number) >= MAX_CODES_PER_NUMBER_PER_DAY:
        return Refusal(RefusalCode.TOO_MANY_CODES, retry_at=to_number[-MAX_CODES_PER_NUMBER_PER_DAY] + CODE_DAY)
    return None


def _make_code(
    session: Session, clock: Clock, settings: Settings, party: Party, *, sent_to: str | None = None
) -> IssuedCode:
    now = clock.now()
    # Retire the earlier open codes of the same use: only the newest one is ever accepted.
    session.execute(
        update(VerificationCode)
        .where(*_open_codes(party, now, sent_to))
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    expires_at = now + CODE_LIFETIME
    session.add(
        VerificationCode(
            party_kind=party.kind,
            party_id=party.id,
            code_hash=_code_hash(settings, party, code),
            issued_at=now,
            expires_at=expires_at,
            sent_to=sent_to,
        )
    )
    session.flush()
    if sent_to is not None:
        return IssuedCode(code=code, phone=sent_to, expires_at=expires_at)
    # The number on record, read again: a Party value may be older than the record.
    record = _party_record(session, party)
    if record is None and party is not _NOBODY:
        raise LookupError(f"{party.kind} {party.id} is no longer on record")
    return IssuedCode(code=code, phone=record.phone if record else party.phone, expires_at=expires_at)


def _codes_to_number(session: Session, phone: str, since: datetime) -> list[datetime]:
    """When codes went in the window to this number, oldest first: codes for the parties on record with it
    (their receiving number is their number on record) and codes sent to it to prove a new number."""
    whose = parties_on_phone(phone)
    return list(
        session.scalars(
            select(VerificationCode.issued_at)
            .outerjoin(
                whose, (VerificationCode.party_kind == whose.c.kind) & (VerificationCode.party_id == whose.c.id)
            )
            .where(
                VerificationCode.issued_at > since,
                ((whose.c.id.is_not(None)) & VerificationCode.sent_to.is_(None)) | (VerificationCode.sent_to == phone),
            )
            .order_by(VerificationCode.issued_at)
        )
    )


def start_with_id_number(
    session: Session, clock: Clock, settings: Settings, id_number: str, calling_number: str
) -> tuple[Party | None, IssuedCode | None]:
    """A caller whose number matched nobody typed an ID number: send a code to the number on record.

    The channel answers the same in every case ("if this ID is on record, a code has been sent"):
    `(None, None)` for an unknown ID; `(party, None)` when no code was sent (the party or the calling number
    is locked, or too many codes) and the later code check fails as any wrong code would.
    """
    _serialise(session, _number_key(calling_number))
    now = clock.now()
    entries = session.scalar(
        select(func.count(VerificationAttempt.id)).where(
            VerificationAttempt.calling_number == calling_number,
            VerificationAttempt.outcome == VerificationOutcome.ID_ENTRY,
            VerificationAttempt.at > now - timedelta(hours=1),
        )
    )
    party = party_by_id_number(session, id_number)
    _record_attempt(session, party, calling_number, METHOD_CODE, VerificationOutcome.ID_ENTRY, now)
    if entries >= MAX_ID_ENTRIES_PER_HOUR:
        return party, None
    if _lock(now, _number_history(session, now, calling_number)) is not None:
        # A locked number must not be able to make the hotline text codes to whoever it names.
        return party, None
    # An unknown ID, or a known one refused a code (locked, or too many codes), does all the work of a code
    # sent (the same queries, a code made and stored) in a savepoint rolled back at the end: how long the
    # answer takes must not tell whether the ID exists, or is locked.
    subject = party or _NOBODY
    refusal = _code_refusal(session, clock, subject)
    try:
        with session.begin_nested():
            issued = _make_code(session, clock, settings, subject)
            if party is None or refusal is not None:
                raise _Discard
    except _Discard:
        return party, None
    return party, issued


class _Discard(Exception):
    """Rolls back the savepoint of the work done for an ID number that matched nobody."""


def _code_hash(settings: Settings, party: Party | None, code: str) -> str:
    subject = f"{party.kind}:{party.id}" if party else "-"
    message = f"{subject}:{code}".encode()
    digest = hmac.new(settings.pin_pepper.encode(), message, hashlib.sha256).hexdigest()
    return f"hmac-sha256${digest}"
