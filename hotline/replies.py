"""Reply texts from `sms_templates/<language>/sms/`, cut to fit a phone.

A reply is at most 4 segments (UCS-2 for Chinese: 70 characters, 67 per part; GSM-7 for plain English:
160, 153 per part; see hotline/domain/segments.py). Lists are packed greedily: as many items as fit on a
page with its "reply WZ 2 for more" footer, the next page starting where this one stopped. The pages
depend only on the items, so `WZ 2` finds the same second page the first reply promised.

Chinese replies carry the carrier signature (【交管12123】) at the front, as domestic rules require, and
it counts towards the length. English replies carry it only when it is plain GSM-7: one Chinese
character would turn an English text into UCS-2 and cut its room by more than half.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .domain.segments import count, is_gsm7
from .templates import addressed, render

MAX_SEGMENTS = 4

T = TypeVar("T")


def sign(text: str, language: str, signature: str) -> str:
    if not signature:
        return text
    if language == "en" and not is_gsm7(signature):
        return text
    return f"{signature}{text}"


def fits(text: str) -> bool:
    return count(text).segments <= MAX_SEGMENTS


def clip(text: str, language: str) -> str:
    """The last line of defence for the 4-segment rule: a reply that is still too long (one list item
    with a very long place name) is cut, with an ellipsis, rather than sent as 5 or more segments."""
    if fits(text):
        return text
    ellipsis = "…" if language != "en" or not is_gsm7(text) else "..."
    cut = len(text)
    while cut > 0 and not fits(text[:cut].rstrip() + ellipsis):
        cut -= 1
    return text[:cut].rstrip() + ellipsis


@dataclass(frozen=True)
class Replier:
    """Renders replies in one language with one signature, from `sms_templates/<language>/<folder>/`: `sms`
    for replies, `texts` for the copies of voice answers, which keep to the same 4 segments and pages.
    With an `addressee` (a masked name) each reply says whose record it is about, for a number several
    people share."""

    language: str
    signature: str
    addressee: str = ""
    folder: str = "sms"

    def text(self, name: str, /, **variables: Any) -> str:
        return clip(self._signed(name, variables), self.language)

    def _signed(self, name: str, variables: dict[str, Any]) -> str:
        text = addressed(self.language, self.addressee, render(self.language, f"{self.folder}/{name}", **variables))
        return sign(text, self.language, self.signature)

    def page(self, name: str, items: Sequence[T], page: int, **variables: Any) -> str:
        """Page `page` (from 1) of a list rendered by `<folder>/<name>.j2`.

        The template gets `items` (this page's), `first` (the number of the first item on the page, for
        numbering), `page`, `more` (True when a later page exists), `next_page`, `total` and `variables`.
        A page past the end renders with no items and `past_end=True`.
        """
        rendered: dict[tuple[int, int, int], str] = {}
        pages = self._pages(name, items, variables, rendered)
        if page > len(pages):
            return self.text(name, items=[], first=1, page=page, more=False, next_page=None, total=len(items),
                             past_end=True, rest=0, **variables)
        start, end = pages[page - 1]
        return clip(self._render_page(name, items, start, end, page, variables, rendered), self.language)

    def first_fitting(self, name: str, items: Sequence[T], **variables: Any) -> tuple[str, list[T]]:
        """As many items as fit in one reply (numbered choices: one list, no pages); the text and them."""
        rendered: dict[tuple[int, int, int], str] = {}
        pages = self._pages(name, items, variables, rendered)
        start, end = pages[0]
        text = self._render_page(name, items, start, end, 1, variables, rendered)
        return clip(text, self.language), list(items[start:end])

    def _render_page(self, name: str, items: Sequence[T], start: int, end: int, page: int,
                     variables: dict[str, Any], rendered: dict[tuple[int, int, int], str]) -> str:
        """Items [start:end] as page `page`; `rendered` keeps what one reply's paging already rendered, so the
        page it settles on is not rendered a second time to be sent."""
        key = (start, end, page)
        if key not in rendered:
            more = end < len(items)
            rendered[key] = self._signed(name, dict(items=list(items[start:end]), first=start + 1, page=page,
                                                    more=more, next_page=page + 1 if more else None,
                                                    total=len(items), past_end=False, rest=len(items) - end,
                                                    **variables))
        return rendered[key]

    def _pages(self, name: str, items: Sequence[T], variables: dict[str, Any],
               rendered: dict[tuple[int, int, int], str]) -> list[tuple[int, int]]:
        if not items:
            return [(0, 0)]
        pages: list[tuple[int, int]] = []
        start = 0
        while start < len(items):
            end = _greedy_end(
                lambda e, s=start: self._render_page(name, items, s, e, len(pages) + 1, variables, rendered),
                start, len(items),
            )
            pages.append((start, end))
            start = end
        return pages


def _greedy_end(render_page: Callable[[int], str], start: int, total: int) -> int:
    """The furthest end such that items[start:end] fit; at least one item, even if it alone is too long."""
    end = start + 1
    while end < total and fits(render_page(end + 1)):
        end += 1
    return end
