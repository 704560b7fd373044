"""Subcommand groups of ``event-inspector``; each module has ``register(subparsers, common)``."""
