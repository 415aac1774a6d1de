"""The pipeline's shape, read from the imports: data flows one way, each library stays in its stage.

Every module has a rank; a module may import only modules of a lower rank (the
modules of the feeds package may also import each other). A new module must be
given a rank here, which is the moment to decide where it belongs.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import feedpub

PACKAGE = Path(feedpub.__file__).resolve().parent

RANKS = {
    "__init__": 0, "model": 0,              # the version; the frozen dataclasses every stage shares
    "yamlsource": 1, "dates": 1, "slugs": 1,  # small pure helpers
    "cmark": 1,                             # GitHub Flavored Markdown without cmarkgfm's leak
    "terminal": 1,                          # display widths, tables, the progress line: text only
    "config": 2,
    "sources": 3,                           # post files: finding, decoding, front matter blocks
    "posts": 4,
    "plan": 5,
    "render": 6,
    "feeds": 7,                             # the feeds/ package: one emitter per format
    "checks": 7,                            # check-only warnings about rendered posts
    "listing": 8,                           # the rows of `feedpub list`
    "output": 8, "cache": 8,                # what the build keeps on disk
    "workers": 9,                           # per-post jobs, in a process pool
    "validate": 9, "scaffold": 9,           # feedpub check's verdict; new posts and sites (exclusive creates)
    "build": 10,
    "websub": 10,                           # telling WebSub hubs what a build published
    "inspect": 10,                          # read-only views: planned feeds, autodiscovery links
    "serve": 10,                            # the output folder over HTTP, and the watcher
    "cli": 11,
    "__main__": 12,
}


def module_name(path: Path) -> str:
    """feedpub/feeds/atom.py -> 'feedpub.feeds.atom'; feedpub/__init__.py -> 'feedpub'."""
    parts = ("feedpub",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage(module: str) -> str:
    """The entry of RANKS a module belongs to."""
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return "feeds" if parts[1] == "feeds" else parts[1]


def is_module(name: str) -> bool:
    relative = Path(*name.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").is_file() or (PACKAGE / relative / "__init__.py").is_file()


def internal_imports(source: str, module: str, is_package: bool = False) -> set[str]:
    """The feedpub modules that `source` (the text of `module`) imports, anywhere in the file."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "feedpub")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            elif node.module and node.module.split(".")[0] == "feedpub":
                target = node.module
            else:
                continue
            submodules = {f"{target}.{alias.name}" for alias in node.names if is_module(f"{target}.{alias.name}")}
            found.update(submodules or {target})
    return found


def backward_imports(module: str, imported: set[str]) -> list[str]:
    """Imports of a module that is not earlier in the pipeline than `module`."""
    own = stage(module)
    return sorted(
        f"{module} imports {other}" for other in imported
        if stage(other) != own and RANKS[stage(other)] >= RANKS[own]
    )


SOURCES = sorted(PACKAGE.rglob("*.py"))


def read(path: Path) -> tuple[str, str, bool]:
    return path.read_text("utf-8"), module_name(path), path.name == "__init__.py"


def imported_names(path: Path) -> set[str]:
    """Top-level names of every module `path` imports (absolute imports only)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def calls(path: Path) -> set[str]:
    """Dotted names of everything called in `path` (e.g. 'click.echo', 'print', 'datetime.now')."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Call):
            parts, func = [], node.func
            while isinstance(func, ast.Attribute):
                parts.append(func.attr)
                func = func.value
            if isinstance(func, ast.Name):
                parts.append(func.id)
                found.add(".".join(reversed(parts)))
    return found


# --- the checker itself ----------------------------------------------------------

def test_checker_reports_posts_importing_build():
    imported = internal_imports("from .build import build\nfrom .model import Post\n", "feedpub.posts")

    assert backward_imports("feedpub.posts", imported) == ["feedpub.posts imports feedpub.build"]


def test_checker_reports_late_imports_inside_functions_and_absolute_imports():
    source = "def f():\n    import feedpub.cli\n    from feedpub import output\n"

    imported = internal_imports(source, "feedpub.render")

    assert backward_imports("feedpub.render", imported) == [
        "feedpub.render imports feedpub.cli", "feedpub.render imports feedpub.output",
    ]


def test_checker_resolves_parent_imports_in_the_feeds_package():
    imported = internal_imports("from ..build import build\nfrom . import entries\n", "feedpub.feeds.atom")

    assert imported == {"feedpub.build", "feedpub.feeds.entries"}
    assert backward_imports("feedpub.feeds.atom", imported) == ["feedpub.feeds.atom imports feedpub.build"]


def test_checker_allows_imports_within_one_stage_only_for_the_feeds_package():
    assert backward_imports("feedpub.dates", {"feedpub.slugs"}) == ["feedpub.dates imports feedpub.slugs"]
    assert backward_imports("feedpub.feeds.xmlfeeds", {"feedpub.feeds.entries"}) == []


# --- the code -------------------------------------------------------------------------

def test_every_module_has_a_rank():
    unranked = sorted({stage(module_name(path)) for path in SOURCES} - set(RANKS))

    assert unranked == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_module_imports_one_later_in_the_pipeline(path):
    module = module_name(path)

    imported = internal_imports(*read(path))

    assert backward_imports(module, imported) == []


def test_feedgen_is_imported_only_in_the_feeds_package():
    importers = sorted(path.relative_to(PACKAGE).as_posix() for path in SOURCES if "feedgen" in imported_names(path))

    assert importers and all(rel.startswith("feeds/") for rel in importers), importers


def in_cli(rel: str) -> bool:
    return rel.startswith("cli/")


def test_click_is_imported_only_by_the_cli():
    importers = sorted(path.relative_to(PACKAGE).as_posix() for path in SOURCES if "click" in imported_names(path))

    assert importers and all(in_cli(rel) for rel in importers), importers


def test_only_the_cli_prints():
    printing = {"print", "click.echo", "click.secho", "echo", "secho", "sys.stdout.write", "sys.stderr.write"}

    printers = sorted(path.relative_to(PACKAGE).as_posix() for path in SOURCES if calls(path) & printing)

    assert printers and all(in_cli(rel) for rel in printers), printers


def test_only_the_cli_reads_the_wall_clock():
    clock = {"datetime.now", "datetime.utcnow", "date.today", "datetime.today", "time.time"}

    readers = sorted(path.relative_to(PACKAGE).as_posix() for path in SOURCES if calls(path) & clock)

    assert readers and all(in_cli(rel) for rel in readers), readers
