"""Properties of masking, over generated events (hypothesis): a masked field's value and the
local part of an e-mail address are absent from every byte of the masked event, wherever
they sit (nested payloads, lists, keys, stream names, types, metadata, raw text that could not
be decoded), or the raw payload is withheld.

Bounded for CI: each property tries a fixed number of examples with a deadline per example.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from inspector.core import jsontext
from inspector.core.events import Event
from inspector.core.masking import MASK_EMAILS, Masker

BOUNDED = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
KEY = b"k" * 32

# Secrets are upper case and surroundings lower case, so no surrounding text (nor a token,
# whose digits are lower-case hex) holds a secret by chance.
secrets = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=6, max_size=12).map(lambda s: "Q" + s)
filler = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 .,;:-_/{}[]\"'<>=&\n\\é€", max_size=12)
local_parts = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZÄÖÜÉ0123456789._%+-", min_size=5, max_size=12).map(
    lambda s: "Q" + s)
ats = st.sampled_from(["@", "%40", "\\u0040", "&#64;", "&#x40;", "\\x40"])
domains = st.sampled_from(["example.com", "mail.example.org", "x.io", "bücher.de", "例え.jp"])
addresses = st.builds(lambda local, at, domain: (local, f"{local}{at}{domain}"), local_parts, ats, domains)


def _nest(value, path):
    for step in reversed(path):
        value = [value] if step is None else {step: value}
    return value


keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=6).filter(lambda k: k != "owner")
paths = st.lists(st.one_of(st.none(), keys), max_size=5)
others = st.recursive(st.none() | st.booleans() | st.integers() | filler,
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
                      max_leaves=8)


def _every_byte(event: Event) -> str:
    return jsontext.dumps({"stream": event.stream, "type": event.type, "data": event.data,
                           "metadata": event.metadata, "problem": event.problem,
                           "raw": event.raw.decode("utf-8", "replace") if isinstance(event.raw, bytes) else event.raw})


@BOUNDED
@given(secrets, paths, others, st.sampled_from(["owner", "Owner", "metadata.owner"]))
def test_a_masked_field_is_absent_wherever_it_is_nested(secret, path, other, field_name):
    data = {"other": other, "nested": _nest({"owner": secret}, path)}
    event = Event(1, "s-1", 0, "T", data=data, metadata={"owner": secret, "note": other})
    masked = Masker([field_name.lower() if field_name == "Owner" else field_name], key=KEY).event(event)
    assert secret not in _every_byte(masked)


@BOUNDED
@given(addresses, paths, filler, filler, st.sampled_from(["value", "key", "stream", "type", "metadata", "list"]))
def test_an_address_is_absent_wherever_it_is_written(address, path, before, after, where):
    local, written = address
    text = f"{before}{written}{after}"
    data = {"n": 1}
    stream, type_, metadata = "s-1", "T", {}
    if where == "value":
        data = _nest({"note": text}, path)
    elif where == "key":
        data = _nest({text: 1}, path)
    elif where == "stream":
        stream = text
    elif where == "type":
        type_ = text
    elif where == "metadata":
        metadata = {"actor": text}
    else:
        data = {"list": [before, text, after]}
    masked = Masker([MASK_EMAILS], key=KEY).event(Event(1, stream, 0, type_, data=data, metadata=metadata))
    assert local not in _every_byte(masked)


raw_forms = st.sampled_from([
    '{{"owner": "{secret}", "x": 1}}', '{{"a": {{"owner":"{secret}"}}, "b": [1, 2', '<a><owner>{secret}</owner></a>',
    '<a owner="{secret}"/>', "owner={secret}&x=1", "owner: {secret}\nnext: 1", "<owner kind='x'>{secret}</owner>",
    '{{"OWNER" : "{secret}"}}', "x=1; Owner = {secret}", '{{"owner": {{"name": "{secret}"}}}}',
    "owner\t=\t'{secret}'", '<owner>\n  <name>{secret}</name>\n</owner>',
])


@BOUNDED
@given(secrets, raw_forms, filler, filler, st.booleans())
def test_raw_text_that_could_not_be_decoded_never_keeps_a_masked_value(secret, form, before, after, as_bytes):
    text = f"{before} {form.format(secret=secret)} {after}"  # "x_owner=" would name another field
    raw: bytes | str = text.encode("utf-8") if as_bytes else text
    event = Event(1, "s-1", 0, "T", raw=raw, problem="payload is not JSON")
    masked = Masker(["owner"], key=KEY).event(event)
    assert secret not in _every_byte(masked)
    if masked.raw is None:
        assert "withheld" in masked.problem


@BOUNDED
@given(st.binary(min_size=1, max_size=64), secrets)
def test_raw_bytes_that_are_not_utf8_are_withheld_whole(prefix, secret):
    raw = b"\xff" + prefix + f'"owner": "{secret}"'.encode()
    masked = Masker(["owner"], key=KEY).event(Event(1, "s-1", 0, "T", raw=raw, problem="not UTF-8"))
    assert masked.raw is None and secret not in _every_byte(masked) and "withheld" in masked.problem


def test_a_long_word_is_masked_in_one_pass_and_the_address_after_it_found():
    # one pattern tried from every character of a word was quadratic: 5 s for 10,000 letters,
    # hours for this one; the addresses are found from their @ instead
    word = "Zq" * 150_000
    text = f"{word} {word}@{word}.example {word} carol.smith@example.com {word}%40"
    masked = Masker([MASK_EMAILS], key=KEY).mask_text(text)
    assert "carol" not in masked and masked.count("masked:") == 2 and masked.endswith(f"{word}%40")
    assert masked.count(word) == 4  # the local part that is a long word is masked, the rest kept
