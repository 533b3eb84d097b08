"""The scenario cache: a file is read and validated once per content, an edited file again."""

from __future__ import annotations

import os

import pytest

from slsim.model.scenario import ScenarioError, resolve_scenario, resolve_scenario_cached


def _write(path, title: str) -> None:
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(f"name: mine\ntitle: {title}\nnarrative: A place.\nparams: {{ceding: 0.4}}\n", encoding="utf-8")
    # a later modification time even on a file system with coarse clocks
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def test_same_file_same_object_edited_file_read_again(tmp_path):
    f = tmp_path / "mine.yaml"
    _write(f, "One")
    first = resolve_scenario_cached(f)
    assert resolve_scenario_cached(str(f)) is first
    assert first == resolve_scenario(f), "the cache answers what the loader answers"
    _write(f, "Two")
    again = resolve_scenario_cached(f)
    assert again is not first and again.title == "Two"


def test_builtin_names_are_cached_and_errors_are_not(tmp_path):
    assert resolve_scenario_cached("blame_culture") is resolve_scenario_cached("blame_culture")
    with pytest.raises(ScenarioError, match="unknown scenario"):
        resolve_scenario_cached("no_such_scenario")
    f = tmp_path / "mine.yaml"
    f.write_text("name: mine\ntitle: [unclosed\n", encoding="utf-8")
    for _ in range(2):  # a broken file is refused each time, never remembered as good
        with pytest.raises(ScenarioError, match="not valid YAML"):
            resolve_scenario_cached(f)
    _write(f, "Fixed")
    assert resolve_scenario_cached(f).title == "Fixed"
