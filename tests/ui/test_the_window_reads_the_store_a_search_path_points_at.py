"""The window opens the store a URL's search_path points at (a generic table in schema ``orders``),
not the eventsourcing library's tables in another schema, as the CLI does."""

from __future__ import annotations

from typing import Any

from tests.stores.test_a_search_path_in_the_url_reads_its_schema_first import two_schemas  # noqa: F401


def test_the_window_opens_the_search_path_s_store(two_schemas: tuple[str, str], qtbot: Any) -> None:  # noqa: F811
    from inspector.ui.app import MainWindow, make_app

    url, _wallet = two_schemas
    make_app()
    window = MainWindow(url + "?options=-csearch_path%3Dorders")
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.store is not None and window.stream_model.rowCount() > 0, timeout=15000)
        assert window.store.layout_name == "generic"
        assert window.stream_model.rowCount() == 1
        assert window.stream_model.index(0, 0).data() == "order-1"
    finally:
        window.shutdown()
