"""Conversations generated from the flow graph, spoken through real signed webhooks.

The explorer calls the hotline (the Flask app, through `PhoneCall`, each request signed as Twilio signs
it) again and again, one fresh caller per call. At every prompt it lists what a caller could do there
(each menu key, `*`, `#`, `0`, silence, a wrong key, the persona's entries at a digit prompt, how a
transfer ends), asks the pure engine what each would do from the call's real state (read from Redis), and
does the one that walks an edge not yet covered, or else the one that comes nearest to such an edge in
the graph. Which outcome an action gives a persona is learnt from the calls themselves. Coverage is read
from the call's own trail of edges, in the language the caller heard.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict, deque
from dataclasses import dataclass, field

from hotline.cli.phone import FlaskTransport, PhoneCall, Turn
from hotline.ivr import engine, state
from hotline.ivr.loader import INPUT_KINDS, Edge, Flow, edges, node_edges
from tests.e2e.voice_world import Caller, Persona, World

LANGUAGES = ("zh-CN", "en")
BUDGET = 60  # inputs per call; the flow's own cap is higher
INF = float("inf")


@dataclass
class Candidate:
    kind: str  # "press" | "silence" | "dial"
    value: str = ""
    label: str | None = None  # the outcome a digit entry leads to (right PIN: ok, wrong PIN: failed ...)


@dataclass
class Coverage:
    flow: Flow
    seen: set[tuple[str, str, str]] = field(default_factory=set)  # (source, kind, language)

    def __post_init__(self) -> None:
        self.all_edges = edges(self.flow)
        # The greeting is said before the caller has chosen a language (Mandarin with the English line),
        # and the switch to English is the choice itself: their edges count for both languages.
        self.bilingual = {self.flow.start} | {n for n, node in self.flow.nodes.items() if node.sets_language}

    def covered(self, source: str, kind: str, language: str) -> bool:
        if source in self.bilingual:
            return any((source, kind, lang) in self.seen for lang in LANGUAGES)
        return (source, kind, language) in self.seen

    def missing(self, language: str) -> list[Edge]:
        return [e for e in self.all_edges if not self.covered(e.source, e.kind, language)]

    def nodes_missing(self, language: str) -> list[str]:
        visited = set()
        for e in self.all_edges:
            if self.covered(e.source, e.kind, language):
                visited.add(e.source)
                if e.target:
                    visited.add(e.target)
        return sorted(set(self.flow.nodes) - visited)

    def percent(self, language: str) -> float:
        total = len(self.all_edges)
        return 100.0 * (total - len(self.missing(language))) / total


class Explorer:
    def __init__(self, app, clock, flow: Flow, world: World) -> None:
        rt = app.extensions["hotline"]
        self.rt = rt
        self.clock = clock
        self.flow = flow
        self.world = world
        self.transport = FlaskTransport(app.test_client(), rt.settings.public_url, rt.settings.twilio_auth_token)
        self.coverage = Coverage(flow)
        self.observed: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.runs: dict[tuple[str, str], int] = defaultdict(int)
        self.faulty = {p.name for p in world.personas() if p.fault}
        self._distances: dict[tuple, dict[str, float]] = {}
        self.node_edges = {name: node_edges(flow, node) for name, node in flow.nodes.items()}
        # What these actions answer depends on what was typed just before (a right or a wrong PIN), and
        # the entries are labelled with it: never conclude from a few calls that an outcome cannot come.
        self.input_driven = {node.next for node in flow.nodes.values() if node.kind == "digits"}
        # So does reading a list on: `more` until the caller has pressed for the last page, then `end`.
        self.input_driven |= {name for name, node in flow.nodes.items()
                              if node.kind == "action" and node.action == "list_more"}
        self.calls = 0
        self.log: list[tuple[str, str, int]] = []  # (language, persona, edges first covered) per call
        self.requests = 0
        self.statuses: list[int] = []

    # --- the graph as this persona knows it -------------------------------------------------------

    def allowed(self, persona: str, node_name: str) -> list[Edge]:
        node = self.flow.nodes[node_name]
        found = self.node_edges[node_name]
        if node.kind != "action":
            return found
        seen = self.observed.get((persona, node_name))
        # Until an action has answered this persona a few times, any outcome may still come (a list has
        # more pages, then none).
        if persona in self.faulty or "error" in (seen or ()):
            # A persona whose calls meet a failure: the flow's apology path is part of its graph.
            found = found + [Edge(node_name, "outcome:error", self.flow.error)]
        if not seen or self.runs[(persona, node_name)] < 2 or node_name in self.input_driven:
            return found
        return [e for e in found if e.kind.removeprefix("outcome:") in seen]

    def distances(self, persona: str, language: str) -> dict[str, float]:
        """How many moves from each node to the nearest edge not yet covered (as far as we know)."""
        key = (persona, language, len(self.coverage.seen), sum(self.runs.values()))
        if key not in self._distances:
            self._distances = {key: self._distances_now(persona, language)}
        return self._distances[key]

    def _distances_now(self, persona: str, language: str) -> dict[str, float]:
        dist = {name: INF for name in self.flow.nodes}
        reverse: dict[str, list[str]] = defaultdict(list)
        queue: deque[str] = deque()
        for name in self.flow.nodes:
            for e in self.allowed(persona, name):
                if e.target:
                    reverse[e.target].append(name)
                if not self.coverage.covered(e.source, e.kind, language):
                    if dist[name] != 0:
                        dist[name] = 0
                        queue.append(name)
        while queue:
            name = queue.popleft()
            for before in reverse[name]:
                if dist[before] == INF:
                    dist[before] = dist[name] + 1
                    queue.append(before)
        return dist

    # --- one call ----------------------------------------------------------------------------------

    def call(self, persona: Persona, language: str, *, burn: bool = False) -> int:
        """One call as `persona`; returns how many edges it covered first."""
        self.clock.set(persona.at)
        caller = persona.build(self.world)
        with persona.fault(self.world) if persona.fault else contextlib.nullcontext():
            return self._call(persona, caller, language, burn)

    def _call(self, persona: Persona, caller: Caller, language: str, burn: bool) -> int:
        phone = PhoneCall(self.transport, caller.phone)
        before = len(self.coverage.seen)
        turn = self._sync(phone, phone.start(), 0)
        current, trail_at = self._record(persona, phone, 0)
        inputs = 0
        while turn.waiting in ("gather", "dial", "queue") and inputs < (BUDGET if not burn else 200):
            choice = self.choose(persona, caller, current, turn, language, burn)
            if choice is None:
                break
            turn = self._perform(phone, turn, choice)
            current, trail_at = self._record(persona, phone, trail_at)
            inputs += 1
        status, _ = phone.hangup()
        self.statuses.append(status)
        self.calls += 1
        return len(self.coverage.seen) - before

    def _state(self, phone: PhoneCall) -> dict:
        return state.load(self.rt.redis, phone.call_sid, prefix=self.rt.settings.rq_queue_prefix)

    def _sync(self, phone: PhoneCall, turn: Turn, trail_at: int) -> Turn:
        self.requests += 1
        self.statuses.append(turn.status)
        return turn

    def _record(self, persona: Persona, phone: PhoneCall, trail_at: int) -> tuple[dict, int]:
        """Read the call's state after a webhook: note the edges it walked; return it and the trail's end."""
        current = self._state(phone)
        trail = current["trail"]
        for source, kind, language in trail[trail_at:]:
            self.coverage.seen.add((source, kind, language))
            if kind.startswith("outcome:"):
                self.observed[(persona.name, source)].add(kind.removeprefix("outcome:"))
                self.runs[(persona.name, source)] += 1
        return current, len(trail)

    def _perform(self, phone: PhoneCall, turn: Turn, choice: Candidate) -> Turn:
        if choice.kind == "dial":
            result = phone.dial_result(choice.value)
        elif choice.kind == "silence":
            result = phone.silence()
        else:
            result = phone.press(choice.value)
        return self._sync(phone, result, 0)

    # --- choosing what to do -----------------------------------------------------------------------

    def candidates(self, caller: Caller, current: dict, turn: Turn, language: str, burn: bool) -> list[Candidate]:
        node = self.flow.nodes[current["node"]]
        if turn.waiting in ("dial", "queue"):  # how the wait for a person ends (web/voice.py maps QueueResult)
            return [Candidate("dial", "completed"), Candidate("dial", "no-answer")]
        if node.name == self.flow.start and language == "en":
            return [Candidate("press", "9")]
        if node.kind == "digits":
            found = []
            for value, label in caller.entries.get(node.name, []):
                typed = value() if callable(value) else value
                if typed:
                    found.append(Candidate("press", typed, label))
            if burn:
                return found[:1]
            return found + [Candidate("press", "12#"), Candidate("silence")]
        if burn:
            return [Candidate("press", "*")] if node.name != self.flow.start else [Candidate("press", "1")]
        keys = sorted(node.options)
        if node.kind == "choice":
            keys = ["1", "9"] + keys
        wrong = next(k for k in "87654321" if k not in node.options and k != "9"
                     and (node.kind != "choice" or int(k) > node.page_size))
        return ([Candidate("press", k) for k in keys]
                + [Candidate("press", k) for k in ("*", "#", "0")]
                + [Candidate("silence"), Candidate("press", wrong)])

    def choose(self, persona: Persona, caller: Caller, current: dict, turn: Turn, language: str,
               burn: bool) -> Candidate | None:
        options = self.candidates(caller, current, turn, language, burn)
        if burn:
            return options[0] if options else None
        dist = self.distances(persona.name, language)
        best, best_score = None, None
        for order, candidate in enumerate(options):
            score = self.score(candidate, current, dist, order)
            if score is not None and (best_score is None or score < best_score):
                best, best_score = candidate, score
        return best

    def score(self, candidate: Candidate, current: dict, dist: dict[str, float], order: int):
        """(0, repeats, ...) when it walks an uncovered edge within a few repeats; else (1, distance)."""
        simulated = {**current, "trail": []}  # the engine copies what it changes
        repeats = 5 if candidate.kind == "silence" or (candidate.label is None and candidate.kind == "press") else 1
        for repeat in range(repeats):
            walked, next_node, ends = self.simulate(candidate, simulated)
            fresh = [e for e in walked if not self.coverage.covered(*e)]
            if fresh:
                return (0, repeat, -len(fresh), order)
            if ends or next_node != current["node"]:
                break
        if ends:
            return None
        distance = dist.get(next_node, INF)
        if distance == INF:
            return None
        return (1, distance, 0, order)

    def simulate(self, candidate: Candidate, simulated: dict) -> tuple[list[tuple[str, str, str]], str, bool]:
        """What the engine would do: the edges walked, the node reached, whether the call would end."""
        if candidate.kind == "dial":
            event = {"type": "dial", "status": candidate.value}
        else:
            typed = candidate.value
            finish = "#" if self.flow.nodes[simulated["node"]].kind == "digits" else ""
            if finish and typed.endswith(finish):
                typed = typed[:-1]
            event = {"type": "input", "digits": typed if candidate.kind == "press" else ""}
        before = len(simulated["trail"])
        after, actions = engine.step(self.flow, simulated, event)
        walked = [tuple(entry) for entry in after["trail"][before:]]
        simulated.clear()
        simulated.update(after)
        node_name = after["node"]
        ends = bool(actions) and "hangup" in actions[-1]
        if actions and "run" in actions[-1] and candidate.label:
            node = self.flow.nodes[node_name]
            walked.append((node_name, f"outcome:{candidate.label}", after["language"]))
            target = node.outcomes.get(candidate.label)
            if target is not None:
                node_name = target.goto
        return walked, node_name, ends

    # --- the whole exploration ---------------------------------------------------------------------

    def explore(self, language: str, personas: list[Persona], max_calls: int = 400) -> None:
        stalls: dict[str, int] = defaultdict(int)
        for _ in range(max_calls):
            live = [p for p in personas if stalls[p.name] < 2]
            ranked = []
            for order, persona in enumerate(live):
                distance = self.distances(persona.name, language)[self.flow.start]
                if distance < INF:
                    ranked.append((distance, order, persona))
            if not ranked:
                break
            _, _, persona = min(ranked, key=lambda item: item[:2])
            gained = self.call(persona, language)
            self.log.append((language, persona.name, gained))
            if gained:
                stalls.clear()  # progress: every persona may be worth another call
            else:
                stalls[persona.name] += 1
        if not self.coverage.covered("*", "cap", language):
            self.call(personas[0], language, burn=True)


def input_nodes(flow: Flow) -> list[str]:
    return [n for n, node in flow.nodes.items() if node.kind in INPUT_KINDS]
