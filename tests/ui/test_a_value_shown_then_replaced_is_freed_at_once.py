"""A value the Event or State tab shows in its tree is freed once another one is shown and
nothing else holds it, by reference counting, a few thousand items at a time on a thread of its
own: the tree's rows held each other both ways (a reference cycle), so a replaced 50 MB payload
waited for the cyclic collector's next full collection, which freed its 1.6 million objects in one
call of 3.2 s holding the GIL; freed at once, a state that big is 0.2-0.5 s on the GUI thread."""

from __future__ import annotations

import gc
import threading
import weakref

from inspector.ui.models import JsonTreeModel


class Reading:
    """A value a projector's state may hold; unlike dicts and lists, it can be watched weakly,
    and it notes the thread that frees it."""

    freed_on: list[threading.Thread] = []

    def __del__(self) -> None:
        Reading.freed_on.append(threading.current_thread())


def test_a_replaced_value_whose_rows_were_opened_is_freed_without_the_collector_off_the_gui_thread(qapp, qtbot):
    model = JsonTreeModel()
    reading = Reading()
    freed = weakref.ref(reading)
    model.set_value({"meters": [{"id": 1, "last": reading}, {"id": 2}], "site": "north"},
                    {"/meters/0/last": "change"})
    index = model.find("meters", 0, "last")  # the rows down to it are made, as a view opening them makes them
    assert index.isValid() and model.value_at("meters", 0, "last") is reading
    assert model.parent(model.parent(index)).data() == "meters"
    del reading, index

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        model.set_value({"site": "south"})
        qtbot.waitUntil(lambda: freed() is None, timeout=10000)
    finally:
        if was_enabled:
            gc.enable()
    assert Reading.freed_on and threading.main_thread() not in Reading.freed_on
    assert [model.index(row, model.KEY).data() for row in range(model.rowCount())] == ["site"]
