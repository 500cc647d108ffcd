"""The balance statement (issue 11 §3): one line per label purchase, not hold + release +
charge; a released hold that bought nothing is one "cancelled" line."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shipbot.domain.ledger import EntryKind, PurchaseOutcome, StatementLine, statement

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@dataclass
class Row:
    kind: str
    amount_cents: int
    reference: str
    created_at: datetime


def rows(*specs: tuple[EntryKind, int, str]) -> list[Row]:
    """Oldest first as written; returned newest first, as the ledger reads them."""
    made = [Row(k, c, r, T0 + timedelta(minutes=i)) for i, (k, c, r) in enumerate(specs)]
    return made[::-1]


def test_a_bought_label_is_one_line_charged_at_its_price():
    entries = rows(
        (EntryKind.TOP_UP, 25_00, "INV1"),
        (EntryKind.HOLD, -8_03, "MKTJ8HM3"),
        (EntryKind.HOLD_RELEASE, 8_03, "MKTJ8HM3"),
        (EntryKind.LABEL_CHARGE, -8_03, "MKTJ8HM3"),
    )
    assert statement(entries) == [
        StatementLine(
            EntryKind.LABEL_CHARGE,
            -8_03,
            "MKTJ8HM3",
            entries[0].created_at,
            PurchaseOutcome.CHARGED,
        ),
        StatementLine(EntryKind.TOP_UP, 25_00, "INV1", entries[-1].created_at),
    ]


def test_a_released_hold_is_cancelled_and_a_pending_one_shows_the_held_price():
    entries = rows(
        (EntryKind.HOLD, -5_00, "FAILED01"),
        (EntryKind.HOLD_RELEASE, 5_00, "FAILED01"),
        (EntryKind.HOLD, -7_00, "BUYING01"),
    )
    assert [(line.reference, line.amount_cents, line.outcome) for line in statement(entries)] == [
        ("BUYING01", -7_00, PurchaseOutcome.PENDING),
        ("FAILED01", 0, PurchaseOutcome.CANCELLED),
    ]


def test_a_page_that_cuts_off_the_hold_still_shows_the_charge():
    entries = rows(
        (EntryKind.HOLD_RELEASE, 8_03, "MKTJ8HM3"),
        (EntryKind.LABEL_CHARGE, -8_03, "MKTJ8HM3"),
        (EntryKind.REFUND, 8_03, "R1"),
    )
    assert [(line.kind, line.amount_cents, line.outcome) for line in statement(entries)] == [
        (EntryKind.REFUND, 8_03, None),
        (EntryKind.LABEL_CHARGE, -8_03, PurchaseOutcome.CHARGED),
    ]
