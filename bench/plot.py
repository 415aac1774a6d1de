"""Cold (and no-op) wall time against posts, from the rows bench/run.py --json wrote.

    python bench/plot.py OUT.png ROWS.json [ROWS.json ...]

Several files combine runs of different sizes (the 100,000-post run is made
on its own: see docs/performance.md). Needs matplotlib (`pip install '.[bench]'`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def plot(rows: list[dict], out: Path) -> None:
    """Cold wall time against posts, one line per engine and Hugo, on log-log axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=100)
    for engine in sorted({row["engine"] for row in rows}):
        points = sorted(
            (row["posts"], row["seconds"]) for row in rows if row["engine"] == engine and row["scenario"] == "cold"
        )
        axes.plot([p for p, _ in points], [s for _, s in points], marker="o", label=f"{engine}, cold")
    for engine in sorted({row["engine"] for row in rows if not row["engine"].startswith("hugo")}):
        points = sorted(
            (row["posts"], row["seconds"]) for row in rows if row["engine"] == engine and row["scenario"] == "no-op"
        )
        axes.plot([p for p, _ in points], [s for _, s in points], marker="x", linestyle="--", label=f"{engine}, no-op")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("posts")
    axes.set_ylabel("wall time, s")
    axes.set_title("feedpub build (Atom + RSS, 20 entries, full content) and Hugo (RSS)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    # A fixed date in the metadata: the same figures give the same file.
    figure.savefig(out, metadata={"Software": None})


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    rows = [row for name in argv[1:] for row in json.loads(Path(name).read_text("utf-8"))]
    plot(rows, Path(argv[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
