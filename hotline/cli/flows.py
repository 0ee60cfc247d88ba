"""`flask flows check` and `flask flows graph`: the voice menus as data, checked and drawn."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from ..ivr import actions
from ..ivr.diagram import mermaid
from ..ivr.loader import FLOW_DIR, FlowError, load_flow

flows_group = AppGroup("flows", help="The voice menus (ivr_flows/*.yaml).")

def _paths(paths: tuple[str, ...]) -> list[Path]:
    if paths:
        return [Path(p) for p in paths]
    return sorted(FLOW_DIR.glob("*.yaml"))


@flows_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False))
def check_command(paths: tuple[str, ...]) -> None:
    """Check flow files (default: every ivr_flows/*.yaml); exit 1 naming file and node on a problem."""
    failed = False
    for path in _paths(paths):
        try:
            flow = load_flow(path, actions.declared())
        except FlowError as error:
            click.echo(f"error: {error}", err=True)
            failed = True
            continue
        click.echo(f"ok: {path.name}: flow '{flow.name}', {len(flow.nodes)} nodes")
    if failed:
        sys.exit(1)


@flows_group.command("graph")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the diagram here (default: stdout).")
def graph_command(path: str | None, output: str | None) -> None:
    """Write the voice menu as a Mermaid diagram (```mermaid in Markdown renders it)."""
    flow = load_flow(Path(path) if path else FLOW_DIR / "main.yaml", actions.declared())
    text = mermaid(flow)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")
        return
    click.echo(text, nl=False)


def register(app: Flask) -> None:
    app.cli.add_command(flows_group)
