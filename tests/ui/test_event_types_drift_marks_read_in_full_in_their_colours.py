"""The Event types view's drift marks as the legend says them: a field the demo's spends
carried once (``note``) reads "+ appeared … · − disappeared after that", the appearance drawn
green and the disappearance red, and the whole text fits its column at 1024x700 and
1280x800 (the columns before it are as wide as what they show)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from inspector.ui.models.type_survey import DRIFT_COLOURS, MarksRole, TypeSurveyModel


def _note_row(qtbot, window, size):
    window.analysis_actions["types"].trigger()
    analysis = window.analysis_window
    analysis.resize(*size)
    view = analysis.types_view
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.survey is not None and view.run_button.isEnabled(), timeout=20000)
    assert view.model.drifting_fields() == {"CreditsSpent": ["note"]}
    parent = view.model.type_row("CreditsSpent")
    row = next(r for r in range(view.model.rowCount(parent)) if view.model.index(r, 0, parent).data() == "note")
    return view, view.model.index(row, TypeSurveyModel.DRIFT, parent)


def _colours_in(image, rect) -> set[str]:
    return {QColor(image.pixel(x, y)).name() for x in range(rect.left(), rect.right())
            for y in range(rect.top(), rect.bottom())}


@pytest.mark.parametrize("size", [(1024, 700), (1280, 800)])
def test_a_field_seen_once_reads_appeared_and_disappeared_in_full_in_green_and_red(qtbot, window, size):
    view, index = _note_row(qtbot, window, size)
    text = index.data()
    assert text.startswith("+ appeared ") and text.endswith(" · − disappeared after that"), text
    marks = index.data(MarksRole)
    assert [colour.name() for _text, colour in marks] == [DRIFT_COLOURS["appeared"].name(),
                                                         DRIFT_COLOURS["disappeared"].name()]
    tree = view.tree
    qtbot.waitUntil(lambda: tree.visualRect(index).width() > 0, timeout=5000)
    rect = tree.visualRect(index)
    # the column holds the whole text (the cell's text margins included)
    assert rect.left() + tree.fontMetrics().horizontalAdvance(text) + 12 <= tree.viewport().width(), \
        "the drift marks are cut"
    image = tree.viewport().grab().toImage()
    seen = _colours_in(image, rect)
    assert DRIFT_COLOURS["appeared"].name() in seen and DRIFT_COLOURS["disappeared"].name() in seen
