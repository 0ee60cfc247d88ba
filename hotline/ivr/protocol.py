"""What passes between a webhook, the pure step, the actions and Redis, as types.

- Events go into `engine.step` (from a webhook, or from the action bridge with an action's result).
- Actions come out of it: words to say, what to wait for, a person to dial, the line to close, or a named
  action to run (always last). `twiml.from_actions` renders them; `call.advance` runs the `run` ones.
- `CallState` is what is kept in Redis between webhooks. Its call variables (`CallVars`) hold the service
  views themselves (a licence, a list of plans), so a date is a `date` because the type says so. `dump` and
  `load` are the only way in and out of JSON.

A call in progress during a deploy keeps its state: the JSON is the same shape as before these types (each
view an object of its fields, dates as ISO text, tuples as lists) and is read back into them. A state that
does not fit (a view that lost or renamed a field since it was saved) raises StateUnreadable, naming where
but never the values; the webhook ends that call politely, as on any fault: sorry, then a person in office
hours or the hours to call back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, NotRequired

from pydantic import ConfigDict, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here before Python 3.12

from ..services.announcements import AnnouncementView
from ..services.exams import ApplicationView, PlanView
from ..services.identity import Party
from ..services.inspections import BookingView, SlotView
from ..services.licence_extensions import ExtensionView
from ..services.number_change import ChangeView
from ..services.queries import LicenceView, VehicleView, ViolationView

# --- events ---------------------------------------------------------------------------------------


class _Event(TypedDict):
    caller: NotRequired[str]  # every webhook's event carries the calling number


class StartEvent(_Event):
    type: Literal["start"]
    language: NotRequired[str]


class InputEvent(_Event):
    type: Literal["input"]
    digits: str
    speech: str  # both empty is silence


class DialEvent(_Event):
    type: Literal["dial"]
    status: str  # completed | busy | no-answer | failed | canceled


class ResultEvent(_Event):
    type: Literal["result"]
    outcome: str
    vars: dict[str, Any]  # call variables to set; None deletes one


class RepeatEvent(_Event):
    type: Literal["repeat"]  # say the current node again (a stale or out-of-order webhook)


Event = StartEvent | InputEvent | DialEvent | ResultEvent | RepeatEvent


# --- actions --------------------------------------------------------------------------------------


class Say(TypedDict):
    say: str
    language: str


class GatherSpec(TypedDict, total=False):
    timeout: int
    finish_on_key: str
    num_digits: int
    speech: bool
    hints: str


class Gather(TypedDict):
    gather: GatherSpec
    step: int  # the webhook comes back with ?n=step
    prompt: NotRequired[list[Say]]  # the words inside the Gather


class Dial(TypedDict):
    dial: Literal["agent", "direct"]  # agent: through the queue; direct: the agent's number (after a fault)
    step: int
    timeout: int


class Hangup(TypedDict):
    hangup: Literal[True]


class Run(TypedDict):
    run: str  # an action in ivr/actions.py
    params: dict[str, Any]


Action = Say | Gather | Dial | Hangup | Run


# --- the call state -------------------------------------------------------------------------------


class Refusal(TypedDict):
    code: str
    facts: dict[str, Any]  # for the refusal's words; dates come back from Redis as ISO text (speech reads both)


class ExamRefusal(Refusal):
    subject: str


class Hours(TypedDict):
    start: datetime
    end: datetime
    next_opening: NotRequired[datetime]  # when a callback asked for now would come


class ExtensionKind(TypedDict):
    kind: str


class ExtensionReason(TypedDict):
    reason: str


class ExtensionLength(TypedDict):
    years: int


class DeferralLength(TypedDict):
    months: int


@with_config(ConfigDict(extra="allow"))  # a variable not declared here keeps its plain JSON value
class CallVars(TypedDict, total=False):
    """A call's variables: set by actions (their updates), digit entries and choices (`store`)."""

    # who is calling
    party: Party | None
    parties: list[Party]
    shared: bool  # chosen by the last 4 on a number several people share
    whose: str  # the masked name every answer starts with on a shared number
    party_by_id: bool
    verified: bool
    after_fault: bool  # an action failed: a transfer dials the agent's number instead of the queue
    attempts_left: int
    locked_until: datetime | None
    # digit entries
    last4: str
    id_number: str
    secret: str
    # answers
    hours: Hours
    licence: LicenceView
    vehicles: list[VehicleView]
    vehicle: VehicleView
    violations: list[ViolationView]
    public_plans: list[PlanView]
    public_slots: list[SlotView]
    plans: list[PlanView]
    plan: PlanView
    exam_refusals: list[ExamRefusal]
    applications: list[ApplicationView]
    cancellable: list[ApplicationView]
    application: ApplicationView
    slots: list[SlotView]
    slot: SlotView
    bookings: list[BookingView]
    booking: BookingView
    extension_kinds: list[ExtensionKind]
    extension_kind: ExtensionKind
    extension_reasons: list[ExtensionReason]
    extension_reason: ExtensionReason
    extension_lengths: list[ExtensionLength]
    extension_length: ExtensionLength
    extensions: list[ExtensionView]
    extension: ExtensionView
    announcements: list[AnnouncementView]
    violation: ViolationView  # the one chosen to handle, pay, defer or object to
    deferral_lengths: list[DeferralLength]
    deferral_length: DeferralLength
    refusal: Refusal
    # a contact number change (services/number_change.py): the digits entered, the number proven, the change
    new_number: str
    number_code: str
    new_phone: str  # E.164
    new_phone_masked: str
    number_change: ChangeView
    # paging a list read out, and the copy by SMS
    pos: int
    page: int
    copy: str  # the variable "send me this by SMS" sends
    sent_to: str  # the masked number it went to
    # a person
    callback_due: datetime | None  # when the callback asked for will come (China time)


class Counters(TypedDict):
    node: str | None
    no_input: int
    wrong_input: int


class CallState(TypedDict):
    language: str
    caller: str
    node: str | None
    step: int  # the number the next webhook must carry
    moves: int  # inputs taken, against the flow's cap
    vars: CallVars
    counters: Counters
    stack: list[str]  # the menus `#` goes back through
    pages: dict[str, int]  # choice node -> page shown
    trail: list[list[str]]  # [source, edge kind, language] per move


_STATE = TypeAdapter(CallState)


class StateUnreadable(ValueError):
    """A saved state that does not fit CallState; the message names where, never the values (personal)."""


def dump(state: CallState) -> bytes:
    """The state as JSON for Redis: views as objects, dates and times as ISO text."""
    return _STATE.dump_json(state)


def load(raw: bytes | str) -> CallState:
    """A saved state read back with its types; StateUnreadable when it does not fit."""
    try:
        return _STATE.validate_json(raw)
    except ValidationError as error:
        where = sorted({".".join(str(part) for part in e["loc"]) for e in error.errors(include_input=False)})
        raise StateUnreadable(f"{error.error_count()} error(s) at {', '.join(where)}") from None
