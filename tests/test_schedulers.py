"""The cron and systemd examples in docs/reliability.md hold: units systemd accepts, exit codes as the CLI has them."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from conftest import ROOT

from feedpub.cli import common

DOC = (ROOT / "docs" / "reliability.md").read_text("utf-8")
UNITS = {block.splitlines()[0].lstrip("# ").strip(): block for block in re.findall(r"```ini\n(.*?)```", DOC, re.S)}
EXIT_CODES = {value for name, value in vars(common).items() if name.startswith("EXIT_") and isinstance(value, int)}


def test_the_service_treats_as_success_exactly_the_codes_that_need_nothing_done():
    (success,) = re.findall(r"^SuccessExitStatus=(.*)$", UNITS["feedpub-blog.service"], re.M)
    failing = {int(code) for code in re.search(r"Every other non-zero code \(([\d, ]+)\)", DOC)[1].split(",")}

    assert {int(code) for code in success.split()} == {common.EXIT_LOCKED, common.EXIT_PING}
    assert failing == EXIT_CODES - {common.EXIT_OK, common.EXIT_LOCKED, common.EXIT_PING, common.EXIT_INTERRUPTED}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze (Debian's systemd)")
def test_systemd_accepts_the_service_and_the_timer(tmp_path):
    for name, text in UNITS.items():
        # The example's program, user and folder exist on the reader's machine, not on this one.
        local = text.replace("/srv/blog/.venv/bin/feedpub", "/bin/true").replace("/srv/blog", str(tmp_path))
        (tmp_path / name).write_text(local.replace("User=blog", "User=root"), encoding="utf-8")

    checked = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / name) for name in sorted(UNITS))],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert sorted(UNITS) == ["feedpub-blog.service", "feedpub-blog.timer"]
    assert checked.returncode == 0 and checked.stderr == "", checked.stderr
