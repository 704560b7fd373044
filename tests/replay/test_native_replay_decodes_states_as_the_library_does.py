"""Native replay decodes the library's stored states as its own ``JSONTranscoder`` does.

The usual state is read with orjson and its transcoded fields (times, decimals, UUIDs:
``{"_type_": name, "_data_": ...}`` at the top level) decoded by the registered
transcodings, the fields remembered per topic and number of ``"_type_"``; every other
state is the library's to decode. Either way the value (every type, every key in its order)
or the error must be the library's own: on a run of odd states met after a plan was learnt,
and on stores the library wrote (SQLite and PostgreSQL), some states compressed by hand,
where the aggregate at every version equals ``repository.get(id, version=N)``.
"""

from __future__ import annotations

import sys
import textwrap
import uuid
import zlib
from typing import Any, Callable

import pytest
import sqlalchemy as sa

pytest.importorskip("eventsourcing")

from eventsourcing.application import Application  # noqa: E402
from eventsourcing.persistence import JSONTranscoder  # noqa: E402

from inspector.core.events import Moment  # noqa: E402
from inspector.replay import load_projectors, replay  # noqa: E402
from inspector.replay.native import NativeEventsourcingProjector  # noqa: E402
from inspector.stores import open_store  # noqa: E402
from tests.stores.servers import eventsourcing_postgres_env, scratch_database  # noqa: E402

HEX = "a554f530bc3249d2aace5125814677b7"
TS = '"timestamp":{"_type_":"datetime_iso","_data_":"2026-01-01T10:00:00.000001+00:00"}'


def w(name: str, data: str) -> str:
    return f'{{"_type_":"{name}","_data_":"{data}"}}'


AMOUNT = f'"amount":{w("decimal_str", "12.50")}'
STATES = [
    s.encode() if isinstance(s, str) else s
    for s in [
        f'{{{TS},"owner":"ada"}}',
        f'{{{TS},{AMOUNT},"n":1}}',
        f'{{{TS},{AMOUNT},"n":2}}',
        f'{{{AMOUNT},{TS},"n":3}}',  # the fields in another order
        f'{{{TS},"note":"_type_"}}',  # a "_type_" in a string
        f'{{{TS},{AMOUNT},"n":4}}',
        f'{{{TS},"refs":[{w("uuid_hex", HEX)},{w("uuid_hex", HEX)}]}}',  # wrappers in a list
        f'{{{TS},"ref":{w("uuid_hex", HEX)}}}',
        f'{{{TS},"ref":{w("uuid_hex", "zz")}}}',  # a UUID that does not decode: the library's error
        f'{{{TS},"ref":{w("no_such_type", "1")}}}',  # a name not registered: the library's error
        f'{{{TS},"ref":{{"_type_":5,"_data_":"1"}}}}',  # a name that is not text
        f'{{{TS},"ref":{{"_type_":["a"],"_data_":"1"}}}}',  # a name that cannot be looked up
        f'{{{TS},"ref":{{"_data_":"{HEX}","_type_":"uuid_hex"}}}}',  # the keys the other way round
        f'{{{TS},"ref":{{"_type_":"uuid_hex","_data_":"{HEX}","x":1}}}}',  # three keys: not a wrapper
        f'{{{TS},"ref":{w("decimal_str", "abc")}}}',
        f'{{{TS},"ref":{{"_type_":"decimal_str","_data_":{{"a":1}}}}}}',  # a decimal of an object
        f'{{{TS},{AMOUNT},"meta":{{"fee":{w("decimal_str", "0.1")}}}}}',  # a wrapper one level down
        w("decimal_str", "7.25"),  # the whole state a wrapper
        f'{{{TS},"amount":{{"\\u005ftype_":"decimal_str","_data_":"8"}}}}',  # a key spelt with escapes
        f'{{{TS},"lone":"\\ud800"}}',  # a lone surrogate: the json module reads it, orjson does not
        f'{{{TS},"big":{2**70},"neg":-{2**64}}}',  # integers no 64 bits hold
        f'{{{TS},"u64":18446744073709551615,"i64":-9223372036854775808}}',
        f'{{{TS},"float":0.1,"e":1E5,"negzero":-0.0,"zero":-0,"tiny":5e-324,"long":1.2345678901234567}}',
        f'{{{TS},"inf":1e400}}',
        f'{{{TS},"nan":NaN,"inf":Infinity}}',
        f'{{{TS},"dup":1,"dup":2,"x":3}}',
        f'{{{TS},"timestamp":{w("datetime_iso", "2027-01-01T00:00:00+00:00")}}}',  # the key twice
        f'{{{TS},"deep":{"[" * 250}{"]" * 250}}}',
        f'{{{TS},"deeper":{"[" * 5000}{"]" * 5000}}}',  # past the json module's recursion limit
        f'{{{TS},"when":{w("datetime_iso", "not a time")}}}',
        '{"a":1}',
        "[1, 2]",
        '"text"',
        b"{not json",
        b'{"bad utf-8":"\xff"}',
        f'{{{TS},{AMOUNT},"n":5}}',
        f'{{{TS},"ref":{w("uuid_hex", HEX)}}}',
    ]
]


def library_transcoder() -> JSONTranscoder:
    transcoder = JSONTranscoder()
    Application.register_transcodings(object.__new__(Application), transcoder)
    return transcoder


def outcome(decode: Callable[[bytes], Any], state: bytes) -> Any:
    try:
        return ("value", in_order(decode(state)))
    except (Exception, RecursionError) as exc:
        return ("error", type(exc).__name__, str(exc))


def in_order(value: Any) -> Any:
    """The value with every type kept and every object's keys in their order."""
    if isinstance(value, dict):
        return ["dict", [(key, in_order(item)) for key, item in value.items()]]
    if isinstance(value, list):
        return ["list", [in_order(item) for item in value]]
    return (type(value).__name__, repr(value))


def test_every_state_decodes_to_the_librarys_value_or_error():
    ours = NativeEventsourcingProjector().mapper.transcoder
    library = library_transcoder()
    for _ in range(2):  # again, with the field lists the first round learnt
        for state in STATES:
            assert outcome(ours.decode, state) == outcome(library.decode, state), state[:120]


def test_the_usual_states_are_not_read_by_the_json_module(monkeypatch):
    ours = NativeEventsourcingProjector().mapper.transcoder
    # two kinds of event with as many transcoded fields, one after the other: a plan for each topic
    usual = [
        (topic, STATES[i])
        for topic, i in (("Opened", 0), ("Booked", 1), ("Booked", 2), ("Booked", 3), ("Booked", 5), ("Moved", 7))
    ] * 3
    expected = [outcome(library_transcoder().decode, state) for _, state in usual]
    whole: list[bytes] = []
    real = JSONTranscoder.decode
    monkeypatch.setattr(JSONTranscoder, "decode", lambda self, data: whole.append(data) or real(self, data))
    got = []
    for topic, state in usual:
        ours.topic = f"ledger:Ledger.{topic}"  # as native replay tells it before each event
        got.append(outcome(ours.decode, state))
    assert got == expected
    assert whole == []


DOMAIN = """
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Ledger(Aggregate):
    @event("Opened")
    def __init__(self, owner: str, opened_at: datetime):
        self.owner = owner
        self.opened_at = opened_at
        self.total = Decimal("0")
        self.refs = []
        self.notes = []
        self.tags = []

    @event("Booked")
    def book(self, amount: Decimal, ref: UUID, note: str):
        self.total += amount
        self.refs.append(ref)
        self.notes.append(note)

    @event("Tagged")
    def tag(self, refs: list, meta: dict, count: int):
        self.tags.append([refs, meta, count])


class Books(Application):
    snapshotting_intervals = {Ledger: 10}
"""
EVENTS = 24


@pytest.fixture(params=["sqlite", "postgresql"])
def books(request, tmp_path, monkeypatch):
    """A ledger the library wrote (SQLite: ``stored_events``; PostgreSQL: ``books_events``), its
    aggregate at every version as the library rebuilds it, then every fifth state compressed."""
    from datetime import datetime, timezone
    from decimal import Decimal

    domain_dir = tmp_path / "domain"
    domain_dir.mkdir()
    module = f"ledger_domain_{uuid.uuid4().hex[:8]}"
    (domain_dir / f"{module}.py").write_text(textwrap.dedent(DOMAIN), encoding="utf-8")
    monkeypatch.syspath_prepend(str(domain_dir))
    domain = __import__(module)
    drop: Callable[[], None] = lambda: None  # noqa: E731
    if request.param == "sqlite":
        path = tmp_path / "books.db"
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
        target, table, writer = str(path), "stored_events", sa.create_engine(f"sqlite:///{path}")
    else:
        db = scratch_database(request.getfixturevalue("postgres_url"), "nativedecode")
        url = sa.engine.make_url(db.url)
        env = eventsourcing_postgres_env(url)
        target, table, writer, drop = db.url, "books_events", db.writer, db.drop
    app = domain.Books(env=env)
    ledger = domain.Ledger("ada", datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc))
    for i in range(2, EVENTS + 1):
        if i % 3 == 0:
            ledger.tag(
                [uuid.uuid5(uuid.NAMESPACE_URL, str(i)), uuid.uuid4()], {"fee": Decimal(i) / 7, "n": i}, 2**70 + i
            )
        else:
            ledger.book(Decimal(i) / 4, uuid.uuid5(uuid.NAMESPACE_URL, str(i)), "_type_" if i % 4 == 0 else f"n{i}")
        app.save(ledger)
    expected = {v: _state(app.repository.get(ledger.id, version=v)) for v in range(1, EVENTS + 1)}
    app.close()
    with writer.begin() as conn:
        rows = conn.execute(sa.text(f"SELECT originator_version, state FROM {table}")).all()
        for version, state in rows:
            if version % 5 == 0:
                conn.execute(
                    sa.text(f"UPDATE {table} SET state = :state WHERE originator_version = :version"),
                    {"state": zlib.compress(bytes(state)), "version": version},
                )
    writer.dispose()
    store = open_store(target)
    yield store, str(ledger.id), expected, str(domain_dir)
    store.close()
    drop()
    sys.modules.pop(module, None)


def _state(aggregate: Any) -> dict[str, Any]:
    return {key: value for key, value in vars(aggregate).items() if key != "_pending_events"}


def test_native_replay_is_the_librarys_aggregate_at_every_version(books):
    store, stream, expected, domain_dir = books
    native = load_projectors("native", path=domain_dir, store=store)
    for snapshots in (False, True):
        for version in range(1, EVENTS + 1):
            result = replay(store, stream, at=Moment(version=version), projectors=native, use_store_snapshots=snapshots)
            assert result.problem is None and result.version == version
            assert _state(result.raw_state) == expected[version], (version, snapshots)
