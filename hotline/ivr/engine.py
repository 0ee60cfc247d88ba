"""The pure step of a call: `step(flow, state, event) -> (state, actions)`. No Flask, no Redis, no clock.

Events, actions and the state are typed in hotline/ivr/protocol.py. Events (as they come from a webhook or
from the action bridge):
- `{"type": "start", "caller": "+86..."}` — a new call
- `{"type": "input", "digits": "1", "speech": ""}` — what a Gather collected; both empty is silence
- `{"type": "dial", "status": "completed" | "busy" | "no-answer" | "failed" | "canceled"}`
- `{"type": "result", "outcome": "ok", "vars": {...}}` — what a requested action did
- `{"type": "repeat"}` — say the current node again (a stale or out-of-order webhook)

Actions (rendered to TwiML by hotline/ivr/twiml.py):
- `{"say": text, "language": lang}`
- `{"gather": {...}, "step": n}` — wait for input; the webhook comes back with `step=n`
- `{"dial": "agent", "step": n, "timeout": s}`
- `{"hangup": True}`
- `{"run": name, "params": {...}}` — always last: the caller runs the named action and steps again with
  its result. This is how the step stays pure while actions reach the business core.

State (`CallState`) is kept in Redis between webhooks (hotline/ivr/state.py).
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from jinja2 import Environment, StrictUndefined

from ..digits import ASCII_DIGITS, ascii_digits, is_ascii_digits
from . import speech
from .loader import INPUT_KINDS, Flow, Node
from .protocol import Action, CallState, Event, GatherSpec, Say

MAX_TRANSITIONS = 50  # node changes inside one webhook; a flow that passes the checker never gets near
TRAIL_LIMIT = 500
DIAL_TIMEOUT = 20


class EngineError(RuntimeError):
    """A step the flow cannot take (a bug in a flow or an action); the caller answers with an apology."""


def new_state(caller: str, language: str = "zh-CN") -> CallState:
    return {
        "language": language,
        "caller": caller,
        "node": None,
        "step": 0,  # the number the next webhook must carry
        "moves": 0,  # inputs taken, against the flow's cap
        "vars": {},
        "counters": {"node": None, "no_input": 0, "wrong_input": 0},
        "stack": [],
        "pages": {},
        "trail": [],
    }


def step(flow: Flow, state: CallState | None, event: Event) -> tuple[CallState, list[Action]]:
    kind = event.get("type")
    if kind == "start":
        call = _Call(flow, new_state(event.get("caller", ""), event.get("language", "zh-CN")))
        call.enter(flow.start)
        return call.finish()
    if state is None:
        raise EngineError(f"event {kind!r} without a call")
    call = _Call(flow, _copy(state))
    if kind == "input":
        call.take_input(str(event.get("digits") or ""), str(event.get("speech") or ""))
    elif kind == "dial":
        call.dial_result(str(event.get("status") or ""))
    elif kind == "result":
        call.result(str(event.get("outcome")), event.get("vars") or {})
    elif kind == "repeat":
        call.enter(call.state["node"], fresh=False)
    else:
        raise EngineError(f"unknown event {kind!r}")
    return call.finish()


_CONTAINERS = ("vars", "counters", "stack", "pages", "trail")  # what a step changes in place


def _copy(state: CallState) -> CallState:
    """A private copy: the step never changes the caller's dict. A step replaces values and changes only
    the top level and the containers above in place, so those are copied and the values inside them
    (a licence, a list of vehicles) are shared, as nothing changes them."""
    copied = dict(state)
    for key in _CONTAINERS:
        copied[key] = copy.copy(state[key])
    return copied  # type: ignore[return-value]


class _Call:
    def __init__(self, flow: Flow, state: CallState) -> None:
        self.flow = flow
        self.state = state
        self.actions: list[Action] = []
        self.transitions = 0
        self.came_from: str | None = state.get("node")  # the node the call was at before the one entered

    def finish(self) -> tuple[CallState, list[Action]]:
        return self.state, self.actions

    @property
    def language(self) -> str:
        return self.state["language"]

    @property
    def node(self) -> Node:
        return self.flow.node(self.state["node"])

    def trace(self, source: str, kind: str) -> None:
        trail = self.state["trail"]
        trail.append([source, kind, self.state["language"]])
        if len(trail) > TRAIL_LIMIT:
            del trail[: len(trail) - TRAIL_LIMIT]

    # --- moving ----------------------------------------------------------------------------------

    def enter(self, name: str, *, fresh: bool = True, back: bool = False, retry: str | None = None) -> None:
        """Go to node `name` and run it until it waits for the caller (or asks for an action)."""
        while True:
            self.transitions += 1
            if self.transitions > MAX_TRANSITIONS:
                raise EngineError(f"more than {MAX_TRANSITIONS} moves without input at '{name}'")
            node = self.flow.node(name)
            self.came_from = self.state["node"]
            self.state["node"] = name
            if node.sets_language:
                self.state["language"] = node.sets_language
            if node.kind == "say":
                self.say_prompt(node)
                self.trace(name, "next")
                name = node.next
                continue
            if node.kind == "action":
                params = {key: self.words(str(value)) if isinstance(value, str) else value
                          for key, value in node.params.items()}
                self.actions.append({"run": node.action, "params": params})
                return
            if node.kind == "hangup":
                self.say_prompt(node)
                self.actions.append({"hangup": True})
                return
            if node.kind == "transfer":
                if node.prompt:
                    self.say_prompt(node)
                self.state["step"] += 1
                # After a fault the caller is put straight through: the queue and the desk that takes callers
                # from it both stand on the database that may just have failed.
                direct = bool(self.state["vars"].pop("after_fault", False))
                self.actions.append({"dial": "direct" if direct else "agent", "step": self.state["step"],
                                     "timeout": DIAL_TIMEOUT})
                return
            self.wait(node, fresh=fresh, back=back, retry=retry)
            return

    def wait(self, node: Node, *, fresh: bool, back: bool, retry: str | None) -> None:
        counters = self.state["counters"]
        if counters["node"] != node.name:
            self.state["counters"] = counters = {"node": node.name, "no_input": 0, "wrong_input": 0}
        if node.kind in ("menu", "choice") and not back:
            self._push(node)
        if node.kind == "choice" and fresh and retry is None:
            self.state["pages"][node.name] = 0
        if retry is not None:
            self.say_text(self.flow.texts[retry])
        prompt = node.reprompt if retry is not None and node.reprompt else node.prompt
        self.state["step"] += 1
        self.actions.append({
            "gather": self.gather_spec(node),
            "step": self.state["step"],
        })
        self.gather_prompt(node, prompt)

    def _push(self, node: Node) -> None:
        stack = self.state["stack"]
        if node.root:
            stack[:] = [node.name]
        elif node.name in stack:
            del stack[stack.index(node.name) + 1:]
        else:
            stack.append(node.name)

    def gather_spec(self, node: Node) -> GatherSpec:
        spec: GatherSpec = {"timeout": node.timeout}
        if node.kind == "digits":
            spec["finish_on_key"] = "#"
            if node.min_length == node.max_length:
                spec["num_digits"] = node.max_length
        else:
            spec["finish_on_key"] = ""
            spec["num_digits"] = 1
        if node.speech:
            spec["speech"] = True
            spec["hints"] = node.hints.get(self.language, "")
        return spec

    # --- input -----------------------------------------------------------------------------------

    def take_input(self, digits: str, spoken: str) -> None:
        node = self.node
        if node.kind not in INPUT_KINDS:
            # A webhook for a node that waits for nothing: answer the current node again.
            self.enter(node.name, fresh=False)
            return
        self.state["moves"] += 1
        if self.state["moves"] > self.flow.max_steps:
            self.trace("*", "cap")
            self.enter(self.flow.cap)
            return
        if not digits and spoken:
            digits = self.understand(node, spoken)
            if not digits:
                self.wrong(node)
                return
        if not digits:
            self.silent(node)
            return
        if node.kind == "digits":
            self.entered(node, digits)
            return
        key = digits[:1]
        if key == "*":
            self.trace(node.name, "repeat")
            self.enter(node.name, fresh=False, back=True)
            return
        if key == "#":
            self.trace(node.name, "back")
            stack = self.state["stack"]
            if len(stack) > 1 and stack[-1] == node.name:
                stack.pop()
                self.enter(stack[-1], back=True)
            else:
                self.enter(node.name, fresh=False, back=True)
            return
        if key == "0":
            self.trace(node.name, "agent")
            self.enter(self.flow.agent)
            return
        if key in node.options and self.offered(node, key):
            self.trace(node.name, f"option:{key}")
            self.enter(node.options[key].goto)
            return
        if node.kind == "choice":
            self.choose(node, key)
            return
        self.wrong(node)

    def offered(self, node: Node, key: str) -> bool:
        """Whether this caller is offered option `key` (no `when`, or its condition holds for this call)."""
        condition = node.options[key].when
        return condition is None or bool(_condition(self.flow.name, condition)(**self.context()))

    def understand(self, node: Node, spoken: str) -> str:
        """Speech to a key: a digit said as a digit, or one of the option's words for this language."""
        text = spoken.strip().lower()
        if node.kind == "digits":
            return "".join(ch for ch in text if ch in ASCII_DIGITS or ch in "xX").upper().replace("X", "*")
        for key, by_language in node.words.items():
            if key in node.options and not self.offered(node, key):
                continue  # words for an option this caller is not offered are not understood
            if any(word.lower() in text for word in by_language.get(self.language, [])):
                return key
        digits = ascii_digits(text)  # "第2辆" is 2; "第²辆" is no key at all (a wrong entry, not a crash)
        return digits if len(digits) == 1 else ""

    def entered(self, node: Node, digits: str) -> None:
        value = digits.replace("*", "X").rstrip("#")
        typed = value.replace("X", "")
        if not (node.min_length <= len(value) <= node.max_length) or (typed and not is_ascii_digits(typed)):
            self.wrong(node)
            return
        self.state["vars"][node.store] = value
        self.trace(node.name, "entered")
        self.enter(node.next)

    def choose(self, node: Node, key: str) -> None:
        items = self.state["vars"].get(node.items) or []
        page = self.state["pages"].get(node.name, 0)
        if key == "9" and len(items) > node.page_size:
            self.trace(node.name, "more")
            pages = (len(items) + node.page_size - 1) // node.page_size
            self.state["pages"][node.name] = (page + 1) % pages
            self.enter(node.name, fresh=False, back=True)
            return
        number = int(key) if is_ascii_digits(key) else 0
        index = page * node.page_size + number - 1
        if not 1 <= number <= node.page_size or not 0 <= index < len(items):
            self.wrong(node)
            return
        self.state["vars"][node.store] = items[index]
        self.trace(node.name, "choose")
        self.enter(node.next)

    def silent(self, node: Node) -> None:
        if node.silence:
            self.trace(node.name, "silence")
            self.enter(node.silence)
            return
        counters = self.state["counters"]
        counters["no_input"] += 1
        if counters["no_input"] > node.retries.no_input:
            self.trace(node.name, "no_input_exit")
            self.enter(node.retries.exit)
            return
        self.trace(node.name, "no_input")
        self.enter(node.name, fresh=False, back=True, retry="no_input")

    def wrong(self, node: Node, text: str = "wrong_input") -> None:
        counters = self.state["counters"]
        if counters["node"] != node.name:
            self.state["counters"] = counters = {"node": node.name, "no_input": 0, "wrong_input": 0}
        counters["wrong_input"] += 1
        if counters["wrong_input"] > node.retries.wrong_input:
            self.trace(node.name, "wrong_input_exit")
            self.enter(node.retries.exit)
            return
        self.trace(node.name, "wrong_input")
        self.enter(node.name, fresh=False, back=True, retry=text)

    # --- results of the world ---------------------------------------------------------------------

    def result(self, outcome: str, updates: dict[str, Any]) -> None:
        node = self.node
        if node.kind != "action":
            raise EngineError(f"a result for '{node.name}', which runs no action")
        variables = self.state["vars"]
        for key, value in updates.items():
            if key == "_language":
                self.state["language"] = value
            elif value is None:
                variables.pop(key, None)
            else:
                variables[key] = value
        target = node.outcomes.get(outcome)
        if target is None and outcome == "refused" and self.flow.refusal:
            # A refusal the flow does not route here (a race: the booking went meanwhile): explain it.
            self.trace(node.name, f"outcome:{outcome}")
            self.enter(self.flow.refusal)
            return
        if target is None:
            # `error`, or an outcome the flow does not route: the flow's apology node.
            self.trace(node.name, f"outcome:{outcome}")
            self.state["vars"]["after_fault"] = True
            self.enter(self.flow.error)
            return
        self.trace(node.name, f"outcome:{outcome}")
        if target.wrong_input:
            self.wrong(self.flow.node(target.goto))
            return
        self.enter(target.goto)

    def dial_result(self, status: str) -> None:
        node = self.node
        if node.kind != "transfer":
            self.enter(node.name, fresh=False)
            return
        if status == "completed":
            self.trace(node.name, "answered")
            self.enter(node.answered)
            return
        self.trace(node.name, "unanswered")
        self.enter(node.unanswered)

    # --- words -----------------------------------------------------------------------------------

    def words(self, source: str, **extra: Any) -> str:
        template = _template(self.flow.name, self.language, source)
        return template.render(**self.context(), **extra).strip()

    def context(self) -> dict[str, Any]:
        flow, language = self.flow, self.language

        def explain(refusal: dict | None) -> str:
            refusal = refusal or {}
            texts = (flow.texts.get("refusals") or {}).get(refusal.get("code")) or flow.texts["refusal_default"]
            return _template(flow.name, language, texts[language]).render(**(refusal.get("facts") or {})).strip()

        return {**self.state["vars"], "language": language, "explain": explain, "texts": flow.texts}

    def say_text(self, texts: dict[str, str]) -> None:
        self.actions.append({"say": self.words(texts[self.language]), "language": self.language})

    def whose(self, node: Node) -> list[Say]:
        """On a number several people share (`whose` is set at verification), an answer from a person's
        record first says whose it is: once per answer, not again for its next page or a repeat."""
        whose = self.state["vars"].get("whose")
        if not whose or not node.personal or self.came_from == node.name:
            return []
        previous = self.flow.nodes.get(self.came_from or "")
        if previous is not None and previous.action == "list_more":
            return []
        return [{"say": self.words(self.flow.texts["whose"][self.language]), "language": self.language}]

    def say_prompt(self, node: Node) -> None:
        self.actions.extend(self.whose(node))
        self.say_text(node.prompt)
        for also in node.also:
            self.actions.append({"say": also.text, "language": also.language})

    def gather_prompt(self, node: Node, prompt: dict[str, str]) -> None:
        """The words inside the Gather (so the caller may press a key before they end)."""
        gather = self.actions[-1]
        segments = self.whose(node)
        if node.kind == "choice":
            items = self.state["vars"].get(node.items) or []
            page = self.state["pages"].get(node.name, 0)
            shown = items[page * node.page_size:(page + 1) * node.page_size]
            label = node.label[self.language]
            numbered = [{"key": i + 1, "text": self.words(label, item=item)} for i, item in enumerate(shown)]
            more = (page + 1) * node.page_size < len(items)  # the last page wraps round on 9, unannounced
            segments.append({"say": self.words(prompt[self.language], choices=numbered, more=more),
                             "language": self.language})
        else:
            segments.append({"say": self.words(prompt[self.language]), "language": self.language})
        segments.extend({"say": also.text, "language": also.language} for also in node.also)
        gather["prompt"] = segments


def render_text(flow: Flow, language: str, source: str, **variables: Any) -> str:
    """A flow text outside a call (the apology when the call state is out of reach)."""
    return _template(flow.name, language, source).render(texts=flow.texts, language=language, **variables).strip()


@cache
def _template(flow_name: str, language: str, source: str):
    return _environment(language).from_string(source)


@cache
def _condition(flow_name: str, source: str):
    return _environment("zh-CN").compile_expression(source)


@cache
def _environment(language: str) -> Environment:
    env = Environment(undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True)  # noqa: S701
    for name, function in speech.FILTERS.items():
        env.filters[name] = lambda value, _f=function, _l=language: _f(value, _l)
    return env
