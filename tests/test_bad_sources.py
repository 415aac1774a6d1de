"""Post files a build cannot read as posts: a clear message and the rest published, never a hang or exit 70.

Special files (a FIFO, a socket) named like posts are left out with a warning:
nobody wrote a post there. A file name that is not UTF-8 is an error like any
broken post, shown with its bad bytes escaped. A misspelled front matter key
gets a warning that names the key it is probably meant to be.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import NOW, feed_paths, post, run_cli

from feedpub.build import pipeline
from feedpub.sources import files
from feedpub.sources.files import find_post_files, read_source

INSTALLED = Path(sys.executable).parent / "feedpub"
# Well under a second when the FIFO is left alone; a read of it would block forever.
HANG = 30

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
needs_unix_socket = pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no Unix sockets on this system")


def run_installed(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed command in the site's folder, killed (and the test failed) if it hangs."""
    return subprocess.run(
        [INSTALLED, *args, "--now", NOW], cwd=config.parent, capture_output=True, text=True, timeout=HANG
    )


def make_non_utf8_post(posts: Path, text: str) -> str:
    """posts/caf\\xe9.md (Latin-1 for café), as a Latin-1 system would name it; the name as messages show it."""
    try:
        descriptor = os.open(os.fsencode(posts) + b"/caf\xe9.md", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    except OSError:
        pytest.skip("this file system refuses file names that are not UTF-8")
    with open(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return "posts/caf\\xe9.md"


# --- a FIFO named like a post -------------------------------------------------------------


@needs_fifo
def test_a_fifo_named_like_a_post_is_left_out_with_a_warning_and_the_build_finishes(site):
    config = site({"a.md": post("Kept")})
    os.mkfifo(config.parent / "posts" / "pipe.md")

    result = run_installed(config, "build")

    assert result.returncode == 0, result.stderr
    assert "posts/pipe.md: warning: not a regular file (a named pipe); left out" in result.stderr
    assert b"<title>Kept</title>" in (config.parent / "public" / "atom.xml").read_bytes()


@needs_fifo
def test_check_finishes_on_a_fifo_named_like_a_post(site):
    config = site({"a.md": post("Kept")})
    os.mkfifo(config.parent / "posts" / "pipe.md")

    result = run_installed(config, "check")

    assert result.returncode == 0, result.stderr
    assert "posts/pipe.md: warning: not a regular file (a named pipe); left out" in result.stderr


@needs_fifo
def test_a_symlink_to_a_fifo_in_the_posts_folder_is_left_out_too(site):
    config = site({"a.md": post("Kept")})
    posts = config.parent / "posts"
    os.mkfifo(posts / ".pipe")
    (posts / "link.md").symlink_to(".pipe")

    paths, problems = find_post_files(posts)

    assert paths == [posts / "a.md"]
    assert [str(p) for p in problems] == [f"{posts}/link.md: warning: not a regular file (a named pipe); left out"]


@needs_fifo
def test_a_post_replaced_by_a_fifo_after_discovery_is_not_read(tmp_path):
    fifo = tmp_path / "a.md"
    os.mkfifo(fifo)
    outcome: list = []

    reader = threading.Thread(target=lambda: outcome.append(read_source(fifo)), daemon=True)
    reader.start()
    reader.join(HANG)

    assert not reader.is_alive(), "reading a FIFO blocked"
    source, problems = outcome[0]
    assert source is None
    assert [str(p) for p in problems] == [f"{fifo}: warning: not a regular file (a named pipe); left out"]


@needs_fifo
@pytest.mark.parametrize("command", ["build", "check", "list"])
def test_a_fifo_given_as_the_config_file_is_a_config_error_not_a_hang(site, command):
    config = site({"a.md": post("Kept")})
    fifo = config.parent / "pipe.yaml"
    os.mkfifo(fifo)

    result = subprocess.run(
        [INSTALLED, command, "-c", fifo, "--now", NOW], cwd=config.parent, capture_output=True, text=True, timeout=HANG
    )

    assert result.returncode == 2, result.stderr
    assert f"{fifo}: cannot read config file: not a regular file (a named pipe)" in result.stderr


@needs_fifo
def test_a_published_feed_replaced_by_a_fifo_neither_hangs_check_nor_the_build_that_removes_it(site):
    config = site({"a.md": post("Kept", tags=["old"])})
    assert run_installed(config, "build").returncode == 0
    feed = config.parent / "public" / "tags" / "old" / "atom.xml"
    feed.unlink()
    os.mkfifo(feed)

    checked = run_installed(config, "check")
    (config.parent / "posts" / "a.md").write_text(post("Kept", tags=["new"]), encoding="utf-8")
    built = run_installed(config, "build")

    assert checked.returncode == 0, checked.stderr  # only regular files are read as feeds
    assert built.returncode == 0, built.stderr
    assert (config.parent / "public" / "tags" / "new" / "atom.xml").is_file()
    assert feed.exists()  # not a file feedpub wrote: never deleted


# --- a socket named like a post ---------------------------------------------------------


@needs_unix_socket
def test_a_socket_named_like_a_post_is_left_out_with_a_warning(site, monkeypatch):
    config = site({"a.md": post("Kept")})
    monkeypatch.chdir(config.parent / "posts")  # a relative name: socket paths are limited to ~100 bytes
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind("sock.md")
        monkeypatch.chdir(config.parent)

        built = run_cli("build", "--now", NOW)
        checked = run_cli("check", "--now", NOW)

    for result in (built, checked):
        assert result.exit_code == 0, result.stderr
        assert "posts/sock.md: warning: not a regular file (a socket); left out" in result.stderr
    assert b"<title>Kept</title>" in (config.parent / "public" / "atom.xml").read_bytes()


@needs_unix_socket
def test_a_post_replaced_by_a_socket_after_discovery_is_not_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind("a.md")

        source, problems = read_source(Path("a.md"))

    assert source is None
    assert [str(p) for p in problems] == ["a.md: warning: not a regular file (a socket); left out"]


# --- a file name that is not UTF-8 ------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_an_error_naming_it_escaped(site, monkeypatch):
    config = site({"a.md": post("Kept")})
    shown = make_non_utf8_post(config.parent / "posts", post("Latin-1"))
    monkeypatch.chdir(config.parent)

    result = run_cli("build", "--now", NOW)

    assert result.exit_code == 1, result.stderr
    assert f"{shown}: file name is not UTF-8 (byte 0xe9); rename the file to publish it" in result.stderr
    assert feed_paths(config.parent / "public") == set()


def test_keep_going_publishes_the_other_posts_and_reports_the_name_in_json(site, monkeypatch):
    config = site({"a.md": post("Kept")})
    shown = make_non_utf8_post(config.parent / "posts", post("Latin-1"))
    monkeypatch.chdir(config.parent)

    result = run_cli("build", "--now", NOW, "--keep-going", "--json")

    assert result.exit_code == 5, result.stderr
    assert json.loads(result.stdout)["posts_skipped"] == [shown]
    feed = (config.parent / "public" / "atom.xml").read_bytes()
    assert b"<title>Kept</title>" in feed and b"Latin-1" not in feed


def test_check_counts_a_file_name_that_is_not_utf8_as_an_error(site, monkeypatch):
    config = site({"a.md": post("Kept")})
    shown = make_non_utf8_post(config.parent / "posts", post("Latin-1"))
    monkeypatch.chdir(config.parent)

    result = run_cli("check", "--now", NOW)

    assert result.exit_code == 1
    assert f"{shown}: file name is not UTF-8 (byte 0xe9); rename the file to publish it" in result.stderr


# --- a misspelled front matter key -----------------------------------------------------


@pytest.mark.parametrize(
    "key, value, meant",
    [("darft", True, "draft"), ("tgas", ["a"], "tags"), ("sumary", "Short.", "summary"), ("Tags", ["a"], "tags")],
)
def test_a_misspelled_front_matter_key_is_a_warning_naming_the_key_meant(site, monkeypatch, key, value, meant):
    config = site({"a.md": post("Hello", **{key: value})})
    monkeypatch.chdir(config.parent)

    result = run_cli("build", "--now", NOW)

    assert result.exit_code == 0, result.stderr
    # post() writes title: on line 2 and date: on line 3.
    assert f'posts/a.md:4: warning: {key}: unknown key; did you mean "{meant}"?' in result.stderr


def test_check_warns_about_a_misspelled_front_matter_key_too(site, monkeypatch):
    config = site({"a.md": post("Hello", darft=True)})
    monkeypatch.chdir(config.parent)

    result = run_cli("check", "--now", NOW)

    assert result.exit_code == 0, result.stderr
    assert 'posts/a.md:4: warning: darft: unknown key; did you mean "draft"?' in result.stderr


@pytest.mark.parametrize("key", ["layout", "comments", "subtitle", "toc", "excerpt_separator", "redirect_from"])
def test_a_theme_key_far_from_every_known_key_stays_silent(site, monkeypatch, key):
    config = site({"a.md": post("Hello", **{key: "x"})})
    monkeypatch.chdir(config.parent)

    result = run_cli("build", "--now", NOW)

    assert result.exit_code == 0, result.stderr
    assert "warning" not in result.stderr


def test_a_key_close_to_one_the_post_also_has_stays_silent(site, monkeypatch):
    config = site({"a.md": post("Hello", tags=["a"], tag="theme-specific")})
    monkeypatch.chdir(config.parent)

    result = run_cli("build", "--now", NOW)

    assert result.exit_code == 0, result.stderr
    assert "warning" not in result.stderr


def test_a_post_removed_between_discovery_and_reading_is_left_out_with_a_warning(tmp_path):
    gone = tmp_path / "2026-01-30-gone.md"

    source, problems = read_source(gone)

    assert source is None
    assert [str(p) for p in problems] == [f"{gone}: warning: removed while the build read the posts; left out"]


def test_a_build_during_which_a_post_is_removed_publishes_the_others(site, monkeypatch):
    config = site({"2026-01-29-kept.md": post("Kept"), "2026-01-30-gone.md": post("Gone")})
    real_find = files.post_files

    def find_then_remove(site_config, drafts):  # as a `git pull` racing the build would
        found = real_find(site_config, drafts)
        (site_config.posts_dir / "2026-01-30-gone.md").unlink()
        return found

    monkeypatch.setattr(pipeline, "post_files", find_then_remove)

    result = run_cli("build", "-c", config, "--now", NOW)

    assert result.exit_code == 0, result.output
    assert "2026-01-30-gone.md: warning: removed while the build read the posts; left out" in result.stderr
    feed = (config.parent / "public" / "atom.xml").read_bytes()
    assert b"<title>Kept</title>" in feed and b"Gone" not in feed
