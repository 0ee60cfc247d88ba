"""Every state a notice or an attempt takes is written by one module, hotline/notify/store.py.

The test reads the syntax tree of every other module (comments and docstrings do not count)
and fails on anything that writes the notice or attempt tables: an INSERT, UPDATE or DELETE built on them,
a Notice or NoticeAttempt made in Python, an assignment to a notice's or attempt's `state`, or SQL text
that writes them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STORE = ROOT / "hotline" / "notify" / "store.py"
TABLES = {"Notice", "NoticeAttempt"}
WRITE_SQL = re.compile(r"\b(UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+notice(_attempt)?\b", re.IGNORECASE)


def _names_a_table(node: ast.AST, aliases: set[str]) -> bool:
    """`Notice`, `NoticeAttempt`, their `.__table__`, or a name given to one of them."""
    if isinstance(node, ast.Attribute) and node.attr == "__table__":
        node = node.value
    return isinstance(node, ast.Name) and (node.id in TABLES or node.id in aliases)


def writes(source: str) -> list[str]:
    """What in `source` writes the notice tables, as 'line: what'."""
    tree = ast.parse(source)
    aliases = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and _names_a_table(node.value, set())
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in TABLES:
                found.append(f"{node.lineno}: {name}(...) made")
            elif name in ("insert", "update", "delete") and node.args and _names_a_table(node.args[0], aliases):
                found.append(f"{node.lineno}: {name} on the notice tables")
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if (
                        isinstance(element, ast.Attribute)
                        and element.attr == "state"
                        and isinstance(element.value, ast.Name)
                        and re.search(r"notice|attempt", element.value.id, re.IGNORECASE)
                    ):
                        found.append(f"{node.lineno}: {element.value.id}.state assigned")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and WRITE_SQL.search(node.value)
        ):
            found.append(f"{node.lineno}: SQL text writing the notice tables")
    return found


def test_no_module_but_the_store_writes_a_notice_or_an_attempt():
    offenders = {}
    for path in sorted([*(ROOT / "hotline").rglob("*.py"), *(ROOT / "workers").rglob("*.py")]):
        if path == STORE:
            continue
        found = writes(path.read_text(encoding="utf-8"))
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}


def test_the_check_sees_each_kind_of_write():
    # The store itself writes in every one of these ways, so the check above can find them.
    found = " ".join(writes(STORE.read_text(encoding="utf-8")))
    assert "update on the notice tables" in found and "insert on the notice tables" in found
    assert "delete on the notice tables" in found and "notice.state assigned" in found
    assert writes("Notice(kind='V01')") and writes("x = 'UPDATE notice SET state = 1'")
    assert writes("attempt.state, other = 'failed', 1")
