"""An EventSauce or Axon fold fetches only what it reads for every event (``fold_fields``):
position, version, the payload and (Axon, pre-1.0 EventSauce) the type column; not the ids, the
time or Axon's metadata. A projector asking an event's other fields (time, metadata, actor) gets
exactly the stored ones: of every event, of a few, of the replay's last event, and those of the
history it folded when another session rewrites events while the replay runs. The contract's
stores (every schema, bad rows included) and a stream of three fold batches, on every engine
each layout lives on (PostgreSQL; MariaDB, whose fold reads keyset pages inside one consistent
snapshot); Axon's large-object payloads keep reading every column."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

from inspector.core.events import Moment
from inspector.replay import replay
from inspector.replay.projectors import FunctionProjector
from inspector.stores import open_store
from inspector.stores.sql import FOLD_BATCH

from . import test_axon as axon
from . import test_eventsauce as eventsauce
from .servers import scratch_database
from .test_eventsauce_and_axon_folds_decode_only_the_payload import BUILDERS, _streams

#: the short fold's columns, by builder (None: a fold reads every column)
SHORT = {
    "eventsauce-pre-1.0-mariadb": ["position", "version", "payload", "type_column"],
    "axon-large-objects-postgres": None,
    "axon-jdbc-postgres": ["position", "version", "type", "payload"],
    "axon-jdbc-mariadb": ["position", "version", "type", "payload"],
}


@pytest.fixture(scope="module", params=BUILDERS, ids=[b[0] for b in BUILDERS])
def built(request, tmp_path_factory):
    key, module, name = request.param
    result = getattr(module, name)().build(request, tmp_path_factory.mktemp(name.lower()))
    result.key = key
    try:
        yield result
    finally:
        result.store.close()
        if result.cleanup is not None:
            result.cleanup()


def _recording(seen: list[tuple], read: Any = lambda version: True, position: bool = False) -> FunctionProjector:
    """A projector recording (version, type, time, metadata, actor, data[, position]) of the events ``read(version)`` picks."""
    def fold(state: Any, event: Any) -> Any:
        if read(event.version):
            seen.append(_fields(event) + ((event.position,) if position else ()))
        state["n"] = state.get("n", 0) + 1
        return state

    return FunctionProjector(fold, ("*",), f"recording {id(seen)}", None)


def _fields(event: Any) -> tuple:
    return (event.version, event.type, event.recorded_at, event.metadata, event.actor, event.data)


def test_a_fold_reads_the_other_fields_only_when_asked_and_gets_the_stored_ones(built):
    store = built.store
    short = store._short_fold()
    expected_short = SHORT.get(built.key, ["position", "version", "payload"])
    if expected_short is None:
        assert short is None
    else:  # on MariaDB too: its fold reads keyset pages in one snapshot, the connection free between them
        assert short is not None and short[1] == expected_short
    for stream in _streams(built):
        # by (version, position): a stream with one version twice is read with both
        stored = {(event.version, event.position): event for event in store.read_stream(stream)
                  if event.version is not None}
        seen: list[tuple] = []
        result = replay(store, stream, projectors=_recording(seen, position=True), cache=None,
                        use_store_snapshots=False)
        assert result.events_applied == len(seen) == len(stored), stream
        assert seen == [(*_fields(stored[key]), key[1]) for key in sorted(stored)], stream
        if result.last_event is not None:
            assert result.last_event == stored[max(stored)], stream


# --- a stream of three fold batches, and another session writing ------------------------------------
STREAM = str(uuid.uuid5(uuid.NAMESPACE_URL, "fold-fields/ledger-7"))
OTHER = str(uuid.uuid5(uuid.NAMESPACE_URL, "fold-fields/ledger-8"))
EVENTS = 2 * FOLD_BATCH + 321  # three batches of the fold's read
START = datetime(2030, 5, 1, 8, 0, tzinfo=timezone.utc)


def _at(version: int) -> datetime:
    return START + timedelta(seconds=7 * version, microseconds=version)


def _eventsauce_row(stream: str, version: int) -> dict[str, Any]:
    """A message as ``DoctrineMessageRepository`` writes it (ids as text here; the table's id form by ``_id``)."""
    headers = {"__event_type": f"ledger.events.posted{version % 3}",
               "__time_of_recording": _at(version).strftime("%Y-%m-%d %H:%M:%S.%f") + "+0000",
               "__aggregate_root_type": "ledger.account", "actor": f"clerk{version % 13}", "correlation": f"c{version}"}
    return {"event_id": _event_id(stream, version), "aggregate_root_id": stream, "version": version,
            "payload": json.dumps({"headers": headers, "payload": {"amount": version % 11, "n": version}})}


def _axon_row(stream: str, version: int) -> dict[str, Any]:
    """An event as Axon's JDBC engine writes it with Jackson (sequence numbers from 0)."""
    return {"aggregateIdentifier": stream, "sequenceNumber": version - 1, "type": "Ledger",
            "eventIdentifier": _event_id(stream, version),
            "metaData": json.dumps({"traceId": f"t{version // 5}", "correlationId": f"m{version}",
                                    "userId": f"clerk{version % 13}"}).encode(),
            "payload": json.dumps({"amount": version % 11, "n": version}).encode(),
            "payloadType": f"com.acme.ledger.Posted{version % 3}",
            "timeStamp": _at(version).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}


def _event_id(stream: str, version: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"fold-fields/{stream}/{version}"))


class _Ledger:
    """The stream's table on one engine, as the layout's DDL makes it, and a writer on it."""

    def __init__(self, layout: str, engine: str, writer: sa.Engine) -> None:
        self.layout, self.engine, self.writer = layout, engine, writer
        if layout == "eventsauce":
            ddl = eventsauce.EVENTSAUCE_PG_DDL if engine == "postgresql" else eventsauce.EVENTSAUCE_MYSQL_DDL
            self.names, name = list(_eventsauce_row(STREAM, 1)), eventsauce.TABLE
        else:
            ddl = axon.JDBC_DDL.format(serial="BIGSERIAL" if engine == "postgresql" else "BIGINT AUTO_INCREMENT",
                                       blob="bytea" if engine == "postgresql" else "blob")
            self.names, name = list(_axon_row(STREAM, 1)), "DomainEventEntry"
        fold = str.lower if engine == "postgresql" else str  # PostgreSQL folds the unquoted names
        self.table = sa.table(fold(name), *(sa.column(fold(column)) for column in self.names))
        self.fold = fold
        with writer.begin() as conn:
            axon._ddl(conn, ddl)
            conn.execute(self.table.insert(), [self.stored(self.row(stream, version)) for version in range(1, EVENTS + 1)
                                               for stream in ((STREAM, OTHER) if version % 7 == 0 else (STREAM,))])

    def row(self, stream: str, version: int) -> dict[str, Any]:
        return _eventsauce_row(stream, version) if self.layout == "eventsauce" else _axon_row(stream, version)

    def stored(self, row: dict[str, Any]) -> dict[str, Any]:
        """The row's values as the table keeps them: EventSauce's ids as uuid (PostgreSQL) or 16 bytes."""
        if self.layout == "eventsauce":
            row = {**row, **{key: self._id(row[key]) for key in ("event_id", "aggregate_root_id") if key in row}}
        return {self.fold(key): value for key, value in row.items()}

    def _id(self, text: str) -> Any:
        return uuid.UUID(text) if self.engine == "postgresql" else uuid.UUID(text).bytes

    def rewrite(self, version: int, **values: Any) -> None:
        """Another session sets ``values`` (as ``row`` names them) on the stream's event of this 1-based version."""
        c = self.table.c
        if self.layout == "eventsauce":
            where = (c.aggregate_root_id == self._id(STREAM), c.version == version)
        else:
            where = (c[self.fold("aggregateIdentifier")] == STREAM, c[self.fold("sequenceNumber")] == version - 1)
        with self.writer.begin() as conn:
            conn.execute(self.table.update().where(*where)
                         .values(**self.stored(values)))


@pytest.fixture(scope="module", params=["eventsauce-postgresql", "eventsauce-mariadb", "axon-postgresql",
                                        "axon-mariadb"])
def ledger(request) -> Iterator[tuple[Any, _Ledger]]:
    """(the store, its table with a writer) of one layout on one engine."""
    layout, engine = request.param.split("-")
    db = scratch_database(request.getfixturevalue("postgres_url" if engine == "postgresql" else "mysql_url"), "foldf")
    table = _Ledger(layout, engine, db.writer)
    store = open_store(db.url)
    yield store, table
    store.close()
    db.drop()


def _stored(store: Any) -> dict[int, Any]:
    return {event.version: event for event in store.read_stream(STREAM)}


def _versions(store: Any) -> range:
    first = 0 if store.layout.name == "axon" else 1
    return range(first, first + EVENTS)


def test_a_projector_reading_every_event_s_other_fields_gets_the_stored_ones(ledger):
    store, _table = ledger
    assert store._short_fold() is not None
    stored = _stored(store)
    seen: list[tuple] = []
    result = replay(store, STREAM, projectors=_recording(seen), cache=None, use_store_snapshots=False)
    assert result.events_applied == EVENTS
    assert seen == [_fields(stored[version]) for version in _versions(store)]
    twentieth = stored[_versions(store)[20]]
    assert twentieth.actor == "clerk8" and twentieth.recorded_at == _at(21)
    assert twentieth.metadata["event_id"] == _event_id(STREAM, 21)


def test_a_projector_reading_them_of_a_few_events_gets_the_stored_ones(ledger):
    store, _table = ledger
    stored = _stored(store)
    versions = _versions(store)
    picked = {versions[i] for i in (0, 1, 700, FOLD_BATCH - 1, FOLD_BATCH, EVENTS - 2)}
    seen: list[tuple] = []
    result = replay(store, STREAM, projectors=_recording(seen, picked.__contains__), cache=None,
                    use_store_snapshots=False)
    assert result.events_applied == EVENTS
    assert seen == [_fields(stored[version]) for version in sorted(picked)]


def test_the_replay_s_last_event_has_its_stored_fields(ledger):
    store, _table = ledger
    stored = _stored(store)
    versions = _versions(store)
    for upto in (None, versions[FOLD_BATCH - 1], versions[FOLD_BATCH], versions[-5]):
        result = replay(store, STREAM, at=Moment(version=upto) if upto is not None else None,
                        projectors=_recording([], lambda version: False), cache=None, use_store_snapshots=False)
        last = stored[versions[-1] if upto is None else upto]
        assert result.last_event == last, upto
        assert result.recorded_at == last.recorded_at and last.actor is not None


def test_the_fields_read_mid_replay_are_those_of_the_history_folded(ledger):
    """Another session rewrites an event of a batch not fetched yet (its event id, and Axon's time and
    metadata) and, near the end, the last event: the projector and the replay's result still
    show them as they were when the replay began, as the payloads folded are."""
    store, table = ledger
    stored = _stored(store)
    versions = _versions(store)
    target, last = versions[FOLD_BATCH + 40], versions[-1]
    rewrites = {versions[4]: target, versions[-10]: last}  # at this version, rewrite that one
    first = versions[0]

    def values(version: int, rewritten: bool) -> dict[str, Any]:
        """The on-demand fields of the event at ``version`` (as the store shows it) as written, or rewritten."""
        row = table.row(STREAM, version - first + 1)
        if table.layout == "eventsauce":
            return {"event_id": str(uuid.uuid4()) if rewritten else row["event_id"]}
        if rewritten:
            return {"eventIdentifier": str(uuid.uuid4()), "metaData": b'{"userId": "someone else"}',
                    "timeStamp": "2031-01-01T00:00:00.000Z"}
        return {key: row[key] for key in ("eventIdentifier", "metaData", "timeStamp")}

    def rewrite(version: int, rewritten: bool) -> None:
        table.rewrite(version - first + 1, **values(version, rewritten))

    def read(version: int) -> bool:
        if version in rewrites:
            rewrite(rewrites[version], True)
        return version in (versions[4], target)

    seen: list[tuple] = []
    try:
        result = replay(store, STREAM, projectors=_recording(seen, read), cache=None, use_store_snapshots=False)
        assert result.events_applied == EVENTS
        assert seen == [_fields(stored[versions[4]]), _fields(stored[target])]
        assert result.last_event == stored[last]
    finally:
        for version in rewrites.values():
            rewrite(version, False)
    now = _stored(store)
    assert now[target] == stored[target] and now[last] == stored[last]
