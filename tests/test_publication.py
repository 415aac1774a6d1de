"""The output folder's bookkeeping (publish/output.py) on its own."""

from __future__ import annotations

import pytest

from feedpub.publish.folder import OutputError
from feedpub.publish.output import Publication


def test_a_file_staged_twice_is_refused_before_anything_is_published(tmp_path):
    # Two feeds planned into one file once ended in an unexplained "No such file or directory" at commit.
    publication = Publication.open(tmp_path)
    publication.stage("feed/a.xml", b"<feed/>")

    with pytest.raises(OutputError, match="two feeds of this build would be written to this one file"):
        publication.stage("feed/a.xml", b"<feed>other</feed>")

    publication.abort()
    assert sorted(path.name for path in tmp_path.rglob("*") if path.is_file()) == []
