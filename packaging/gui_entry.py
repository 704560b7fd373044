"""Entry script of the bundle's windowed executable (``event-inspector-gui``)."""

from inspector.cli import gui_main

raise SystemExit(gui_main())
