"""A notice's text: the sender signature, then its template rendered in the recipient's language.

Variables are stored as JSON (dates as ISO text, money in fen); they are turned back into dates and
timestamps here so the templates' `day` and `moment` filters see real values.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from ..templates import addressed, render
from .catalogue import kind as kind_of

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _revive(value: Any) -> Any:
    if isinstance(value, str):
        if _DATE.match(value):
            return date.fromisoformat(value)
        if _TIMESTAMP.match(value):
            return datetime.fromisoformat(value)
    return value


def render_body(code: str, variables: dict, language: str) -> str:
    """The template alone, without the signature."""
    kind = kind_of(code)
    # A declared variable left out is an error (StrictUndefined), not a hole in the text.
    values = {name: _revive(variables[name]) for name in kind.variables if name in variables}
    return render(language, kind.template, **values)


def render_notice(notice_or_kind_and_vars, language: str, settings, addressee: str | None = None) -> str:
    """`settings.sms_signature` + the notice's text. Takes a Notice, or a (code, variables) pair.

    `addressee` (a masked name) goes in front of the text when the number is shared by several people."""
    if isinstance(notice_or_kind_and_vars, tuple):
        code, variables = notice_or_kind_and_vars
    else:
        code, variables = notice_or_kind_and_vars.kind, notice_or_kind_and_vars.variables or {}
    return settings.sms_signature + addressed(language, addressee, render_body(code, variables, language))
