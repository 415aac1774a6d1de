"""feedpub's benchmark: builds a generated corpus in several scenarios and prints a table.

    python bench/run.py [--sizes 1000,10000] [--repeat 3] [--engines kramdown,cmark] [--work DIR]
        [--scenarios cold,no-op,...] [--json FILE] [--plot FILE.png]

Each row is the run with the median wall time of --repeat runs, each run a
fresh `feedpub build` process writing Atom and RSS, 20 entries, full content,
for the site, every category and every tag. Its stage seconds add up to its
wall time: `around` is the process outside the build's own clock (the
interpreter and imports, the config, the lock and opening the cache before
it; stopping the worker processes, closing the cache and printing the report
after it), `collect` finding and reading posts, `render` Markdown and
entries, `emit` assembling feed documents, `write` staging and committing
files, `finish` recording the cache. Peak RSS is the largest single process
(main or worker). Where Hugo is installed it builds the same corpus (RSS for
home, categories and tags, 20 entries, full content) in the same run, and the
ratio feedpub/Hugo is shown for cold builds. Cold builds are taken in turn
(Hugo, then each engine, --repeat times) so that a ratio compares builds made
under the same load: these machines are shared.

Scenarios: cold (no cache, no output), no-op, edit one post, add one post,
rename one tag, and two of a CI job that clones the site afresh (every post
file new, as `git clone` writes it): `ci restored` with the cache folder and
the published folder restored (as actions/cache restores them), `ci cache
only` with the cache folder alone. `engine floor` is no build: it times the
Markdown engine alone over the posts some feed shows, on every core
(bench/engine_floor.py), the least a cold build's `render` could take; with
`cold` it is followed by a line saying how far over it `render` is.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_config, write_corpus

NOW = "2030-01-01T00:00:00Z"
FEEDPUB = [sys.executable, "-m", "feedpub"]


# Runs a command and reports its wall time (from starting it to its exit, without this wrapper's own start)
# and the peak RSS of it and every process it waited for.
_RSS_WRAPPER = (
    "import resource, subprocess, sys, time; started = time.perf_counter(); code = subprocess.call(sys.argv[1:]); "
    "sys.stderr.write(f'\\nWALL_S {time.perf_counter() - started}\\n'); "
    "sys.stderr.write(f'\\nPEAK_RSS_KB {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\\n'); "
    "sys.exit(code)"
)


def timed(command: list[str], cwd: Path | None = None) -> tuple[float, float, str]:
    """Wall seconds of the command's process, peak RSS in MB (largest single process), and stdout of one run."""
    result = subprocess.run([sys.executable, "-c", _RSS_WRAPPER, *command], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    seconds = float(re.findall(r"WALL_S ([0-9.e-]+)", result.stderr)[-1])
    peak_kb = int(re.findall(r"PEAK_RSS_KB (\d+)", result.stderr)[-1])
    return seconds, peak_kb / 1024, result.stdout


def corpus(work: Path, size: int) -> Path:
    folder = work / f"corpus-{size}"
    if not (folder / "config.yaml").exists():
        shutil.rmtree(folder, ignore_errors=True)
        write_corpus(folder, size)
    write_config(folder, ("atom", "rss"))  # posts are reused across runs; the config is always current
    return folder


def site_copy(source: Path, work: Path, engine: str, aside: Aside) -> Path:
    """A private copy of a corpus, so scenarios that edit posts never touch the original."""
    site = work / f"{source.name}-{engine}"
    aside.move(site)
    shutil.copytree(source, site, symlinks=True)
    config = site / "config.yaml"
    text = config.read_text("utf-8")
    config.write_text(text + f"markdown:\n  engine: {engine}\n", "utf-8")
    return site


class Aside:
    """A folder the runs move their old output and sites into, deleted when the benchmark ends.

    Deleting thousands of files just before a build makes the build slow: on
    this machine's ext4, creating a file right after thousands were deleted
    spends up to 0.5 ms looking past their inodes (`perf` shows
    ext4's recently_deleted), seconds for a cold build. A user's cold build
    does not follow a mass deletion, so no timed build here does either,
    Hugo's included.
    """

    def __init__(self, work: Path):
        self.work = work
        self.folder = work / f"set-aside-{os.getpid()}"
        self.count = 0

    def move(self, path: Path) -> None:
        if path.exists() or path.is_symlink():
            self.folder.mkdir(exist_ok=True)
            self.count += 1
            path.rename(self.folder / f"{self.count}-{path.name}")

    def empty(self) -> None:
        """Delete what this run set aside, and what an interrupted run left (never before a timed build)."""
        for folder in self.work.glob("set-aside-*"):
            shutil.rmtree(folder, ignore_errors=True)


class Runner:
    def __init__(self, site: Path, repeat: int, aside: Aside):
        self.site, self.repeat, self.aside = site, repeat, aside
        self.counter = 0

    def build(self) -> tuple[float, float, dict]:
        seconds, rss, out = timed(FEEDPUB + ["build", "-c", str(self.site / "config.yaml"), "--now", NOW, "--json"])
        return seconds, rss, json.loads(out)

    def clear(self) -> None:
        self.aside.move(self.site / "public")
        self.aside.move(self.site / ".feedpub-cache")

    def first_post(self) -> Path:
        """The newest post of the generated corpus (not one the scenarios added)."""
        return sorted((self.site / "posts" / "000").glob("*.md"))[-1]

    def edit(self) -> None:
        self.counter += 1
        with open(self.first_post(), "a", encoding="utf-8") as handle:
            handle.write(f"\nEdited paragraph {self.counter}.\n")

    def add(self) -> None:
        self.counter += 1
        path = self.site / "posts" / "added" / f"2029-12-31-added-{self.counter}.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text(
            f"---\ntitle: Added {self.counter}\ndate: 2029-12-31 10:00:00 +0800\n"
            f"categories: [category-01]\ntags: [tag-1, tag-2]\n---\nA new post.\n",
            "utf-8",
        )

    def rename_tag(self) -> None:
        path = self.first_post()
        text = path.read_text("utf-8")
        renamed = re.sub(r'(tags:\n  - ")([^"]*)"', lambda m: f'{m.group(1)}{_toggle(m.group(2))}"', text, count=1)
        path.write_text(renamed, "utf-8")

    def scenario(self, name: str) -> dict:
        if name == "engine floor":
            return self.engine_floor()
        return summarise([self.run(name) for _ in range(self.repeat)])

    def run(self, name: str) -> tuple[float, float, dict]:
        """One timed build in scenario `name` (not "engine floor")."""
        if name == "cold":
            self.clear()
        elif not (self.site / "public").exists():
            self.build()  # every other scenario starts from a published site
        if name == "edit one post":
            self.edit()
        elif name == "add one post":
            self.add()
        elif name == "rename one tag":
            self.rename_tag()
        if name.startswith("ci "):
            return self.ci_build(with_output=name == "ci restored")
        return self.build()

    def engine_floor(self) -> dict:
        """The Markdown engine alone over the posts some feed shows, on every core (bench/engine_floor.py)."""
        script = Path(__file__).resolve().parent / "engine_floor.py"
        command = [
            sys.executable,
            str(script),
            str(self.site / "config.yaml"),
            "--now",
            NOW,
            "--repeat",
            str(self.repeat),
        ]
        seconds, rss, out = timed(command)
        floor = float(out.split()[-1])
        stages = {stage: "" for stage in STAGES}
        return {"seconds": floor, "rss": rss, "written": [], "unchanged": [], "entries": 0, **stages, "render": floor}

    def ci_build(self, with_output: bool) -> tuple[float, float, dict]:
        """A build in a fresh copy of the site at the same path (a CI job's checkout folder does not change):
        posts written anew (new mtimes, ctimes and inodes, as a clone makes them), the cache folder (and
        with_output the published folder) restored as tar restores them."""
        kept = self.site.with_name(self.site.name + "-kept")
        shutil.rmtree(kept, ignore_errors=True)
        self.site.rename(kept)
        try:
            shutil.copytree(kept / "posts", self.site / "posts", copy_function=shutil.copyfile)
            shutil.copy(kept / "config.yaml", self.site / "config.yaml")
            shutil.copytree(kept / ".feedpub-cache", self.site / ".feedpub-cache")
            if with_output:
                shutil.copytree(kept / "public", self.site / "public")
            return self.build()
        finally:
            self.aside.move(self.site)
            kept.rename(self.site)


def _toggle(tag: str) -> str:
    return tag[: -len("-renamed")] if tag.endswith("-renamed") else tag + "-renamed"


STAGES = ("around", "collect", "render", "emit", "write", "finish")


def summarise(runs: list[tuple[float, float, dict]]) -> dict:
    """The run with the median wall time, its stages adding up to that time, and the largest peak RSS."""
    seconds, _, report = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
    laps = report["stage_seconds"]
    stages = {stage: laps.get(stage, 0.0) for stage in ("collect", "render", "emit", "write")}
    stages["around"] = seconds - report["seconds"]
    stages["finish"] = report["seconds"] - sum(laps.values())
    return {
        "seconds": seconds,
        "rss": max(run[1] for run in runs),
        "written": report["written"],
        "unchanged": report["unchanged"],
        "entries": report.get("entries", 0),
        **stages,
    }


def hugo_site(source: Path, work: Path) -> Path | None:
    """The same corpus as a Hugo site: RSS only, for home, categories and tags."""
    if shutil.which("hugo") is None:
        return None
    site = work / f"{source.name}-hugo"
    if (site / "config.toml").exists():
        return site
    content = site / "content" / "posts"
    content.mkdir(parents=True, exist_ok=True)
    for path in sorted((source / "posts").rglob("*.md")):
        (content / path.name).write_text(_hugo_front_matter(path.read_text("utf-8")), "utf-8")
    (site / "config.toml").write_text(
        'baseURL = "https://bench.example.com/"\ntitle = "Bench"\n'
        'disableKinds = ["sitemap", "robotsTXT", "404"]\n'
        '[outputs]\nhome = ["RSS"]\nsection = []\npage = []\ntaxonomy = []\nterm = ["RSS"]\n'
        '[taxonomies]\ncategory = "categories"\ntag = "tags"\n[services.rss]\nlimit = 20\n',
        "utf-8",
    )
    layouts = site / "layouts" / "_default"
    layouts.mkdir(parents=True, exist_ok=True)
    (layouts / "rss.xml").write_text(
        "{{ $pages := .Pages }}{{ if .IsHome }}{{ $pages = .Site.RegularPages }}{{ end }}"
        '<rss version="2.0"><channel><title>{{ .Title }}</title><link>{{ .Permalink }}</link>'
        "<description>{{ .Title }}</description>{{ range first 20 $pages }}<item><title>{{ .Title }}</title>"
        '<link>{{ .Permalink }}</link><pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" }}</pubDate>'
        "<guid>{{ .Permalink }}</guid><description>{{ .Content | html }}</description></item>{{ end }}"
        "</channel></rss>",
        "utf-8",
    )
    return site


def _hugo_front_matter(text: str) -> str:
    # Hugo wants RFC 3339 dates: "2020-01-01 07:00:00 +0800" -> "2020-01-01T07:00:00+08:00".
    return re.sub(r"^date: (\S+) (\S+) ([+-]\d\d)(\d\d)$", r"date: \1T\2\3:\4", text, count=1, flags=re.M)


def hugo_cold(site: Path, aside: Aside) -> tuple[float, float]:
    """One cold Hugo build: wall seconds and peak RSS in MB."""
    aside.move(site / "public")
    aside.move(site / "resources")
    seconds, rss, _ = timed(["hugo", "--quiet", "-s", str(site)])
    return seconds, rss


def cold_runs(
    hugo: Path | None, runners: dict[str, Runner], repeat: int, aside: Aside
) -> tuple[dict | None, dict[str, dict]]:
    """Hugo's cold builds and each engine's, in turn (Hugo, then each engine, `repeat` times), summarised.

    Taken in turn rather than one tool's runs after the other's, each ratio
    compares builds made under the same load on a shared machine.
    """
    hugo_runs: list[tuple[float, float]] = []
    runs: dict[str, list[tuple[float, float, dict]]] = {engine: [] for engine in runners}
    for _ in range(repeat):
        if hugo is not None:
            hugo_runs.append(hugo_cold(hugo, aside))
        for engine, runner in runners.items():
            runs[engine].append(runner.run("cold"))
    hugo_result = None
    if hugo is not None:
        files = sum(1 for _ in (hugo / "public").rglob("*.xml"))
        hugo_result = {
            "seconds": statistics.median(r[0] for r in hugo_runs),
            "rss": max(r[1] for r in hugo_runs),
            "files": files,
        }
    return hugo_result, {engine: summarise(engine_runs) for engine, engine_runs in runs.items()}


COLUMNS = (
    ("posts", 7),
    ("scenario", 14),
    ("engine", 14),
    ("written", 7),
    ("unchanged", 9),
    ("wall s", 7),
    ("peak MB", 7),
    *((stage, 7) for stage in STAGES),
    ("vs Hugo", 7),
)


def table_row(cells: list[object]) -> str:
    shown = []
    for (name, width), cell in zip(COLUMNS, cells, strict=True):
        text = f"{cell:.2f}" if isinstance(cell, float) else str(cell)
        shown.append(text.ljust(width) if name in ("scenario", "engine") else text.rjust(width))
    return "| " + " | ".join(shown) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines", default="kramdown,cmark")
    parser.add_argument(
        "--scenarios",
        default="cold,engine floor,no-op,edit one post,add one post,rename one tag,ci restored,ci cache only",
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/feedpub-bench"))
    parser.add_argument(
        "--hugo-max", type=int, default=20000, help="skip Hugo above this many posts (it needs about 2 GB per 10,000)"
    )
    parser.add_argument("--json", type=Path, help="also write every row to this file")
    parser.add_argument("--plot", type=Path, help="also plot cold wall time against posts (needs matplotlib)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    aside = Aside(args.work)
    print(
        f"feedpub benchmark: {os.cpu_count()} cores, the median of {args.repeat} runs, Python {sys.version.split()[0]}"
    )
    print(table_row([name for name, _ in COLUMNS]))
    print("|" + "|".join("-" * (width + 2) for _, width in COLUMNS) + "|")
    rows: list[dict] = []
    for size in (int(s) for s in args.sizes.split(",")):
        source = corpus(args.work, size)
        hugo = hugo_site(source, args.work) if size <= args.hugo_max else None
        engines = args.engines.split(",")
        runners = {
            engine: Runner(site_copy(source, args.work, engine, aside), args.repeat, aside) for engine in engines
        }
        scenarios = args.scenarios.split(",")
        hugo_result, colds = cold_runs(hugo, runners, args.repeat, aside) if "cold" in scenarios else (None, {})
        if hugo_result:
            engine = "hugo " + _hugo_version()
            rows.append({"posts": size, "scenario": "cold", "engine": engine, **hugo_result})
            blank = [""] * len(STAGES)
            print(table_row([size, "cold", engine, hugo_result["files"], "", hugo_result["seconds"],
                             round(hugo_result["rss"]), *blank, "1.00"]), flush=True)  # fmt: skip
        elif "cold" in scenarios:
            reason = "not installed" if shutil.which("hugo") is None else f"skipped above --hugo-max {args.hugo_max}"
            print(f"(hugo {reason}: no comparison for {size} posts)")
        for engine, runner in runners.items():
            by_scenario: dict[str, dict] = {}
            for name in scenarios:
                row = colds[engine] if name == "cold" else runner.scenario(name)
                ratio = f"{row['seconds'] / hugo_result['seconds']:.2f}" if hugo_result and name == "cold" else ""
                counts = {"written": len(row["written"]), "unchanged": len(row["unchanged"])}
                rows.append({"posts": size, "scenario": name, "engine": engine, **row, **counts, "vs_hugo": ratio})
                stages = [row[stage] for stage in STAGES]
                print(table_row([size, name, engine, len(row["written"]), len(row["unchanged"]), row["seconds"],
                                 round(row["rss"]), *stages, ratio]), flush=True)  # fmt: skip
                by_scenario[name] = row
            if "cold" in by_scenario and by_scenario.get("engine floor", {}).get("render", 0) > 0:
                render, floor = by_scenario["cold"]["render"], by_scenario["engine floor"]["render"]
                print(f"({size} posts, {engine}: the cold build's render, {render:.2f} s, is {render / floor - 1:.0%} "
                      f"over the engine alone on every core, {floor:.2f} s)")  # fmt: skip
    aside.empty()
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), "utf-8")
    if args.plot:
        from plot import plot  # here: matplotlib is needed only for a plot

        plot(rows, args.plot)


def _hugo_version() -> str:
    out = subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout
    match = re.search(r"v(\d+\.\d+\.\d+)", out)
    return match.group(1) if match else "?"


if __name__ == "__main__":
    main()
