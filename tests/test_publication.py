"""The output folder's bookkeeping (publish/output.py) on its own."""

from __future__ import annotations

import pytest

from feedpub.publish.folder import OutputError
from feedpub.publish.manifest import digest
from feedpub.publish.output import Publication, stage_file


def test_a_file_staged_twice_is_refused_before_anything_is_published(tmp_path):
    # Two feeds planned into one file once ended in an unexplained "No such file or directory" at commit.
    publication = Publication.open(tmp_path)
    publication.stage("feed/a.xml", b"<feed/>")

    with pytest.raises(OutputError, match="two feeds of this build would be written to this one file"):
        publication.stage("feed/a.xml", b"<feed>other</feed>")

    publication.abort()
    assert sorted(path.name for path in tmp_path.rglob("*") if path.is_file()) == []


@pytest.mark.parametrize("first", ["staged here", "reserved for a worker"])
def test_a_file_reserved_twice_is_refused(tmp_path, first):
    publication = Publication.open(tmp_path)
    if first == "staged here":
        publication.stage("feed/a.xml", b"<feed/>")
    else:
        publication.reserve("feed/a.xml")

    with pytest.raises(OutputError, match="two feeds of this build would be written to this one file"):
        publication.reserve("feed/a.xml")

    publication.abort()
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_files_staged_by_workers_are_committed_and_abort_removes_those_not_reported_yet(tmp_path):
    publication = Publication.open(tmp_path)
    temp, target = publication.reserve("tags/x/atom.xml")
    assert stage_file(temp, target, b"<feed>x</feed>")  # as a worker does
    publication.staged_elsewhere("tags/x/atom.xml", digest(b"<feed>x</feed>"), written=True)

    written, _ = publication.commit(delete_stale=True)

    assert written == ["tags/x/atom.xml"] and target.read_bytes() == b"<feed>x</feed>"
    assert Publication.open(tmp_path).previous == {"tags/x/atom.xml": digest(b"<feed>x</feed>")}

    again = Publication.open(tmp_path)
    temp, target = again.reserve("tags/x/atom.xml")
    assert not stage_file(temp, target, b"<feed>x</feed>")  # the file holds these bytes already: nothing written
    other, other_target = again.reserve("tags/y/atom.xml")
    stage_file(other, other_target, b"<feed>y</feed>")  # written, but the build stops before the worker says so
    again.abort()
    assert not temp.exists() and not other.exists()
    assert target.read_bytes() == b"<feed>x</feed>" and not other_target.exists()
