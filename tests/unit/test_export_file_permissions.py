"""Exports can carry production data: every export file, in every format, is private to its
owner (mode 0600) whatever the umask, also when it replaces an existing file."""

from __future__ import annotations

import os
import stat

import pytest

from inspector.export import PRIVATE_MODE, Slice, export
from inspector.stores import open_store


@pytest.fixture
def demo(demo_store_path):
    store = open_store(str(demo_store_path))
    yield store
    store.close()


@pytest.fixture(params=[0o022, 0o002, 0o000], ids=["umask-022", "umask-002", "umask-000"])
def umask(request):
    before = os.umask(request.param)
    yield request.param
    os.umask(before)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("fmt, name", [
    ("jsonl", "slice.jsonl"), ("jsonl", "slice.jsonl.gz"), ("csv", "audit.csv"), ("csv", "audit.csv.gz"),
    ("html", "audit.html"), ("sqlite", "copy.db"), ("pytest", "test_wallet.py"),
])
def test_every_export_format_is_written_readable_by_its_owner_only(demo, demo_planted, umask, tmp_path, fmt, name):
    stream, _ = demo_planted.negative_wallet
    target = tmp_path / name
    result = export(demo, fmt, target, part=Slice(stream=stream))
    assert result.events > 0
    assert _mode(target) == PRIVATE_MODE == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary file left beside it


def test_an_export_that_replaces_a_shared_file_leaves_it_private(demo, demo_planted, tmp_path):
    stream, _ = demo_planted.negative_wallet
    for fmt, name in (("sqlite", "copy.db"), ("csv", "audit.csv")):
        target = tmp_path / name
        target.write_bytes(b"")
        os.chmod(target, 0o644)
        export(demo, fmt, target, part=Slice(stream=stream))
        assert _mode(target) == 0o600
