"""The operator's work on users on a real SQLite database: search, adjustments that apply once
and never go below zero, discounts and blocks, each audited."""

from __future__ import annotations

import asyncio
import secrets
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from shipbot.db.database import Database
from shipbot.db.models import AuditEntry, LedgerEntry, User, utcnow
from shipbot.services import admin_users, ledger
from shipbot.services.admin_users import AdminInputError
from shipbot.services.audit import Actor

ACTOR = Actor(account_id=None, username="ops", client_address="192.0.2.7")


@pytest.fixture
async def database(migrated_url):
    db = Database(migrated_url)
    now = utcnow()
    async with db.transaction() as session:
        session.add_all([
            User(id=101, first_name="Ann", last_name="Lee", username="annlee",
                 created_at=now, last_seen_at=now),
            User(id=202, first_name="Boris", last_name=None, username="bo_ris",
                 created_at=now, last_seen_at=now),
            User(id=303, first_name="Anna", last_name="Karenina", username=None,
                 created_at=now, last_seen_at=now),
        ])  # fmt: skip
    yield db
    await db.dispose()


async def audit_rows(database) -> list[AuditEntry]:
    async with database.transaction() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


async def balance(database, user_id) -> int:
    async with database.transaction() as session:
        return await ledger.balance_of(session, user_id)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("101", [101]),
        ("@AnnLee", [101]),
        ("ann", [101, 303]),
        ("karenina", [303]),
        ("Ann Lee", [101]),
        ("bo_", [202]),  # an underscore is a character here, not a wildcard
        ("a_n", []),
        ("%", []),
        ("", [101, 202, 303]),
        ("99999999999999999999999", []),
    ],
)
async def test_search_by_id_username_or_name(database, query, found):
    async with database.transaction() as session:
        page = await admin_users.find_users(session, query)
    assert sorted(row.user.id for row in page.rows) == found
    assert page.total == len(found)


async def test_pages_and_badges(database):
    await admin_users.adjust_balance(database, ACTOR, 202, 5_00, "goodwill", "a" * 16)
    await admin_users.set_blocked(database, ACTOR, 303, True, "spam")
    async with database.transaction() as session:
        first = await admin_users.find_users(session, "", limit=2)
        second = await admin_users.find_users(session, "", offset=2, limit=2)
        badges = {row.user.id: row.badges for row in first.rows + second.rows}
    assert first.total == 3 and len(first.rows) == 2 and len(second.rows) == 1
    assert badges == {101: [], 202: ["has balance"], 303: ["blocked"]}


async def test_an_adjustment_submitted_twice_credits_once(database):
    action = secrets.token_urlsafe(16)
    results = await asyncio.gather(
        *(admin_users.adjust_balance(database, ACTOR, 101, 12_50, "refund by hand", action)
          for _ in range(5))
    )  # fmt: skip
    assert sorted(result.applied for result in results) == [False] * 4 + [True]
    assert await balance(database, 101) == 12_50
    (entry,) = await audit_rows(database)
    assert (entry.action, entry.target_id, entry.reason) == (
        "balance_adjustment", "101", "refund by hand"
    )
    assert entry.before == {"balance_cents": 0}
    assert entry.after == {"balance_cents": 12_50, "amount_cents": 12_50}
    assert (entry.admin_username, entry.client_address) == ("ops", "192.0.2.7")


async def test_an_adjustment_below_zero_is_refused_and_changes_nothing(database):
    await admin_users.adjust_balance(database, ACTOR, 101, 3_00, "credit", "b" * 16)
    with pytest.raises(AdminInputError, match=r"below zero: it is \$3.00"):
        await admin_users.adjust_balance(database, ACTOR, 101, -3_01, "debit", "c" * 16)
    assert await balance(database, 101) == 3_00
    assert len(await audit_rows(database)) == 1
    async with database.transaction() as session:
        assert len(list(await session.scalars(select(LedgerEntry)))) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reason": "  "}, "reason is required"),
        ({"action_id": "short"}, "out of date"),
        ({"user_id": 999}, "no such user"),
        ({"amount_cents": 60_00, "limit_cents": 50_00}, r"limited to \$50.00"),
    ],
)
async def test_refused_adjustments(database, kwargs, message):
    arguments = {"user_id": 101, "amount_cents": 1_00, "reason": "r", "action_id": "d" * 16}
    arguments |= kwargs
    limit = arguments.pop("limit_cents", None)
    with pytest.raises(AdminInputError, match=message):
        await admin_users.adjust_balance(database, ACTOR, limit_cents=limit, **arguments)
    assert await audit_rows(database) == []
    assert await balance(database, 101) == 0


@given(st.decimals(min_value=-1_000_000, max_value=1_000_000, places=2))
def test_amounts_parse_to_exact_cents(amount):
    if amount == 0:
        with pytest.raises(AdminInputError):
            admin_users.parse_cents(str(amount))
    else:
        assert admin_users.parse_cents(f"${amount:,}") == int(amount * 100)


@pytest.mark.parametrize("text", ["abc", "1.005", "NaN", "Infinity", "0", "1000000.01", ""])
def test_amounts_that_are_refused(text):
    with pytest.raises(AdminInputError):
        admin_users.parse_cents(text)


@pytest.mark.parametrize(
    ("text", "percent"), [("10", Decimal(10)), ("12.5%", Decimal("12.5")), ("0", Decimal(0))]
)
def test_discounts_parse(text, percent):
    assert admin_users.parse_discount(text) == percent


@pytest.mark.parametrize("text", ["-1", "100.01", "1.234", "ten", "NaN"])
def test_discounts_that_are_refused(text):
    with pytest.raises(AdminInputError):
        admin_users.parse_discount(text)


async def test_discount_and_block_are_audited_with_before_and_after(database):
    await admin_users.set_discount(database, ACTOR, 101, Decimal("12.5"), "loyal customer")
    assert await admin_users.set_blocked(database, ACTOR, 101, True, "chargeback")
    assert not await admin_users.set_blocked(database, ACTOR, 101, True, "again")
    assert await admin_users.set_blocked(database, ACTOR, 101, False, "")
    async with database.transaction() as session:
        user = await session.get(User, 101)
    assert user.discount_percent == Decimal("12.5") and not user.is_blocked
    rows = [(r.action, r.before, r.after, r.reason) for r in await audit_rows(database)]
    assert rows == [
        ("discount", {"discount_percent": "0.00"}, {"discount_percent": "12.5"}, "loyal customer"),
        ("block", {"blocked": False}, {"blocked": True}, "chargeback"),
        ("unblock", {"blocked": True}, {"blocked": False}, None),
    ]


async def test_the_detail_page_has_everything_of_the_user_and_nothing_else(database):
    await admin_users.adjust_balance(database, ACTOR, 101, 7_00, "credit", "e" * 16)
    await admin_users.adjust_balance(database, ACTOR, 202, 9_00, "credit", "f" * 16)
    async with database.transaction() as session:
        detail = await admin_users.user_detail(session, 101)
        missing = await admin_users.user_detail(session, 404)
    assert missing is None
    assert detail.row.balance_cents == 7_00
    assert [(e.user_id, e.amount_cents) for e in detail.ledger] == [(101, 7_00)]
    assert detail.orders == detail.invoices == detail.refunds == detail.addresses == []
