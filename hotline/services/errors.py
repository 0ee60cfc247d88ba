"""How the business core says no: a stable reason code and the facts a channel needs to explain it.

Channels map `code` to a template (`sms_templates/`, `ivr_flows/`); the core never holds channel words.
The codes are one list, `hotline.domain.refusals.RefusalCode`.
"""

from __future__ import annotations

from typing import Any

from ..domain.refusals import RefusalCode


class Refusal(Exception):
    """A request the rules do not allow; `code` is stable, `facts` fill the explanation."""

    def __init__(self, code: RefusalCode | str, **facts: Any) -> None:
        super().__init__(code)
        self.code = code
        self.facts = facts

    def __repr__(self) -> str:
        return f"Refusal({self.code!r}, {self.facts!r})"


class NotPermitted(Refusal):
    """The account level does not allow the action (see services/access.py)."""
