"""The choice of the one row that carries a company's reciprocity payment to a commons for
a month (pure): exactly one carrier, billed rows untouched, stable when applied again."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from service.reports.once import MARKER_METHOD, NOTE, GroupRow, once_per_company

T0 = datetime(2026, 11, 1, tzinfo=UTC)
EVIDENCE = ({"method": "manifest", "file": "requirements.txt"},)


def row(project: str, amount: int | None, status: str = "owed", minutes: int = 0) -> GroupRow:
    return GroupRow(
        id=uuid.uuid4(),
        project=project,
        component_id=f"dependency:{project}",
        status=status,
        amount_minor=amount,
        reason="PPL 4(b): owed.",
        evidence=EVIDENCE,
        created_at=T0 + timedelta(minutes=minutes),
    )


def apply(rows: list[GroupRow]) -> list[GroupRow]:
    changes = {c.id: c for c in once_per_company(rows)}
    return [
        replace(r, amount_minor=c.amount_minor, reason=c.reason, evidence=c.evidence)
        if (c := changes.get(r.id))
        else r
        for r in rows
    ]


def test_the_oldest_of_equal_amounts_carries_and_the_others_say_where() -> None:
    a, b = row("acme/a", 1000, minutes=1), row("acme/b", 1000, minutes=2)
    done = {r.project: r for r in apply([b, a])}
    assert done["acme/a"].amount_minor == 1000 and done["acme/a"].reason == a.reason
    assert done["acme/b"].amount_minor == 0
    assert NOTE in done["acme/b"].reason and "'acme/a'" in done["acme/b"].reason
    assert [e for e in done["acme/b"].evidence if e["method"] == MARKER_METHOD][0][
        "amount_minor"
    ] == 1000


def test_a_billed_row_carries_even_when_smaller() -> None:
    billed, bigger = row("acme/a", 500, "invoiced"), row("acme/b", 9000)
    changes = once_per_company([billed, bigger])
    assert [c.id for c in changes] == [bigger.id]
    assert changes[0].amount_minor == 0 and "(invoiced)" in changes[0].reason


def test_rows_owing_nothing_are_left_alone() -> None:
    exempt = row("acme/a", 0, "exempt")
    declaration = row("acme/b", None, "needs-declaration")
    assert once_per_company([exempt, declaration]) == []


STATUS = st.sampled_from(["owed", "owed", "owed", "exempt", "invoiced", "paid"])


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=10**6), STATUS, st.integers(0, 5)),
        min_size=1,
        max_size=8,
    )
)
def test_exactly_one_row_carries_and_a_second_pass_changes_nothing(
    specs: list[tuple[int, str, int]],
) -> None:
    rows = [
        row(f"p{n}", amount, status, minutes) for n, (amount, status, minutes) in enumerate(specs)
    ]
    done = apply(rows)
    assert once_per_company(done) == []  # stable
    before = {r.id: r for r in rows}
    for r in done:
        if r.status != "owed":
            assert r == before[r.id]  # billed and exempt rows untouched
    billed = [r for r in rows if r.status in ("invoiced", "paid") and r.amount_minor]
    carrying = [r for r in done if r.status == "owed" and r.amount_minor]
    owing = [r for r in rows if r.status == "owed" and r.amount_minor]
    if billed:
        assert carrying == []
    elif owing:
        assert len(carrying) == 1
        assert carrying[0].amount_minor == max(r.amount_minor or 0 for r in owing)
    # nothing is lost: every owing row still knows its own amount
    for r in done:
        if r.status == "owed" and before[r.id].amount_minor:
            own = r.amount_minor or next(
                e["amount_minor"] for e in r.evidence if e["method"] == MARKER_METHOD
            )
            assert own == before[r.id].amount_minor
