"""`flask flows check` and `flask flows graph`: the voice menus as data, checked and drawn."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from ..ivr import actions
from ..ivr.loader import FLOW_DIR, Flow, FlowError, load_flow, node_edges

flows_group = AppGroup("flows", help="The voice menus (ivr_flows/*.yaml).")

SHAPES = {
    "menu": ('{{"', '"}}'),
    "choice": ('{{"', '"}}'),
    "digits": ('[/"', '"/]'),
    "say": ('["', '"]'),
    "action": ('[["', '"]]'),
    "transfer": ('(["', '"])'),
    "hangup": ('(("', '"))'),
}
EDGE_LABELS = {
    "no_input": None, "wrong_input": None, "repeat": None, "back": None, "more": None,  # drawn once, in the legend
}


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


def mermaid(flow: Flow) -> str:
    """The flow as a Mermaid flowchart: every node and every forward edge; retries and `*`/`#` in a note."""
    lines = ["flowchart TD"]
    for name, node in flow.nodes.items():
        opening, closing = SHAPES[node.kind]
        title = f"{name}<br/><i>{node.kind}</i>"
        lines.append(f"    {name}{opening}{title}{closing}")
    seen: set[tuple[str, str, str]] = set()
    for node in flow.nodes.values():
        for edge in node_edges(flow, node):
            if edge.target is None or edge.kind in EDGE_LABELS:
                continue
            if edge.kind in ("no_input_exit", "wrong_input_exit"):
                if edge.target == flow.agent:
                    continue  # the usual exit, said once in the note
                label = "retries used up"
            elif edge.kind == "agent":
                continue  # every menu has it; drawn once below
            else:
                label = edge.kind.removeprefix("option:").removeprefix("outcome:")
            key = (edge.source, label, edge.target)
            if key in seen:
                continue
            seen.add(key)
            lines.append(f"    {edge.source} -->|{label}| {edge.target}")
    lines.append(f'    any{{{{"any menu"}}}} -->|0| {flow.agent}')
    lines.append('    note["at every menu: * repeats, # goes back one menu, 0 reaches a person;<br/>'
                 f'silence and wrong keys get a short re-prompt, then {flow.agent} unless drawn otherwise"]')
    return "\n".join(lines) + "\n"


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
