"""Options that make no sense are usage errors (exit 2) before anything is read or written."""

from __future__ import annotations

import pytest
from conftest import NOW, post, run_cli


@pytest.mark.parametrize("seconds", ["nan", "inf", "-1", "soon"])
def test_a_wait_that_is_not_a_finite_non_negative_number_is_a_usage_error(site, seconds):
    config = site({"a.md": post("A")})

    result = run_cli("build", "-c", config, "--now", NOW, "--wait", seconds)

    assert result.exit_code == 2
    assert "--wait" in result.stderr
    assert not (config.parent / "public").exists()


def test_a_wait_of_zero_or_a_fraction_is_accepted(site):
    config = site({"a.md": post("A")})

    assert run_cli("build", "-c", config, "--now", NOW, "--wait", "0", "-q").exit_code == 0
    assert run_cli("build", "-c", config, "--now", NOW, "--wait", "0.5", "-q").exit_code == 0
