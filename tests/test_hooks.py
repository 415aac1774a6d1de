"""The pre-commit hook (.pre-commit-hooks.yaml) stops a commit that adds a broken post.

Run through pre-commit itself, in a temporary Git repository of a small site:
the fast test takes the hook as this repository defines it, run from the
installed feedpub (`language: system`); the slow one lets pre-commit install
feedpub from this repository as a site's .pre-commit-config.yaml would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, post

HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
CONFIG = "site:\n  title: Hooked\n  url: https://example.com/\n  timezone: UTC\n"
BROKEN = "---\ntitle: Broken\ndate: 2026-02-30\n---\nA date that does not exist.\n"


def git(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def site_repo(tmp_path) -> tuple[Path, dict[str, str]]:
    """A Git repository holding a site with one good post; the environment to run git and pre-commit in."""
    repo = tmp_path / "blog"
    (repo / "posts").mkdir(parents=True)
    (repo / "config.yaml").write_text(CONFIG, encoding="utf-8")
    (repo / "posts" / "2026-01-30-hello.md").write_text(post("Hello", "2026-01-30"), encoding="utf-8")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),  # never the user's ~/.cache
        "HOME": str(tmp_path),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Writer",
        "GIT_AUTHOR_EMAIL": "writer@example.com",
        "GIT_COMMITTER_NAME": "Writer",
        "GIT_COMMITTER_EMAIL": "writer@example.com",
    }
    assert git(repo, "init", "-q", "-b", "main", env=env).returncode == 0
    return repo, env


def install_hook(repo: Path, env: dict[str, str], hooks_repo: dict) -> None:
    config = {"repos": [hooks_repo]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    installed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env, capture_output=True, text=True, timeout=60
    )
    assert installed.returncode == 0, installed.stderr


def commit_all(repo: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    assert git(repo, "add", "-A", env=env).returncode == 0
    return git(repo, "commit", "-q", "-m", message, env=env)


def test_the_hook_is_feedpub_check_on_the_sites_files():
    (hook,) = HOOKS

    assert hook["id"] == "feedpub-check" and hook["entry"] == "feedpub check"
    assert hook["pass_filenames"] is False  # feedpub check reads the whole site, as a build does


def test_a_commit_adding_a_broken_post_is_stopped_with_the_file_and_line(site_repo):
    repo, env = site_repo
    # The hook as defined here, run from the installed feedpub rather than one pre-commit installs.
    install_hook(repo, env, {"repo": "local", "hooks": [{**HOOKS[0], "language": "system"}]})
    assert commit_all(repo, env, "A good post").returncode == 0

    (repo / "posts" / "2026-02-01-broken.md").write_text(BROKEN, encoding="utf-8")
    stopped = commit_all(repo, env, "A broken post")

    assert stopped.returncode != 0
    shown = stopped.stdout + stopped.stderr
    assert "feedpub check" in shown and "Failed" in shown
    assert "posts/2026-02-01-broken.md:3" in shown
    assert git(repo, "log", "--oneline", env=env).stdout.count("\n") == 1  # the broken post was not committed


@pytest.mark.slow
def test_pre_commit_installs_feedpub_from_this_repository_and_runs_the_hook(site_repo, tmp_path):
    repo, env = site_repo
    source = tmp_path / "feedpub-src"  # a copy, so that pre-commit reads this tree's files as they are
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv*", ".git", "public", ".*cache*", "*.egg-info"))
    assert git(source, "init", "-q", "-b", "main", env=env).returncode == 0
    assert commit_all(source, env, "feedpub").returncode == 0
    (repo / "posts" / "2026-02-01-broken.md").write_text(BROKEN, encoding="utf-8")
    assert git(repo, "add", "-A", env=env).returncode == 0

    tried = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(source), "feedpub-check", "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )

    assert tried.returncode == 1, tried.stdout + tried.stderr
    assert "posts/2026-02-01-broken.md:3" in tried.stdout
