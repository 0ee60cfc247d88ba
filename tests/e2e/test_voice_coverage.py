"""Every node and every edge of the voice menu, in each language, walked through real signed webhooks.

The conversations are generated from the flow graph (tests/e2e/voice_explorer.py); this test fails below
100 % and names what was never reached.
"""

from __future__ import annotations

import pytest

from hotline.ivr import actions, loader
from tests.e2e.voice_explorer import LANGUAGES, Explorer
from tests.e2e.voice_world import World


@pytest.fixture
def flow():
    return loader.load_flow(loader.FLOW_DIR / "main.yaml", actions.declared())


def test_generated_conversations_cover_every_node_and_edge_in_both_languages(app, clock, flow):
    world = World(app.extensions["hotline"])
    explorer = Explorer(app, clock, flow, world)
    for language in LANGUAGES:
        explorer.explore(language, world.personas())

    report = []
    for language in LANGUAGES:
        missing = explorer.coverage.missing(language)
        report.append(f"{language}: {explorer.coverage.percent(language):.1f}% of {len(explorer.coverage.all_edges)} "
                      f"edges; missing {[(e.source, e.kind) for e in missing]}; "
                      f"nodes never reached {explorer.coverage.nodes_missing(language)}")
    print(f"\n{explorer.calls} calls, {len(explorer.statuses)} webhooks\n" + "\n".join(report))
    assert set(explorer.statuses) == {200, 204}, "every webhook answered (204: status callbacks)"
    for language in LANGUAGES:
        assert explorer.coverage.missing(language) == [], "\n".join(report)
        assert explorer.coverage.nodes_missing(language) == [], "\n".join(report)
        assert explorer.coverage.percent(language) == 100.0
