"""The double-entry ledger: pure journal rules (:mod:`.journal`) and their storage
(:mod:`.store`)."""

from service.ledger.journal import (
    AccountKind,
    Posting,
    Transaction,
    UnbalancedError,
    account,
    balanced,
)

__all__ = ["AccountKind", "Posting", "Transaction", "UnbalancedError", "account", "balanced"]
