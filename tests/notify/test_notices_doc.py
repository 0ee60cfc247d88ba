"""docs/notices.md and the notice catalogue name the same codes: every kind the catalogue plans (the 37 and
the project's own) has a row in the document and every row is a kind, each with its template in both
languages, linked from its row; the transactional texts' codes are the ones the outbox sends."""

from __future__ import annotations

import re
from pathlib import Path

from hotline.notify import catalogue, outbox

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "notices.md"
LANGUAGES = ("zh-CN", "en")
HEADER = re.compile(r"^\|\s*code\s*\|")
CODE = re.compile(r"^[A-Z]\d\d$")
LINK = re.compile(r"\]\(([^)]+)\)")


def rows(text: str) -> dict[str, dict[str, list[str]]]:
    """Each table of the document whose first column is `code`, keyed by its second column's heading:
    code -> the row's cells."""
    tables: dict[str, dict[str, list[str]]] = {}
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if not HEADER.match(line):
            continue
        heading = _cells(line)[1]
        table = tables.setdefault(heading, {})
        for row in lines[number + 2:]:  # after the header and its |---| line
            if not row.startswith("|"):
                break
            cells = _cells(row)
            assert CODE.match(cells[0]), f"not a code: {cells[0]!r}"
            assert cells[0] not in table, f"{cells[0]} described twice"
            table[cells[0]] = cells
    return tables


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _notices() -> dict[str, list[str]]:
    return rows(DOC.read_text(encoding="utf-8"))["name"]


def _catalogue() -> set[str]:
    return set(catalogue.KINDS) | set(catalogue.EXTRA_KINDS)


def test_every_kind_the_catalogue_plans_is_described_and_no_other():
    described = set(_notices())
    assert described == _catalogue(), (
        f"not described: {sorted(_catalogue() - described)}; "
        f"described but not in the catalogue: {sorted(described - _catalogue())}"
    )


def test_the_thirty_seven_by_category():
    counts = {category: sum(1 for code in _notices() if code in catalogue.KINDS
                            and catalogue.KINDS[code].category == category)
              for category in catalogue.CATEGORIES}
    assert counts == {"vehicle": 10, "licence": 22, "violation": 5}


def test_every_kind_has_its_template_in_both_languages_linked_from_its_row():
    notices, problems = _notices(), []
    for code in sorted(_catalogue() | set(notices)):
        expected = [f"../sms_templates/{language}/notices/{code}.j2" for language in LANGUAGES]
        for path in expected:
            if not (DOC.parent / path).is_file():
                problems.append(f"{code}: no {path.removeprefix('../')}")
        if code in catalogue.KINDS or code in catalogue.EXTRA_KINDS:
            assert catalogue.kind(code).template == f"notices/{code}"
        links = LINK.findall(notices[code][-1]) if code in notices else []
        if links != expected:
            problems.append(f"{code}: the row links {links}, not {expected}")
    assert problems == []


def test_each_row_names_the_kind_by_its_catalogue_name():
    wrong = [code for code, cells in _notices().items()
             if code in _catalogue() and not cells[1].startswith(catalogue.kind(code).name_zh + " · ")]
    assert wrong == []


def test_each_row_says_the_kinds_main_trigger_and_urgency():
    wrong = []
    for code, kind in catalogue.KINDS.items():
        cells = _notices().get(code)
        if cells is None:
            continue  # the first test names it
        trigger, timing = cells[2], cells[4]
        if not re.match(rf"{kind.trigger}\b", trigger):
            wrong.append(f"{code}: trigger {kind.trigger}, the row says {trigger[:20]!r}")
        if kind.urgent != timing.startswith("urgent"):
            wrong.append(f"{code}: urgent is {kind.urgent}, the row says {timing[:20]!r}")
    assert wrong == []


def test_the_transactional_texts_are_the_ones_the_outbox_sends():
    texts = rows(DOC.read_text(encoding="utf-8"))["text"]
    assert set(texts) == set(outbox.PURPOSES.values())


def test_the_parser_reads_every_code_table_and_stops_at_the_tables_end():
    text = ("| code | name | x |\n|---|---|---|\n| V01 | a | b |\nAfter.\n| not | a | row |\n\n"
            "| code | text | sent when |\n|---|---|---|\n| X01 | c | d |\n")
    assert rows(text) == {"name": {"V01": ["V01", "a", "b"]}, "text": {"X01": ["X01", "c", "d"]}}
