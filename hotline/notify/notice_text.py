"""A notice's text: the sender signature, then its template rendered in the recipient's language.

Variables are stored as JSON; the kind's types (catalogue.NoticeVariables) turn them back into dates and
timestamps here, so the templates' `day` and `moment` filters see real values and text stays text.
"""

from __future__ import annotations

from ..templates import addressed, render
from .catalogue import kind as kind_of
from .catalogue import typed


def render_body(code: str, variables: dict, language: str) -> str:
    """The template alone, without the signature."""
    kind = kind_of(code)
    # A declared variable left out is an error (StrictUndefined), not a hole in the text.
    return render(language, kind.template, **typed(code, variables))


def render_notice(notice_or_kind_and_vars, language: str, settings, addressee: str | None = None) -> str:
    """`settings.sms_signature` + the notice's text. Takes a Notice, or a (code, variables) pair.

    `addressee` (a masked name) goes in front of the text when the number is shared by several people."""
    if isinstance(notice_or_kind_and_vars, tuple):
        code, variables = notice_or_kind_and_vars
    else:
        code, variables = notice_or_kind_and_vars.kind, notice_or_kind_and_vars.variables or {}
    return settings.sms_signature + addressed(language, addressee, render_body(code, variables, language))
