"""Help › About names each version for what it is: the app's own, and Qt's, PySide6's and
Python's beside it (it once read "Qt 0.1.0", the app's version)."""

from __future__ import annotations

import sys

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QFormLayout

from inspector import __version__


def test_about_shows_the_app_version_and_the_qt_and_pyside_versions_each_under_its_name(qtbot, tmp_path):
    from inspector.ui.about import APP_NAME, AboutDialog

    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    labels = dialog.version_labels
    assert labels[APP_NAME].text() == __version__
    assert labels["Qt"].text() == qVersion() and labels["Qt"].text().startswith("6.")
    assert labels["PySide6"].text() == PySide6.__version__
    assert labels["Python"].text() == sys.version.split()[0]
    (form,) = dialog.findChildren(QFormLayout)
    rows = {}
    for row in range(form.rowCount()):
        label = form.itemAt(row, form.ItemRole.LabelRole)
        field = form.itemAt(row, form.ItemRole.FieldRole)
        if label and field:
            rows[label.widget().text()] = field.widget().text()
    assert rows["Version:"] == __version__ and rows["Qt:"] == qVersion() and rows["PySide6:"] == PySide6.__version__
    assert dialog.grab().save(str(tmp_path / "about.png"))
