"""The package graph points one way and has no cycles (README, "Architecture").

Every `import` and `from … import` in `hotline` and `workers` is read with `ast`, those inside functions
included and relative ones resolved, and each module is mapped to the layer it belongs to. A test fails on
an import that `ALLOWED` does not list, and on any cycle between modules, naming the file and line.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("hotline", "workers")

# The layers, as module-name prefixes; a module belongs to the longest prefix that names it.
SUPPORT = "support"
LAYER_OF = {
    "hotline.domain": "domain",
    # Settings, time, numbers and text: what every layer above uses; they import only the domain.
    **{f"hotline.{name}": SUPPORT for name in (
        "calendar", "clock", "config", "digits", "formatting", "masking", "phones", "progress",
        "redis_scripts", "replies", "security", "templates", "validation",
    )},
    "hotline.db": "db",
    "hotline.runtime": "runtime",  # a process's sessions, Redis and queues
    "hotline.retention": "retention",  # purging old records and notice texts
    "hotline.metrics": "metrics",
    "hotline.logs": "metrics",
    "hotline.gateway": "gateway",
    "hotline.sandbox": "sandbox",  # the loopback Twilio: a server for tests and the demo
    "hotline.services": "services",
    "hotline.notify": "notify",
    "hotline.ingest": "ingest",
    "hotline.ivr": "ivr",
    "hotline.sms": "sms",
    "hotline.demo": "demo",
    "hotline.web": "web",
    "hotline.cli": "cli",
    "workers": "workers",
    "hotline.factory": "factory",
    "hotline": "package",  # hotline/__init__.py
}

_BASE = {"domain", SUPPORT}
# layer -> the layers it may import (its own always allowed). Dependencies point one way: web → ivr / sms
# → services → db → domain; notify → gateway; ingest may call services and notify; workers and cli call
# services and notify; nothing imports web, cli or workers but the factory that puts them together.
ALLOWED: dict[str, set[str]] = {
    "domain": set(),
    SUPPORT: {"domain"},
    "db": _BASE,
    "runtime": _BASE | {"db", "gateway"},  # the REST client for calls the hotline places
    "metrics": _BASE | {"db", "runtime"},
    "retention": _BASE | {"db", "runtime", "notify"},
    "gateway": _BASE,
    "sandbox": _BASE,
    "services": _BASE | {"db"},
    "notify": _BASE | {"db", "runtime", "metrics", "gateway", "services"},
    "ingest": _BASE | {"db", "runtime", "services", "notify"},
    "ivr": _BASE | {"db", "runtime", "metrics", "services", "notify"},
    "sms": _BASE | {"db", "runtime", "metrics", "services", "notify"},
    "demo": _BASE | {"db", "runtime", "services", "notify", "ingest"},
    "web": _BASE | {"db", "runtime", "metrics", "services", "notify", "ingest", "ivr", "sms"},
    "cli": _BASE | {"db", "runtime", "metrics", "gateway", "sandbox", "services", "notify", "ingest", "ivr", "sms",
                    "demo", "retention"},
    "workers": _BASE | {"db", "runtime", "metrics", "services", "notify", "sms"},
    "factory": _BASE | {"web", "cli", "workers"},
    "package": set(),
}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.source} imports {self.target}"


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The module of ours `name` is, or lies in (`hotline.db.Notice` -> `hotline.db`); None when not ours."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def edges() -> list[Edge]:
    known = modules()
    found = []
    for module, path in known.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".")[: None if is_package else -1]
                    base = base[: len(base) - node.level + 1]
                    origin = ".".join(base + ([node.module] if node.module else []))
                else:
                    origin = node.module or ""
                # `from . import api` names a module; `from .db import Notice` a name in one.
                names = [f"{origin}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                target = _resolve(name, known)
                if target is not None and target != module:
                    found.append(Edge(module, target, path, node.lineno))
    return found


def layer(module: str) -> str:
    prefix = module
    while prefix not in LAYER_OF:
        prefix = prefix.rpartition(".")[0]
        assert prefix, f"{module} is in no layer: add it to LAYER_OF"
    return LAYER_OF[prefix]


def upward(found: list[Edge]) -> list[Edge]:
    return [e for e in found if layer(e.source) != layer(e.target) and layer(e.target) not in ALLOWED[layer(e.source)]]


def cycles(found: list[Edge]) -> list[list[Edge]]:
    """One cycle (as its edges) through each strongly connected group of modules (Tarjan)."""
    graph: dict[str, dict[str, Edge]] = defaultdict(dict)
    for edge in found:
        graph[edge.source].setdefault(edge.target, edge)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:  # recursion depth is bounded by the number of modules (a few hundred)
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in list(graph):
        if node not in index:
            visit(node)
    return [_cycle_in(graph, group) for group in groups]


def _cycle_in(graph: dict[str, dict[str, Edge]], group: set[str]) -> list[Edge]:
    """A shortest way from the group's first module back to itself, inside the group (breadth first)."""
    start = min(group)
    came: dict[str, Edge] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target, edge in sorted(graph[node].items()):
                if target not in group:
                    continue
                if target == start:
                    path = [edge]
                    while path[0].source != start:
                        path.insert(0, came[path[0].source])
                    return path
                if target not in came:
                    came[target] = edge
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle through {start}")


def test_every_module_is_in_a_layer():
    for module in modules():
        layer(module)


def test_no_import_goes_against_the_layers():
    against = upward(edges())
    if against:
        pytest.fail("imports against the layer order (ALLOWED in this file):\n" + "\n".join(map(str, against)),
                    pytrace=False)


def test_no_import_cycles():
    found = cycles(edges())
    if found:
        pytest.fail("import cycles:\n" + "\n\n".join("\n".join(map(str, cycle)) for cycle in found), pytrace=False)


def test_the_domain_imports_nothing_of_ours():
    leaks = [e for e in edges() if layer(e.source) == "domain" and layer(e.target) != "domain"]
    if leaks:
        pytest.fail("the domain imports:\n" + "\n".join(map(str, leaks)), pytrace=False)


def test_the_layer_order_itself_has_no_cycle():
    # Otherwise two packages could each import the other without any module cycle: a cycle of packages.
    layers = {name: ALLOWED[name] for name in ALLOWED}
    assert set(LAYER_OF.values()) == set(layers)
    done: set[str] = set()
    while layers:
        ready = [name for name, below in layers.items() if below <= done]
        assert ready, f"the layers {sorted(layers)} depend on each other in a circle"
        done.update(ready)
        for name in ready:
            del layers[name]


def test_the_checks_see_a_cycle_and_an_upward_import():
    """The graph checks themselves: a made-up cycle and a made-up upward import are found and named."""
    here = Path(__file__)
    made_up = [Edge("hotline.services.a", "hotline.services.b", here, 1),
               Edge("hotline.services.b", "hotline.services.a", here, 2),
               Edge("hotline.domain.x", "hotline.db", here, 3)]
    assert [[str(e) for e in cycle] for cycle in cycles(made_up)] == [[str(made_up[0]), str(made_up[1])]]
    assert upward(made_up) == [made_up[2]]
