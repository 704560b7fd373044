"""Secrets stay out of what the inspector prints, and masked values out of every exported byte.

Passwords with unencoded ``@`` are hidden whole; query values that may be secrets are redacted.
Masking (``--mask emails --mask owner``) leaves no owner or address in any export format, even
in raw payloads that are not UTF-8, zlib with broken JSON inside, escaped addresses, XML or
other text, stream names, event types, JSON keys and report titles. Tokens are keyed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import zlib

import pytest

from inspector.cli import main
from inspector.core.masking import Masker, load_masking_key, masking_key_path
from inspector.export import FORMATS, Slice, export
from inspector.stores import open_store, redact
from inspector.stores.connect import normalise_url, scrub

ADDRESS = "alice.owner@example.com"
STREAM = f"user-{ADDRESS}"
#: what must not be readable anywhere in a masked export
SECRETS = ("alice.owner", "alice", "Carol", "Secretname", "Carol_Secretname")


# --- secrets in URLs -----------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "mysql+pymysql://rel_user:p@ssw0rd-tail@db.internal:3306/prod",
    "postgresql+psycopg://rel_user:p@ssw0rd-tail@db.internal/prod?sslmode=require",
    "postgresql+psycopg://rel_user:p@ss/w0rd?-tail@db.internal:5432/prod",
    "mysql+pymysql://rel_user:p@ssw0rd-tail@db.internal/prod?note=x@y.org",
])
def test_a_password_with_an_unencoded_at_sign_is_hidden_whole(url):
    shown = redact(url)
    assert "ssw0rd" not in shown and "tail" not in shown and "w0rd" not in shown
    assert "rel_user:***@db.internal" in shown and "/prod" in shown


@pytest.mark.parametrize("query", ["password=S3CRETPW", "api_token=S3CRETPW", "sslkey_password=S3CRETPW",
                                   "x_custom=S3CRETPW", "auth=S3CRETPW", "service_password=S3CRETPW"])
def test_any_query_value_not_known_to_be_harmless_is_redacted(query):
    shown = redact(f"postgresql+psycopg://ann@db/prod?sslmode=require&{query}&application_name=inspector")
    assert "S3CRETPW" not in shown and "***" in shown
    assert "sslmode=require" in shown and "application_name=inspector" in shown


def test_a_url_that_parses_as_written_is_left_as_it_is():
    url = "postgresql+psycopg://ann:pa%40ss@db:5432/prod?sslmode=require"
    assert normalise_url(url) == url
    assert normalise_url("mysql+pymysql://u:p@ss@h/db") == "mysql+pymysql://u:p%40ss@h/db"


def test_scrub_hides_a_secret_as_written_and_percent_encoded():
    assert scrub("failed for p@ss and p%40ss", "p@ss") == "failed for *** and ***"


@pytest.mark.parametrize("scheme,port", [("mysql+pymysql", 1), ("postgresql+psycopg", 1)])
def test_the_cli_error_for_a_server_it_cannot_reach_never_shows_the_password(scheme, port, capsys):
    code = main(["info", f"{scheme}://rel_user:p@ssw0rd-tail@127.0.0.1:{port}/test"])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "ssw0rd" not in err and "tail" not in err and "127.0.0.1" in err


def test_a_password_with_unencoded_url_characters_reaches_mariadb_as_written(mysql_url, capsys):
    import sqlalchemy as sa
    import uuid

    user, password = f"insp_pw_{uuid.uuid4().hex[:8]}", "p@ss/w?rd#tail"
    admin = sa.create_engine(mysql_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE USER '{user}'@'%%' IDENTIFIED BY '{password}'")
        conn.exec_driver_sql(f"GRANT SELECT ON test.* TO '{user}'@'%%'")
    try:
        assert main(["info", f"mysql+pymysql://{user}:{password}@127.0.0.1:3306/test"]) == 1
        err = capsys.readouterr().err  # connected: the test database holds no event store
        assert "no known event store layout" in err or "tables here" in err, err
        assert main(["info", f"mysql+pymysql://{user}:p@ss-wrong-tail@127.0.0.1:3306/test"]) == 1
        err = capsys.readouterr().err
        assert "Access denied" in err and "wrong" not in err and "tail" not in err
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP USER '{user}'@'%%'")
        admin.dispose()


# --- a store full of personal data ---------------------------------------------------------
def _build(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, "
                 "type TEXT NOT NULL, recorded_at TEXT, data BLOB, metadata TEXT)")
    rows = [
        ("Opened", json.dumps({"owner": "Carol Secretname", "email": ADDRESS, "credits": 5}).encode(), {"actor": ADDRESS}),
        ("Legacy", '{"owner": "Carol Secretname", "note": "café", "email": "alice.owner@example.com"}'.encode("latin-1"), {}),
        ("Packed", zlib.compress(b'{"owner": "Carol Secretname", "email": "alice.owner@example.com", '), {}),
        ("Escaped", b'{"contact": "alice.owner\\u0040example.com", "link": "mailto:alice.owner%40example.com"', {}),
        (f"MailSentTo:{ADDRESS}", json.dumps({ADDRESS: 1, "to": "ALICE.OWNER%40EXAMPLE.COM"}).encode(), {"user": ADDRESS}),
        ("XmlNote", b'<event><owner class="person"><name>Carol Secretname</name></owner>'
                    b'<email>alice.owner&#64;example.com</email></event>', {}),
        ("Text", b"owner=Carol_Secretname; contact=alice.owner%40example.com", {}),
        ("Credited", json.dumps({"credits": 7}).encode(), {"actor": ADDRESS}),
    ]
    for version, (kind, data, meta) in enumerate(rows, 1):
        conn.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?)",
                     (version, STREAM, version, kind, f"2026-08-01T10:00:0{version}Z", data, json.dumps(meta)))
    conn.execute("INSERT INTO events VALUES (99, 'wallet-2', 1, 'Opened', '2026-08-01T11:00:00Z', ?, ?)",
                 (b'{"owner": "Carol Secretname"}', json.dumps({"actor": ADDRESS})))
    conn.commit()
    conn.close()


@pytest.fixture
def personal(tmp_path):
    path = tmp_path / "personal.db"
    _build(path)
    store = open_store(str(path))
    yield store, path
    store.close()


def _readings(data: bytes) -> list[bytes]:
    """The exported bytes, and whatever a reader could decode from them: base64 and zlib inside."""
    readings = [data]
    for candidate in re.findall(rb"[A-Za-z0-9+/]{16,}={0,2}", data):
        try:
            decoded = base64.b64decode(candidate, validate=True)
        except ValueError:
            continue
        readings.append(decoded)
        try:
            readings.append(zlib.decompress(decoded))
        except zlib.error:
            pass
    return readings


def _assert_nothing_readable(data: bytes) -> None:
    for reading in _readings(data):
        lowered = reading.lower()
        for secret in SECRETS:
            assert secret.lower().encode() not in lowered, (secret, reading[:300])
        text = reading.decode("latin-1")
        assert not re.search(r"alice[._]owner", text, re.IGNORECASE)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_masked_export_holds_no_owner_or_address_in_any_byte(personal, tmp_path, fmt):
    store, _ = personal
    out = tmp_path / ("test_masked.py" if fmt == "pytest" else f"masked.{fmt}")  # pytest runs *.py files only
    part = Slice(stream=STREAM) if fmt == "pytest" else Slice()
    result = export(store, fmt, out, part=part, mask=("emails", "owner"))
    assert result.events == (8 if fmt == "pytest" else 9)
    _assert_nothing_readable(out.read_bytes())
    assert b"example.com" in out.read_bytes()  # the domain stays: internal and external actors told apart


def test_the_masked_jsonl_says_which_raw_payloads_were_withheld(personal, tmp_path):
    store, _ = personal
    result = export(store, "jsonl", tmp_path / "m.jsonl", mask=("emails", "owner"))
    records = [json.loads(line) for line in result.path.read_text().splitlines()]
    by_type = {record["type"].split(":")[0]: record for record in records if record["stream"] != "wallet-2"}
    for kind in ("Legacy", "Packed"):  # not UTF-8 text: nothing a mask can read, so nothing exported
        assert by_type[kind].get("raw") is None and "raw_base64" not in by_type[kind]
        assert "withheld" in by_type[kind]["problem"]
    assert by_type["XmlNote"]["raw"].startswith('<event><owner class="person">masked:')  # nested content too
    assert by_type["Text"]["raw"].startswith("owner=masked:")  # a named field in key=value text is masked
    assert "masked:" in by_type["Escaped"]["raw"] and "@example.com" in by_type["Escaped"]["raw"]
    assert by_type["Opened"]["data"]["owner"].startswith("masked:") and by_type["Opened"]["data"]["credits"] == 5


def test_a_masked_pytest_fixture_of_a_stream_named_by_an_address_replays_every_event(personal, tmp_path):
    store, _ = personal
    out = tmp_path / "test_masked_slice.py"
    export(store, "pytest", out, part=Slice(stream=STREAM), mask=("emails", "owner"))
    source = out.read_text()
    _assert_nothing_readable(source.encode())
    assert "EXPECTED_VERSION = 8" in source
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(out)],
                         capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout + run.stderr


def test_the_html_report_of_an_actor_masks_the_actor_in_its_title_and_heading(personal, tmp_path):
    store, _ = personal
    for mask in (("emails",), ("actor",)):
        out = tmp_path / f"actor-{mask[0]}.html"
        result = export(store, "html", out, part=Slice(actor=ADDRESS), mask=mask)
        page = out.read_text()
        assert result.events == 4  # MailSentTo names the actor under metadata.user: the table shows it as its actor
        title = re.search(r"<title>(.*?)</title>", page).group(1)
        heading = re.search(r"<h1>(.*?)</h1>", page).group(1)
        assert "caused by masked:" in title and "caused by masked:" in heading
        assert "alice" not in title and "alice" not in heading
        if mask == ("emails",):
            assert "alice" not in page


def test_the_cli_masks_xml_and_other_raw_text_by_field_name(personal, tmp_path, capsys):
    store, path = personal
    out = tmp_path / "owner.jsonl"
    assert main(["export", str(path), "--format", "jsonl", "-o", str(out), "--mask", "owner"]) == 0
    data = out.read_bytes()
    assert b"Carol" not in data and b"Secretname" not in data and b"Dave" not in data


def test_masking_an_unrelated_field_keeps_raw_text_that_does_not_name_it(tmp_path):
    masker = Masker(["owner"], key=b"k" * 32)
    assert masker.text('{"amount": 3, "note": "x"') == '{"amount": 3, "note": "x"'
    assert masker.text("the owner changed") is None  # named in a form that cannot be masked: withheld


# --- keyed tokens --------------------------------------------------------------------------
def test_tokens_are_stable_for_one_key_and_differ_for_another():
    first, again, other = Masker(["owner"], key=b"1" * 32), Masker(["owner"], key=b"1" * 32), Masker(["owner"], key=b"2" * 32)
    assert first.token("Carol") == again.token("Carol") != other.token("Carol")
    assert first.token("Carol") != first.token("Dave")
    assert first.token("Carol") != "masked:" + hashlib.sha256(b"Carol").hexdigest()[:12]


def test_the_users_masking_key_is_made_once_kept_private_and_reused_across_runs(tmp_path):
    path = masking_key_path()
    assert not path.exists()
    key = load_masking_key()
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_masking_key() == key and len(key) == 32
    assert Masker(["owner"]).token("Carol") == Masker(["owner"], key=key).token("Carol")


def test_a_dictionary_of_names_recovers_no_address_from_a_masked_demo_csv(demo_store_path, tmp_path):
    out = tmp_path / "audit.csv"
    assert main(["export", str(demo_store_path), "--format", "csv", "-o", str(out), "--mask", "emails"]) == 0
    text = out.read_text()
    demo = open_store(str(demo_store_path))
    try:
        locals_ = {actor.split("@")[0] for e in demo.read_all(limit=10_000) if (actor := e.actor) and "@" in actor}
    finally:
        demo.close()
    assert locals_
    for name in locals_:  # what an unsalted sha256 token would give away
        for digest in (hashlib.sha256(name.encode()).hexdigest(), hashlib.sha256(name.lower().encode()).hexdigest()):
            assert digest[:8] not in text
        assert f"{name}@" not in text
