"""Exports never damage data: not the store (a .jsonl.gz included), not a FIFO, a link or a
device; a .gz name is written compressed; reading .jsonl.gz files is bounded and leaves no debris."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

import pytest

from inspector.cli import main
from inspector.export import export
from inspector.stores import StoreError, jsonl, open_store


def _events(count: int = 3) -> bytes:
    return b"".join(json.dumps({"position": n, "stream": "order-1", "version": n, "type": "Paid",
                                "recorded_at": "2024-01-01T00:00:00Z", "data": {"n": n}}).encode() + b"\n"
                    for n in range(1, count + 1))


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "event-inspector" / "jsonl"


@pytest.fixture()
def gz_store(tmp_path) -> Path:
    path = tmp_path / "events.jsonl.gz"
    path.write_bytes(gzip.compress(_events()))
    return path


def test_exporting_a_jsonl_gz_store_onto_its_own_path_is_refused(gz_store, capsys):
    before = hashlib.sha256(gz_store.read_bytes()).hexdigest()
    code = main(["export", str(gz_store), "--format", "jsonl", "-o", str(gz_store)])
    assert code == 1 and "refusing to export onto the store itself" in capsys.readouterr().err
    assert hashlib.sha256(gz_store.read_bytes()).hexdigest() == before


def test_an_export_named_jsonl_gz_is_written_gzip_and_reopens(gz_store, tmp_path, capsys):
    target = tmp_path / "slice.jsonl.gz"
    assert main(["export", str(gz_store), "--format", "jsonl", "-o", str(target)]) == 0
    assert target.read_bytes()[:2] == b"\x1f\x8b"
    reopened = open_store(str(target))
    assert [e.version for e in reopened.read_stream("order-1")] == [1, 2, 3]
    csv_target = tmp_path / "report.csv.gz"
    assert main(["export", str(gz_store), "--format", "csv", "-o", str(csv_target)]) == 0
    assert gzip.decompress(csv_target.read_bytes()).startswith(b"position,stream")
    assert main(["export", str(gz_store), "--format", "sqlite", "-o", str(tmp_path / "copy.db.gz")]) == 1
    assert "cannot be gzip-compressed" in capsys.readouterr().err


def test_an_export_refuses_a_fifo_a_symbolic_link_and_a_device(gz_store, tmp_path):
    store = open_store(str(gz_store))
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(StoreError, match="it is a FIFO"):
        export(store, "jsonl", fifo)
    assert fifo.is_fifo()
    elsewhere = tmp_path / "elsewhere.jsonl"
    elsewhere.write_text("kept\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(elsewhere)
    with pytest.raises(StoreError, match="symbolic link"):
        export(store, "jsonl", link)
    assert link.is_symlink() and elsewhere.read_text() == "kept\n"
    with pytest.raises(StoreError, match="it is a device"):
        export(store, "jsonl", Path("/dev/null"))
    assert not any(p.name.endswith(".part") for p in tmp_path.iterdir())


def test_a_compression_bomb_is_refused_quickly_and_leaves_nothing(tmp_path, cache, monkeypatch, capsys):
    monkeypatch.setattr(jsonl, "MIN_INFLATED_LIMIT", 1024 * 1024)
    bomb = tmp_path / "bomb.jsonl.gz"
    bomb.write_bytes(gzip.compress(b"\n" * (64 * 1024 * 1024), 9))  # ~64 KB that inflates 1,000 times
    assert main(["info", str(bomb)]) == 1
    assert "refused (a compression bomb?)" in capsys.readouterr().err
    assert not list(cache.glob("*"))


def test_an_interrupted_decompression_leaves_no_partial_file(gz_store, cache, monkeypatch):
    def interrupted(self, size=-1):  # noqa: ANN001
        raise KeyboardInterrupt

    monkeypatch.setattr(gzip.GzipFile, "read", interrupted)
    with pytest.raises(KeyboardInterrupt):
        open_store(str(gz_store))
    assert not list(cache.glob("*.partial"))


def test_a_killed_decompressions_leftover_is_removed_by_the_next(gz_store, cache):
    cache.mkdir(parents=True)
    leftover = cache / "0123456789abcdef01234567.999999999.partial"  # no such process
    leftover.write_bytes(b"half")
    open_store(str(gz_store))
    assert not leftover.exists()


def test_the_decompressed_copies_are_bounded(tmp_path, cache, monkeypatch):
    monkeypatch.setattr(jsonl, "CACHE_COPIES", 2)
    for number in range(4):
        path = tmp_path / f"part{number}.jsonl.gz"
        path.write_bytes(gzip.compress(_events(number + 1)))
        assert len(list(open_store(str(path)).read_all())) == number + 1
    assert len(list(cache.glob("*.jsonl"))) == 2
