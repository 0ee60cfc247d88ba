"""Opting out of notices and back in, by text.

Two systems can stop texts to a number, and the reply says which one still does:
- ours: `TD` / `退订` / `T` (carriers' convention) sets `opted_out`; `订阅` lifts it;
- Twilio's: on a long code Twilio itself answers STOP / UNSUBSCRIBE / ... and blocks the number until it
  texts START. It still posts the message to us, marked `OptOutType` (STOP, START or HELP); we mirror
  that as `provider_blocked`, because a notice to a blocked number only fails with error 21610.

STOP without `OptOutType` (a gateway that does not handle it, or Twilio's opt-out management switched
off) is our own opt-out: nobody else will honour it. START always lifts both, as the sender plainly wants
texts again. Every change goes to the change feed (services/optouts.py).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from ..db import PhonePreference
from ..services import optouts
from .grammar import Command, Verb

OPT_VERBS = frozenset({Verb.OPT_OUT, Verb.OPT_IN, Verb.PROVIDER_STOP, Verb.PROVIDER_START})


class Outcome(StrEnum):
    OUT = "out"  # notices stopped; reply 订阅 to resume
    IN = "in"  # notices resume
    NEEDS_START = "needs_start"  # our opt-out lifted, but Twilio still blocks the number: text START
    NOT_OUT = "not_out"  # 订阅 from a number that was never out
    PROVIDER_OUT = "provider_out"  # Twilio blocked the number; it sends its own reply, we stay silent
    HELD_IN = "held_in"  # 订阅 while the database was down: held, notices resume once it is applied


def is_opt_message(command: Command, opt_out_type: str | None) -> bool:
    return command.verb in OPT_VERBS or (opt_out_type or "").upper() in ("STOP", "START")


def handle(session: Session, phone: str, command: Command, opt_out_type: str | None, now: datetime) -> Outcome:
    """Apply an opt-out or opt-in message to the number's preference; say what the reply should be."""
    provider = (opt_out_type or "").upper()
    if provider == "STOP":
        optouts.opt_out(session, phone, now, source="twilio_stop", provider_blocked=True)
        return Outcome.PROVIDER_OUT
    if provider == "START" or command.verb is Verb.PROVIDER_START:
        optouts.opt_in(session, phone, now, source="start", provider_unblocked=True)
        return _after_opt_in(session, phone)
    if command.verb in (Verb.OPT_OUT, Verb.PROVIDER_STOP):
        source = "td" if command.verb is Verb.OPT_OUT else "stop"
        optouts.opt_out(session, phone, now, source=source)
        return Outcome.OUT
    # 订阅
    pref = session.get(PhonePreference, phone)
    if pref is None or not pref.opted_out:
        return Outcome.NOT_OUT
    optouts.opt_in(session, phone, now, source="sms")
    return _after_opt_in(session, phone)


def held_outcome(command: Command, opt_out_type: str | None) -> Outcome:
    """What `handle` will have done once a held message is applied, as far as it is known without the
    database: an opt-out is an opt-out, START lifts both; whether a 订阅 lifts anything is not known yet."""
    provider = (opt_out_type or "").upper()
    if provider == "STOP":
        return Outcome.PROVIDER_OUT
    if provider == "START" or command.verb is Verb.PROVIDER_START:
        return Outcome.IN
    if command.verb in (Verb.OPT_OUT, Verb.PROVIDER_STOP):
        return Outcome.OUT
    return Outcome.HELD_IN


def _after_opt_in(session: Session, phone: str) -> Outcome:
    pref = session.get(PhonePreference, phone)
    if pref is not None and pref.provider_blocked:
        return Outcome.NEEDS_START
    return Outcome.IN
