"""The SQL a piece of work sends, for tests that count queries (one query for many rows, not one per row) or
explain them (how a table is read)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event


def sent(session, run) -> list[tuple[str, Any]]:
    """The statements `run()` sends through the session's engine, each with its parameters (BEGIN aside)."""
    found: list[tuple[str, Any]] = []
    engine = session.get_bind()

    def capture(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith("BEGIN"):
            found.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return found


def statements(session, run) -> list[str]:
    """The SQL statements `run()` sends (BEGIN aside)."""
    return [statement for statement, _ in sent(session, run)]
