"""The README stays true: its commands exist, its settings table is the generated one, its demo people are
the ones `flask demo-data` makes."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import click

from hotline.calendar import WorkCalendar
from hotline.clock import CHINA
from hotline.config import Settings
from hotline.demo import cast

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _code_lines() -> list[str]:
    """Lines of the shell code blocks (``` or ```sh), comments dropped; diagrams and other blocks skipped."""
    lines, language = [], None
    for line in README.splitlines():
        if line.startswith("```"):
            language = None if language is not None else (line[3:].strip() or "sh")
            continue
        if language in ("sh", "bash"):
            lines.append(line.split("#", 1)[0].strip())
    return lines


def _mentioned_flask_commands() -> set[tuple[str, ...]]:
    """Every `flask a b` in a code block or in backticks, as the words before options and arguments."""
    found = set()
    texts = _code_lines() + re.findall(r"`(flask [^`]+)`", README)
    for text in texts:
        if not text.startswith("flask "):
            continue
        words = []
        for word in text.split()[1:]:
            if word.startswith("-") or not re.fullmatch(r"[a-z][a-z-]*", word):
                break
            words.append(word)
        found.add(tuple(words))
    return found


def test_every_flask_command_in_the_readme_exists(app):
    missing = []
    for words in _mentioned_flask_commands():
        command: click.Command = app.cli
        ctx = click.Context(app.cli)
        for word in words:
            if not isinstance(command, click.Group):
                break  # the rest are arguments
            sub = command.get_command(ctx, word)
            if sub is None:
                missing.append(" ".join(words))
                break
            command = sub
    assert not missing, f"README names commands that do not exist: {missing}"
    assert ("demo-data",) in _mentioned_flask_commands()


def test_every_script_the_readme_runs_exists():
    for line in _code_lines():
        for path in re.findall(r"\b(?:bash|python) ((?:scripts|bench)/[\w./-]+)", line):
            assert (ROOT / path).is_file(), path
    assert (ROOT / ".ci" / "run").is_file()


def test_the_settings_table_is_the_generated_one():
    generated = subprocess.run([sys.executable, str(ROOT / "scripts" / "settings_table.py")],
                               capture_output=True, text=True, check=True).stdout.strip()
    assert "not yet described" not in generated, "a setting has no meaning in scripts/settings_table.py"
    assert generated in README, "README settings table is stale: run python scripts/settings_table.py --write"


def test_the_demo_people_in_the_readme_are_the_cast():
    now = datetime(2026, 11, 24, 9, 0, tzinfo=CHINA)
    the_cast = cast.cast(now.date(), now, WorkCalendar.load(Settings().holidays_file))
    people = {r["name"]: r for r in the_cast.records if r["type"] == "person"}
    for phone, pin in ((cast.LIN_PHONE, cast.LIN_PIN), (cast.ORGANISATION_PHONE, cast.ORGANISATION_PIN),
                       (cast.ENGLISH_PHONE, cast.ENGLISH_PIN), (cast.LEARNER_PHONE, cast.LEARNER_PIN)):
        assert re.search(rf"\| \{phone} \|[^\n]*\| PIN {pin} \|", README), phone
    for phone in (cast.FAMILY_PHONE, cast.UNREGISTERED_PHONE):
        assert re.search(rf"\| \{phone} \|[^\n]*\| code by SMS \|", README), phone
    for name in ("陈建国", "陈美", "陈子涵"):
        assert people[name]["phone"] == cast.FAMILY_PHONE
        assert f"{name} (ID …{people[name]['id_number'][-4:]})" in README or \
            f"{name} (…{people[name]['id_number'][-4:]})" in README
