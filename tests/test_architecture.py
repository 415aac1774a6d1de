"""The pipeline's shape, read from the imports: data flows one way, each library stays in its stage.

Each top-level folder of the package is a stage and has a rank; a module may
import modules of its own folder and of folders of a lower rank, never later
ones. A new folder must be given a rank here, which is the moment to decide
where it belongs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import feedpub

PACKAGE = Path(feedpub.__file__).resolve().parent

# The pipeline, in the order data flows through it: one folder (or module) per stage.
RANKS = {
    "__init__": 0,
    "model": 0,  # the version; the frozen dataclasses every stage shares
    "sources": 1,  # config.yaml and post files -> Config, [Post]
    "render": 2,  # Markdown -> HTML, summaries, absolute URLs -> Rendered
    "plan": 3,  # which feeds exist and what each shows -> [FeedSpec]
    "feeds": 4,  # one emitter per format -> bytes
    "publish": 5,  # staged writes, manifest, lock, cache -> files on disk
    "build": 6,  # the orchestrating function -> Report
    "tools": 7,  # check, list, links, serve, new/init, WebSub
    "cli": 8,  # options in, printing and exit codes out
    "__main__": 9,
}


def module_name(path: Path) -> str:
    """feedpub/feeds/atom.py -> 'feedpub.feeds.atom'; feedpub/__init__.py -> 'feedpub'."""
    parts = ("feedpub",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage(module: str) -> str:
    """The entry of RANKS a module belongs to: its top-level folder (or module) in the package."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


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
        f"{module} imports {other}" for other in imported if stage(other) != own and RANKS[stage(other)] >= RANKS[own]
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
    imported = internal_imports("from ..build import build\nfrom ..model import Post\n", "feedpub.sources.posts")

    assert backward_imports("feedpub.sources.posts", imported) == ["feedpub.sources.posts imports feedpub.build"]


def test_checker_reports_late_imports_inside_functions_and_absolute_imports():
    source = "def f():\n    import feedpub.cli\n    from feedpub.publish import output\n"

    imported = internal_imports(source, "feedpub.render.content")

    assert backward_imports("feedpub.render.content", imported) == [
        "feedpub.render.content imports feedpub.cli",
        "feedpub.render.content imports feedpub.publish.output",
    ]


def test_checker_resolves_parent_imports_in_a_subpackage():
    imported = internal_imports("from ..build import workers\nfrom . import entries\n", "feedpub.feeds.atom")

    assert imported == {"feedpub.build.workers", "feedpub.feeds.entries"}
    assert backward_imports("feedpub.feeds.atom", imported) == ["feedpub.feeds.atom imports feedpub.build.workers"]


def test_checker_allows_imports_within_one_folder_and_reports_a_later_folder():
    assert backward_imports("feedpub.sources.dates", {"feedpub.sources.slugs"}) == []
    assert backward_imports("feedpub.feeds.xmlfeeds", {"feedpub.feeds.entries"}) == []
    assert backward_imports("feedpub.plan", {"feedpub.feeds.entries"}) == ["feedpub.plan imports feedpub.feeds.entries"]


# --- the code -------------------------------------------------------------------------


def test_every_folder_has_a_rank_and_every_rank_a_folder():
    stages = {stage(module_name(path)) for path in SOURCES}

    assert sorted(stages ^ set(RANKS)) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_module_imports_one_later_in_the_pipeline(path):
    module = module_name(path)

    imported = internal_imports(*read(path))

    assert backward_imports(module, imported) == []


def test_feedgen_is_imported_only_in_the_feeds_package():
    importers = sorted(path.relative_to(PACKAGE).as_posix() for path in SOURCES if "feedgen" in imported_names(path))

    assert importers and all(rel.startswith("feeds/") for rel in importers), importers


def test_the_html_parser_is_imported_only_in_the_render_package():
    importers = sorted(path.relative_to(PACKAGE).as_posix() for path in SOURCES if "selectolax" in imported_names(path))

    assert importers and all(rel.startswith("render/") for rel in importers), importers


def test_markdown_it_is_imported_only_in_the_render_package():
    names = {"markdown_it", "mdit_py_plugins"}
    importers = sorted(path.relative_to(PACKAGE).as_posix() for path in SOURCES if names & imported_names(path))

    assert importers and all(rel.startswith("render/") for rel in importers), importers


def test_liquid_is_imported_only_by_the_render_packages_liquid_modules():
    importers = sorted(path.relative_to(PACKAGE).as_posix() for path in SOURCES if "liquid" in imported_names(path))

    assert importers and all(rel.startswith("render/liquid") for rel in importers), importers


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
