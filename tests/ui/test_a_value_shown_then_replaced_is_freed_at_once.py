"""A value the Event or State tab shows in its tree is freed as soon as another one is shown,
by reference counting: the tree's rows held each other both ways (a reference cycle), so a
replaced 50 MB payload waited for the cyclic collector's next full collection, which freed its
1.6 million objects in one call of 3.2 s holding the GIL while the window could not repaint."""

from __future__ import annotations

import gc
import weakref

from inspector.ui.models import JsonTreeModel


class Reading:
    """A value a projector's state may hold; unlike dicts and lists, it can be watched weakly."""


def test_a_replaced_value_whose_rows_were_opened_is_freed_without_the_collector(qapp):
    model = JsonTreeModel()
    reading = Reading()
    freed = weakref.ref(reading)
    model.set_value({"meters": [{"id": 1, "last": reading}, {"id": 2}], "site": "north"},
                    {"/meters/0/last": "change"})
    index = model.find("meters", 0, "last")  # the rows down to it are made, as a view opening them makes them
    assert index.isValid() and model.value_at("meters", 0, "last") is reading
    assert model.parent(model.parent(index)).data() == "meters"
    del reading, index

    gc.disable()
    try:
        model.set_value({"site": "south"})
        assert freed() is None
    finally:
        gc.enable()
    assert [model.index(row, model.KEY).data() for row in range(model.rowCount())] == ["site"]
