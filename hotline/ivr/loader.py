"""Voice menus as data: load `ivr_flows/*.yaml` and refuse a flow that could strand a caller.

A flow is a set of named nodes:

- `menu`: a prompt and one key (`options: {"1": target}`); `*` repeats, `#` goes back one menu, `0` a person.
  An option offered only to some callers names its condition, a Jinja expression over the call's variables:
  `"2": {goto: load_licence, when: "party.kind == 'person'"}`. Where it is false the key is not offered:
  pressing it (or saying its words) is a wrong entry, and the prompt's own `{% if %}` leaves it unsaid.
- `choice`: a menu over a list the call holds (`items: vehicles`), keys 1..page, `9` the next page.
- `digits`: an entry ended by `#` (`*` stands for the letter X of an ID number), stored in a call variable.
- `say`: a prompt, then `next`.
- `action`: a named service call (hotline/ivr/actions.py); each outcome names where to go.
- `transfer`: dial a person; `answered` / `unanswered` say where the call goes after.
- `hangup`: a last prompt, then the line closes.

Input nodes carry a retry policy: how many silences and how many wrong keys, a short re-prompt, and an
`exit` when either runs out. `check()` rejects, naming file and node: unknown targets, unreachable nodes,
a prompt missing in a language, an action no service provides, a loop with no exit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, TemplateSyntaxError

from ..config import ROOT

FLOW_DIR = ROOT / "ivr_flows"
LANGUAGES = ("zh-CN", "en")
KINDS = ("menu", "choice", "digits", "say", "action", "transfer", "hangup")
INPUT_KINDS = ("menu", "choice", "digits")
TERMINAL_KINDS = ("transfer", "hangup")
MENU_KEYS = set("123456789")  # 0 * # are the same at every menu
CHOICE_MORE_KEY = "9"


class FlowError(ValueError):
    """A flow that must not run; the message names the file and the node."""

    def __init__(self, file: str, node: str | None, message: str) -> None:
        where = f"{file}: node '{node}'" if node else file
        super().__init__(f"{where}: {message}")
        self.file = file
        self.node = node


@dataclass(frozen=True)
class Retries:
    no_input: int
    wrong_input: int
    exit: str


@dataclass(frozen=True)
class Outcome:
    target: str
    wrong_input: bool = False  # counts as a wrong entry at `target` (an input node), with its re-prompt


@dataclass(frozen=True)
class Node:
    name: str
    kind: str
    prompt: dict[str, str] = field(default_factory=dict)
    reprompt: dict[str, str] = field(default_factory=dict)
    also: tuple[tuple[str, str], ...] = ()  # (language, text) said whatever the call's language
    options: dict[str, str] = field(default_factory=dict)
    when: dict[str, str] = field(default_factory=dict)  # option key -> condition under which it is offered
    next: str | None = None
    action: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    retries: Retries | None = None
    silence: str | None = None  # menus: no input goes here at once instead of a retry
    timeout: int = 6
    root: bool = False  # menus: `#` never goes back past this one
    store: str | None = None
    min_length: int = 1
    max_length: int = 1
    items: str | None = None
    label: dict[str, str] = field(default_factory=dict)
    page_size: int = 4
    speech: bool = False
    hints: dict[str, str] = field(default_factory=dict)
    words: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # option key -> language -> words
    answered: str | None = None
    unanswered: str | None = None
    sets_language: str | None = None
    # Reads out a person's record: on a number several people share, the flow's `whose` text goes first.
    personal: bool = False


@dataclass(frozen=True)
class Flow:
    name: str
    file: str
    start: str
    agent: str  # where `0` goes
    error: str  # where any failure goes
    cap: str  # where a call that exceeded max_steps goes
    max_steps: int
    nodes: dict[str, Node]
    refusal: str | None  # where a refusal goes that the action node does not route
    texts: dict[str, Any]  # flow-wide texts: re-prompts, refusals, failure

    def node(self, name: str) -> Node:
        return self.nodes[name]


# --- edges ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    source: str
    kind: str  # option:1, repeat, back, agent, more, choose, entered, next, outcome:x, answered, ...
    target: str | None  # None where it depends on the call (`back`)


def edges(flow: Flow) -> list[Edge]:
    """Every way a call can move, retry and exit edges included: what the conversation tests must cover."""
    found: list[Edge] = []
    for node in flow.nodes.values():
        found.extend(node_edges(flow, node))
    found.append(Edge("*", "cap", flow.cap))
    return found


def node_edges(flow: Flow, node: Node) -> list[Edge]:
    out: list[Edge] = []
    name = node.name
    if node.kind in INPUT_KINDS:
        assert node.retries is not None
        if node.silence:
            out.append(Edge(name, "silence", node.silence))
        else:
            out.append(Edge(name, "no_input", name))
            out.append(Edge(name, "no_input_exit", node.retries.exit))
        out.append(Edge(name, "wrong_input", name))
        out.append(Edge(name, "wrong_input_exit", node.retries.exit))
    if node.kind in ("menu", "choice"):
        out.append(Edge(name, "repeat", name))
        out.append(Edge(name, "back", None))
        out.append(Edge(name, "agent", flow.agent))
    if node.kind in ("menu", "choice"):
        out.extend(Edge(name, f"option:{key}", target) for key, target in sorted(node.options.items()))
    if node.kind == "choice":
        out.append(Edge(name, "more", name))
        out.append(Edge(name, "choose", node.next))
    elif node.kind == "digits":
        out.append(Edge(name, "entered", node.next))
    elif node.kind == "say":
        out.append(Edge(name, "next", node.next))
    elif node.kind == "action":
        out.extend(Edge(name, f"outcome:{o}", t.target) for o, t in sorted(node.outcomes.items()))
    elif node.kind == "transfer":
        out.append(Edge(name, "answered", node.answered))
        out.append(Edge(name, "unanswered", node.unanswered))
    return out


def successors(flow: Flow, node: Node) -> set[str]:
    targets = {e.target for e in node_edges(flow, node) if e.target}
    if node.kind in ("menu", "choice"):
        # `#` leads back to some earlier menu; for reachability the menus themselves are reached forward.
        targets.discard(None)
    return targets


# --- loading --------------------------------------------------------------------------------------


def load_flows(directory: Path = FLOW_DIR, actions: Mapping[str, frozenset[str]] | None = None) -> dict[str, Flow]:
    """Every `*.yaml` in the directory, checked; keyed by flow name."""
    flows = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        flow = load_flow(path, actions)
        flows[flow.name] = flow
    return flows


def load_flow(path: Path | str, actions: Mapping[str, frozenset[str]] | None = None) -> Flow:
    """Parse and check one flow file. `actions`: the action names and their outcomes that exist."""
    path = Path(path)
    file = _display(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise FlowError(file, None, f"not valid YAML: {error}") from error
    flow = parse(raw, file)
    check(flow, actions)
    return flow


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return path.name


def parse(raw: Any, file: str) -> Flow:
    if not isinstance(raw, dict):
        raise FlowError(file, None, "a flow is a mapping with `flow`, `start` and `nodes`")
    for key in ("flow", "start", "agent", "error", "cap", "nodes"):
        if key not in raw:
            raise FlowError(file, None, f"missing `{key}`")
    defaults = raw.get("defaults") or {}
    retry_defaults = defaults.get("retries") or {}
    nodes_raw = raw["nodes"]
    if not isinstance(nodes_raw, dict) or not nodes_raw:
        raise FlowError(file, None, "`nodes` must be a non-empty mapping")
    nodes = {}
    for name, body in nodes_raw.items():
        nodes[str(name)] = _parse_node(file, str(name), body or {}, retry_defaults, defaults)
    return Flow(
        name=str(raw["flow"]),
        file=file,
        start=str(raw["start"]),
        agent=str(raw["agent"]),
        error=str(raw["error"]),
        cap=str(raw["cap"]),
        max_steps=int(raw.get("max_steps", 100)),
        nodes=nodes,
        refusal=str(raw["refusal"]) if raw.get("refusal") else None,
        texts=raw.get("texts") or {},
    )


def _parse_node(file: str, name: str, body: dict, retry_defaults: dict, defaults: dict) -> Node:
    if not isinstance(body, dict):
        raise FlowError(file, name, "a node is a mapping")
    kind = body.get("kind")
    if kind not in KINDS:
        raise FlowError(file, name, f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
    known = {
        "kind", "prompt", "reprompt", "also", "options", "next", "action", "params", "outcomes", "retries",
        "silence", "timeout", "root", "store", "length", "items", "label", "page_size", "speech", "hints",
        "words", "answered", "unanswered", "sets_language", "personal",
    }
    unknown = set(body) - known
    if unknown:
        raise FlowError(file, name, f"unknown field(s): {', '.join(sorted(unknown))}")
    retries = None
    if kind in INPUT_KINDS:
        merged = {**retry_defaults, **(body.get("retries") or {})}
        try:
            retries = Retries(int(merged["no_input"]), int(merged["wrong_input"]), str(merged["exit"]))
        except KeyError as missing:
            raise FlowError(file, name, f"retry policy needs {missing}") from None
    options: dict[str, str] = {}
    when: dict[str, str] = {}
    for key, target in (body.get("options") or {}).items():
        if isinstance(target, dict):
            if set(target) - {"goto", "when"} or not target.get("goto"):
                raise FlowError(file, name, f"option {key!r}: a guarded option is {{goto: node, when: condition}}")
            options[str(key)] = str(target["goto"])
            if target.get("when"):
                when[str(key)] = str(target["when"])
        else:
            options[str(key)] = str(target)
    outcomes = {}
    for outcome, target in (body.get("outcomes") or {}).items():
        if isinstance(target, dict):
            outcomes[str(outcome)] = Outcome(str(target.get("goto")), bool(target.get("wrong_input", False)))
        else:
            outcomes[str(outcome)] = Outcome(str(target))
    length = body.get("length", 1)
    min_length, max_length = (length, length) if isinstance(length, int) else (int(length[0]), int(length[1]))
    return Node(
        name=name,
        kind=kind,
        prompt=_texts(file, name, body.get("prompt")),
        reprompt=_texts(file, name, body.get("reprompt")),
        also=tuple((str(a["language"]), str(a["text"])) for a in body.get("also") or ()),
        options=options,
        when=when,
        next=str(body["next"]) if body.get("next") else None,
        action=body.get("action"),
        params=dict(body.get("params") or {}),
        outcomes=outcomes,
        retries=retries,
        silence=body.get("silence"),
        timeout=int(body.get("timeout", defaults.get("timeout", 6))),
        root=bool(body.get("root", False)),
        store=body.get("store"),
        min_length=min_length,
        max_length=max_length,
        items=body.get("items"),
        label=_texts(file, name, body.get("label")),
        page_size=int(body.get("page_size", 4)),
        speech=bool(body.get("speech", False)),
        hints={str(k): str(v) for k, v in (body.get("hints") or {}).items()},
        words={str(k): {lang: list(ws) for lang, ws in v.items()} for k, v in (body.get("words") or {}).items()},
        answered=body.get("answered"),
        unanswered=body.get("unanswered"),
        sets_language=body.get("sets_language"),
        personal=bool(body.get("personal", False)),
    )


def _texts(file: str, node: str, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FlowError(file, node, "a prompt gives one text per language (zh-CN, en)")
    return {str(k): str(v) for k, v in value.items()}


# --- checking -------------------------------------------------------------------------------------


_SYNTAX = Environment(undefined=StrictUndefined, autoescape=False)  # noqa: S701 - speech, not HTML


def check(flow: Flow, actions: Mapping[str, frozenset[str]] | None = None) -> None:
    """Raise FlowError on the first problem found, naming the file and the node."""
    file = flow.file
    nodes = flow.nodes
    for special in ("start", "agent", "error", "cap", "refusal"):
        target = getattr(flow, special)
        if target is None:
            continue
        if target not in nodes:
            raise FlowError(file, None, f"`{special}` names unknown node '{target}'")
    for node in nodes.values():
        _check_node(flow, node, actions)
    _check_texts(flow)
    _check_reachable(flow)
    _check_exits(flow)


def _check_node(flow: Flow, node: Node, actions: Mapping[str, frozenset[str]] | None) -> None:
    file, name = flow.file, node.name

    def fail(message: str) -> None:
        raise FlowError(file, name, message)

    for edge in node_edges(flow, node):
        if edge.target is None and edge.kind != "back":
            fail(f"`{edge.kind}` has no target")
        if edge.target is not None and edge.target not in flow.nodes:
            fail(f"unknown target '{edge.target}' ({edge.kind})")
    needs_prompt = node.kind not in ("action",)
    if needs_prompt and not node.prompt and node.kind != "transfer":
        fail("has no prompt")
    for label, texts in (("prompt", node.prompt), ("reprompt", node.reprompt), ("label", node.label)):
        if not texts:
            continue
        for language in LANGUAGES:
            if not texts.get(language, "").strip():
                fail(f"{label} missing in {language}")
        for language, text in texts.items():
            if language not in LANGUAGES:
                fail(f"{label} in unknown language {language!r}")
            _compiles(file, name, text, f"{label} ({language})")
    for key, by_language in node.words.items():
        if key not in node.options and key not in ("0", "*", "#"):
            fail(f"speech words for key {key!r}, which the node does not offer")
        for language in LANGUAGES:
            if not by_language.get(language):
                fail(f"speech words for key {key!r} missing in {language}")
    if node.words and not node.speech:
        fail("speech words given but `speech` is off")
    for key, condition in node.when.items():
        try:
            _SYNTAX.compile_expression(condition)
        except TemplateSyntaxError as error:
            fail(f"option {key!r}: condition is not a valid expression: {error.message}")
    if node.kind == "menu":
        for key in node.options:
            if key not in MENU_KEYS:
                fail(f"option key {key!r}: menus take 1-9 (0, * and # are the same everywhere)")
    if node.kind == "choice":
        if not node.items or not node.store or not node.next or not node.label:
            fail("a choice needs `items`, `store`, `label` and `next`")
        if not 1 <= node.page_size <= 8:
            fail("page_size must be 1-8 (9 reads the next page)")
        for key in node.options:
            if key not in MENU_KEYS or int(key) <= node.page_size or key == CHOICE_MORE_KEY:
                fail(f"option key {key!r} collides with the choices (1-{node.page_size}) or 9 (more)")
    if node.kind == "digits":
        if not node.store or not node.next:
            fail("digit entry needs `store` and `next`")
        if not 1 <= node.min_length <= node.max_length <= 30:
            fail("length must be 1-30")
    if node.kind in ("say",) and not node.next:
        fail("a say node needs `next`")
    if node.kind == "action":
        if not node.action:
            fail("an action node needs `action`")
        if actions is not None:
            if node.action not in actions:
                fail(f"action '{node.action}' is not provided by any service")
            declared = actions[node.action]
            for outcome in node.outcomes:
                if outcome not in declared:
                    fail(f"action '{node.action}' has no outcome '{outcome}' (it has: {', '.join(sorted(declared))})")
            optional = {"error", "refused"} if flow.refusal else {"error"}
            for outcome in sorted(declared - set(node.outcomes) - optional):
                fail(f"outcome '{outcome}' of action '{node.action}' has no target")
        for outcome, target in node.outcomes.items():
            if target.wrong_input and flow.nodes.get(target.target, Node("", "say")).kind not in INPUT_KINDS:
                fail(f"outcome '{outcome}' counts a wrong entry at '{target.target}', which asks for no input")
    if node.kind == "transfer" and (not node.answered or not node.unanswered):
        fail("a transfer needs `answered` and `unanswered`")
    if node.sets_language and node.sets_language not in LANGUAGES:
        fail(f"unknown language {node.sets_language!r}")


def _compiles(file: str, node: str, text: str, what: str) -> None:
    try:
        _SYNTAX.parse(text)
    except TemplateSyntaxError as error:
        raise FlowError(file, node, f"{what} is not a valid template: {error.message}") from error


def _check_texts(flow: Flow) -> None:
    for key in ("no_input", "wrong_input", "failure", "unanswerable", "transferring", "hours", "refusal_default"):
        texts = flow.texts.get(key)
        if not isinstance(texts, dict):
            raise FlowError(flow.file, None, f"texts.{key} is missing")
        for language in LANGUAGES:
            if not str(texts.get(language, "")).strip():
                raise FlowError(flow.file, None, f"texts.{key} missing in {language}")
    if any(node.personal for node in flow.nodes.values()):
        texts = flow.texts.get("whose")
        if not isinstance(texts, dict) or not all(str(texts.get(lang, "")).strip() for lang in LANGUAGES):
            raise FlowError(flow.file, None, "texts.whose is missing in a language (personal nodes say it)")
    for group, entries in (flow.texts.get("terms") or {}).items():
        for key, texts in (entries or {}).items():
            # A comma in an unquoted flow mapping splits a text in two: catch it here, not on a call.
            if not isinstance(texts, dict) or set(texts) != set(LANGUAGES) or not all(
                isinstance(v, str) and v.strip() for v in texts.values()
            ):
                raise FlowError(flow.file, None, f"texts.terms.{group}.{key} needs exactly zh-CN and en texts")
    for code, texts in (flow.texts.get("refusals") or {}).items():
        for language in LANGUAGES:
            if not str(texts.get(language, "")).strip():
                raise FlowError(flow.file, None, f"texts.refusals.{code} missing in {language}")
            _compiles(flow.file, None, texts[language], f"texts.refusals.{code}")


def _check_reachable(flow: Flow) -> None:
    seen: set[str] = set()
    todo = [n for n in (flow.start, flow.agent, flow.error, flow.cap, flow.refusal) if n]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(successors(flow, flow.nodes[name]))
    for name in flow.nodes:
        if name not in seen:
            raise FlowError(flow.file, name, "unreachable: no node leads here")


def _check_exits(flow: Flow) -> None:
    """A loop with no exit: from every node the call must be able to end (hang up or reach a person),
    and no circle of nodes may run without waiting for the caller."""
    ending = {n for n, node in flow.nodes.items() if node.kind in TERMINAL_KINDS}
    changed = True
    while changed:
        changed = False
        for name, node in flow.nodes.items():
            if name not in ending and successors(flow, node) & ending:
                ending.add(name)
                changed = True
    for name in flow.nodes:
        if name not in ending:
            raise FlowError(flow.file, name, "loop with no exit: no way from here to a goodbye or a person")
    # A circle of say/action nodes never waits for the caller: it would spin inside one webhook.
    passive = {n for n, node in flow.nodes.items() if node.kind in ("say", "action")}
    colour: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        colour[name] = 1
        for target in sorted(successors(flow, flow.nodes[name]) & passive):
            if colour.get(target) == 1:
                loop = path[path.index(target):] + [target]
                raise FlowError(flow.file, target, "loop with no exit (no input on the way): " + " -> ".join(loop))
            if target not in colour:
                visit(target, path + [target])
        colour[name] = 2

    for name in sorted(passive):
        if name not in colour:
            visit(name, [name])
