"""`flask flows check` and `flask flows graph`."""

from __future__ import annotations

import pytest
import yaml

from hotline.config import Settings
from hotline.factory import create_app
from hotline.ivr.loader import FLOW_DIR


@pytest.fixture(scope="module")
def runner():
    # No database or Redis is touched: checking and drawing flows reads only the YAML.
    app = create_app(Settings(database_url="sqlite://", public_url="https://hotline.test"))
    return app.test_cli_runner()


def test_check_accepts_the_shipped_flows(runner):
    result = runner.invoke(args=["flows", "check"])
    assert result.exit_code == 0, result.output
    assert "ok: main.yaml: flow 'main'" in result.output


def test_check_rejects_a_dangling_target_naming_file_and_node(runner, tmp_path):
    raw = yaml.safe_load((FLOW_DIR / "main.yaml").read_text(encoding="utf-8"))
    raw["nodes"]["exam_menu"]["options"]["4"] = "exam_results"
    broken = tmp_path / "dangling.yaml"
    broken.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")

    result = runner.invoke(args=["flows", "check", str(broken)])

    assert result.exit_code == 1
    assert "dangling.yaml: node 'exam_menu': unknown target 'exam_results'" in result.output


def test_graph_writes_mermaid_with_every_node(runner, tmp_path):
    out = tmp_path / "menu.mmd"
    result = runner.invoke(args=["flows", "graph", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("flowchart TD\n")
    assert "main_menu -->|1| load_violations" in text
    assert "load_plans -->|refused| refused" in text
    raw = yaml.safe_load((FLOW_DIR / "main.yaml").read_text(encoding="utf-8"))
    for name in raw["nodes"]:
        assert f"    {name}" in text


def test_the_readme_shows_the_current_menu():
    from hotline.config import ROOT
    from hotline.ivr import actions
    from hotline.ivr.diagram import mermaid
    from hotline.ivr.loader import load_flow

    drawn = mermaid(load_flow(FLOW_DIR / "main.yaml", actions.declared()))
    assert drawn in (ROOT / "README.md").read_text(encoding="utf-8"), "run `flask flows graph` into the README"
