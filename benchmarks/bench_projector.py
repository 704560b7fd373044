"""The user projector the replay matrix times: a wallet-like fold that reads one field of each payload.

``amount`` (``Amount`` in Marten's .NET casing) is added to ``state["balance"]``; an
eventsourcing payload carries a ``Decimal`` as its exact text (or, undecoded, as the library's
``{"_type_": "decimal_str", "_data_": ...}``).
"""

from decimal import Decimal

from inspector.replay import projector


@projector("*")
def balance(state: dict, event) -> dict:
    data = event.data
    if isinstance(data, dict):
        amount = data.get("amount", data.get("Amount"))
        if isinstance(amount, dict):
            amount = Decimal(amount["_data_"])
        elif isinstance(amount, str):  # a decimal kept exactly as the library wrote it
            amount = Decimal(amount)
        if amount is not None:
            state["balance"] = state.get("balance", 0) + amount
    return state
