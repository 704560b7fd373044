"""A projector to copy: who touched a stream, whatever its events mean.

It needs no knowledge of your event types, so it works on any store: per stream, the
actors that caused its events (from ``metadata["actor"]`` when the layout records one), how
many events each caused and the type of the latest event.

    event-inspector replay STORE --stream STREAM --projector audit_projector.py
"""

from inspector.replay import projector


@projector("*")
def touched_by(state: dict, event) -> dict:
    actor = (event.metadata or {}).get("actor") or "unknown"
    counts = state.setdefault("events_by_actor", {})
    counts[actor] = counts.get(actor, 0) + 1
    state["last_type"] = event.type
    return state
