"""What a caller may do, by account level (ARCHITECTURE.md, "Who is calling, and what they may do").

| action             | person none | person internet | person window | organisation (always window) |
|--------------------|-------------|-----------------|---------------|------------------------------|
| HELP, PUBLIC_INFO  | yes         | yes             | yes           | yes                          |
| RECEIVE_NOTICES    | yes         | yes             | yes           | yes                          |
| OWN_QUERIES        | register    | yes             | yes           | person only                  |
| INSPECTION_BOOKING | register    | yes             | yes           | yes (its own vehicles)       |
| EXAM_APPLICATION   | register    | yes             | yes           | person only                  |
| ORG_VEHICLES       | org only    | org only        | org only      | yes                          |

An organisation's "own queries" are its vehicles and their violations, which is ORG_VEHICLES; it holds no
licence and takes no exams, so OWN_QUERIES and EXAM_APPLICATION are for persons. An account value the
table does not know counts as `none`: the safe reading of a record we do not understand.

Refusal codes raised by `require` (all `NotPermitted`, facts: `action`, `account`):
- `register_first` — a person at level `none` asked for something registered users may do; the channel
  tells them how to register (12123 app or a window).
- `persons_only` — an organisation asked for a person's service.
- `organisations_only` — a person asked for an organisation's vehicles.
"""

from __future__ import annotations

from enum import StrEnum

from ..domain.refusals import RefusalCode
from .errors import NotPermitted
from .identity import Party


class Action(StrEnum):
    HELP = "help"
    PUBLIC_INFO = "public_info"
    RECEIVE_NOTICES = "receive_notices"
    OWN_QUERIES = "own_queries"
    INSPECTION_BOOKING = "inspection_booking"
    EXAM_APPLICATION = "exam_application"
    ORG_VEHICLES = "org_vehicles"


EVERYONE = frozenset({Action.HELP, Action.PUBLIC_INFO, Action.RECEIVE_NOTICES})
REGISTERED = EVERYONE | {Action.OWN_QUERIES, Action.INSPECTION_BOOKING, Action.EXAM_APPLICATION}
PERSON_LEVELS: dict[str, frozenset[Action]] = {
    "none": EVERYONE,
    "internet": REGISTERED,
    "window": REGISTERED,
}
ORGANISATION = EVERYONE | {Action.INSPECTION_BOOKING, Action.ORG_VEHICLES}


def allowed(party: Party, action: Action) -> bool:
    return action in _actions(party)


def require(party: Party, action: Action) -> None:
    """Raise `NotPermitted` with a code the channel can explain when `party` may not do `action`."""
    if allowed(party, action):
        return
    facts = {"action": str(action), "account": party.account}
    if party.kind == "organisation":
        raise NotPermitted(RefusalCode.PERSONS_ONLY, **facts)
    if action is Action.ORG_VEHICLES:
        raise NotPermitted(RefusalCode.ORGANISATIONS_ONLY, **facts)
    raise NotPermitted(RefusalCode.REGISTER_FIRST, **facts)


def query_action(party: Party) -> Action:
    """The action that reading one's own records needs: a person's own, or an organisation's vehicles."""
    return Action.ORG_VEHICLES if party.kind == "organisation" else Action.OWN_QUERIES


def _actions(party: Party) -> frozenset[Action]:
    if party.kind == "organisation":
        return ORGANISATION
    return PERSON_LEVELS.get(party.account, EVERYONE)
