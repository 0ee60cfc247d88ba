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
`exit` when either runs out.

The file is read through a typed schema (pydantic: `FlowSpec`, one model per node kind), which refuses a
field a kind does not take, a missing one, a wrong type, a prompt missing in a language or not a valid
template, naming the file, the node and the field. What a schema cannot see is checked once the whole flow
is known (`check`): unknown targets, an action no service provides, unreachable nodes, a loop with no exit.
The engine reads the schema's own node models (`Node`); a target given as a bare node name is read as
`{goto: name}`, so every option and outcome has the one form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from jinja2 import Environment, StrictUndefined, TemplateSyntaxError
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

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
class Flow:
    """A checked flow, as the engine runs it. Not the schema's `FlowSpec` itself, though most fields are its
    own (the nodes are the schema's models): it holds what the spec does not, the file it came from (for
    every FlowError) and the flow-wide texts as the file gives them, keyed by language code ("zh-CN", "en"),
    extra texts included. The prompts' templates, the engine and the voice webhooks read them so
    (`texts.hours[language]`); the spec's `FlowTexts` only checks them, its `Both` holding `.zh` / `.en`."""

    name: str
    file: str
    start: str
    agent: str  # where `0` goes
    error: str  # where any failure goes
    cap: str  # where a call that exceeded max_steps goes
    max_steps: int
    nodes: dict[str, Node]  # the schema's node models, each knowing its name
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
        out.extend(Edge(name, f"option:{key}", option.goto) for key, option in sorted(node.options.items()))
    if node.kind == "choice":
        out.append(Edge(name, "more", name))
        out.append(Edge(name, "choose", node.next))
    elif node.kind == "digits":
        out.append(Edge(name, "entered", node.next))
    elif node.kind == "say":
        out.append(Edge(name, "next", node.next))
    elif node.kind == "action":
        out.extend(Edge(name, f"outcome:{o}", t.goto) for o, t in sorted(node.outcomes.items()))
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


# --- the schema -----------------------------------------------------------------------------------


_SYNTAX = Environment(undefined=StrictUndefined, autoescape=False)  # noqa: S701 - speech, not HTML

Language = Literal["zh-CN", "en"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


def _keys_as_text(value: Any) -> Any:
    """YAML reads `1: target` with an int key; keys are what a caller presses, text."""
    return {str(key): item for key, item in value.items()} if isinstance(value, dict) else value


def _targets(value: Any) -> Any:
    """Options and outcomes name a node, or give `{goto: node, …}`: the bare name is read as the second form."""
    if not isinstance(value, dict):
        return value
    return {str(key): item if isinstance(item, dict) else {"goto": item} for key, item in value.items()}


def _compiles(text: str, what: str) -> None:
    try:
        _SYNTAX.parse(text)
    except TemplateSyntaxError as error:
        raise ValueError(f"{what} is not a valid template: {error.message}") from None


class Both(_Spec):
    """A text in each language, neither empty."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True, populate_by_name=True)
    zh: str = Field(alias="zh-CN", min_length=1)
    en: str = Field(min_length=1)

    @field_validator("zh", "en")
    @classmethod
    def _said(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("empty")
        return text


class RetriesSpec(_Spec):
    no_input: int
    wrong_input: int
    exit: str


class GuardedOption(_Spec):
    goto: str = Field(min_length=1)
    when: str | None = None

    @field_validator("when")
    @classmethod
    def _expression(cls, condition: str | None) -> str | None:
        if condition is not None and not condition.strip():
            # It would load and then fail the call the first time a caller pressed the key.
            raise ValueError("the condition is empty: leave `when` out for an option every caller is offered")
        if condition:
            try:
                _SYNTAX.compile_expression(condition)
            except TemplateSyntaxError as error:
                raise ValueError(f"condition is not a valid expression: {error.message}") from None
        return condition


class OutcomeSpec(_Spec):
    goto: str
    wrong_input: bool = False  # counts as a wrong entry at `goto` (an input node), with its re-prompt


class Also(_Spec):
    language: str
    text: str


class _NodeSpec(_Spec):
    prompt: dict[Language, str] = {}
    also: list[Also] = []  # said whatever the call's language
    personal: bool = False  # reads out a person's record: on a shared number, `whose` goes first
    sets_language: Language | None = None
    _name: str = PrivateAttr("")  # the key it stands under in `nodes`, set once the flow is read

    @property
    def name(self) -> str:
        return self._name

    @model_validator(mode="after")
    def _texts(self):
        for label in ("prompt", "reprompt", "label"):
            texts = getattr(self, label, None) or {}
            if not texts:
                continue
            for language in LANGUAGES:
                if not texts.get(language, "").strip():
                    raise ValueError(f"{label} missing in {language}")
            for language, text in texts.items():
                _compiles(text, f"{label} ({language})")
        return self


class _InputSpec(_NodeSpec):
    prompt: dict[Language, str]
    reprompt: dict[Language, str] = {}
    retries: RetriesSpec
    silence: str | None = None  # no input goes here at once instead of a retry
    timeout: int = 6
    root: bool = False  # menus: `#` never goes back past this one
    options: dict[str, GuardedOption] = {}
    speech: bool = False
    hints: dict[Language, str] = {}
    words: dict[str, dict[Language, list[str]]] = {}  # option key -> language -> words

    @field_validator("options", mode="before")
    @classmethod
    def _options(cls, value: Any) -> Any:
        return _targets(value)

    @field_validator("words", mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        return _keys_as_text(value)

    @model_validator(mode="after")
    def _speech(self):
        for key, by_language in self.words.items():
            if key not in self.options and key not in ("0", "*", "#"):
                raise ValueError(f"speech words for key {key!r}, which the node does not offer")
            for language in LANGUAGES:
                if not by_language.get(language):
                    raise ValueError(f"speech words for key {key!r} missing in {language}")
        if self.words and not self.speech:
            raise ValueError("speech words given but `speech` is off")
        return self


class MenuSpec(_InputSpec):
    kind: Literal["menu"]

    @model_validator(mode="after")
    def _menu_keys(self):
        for key in self.options:
            if key not in MENU_KEYS:
                raise ValueError(f"option key {key!r}: menus take 1-9 (0, * and # are the same everywhere)")
        return self


class ChoiceSpec(_InputSpec):
    kind: Literal["choice"]
    items: str  # the call variable holding the list
    store: str  # the call variable the chosen item goes to
    label: dict[Language, str]  # how one item is read, `item` in it
    next: str
    page_size: int = Field(4, ge=1, le=8)  # 9 reads the next page

    @model_validator(mode="after")
    def _choice_keys(self):
        for key in self.options:
            if key not in MENU_KEYS or int(key) <= self.page_size or key == CHOICE_MORE_KEY:
                raise ValueError(f"option key {key!r} collides with the choices (1-{self.page_size}) or 9 (more)")
        return self


class DigitsSpec(_InputSpec):
    kind: Literal["digits"]
    store: str
    next: str
    length: int | tuple[int, int] = 1  # exactly, or (fewest, most)

    @field_validator("length")
    @classmethod
    def _length(cls, length: int | tuple[int, int]) -> int | tuple[int, int]:
        low, high = (length, length) if isinstance(length, int) else length
        if not 1 <= low <= high <= 30:
            raise ValueError("length must be 1-30")
        return length

    @property
    def min_length(self) -> int:
        return self.length if isinstance(self.length, int) else self.length[0]

    @property
    def max_length(self) -> int:
        return self.length if isinstance(self.length, int) else self.length[1]


class SaySpec(_NodeSpec):
    kind: Literal["say"]
    prompt: dict[Language, str]
    next: str


class ActionSpec(_NodeSpec):
    kind: Literal["action"]
    action: str
    params: dict[str, Any] = {}
    outcomes: dict[str, OutcomeSpec] = {}

    @field_validator("outcomes", mode="before")
    @classmethod
    def _outcomes(cls, value: Any) -> Any:
        return _targets(value)


class TransferSpec(_NodeSpec):
    kind: Literal["transfer"]
    answered: str
    unanswered: str


class HangupSpec(_NodeSpec):
    kind: Literal["hangup"]
    prompt: dict[Language, str]


Node = MenuSpec | ChoiceSpec | DigitsSpec | SaySpec | ActionSpec | TransferSpec | HangupSpec
NodeSpec = Annotated[Node, Field(discriminator="kind")]


class FlowTexts(BaseModel):
    """The flow-wide texts; more may be given (the prompts read them as `texts.…`)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    no_input: Both
    wrong_input: Both
    failure: Both
    unanswerable: Both
    transferring: Both
    hours: Both
    refusal_default: Both
    whose: Both | None = None  # said first by personal nodes on a shared number
    # A comma in an unquoted flow mapping splits a text in two: `Both` refuses the third key.
    terms: dict[str, dict[str, Both]] = {}
    refusals: dict[str, Both] = {}

    @field_validator("refusals")
    @classmethod
    def _refusals(cls, refusals: dict[str, Both]) -> dict[str, Both]:
        for code, texts in refusals.items():
            for text in (texts.zh, texts.en):
                _compiles(text, f"texts.refusals.{code}")
        return refusals


class Defaults(_Spec):
    timeout: int = 6
    retries: dict[str, Any] = {}


class FlowSpec(_Spec):
    flow: str
    start: str
    agent: str  # where `0` goes
    error: str  # where any failure goes
    cap: str  # where a call that exceeded max_steps goes
    refusal: str | None = None  # where a refusal goes that the action node does not route
    max_steps: int = 100
    defaults: Defaults = Defaults()
    texts: FlowTexts
    nodes: dict[str, NodeSpec] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, raw: Any) -> Any:
        """Input nodes take the flow's default retry policy and timeout where they give none of their own."""
        if not isinstance(raw, dict) or not isinstance(raw.get("nodes"), dict):
            return raw
        defaults = raw.get("defaults") or {}
        nodes = {}
        for name, body in raw["nodes"].items():
            body = body or {}
            if isinstance(body, dict) and body.get("kind") in INPUT_KINDS:
                retries = {**(defaults.get("retries") or {}), **(body.get("retries") or {})}
                body = {"timeout": defaults.get("timeout", 6), **body, "retries": retries}
            nodes[str(name)] = body
        return {**raw, "nodes": nodes}


# --- loading --------------------------------------------------------------------------------------


# libyaml's safe loader when PyYAML was built with it (the wheels are): the same documents, parsed about ten
# times faster; every process that builds the app (web and RQ workers, each CLI command) reads the flow at start.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
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
    """The flow file through the schema; the first problem becomes a FlowError naming node and field."""
    if not isinstance(raw, dict):
        raise FlowError(file, None, "a flow is a mapping with `flow`, `start` and `nodes`")
    try:
        spec = FlowSpec.model_validate(raw)
    except ValidationError as error:
        raise _flow_error(file, error) from None
    for name, node in spec.nodes.items():
        node._name = name
    return Flow(
        name=spec.flow,
        file=file,
        start=spec.start,
        agent=spec.agent,
        error=spec.error,
        cap=spec.cap,
        max_steps=spec.max_steps,
        nodes=dict(spec.nodes),
        refusal=spec.refusal or None,
        texts=raw.get("texts") or {},
    )


def _flow_error(file: str, error: ValidationError) -> FlowError:
    """The first error in words: which node (or which flow-wide field), which field, what is wrong."""
    errors = error.errors(include_url=False, include_input=False)
    first = errors[0]
    loc = [str(part) for part in first["loc"]]
    kind, message = first["type"], first["msg"].removeprefix("Value error, ")
    if loc[:1] == ["nodes"] and len(loc) > 1:
        node, rest = loc[1], loc[3:]  # loc[2] is the node's kind (the schema's tag)
        if kind == "union_tag_invalid":
            return FlowError(file, node, f"unknown kind {first['ctx']['tag']!r} (one of {', '.join(KINDS)})")
        if kind in ("union_tag_not_found", "model_attributes_type", "dict_type") and len(loc) <= 3:
            return FlowError(file, node, f"a node is a mapping with a `kind` (one of {', '.join(KINDS)})")
        if rest[:1] == ["options"] and len(rest) > 1:
            # An option is a node name or {goto, when}: the error of the second form says what is wrong.
            guarded = [e for e in errors if e["type"] == "value_error" and list(map(str, e["loc"]))[:5] == loc[:5]]
            if guarded:
                return FlowError(file, node, f"option {rest[1]!r}: {guarded[0]['msg'].removeprefix('Value error, ')}")
            return FlowError(file, node, f"option {rest[1]!r}: a guarded option is {{goto: node, when: condition}}")
        if rest[:1] == ["retries"]:
            return FlowError(
                file,
                node,
                f"retry policy needs {rest[-1]!r}" if kind == "missing" else f"retries.{'.'.join(rest[1:])}: {message}",
            )
        if kind == "extra_forbidden":
            return FlowError(file, node, f"unknown field(s): {rest[-1]} (a {loc[2]} node does not take it)")
        if kind == "missing":
            return FlowError(file, node, f"a {loc[2]} node needs `{'.'.join(rest)}`")
        return FlowError(file, node, f"{'.'.join(rest)}: {message}" if rest else message)
    if loc[:1] == ["texts"] and len(loc) > 1:
        if loc[1] == "terms" and len(loc) > 3:
            return FlowError(file, None, f"texts.terms.{loc[2]}.{loc[3]} needs exactly zh-CN and en texts")
        if kind == "missing" and len(loc) == 2:
            return FlowError(file, None, f"texts.{loc[1]} is missing")
        if len(loc) > 2 and loc[-1] in ("zh-CN", "en"):
            return FlowError(file, None, f"texts.{'.'.join(loc[1:-1])} missing in {loc[-1]}")
        return FlowError(file, None, f"texts.{'.'.join(loc[1:])}: {message}")
    if loc == ["nodes"]:
        return FlowError(file, None, "`nodes` must be a non-empty mapping")
    if kind == "missing":
        return FlowError(file, None, f"missing `{'.'.join(loc)}`")
    return FlowError(file, None, f"{'.'.join(loc) or 'flow'}: {message}")


# --- what the schema cannot see: the flow as a whole ------------------------------------------------


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
    if any(node.personal for node in nodes.values()) and not flow.texts.get("whose"):
        raise FlowError(file, None, "texts.whose is missing (personal nodes say it)")
    _check_reachable(flow)
    _check_exits(flow)


def _check_node(flow: Flow, node: Node, actions: Mapping[str, frozenset[str]] | None) -> None:
    def fail(message: str) -> None:
        raise FlowError(flow.file, node.name, message)

    for edge in node_edges(flow, node):
        if edge.target is None and edge.kind != "back":
            fail(f"`{edge.kind}` has no target")
        if edge.target is not None and edge.target not in flow.nodes:
            fail(f"unknown target '{edge.target}' ({edge.kind})")
    if node.kind != "action":
        return
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
        if target.wrong_input and flow.nodes[target.goto].kind not in INPUT_KINDS:
            fail(f"outcome '{outcome}' counts a wrong entry at '{target.goto}', which asks for no input")


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
                loop = path[path.index(target) :] + [target]
                raise FlowError(flow.file, target, "loop with no exit (no input on the way): " + " -> ".join(loop))
            if target not in colour:
                visit(target, path + [target])
        colour[name] = 2

    for name in sorted(passive):
        if name not in colour:
            visit(name, [name])
