"""The Qt-free core: moments, times, payload decoding."""

from __future__ import annotations

import zlib
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from inspector.core import Moment, parse_moment, parse_time
from inspector.core.decoding import decode_json, untranscode
from inspector.core.events import Event, actor_of


def test_a_version_moment_is_written_with_a_v():
    assert parse_moment("v42") == Moment(version=42)
    assert str(parse_moment("V7")) == "v7"


def test_an_instant_moment_is_iso_8601_in_utc():
    moment = parse_moment("2026-08-01T14:00:00+02:00")
    assert moment.at == datetime(2026, 8, 1, 12, 0, tzinfo=timezone.utc)
    assert str(moment) == "2026-08-01T12:00:00Z"


def test_a_moment_that_is_neither_says_how_to_write_one():
    with pytest.raises(ValueError, match="vN or an ISO-8601"):
        parse_moment("yesterday")


@pytest.mark.parametrize(
    "text",
    ["2021-08-20 16:00:44.182717+0400", "2021-08-20T12:00:44.182717Z", "2021-08-20T12:00:44.182717"],
)
def test_times_from_every_library_read_as_the_same_utc_instant(text):
    assert parse_time(text) == datetime(2021, 8, 20, 12, 0, 44, 182717, tzinfo=timezone.utc)


def test_naive_times_are_taken_as_utc_and_garbage_is_none():
    assert parse_time("2026-01-01 00:00:00").tzinfo == timezone.utc
    assert parse_time("not a time") is None
    assert parse_time(None) is None


def test_compressed_json_is_decoded():
    assert decode_json(zlib.compress(b'{"a": 1}')).value == {"a": 1}


def test_broken_json_becomes_a_problem_not_an_exception():
    decoded = decode_json('{"title": "Fix the roof", "budget": 1')
    assert decoded.value is None
    assert decoded.raw == '{"title": "Fix the roof", "budget": 1'
    assert decoded.problem.startswith("malformed JSON")


def test_binary_and_xml_payloads_are_named_for_what_they_are():
    assert "binary payload" in decode_json(bytes(range(256))).problem
    assert decode_json(b"<event><amount>3</amount></event>").problem == "XML payload, shown raw"
    # a cipher's output is random bytes, and one in 256 begins with "<": not UTF-8, so not XML
    cipher = b"<" + bytes(range(128, 256)) + bytes(range(128))
    assert decode_json(cipher).problem.startswith(f"binary payload ({len(cipher)} bytes)")
    assert "encrypted" in decode_json(b" <\xff\xfe").problem


def test_null_payload_is_a_problem_only_where_a_payload_is_required():
    assert decode_json(None).problem is None
    assert decode_json(None, allow_null=False).problem == "payload is NULL"


def test_eventsourcing_transcoded_values_become_plain_json():
    state = {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2026-01-01T00:00:00+00:00"},
        "owner": {"_type_": "uuid_hex", "_data_": "7761f3c3f351436f9183bf8e6e349120"},
        "items": [{"_type_": "decimal_str", "_data_": "1.50"}],
        "balance": {"_type_": "decimal_str", "_data_": "-50.01"},
        "odd": {"_type_": "decimal_str", "_data_": "not a number"},
    }
    value = untranscode(state)
    assert value == {
        "timestamp": "2026-01-01T00:00:00+00:00",
        "owner": "7761f3c3-f351-436f-9183-bf8e6e349120",
        "items": [Decimal("1.50")],
        "balance": Decimal("-50.01"),
        "odd": "not a number",
    }
    # a decimal is the number the library decodes, its digits kept
    assert type(value["balance"]) is Decimal and str(value["items"][0]) == "1.50"


def test_the_actor_is_found_under_the_usual_metadata_keys():
    assert actor_of({"user_name": "ines"}) == "ines"
    assert actor_of({"actor": "", "userId": 7}) == "7"
    assert actor_of(None) is None


def test_an_event_serialises_to_the_documented_json_shape():
    event = Event(3, "wallet-1", 2, "CreditsSpent", parse_time("2026-01-01T00:00:00Z"), {"amount": 3}, {"actor": "ann"})
    assert event.to_json() == {
        "position": 3, "stream": "wallet-1", "version": 2, "type": "CreditsSpent",
        "recorded_at": "2026-01-01T00:00:00Z", "actor": "ann", "data": {"amount": 3},
        "metadata": {"actor": "ann"}, "problem": None, "raw": None,
    }
