"""Event Stream Inspector: a read-only inspector for event-sourced systems."""

__version__ = "0.1.0"
