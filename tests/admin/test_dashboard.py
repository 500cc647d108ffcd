"""The dashboard page (also /admin) and GET /api/admin/dashboard on the real app: the figures of
a small seeded history for today, 7 days, 30 days and a custom range, per day and per week;
bad ranges answered with a clear message (400 on the page, 422 in the API); both charts
embedded as well-formed SVG; top users linking to their pages; a support account sees it all."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from html import unescape

import pytest

from shipbot.db.database import Database
from shipbot.db.models import Balance, Invoice, LedgerEntry, Order, User, utcnow
from shipbot.domain.ledger import EntryKind
from shipbot.services.quoting import PricedRate
from tests.admin.conftest import SUPPORT, browser, logged_in
from tests.support.sandbox_client import ADMIN_TOKEN

SVG = "{http://www.w3.org/2000/svg}"
API = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def midnight_today() -> datetime:
    return datetime.combine(utcnow().date(), time(), tzinfo=UTC)


@dataclass(frozen=True)
class Sale:
    user_id: int
    days_ago: int
    carrier: tuple[str, str]  # code, name
    price_cents: int
    cost_cents: int


# Four users, each created `days_ago` with a $100 top-up, and the labels they bought.
USERS = {101: ("Ann", 40), 102: ("Bob", 20), 103: ("Cyd", 3), 104: ("Dee", 0)}
SALES = [
    Sale(101, 40, ("usps", "USPS"), 10_00, 8_00),
    Sale(102, 20, ("ups", "UPS"), 20_00, 15_00),
    Sale(103, 3, ("usps", "USPS"), 7_00, 5_00),
    Sale(104, 0, ("fedex", "FedEx"), 12_00, 9_00),
    Sale(104, 0, ("usps", "USPS"), 6_00, 4_00),
]


async def seed(database: Database) -> None:
    """The rows the services write for this history, at midnight UTC of each day."""
    today = midnight_today()
    balances = {user_id: 100_00 for user_id in USERS}
    async with database.transaction() as session:
        for user_id, (name, days_ago) in USERS.items():
            at = today - timedelta(days=days_ago)
            session.add(User(id=user_id, first_name=name, created_at=at, last_seen_at=at))
        await session.flush()
        for user_id, (_, days_ago) in USERS.items():
            at = today - timedelta(days=days_ago)
            session.add(
                Invoice(
                    id=f"T{user_id}",
                    user_id=user_id,
                    chat_id=user_id,
                    track_id=f"track-{user_id}",
                    amount_cents=100_00,
                    received_cents=100_00,
                    credited_cents=100_00,
                    status="paid",
                    payment_url="http://pay",
                    expires_at=at + timedelta(hours=1),
                    created_at=at,
                )
            )
            session.add(entry(user_id, EntryKind.TOP_UP, 100_00, f"T{user_id}", at))
        for number, sale in enumerate(SALES):
            at = today - timedelta(days=sale.days_ago)
            code, name = sale.carrier
            rate = PricedRate(
                "r", "c", code, name, "svc", "Service", sale.cost_cents, sale.price_cents, 3, None
            )
            order_id = f"O{number}"
            session.add(
                Order(
                    id=order_id,
                    user_id=sale.user_id,
                    status="purchased",
                    shipment={},
                    rate=rate.to_dict(),
                    price_cents=sale.price_cents,
                    quote_id="q",
                    quote_expires_at=at,
                    created_at=at,
                    purchased_at=at,
                )
            )
            session.add(
                entry(sale.user_id, EntryKind.LABEL_CHARGE, -sale.price_cents, order_id, at)
            )
            balances[sale.user_id] -= sale.price_cents
        session.add_all(Balance(user_id=user, cents=cents) for user, cents in balances.items())


def entry(user_id: int, kind: EntryKind, cents: int, reference: str, at: datetime) -> LedgerEntry:
    return LedgerEntry(
        user_id=user_id,
        kind=kind.value,
        amount_cents=cents,
        reference=reference,
        idempotency_key=f"{kind.value}:{reference}",
        created_at=at,
    )


def cell(html: str, element_id: str) -> str:
    """The text of the element with this id, tags removed."""
    found = re.search(rf'<(\w+)[^>]* id="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert found, f"no #{element_id} on the page"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(2))).split())


def figures(html: str) -> dict[str, str]:
    names = ["revenue", "carrier-cost", "gross-profit", "labels-sold", "top-ups"]
    names += ["new-users", "active-users", "balances-owed"]
    return {name: cell(html, name) for name in names}


OWED = "$345.00 (4 users with a balance)"
EXPECTED = {
    "today": {
        "revenue": "$18.00",
        "carrier-cost": "$13.00",
        "gross-profit": "$5.00",
        "labels-sold": "2",
        "top-ups": "$100.00",
        "new-users": "1",
        "active-users": "1",
        "balances-owed": OWED,
    },
    "7d": {
        "revenue": "$25.00",
        "carrier-cost": "$18.00",
        "gross-profit": "$7.00",
        "labels-sold": "3",
        "top-ups": "$200.00",
        "new-users": "2",
        "active-users": "2",
        "balances-owed": OWED,
    },
    "30d": {
        "revenue": "$45.00",
        "carrier-cost": "$33.00",
        "gross-profit": "$12.00",
        "labels-sold": "4",
        "top-ups": "$300.00",
        "new-users": "3",
        "active-users": "3",
        "balances-owed": OWED,
    },
}


@pytest.fixture
async def seeded(database, accounts) -> None:
    await seed(database)


@pytest.mark.parametrize("period", ["today", "7d", "30d"])
async def test_each_period_shows_the_figures_of_its_days(app, seeded, period):
    async with browser(app) as owner:
        await logged_in(owner)
        page = await owner.get("/admin/dashboard", params={"period": period})
    assert page.status_code == 200
    assert figures(page.text) == EXPECTED[period]


async def test_the_home_page_is_the_dashboard_of_the_last_7_days(app, seeded):
    async with browser(app) as owner:
        await logged_in(owner)
        home = await owner.get("/admin")
    assert home.status_code == 200
    assert "<h1>Dashboard</h1>" in home.text
    assert figures(home.text) == EXPECTED["7d"]


async def test_a_custom_range_shows_only_its_days(app, seeded):
    today = midnight_today().date()
    since, until = today - timedelta(days=45), today - timedelta(days=35)
    async with browser(app) as owner:
        await logged_in(owner)
        page = await owner.get(
            "/admin/dashboard",
            params={"period": "custom", "since": since.isoformat(), "until": until.isoformat()},
        )
    assert page.status_code == 200
    assert figures(page.text) == {
        "revenue": "$10.00",
        "carrier-cost": "$8.00",
        "gross-profit": "$2.00",
        "labels-sold": "1",
        "top-ups": "$100.00",
        "new-users": "1",
        "active-users": "1",
        "balances-owed": OWED,  # now, whatever the period
    }
    # The form shows the range it was given, and the days the table covers are those.
    assert f'value="{since.isoformat()}"' in page.text
    assert f'value="{until.isoformat()}"' in page.text
    assert len(bucket_rows(page.text)) == 11


def bucket_rows(html: str) -> list[str]:
    table = re.search(r'<table id="buckets">(.*?)</table>', html, re.S).group(1)
    return re.findall(r"<tr>\s*<td>(\d{4}-\d\d-\d\d)</td>", table)


async def test_per_week_the_buckets_start_on_mondays(app, seeded):
    async with browser(app) as owner:
        await logged_in(owner)
        page = await owner.get("/admin/dashboard", params={"period": "30d", "bucket": "week"})
    assert page.status_code == 200
    starts = [date.fromisoformat(day) for day in bucket_rows(page.text)]
    assert starts and all(day.weekday() == 0 for day in starts)
    assert starts == sorted(starts) and len(starts) in (5, 6)
    assert figures(page.text) == EXPECTED["30d"]  # the totals do not depend on the bucket


async def test_labels_by_carrier_and_top_users_link_to_their_pages(app, seeded):
    async with browser(app) as owner:
        await logged_in(owner)
        page = (await owner.get("/admin/dashboard", params={"period": "30d"})).text
    carriers = re.search(r'<table id="by-carrier">(.*?)</table>', page, re.S).group(1)
    assert re.findall(r"<tr><td>(\w+)</td><td>(\d+)</td></tr>", carriers) == [
        ("USPS", "2"),
        ("FedEx", "1"),
        ("UPS", "1"),
    ]
    by_labels = cell(page, "top-by-labels")
    assert by_labels.startswith("By labels bought User Labels Spend Dee 2 $18.00")
    assert 'href="/admin/users/104"' in page
    by_spend = cell(page, "top-by-spend")
    assert by_spend.startswith("By spend (net of refunds) User Labels Spend Bob 1 $20.00 Dee")
    assert 'href="/admin/users/102"' in page
    assert 'href="/admin/users/101"' not in page  # Ann bought nothing in these 30 days


async def test_both_charts_are_inline_svg_with_a_bar_per_day_and_series(app, seeded):
    async with browser(app) as owner:
        await logged_in(owner)
        page = (await owner.get("/admin/dashboard", params={"period": "7d"})).text
    charts = [ET.fromstring(svg) for svg in re.findall(r"<svg .*?</svg>", page, re.S)]
    assert [chart.get("aria-label") for chart in charts] == [
        "Revenue and gross profit",
        "Labels sold by carrier",
    ]
    revenue, carriers = charts
    assert len(revenue.findall(f".//{SVG}rect[@class='bar']")) == 7 * 2
    # Stacked: one bar per carrier on each day it sold, three labels in all.
    tips = [bar.find(f"{SVG}title").text for bar in carriers.findall(f".//{SVG}rect[@class='bar']")]
    assert sorted(tip.split(" · ")[1] for tip in tips) == [
        "FedEx: 1",
        "USPS: 1",
        "USPS: 1",
    ]
    assert not list(revenue.iter(f"{SVG}script")) and "<script" not in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "custom", "since": "2026-11-10", "until": "2026-11-01"}, "is before"),
        ({"period": "custom", "since": "2026-11-01", "until": "tomorrow"}, "is not a date"),
        ({"period": "custom", "since": "2026-11-01"}, "needs its last day"),
        ({"period": "custom", "since": "2024-01-01", "until": "2026-01-01"}, "at most 366 days"),
        ({"period": "forever"}, "There is no period"),
        ({"period": "7d", "bucket": "month"}, "per day or per week"),
    ],
)
async def test_a_bad_range_is_explained_on_the_page(app, accounts, params, message):
    async with browser(app) as owner:
        await logged_in(owner)
        page = await owner.get("/admin/dashboard", params=params)
        api = await owner.get("/api/admin/dashboard", params=params, headers=API)
    assert page.status_code == 400
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', page.text, re.S)
    assert error and message in unescape(error.group(1))
    assert '<form class="filters"' in page.text  # the form stays, to correct it
    assert "<svg" not in page.text
    assert api.status_code == 422
    assert api.json()["error"]["code"] == "invalid_request"
    assert message in api.json()["error"]["message"]


async def test_a_support_account_sees_the_dashboard(app, seeded):
    async with browser(app) as support:
        await logged_in(support, SUPPORT)
        page = await support.get("/admin/dashboard", params={"period": "today"})
    assert page.status_code == 200
    assert figures(page.text) == EXPECTED["today"]
    assert page.text.count("<svg ") == 2


async def test_the_api_gives_the_pages_figures_in_cents(app, seeded):
    async with browser(app) as caller:
        for period, shown in EXPECTED.items():
            response = await caller.get(
                "/api/admin/dashboard", params={"period": period}, headers=API
            )
            assert response.status_code == 200
            body = response.json()
            totals = body["totals"]
            assert [
                totals["revenue_cents"],
                totals["carrier_cost_cents"],
                totals["gross_profit_cents"],
                totals["labels_sold"],
                totals["top_ups_cents"],
                totals["new_users"],
                totals["active_users"],
            ] == [
                cents(shown["revenue"]),
                cents(shown["carrier-cost"]),
                cents(shown["gross-profit"]),
                int(shown["labels-sold"]),
                cents(shown["top-ups"]),
                int(shown["new-users"]),
                int(shown["active-users"]),
            ], period
            assert (body["balances_owed_cents"], body["users_with_balance"]) == (345_00, 4)
        week = await caller.get(
            "/api/admin/dashboard", params={"period": "30d", "bucket": "week"}, headers=API
        )
    body = week.json()
    assert body["bucket"] == "week"
    assert sum(one["figures"]["labels_sold"] for one in body["buckets"]) == 4
    assert [(c["carrier_code"], c["total"]) for c in body["labels_by_carrier"]] == [
        ("usps", 2),
        ("fedex", 1),
        ("ups", 1),
    ]
    today = midnight_today().date()
    cyd_this_week = (today - timedelta(days=3)).isocalendar()[:2] == today.isocalendar()[:2]
    assert body["labels_by_carrier"][0]["per_bucket"][-1] == 1 + cyd_this_week  # USPS
    assert [user["user_id"] for user in body["top_by_labels"]] == [104, 102, 103]
    assert body["top_by_spend"][0] == {
        "user_id": 102,
        "first_name": "Bob",
        "last_name": None,
        "username": None,
        "labels": 1,
        "spend_cents": 20_00,
    }


def cents(shown: str) -> int:
    return int(shown.replace("$", "").replace(",", "").replace(".", ""))


async def test_the_api_defaults_to_the_last_7_days_per_day(app):
    async with browser(app) as caller:
        response = await caller.get("/api/admin/dashboard", headers=API)
    body = response.json()
    assert response.status_code == 200
    assert body["bucket"] == "day" and len(body["buckets"]) == 7
    start = datetime.fromisoformat(body["start"])
    assert start == midnight_today() - timedelta(days=6)
