"""An HTML audit report's title and heading name its slice as text shows names (``shown_name``):
the stream named by the empty string reads ``""`` (it read ``''``, Python's repr), a name with
blank edges is quoted, control characters are escaped; a masked export of a category still names
that category (it read "all streams")."""

from __future__ import annotations

import json
import re

import pytest

from inspector.export import Slice, export
from inspector.stores import open_store

STREAMS = ["", "order ", "s-\x1b]0;x\x07", "wallet-1"]


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "names.jsonl"
    lines = [json.dumps({"position": n + 1, "stream": name, "version": 0, "type": "Opened",
                         "recorded_at": "2026-01-01T00:00:00Z", "data": {"who": "dana@example.com"},
                         "metadata": {"actor": "dana@example.com"}})
             for n, name in enumerate(STREAMS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    opened = open_store(str(path))
    yield opened
    opened.close()


def _title_and_heading(path):
    page = path.read_text(encoding="utf-8")
    return re.search(r"<title>(.*?)</title>", page).group(1), re.search(r"<h1>(.*?)</h1>", page).group(1)


@pytest.mark.parametrize("stream, named", [
    ("", "stream &quot;&quot;"), ("order ", "stream &quot;order &quot;"),
    ("s-\x1b]0;x\x07", r"stream s-\x1b]0;x\x07"), ("wallet-1", "stream wallet-1"),
])
def test_the_report_names_its_stream_as_the_window_and_the_cli_show_it(store, tmp_path, stream, named):
    output = tmp_path / "report.html"
    result = export(store, "html", output, part=Slice(stream=stream))
    assert result.events == 1
    title, heading = _title_and_heading(output)
    assert title == heading == f"Audit report: {named}"
    assert "\x1b" not in output.read_text(encoding="utf-8").split("<dl>")[0]


def test_a_masked_report_of_a_category_names_the_category(store, tmp_path):
    output = tmp_path / "wallets.html"
    export(store, "html", output, part=Slice(category="wallet", actor="dana@example.com"), mask=("emails",))
    title, heading = _title_and_heading(output)
    assert title == heading and title.startswith("Audit report: the streams of category wallet, caused by masked:")
    assert "dana" not in output.read_text(encoding="utf-8")
