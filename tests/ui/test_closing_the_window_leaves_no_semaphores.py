"""Closing the window while a projector's worker processes run (a whole-category States run of a
user projector) leaves no multiprocessing semaphores behind: the resource tracker said
"There appear to be 10 leaked semaphore objects to clean up at shutdown" after the window closed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path

    from PySide6.QtCore import QTimer

    from inspector.ui.app import MainWindow, leave_now, make_app


    def main():
        store, projector, started = sys.argv[1], sys.argv[2], Path(sys.argv[3])
        app = make_app()
        win = MainWindow(store)
        win.show()
        step = {"n": 0}

        def tick():
            step["n"] += 1
            if step["n"] > 1200:  # two minutes: give up (the test says why)
                print("gave up at", step, file=sys.stderr)
                app.quit()
            elif "projector" not in step:
                if win.store is not None and win.stream_model.rowCount():
                    win.set_projector_file(projector)
                    step["projector"] = True
            elif "run" not in step:
                if win.projectors is not None and win.projectors.spec == projector:
                    win.show_analysis("states")
                    step["run"] = win.analysis().view("states")
            elif "started" not in step:
                view = step["run"]
                index = view.category_box.findData("wallet")
                if index >= 0:
                    view.category_box.setCurrentIndex(index)
                    view.start()
                    step["started"] = True
            elif started.exists():  # a worker process is folding the category: close the window now
                win.close()
                app.quit()

        timer = QTimer()
        timer.timeout.connect(tick)
        timer.start(100)
        code = app.exec()
        win.shutdown()
        print("closed", file=sys.stderr)
        leave_now(code)  # as run_gui ends the process


    if __name__ == "__main__":
        main()
    """)

LOOPING = textwrap.dedent("""
    from pathlib import Path

    from inspector.replay import projector

    @projector("wallet")
    def wallet(state, event):
        Path(__file__).with_name("started").write_text("yes")
        while True:
            pass
    """)


def test_closing_the_window_during_a_category_run_leaves_no_semaphores(demo_copy, tmp_path):
    script = tmp_path / "close_during_run.py"
    script.write_text(SCRIPT, encoding="utf-8")
    projector = tmp_path / "looping.py"
    projector.write_text(LOOPING, encoding="utf-8")
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    # stderr is read to its end: the resource tracker (a process of its own) writes there as it ends
    done = subprocess.run(
        [sys.executable, str(script), str(demo_copy), str(projector.resolve()), str(tmp_path / "started")],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert "closed" in done.stderr and "gave up" not in done.stderr, done.stderr
    assert (tmp_path / "started").exists()
    assert "leaked semaphore" not in done.stderr, done.stderr
