"""--keep-going with problems between posts: two posts with one id, two tags or categories with one slug.

Without it such a build publishes nothing and exits 1, as for a broken post.
With it every post the problem involves is left out and listed (no post wins
over the other), the rest is published, and the build exits 5.
"""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
from conftest import build_into, file_snapshot, post, write_site


def good_posts() -> dict[str, str]:
    """Posts with no problem between them; enough that leaving two out removes few files."""
    return {
        f"good{n}.md": post(f"Good {n}", date=f"2026-01-{10 + n}", tags=["shared", f"own{n}"], categories=["notes"])
        for n in range(4)
    }


def site_with(folder: Path, extra: dict[str, str], config: dict | None = None) -> Path:
    return write_site(folder / "site", {**good_posts(), **extra}, config)


SLUG_COLLISION = {
    "c.md": post("About C", date="2026-02-01", tags=["C", "shared"]),
    "cpp.md": post("About C++", date="2026-02-02", tags=["C++"]),
}
DUPLICATE_ID = {
    "first.md": post("First", date="2026-02-01", id="urn:uuid:same"),
    "second.md": post("Second", date="2026-02-02", id="urn:uuid:same"),
}
CATEGORY_COLLISION = {
    "a.md": post("A", date="2026-02-01", categories=["Fin Tech"]),
    "b.md": post("B", date="2026-02-02", categories=["fin-tech"]),
}


def titles(feed: Path) -> list[str]:
    return [entry.title for entry in feedparser.parse(feed.read_bytes()).entries]


def skipped_names(summary: dict) -> list[str]:
    return sorted(Path(path).name for path in summary["posts_skipped"])


# --- without --keep-going: nothing changes ----------------------------------------------------


@pytest.mark.parametrize("extra", [SLUG_COLLISION, DUPLICATE_ID], ids=["slug-collision", "duplicate-id"])
def test_a_problem_between_posts_publishes_nothing_and_leaves_the_previous_feeds_untouched(tmp_path, extra):
    config = site_with(tmp_path, {})
    output = tmp_path / "out"
    assert build_into(config, output).exit_code == 0
    before = file_snapshot(output)
    for name, text in extra.items():
        (config.parent / "posts" / name).write_text(text, encoding="utf-8")

    result = build_into(config, output, "--json")

    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["written"] == [] and summary["posts_skipped"] == []
    assert file_snapshot(output) == before


# --- with --keep-going: the posts involved are left out, the rest is published ---------------


def test_keep_going_leaves_out_every_post_of_both_tags_that_make_one_slug(tmp_path):
    config = site_with(tmp_path, SLUG_COLLISION)
    output = tmp_path / "out"

    result = build_into(config, output, "--keep-going", "--json")

    assert result.exit_code == 5
    summary = json.loads(result.stdout)
    assert skipped_names(summary) == ["c.md", "cpp.md"]
    for path in summary["posts_skipped"]:
        assert any('both make the slug "c"' in reason for reason in summary["skipped_reasons"][path])
    assert titles(output / "atom.xml") == ["Good 3", "Good 2", "Good 1", "Good 0"]
    assert titles(output / "tags/shared/atom.xml") == ["Good 3", "Good 2", "Good 1", "Good 0"]
    assert not (output / "tags/c").exists()


def test_keep_going_prints_the_problem_on_each_post_left_out(tmp_path):
    config = site_with(tmp_path, SLUG_COLLISION)

    result = build_into(config, tmp_path / "out", "--keep-going")

    assert result.exit_code == 5
    lines = result.stderr.splitlines()
    assert [Path(line.split(":", 1)[0]).name for line in lines if "both make the slug" in line] == ["c.md", "cpp.md"]
    assert lines[-1] == "feedpub: published without 2 broken post(s)"


def test_keep_going_leaves_out_every_post_sharing_an_id_and_names_the_other_file_in_each_reason(tmp_path):
    config = site_with(tmp_path, DUPLICATE_ID)
    output = tmp_path / "out"

    result = build_into(config, output, "--keep-going", "--json")

    assert result.exit_code == 5
    summary = json.loads(result.stdout)
    assert skipped_names(summary) == ["first.md", "second.md"]
    reasons = {Path(path).name: summary["skipped_reasons"][path] for path in summary["posts_skipped"]}
    assert any("has the same id/permalink as" in r and "second.md" in r for r in reasons["first.md"])
    assert any("has the same id/permalink as" in r and "first.md" in r for r in reasons["second.md"])
    assert titles(output / "atom.xml") == ["Good 3", "Good 2", "Good 1", "Good 0"]


def test_keep_going_leaves_out_the_posts_of_two_categories_that_make_one_slug(tmp_path):
    config = site_with(tmp_path, CATEGORY_COLLISION)
    output = tmp_path / "out"

    result = build_into(config, output, "--keep-going", "--json")

    assert result.exit_code == 5
    assert skipped_names(json.loads(result.stdout)) == ["a.md", "b.md"]
    assert not (output / "categories/fin-tech").exists()
    assert titles(output / "categories/notes/atom.xml") == ["Good 3", "Good 2", "Good 1", "Good 0"]


def test_keep_going_leaves_out_the_posts_of_a_tag_without_letters_or_digits(tmp_path):
    config = site_with(tmp_path, {"plus.md": post("Plus", date="2026-02-01", tags=["+++", "shared"])})
    output = tmp_path / "out"

    result = build_into(config, output, "--keep-going", "--json")

    assert result.exit_code == 5
    assert skipped_names(json.loads(result.stdout)) == ["plus.md"]
    assert "Plus" not in titles(output / "atom.xml")


def test_keep_going_from_the_config_leaves_out_the_posts_involved_too(tmp_path):
    config = site_with(tmp_path, DUPLICATE_ID, {"keep_going": True})
    output = tmp_path / "out"

    result = build_into(config, output, "--json")

    assert result.exit_code == 5
    assert skipped_names(json.loads(result.stdout)) == ["first.md", "second.md"]


def test_keep_going_with_a_broken_post_and_a_duplicate_id_lists_all_three(tmp_path):
    broken = "---\ntitle: Broken\ndate: never\n---\nBody.\n"
    config = site_with(tmp_path, {**DUPLICATE_ID, "broken.md": broken})
    output = tmp_path / "out"

    result = build_into(config, output, "--keep-going", "--json")

    assert result.exit_code == 5
    assert skipped_names(json.loads(result.stdout)) == ["broken.md", "first.md", "second.md"]


def test_the_posts_left_out_are_listed_again_by_the_next_build(tmp_path):
    config = site_with(tmp_path, SLUG_COLLISION)
    output = tmp_path / "out"
    build_into(config, output, "--keep-going")

    result = build_into(config, output, "--keep-going", "--json")

    assert result.exit_code == 5
    assert skipped_names(json.loads(result.stdout)) == ["c.md", "cpp.md"]


def test_once_the_id_is_fixed_both_posts_are_published(tmp_path):
    config = site_with(tmp_path, DUPLICATE_ID)
    output = tmp_path / "out"
    build_into(config, output, "--keep-going")
    (config.parent / "posts" / "second.md").write_text(
        post("Second", date="2026-02-02", id="urn:uuid:other"), encoding="utf-8"
    )

    result = build_into(config, output, "--keep-going")

    assert result.exit_code == 0
    assert titles(output / "atom.xml")[:2] == ["Second", "First"]
