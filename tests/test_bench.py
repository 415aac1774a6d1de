"""bench/run.py itself, on a site of 30 posts: its rows, and stages that add up to each build's wall time."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_sample_site

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("around", "collect", "render", "emit", "write", "finish")


@pytest.fixture(scope="module")
def rows(tmp_path_factory) -> dict[str, dict]:
    work = tmp_path_factory.mktemp("bench")
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--sizes", "30", "--repeat", "1", "--engines", "cmark"]
    command += ["--scenarios", "cold,engine floor,no-op", "--hugo-max", "0", "--work", str(work)]
    command += ["--json", str(work / "rows.json")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "over the engine alone on every core" in result.stdout
    return {row["scenario"]: row for row in json.loads((work / "rows.json").read_text("utf-8"))}


def test_a_cold_build_writes_every_feed_and_a_no_op_none(rows):
    assert rows["cold"]["written"] > 0 and rows["cold"]["unchanged"] == 0
    assert rows["no-op"]["written"] == 0 and rows["no-op"]["unchanged"] == rows["cold"]["written"]


def test_each_builds_stages_add_up_to_its_wall_time(rows):
    for scenario in ("cold", "no-op"):
        row = rows[scenario]
        assert all(row[stage] >= 0 for stage in STAGES if stage != "around"), row
        assert sum(row[stage] for stage in STAGES) == pytest.approx(row["seconds"], abs=1e-6)


def test_the_engine_floor_is_the_engine_alone_and_no_build(rows):
    floor = rows["engine floor"]
    assert 0 < floor["render"] == floor["seconds"] < rows["cold"]["seconds"]
    assert floor["written"] == 0


def test_cold_builds_of_hugo_and_of_each_engine_take_turns(monkeypatch, tmp_path):
    """A ratio to Hugo compares builds made under the same load: never one tool's runs after the other's."""
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    order: list[str] = []

    def hugo_cold(site, aside):
        order.append("hugo")
        return 2.0, 300.0

    class Engine:
        def __init__(self, name: str):
            self.name = name

        def run(self, scenario: str):
            order.append(f"{self.name} {scenario}")
            report = {"seconds": 0.9, "stage_seconds": {"collect": 0.4}, "written": ["feed.xml"], "unchanged": []}
            return 1.0, 50.0, report

    monkeypatch.setattr(run, "hugo_cold", hugo_cold)
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "index.xml").write_text("<rss/>", "utf-8")
    hugo, colds = run.cold_runs(tmp_path, {"kramdown": Engine("kramdown"), "cmark": Engine("cmark")}, 2, None)
    assert order == ["hugo", "kramdown cold", "cmark cold"] * 2
    assert hugo == {"seconds": 2.0, "rss": 300.0, "files": 1}
    assert colds["cmark"]["seconds"] == 1.0 and colds["cmark"]["around"] == pytest.approx(0.1)


def test_render_parts_accounts_for_render_batch_part_by_part(tmp_path):
    config = copy_sample_site(tmp_path / "site")
    command = [sys.executable, str(ROOT / "bench" / "render_parts.py"), str(config), "--posts", "20", "--repeat", "1"]

    result = subprocess.run(command, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    parts = [line.split(" | ")[0].lstrip("| ") for line in result.stdout.splitlines() if line.startswith("| ")]
    assert parts == [
        "part",
        "read body",
        "engine",
        "Liquid and checks",
        "URLs and summary",
        "feedgen entries",
        "render_batch",
    ]
    assert "render_batch beyond the engine:" in result.stdout
