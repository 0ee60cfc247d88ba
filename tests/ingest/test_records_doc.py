"""docs/records.md and the ingest schema describe the same records: every field the schema accepts is in the
document's field tables and every field there is accepted, with the same required fields."""

from __future__ import annotations

import re
from pathlib import Path

from hotline.ingest import schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "records.md"
TYPE_HEADING = re.compile(r"^### `(\w+)`")
TABLE_HEADER = re.compile(r"^\|\s*field\s*\|\s*required\s*\|\s*form\s*\|\s*$")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def field_tables(text: str) -> dict[str, dict[str, str]]:
    """Each field table of the document: section ("" for the table every type shares) -> field -> required."""
    tables: dict[str, dict[str, str]] = {}
    section, in_types, lines = None, False, text.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("## "):
            in_types = line.strip() == "## Record types"
            section = "" if in_types else None
            continue
        heading = TYPE_HEADING.match(line)
        if heading and in_types:
            section = heading.group(1)
            continue
        if section is None or not TABLE_HEADER.match(line):
            continue
        assert section not in tables, f"two field tables for {section or 'every record'}"
        rows: dict[str, str] = {}
        for row in lines[number + 2:]:  # after the header and its |---| line
            if not row.startswith("|"):
                break
            names, required, _form = _cells(row)
            for name in names.split(","):
                name = name.strip().strip("`")
                assert name not in rows, f"{section}: {name} described twice"
                rows[name] = required
        tables[section] = rows
    return tables


def _schema_fields() -> dict[str, dict[str, bool]]:
    return {kind: {name: required for name, (required, _check) in fields.items()}
            for kind, fields in schema.FIELDS.items()}


def _doc() -> dict[str, dict[str, str]]:
    return field_tables(DOC.read_text(encoding="utf-8"))


def test_every_record_type_the_ingest_accepts_has_a_section_and_no_other():
    documented = set(_doc()) - {""}
    assert documented == set(schema.FIELDS), (
        f"not described: {sorted(set(schema.FIELDS) - documented)}; "
        f"described but not accepted: {sorted(documented - set(schema.FIELDS))}"
    )


def test_the_fields_every_record_may_carry_are_described():
    assert set(_doc()[""]) == set(schema.COMMON)


def test_each_types_fields_are_the_ones_the_schema_accepts():
    doc, accepted = _doc(), _schema_fields()
    drift = {}
    for kind, fields in accepted.items():
        described = set(doc.get(kind, {}))
        missing, extra = sorted(set(fields) - described), sorted(described - set(fields))
        if missing or extra:
            drift[kind] = {"accepted but not described": missing, "described but not accepted": extra}
    assert drift == {}


def test_required_in_the_document_is_required_by_the_schema():
    doc, accepted = _doc(), _schema_fields()
    wrong = []
    for kind, fields in accepted.items():
        for name, required in fields.items():
            said = doc.get(kind, {}).get(name)
            if said in ("yes", "no") and (said == "yes") != required:
                wrong.append(f"{kind}.{name}: document says {said}")
    assert wrong == []


def test_the_parser_reads_combined_rows_and_stops_at_the_tables_end():
    text = "## Record types\n\n| field | required | form |\n|---|---|---|\n| type | yes | t |\n\n" \
           "### `violation`\n\n| field | required | form |\n|---|---|---|\n| plate, plate_type | yes | x |\n" \
           "| `paid` | no | y |\nAfter the table.\n| not | a | row |\n\n## Errors\n\n" \
           "| field | required | form |\n|---|---|---|\n| json | no | not a record type |\n"
    assert field_tables(text) == {"": {"type": "yes"},
                                  "violation": {"plate": "yes", "plate_type": "yes", "paid": "no"}}
