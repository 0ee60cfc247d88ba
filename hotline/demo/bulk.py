"""Loading the crowd in bulk, through the same validation as an import.

Every generated record goes through `hotline.ingest.schema.parse`, the function `flask import` uses: it
checks each field and computes the derived columns (birth date and 63rd birthday, scoring-cycle
anniversary, A/B class flag, late-fee date, permit expiry, fen). What the bulk path skips is only the
import's per-record bookkeeping: looking up stored copies (the database is empty), change detection and
notice planning (a first load is a baseline; the daily scan plans the date-driven notices).

Rows are written with COPY on PostgreSQL (psycopg's `cursor.copy`, on the session's own connection so the
load is one transaction with the cast) and with executemany on SQLite. Chunks are prepared in worker
processes (validation is the costly part) and written in order by the parent.

Ids: people, organisations and vehicles get ids chosen here, because children refer to them within the
same chunk: person `i` gets `base + i`; vehicles get a block of ids per chunk. Licences, learners and
violations take the database's own ids. The id sequences are moved past the loaded rows at the end.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from ..db import Base
from ..ingest.schema import RecordInvalid, parse
from .crowd import CHUNK, CrowdPlan, Record, chunk_records, organisation_records
from .parallel import ordered_map

TABLE_ORDER = ("organisation", "person", "licence", "learner", "vehicle", "violation")
EXPLICIT_IDS = frozenset({"organisation", "person", "vehicle"})
VEHICLE_IDS_PER_CHUNK = 3 * CHUNK  # a person has at most two vehicles; organisations take their own block
ORGANISATIONS_CHUNK = -1
DEFER_INDEXES_FROM = 20_000  # people; below this, rebuilding indexes costs more than it saves


class GeneratedRecordInvalid(RuntimeError):
    """The generator made a record the import would refuse: a bug in the generator, never in the data."""


@dataclass(frozen=True)
class IdBases:
    person: int
    organisation: int
    vehicle: int


@dataclass
class Prepared:
    chunk: int
    counts: Counter = field(default_factory=Counter)
    # PostgreSQL: COPY text per table; SQLite: row tuples per table.
    copy_text: dict[str, bytes] = field(default_factory=dict)
    rows: dict[str, list[tuple]] = field(default_factory=dict)


def _table(kind: str) -> Table:
    return Base.metadata.tables[kind]


def columns(kind: str) -> list[str]:
    """The columns a bulk row fills: all of the table's, except ids the database assigns."""
    return [c.name for c in _table(kind).columns if c.name != "id" or kind in EXPLICIT_IDS]


def _defaults(kind: str) -> list[tuple[str, Any]]:
    """Per column, the value when the parsed record does not set it: the column's own default, if any.
    Computed once; a callable default (a fresh `{}`) is called once too, since rows are only serialised."""
    out: list[tuple[str, Any]] = []
    for name in columns(kind):
        default = _table(kind).c[name].default
        if default is None:
            out.append((name, None))
        elif default.is_scalar:
            out.append((name, default.arg))
        elif default.is_callable:
            # SQLAlchemy wraps a Python-side default to take an execution context; ours ignore it.
            out.append((name, default.arg(None)))
        else:
            out.append((name, None))
    return out


class RowBuilder:
    """Turns parsed records into table rows, resolving the references made within the chunk."""

    def __init__(self, plan: CrowdPlan, bases: IdBases, chunk: int) -> None:
        self.plan = plan
        self.bases = bases
        self.now = plan.now
        self.today = plan.today
        block = plan.chunks if chunk == ORGANISATIONS_CHUNK else chunk
        self.next_vehicle_id = bases.vehicle + block * VEHICLE_IDS_PER_CHUNK
        self.next_person_id = bases.person + max(chunk, 0) * CHUNK
        self.next_organisation_id = bases.organisation
        self.people: dict[str, int] = {}
        self.organisations: dict[str, int] = {}
        self.vehicles: dict[tuple[str, str], int] = {}
        self.defaults = {kind: _defaults(kind) for kind in TABLE_ORDER}
        self.rows: dict[str, list[tuple]] = {kind: [] for kind in TABLE_ORDER}

    def add(self, kind: str, record: Record) -> None:
        try:
            parsed = parse(record, self.today)
        except RecordInvalid as error:
            raise GeneratedRecordInvalid(f"generated {kind} is invalid: {error}") from None
        values = parsed.values
        values["upstream_updated_at"] = parsed.updated_at
        values["modified_at"] = self.now
        if kind in ("person", "organisation"):
            values["created_at"] = self.now
            if parsed.pin is not None:
                raise GeneratedRecordInvalid("the crowd has no PINs (hashing a million would take hours)")
        if kind == "person":
            values["id"] = self.next_person_id
            self.next_person_id += 1
            self.people[parsed.key] = values["id"]
        elif kind == "organisation":
            values["id"] = self.next_organisation_id
            self.next_organisation_id += 1
            self.organisations[parsed.key] = values["id"]
        elif kind in ("licence", "learner"):
            values["person_id"] = self.people[parsed.key]
        elif kind == "vehicle":
            values["id"] = self.next_vehicle_id
            self.next_vehicle_id += 1
            self.vehicles[parsed.key] = values["id"]
            owner = parsed.extras["owner"]
            values["owner_person_id"] = self.people.get(owner)
            values["owner_org_id"] = self.organisations.get(owner)
        elif kind == "violation":
            values["vehicle_id"] = self.vehicles[(parsed.extras["plate"], parsed.extras["plate_type"])]
        self.rows[kind].append(tuple([values.get(name, default) for name, default in self.defaults[kind]]))


def prepare(plan: CrowdPlan, bases: IdBases, chunk: int, backend: str) -> Prepared:
    """Make, validate and encode one chunk (in a worker process)."""
    records = organisation_records(plan) if chunk == ORGANISATIONS_CHUNK else chunk_records(plan, chunk)
    builder = RowBuilder(plan, bases, chunk)
    for kind, record in records:
        builder.add(kind, record)
    prepared = Prepared(chunk)
    for kind in TABLE_ORDER:
        rows = builder.rows[kind]
        prepared.counts[kind] = len(rows)
        if not rows:
            continue
        if backend == "postgresql":
            prepared.copy_text[kind] = copy_text(rows)
        else:
            prepared.rows[kind] = rows
    return prepared


# --- COPY text format -------------------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_ESCAPES)


# One formatter per Python type (bool before int: True is an int too, so it needs its own entry).
_FORMATS: dict[type, Callable[[Any], str]] = {
    type(None): lambda value: "\\N",
    bool: lambda value: "t" if value else "f",
    int: str,
    str: lambda value: value.translate(_ESCAPES),
    date: date.isoformat,
    datetime: datetime.isoformat,
    list: _json,
    dict: _json,
}


def _copy_value(value: Any) -> str:
    try:
        return _FORMATS[type(value)](value)
    except KeyError:
        raise TypeError(f"no COPY form for {type(value).__name__}") from None


def copy_text(rows: Iterable[tuple]) -> bytes:
    """Rows in PostgreSQL's COPY text format: tab-separated, \\N for NULL, backslash escapes."""
    return "".join(["\t".join(map(_copy_value, row)) + "\n" for row in rows]).encode("utf-8")


# --- the parent: writing ----------------------------------------------------------------------------


def id_bases(session: Session) -> IdBases:
    def after(kind: str) -> int:
        return (session.execute(select(func.max(_table(kind).c.id))).scalar() or 0) + 1

    return IdBases(person=after("person"), organisation=after("organisation"), vehicle=after("vehicle"))


def load_crowd(session: Session, plan: CrowdPlan, *, workers: int = 1, defer_indexes: bool | None = None,
               progress: Callable[[int, int], None] | None = None) -> Counter:
    """Write the crowd into the session's transaction; returns the rows written per table.

    `defer_indexes` (default: for large crowds) drops the plain indexes and foreign keys on PostgreSQL for
    the load and builds them again at the end."""
    backend = session.get_bind().dialect.name
    if backend == "postgresql":
        # Nobody else may add people or vehicles while we pick their ids.
        session.execute(text("LOCK TABLE person, organisation, vehicle IN EXCLUSIVE MODE"))
    bases = id_bases(session)
    totals: Counter = Counter()
    if defer_indexes is None:
        defer_indexes = plan.people >= DEFER_INDEXES_FROM
    deferred = _defer_indexes(session) if backend == "postgresql" and defer_indexes else []
    jobs = [(plan, bases, chunk, backend) for chunk in (ORGANISATIONS_CHUNK, *range(plan.chunks))]
    for prepared in ordered_map(prepare, jobs, workers if plan.chunks > 1 else 1):
        if backend == "postgresql":
            _copy(session, prepared)
        else:
            _executemany(session, prepared)
        totals.update(prepared.counts)
        if progress is not None and prepared.chunk != ORGANISATIONS_CHUNK:
            progress(min((prepared.chunk + 1) * CHUNK, plan.people), plan.people)
    for statement in deferred:
        session.execute(text(statement))
    if deferred:
        # Fresh statistics, so the first daily scan after a large load plans with the real row counts.
        session.execute(text(f"ANALYZE {', '.join(TABLE_ORDER)}"))
    if backend == "postgresql":
        for kind in EXPLICIT_IDS:  # table names from our own metadata, never from input
            session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{kind}', 'id'), (SELECT max(id) FROM {kind}))"  # noqa: S608
            ))
    return totals


def _defer_indexes(session: Session) -> list[str]:
    """Drop the crowd tables' plain indexes and foreign keys for the load; returns the statements that
    put them back. Building an index once over a million rows is several times cheaper than updating it
    row by row, and checking a foreign key once over the table (ALTER TABLE ... ADD CONSTRAINT) cheaper than
    a trigger per row. Primary keys and unique constraints stay: they catch a generator bug at once. All of
    it happens inside the load's transaction, so a failure leaves the schema as it was."""
    tables = list(TABLE_ORDER)
    indexes = session.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = ANY(:tables) AND indexname NOT IN (SELECT conname FROM pg_constraint)"
    ), {"tables": tables}).all()
    foreign_keys = session.execute(text(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid::regclass::text = ANY(:tables)"
    ), {"tables": tables}).all()
    for table, name, _ in foreign_keys:
        session.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        session.execute(text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for table, name, definition in foreign_keys
    ]


def _copy(session: Session, prepared: Prepared) -> None:
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        for kind in TABLE_ORDER:
            data = prepared.copy_text.get(kind)
            if not data:
                continue
            statement = f"COPY {kind} ({', '.join(columns(kind))}) FROM STDIN"
            with cursor.copy(statement) as copy:
                copy.write(data)


def _executemany(session: Session, prepared: Prepared) -> None:
    connection = session.connection()
    for kind in TABLE_ORDER:
        rows = prepared.rows.get(kind)
        if not rows:
            continue
        names = columns(kind)
        connection.execute(insert(_table(kind)), [dict(zip(names, row, strict=True)) for row in rows])
