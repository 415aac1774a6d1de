"""Shared fixtures: small sites written on the fly, the CLI, and feed validators."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from lxml import etree

from feedpub.cli import main

ROOT = Path(__file__).resolve().parent.parent

# CI runs the property tests on a fixed sequence of examples: a red build must be reproducible.
# Recent Hypothesis loads a "ci" profile like this one by itself whenever CI is set; registering
# it here keeps it so on the oldest Hypothesis pyproject.toml allows, and replaces theirs whole.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Hypothesis keeps its example database and caches in .hypothesis/ under the working folder,
# which is the checkout: a test run must leave the checkout exactly as it found it.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / f"feedpub-hypothesis-{os.getuid()}")

NOW = "2026-11-24T00:00:00Z"

BASE_CONFIG = {
    "site": {
        "title": "Test Site",
        "url": "https://example.com/",
        "description": "A site for tests",
        "language": "en",
        "timezone": "Asia/Shanghai",
        "author": {"name": "Site Author", "email": "author@example.com"},
    },
    "posts_dir": "posts",
    "output_dir": "public",
}


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/ from the current output instead of comparing",
    )
    parser.addoption(
        "--runslow",
        action="store_true",
        help="also run the tests marked slow (as does FEEDPUB_RUNSLOW=1); .ci/run does",
    )


def pytest_collection_modifyitems(config, items):
    """Tests marked slow are skipped unless --runslow or FEEDPUB_RUNSLOW=1 asks for them."""
    if config.getoption("--runslow") or os.environ.get("FEEDPUB_RUNSLOW") == "1":
        return
    skip_slow = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if item.get_closest_marker("slow"):
            item.add_marker(skip_slow)


def _merge(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = (
            _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
        )
    return merged


def write_site(root: Path, posts: dict[str, str | bytes], config: dict | None = None) -> Path:
    """Write config.yaml (BASE_CONFIG updated with `config`) and posts/; return the config path."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "posts").mkdir(exist_ok=True)
    for name, text in posts.items():
        path = root / "posts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    config_path = root / "config.yaml"
    config_path.write_text(yaml.safe_dump(_merge(BASE_CONFIG, config or {}), allow_unicode=True), encoding="utf-8")
    return config_path


def post(title: str = "Hello", date: str = "2026-01-30", body: str = "Body text.", **front) -> str:
    """The text of a post with the given front matter keys."""
    data = {"title": title, "date": date, **front}
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + "---\n" + body + "\n"


def run_cli(*args: str):
    """Run the CLI in-process; the result has .exit_code, .stdout and .stderr."""
    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2 mixes stderr into stdout unless told not to
    except TypeError:
        runner = CliRunner()  # click >= 8.2 removed the option: the streams are always kept apart
    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def site(tmp_path):
    """A factory: site(posts, config=None) -> config path, in a fresh temporary folder."""

    def make(posts: dict[str, str | bytes], config: dict | None = None) -> Path:
        return write_site(tmp_path / "site", posts, config)

    return make


CONFIG_SITE = """\
site:
  title: Test Site
  url: https://example.com/
  timezone: Asia/Shanghai
"""


@pytest.fixture
def site_dir(tmp_path, monkeypatch) -> Path:
    """A site folder with one post; the test writes its config.yaml. The cwd is the site."""
    root = tmp_path / "site"
    (root / "posts").mkdir(parents=True)
    (root / "posts" / "hello.md").write_text("---\ntitle: Hello\ndate: 2026-01-30\ntags: [a]\n---\nBody.\n", "utf-8")
    monkeypatch.chdir(root)
    return root


def copy_sample_site(folder: Path) -> Path:
    """The shipped config.yaml and posts/ copied into `folder`; returns the copy's config path.

    Tests build the copy, never the shipped config: its cache_dir and output_dir are
    relative to it, so a build of the original would write into the checkout.
    """
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "config.yaml", folder / "config.yaml")
    shutil.copytree(ROOT / "posts", folder / "posts")
    return folder / "config.yaml"


@pytest.fixture
def sample_config(tmp_path) -> Path:
    """The config path of a private copy of the shipped sample site (see copy_sample_site)."""
    return copy_sample_site(tmp_path / "sample")


# --- Helpers shared by the specification suites (golden, reader, dates, posts, output, ...) ---


def build_into(config: Path, output: Path, *args: str, now: str = NOW):
    """`feedpub build -c CONFIG -o OUTPUT --now NOW ARGS...`, in-process; returns the CliRunner result."""
    return run_cli("build", "-c", config, "-o", output, "--now", now, *args)


def file_snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `folder`, by relative POSIX path: (its bytes, its mtime in ns)."""
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def feed_paths(folder: Path) -> set[str]:
    """Relative POSIX paths of the feed files (*.xml) under `folder`."""
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*.xml") if path.is_file()}


def published_paths(folder: Path) -> set[str]:
    """Relative POSIX paths of every file a build published under `folder`: all but the manifest and lock."""
    bookkeeping = {".feedpub-manifest.json", ".feedpub.lock"}
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and path.name not in bookkeeping
    }


def cli_commands() -> dict:
    """Every feedpub command by name, each module imported (the CLI imports a command's module when it runs)."""
    with main.make_context("feedpub", ["--help"], resilient_parsing=True) as context:
        return {name: main.get_command(context, name) for name in main.list_commands(context)}


@pytest.fixture
def output(tmp_path) -> Path:
    """An output folder in the test's temporary folder (a build makes it)."""
    return tmp_path / "out"


def opml_group_urls(output: Path, group: str) -> list[str]:
    """The feed URLs feeds.opml lists under one group outline ("Authors", "Languages", ...)."""
    opml = etree.parse(output / "feeds.opml").getroot()
    outline = next(outline for outline in opml.iter("outline") if outline.get("text") == group)
    return [feed.get("xmlUrl") for feed in outline]
