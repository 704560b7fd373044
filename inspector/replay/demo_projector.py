"""The demo store's projector: wallet balances, job status and ACL members.

Used automatically for the demo store, so a new user sees meaningful state at once.
It is also the model to copy for your own projector file: plain functions, one per
category, each taking the state and one event and returning the new state, and
declaring the event types it folds (``handles=``: ``check --projector`` reports others).
"""

from __future__ import annotations

import sys
from typing import Any

from inspector.core.events import Event
from inspector.replay.projectors import Projector, projector, projectors_in_module


def _payload(event: Event) -> dict[str, Any]:
    """The event's payload; an undecodable one stops the replay with the reason."""
    if not isinstance(event.data, dict):
        raise ValueError(f"payload of {event.type} v{event.version} is not readable: {event.problem or 'not an object'}")
    return event.data


@projector("wallet", handles=["WalletOpened", "CreditsGranted", "CreditsSpent", "StatementIssued"])
def wallet(state: dict, event: Event) -> dict:
    data = _payload(event)
    if event.type == "WalletOpened":
        state.update(owner=data["owner"], currency=data.get("currency", "credits"), credits=0)
    elif event.type == "CreditsGranted":
        state["credits"] = state.get("credits", 0) + data["amount"]
    elif event.type == "CreditsSpent":
        state["credits"] = state.get("credits", 0) - data["amount"]
        state["last_job"] = data.get("job")
    elif event.type == "StatementIssued":
        state["statements"] = state.get("statements", 0) + 1
        state["last_statement"] = data.get("period")
    return state


@projector("job", handles=["JobPosted", "JobAssigned", "JobCompleted", "JobCancelled"])
def job(state: dict, event: Event) -> dict:
    data = _payload(event)
    if event.type == "JobPosted":
        state.update(title=data["title"], budget=data["budget"], client=data["client"], status="posted")
    elif event.type == "JobAssigned":
        state.update(status="assigned", worker=data["worker"])
    elif event.type == "JobCompleted":
        state.update(status="completed", rating=data.get("rating"))
    elif event.type == "JobCancelled":
        state.update(status="cancelled", reason=data.get("reason"))
    return state


@projector("acl", handles=["MemberAdded", "RoleChanged", "MemberRemoved"])
def acl(state: dict, event: Event) -> dict:
    data = _payload(event)
    members = state.setdefault("members", {})
    if event.type in ("MemberAdded", "RoleChanged"):
        members[data["member"]] = data["role"]
    elif event.type == "MemberRemoved":
        members.pop(data["member"], None)
    return state


#: The three functions above, as projectors (read after they exist).
DEMO_PROJECTORS: list[Projector] = projectors_in_module(sys.modules[__name__])
