"""The README's "Try it" lines are executable documentation: each command of that section runs against a
demo instance (the demo data, the scheduler as scripts/demo.sh starts it, the web app over HTTP) and prints
the text the README quotes for it ("…" stands for anything)."""

from __future__ import annotations

import dataclasses
import re
import shlex
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from hotline.clock import china_now
from hotline.web import create_app
from tests.conftest import free_port

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


@pytest.fixture
def demo(settings, clock):
    """A demo instance: the demo's data on the test day, served over HTTP on a free port."""
    port = free_port()
    served = create_app(dataclasses.replace(settings, public_url=f"http://127.0.0.1:{port}"), clock=clock)
    server = make_server("127.0.0.1", port, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served
    server.shutdown()
    thread.join(10)
    served.extensions["hotline"].engine.dispose()


def run(app, command: str):
    words = shlex.split(command.replace('"$fill"', "--if-empty"))
    assert words[0] == "flask", command
    result = app.test_cli_runner().invoke(args=words[1:])
    assert result.exit_code == 0, f"{command}\n{result.output}"
    return result.output


def test_every_try_it_line_prints_what_the_readme_shows(demo):
    rt = demo.extensions["hotline"]
    day = china_now(rt.clock).date().isoformat()
    # The demo as scripts/demo.sh starts it: its data, then one tick of its scheduler and a worker's round.
    [fill] = demo_flask_commands("demo-data")
    run(demo, f"{fill} --date {day}")
    [scheduler] = demo_flask_commands("scheduler")
    run(demo, f"{scheduler} --ticks 1")
    run(demo, "flask worker --burst")
    lines = try_it_lines()
    assert [command.split()[:3] for command, _ in lines][:3] == [
        ["flask", "phone", "call"], ["flask", "phone", "sms"], ["flask", "notices", "scan"]]
    for command, shown in lines:
        output = run(demo, command)
        pattern = ".+".join(re.escape(part) for part in shown.split("…"))
        assert re.search(pattern, output), f"{command}: the README shows {shown!r}, it printed:\n{output}"
        if command == "flask notices scan":
            # Something happens: the demo left today's scan to this command.
            planned = re.search(r"planned (\d+) notices", output)
            assert planned and int(planned.group(1)) > 0, output
