"""action.yml, the GitHub Action: its steps run as scripts in a fresh clone of a sample blog's repository.

GitHub's own steps (setup-python, cache) are not run here; what they do is:
the Python is this one, and the cache step's restore is a copy of the cache
and output folders into the next clone, as actions/cache restores them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, copy_sample_site

ACTION = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
STEPS = {step.get("name") or step["uses"].split("@")[0]: step for step in ACTION["runs"]["steps"]}
BROKEN = "---\ntitle: Broken\ndate: 2026-02-30\n---\nA date that does not exist.\n"


def git(*args: str, cwd: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "W", "GIT_AUTHOR_EMAIL": "w@example.com"}
    env |= {"GIT_COMMITTER_NAME": "W", "GIT_COMMITTER_EMAIL": "w@example.com", "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, timeout=60)


@pytest.fixture
def blog_repo(tmp_path) -> Path:
    """A Git repository of the sample blog, as a site's repository on GitHub would hold it."""
    repo = tmp_path / "blog-origin"
    copy_sample_site(repo)
    git("init", "-q", "-b", "main", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "posts", cwd=repo)
    return repo


def checkout(repo: Path, where: Path) -> Path:
    """actions/checkout: a fresh clone, every file new to the file system."""
    git("clone", "-q", str(repo), str(where), cwd=repo.parent)
    return where


def run_step(name: str, workspace: Path, inputs: dict[str, str], path_dirs: list[Path]) -> tuple[int, str, dict]:
    """One `run` step of the action, with its env (inputs filled in) and GITHUB_OUTPUT, as the runner runs it."""
    step = STEPS[name]
    expressions = {f"${{{{ inputs.{key} }}}}": value for key, value in inputs.items()}
    expressions["${{ github.action_path }}"] = str(ROOT)
    env = {key: expressions.get(value, value) for key, value in step.get("env", {}).items()}
    outputs = workspace.parent / f"{workspace.name}-outputs.txt"
    outputs.write_text("", "utf-8")
    search_path = os.pathsep.join([*map(str, path_dirs), os.environ.get("PATH", "")])
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=workspace / expressions.get(step.get("working-directory", "."), "."),
        env={**os.environ, **env, "GITHUB_OUTPUT": str(outputs), "PATH": search_path},
        capture_output=True,
        text=True,
        timeout=600,
    )
    found = dict(line.split("=", 1) for line in outputs.read_text("utf-8").splitlines() if "=" in line)
    return done.returncode, done.stdout + done.stderr, found


INPUTS = {key: str(spec.get("default", "")) for key, spec in ACTION["inputs"].items()}
HERE = [Path(sys.executable).parent]  # the installed feedpub, standing in for the install step's


def test_the_action_is_composite_and_keeps_the_cache_between_runs():
    assert ACTION["runs"]["using"] == "composite"
    assert list(STEPS) == ["actions/setup-python", "Install feedpub", "Restore the build cache", "Build the feeds"]
    cache = STEPS["Restore the build cache"]
    assert cache["uses"].startswith("actions/cache@") and cache["with"]["path"] == "${{ inputs.cache-paths }}"
    assert INPUTS["cache-paths"].split() == [".feedpub-cache", "public"]


def test_inputs_reach_the_scripts_only_through_the_environment():
    # An input written into a script would be run as shell code: a config name like "x; rm -rf ~".
    assert all("${{" not in step.get("run", "") for step in STEPS.values())


def test_the_build_step_builds_a_fresh_clone_and_a_restored_cache_makes_the_next_write_nothing(blog_repo, tmp_path):
    first = checkout(blog_repo, tmp_path / "run-1")
    status, shown, outputs = run_step("Build the feeds", first, INPUTS, HERE)
    assert status == 0 and outputs == {"exit-code": "0"}, shown
    assert (first / "public" / "atom.xml").is_file() and (first / "public" / "feeds.html").is_file()

    second = checkout(blog_repo, tmp_path / "run-2")
    for folder in INPUTS["cache-paths"].split():  # actions/cache restoring what the first run saved
        shutil.copytree(first / folder, second / folder)
    status, shown, outputs = run_step("Build the feeds", second, INPUTS, HERE)

    assert status == 0 and outputs == {"exit-code": "0"}, shown
    assert "0 feeds written" in shown
    assert (second / "public" / "atom.xml").read_bytes() == (first / "public" / "atom.xml").read_bytes()


def test_a_broken_post_fails_the_step_with_feedpubs_exit_code_and_names_the_post(blog_repo, tmp_path):
    (blog_repo / "posts" / "2026-02-01-broken.md").write_text(BROKEN, "utf-8")
    git("add", "-A", cwd=blog_repo)
    git("commit", "-q", "-m", "broken", cwd=blog_repo)
    clone = checkout(blog_repo, tmp_path / "run")

    status, shown, outputs = run_step("Build the feeds", clone, INPUTS, HERE)

    assert status == 1 and outputs == {"exit-code": "1"}
    assert "posts/2026-02-01-broken.md:3" in shown


@pytest.mark.slow
def test_the_install_step_installs_feedpub_from_the_action_into_a_fresh_python(blog_repo, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    clone = checkout(blog_repo, tmp_path / "run")

    status, shown, _ = run_step("Install feedpub", clone, INPUTS, [venv / "bin"])
    assert status == 0, shown
    assert (venv / "bin" / "feedpub").is_file()
    status, shown, outputs = run_step("Build the feeds", clone, INPUTS, [venv / "bin"])

    assert status == 0 and outputs == {"exit-code": "0"}, shown
    assert (clone / "public" / "atom.xml").is_file()
