"""What a texting number is in the middle of, kept in Redis for 10 minutes.

Three things outlive one message:
- numbered choices: the plans of `YY KM2`, the slots of `JY`, the items of `QX`, so that `YY KM2 2` means
  the second plan the sender was shown, not whatever is second now;
- a pending action (apply, book, cancel) waiting for `Y` / `确认`;
- on a shared number, whose records the sender chose with the last 4 of their ID number, and the
  keyword they sent before being asked.

Each entry carries the moment it was written and is read against the injected clock, so "10 minutes"
means the same in tests standing on a fixed day as in production; the Redis TTL only clears leftovers.
Every Redis failure surfaces as `StateUnavailable`, which the caller turns into "please try later".
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import redis
from pydantic import Field, TypeAdapter, ValidationError
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here before Python 3.12

from ..clock import Clock

log = logging.getLogger(__name__)

LIFETIME = timedelta(minutes=10)
# Keys live a little longer in Redis than they are valid, so an entry is never gone before it expires.
_TTL_SECONDS = int(LIFETIME.total_seconds()) + 120


# --- pending actions: what a `Y` carries out -------------------------------------------------------


class ApplyExam(TypedDict):
    do: Literal["apply"]
    plan_id: str


class BookInspection(TypedDict):
    do: Literal["book"]
    vehicle_id: int
    slot_id: str


class ApplyExtension(TypedDict):
    do: Literal["extend"]
    kind: str  # licence_extensions.KINDS
    reason: str  # licence_extensions.REASONS
    years: int


class Cancel(TypedDict):
    do: Literal["cancel"]
    kind: Literal["exam", "booking", "extension"]
    id: int


class HandleViolation(TypedDict):
    do: Literal["handle"]
    ref: str  # the violation's reference


class DeferViolation(TypedDict):
    do: Literal["defer"]
    ref: str
    months: int


class ObjectViolation(TypedDict):
    do: Literal["object"]
    ref: str


Pending = ApplyExam | BookInspection | ApplyExtension | Cancel | HandleViolation | DeferViolation | ObjectViolation
_PENDING: TypeAdapter[Pending] = TypeAdapter(Annotated[Pending, Field(discriminator="do")])


class StateUnavailable(Exception):
    """Redis did not answer: the conversation cannot be read or written right now."""


@dataclass(frozen=True)
class PartyRef:
    kind: str
    id: int

    def as_list(self) -> list:
        return [self.kind, self.id]


class Conversation:
    """The conversation state of one number."""

    def __init__(self, client: redis.Redis, clock: Clock, phone: str, prefix: str = "hotline") -> None:
        self.client = client
        self.clock = clock
        self.phone = phone
        self.prefix = prefix

    # --- numbered choices ---------------------------------------------------------------------------

    def remember_choices(self, party: PartyRef | None, kind: str, items: list[dict[str, Any]]) -> None:
        """Keep the list a sender was shown; `kind` is e.g. "plans:KM2", "slots" or "cancel"."""
        self._put(f"choices:{kind}", {"party": party.as_list() if party else None, "items": items})

    def choice(self, party: PartyRef | None, kind: str, number: int) -> tuple[str, dict[str, Any] | None]:
        """("ok", item) | ("expired", None) when no list is current | ("no_such", None) for a bad number."""
        entry = self._get(f"choices:{kind}")
        if entry is None or entry["party"] != (party.as_list() if party else None):
            return "expired", None
        items = entry["items"]
        if not 1 <= number <= len(items):
            return "no_such", None
        return "ok", items[number - 1]

    # --- pending action -----------------------------------------------------------------------------

    def propose(self, party: PartyRef, action: Pending) -> None:
        """Hold an action until the sender confirms; a newer proposal replaces an older one."""
        stored = _PENDING.dump_python(_PENDING.validate_python(action), mode="json")
        self._put("pending", {"party": party.as_list(), "action": stored})

    def take_pending(self, party: PartyRef) -> Pending | None:
        """The action waiting for confirmation, removed so that a second `Y` cannot repeat it.

        One written before a deploy is read as it was written (the same JSON); one that no longer fits the
        types counts as none: the sender is told nothing waits and sends the keyword again."""
        entry = self._get("pending", delete=True)
        if entry is None or entry["party"] != party.as_list():
            return None
        try:
            return _PENDING.validate_python(entry["action"])
        except ValidationError as error:
            where = sorted({".".join(str(p) for p in e["loc"]) for e in error.errors(include_input=False)})
            log.warning("sms pending action unreadable", extra={"where": ", ".join(where)})
            return None

    # --- a contact number change waiting for the code sent to the new number ---------------------

    def await_number_code(self, party: PartyRef, new_phone: str) -> None:
        self._put("number_change", {"party": party.as_list(), "new_phone": new_phone})

    def awaited_number(self, party: PartyRef) -> str | None:
        """The new number whose code this sender may send now (10 minutes, the code's own life)."""
        entry = self._get("number_change")
        if entry is None or entry["party"] != party.as_list():
            return None
        return entry["new_phone"]

    def end_number_change(self) -> None:
        self._get("number_change", delete=True)

    # --- shared numbers -----------------------------------------------------------------------------

    def choose_party(self, party: PartyRef) -> None:
        self._put("party", {"party": party.as_list()})

    def chosen_party(self) -> PartyRef | None:
        entry = self._get("party")
        if entry is None:
            return None
        kind, party_id = entry["party"]
        return PartyRef(kind, party_id)

    def hold_text(self, text: str) -> None:
        """The keyword sent before the sender was asked who they are, to answer once they say."""
        self._put("held", {"text": text})

    def take_held_text(self) -> str | None:
        entry = self._get("held", delete=True)
        return entry["text"] if entry else None

    # --- storage ------------------------------------------------------------------------------------

    def _key(self, name: str) -> str:
        return f"{self.prefix}:sms:{self.phone}:{name}"

    def _put(self, name: str, value: dict[str, Any]) -> None:
        value = {**value, "at": self.clock.now().isoformat()}
        try:
            self.client.set(self._key(name), json.dumps(value, ensure_ascii=False), ex=_TTL_SECONDS)
        except redis.RedisError as error:
            raise StateUnavailable(str(error)) from error

    def _get(self, name: str, *, delete: bool = False) -> dict[str, Any] | None:
        try:
            raw = self.client.getdel(self._key(name)) if delete else self.client.get(self._key(name))
        except redis.RedisError as error:
            raise StateUnavailable(str(error)) from error
        if raw is None:
            return None
        value = json.loads(raw)
        written = datetime.fromisoformat(value["at"])
        if self.clock.now() - written > LIFETIME:
            return None
        return value
