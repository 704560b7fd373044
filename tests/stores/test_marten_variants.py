"""Marten schema variants users run, on PostgreSQL, built from Marten's own DDL with rows as Marten writes them.

* conjoined tenancy (``(tenant_id, stream_id)`` is the stream) with the same uuid stream id in
  several tenants: each tenant's stream is its own stream, named ``<tenant>/<stream id>``;
* conjoined tenancy on Marten 9.x with string ids (``StreamIdentity.AsString``), ids holding ``/``;
* v2/v3: ``integer`` versions and ``timestamp without time zone`` times (UTC);
* v8 single-tenant with archived streams (``is_archived``): plain names, archived events shown and flagged.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timedelta, timezone

import orjson
import pytest
import sqlalchemy as sa

from inspector.cli import main
from inspector.core.events import Moment
from inspector.replay import load_projectors, replay
from inspector.stores import EventFilter, open_store
from inspector.stores.layouts.marten import split_tenant_stream_name, tenant_stream_name

from .servers import scratch_database

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
SHARED = str(uuid.uuid5(uuid.NAMESPACE_URL, "marten/shared-wallet"))
ACME_JOB = str(uuid.uuid5(uuid.NAMESPACE_URL, "marten/acme-job"))

#: Marten 8 under ``Policies.AllDocumentsAreMultiTenanted()`` / ``Events.TenancyStyle = Conjoined``:
#: mt_streams keyed by (tenant_id, id), the stream index on (tenant_id, stream_id, version).
CONJOINED_V8_DDL = """
CREATE SEQUENCE mt_events_sequence;
CREATE TABLE mt_streams (
  tenant_id varchar NOT NULL DEFAULT '*DEFAULT*',
  id {id_type} NOT NULL,
  type varchar NULL,
  version bigint NULL,
  timestamp timestamptz NOT NULL DEFAULT (now()),
  {snapshot}
  created timestamptz NOT NULL DEFAULT (now()),
  is_archived bool DEFAULT FALSE,
  CONSTRAINT pkey_mt_streams_tenant_id_id PRIMARY KEY (tenant_id, id));
CREATE TABLE mt_events (
  seq_id bigint NOT NULL PRIMARY KEY,
  id uuid NOT NULL,
  stream_id {id_type},
  version bigint NOT NULL,
  data jsonb NOT NULL,
  {bdata}
  type varchar(500) NOT NULL,
  timestamp timestamp with time zone NOT NULL DEFAULT (now()),
  tenant_id varchar DEFAULT '*DEFAULT*',
  mt_dotnet_type varchar NULL,
  {metadata}
  is_archived bool DEFAULT FALSE,
  CONSTRAINT fkey_mt_events_tenant_id_stream_id FOREIGN KEY (tenant_id, stream_id)
    REFERENCES mt_streams (tenant_id, id) ON DELETE CASCADE);
CREATE UNIQUE INDEX pk_mt_events_stream_and_version ON mt_events (tenant_id, stream_id, version);
CREATE INDEX idx_mt_events_event_type_seq_id ON mt_events (type, seq_id)
"""

#: Marten 2.x/3.x: integer versions, zone-less timestamps, no archiving or opt-in metadata columns.
OLD_V3_DDL = """
CREATE SEQUENCE mt_events_sequence;
CREATE TABLE mt_streams (
  id uuid CONSTRAINT pk_mt_streams PRIMARY KEY,
  type varchar(100) NULL,
  version integer NOT NULL,
  timestamp timestamp without time zone DEFAULT (now()) NOT NULL,
  snapshot jsonb, snapshot_version integer,
  created timestamp without time zone DEFAULT (now()) NOT NULL,
  tenant_id varchar DEFAULT '*DEFAULT*');
CREATE TABLE mt_events (
  seq_id bigint CONSTRAINT pk_mt_events PRIMARY KEY,
  id uuid NOT NULL,
  stream_id uuid REFERENCES mt_streams ON DELETE CASCADE,
  version integer NOT NULL,
  data jsonb NOT NULL,
  type varchar(100) NOT NULL,
  timestamp timestamp without time zone DEFAULT (now()) NOT NULL,
  tenant_id varchar DEFAULT '*DEFAULT*',
  mt_dotnet_type varchar NULL,
  CONSTRAINT pk_mt_events_stream_and_version UNIQUE (stream_id, version),
  CONSTRAINT pk_mt_events_id_unique UNIQUE (id))
"""

WALLET_PROJECTOR = (
    "from inspector.replay import projector\n\n\n"
    "@projector('*')\n"
    "def wallet(state, event):\n"
    "    if event.type == 'wallet_opened':\n"
    "        state['owner'] = event.data['owner']\n"
    "    elif event.type == 'credits_granted':\n"
    "        state['credits'] = state.get('credits', 0) + event.data['amount']\n"
    "    elif event.type == 'credits_spent':\n"
    "        state['credits'] = state.get('credits', 0) - event.data['amount']\n"
    "    return state\n"
)


def _ddl(conn: sa.Connection, ddl: str) -> None:
    for statement in ddl.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


def _append(conn: sa.Connection, tenant: str | None, stream: str, version: int, kind: str, data: dict,
            at: datetime, **extra) -> None:
    """One event as Marten appends it: seq_id from the sequence."""
    columns = ["seq_id", "id", "tenant_id", "stream_id", "version", "data", "type", "timestamp", *extra]
    values = [uuid.uuid4(), tenant, stream, version, orjson.dumps(data).decode(), kind, at, *extra.values()]
    conn.exec_driver_sql(
        f"INSERT INTO mt_events ({', '.join(columns)}) "
        f"VALUES (nextval('mt_events_sequence'), {', '.join(['%s'] * len(values))})", tuple(values))


def _stream_row(conn: sa.Connection, tenant: str | None, stream: str, kind: str, version: int, **extra) -> None:
    columns = ["tenant_id", "id", "type", "version", *extra]
    values = [tenant, stream, kind, version, *extra.values()]
    conn.exec_driver_sql(f"INSERT INTO mt_streams ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(values))})",
                         tuple(values))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- the name form ------------------------------------------------------------------------
@pytest.mark.parametrize("tenant, stream_id, shown", [
    ("acme", SHARED, f"acme/{SHARED}"),
    ("eu/west", "order-1", "eu%2Fwest/order-1"),
    ("100%", "orders/2024/7", "100%25/orders/2024/7"),
    (None, "order-1", "%00/order-1"),
    ("%00", "order-1", "%2500/order-1"),
    ("*DEFAULT*", "a/b", "*DEFAULT*/a/b"),
])
def test_a_tenant_qualified_name_reads_back_as_its_tenant_and_stream_id(tenant, stream_id, shown):
    assert tenant_stream_name(tenant, stream_id) == shown
    assert split_tenant_stream_name(shown) == (tenant, stream_id)


@pytest.mark.parametrize("name", ["no-tenant-part", "eu%2fwest/order-1", "50%/order-1", "a%41/x"])
def test_a_name_not_written_in_the_tenant_form_names_no_stream(name):
    with pytest.raises(ValueError):
        split_tenant_stream_name(name)


# --- conjoined tenancy, uuid ids, the same stream id in several tenants ----------------------
class TestConjoinedTenantsWithTheSameStreamId:
    """Tenants ``acme``, ``globex`` and ``eu/west`` each own a stream with id ``SHARED``, same versions."""

    @pytest.fixture(scope="class")
    @classmethod
    def db(cls, postgres_url):
        db = scratch_database(postgres_url, "martenten")
        snapshot = "snapshot jsonb, snapshot_version integer,"
        with db.writer.begin() as conn:
            _ddl(conn, CONJOINED_V8_DDL.format(id_type="uuid", snapshot=snapshot, bdata="",
                                               metadata="user_name varchar,"))
            _stream_row(conn, "acme", SHARED, "Wallet", 3, snapshot=orjson.dumps({"owner": "alice", "credits": 50})
                        .decode(), snapshot_version=2)
            _stream_row(conn, "globex", SHARED, "Account", 3)
            _stream_row(conn, "eu/west", SHARED, "Wallet", 1)
            _stream_row(conn, "acme", ACME_JOB, "Job", 1)
            # the two tenants' appends interleave in global order, at the same versions
            script = [
                ("acme", 1, "wallet_opened", {"owner": "alice"}),
                ("globex", 1, "wallet_opened", {"owner": "bruno"}),
                ("acme", 2, "credits_granted", {"amount": 50}),
                ("globex", 2, "credits_granted", {"amount": 5}),
                ("globex", 3, "credits_granted", {"amount": 7}),
                ("acme", 3, "credits_spent", {"amount": 20}),
                ("eu/west", 1, "wallet_opened", {"owner": "chen"}),
            ]
            for index, (tenant, version, kind, data) in enumerate(script):
                _append(conn, tenant, SHARED, version, kind, data, T0 + timedelta(hours=index),
                        user_name=f"{tenant}-clerk")
            _append(conn, "acme", ACME_JOB, 1, "job_posted", {"title": "Logo"}, T0 + timedelta(hours=10))
        yield db
        db.drop()

    @pytest.fixture(scope="class")
    @classmethod
    def store(cls, db):
        store = open_store(db.url)
        yield store
        store.close()

    @pytest.fixture(scope="class")
    @classmethod
    def projector_file(cls, tmp_path_factory):
        path = tmp_path_factory.mktemp("marten") / "wallet.py"
        path.write_text(WALLET_PROJECTOR, encoding="utf-8")
        return path

    def test_streams_lists_each_tenants_stream_under_its_tenant_qualified_name(self, store):
        listed = {s.stream: s for s in store.streams(limit=100)}
        assert list(listed) == [f"acme/{ACME_JOB}", f"acme/{SHARED}", f"eu%2Fwest/{SHARED}", f"globex/{SHARED}"]
        acme, globex = listed[f"acme/{SHARED}"], listed[f"globex/{SHARED}"]
        assert (acme.count, acme.first_version, acme.last_version) == (3, 1, 3)
        assert (globex.count, globex.first_version, globex.last_version) == (3, 1, 3)
        assert (acme.first_at, acme.last_at) == (T0, T0 + timedelta(hours=5))
        assert (globex.first_at, globex.last_at) == (T0 + timedelta(hours=1), T0 + timedelta(hours=4))
        assert store.describe().streams == 4

    def test_each_tenants_stream_has_the_category_of_its_own_mt_streams_row(self, store):
        listed = {s.stream: s.category for s in store.streams(limit=100)}
        assert listed[f"acme/{SHARED}"] == "Wallet" and listed[f"globex/{SHARED}"] == "Account"
        assert [s.stream for s in store.streams(category="Account")] == [f"globex/{SHARED}"]
        assert dict(store.categories()) == {"Account": 1, "Job": 1, "Wallet": 2}

    def test_listing_pages_by_tenant_then_stream_id(self, store):
        everything = [s.stream for s in store.streams(limit=100)]
        paged, after = [], None
        while page := store.streams(after=after, limit=1):
            paged.append(page[0].stream)
            after = page[0].stream
        assert paged == everything

    def test_a_pattern_matches_the_tenant_qualified_name(self, store):
        assert [s.stream for s in store.streams(match="globex/*")] == [f"globex/{SHARED}"]
        assert [s.stream for s in store.streams(match=SHARED)] == [
            f"acme/{SHARED}", f"eu%2Fwest/{SHARED}", f"globex/{SHARED}"]
        assert store.streams(match="GLOBEX/*") == []

    def test_reading_a_stream_gives_only_its_tenants_events(self, store):
        acme = list(store.read_stream(f"acme/{SHARED}"))
        globex = list(store.read_stream(f"globex/{SHARED}"))
        assert [(e.stream, e.version, e.type) for e in acme] == [
            (f"acme/{SHARED}", 1, "wallet_opened"), (f"acme/{SHARED}", 2, "credits_granted"),
            (f"acme/{SHARED}", 3, "credits_spent")]
        assert {e.metadata["tenant_id"] for e in acme} == {"acme"}
        assert [e.data for e in globex] == [{"owner": "bruno"}, {"amount": 5}, {"amount": 7}]
        assert {e.actor for e in globex} == {"globex-clerk"}
        assert [e.data for e in store.read_stream(f"eu%2Fwest/{SHARED}")] == [{"owner": "chen"}]
        assert [e.version for e in store.read_stream(f"globex/{SHARED}", from_version=2, to_version=2)] == [2]

    def test_names_that_are_not_a_tenant_and_a_stream_id_read_nothing(self, store):
        for name in (SHARED, f"nobody/{SHARED}", f"acme/{SHARED.upper()}", "acme/not-a-uuid", f"eu/west/{SHARED}"):
            assert list(store.read_stream(name)) == [], name
            assert store.read_all(filters=EventFilter(streams=(name,))) == [], name

    def test_read_all_filtered_by_one_stream_keeps_only_its_tenant(self, store):
        events = store.read_all(limit=100, filters=EventFilter(streams=(f"globex/{SHARED}",)))
        assert [(e.stream, e.version) for e in events] == [(f"globex/{SHARED}", v) for v in (1, 2, 3)]
        both = store.read_all(limit=100, filters=EventFilter(streams=(f"globex/{SHARED}", f"acme/{ACME_JOB}")))
        assert [e.stream for e in both] == [f"globex/{SHARED}"] * 3 + [f"acme/{ACME_JOB}"]
        everything = store.read_all(limit=100)
        assert len(everything) == 8 and len({e.stream for e in everything}) == 4

    def test_snapshots_belong_to_the_tenant_whose_stream_row_holds_them(self, store):
        (snapshot,) = store.snapshots(f"acme/{SHARED}")
        assert (snapshot.stream, snapshot.version, snapshot.state) == (f"acme/{SHARED}", 2,
                                                                         {"owner": "alice", "credits": 50})
        assert store.snapshots(f"globex/{SHARED}") == []

    def test_replay_folds_each_tenants_stream_on_its_own(self, store, projector_file):
        projectors = load_projectors(str(projector_file))
        acme = replay(store, f"acme/{SHARED}", projectors=projectors, use_store_snapshots=False)
        globex = replay(store, f"globex/{SHARED}", projectors=projectors)
        assert (acme.version, acme.state) == (3, {"owner": "alice", "credits": 30})
        assert (globex.version, globex.state) == (3, {"owner": "bruno", "credits": 12})
        with_snapshot = replay(store, f"acme/{SHARED}", projectors=projectors)
        assert with_snapshot.state == acme.state

    def test_replay_at_an_instant_counts_only_the_tenants_own_versions(self, store, projector_file):
        projectors = load_projectors(str(projector_file))
        # at T0+4h globex has written v3, acme only v2 (its v3 comes at T0+5h)
        at = Moment(at=T0 + timedelta(hours=4, minutes=30))
        acme = replay(store, f"acme/{SHARED}", at=at, projectors=projectors, use_store_snapshots=False)
        globex = replay(store, f"globex/{SHARED}", at=at, projectors=projectors)
        assert (acme.version, acme.state) == (2, {"owner": "alice", "credits": 50})
        assert (globex.version, globex.state) == (3, {"owner": "bruno", "credits": 12})

    def test_info_shows_the_tenant_column_and_the_name_form(self, store):
        info = store.describe()
        readings = {c.role: c for c in info.columns if c.column.startswith("public.mt_events.")}
        assert readings["tenant"].column == "public.mt_events.tenant_id" and readings["tenant"].sql_type.startswith("VARCHAR")
        assert "<tenant>/<stream id>" in readings["tenant"].reading
        assert readings["stream"].sql_type == "UUID"
        assert any("tenants" in note and "<tenant>/<stream id>" in note for note in info.notes)
        assert not [note for note in info.notes if "index" in note]

    # --- the same through the CLI ---------------------------------------------------------
    def test_cli_streams_lists_two_streams_for_one_id_in_two_tenants(self, db, capsys):
        code, out, _ = run(capsys, "streams", db.url, "--match", SHARED, "--json")
        assert code == 0
        rows = json.loads(out)
        assert [(r["stream"], r["category"]) for r in rows] == [
            (f"acme/{SHARED}", "Wallet"), (f"eu%2Fwest/{SHARED}", "Wallet"), (f"globex/{SHARED}", "Account")]

    def test_cli_events_of_a_tenant_qualified_stream_are_that_tenants_only(self, db, capsys):
        code, out, _ = run(capsys, "events", db.url, "--stream", f"globex/{SHARED}", "--json")
        assert code == 0
        events = json.loads(out)
        assert [(e["stream"], e["version"], e["data"]) for e in events] == [
            (f"globex/{SHARED}", 1, {"owner": "bruno"}), (f"globex/{SHARED}", 2, {"amount": 5}),
            (f"globex/{SHARED}", 3, {"amount": 7})]
        code, out, _ = run(capsys, "events", db.url, "--stream", f"acme/{SHARED}", "--type", "credits_spent", "--json")
        assert [(e["stream"], e["data"]) for e in json.loads(out)] == [(f"acme/{SHARED}", {"amount": 20})]

    def test_cli_replay_answers_each_tenants_state(self, db, capsys, projector_file):
        states = {}
        for tenant in ("acme", "globex"):
            code, out, err = run(capsys, "replay", db.url, "--stream", f"{tenant}/{SHARED}",
                                 "--projector", str(projector_file), "--no-cache", "--json")
            assert code == 0, err
            result = json.loads(out)
            assert result["stream"] == f"{tenant}/{SHARED}"
            states[tenant] = result["state"]
        assert states == {"acme": {"owner": "alice", "credits": 30}, "globex": {"owner": "bruno", "credits": 12}}

    def test_cli_info_json_lists_the_tenant_column(self, db, capsys):
        code, out, _ = run(capsys, "info", db.url, "--json")
        assert code == 0
        columns = {c["role"]: c for c in json.loads(out)["columns"]}
        assert columns["tenant"]["column"] == "public.mt_events.tenant_id"
        assert "<tenant>/<stream id>" in columns["tenant"]["reading"]


def test_reading_one_tenants_stream_uses_the_conjoined_stream_index(postgres_url):
    """On 50,000 rows of 20 tenants sharing 25 stream ids, reading and listing are ranges of
    (tenant_id, stream_id, version)."""
    db = scratch_database(postgres_url, "martenplan")
    try:
        with db.writer.begin() as conn:
            _ddl(conn, CONJOINED_V8_DDL.format(id_type="uuid", snapshot="", bdata="", metadata=""))
            conn.exec_driver_sql(
                "INSERT INTO mt_streams (tenant_id, id, type, version) "
                "SELECT 'tenant-' || t, md5('s' || s)::uuid, 'Wallet', 100 "
                "FROM generate_series(0, 19) AS t, generate_series(0, 24) AS s")
            conn.exec_driver_sql(
                "INSERT INTO mt_events (seq_id, id, tenant_id, stream_id, version, data, type, timestamp) "
                "SELECT nextval('mt_events_sequence'), gen_random_uuid(), 'tenant-' || mod(i, 20), "
                "md5('s' || mod(i / 20, 25))::uuid, i / 500 + 1, '{\"amount\": 1}', 'credits_granted', "
                "timestamptz '2024-06-01' + i * interval '1 second' FROM generate_series(0, 49999) AS i")
        with db.writer.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE mt_events")
        store = open_store(db.url)
        try:
            name = f"tenant-7/{uuid.UUID(hashlib.md5(b's3').hexdigest())}"
            assert [e.version for e in store.read_stream(name)] == list(range(1, 101))
            page = store.explain(store.stream_page_query(name, after_version=3, limit=1000))
            listing = store.explain(store.stream_listing_query(after=name, limit=50))
        finally:
            store.close()
    finally:
        db.drop()
    assert "pk_mt_events_stream_and_version" in page and "Seq Scan" not in page, page
    assert "pk_mt_events_stream_and_version" in listing and "Seq Scan on mt_events" not in listing, listing


# --- conjoined tenancy on 9.x with string stream ids ----------------------------------------
class TestConjoinedStringIdsOnMarten9:
    """``StreamIdentity.AsString``: ids such as ``order-1`` and ``orders/2024/7``; 9.x has no snapshot columns."""

    @pytest.fixture(scope="class")
    @classmethod
    def store(cls, postgres_url):
        db = scratch_database(postgres_url, "martens9")
        with db.writer.begin() as conn:
            _ddl(conn, CONJOINED_V8_DDL.format(id_type="varchar", snapshot="", bdata="bdata bytea NULL,",
                                               metadata="headers jsonb, is_skipped bool DEFAULT FALSE,"))
            for tenant, stream, kind in (("acme", "order-1", "Order"), ("globex", "order-1", "Order"),
                                         ("acme", "orders/2024/7", "Order")):
                _stream_row(conn, tenant, stream, kind, 2)
            at = T0
            for tenant, stream in (("acme", "order-1"), ("globex", "order-1"), ("acme", "orders/2024/7")):
                for version in (1, 2):
                    at += timedelta(minutes=10)
                    _append(conn, tenant, stream, version, "order_placed" if version == 1 else "order_shipped",
                            {"tenant": tenant, "n": version}, at,
                            headers=orjson.dumps({"user": f"{tenant}-bot"}).decode())
            # a binary event (bdata) in one tenant's stream
            _append(conn, "globex", "order-1", 3, "order_printed", {}, at + timedelta(minutes=1),
                    bdata=b'{"copies": 2}')
        store = open_store(db.url)
        yield store
        store.close()
        db.drop()

    def test_string_ids_are_listed_under_their_tenant(self, store):
        listed = {s.stream: s.count for s in store.streams(limit=100)}
        assert listed == {"acme/order-1": 2, "acme/orders/2024/7": 2, "globex/order-1": 3}
        assert [s.stream for s in store.streams(match="acme/order*")] == ["acme/order-1", "acme/orders/2024/7"]

    def test_a_stream_id_holding_slashes_reads_back_whole(self, store):
        events = list(store.read_stream("acme/orders/2024/7"))
        assert [(e.stream, e.version, e.data) for e in events] == [
            ("acme/orders/2024/7", 1, {"tenant": "acme", "n": 1}), ("acme/orders/2024/7", 2, {"tenant": "acme", "n": 2})]
        assert list(store.read_stream("acme/orders")) == []

    def test_each_tenants_order_has_its_own_events_and_actor(self, store):
        globex = list(store.read_stream("globex/order-1"))
        assert [e.version for e in globex] == [1, 2, 3]
        assert {e.actor for e in globex[:2]} == {"globex-bot"} and globex[2].data == {"copies": 2}
        assert {e.data["tenant"] for e in store.read_stream("acme/order-1")} == {"acme"}
        assert [e.stream for e in store.read_all(filters=EventFilter(actor="acme-bot"), limit=100)] == [
            "acme/order-1", "acme/order-1", "acme/orders/2024/7", "acme/orders/2024/7"]

    def test_9x_has_no_store_snapshots_and_info_says_how_bdata_is_read(self, store):
        assert store.snapshots("acme/order-1") == []
        info = store.describe()
        readings = {(c.role, c.column): c for c in info.columns}
        assert readings[("stream", "public.mt_events.stream_id")].sql_type == "VARCHAR"
        assert "raw" in readings[("data", "public.mt_events.bdata")].reading
        assert readings[("data", "public.mt_events.bdata")].sql_type == "BYTEA"
        assert not [c for c in info.columns if c.role == "snapshot"]


# --- v2/v3: integer versions, times without time zone -------------------------------------
class TestMartenV3IntegerVersionsAndZonelessTimes:
    @pytest.fixture(scope="class")
    @classmethod
    def store(cls, postgres_url):
        db = scratch_database(postgres_url, "marten3")
        with db.writer.begin() as conn:
            _ddl(conn, OLD_V3_DDL)
            conn.exec_driver_sql("INSERT INTO mt_streams (id, type, version, timestamp, created) "
                                 "VALUES (%s, 'Wallet', 3, %s, %s)",
                                 (SHARED, datetime(2019, 3, 1, 12), datetime(2019, 3, 1, 10)))
            for version, (kind, data, at) in enumerate([
                ("wallet_opened", {"owner": "alice"}, datetime(2019, 3, 1, 10, 0, 0, 123000)),
                ("credits_granted", {"amount": 50}, datetime(2019, 3, 1, 11, 0)),
                ("credits_spent", {"amount": 20}, datetime(2019, 3, 1, 12, 0)),
            ], start=1):
                conn.exec_driver_sql(
                    "INSERT INTO mt_events (seq_id, id, stream_id, version, data, type, timestamp, mt_dotnet_type) "
                    "VALUES (nextval('mt_events_sequence'), %s, %s, %s, %s, %s, %s, 'Bank.Wallet, Bank')",
                    (uuid.uuid4(), SHARED, version, orjson.dumps(data).decode(), kind, at))  # naive: UTC
        store = open_store(db.url)
        yield store
        store.close()
        db.drop()

    def test_versions_and_times_read_as_utc(self, store):
        assert store.layout_name == "marten"
        events = list(store.read_stream(SHARED))
        assert [e.version for e in events] == [1, 2, 3]
        assert [e.recorded_at for e in events] == [
            datetime(2019, 3, 1, 10, 0, 0, 123000, tzinfo=timezone.utc),
            datetime(2019, 3, 1, 11, tzinfo=timezone.utc), datetime(2019, 3, 1, 12, tzinfo=timezone.utc)]
        (summary,) = store.streams()
        assert (summary.stream, summary.category, summary.first_version, summary.last_version) == (
            SHARED, "Wallet", 1, 3)
        assert summary.last_at == datetime(2019, 3, 1, 12, tzinfo=timezone.utc)

    def test_time_filters_and_histograms_take_zoneless_times_as_utc(self, store):
        since = datetime(2019, 3, 1, 11, tzinfo=timezone.utc)
        assert [e.version for e in store.read_all(filters=EventFilter(since=since))] == [2, 3]
        assert [e.version for e in store.read_all(filters=EventFilter(until=since))] == [1, 2]
        histogram = store.histogram(datetime(2019, 3, 1, 10, tzinfo=timezone.utc),
                                    datetime(2019, 3, 1, 13, tzinfo=timezone.utc), 3)
        assert histogram.counts == [1, 1, 1]
        assert store.time_range() == (datetime(2019, 3, 1, 10, 0, 0, 123000, tzinfo=timezone.utc),
                                      datetime(2019, 3, 1, 12, tzinfo=timezone.utc))

    def test_replay_at_an_instant_between_two_zoneless_times_answers_the_earlier_version(self, store):
        result = replay(store, SHARED, at=Moment(at=datetime(2019, 3, 1, 11, 30, tzinfo=timezone.utc)))
        assert result.version == 2

    def test_info_names_the_integer_version_and_the_zoneless_time(self, store):
        info = store.describe()
        readings = {c.role: c for c in info.columns}
        assert readings["version"].sql_type == "INTEGER"
        assert readings["recorded_at"].sql_type == "TIMESTAMP WITHOUT TIME ZONE"
        assert readings["recorded_at"].reading == "timestamp without time zone, read as UTC"
        assert "plain stream ids" in readings["tenant"].reading
        assert [c.role for c in info.columns if c.role == "snapshot"] == ["snapshot", "snapshot"]


# --- v8 single tenant with an archived stream ------------------------------------------------
class TestMartenV8ArchivedStreamsSingleTenant:
    @pytest.fixture(scope="class")
    @classmethod
    def store(cls, postgres_url):
        from .test_marten import MARTEN_V8_DDL

        db = scratch_database(postgres_url, "martenarc")
        closed = str(uuid.uuid5(uuid.NAMESPACE_URL, "marten/closed-wallet"))
        with db.writer.begin() as conn:
            _ddl(conn, MARTEN_V8_DDL.format(schema="public", id_type="uuid"))
            conn.exec_driver_sql("INSERT INTO mt_streams (id, type, version, is_archived) VALUES "
                                 "(%s, 'Wallet', 1, false), (%s, 'Wallet', 2, true)", (SHARED, closed))
            conn.exec_driver_sql(
                "INSERT INTO mt_events (seq_id, id, stream_id, version, data, type, timestamp, is_archived) VALUES "
                "(nextval('mt_events_sequence'), gen_random_uuid(), %s, 1, '{\"owner\": \"alice\"}', 'wallet_opened', %s, false), "
                "(nextval('mt_events_sequence'), gen_random_uuid(), %s, 1, '{\"owner\": \"dana\"}', 'wallet_opened', %s, true), "
                "(nextval('mt_events_sequence'), gen_random_uuid(), %s, 2, '{}', 'wallet_closed', %s, true)",
                (SHARED, T0, closed, T0, closed, T0 + timedelta(hours=1)))
        store = open_store(db.url)
        yield store, closed
        store.close()
        db.drop()

    def test_a_single_tenant_store_keeps_plain_stream_ids(self, store):
        store, closed = store
        assert sorted(s.stream for s in store.streams()) == sorted([SHARED, closed])
        assert [e.metadata["tenant_id"] for e in store.read_stream(SHARED)] == ["*DEFAULT*"]

    def test_archived_events_are_shown_flagged_and_info_says_so(self, store):
        store, closed = store
        events = list(store.read_stream(closed))
        assert [(e.version, e.metadata.get("is_archived")) for e in events] == [(1, True), (2, True)]
        assert list(store.read_stream(SHARED))[0].metadata.get("is_archived") is None
        info = store.describe()
        assert any("archived" in note and "shown" in note for note in info.notes)
        assert any(c.role == "archived" and c.column == "public.mt_events.is_archived" for c in info.columns)


def test_a_tenant_written_without_conjoined_tenancy_is_still_shown_in_the_name(postgres_url):
    """Database-per-tenant Marten writes the session's tenant into a v8 schema keyed by id alone:
    the tenant is found from mt_streams and shown, and reads use (stream_id, version)."""
    from .test_marten import MARTEN_V8_DDL

    db = scratch_database(postgres_url, "martendbt")
    try:
        with db.writer.begin() as conn:
            _ddl(conn, MARTEN_V8_DDL.format(schema="public", id_type="uuid"))
            _stream_row(conn, "acme", SHARED, "Wallet", 2)
            _append(conn, "acme", SHARED, 1, "wallet_opened", {"owner": "alice"}, T0)
            _append(conn, "acme", SHARED, 2, "credits_granted", {"amount": 5}, T0 + timedelta(minutes=1))
        store = open_store(db.url)
        try:
            assert [(s.stream, s.category, s.count) for s in store.streams()] == [(f"acme/{SHARED}", "Wallet", 2)]
            assert [e.version for e in store.read_stream(f"acme/{SHARED}")] == [1, 2]
            assert list(store.read_stream(SHARED)) == []
        finally:
            store.close()
    finally:
        db.drop()
