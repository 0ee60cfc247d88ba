"""The README's "Try it" lines are executable documentation: each command of that section runs against a
demo instance (the demo data, the scheduler as scripts/demo.sh starts it, the web app over HTTP) and prints
the text the README quotes for it ("…" stands for anything)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from hotline.clock import china_now

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def try_it_lines() -> list[tuple[str, str]]:
    """(command, quoted output) for each line of the first shell block under "## Try it"."""
    section = README.split("\n## Try it\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    lines = []
    for line in block.splitlines():
        command, _, comment = line.partition("  # ")
        quoted = re.search(r'"([^"]+)"\s*$', comment)
        assert quoted, f"a Try it line without the text it prints: {line}"
        lines.append((command.strip(), quoted.group(1)))
    return lines


def demo_flask_commands(name: str) -> list[str]:
    """The `flask NAME ...` lines of scripts/demo.sh, as the demo runs them."""
    script = (ROOT / "scripts" / "demo.sh").read_text(encoding="utf-8")
    return [line.strip().rstrip("&").strip() for line in script.splitlines()
            if line.strip().startswith(f"flask {name}")]


def run(app, command: str):
    words = shlex.split(command.replace('"$fill"', "--if-empty"))
    assert words[0] == "flask", command
    result = app.test_cli_runner().invoke(args=words[1:])
    assert result.exit_code == 0, f"{command}\n{result.output}"
    return result.output


def test_every_try_it_line_prints_what_the_readme_shows(served_app):
    rt = served_app.extensions["hotline"]
    day = china_now(rt.clock).date().isoformat()
    # The demo as scripts/demo.sh starts it: its data, then one tick of its scheduler and a worker's round.
    [fill] = demo_flask_commands("demo-data")
    run(served_app, f"{fill} --date {day}")
    [scheduler] = demo_flask_commands("scheduler")
    run(served_app, f"{scheduler} --ticks 1")
    run(served_app, "flask worker --burst")
    lines = try_it_lines()
    assert [command.split()[:3] for command, _ in lines][:3] == [
        ["flask", "phone", "call"], ["flask", "phone", "sms"], ["flask", "notices", "scan"]]
    for command, shown in lines:
        output = run(served_app, command)
        pattern = ".+".join(re.escape(part) for part in shown.split("…"))
        assert re.search(pattern, output), f"{command}: the README shows {shown!r}, it printed:\n{output}"
        if command == "flask notices scan":
            # Something happens: the demo left today's scan to this command.
            planned = re.search(r"planned (\d+) notices", output)
            assert planned and int(planned.group(1)) > 0, output
