"""Every refusal the core gives names its code by `RefusalCode`, the one list of codes (hotline/domain/refusals.py).

The test reads the syntax tree of every module under hotline/ and fails on a `Refusal(...)` or
`NotPermitted(...)` made with a plain string, on an unknown `RefusalCode` member, and on a refusal's `.code`
compared with a code's text: a code written as text can drift from the list and from its templates
(tests/test_replies.py checks that every member has its words).
"""

from __future__ import annotations

import ast
from pathlib import Path

from hotline.domain.refusals import RefusalCode

ROOT = Path(__file__).resolve().parents[2]
MADE_BY = {"Refusal", "NotPermitted"}
CODES = {code.value for code in RefusalCode}


def _called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def written_as_text(source: str) -> list[str]:
    """Where `source` names a refusal code as text or names no member, as 'line: what'."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _called(node) in MADE_BY:
            code = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "code"), None)
            if code is not None and _is_text(code):
                found.append(f"{node.lineno}: {_called(node)}({ast.unparse(code)}, ...)")
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "RefusalCode"
            and node.attr not in RefusalCode.__members__
        ):
            found.append(f"{node.lineno}: RefusalCode.{node.attr} is no member")
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(side, ast.Attribute) and side.attr == "code" for side in sides):
                found += [
                    f"{node.lineno}: .code compared with {side.value!r}"
                    for side in sides
                    if isinstance(side, ast.Constant) and side.value in CODES
                ]
    return found


def test_every_refusal_under_hotline_names_a_refusal_code_member():
    offenders = {}
    for path in sorted((ROOT / "hotline").rglob("*.py")):
        found = written_as_text(path.read_text(encoding="utf-8"))
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}


def test_the_check_sees_a_code_written_as_text():
    source = (
        'raise Refusal("slot_full", slot_id=1)\n'
        'raise errors.NotPermitted(f"persons_{x}")\n'
        "raise Refusal(code='no_such_slot')\n"
        'if refusal.code != "callback_open": pass\n'
        "raise Refusal(RefusalCode.NO_SUCH_THING)\n"
        "raise Refusal(RefusalCode.SLOT_FULL)\n"
        "raise Refusal(OPEN_REFUSALS[kind])\n"
        'if violation.code == "1625": pass\n'
    )
    assert [line.split(":")[0] for line in written_as_text(source)] == ["1", "2", "3", "4", "5"]
