import sys
from pathlib import Path
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
app = QGuiApplication(sys.argv[:1])
base = Path("inspector/resources/icons/hicolor")
renderer = QSvgRenderer(str(base / "scalable/apps/io.github.event_inspector.svg"))
assert renderer.isValid()
for size in (16, 32, 48, 64, 128, 256):
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    out = base / f"{size}x{size}/apps/io.github.event_inspector.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    assert image.save(str(out))
big = QImage(512, 512, QImage.Format.Format_ARGB32); big.fill(Qt.GlobalColor.white)
p = QPainter(big)
x = 0
for size in (16, 32, 48, 64, 128, 256):
    p.drawImage(x, 0, QImage(str(base / f"{size}x{size}/apps/io.github.event_inspector.png")))
    x += size + 4 if size < 128 else 0
p.drawImage(0, 256, QImage(str(base / "128x128/apps/io.github.event_inspector.png")))
p.drawImage(200, 256, QImage(str(base / "256x256/apps/io.github.event_inspector.png")))
p.end(); big.save("/tmp/icon_sheet.png")
