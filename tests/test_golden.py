"""The shipped sample site, built with a pinned clock, is byte for byte tests/golden/sample/.

Every file the build publishes is compared (the feeds in every format, and any index
beside them); the manifest and the lock are bookkeeping and are not.

After a deliberate change to the output, regenerate the golden files and review the diff:
    .venv/bin/python -m pytest tests/test_golden.py --update-golden
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, build_into, published_paths

GOLDEN = Path(__file__).resolve().parent / "golden" / "sample"
SAMPLE_NOW = "2026-11-24T00:00:00Z"


@pytest.fixture(scope="module")
def sample_output(tmp_path_factory) -> Path:
    """The shipped config.yaml and posts/ built into a fresh folder with --now pinned."""
    output = tmp_path_factory.mktemp("sample") / "public"
    result = build_into(ROOT / "config.yaml", output, now=SAMPLE_NOW)
    assert result.exit_code == 0, result.stderr
    return output


@pytest.fixture(scope="module")
def golden(request, sample_output) -> Path:
    """The golden folder; rewritten from this build first when --update-golden is given."""
    if request.config.getoption("--update-golden"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel in sorted(published_paths(sample_output)):
            target = GOLDEN / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((sample_output / rel).read_bytes())
    return GOLDEN


def _explain(differing: list[str], golden: Path, built: Path) -> str:
    """Which files differ, and a short diff of the first one."""
    name = differing[0]
    diff = difflib.unified_diff(
        (golden / name).read_text("utf-8", "replace").splitlines(),
        (built / name).read_text("utf-8", "replace").splitlines(),
        fromfile=f"golden/{name}",
        tofile=f"built/{name}",
        lineterm="",
        n=1,
    )
    return f"{len(differing)} feeds differ: {differing}\n" + "\n".join(list(diff)[:40])


def test_golden_folder_holds_the_sample_feeds(golden):
    assert (golden / "atom.xml").is_file()
    assert (golden / "tags" / "区块链" / "atom.xml").is_file()


def test_sample_build_writes_exactly_the_golden_set_of_files(sample_output, golden):
    built, expected = published_paths(sample_output), published_paths(golden)

    assert sorted(built - expected) == [], "built but not golden"
    assert sorted(expected - built) == [], "golden but not built"


def test_every_sample_feed_matches_its_golden_file_byte_for_byte(sample_output, golden):
    differing = [
        rel
        for rel in sorted(published_paths(golden) & published_paths(sample_output))
        if (golden / rel).read_bytes() != (sample_output / rel).read_bytes()
    ]

    assert differing == [], _explain(differing, golden, sample_output)


def test_golden_comparison_excludes_manifest_and_lock(sample_output, golden):
    assert (sample_output / ".feedpub-manifest.json").is_file()
    assert not (golden / ".feedpub-manifest.json").exists()
    assert not (golden / ".feedpub.lock").exists()
