"""The shipped sample site, built with a pinned clock, is byte for byte tests/golden/sample/.

Every file the build publishes is compared (the feeds in every format, and any index
beside them); the manifest and the lock are bookkeeping and are not.

After a deliberate change to the output, regenerate the golden files and review the diff:
    .venv/bin/python -m pytest tests/test_golden.py --update-golden -n 0
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import build_into, copy_sample_site, published_paths
from feedcheck import assert_valid_feed

GOLDEN = Path(__file__).resolve().parent / "golden" / "sample"
SAMPLE_NOW = "2026-11-24T00:00:00Z"


@pytest.fixture(scope="module")
def sample_output(tmp_path_factory) -> Path:
    """A copy of the shipped config.yaml and posts/ built into a fresh folder with --now pinned.

    Tests only read it.
    """
    folder = tmp_path_factory.mktemp("sample")
    output = folder / "public"
    result = build_into(copy_sample_site(folder / "site"), output, now=SAMPLE_NOW)
    assert result.exit_code == 0, result.stderr
    return output


@pytest.fixture(scope="module")
def golden(request, sample_output) -> Path:
    """The golden folder; rewritten from this build first when --update-golden is given."""
    if request.config.getoption("--update-golden"):
        if os.environ.get("PYTEST_XDIST_WORKER"):  # each worker would delete what another is writing
            pytest.fail("--update-golden rewrites one folder from one process: add -n 0")
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel in sorted(published_paths(sample_output)):
            target = GOLDEN / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((sample_output / rel).read_bytes())
    return GOLDEN


@pytest.fixture
def compared(request) -> None:
    """Comparing the build with files just copied from it would prove nothing: say so instead of passing."""
    if request.config.getoption("--update-golden"):
        pytest.skip("tests/golden/ was rewritten from this build: review `git diff tests/golden` instead")


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


def test_every_golden_feed_is_a_valid_feed(golden):
    # A golden file regenerated from broken output would make every comparison below worthless.
    xml_feeds = sorted(p for p in golden.rglob("*.xml") if p.name in ("atom.xml", "rss.xml"))
    json_feeds = sorted(golden.rglob("feed.json"))
    folders = {name: {p.parent for p in golden.rglob(name)} for name in ("atom.xml", "rss.xml", "feed.json")}

    assert {golden, golden / "tags" / "区块链", golden / "archive" / "1"} <= folders["atom.xml"]
    assert folders["atom.xml"] == folders["rss.xml"] == folders["feed.json"]  # the config asks for all three
    for path in xml_feeds:
        assert_valid_feed(path)
    for path in json_feeds:
        assert json.loads(path.read_text("utf-8"))["version"] == "https://jsonfeed.org/version/1.1", path


def test_sample_build_writes_exactly_the_golden_set_of_files(sample_output, golden, compared):
    built, expected = published_paths(sample_output), published_paths(golden)

    assert sorted(built - expected) == [], "built but not golden"
    assert sorted(expected - built) == [], "golden but not built"


def test_every_sample_feed_matches_its_golden_file_byte_for_byte(sample_output, golden, compared):
    differing = [
        rel
        for rel in sorted(published_paths(golden) & published_paths(sample_output))
        if (golden / rel).read_bytes() != (sample_output / rel).read_bytes()
    ]

    assert differing == [], _explain(differing, golden, sample_output)


def test_the_manifest_of_the_sample_build_lists_exactly_the_golden_files_and_their_sha256(
    sample_output, golden, compared
):
    listed = json.loads((sample_output / ".feedpub-manifest.json").read_text("utf-8"))["files"]

    assert set(listed) == published_paths(golden)
    for rel, digest in listed.items():
        assert digest == hashlib.sha256((golden / rel).read_bytes()).hexdigest(), rel
