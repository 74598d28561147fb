"""Pages of the public ledger (:func:`service.payouts.public.ledger_page`): walked page by
page they are the whole ledger, each with the whole ledger's totals, and a cursor names an
entry, not a position nor an amount."""

from __future__ import annotations

import pytest

from service.db.pagination import CursorError
from service.payouts.public import ANONYMOUS, SECTIONS, PublicLedger, Totals, ledger_page


def _ledger(inflow_minor: int = 100) -> PublicLedger:
    return PublicLedger(
        "c1",
        "Geo Commons",
        inflows=[
            {"company": name, "currency": "EUR", "amount_minor": inflow_minor}
            for name in ("Acme", "Beta", "Gamma")
        ],
        adjustments=[{"kind": "refund", "currency": "EUR", "amount_minor": -10}],
        foundation_share=[{"period": "2026-11", "currency": "EUR", "amount_minor": 20}],
        outflows=[
            {"period": "2026-11", "alias": alias, "currency": "EUR", "amount_minor": 30}
            for alias in ("alice", "bob")
        ],
        totals={"EUR": Totals(collected_minor=290, foundation_share_minor=20, paid_minor=60)},
    )


def _flat(ledger: PublicLedger) -> list[tuple[str, dict[str, object]]]:
    return [(s, e) for s in SECTIONS for e in getattr(ledger, s)]


@pytest.mark.parametrize("limit", range(1, 9))
def test_a_ledger_walked_page_by_page_is_the_whole_ledger(limit: int) -> None:
    whole = _ledger()
    seen: list[tuple[str, dict[str, object]]] = []
    cursor: str | None = None
    pages = 0
    while True:
        page, cursor = ledger_page(whole, limit=limit, cursor=cursor)
        pages += 1
        assert page.totals == whole.totals and page.commons_id == "c1"
        size = len(_flat(page))
        assert size == limit if cursor is not None else 0 < size <= limit
        seen += _flat(page)
        if cursor is None:
            break
        assert len(cursor) <= 100  # what ?cursor= accepts
    assert seen == _flat(whole)
    assert pages == -(-7 // limit)


def test_a_ledger_cursor_outlives_amounts_but_not_its_entry() -> None:
    first, cursor = ledger_page(_ledger(), limit=2, cursor=None)
    assert [e["company"] for e in first.inflows] == ["Acme", "Beta"]
    # more money came in since: the same entries, other amounts; the cursor still holds
    later, _ = ledger_page(_ledger(inflow_minor=500), limit=2, cursor=cursor)
    assert [e["company"] for e in later.inflows] == ["Gamma"]
    assert later.adjustments == [{"kind": "refund", "currency": "EUR", "amount_minor": -10}]
    # "Beta" chose to be anonymous: its entry is gone, so is the cursor's place
    renamed = _ledger()
    renamed.inflows[1] = {"company": ANONYMOUS, "currency": "EUR", "amount_minor": 100}
    for bad in (cursor, "nope", "ledger.zz", cursor.removeprefix("ledger.")):
        with pytest.raises(CursorError, match="not a cursor of this ledger"):
            ledger_page(renamed if bad == cursor else _ledger(), limit=2, cursor=bad)
