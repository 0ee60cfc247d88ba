"""`flask import FILE`: counts on success; on any error every error named, exit non-zero, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from hotline.db import Licence, Person

SAMPLE = Path(__file__).parent / "data" / "sample.jsonl"


def _people(app) -> int:
    with app.extensions["hotline"].transaction(read_only=True) as session:
        return session.scalar(select(func.count()).select_from(Person))


def _bad_copy(tmp_path) -> Path:
    """The sample with one wrong ID check digit on line 3 (王芳, whose learner record is on line 15)."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    assert '"110101200109092468"' in lines[2]
    lines[2] = lines[2].replace("110101200109092468", "110101200109092467")
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_sample_imports_and_a_second_run_changes_nothing(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["import", str(SAMPLE)])
    assert first.exit_code == 0, first.output
    assert "20 inserted, 0 updated, 0 unchanged, 0 stale, 0 rejected" in first.output
    assert _people(app) == 4

    second = runner.invoke(args=["import", str(SAMPLE)])
    assert second.exit_code == 0, second.output
    assert "0 inserted, 0 updated, 20 unchanged" in second.output


def test_one_bad_check_digit_imports_nothing_and_names_line_and_field(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["import", str(_bad_copy(tmp_path))])
    assert result.exit_code == 1
    assert "line 3: id_number: check character is 7, the first 17 digits give 8" in result.output
    assert "line 15: id_number: no person with this ID number" in result.output
    assert "nothing was imported" in result.output
    assert _people(app) == 0


def test_keep_valid_imports_the_rest_and_writes_rejected_lines_unchanged(app, tmp_path):
    bad = _bad_copy(tmp_path)
    rejects = tmp_path / "rejects.jsonl"
    result = app.test_cli_runner().invoke(args=["import", str(bad), "--keep-valid", "--rejects", str(rejects)])
    assert result.exit_code == 0, result.output
    assert "18 inserted" in result.output
    lines = bad.read_text(encoding="utf-8").splitlines()
    assert rejects.read_text(encoding="utf-8").splitlines() == [lines[2], lines[14]]
    assert _people(app) == 3


def test_baseline_flag_and_malformed_lines(app, tmp_path):
    path = tmp_path / "mixed.jsonl"
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()[:6]
    path.write_text("\n".join([*lines, "", "{oops", json.dumps({"type": "person"})]) + "\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", str(path), "--baseline"])
    assert result.exit_code == 1
    assert "line 8: json: not valid JSON" in result.output
    assert "line 9: id_number: is required" in result.output
    assert "line 9: name: is required" in result.output

    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ok = app.test_cli_runner().invoke(args=["import", str(path), "--baseline"])
    assert ok.exit_code == 0 and "6 inserted" in ok.output
    with app.extensions["hotline"].transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Licence)) == 1


def test_rejects_and_keep_valid_go_together(app, tmp_path):
    runner = app.test_cli_runner()
    alone = runner.invoke(args=["import", str(SAMPLE), "--keep-valid"])
    assert alone.exit_code != 0 and "--rejects" in alone.output
    other = runner.invoke(args=["import", str(SAMPLE), "--rejects", str(tmp_path / "r.jsonl")])
    assert other.exit_code != 0 and "--keep-valid" in other.output
    assert _people(app) == 0


def test_a_line_that_is_not_utf8_is_one_error_and_goes_back_byte_for_byte(app, tmp_path):
    good = SAMPLE.read_bytes().splitlines()[:1]
    broken = '{"type": "person", "name": "林'.encode("gbk") + b'"}'
    path = tmp_path / "gbk.jsonl"
    path.write_bytes(b"\n".join([*good, broken]) + b"\n")

    refused = app.test_cli_runner().invoke(args=["import", str(path)])
    assert refused.exit_code == 1
    assert "line 2: json: not UTF-8 text" in refused.output

    rejects = tmp_path / "rejects.jsonl"
    kept = app.test_cli_runner().invoke(args=["import", str(path), "--keep-valid", "--rejects", str(rejects)])
    assert kept.exit_code == 0, kept.output
    assert rejects.read_bytes() == broken + b"\n"
    assert _people(app) == 1


def test_a_missing_file_and_unreadable_lines_are_named(app, tmp_path):
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["import", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code != 0 and "does not exist" in missing.output
    odd = tmp_path / "odd.jsonl"
    odd.write_text("[" * 50_000 + "]" * 50_000 + "\n" + '{"n": ' + "9" * 5000 + "}\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(odd)])
    assert result.exit_code == 1
    assert "line 1: json: too deeply nested or too large" in result.output
    assert "line 2: json: too deeply nested or too large" in result.output
