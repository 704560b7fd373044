"""``events --category C`` lists the events of exactly the streams ``streams --category C`` lists
('(none)': the streams without a category), in global order, a page at a time; ``export --category C``
writes exactly those streams' events in every format, and its JSON Lines and SQLite slices keep the
source's categories. On SQLite and PostgreSQL (the category told in SQL), on a store the eventsourcing
library wrote (the category told from the aggregate class, stream by stream) and on a JSON Lines slice.
A category the store does not have is an input error naming its categories, and an option the
command does not have is said as such, never read as a stream given as an argument."""

from __future__ import annotations

import csv
import json
from typing import Any

import pytest
import sqlalchemy as sa

from inspector.cli import main

from .servers import scratch_database
from .shop import Job, Shop, Wallet

#: (stream, its events); their positions go round the streams, so the categories interleave
STREAMS = {"wallet-1": 3, "job-1": 2, "-7": 2, "wallet-2": 2}
CATEGORIES = {"wallet-1": "wallet", "wallet-2": "wallet", "job-1": "job", "-7": ""}


def _write(engine: sa.Engine) -> None:
    metadata = sa.MetaData()
    events = sa.Table(
        "events", metadata,
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("stream", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Index("ix_events_stream_version", "stream", "version", unique=True),
    )
    metadata.create_all(engine)
    rows, position = [], 0
    for version in range(1, max(STREAMS.values()) + 1):
        for stream, count in STREAMS.items():
            if version <= count:
                position += 1
                rows.append({"position": position, "stream": stream, "version": version, "type": "Happened",
                             "data": json.dumps({"n": version})})
    with engine.begin() as conn:
        conn.execute(events.insert(), rows)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store_url(request, tmp_path_factory):
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("category") / "events.db"
        engine = sa.create_engine(f"sqlite:///{path}")
        _write(engine)
        engine.dispose()
        yield str(path)
        return
    db = scratch_database(request.getfixturevalue("postgres_url"), "evcat")
    try:
        _write(db.writer)
        yield db.url
    finally:
        db.drop()


def _events(capsys, store, *extra: str) -> Any:
    assert main(["events", str(store), "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def _of(category: str) -> list[str]:
    return [s for s, c in CATEGORIES.items() if (c or "(none)") == category]


@pytest.mark.parametrize("category", ["wallet", "(none)"])
def test_events_of_a_category_are_those_of_the_streams_it_lists(store_url, capsys, category):
    assert main(["streams", store_url, "--category", category, "--json"]) == 0
    listed = {s["stream"] for s in json.loads(capsys.readouterr().out)}
    assert listed == set(_of(category))

    events = _events(capsys, store_url, "--category", category)
    assert len(events) == sum(STREAMS[s] for s in listed)
    assert {e["stream"] for e in events} == listed
    positions = [e["position"] for e in events]
    assert positions == sorted(positions)  # global order


def test_events_of_a_category_continue_page_after_page(store_url, capsys):
    whole = [e["position"] for e in _events(capsys, store_url, "--category", "wallet")]
    seen: list[int] = []
    after: list[str] = []
    while True:
        page = _events(capsys, store_url, "--category", "wallet", "--limit", "2", "--page", *after)
        seen += [e["position"] for e in page["events"]]
        if not page["more"]:
            break
        after = ["--after", str(page["next_after"])]
    assert seen == whole and len(whole) == 5


def test_a_category_the_store_does_not_have_is_an_input_error(store_url, tmp_path, capsys):
    assert main(["events", store_url, "--category", "walet"]) == 1
    err = capsys.readouterr().err
    assert "--category walet: no stream of that category" in err and "did you mean 'wallet'?" in err
    assert main(["export", store_url, "--category", "walet", "--format", "jsonl", "-o",
                 str(tmp_path / "never.jsonl")]) == 1
    assert "no stream of that category" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # no file, not an empty one


def test_a_stream_outside_the_category_is_an_input_error_not_an_empty_answer(store_url, tmp_path, capsys):
    assert main(["events", store_url, "--category", "wallet", "--stream", "job-1"]) == 1
    assert "--stream job-1 is of category job, not wallet" in capsys.readouterr().err
    assert main(["export", store_url, "--category", "wallet", "--stream", "job-1", "--format", "csv", "-o",
                 str(tmp_path / "never.csv")]) == 1
    assert "--stream job-1 is of category job, not wallet" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # no file, not an empty one
    assert [e["stream"] for e in _events(capsys, store_url, "--category", "(none)", "--stream", "-7")] == ["-7", "-7"]
    assert [e["version"] for e in _events(capsys, store_url, "--category", "wallet", "--stream", "wallet-2")] == [1, 2]


@pytest.mark.parametrize("fmt", ["jsonl", "sqlite", "csv", "html"])
def test_export_of_a_category_writes_exactly_its_streams(store_url, tmp_path, capsys, fmt):
    target = tmp_path / f"wallets.{fmt if fmt != 'sqlite' else 'db'}"
    assert main(["export", store_url, "--category", "wallet", "--format", fmt, "-o", str(target), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["events"] == 5
    if fmt == "csv":
        with target.open(newline="", encoding="utf-8") as handle:
            assert sorted({row["stream"] for row in csv.DictReader(handle)}) == _of("wallet")
        return
    if fmt == "html":
        text = target.read_text(encoding="utf-8")
        assert all(s in text for s in _of("wallet")) and "job-1" not in text
        return
    assert main(["streams", str(target), "--json"]) == 0
    reopened = json.loads(capsys.readouterr().out)
    assert {s["stream"]: (s["category"], s["count"]) for s in reopened} == {
        s: ("wallet", STREAMS[s]) for s in _of("wallet")}


def test_a_slice_of_the_streams_without_a_category_reads_back_as_such(store_url, tmp_path, capsys):
    target = tmp_path / "none.jsonl"
    assert main(["export", store_url, "--category", "(none)", "--format", "jsonl", "-o", str(target)]) == 0
    capsys.readouterr()
    assert [e["stream"] for e in _events(capsys, target, "--category", "(none)")] == ["-7", "-7"]
    assert main(["events", str(target), "--category", "wallet"]) == 1  # the slice holds no wallet
    capsys.readouterr()


@pytest.fixture(scope="module")
def library_store(tmp_path_factory):
    """Two wallets and a job the eventsourcing library wrote (their category is the aggregate class)."""
    path = tmp_path_factory.mktemp("library") / "market.db"
    app = Shop(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})
    ada, bob = Wallet("ada", actor="ada"), Wallet("bob", actor="bob")
    ada.grant(5, actor="ada")
    job = Job("fix the roof", 300, actor="ada")
    bob.grant(7, actor="bob")
    app.save(ada, job, bob)
    app.close()
    return path, sorted([str(ada.id), str(bob.id)]), str(job.id)


def test_a_category_told_by_the_aggregate_class_selects_its_streams(library_store, tmp_path, capsys):
    source, wallets, job = library_store
    events = _events(capsys, source, "--category", "Wallet")
    assert sorted({e["stream"] for e in events}) == wallets and len(events) == 4
    assert [e["stream"] for e in _events(capsys, source, "--category", "Job")] == [job]

    for fmt, name in (("jsonl", "wallets.jsonl"), ("sqlite", "wallets.db")):
        target = tmp_path / name
        assert main(["export", str(source), "--category", "Wallet", "--format", fmt, "-o", str(target)]) == 0
        capsys.readouterr()
        assert main(["streams", str(target), "--json"]) == 0
        assert {s["stream"]: s["category"] for s in json.loads(capsys.readouterr().out)} == {
            w: "Wallet" for w in wallets}  # the slice keeps the source's category
        assert sorted({e["stream"] for e in _events(capsys, target, "--category", "Wallet")}) == wallets


def test_an_option_the_command_does_not_have_is_not_read_as_a_stream(store_url, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["events", store_url, "--categry", "(none)"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert "unrecognized arguments: --categry (none)" in err and "takes the stream as" not in err
