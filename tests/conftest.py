"""Shared fixtures: small sites written on the fly, the CLI, and feed validators."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import settings

from feedpub.cli import main

ROOT = Path(__file__).resolve().parent.parent

# CI runs the property tests on a fixed sequence of examples: a red build must be reproducible.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
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
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def site(tmp_path):
    """A factory: site(posts, config=None) -> config path, in a fresh temporary folder."""

    def make(posts: dict[str, str | bytes], config: dict | None = None) -> Path:
        return write_site(tmp_path / "site", posts, config)

    return make


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
