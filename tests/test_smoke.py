import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_shipped_site_builds_with_the_installed_command(tmp_path, sample_config):
    result = subprocess.run(
        [
            Path(sys.executable).parent / "feedpub",
            "build",
            "-c",
            sample_config,
            "-o",
            tmp_path / "public",
            "--now",
            "2026-11-24T00:00:00Z",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "public" / "atom.xml").is_file()
    assert (tmp_path / "public" / "tags" / "区块链" / "rss.xml").is_file()
