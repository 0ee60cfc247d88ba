"""Applying a stream of records to the store, exactly as docs/records.md rules it.

The stream is worked in chunks (a few thousand records): per chunk and type, one SELECT finds the stored
copies, one finds the referenced records, new rows go in by COPY on PostgreSQL (an executemany INSERT on
SQLite) and changed rows by one executemany UPDATE. Memory stays flat however long the stream: only the
current chunk, the errors, and the keys of records waiting for a forward reference are kept; the waiting
records themselves go to a temporary file. A million records import at over 10,000 a second on PostgreSQL.
The exception is PINs: each PIN set, changed, or re-checked on a re-import costs one deliberately slow hash
(see hotline/security.py), tens of milliseconds.

A record whose reference is not yet stored (it names a record further down the batch) is set aside and
tried again once the whole stream has been read; so is every later record with the same key, to keep their
order. Whatever still has no match after that is an error.

All or nothing: the whole import runs inside a SAVEPOINT of the caller's transaction. Valid records are
written as they come (later records may reference them); if any record was refused, the savepoint is
rolled back and nothing stays written, unless `keep_valid` asked for the valid records to be kept.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TextIO

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import JSON, bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..config import Settings
from ..domain import licence_review
from ..notify import change_planner, violation_answers
from ..notify import number_change as number_change_notices
from ..security import check_pin, hash_pin
from ..services import licence_extensions, number_change, violation_handling
from . import tables
from .changes import ImportResult, RecordChange, RecordError
from .jsonl import Malformed
from .schema import Parsed, RecordInvalid, Ref, china_date, parse

CHUNK_SIZE = 2000

_MISSING = {
    "person": "no person with this ID number is stored or in this batch",
    "party": "no person or organisation with this number is stored or in this batch",
    "vehicle": "no vehicle with this plate and plate type is stored or in this batch",
    "plan": "no exam plan with this plan_id is stored or in this batch",
}


# An arbitrary constant naming the ingest lock among PostgreSQL advisory locks.
INGEST_LOCK_KEY = 12123_0001


def apply_records(
    session: Session,
    records: Iterable[tuple],
    *,
    now: datetime,
    baseline: bool = False,
    keep_valid: bool = False,
    rejects: TextIO | None = None,
    pepper: str | None = None,
    collect_changes: bool = True,
    chunk_size: int = CHUNK_SIZE,
) -> ImportResult:
    """Validate and upsert `records`, then let the change planner plan the notices the changes cause.

    `records` yields `(location, record)` or `(location, record, text)`: the location names it in errors
    ("line 12", "index 3"); the text, when given, is what a rejected record is written back as.
    With `keep_valid` the valid records are kept when others are refused, and the refused ones are
    written, unchanged, one per line to `rejects`. `pepper` keys the PIN hashes (default: the configured
    HOTLINE_PIN_PEPPER). `collect_changes=False` keeps `result.changes` empty for very large imports
    (the planner still sees every change). Runs in the caller's transaction; never commits.
    """
    importer = _Importer(
        session,
        now=now,
        baseline=baseline,
        keep_valid=keep_valid,
        rejects=rejects,
        pepper=pepper,
        collect_changes=collect_changes,
        chunk_size=chunk_size,
    )
    if session.get_bind().dialect.name == "postgresql":
        # The driver prepares a statement after a few runs and PostgreSQL may then keep one generic plan,
        # chosen while the tables were still small: a sequential scan that tests every row against the
        # whole array of keys. Over an import into a growing table that took minutes; custom plans see
        # the table's real size and the keys themselves.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        # One writer of upstream records at a time: two imports that both read a record, judge their own
        # copy newer and write would otherwise let the older copy win by committing last. SQLite already
        # serialises writers (transactions begin IMMEDIATE).
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INGEST_LOCK_KEY})
    savepoint = session.begin_nested()
    try:
        for item in records:
            importer.feed(*item)
        importer.finish()
    except BaseException:
        savepoint.rollback()
        importer.close()
        raise
    result = importer.result
    result.errors.sort(key=lambda error: (error.number is None, error.number or 0))
    if result.errors and not keep_valid:
        savepoint.rollback()
        result.written = False
        result.inserted = result.updated = result.unchanged = result.stale = result.planned = 0
        result.changes.clear()
    else:
        savepoint.commit()
    # Rows were written with Core statements behind the identity map's back.
    session.expire_all()
    return result


class _Item:
    __slots__ = ("location", "record", "text", "parsed", "row")

    def __init__(self, location: str, record: Any, text: str | None, parsed: Parsed) -> None:
        self.location = location
        self.record = record
        self.text = text
        self.parsed = parsed
        self.row: dict[str, Any] = {}


class _Importer:
    def __init__(
        self,
        session: Session,
        *,
        now: datetime,
        baseline: bool,
        keep_valid: bool,
        rejects: TextIO | None,
        pepper: str | None,
        collect_changes: bool,
        chunk_size: int,
    ) -> None:
        self.session = session
        self.now = now
        self.today = china_date(now)
        self.baseline = baseline
        self.keep_valid = keep_valid
        self.rejects = rejects
        self._pepper = pepper
        self.collect_changes = collect_changes
        self.chunk_size = chunk_size
        self.result = ImportResult()
        self.resolver = tables.Resolver(session)
        self.pending: dict[str, dict[Any, _Item]] = {kind: {} for kind in tables.ORDER}
        self.pending_count = 0
        self.spill: TextIO | None = None
        self.spill_count = 0
        self.deferred: set[tuple[str, Any]] = set()
        self.final = False

    @property
    def pepper(self) -> str:
        if self._pepper is None:
            self._pepper = Settings.from_env().pin_pepper
        return self._pepper

    # --- reading ------------------------------------------------------------------------------------

    def feed(self, location: str, record: Any, text: str | None = None) -> None:
        if isinstance(record, Malformed):
            self.reject(location, record, text, [("json", record.reason)])
            return
        try:
            parsed = parse(record, self.today)
        except RecordInvalid as invalid:
            self.reject(location, record, text, invalid.problems)
            return
        item = _Item(location, record, text, parsed)
        if not self.final and (parsed.type, parsed.key) in self.deferred:
            self.defer(item)  # an earlier copy waits for its reference: keep the two in order
            return
        bucket = self.pending[parsed.type]
        if parsed.key in bucket:
            self.flush()  # the same key twice in a chunk: write the first before reading the second
        bucket[parsed.key] = item
        self.pending_count += 1
        if self.pending_count >= self.chunk_size:
            self.flush()

    def finish(self) -> None:
        self.flush()
        while self.spill is not None:
            spill, waiting = self.spill, self.spill_count
            self.spill, self.spill_count, self.deferred = None, 0, set()
            spill.seek(0)
            for line in spill:
                location, record, text = json.loads(line)
                self.feed(location, record, text)
            spill.close()
            self.flush()
            if self.spill is not None and self.spill_count == waiting:
                self.final = True  # no progress: one last pass names what is still missing

    def close(self) -> None:
        if self.spill is not None:
            self.spill.close()
            self.spill = None

    def reject(self, location: str, record: Any, text: str | None, problems: list[tuple[str, str]]) -> None:
        self.result.rejected += 1
        self.result.errors.extend(RecordError(location, field, reason) for field, reason in problems)
        if self.keep_valid and self.rejects is not None:
            if text is None:
                text = record.reason if isinstance(record, Malformed) else json.dumps(record, ensure_ascii=False)
            self.rejects.write(text + "\n")

    def defer(self, item: _Item) -> None:
        if self.spill is None:
            self.spill = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.spill.write(json.dumps([item.location, item.record, item.text]) + "\n")
        self.spill_count += 1
        self.deferred.add((item.parsed.type, item.parsed.key))

    # --- writing ------------------------------------------------------------------------------------

    def flush(self) -> None:
        if not self.pending_count:
            return
        changes: list[RecordChange] = []
        for kind in tables.ORDER:
            bucket = self.pending[kind]
            if bucket:
                items = list(bucket.values())
                bucket.clear()
                self.write(kind, items, changes)
        self.pending_count = 0
        if not changes:
            return
        if self.collect_changes:
            self.result.changes.extend(changes)
        if self.result.errors and not self.keep_valid:
            return  # everything will be rolled back: planning notices would be wasted work
        # The upstream's answers to extension applications (a licence gaining N, T or P), baseline or not.
        licence_extensions.settle_from_changes(self.session, changes, now=self.now)
        # The answers to violation requests (handling, deferral, objection) made on the hotline, and their
        # notices (with the fines newly paid) unless this is a baseline import.
        answered = violation_handling.settle_from_changes(self.session, changes, now=self.now)
        # Contact number changes made on the hotline, confirmed by the person's record with the new number.
        numbers = number_change.settle_from_changes(self.session, changes, now=self.now)
        if not self.baseline:
            self.result.planned += violation_answers.plan(self.session, answered, changes, now=self.now)
            self.result.planned += number_change_notices.plan(self.session, numbers, now=self.now)
        self.result.planned += change_planner.plan_changes(
            self.session, changes, now=self.now, baseline=self.baseline
        )

    def resolve(self, items: list[_Item]) -> list[_Item]:
        """Fill in the referenced ids; returns the items whose references all exist."""
        wanted: dict[str, set] = {"person": set(), "organisation": set(), "vehicle": set(), "plan": set()}
        for item in items:
            for ref in item.parsed.refs:
                if ref.target == "party":
                    wanted["person"].add(ref.key)
                    wanted["organisation"].add(ref.key)
                else:
                    wanted[ref.target].add(ref.key)
        found = {
            "person": self.resolver.people(wanted["person"]),
            "organisation": self.resolver.organisations(wanted["organisation"]),
            "vehicle": self.resolver.vehicles(wanted["vehicle"]),
            "plan": self.resolver.plans(wanted["plan"]),
        }
        ready = []
        for item in items:
            missing = [ref for ref in item.parsed.refs if not self._bind(item, ref, found)]
            if not missing:
                ready.append(item)
            elif self.final:
                problems = [(ref.field, _MISSING[ref.target]) for ref in missing]
                self.reject(item.location, item.record, item.text, problems)
            else:
                self.defer(item)
        return ready

    @staticmethod
    def _bind(item: _Item, ref: Ref, found: dict[str, dict]) -> bool:
        row, kind = item.row, item.parsed.type
        if ref.target == "party":
            person_id = found["person"].get(ref.key)
            org_id = found["organisation"].get(ref.key) if person_id is None else None
            if person_id is None and org_id is None:
                return False
            party_kind = "person" if person_id is not None else "organisation"
            if kind == "vehicle":
                row["owner_person_id"], row["owner_org_id"] = person_id, org_id
                item.parsed.extras["owner_kind"] = party_kind
            else:  # notice_request
                row["to_kind"] = party_kind
            return True
        target_id = found[ref.target].get(ref.key)
        if target_id is None:
            return False
        if ref.target == "person":
            row["person_id"] = target_id
        elif ref.target == "vehicle":
            if kind == "violation":
                row["vehicle_id"] = target_id
        elif ref.target == "plan":
            row["plan_id"] = target_id
        return True

    def write(self, kind: str, items: list[_Item], changes: list[RecordChange]) -> None:
        spec = tables.SPECS[kind]
        for item in items:
            item.row = item.parsed.values  # parsed anew if the record has to wait, so no copy is needed
        items = self.resolve(items)
        if not items:
            return
        stored = tables.existing(self.session, kind, [item.parsed.key for item in items])
        inserts: list[tuple[_Item, dict]] = []
        updates: list[tuple[_Item, dict, dict]] = []
        touched: list[dict] = []
        for item in items:
            parsed, row = item.parsed, item.row
            old = stored.get(parsed.key)
            if old is not None and _is_stale(parsed.updated_at, old.get("upstream_updated_at")):
                self.result.stale += 1
                continue
            if kind == "inspection_slot" and old is not None and row["capacity"] < old["booked"]:
                reason = f"{row['capacity']} is less than the {old['booked']} vehicles already booked"
                self.reject(item.location, item.record, item.text, [("capacity", reason)])
                continue
            if kind == "licence":
                # Art. 72 review is decided by the ended cycle: keep the points it closed with.
                reported = china_date(parsed.updated_at or self.now)
                row["previous_cycle_points"], row["previous_cycle_end"] = licence_review.carry_over(
                    row["first_issued"], reported, row["previous_cycle_points"], old)
            if old is None:
                for column, default in spec.owned.items():
                    row.setdefault(column, default)
                if spec.has_pin:
                    row["pin_hash"] = hash_pin(parsed.pin, self.pepper) if parsed.pin else None
                inserts.append((item, row))
                continue
            for column in spec.owned:
                row.pop(column, None)
            changed = any(row[column] != old[column] for column in row)
            if spec.has_pin:
                pin_hash, pin_changed = self._pin(parsed.pin, old["pin_hash"])
                row["pin_hash"] = pin_hash
                changed = changed or pin_changed
            if not changed:
                self.result.unchanged += 1
                if parsed.updated_at is not None and parsed.updated_at != old.get("upstream_updated_at"):
                    touched.append({"b_id": old["id"], "b_upstream_updated_at": parsed.updated_at})
                continue
            updates.append((item, row, old))
        self._insert(spec, inserts, changes)
        self._update(spec, updates, changes)
        if touched:
            table = spec.table
            statement = (
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(upstream_updated_at=bindparam("b_upstream_updated_at", type_=table.c.upstream_updated_at.type))
            )
            self.session.execute(statement, touched)

    def _pin(self, pin: str | None, stored: str | None) -> tuple[str | None, bool]:
        """The PIN hash to store and whether the PIN changed; an unchanged PIN keeps its hash."""
        if pin is None:
            return None, stored is not None
        if stored is not None and check_pin(pin, self.pepper, stored):
            return stored, False
        return hash_pin(pin, self.pepper), True

    def _insert(self, spec: tables.TableSpec, inserts: list[tuple[_Item, dict]], changes: list[RecordChange]) -> None:
        if not inserts:
            return
        rows = []
        for item, row in inserts:
            row["upstream_updated_at"] = item.parsed.updated_at
            row["modified_at"] = self.now
            if spec.has_created_at:
                row["created_at"] = self.now
            rows.append(row)
        self._insert_rows(spec, rows)
        self.result.inserted += len(rows)
        for item, row in inserts:
            new = _visible(row, spec)
            new.update(item.parsed.extras)
            changes.append(RecordChange(spec.type, item.parsed.key, None, new, True))

    def _insert_rows(self, spec: tables.TableSpec, rows: list[dict[str, Any]]) -> None:
        """Insert rows and set each one's `id`. On PostgreSQL the ids are taken from the sequence first and
        the rows go in by COPY, several times faster than a multi-row INSERT for the big imports."""
        connection = self.session.connection()
        table = spec.table
        if connection.dialect.name == "postgresql":
            ids = self.session.execute(
                text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
                {"table": table.name, "count": len(rows)},
            ).scalars()
            for row, row_id in zip(rows, ids, strict=True):
                row["id"] = row_id
            self._copy_rows(connection, table, rows)
            return
        # A plain executemany: SQLite runs it without building one statement per page of rows; then one
        # SELECT finds the new ids by the natural key.
        self.session.execute(insert(table), rows)
        natural = spec.natural
        statement = select(table.c.id, *(table.c[name] for name in natural)).where(
            tables.one_of(self.session, table.c[natural[0]], {row[natural[0]] for row in rows})
        )
        by_key = {tuple(found[1:]): found[0] for found in self.session.execute(statement)}
        for row in rows:
            row["id"] = by_key[tuple(row[name] for name in natural)]

    @staticmethod
    def _copy_rows(connection, table, rows: list[dict[str, Any]]) -> None:
        columns = list(rows[0])
        json_columns = {name for name in columns if isinstance(table.c[name].type, JSON)}
        driver = connection.connection.driver_connection
        names = ", ".join(f'"{name}"' for name in columns)
        command = f'COPY "{table.name}" ({names}) FROM STDIN'
        try:
            with driver.cursor() as cursor, cursor.copy(command) as copy:
                for row in rows:
                    copy.write_row(
                        [Jsonb(row[name]) if name in json_columns and row[name] is not None else row[name]
                         for name in columns]
                    )
        except psycopg.errors.IntegrityError as error:
            # Another transaction inserted one of these keys meanwhile; say so the way SQLAlchemy does,
            # so callers handle one kind of error whichever path wrote the rows.
            raise IntegrityError(command, None, error) from error

    def _update(self, spec: tables.TableSpec, updates: list[tuple[_Item, dict, dict]], changes: list[RecordChange]):
        if not updates:
            return
        table = spec.table
        columns = [*updates[0][1].keys(), "upstream_updated_at", "modified_at"]
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({column: bindparam(f"b_{column}", type_=table.c[column].type) for column in columns})
        )
        params = []
        for item, row, old in updates:
            values = {**row, "upstream_updated_at": item.parsed.updated_at, "modified_at": self.now}
            params.append({"b_id": old["id"], **{f"b_{column}": values[column] for column in columns}})
            old_view = _visible(old, spec)
            new = {**old_view, **_visible(values, spec), **item.parsed.extras}
            if spec.has_pin:
                new["has_pin"] = row["pin_hash"] is not None
            changes.append(RecordChange(spec.type, item.parsed.key, old_view, new, False))
        self.session.execute(statement, params)
        self.result.updated += len(params)


def _is_stale(incoming: datetime | None, stored: datetime | None) -> bool:
    return incoming is not None and stored is not None and incoming < stored


def _visible(row: dict[str, Any], spec: tables.TableSpec) -> dict[str, Any]:
    view = {column: value for column, value in row.items() if column not in tables.HIDDEN}
    if spec.has_pin:
        view["has_pin"] = row.get("pin_hash") is not None
    return view
