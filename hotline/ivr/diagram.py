"""The voice menu drawn as a Mermaid flowchart: `flask flows graph` prints it, the staff desk renders it."""

from __future__ import annotations

from .loader import Flow, node_edges

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
    "no_input": None,
    "wrong_input": None,
    "repeat": None,
    "back": None,
    "more": None,  # drawn once, in the legend
}


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
    lines.append(
        '    note["at every menu: * repeats, # goes back one menu, 0 reaches a person;<br/>'
        f'silence and wrong keys get a short re-prompt, then {flow.agent} unless drawn otherwise"]'
    )
    return "\n".join(lines) + "\n"
