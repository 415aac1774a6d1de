"""`feedpub new` writes a post, `feedpub init` a whole site; neither ever overwrites a file."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import frontmatter
import pytest
from conftest import NOW, post, run_cli

from feedpub.sources.config import _SCHEMA, load_config
from feedpub.tools.scaffold import CONFIG_TEMPLATE

INSTALLED = Path(sys.executable).parent / "feedpub"


def new(config: Path, *args: str, now: str = "2026-11-24T10:30:00Z"):
    return run_cli("new", "-c", config, "--now", now, *args)


# --- feedpub new ------------------------------------------------------------------------------


def test_new_writes_front_matter_dated_in_the_sites_timezone(site):
    config = site({})

    result = new(config, "Stablecoins, again", "--tags", "稳定币, policy", "--category", "fintech", "--draft")

    path = config.parent / "posts" / "2026-11-24-stablecoins-again.md"
    assert result.exit_code == 0 and result.stdout == f"{path}\n"
    written = frontmatter.load(path)
    assert written.metadata == {
        "title": "Stablecoins, again",
        "date": "2026-11-24 18:30:00 +0800",
        "tags": ["稳定币", "policy"],
        "categories": ["fintech"],
        "draft": True,
    }
    assert path.read_text("utf-8").startswith("---\ntitle: Stablecoins, again\ndate: 2026-11-24 18:30:00 +0800\n")


def test_the_file_name_takes_the_date_in_the_sites_timezone(site):
    config = site({})

    result = new(config, "Late night", now="2026-11-24T20:00:00Z")  # 04:00 the next day in Shanghai

    assert Path(result.stdout.strip()).name == "2026-11-25-late-night.md"


def test_a_chinese_title_keeps_chinese_in_the_file_name_and_slug_overrides(site):
    config = site({})

    chinese = new(config, "金融科技 新纪元：区块链")
    chosen = new(config, "金融科技 新纪元：区块链", "--slug", "New Era")

    assert Path(chinese.stdout.strip()).name == "2026-11-24-金融科技-新纪元-区块链.md"
    assert Path(chosen.stdout.strip()).name == "2026-11-24-new-era.md"


def test_a_new_post_builds_into_the_feeds(site, tmp_path):
    config = site({})
    new(config, "金融科技 新纪元", "--tags", "区块链", "--category", "news")
    new(config, "Not yet", "--draft")

    result = run_cli("build", "-c", config, "-o", tmp_path / "out", "--now", "2026-11-25T00:00:00Z")

    assert result.exit_code == 0, result.stderr
    atom = (tmp_path / "out" / "atom.xml").read_text("utf-8")
    assert "<title>金融科技 新纪元</title>" in atom and "Not yet" not in atom
    assert (tmp_path / "out" / "tags" / "区块链" / "atom.xml").is_file()
    assert "<published>2026-11-24T18:30:00+08:00</published>" in atom


def test_new_uses_the_configs_posts_dir(site):
    config = site({}, {"posts_dir": "content/posts"})

    result = new(config, "Hello")

    assert (config.parent / "content" / "posts" / "2026-11-24-hello.md").is_file(), result.stderr


def test_new_refuses_to_overwrite_and_names_the_file(site):
    config = site({"2026-11-24-hello.md": post("Mine")})
    path = config.parent / "posts" / "2026-11-24-hello.md"
    before = path.read_bytes()

    result = new(config, "Hello")

    assert result.exit_code == 1
    assert f"{path}: already exists; not overwritten" in result.stderr
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "title, message", [("", "the title is empty"), ("!!!", "no letter or digit to make a file name from; give --slug")]
)
def test_a_title_that_makes_no_file_name_is_a_usage_error(site, title, message):
    result = new(site({}), title)

    assert result.exit_code == 2 and message in result.stderr


def test_the_installed_new_command_prints_the_path(site):
    config = site({})

    done = subprocess.run(
        [INSTALLED, "new", "Hello world", "--now", NOW], cwd=config.parent, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0
    assert done.stdout == "posts/2026-11-24-hello-world.md\n"
    assert frontmatter.load(config.parent / done.stdout.strip())["date"] == "2026-11-24 08:00:00 +0800"


# --- feedpub init ----------------------------------------------------------------------------


def test_init_makes_a_site_that_builds_and_checks_clean(tmp_path):
    folder = tmp_path / "blog"

    made = subprocess.run([INSTALLED, "init", str(folder)], capture_output=True, text=True, timeout=60)
    built = subprocess.run([INSTALLED, "build"], cwd=folder, capture_output=True, text=True, timeout=60)
    checked = subprocess.run([INSTALLED, "check", "--strict"], cwd=folder, capture_output=True, text=True, timeout=60)

    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines()[:2] == [
        f"created {folder / 'config.yaml'}",
        f"created {folder / 'posts' / 'welcome.md'}",
    ]
    assert built.returncode == 0, built.stderr
    assert "<title>Welcome to feedpub</title>" in (folder / "public" / "atom.xml").read_text("utf-8")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("feedpub: checked: 0 error(s), 0 warning(s)") and checked.stderr == ""


def test_init_defaults_to_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    result = run_cli("init")

    assert result.exit_code == 0
    assert (tmp_path / "config.yaml").is_file() and (tmp_path / "posts" / "welcome.md").is_file()


@pytest.mark.parametrize("existing", ["config.yaml", "posts/welcome.md"])
def test_init_refuses_to_overwrite_either_file_and_writes_nothing(tmp_path, existing):
    (tmp_path / "posts").mkdir()
    (tmp_path / existing).write_text("mine", encoding="utf-8")

    result = run_cli("init", tmp_path)

    assert result.exit_code == 1
    assert f"{tmp_path / existing}: already exists; not overwritten" in result.stderr
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [existing]
    assert (tmp_path / existing).read_text("utf-8") == "mine"


def test_the_config_template_documents_every_key_with_a_comment():
    commented: dict[str, bool] = {}
    section = ""
    for line in CONFIG_TEMPLATE.read_text("utf-8").splitlines():
        # An optional section (podcast:) is documented commented out, so that it stays off.
        if match := re.match(r"^(?:# )?( *)([a-z_]+):(.*)$", line):
            indent, key, rest = match.groups()
            section = section if indent else key
            commented[f"{section}.{key}" if indent else key] = "#" in rest

    keys = {f"{section}.{key}" if section else key for section, keys in _SCHEMA.items() for key in keys}
    assert sorted(keys - set(commented)) == []
    # A section (site:, feeds:) is explained by its keys' comments.
    assert sorted(key for key in keys if not commented[key] and key not in _SCHEMA) == []


def test_the_config_template_loads(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG_TEMPLATE.read_text("utf-8"), encoding="utf-8")

    config = load_config(path)

    assert config.site.url == "https://example.com/" and config.posts_dir == tmp_path / "posts"
