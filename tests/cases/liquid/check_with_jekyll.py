"""Render every case of cases.yaml with the real Jekyll and list where Jekyll's output differs from `expect`.

    python tests/cases/liquid/check_with_jekyll.py

Needs `jekyll` on PATH (Debian: apt-get install jekyll). It copies site/ to a
temporary folder, writes every case's template into the body of the post the
cases are rendered in, saved as `.html` so that only Liquid touches it
(Jekyll runs no Markdown engine over an HTML post), builds, and reads the
cases back from the post's page. A
case marked `jekyll:` is expected to differ and is listed as such. Exit 1 when
another case differs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).parent
POST = "_posts/2020-02-10-data-and-includes.md"
PAGE = "2020/02/10/data-and-includes/index.html"
_SPAN = re.compile(r"</?span[^>]*>")


def main() -> int:
    cases = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as work:
        site = Path(work) / "site"
        shutil.copytree(HERE / "site", site)
        post = site / POST
        front = post.read_text(encoding="utf-8").split("---", 2)[1]
        body = "".join(f'<feedpub-case id="{n}">{case["template"]}</feedpub-case>\n' for n, case in enumerate(cases))
        post.unlink()
        # No excerpt: Jekyll would render one cut at the first blank line, through a case's middle.
        front += "excerpt_separator: <!--no-excerpt-->\n"
        post.with_suffix(".html").write_text(f"---{front}---\n{body}", encoding="utf-8")
        subprocess.run(["jekyll", "build", "-q", "-s", str(site), "-d", str(site / "_site")], check=True)
        page = (site / "_site" / PAGE).read_text(encoding="utf-8")
    found = dict(re.findall(r'<feedpub-case id="(\d+)">(.*?)</feedpub-case>', page, re.S))
    failed = 0
    for n, case in enumerate(cases):
        jekyll = found.get(str(n))
        if jekyll == case["expect"]:
            continue
        if jekyll is not None and _SPAN.sub("", jekyll) == case["expect"].replace("&#10;", "\n"):
            print(f"{case['case']}: the same once Rouge's <span>s are removed")
            continue
        known = "known: " + case["jekyll"] if case.get("jekyll") else "DIFFERS"
        failed += not case.get("jekyll")
        print(f"{case['case']}: {known}\n  expect: {case['expect']!r}\n  jekyll: {jekyll!r}")
    print(f"{len(cases)} cases, {failed} differing from Jekyll unexpectedly")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
