"""Entry script of the bundle's console executable (``event-inspector``)."""

from inspector.cli import main

raise SystemExit(main())
