"""A projector to copy: the demo store's wallets, with a running count of spends.

Use it as it is on the demo store, or copy this file and adapt it to your events:

    event-inspector replay demo.db --stream wallet-9b2e71cc --projector wallet_projector.py

A projector is a plain function per category (or stream glob such as "wallet-*"): it takes
the state so far (a dict, empty before the first event) and one event, and returns the new
state. ``event`` has ``stream``, ``version``, ``type``, ``recorded_at`` (aware UTC datetime or
None), ``data`` (the decoded payload) and ``metadata`` (a dict). An exception stops the replay
at that event, and the inspector shows the state just before it.
"""

from inspector.replay import projector


@projector("wallet")
def wallet(state: dict, event) -> dict:
    data = event.data if isinstance(event.data, dict) else {}
    if event.type == "WalletOpened":
        state.update(owner=data.get("owner"), credits=0, spends=0)
    elif event.type == "CreditsGranted":
        state["credits"] = state.get("credits", 0) + data["amount"]
    elif event.type == "CreditsSpent":
        state["credits"] = state.get("credits", 0) - data["amount"]
        state["spends"] = state.get("spends", 0) + 1
    return state
