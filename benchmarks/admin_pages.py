"""Admin panel latency: every list, search, detail and dashboard page of /admin over a seeded
shop (by default 20,000 users and 100,000 orders spread over the last year), on SQLite and on
PostgreSQL.

The real application is built in-process as tests/admin/conftest.py builds it (`create_app`
with the sandbox carrier and payment provider, `register_webhook=False`, its lifespan run by
hand), an owner account is created with `admin_accounts.create_account`, and a browser logged
in through the login form GETs each page over httpx's ASGI transport: the figure is the whole
request (session check, queries, Jinja rendering, security headers), without a socket.

The shop is seeded with bulk Core inserts, shaped as the services write their rows: users
(two in three with a @username, a few blocked or having blocked the bot), their top-up
invoices and `top_up` ledger entries, rate quotes, orders whose `rate` is a `PricedRate` of
the sandbox carrier's services and whose `shipment` is a real one, the purchase's `hold`,
`hold_release` and `label_charge` entries, refunds (approved with a `refund` entry, refused,
some decided as goodwill or closed), balances equal to each user's ledger sum, audit entries
and the last hour's processed updates. Orders go mostly to a minority of heavy users, as in a
real shop. PostgreSQL is a throwaway cluster (tests/support/postgres.py), VACUUM ANALYZEd after
the seed as autovacuum would soon do; SQLite is left as the application leaves it (no ANALYZE).

After the seed the dashboard's daily roll-up is run over every closed day, as the roll-up job
(services/stats_rollup.py) has it in a running shop; with --before-rollup the dashboard pages
are also measured before it, that is computed live. After the roll-up both databases are
VACUUM ANALYZEd again on PostgreSQL, as autovacuum does after many inserts: the roll-up's
tables were empty when the planner last looked. SQLite stays unanalyzed, as the application
leaves it (its statistics would make the planner scan every order for a rare status).
--area measures one area's pages only.

Each page is requested once to warm up, then --runs times in turn; the report gives p50, p95,
p99 and max per page and database, and the status code seen. For every page whose p95 misses the
target (150 ms) it shows the page's slowest SQL statement with its plan (EXPLAIN QUERY PLAN on
SQLite, EXPLAIN ANALYZE on PostgreSQL). The monitoring page also calls Telegram (here an
address where nothing listens: refused at once), the carrier and the payment provider
(sandbox, in-process): its figure is an upper bound of the database's share. The CSV export
of every order is measured with fewer runs (--csv-runs): it is a download, not a page.

    .venv/bin/python -m benchmarks.admin_pages --database both \\
        --out benchmarks/results/admin_pages.md
"""

from __future__ import annotations

import asyncio
import random
import re
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import event, insert, text

from benchmarks.harness import (
    argument_parser,
    markdown_table,
    percentile_ms,
    report_header,
    run_from_command_line,
)
from shipbot.config import load_settings
from shipbot.db.database import Database
from shipbot.db.models import (
    AuditEntry,
    Balance,
    Invoice,
    LedgerEntry,
    Order,
    ProcessedUpdate,
    RateQuote,
    Refund,
    User,
    utcnow,
)
from shipbot.domain import ledger as keys
from shipbot.domain.ledger import EntryKind
from shipbot.domain.parcel import PRESETS
from shipbot.providers.carriers.sandbox.catalog import SERVICES
from shipbot.services.admin_accounts import Role, create_account
from shipbot.services.audit import COMMAND_LINE
from shipbot.services.quoting import PricedRate
from shipbot.services.stats_rollup import roll_up_closed_days
from shipbot.web.app import create_app
from tests.support.payments import SANDBOX_KEY
from tests.support.postgres import PostgresCluster

TARGET_MS = 150.0
TOKEN = "123456789:BENCHbenchBENCHbenchBENCHbenchBENCH"
SECRET = "benchmark-secret-0123456789abcdef"
OWNER, PASSWORD = "olga", "correct horse battery staple"
CHUNK = 5_000  # rows per bulk insert
YEAR = timedelta(days=365)
AUDIT_ROWS = 3_000
UPDATES_LAST_HOUR = 5_000
_CSRF_INPUT = re.compile(r'<input type="hidden" name="(csrf[^"]*)" value="([^"]+)"')
_OLDER = re.compile(r'href="(/admin/orders\?[^"]*cursor=[^"]+)"')

FIRST = ["James", "Mary", "Olga", "Ivan", "Linda", "Chen", "Maria", "Ahmed", "Anna", "Lee"]
LAST = ["Smith", "Johnson", "Petrov", "Garcia", "Brown", "Kim", "Nguyen", "Ivanova", "Miller"]
CITIES = [
    ("New York", "NY", "10118"),
    ("San Francisco", "CA", "94117"),
    ("Austin", "TX", "78701"),
    ("Miami", "FL", "33101"),
    ("Chicago", "IL", "60601"),
    ("Seattle", "WA", "98101"),
]


# -- the seed ------------------------------------------------------------------------------


@dataclass
class Seeded:
    """What the pages are asked about: real ids, names and values from the seed."""

    counts: dict[str, int] = field(default_factory=dict)
    heavy_user: int = 0  # the user with the most orders
    user_id: int = 0  # an ordinary user
    username: str = ""
    name_part: str = ""
    order_id: str = ""  # a purchased, refunded order with a refund and ledger entries
    tracking: str = ""
    refund_user: int = 0
    month_since: str = ""
    month_until: str = ""
    seconds: float = 0.0


def _address(rng: random.Random, name: str) -> dict:
    city, state, zip_code = rng.choice(CITIES)
    return {
        "name": name,
        "company": None,
        "street1": f"{rng.randint(1, 9999)} Main St",
        "street2": None,
        "city": city,
        "state": state,
        "zip": zip_code,
        "phone": None,
    }


def _shipment(rng: random.Random, sender: str, recipient: str) -> dict:
    dimensions = rng.choice(list(PRESETS.values()))
    return {
        "ship_from": _address(rng, sender),
        "ship_to": _address(rng, recipient),
        "ounces": str(rng.randint(2, 640)),
        "dimensions": [str(dimensions.length), str(dimensions.width), str(dimensions.height)],
        "residential": True,
    }


def _moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max(1, int((end - start).total_seconds()))
    return start + timedelta(seconds=rng.randrange(span), microseconds=rng.randrange(1_000_000))


def make_rows(users: int, orders: int, seed: int = 10) -> tuple[dict[type, list[dict]], Seeded]:
    """Every table's rows, as dicts for Core inserts, in an order the foreign keys accept."""
    rng = random.Random(seed)
    now = utcnow()
    start = now - YEAR
    rows: dict[type, list[dict]] = defaultdict(list)
    seeded = Seeded()
    serial = iter(range(1, 10**9))

    user_ids = [10_000_000 + n for n in range(users)]
    created_of: dict[int, datetime] = {}
    for user_id in user_ids:
        created = _moment(rng, start, now - timedelta(hours=1))
        seen = _moment(rng, created, now)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows[User].append(
            {
                "id": user_id,
                "first_name": f"{first}{user_id % 1000}",
                "last_name": last if rng.random() < 0.7 else None,
                "username": f"{first.lower()}_{user_id}" if user_id % 3 else None,
                "telegram_language": rng.choice(["en", "ru", None]),
                "language": None,
                "is_blocked": rng.random() < 0.01,
                "blocked_bot_at": _moment(rng, seen, now) if rng.random() < 0.03 else None,
                "discount_percent": Decimal(0),
                "created_at": created,
                "last_seen_at": seen,
            }
        )
        created_of[user_id] = created

    # Most orders from a few users: Pareto-like weights.
    weights = [rng.paretovariate(1.2) for _ in user_ids]
    owners = rng.choices(user_ids, weights=weights, k=orders)
    spend: dict[int, int] = defaultdict(int)
    balances: dict[int, int] = defaultdict(int)
    order_counts: dict[int, int] = defaultdict(int)
    ledger: list[dict] = []

    def entry(user_id: int, kind: EntryKind, cents: int, reference: str, key: str, at) -> None:
        ledger.append(
            {
                "user_id": user_id,
                "kind": kind.value,
                "amount_cents": cents,
                "reference": reference,
                "idempotency_key": key,
                "created_at": at,
            }
        )
        balances[user_id] += cents

    refund_candidates = []
    first_at: dict[int, datetime] = {}
    last_at: dict[int, datetime] = {}
    for user_id in owners:
        order_counts[user_id] += 1
        # Uniform over the year; the user is made to have joined before (below).
        asked = _moment(rng, start, now - timedelta(minutes=15))
        first_at[user_id] = min(asked, first_at.get(user_id, asked))
        last_at[user_id] = max(asked, last_at.get(user_id, asked))
        quote_id = f"{next(serial):032x}"
        shipment = _shipment(rng, "John Smith", f"{rng.choice(FIRST)} {rng.choice(LAST)}")
        rows[RateQuote].append(
            {
                "id": quote_id,
                "user_id": user_id,
                "shipment_key": quote_id * 2,
                "shipment": shipment,
                "rates": [],
                "created_at": asked,
                "expires_at": asked + timedelta(minutes=15),
            }
        )
        service = rng.choice(SERVICES)
        cost = rng.randint(4_00, 60_00)
        price = cost + max(1_00, cost // 10)
        rate = PricedRate(
            rate_id=f"se-{next(serial)}",
            carrier_id=service.carrier_id,
            carrier_code=service.carrier_code,
            carrier_name=service.carrier_name,
            service_code=service.service_code,
            service_name=service.service_name,
            carrier_total_cents=cost,
            price_cents=price,
            delivery_days=rng.randint(1, 5),
            estimated_delivery=None,
        )
        order_id = f"B{next(serial):07d}"
        ordered = asked + timedelta(seconds=rng.randint(5, 600))
        outcome = rng.choices(
            ["purchased", "quoted", "failed", "purchasing"], weights=[75, 18, 6.99, 0.01]
        )[0]
        order = {
            "id": order_id,
            "user_id": user_id,
            "status": outcome,
            "shipment": shipment,
            "rate": rate.to_dict(),
            "price_cents": price,
            "quote_id": quote_id,
            "quote_expires_at": asked + timedelta(minutes=15),
            "label_id": None,
            "tracking_number": None,
            "failure_reason": None,
            "purchased_at": None,
            "refund_deadline": None,
            "told_at": None,
            "created_at": ordered,
            "updated_at": ordered,
        }
        rows[Order].append(order)
        if outcome in ("quoted", "purchasing"):
            continue
        paid = ordered + timedelta(seconds=rng.randint(1, 300))
        settled = paid + timedelta(seconds=rng.randint(1, 30))
        entry(user_id, EntryKind.HOLD, -price, order_id, keys.hold_key(order_id), paid)
        entry(user_id, EntryKind.HOLD_RELEASE, price, order_id, keys.settle_key(order_id), settled)
        if outcome == "failed":
            order.update(failure_reason="The carrier refused the label.", updated_at=settled)
            continue
        entry(user_id, EntryKind.LABEL_CHARGE, -price, order_id, keys.charge_key(order_id), settled)
        spend[user_id] += price
        order.update(
            label_id=f"se-label-{order_id}",
            tracking_number=f"9400{next(serial):018d}",
            purchased_at=settled,
            refund_deadline=settled + timedelta(days=30),
            told_at=settled,
            updated_at=settled,
        )
        if rng.random() < 0.12:
            refund_candidates.append(order)

    for user in rows[User]:  # joined before the first order, seen at the last one or later
        user_id = user["id"]
        if user_id in first_at:
            joined = first_at[user_id] - timedelta(minutes=rng.randint(40, 3 * 86400 // 60))
            user["created_at"] = created_of[user_id] = min(user["created_at"], joined)
            user["last_seen_at"] = max(user["last_seen_at"], last_at[user_id])

    for order in refund_candidates:
        refund_id = f"R{next(serial):09d}"
        at = order["purchased_at"] + timedelta(seconds=rng.randint(60, 10 * 86400))
        at = min(at, now)
        approved = rng.random() < 0.75
        decision = None if approved else rng.choice([None, None, "goodwill", "closed"])
        user_id = order["user_id"]
        rows[Refund].append(
            {
                "id": refund_id,
                "order_id": order["id"],
                "user_id": user_id,
                "status": "approved" if approved else "refused",
                "amount_cents": order["price_cents"] if approved else 0,
                "carrier_message": "" if approved else "The parcel was scanned.",
                "created_at": at,
                "decision": decision,
                "decided_at": at + timedelta(hours=2) if decision else None,
                "decided_by": OWNER if decision else None,
                "note": "benchmark" if decision else None,
            }
        )
        if approved:
            order["status"] = "refunded"
            entry(
                user_id,
                EntryKind.REFUND,
                order["price_cents"],
                refund_id,
                keys.refund_key(refund_id),
                at,
            )
        elif decision == "goodwill":
            entry(
                user_id,
                EntryKind.ADJUSTMENT,
                order["price_cents"],
                refund_id,
                keys.goodwill_key(refund_id),
                at + timedelta(hours=2),
            )
        if not seeded.order_id and approved:
            seeded.order_id, seeded.tracking = order["id"], order["tracking_number"]
            seeded.refund_user = user_id

    # Top-ups: enough for what each user spent, in one to three invoices, and a few still open
    # or expired; credited ones have their `top_up` entry.
    for user_id in user_ids:
        need = spend[user_id] + rng.choice([0, 0, 5_00, 20_00, 100_00])
        parts = rng.randint(1, 3)
        for part in range(parts):
            cents = need // parts + (need % parts if part == 0 else 0)
            invoice_id = f"T{next(serial):09d}"
            opened = created_of[user_id] + timedelta(minutes=rng.randint(1, 30) + part)
            status = "paid" if cents else rng.choice(["expired", "expired", "waiting"])
            cents = cents or rng.choice([10_00, 25_00, 50_00])
            held = 0
            if status == "paid" and rng.random() < 0.002:
                held = 1_00
            rows[Invoice].append(
                {
                    "id": invoice_id,
                    "user_id": user_id,
                    "chat_id": user_id,
                    "track_id": f"track-{invoice_id}",
                    "amount_cents": cents,
                    "received_cents": cents + held if status == "paid" else 0,
                    "credited_cents": cents if status == "paid" else 0,
                    "status": status,
                    "payment_url": f"https://pay.example/{invoice_id}",
                    "expires_at": opened + timedelta(hours=1),
                    "message_id": rng.randint(1, 10_000),
                    "told_status": status,
                    "told_cents": cents if status == "paid" else 0,
                    "held_cents": held,
                    "review_reason": "paid above the invoice" if held else None,
                    "told_review": None,
                    "order_id": None,
                    "created_at": opened,
                    "updated_at": opened,
                }
            )
            if status == "paid":
                entry(
                    user_id,
                    EntryKind.TOP_UP,
                    cents,
                    invoice_id,
                    keys.top_up_key(f"track-{invoice_id}"),
                    opened + timedelta(minutes=3),
                )
    rows[LedgerEntry] = sorted(ledger, key=lambda row: row["created_at"])
    rows[Balance] = [
        {"user_id": user_id, "cents": balances[user_id], "updated_at": now} for user_id in user_ids
    ]
    assert min(balances.values(), default=0) >= 0

    actions = ["login", "balance_adjustment", "discount", "block", "unblock", "settings"]
    for n in range(AUDIT_ROWS):
        user_id = rng.choice(user_ids)
        rows[AuditEntry].append(
            {
                "at": now - YEAR + YEAR * n / AUDIT_ROWS,
                "admin_account_id": None,
                "admin_username": rng.choice([OWNER, "sam"]),
                "client_address": "192.0.2.10",
                "action": rng.choice(actions),
                "target_type": "user",
                "target_id": str(user_id),
                "before": {"balance_cents": 0},
                "after": {"balance_cents": 100},
                "reason": "benchmark",
            }
        )
    for n in range(UPDATES_LAST_HOUR):
        rows[ProcessedUpdate].append(
            {
                "update_id": 1_000_000 + n,
                "chat_id": rng.choice(user_ids),
                "outcome": "failed" if n % 200 == 0 else "handled",
                "processed_at": now - timedelta(seconds=rng.randint(0, 3500)),
            }
        )

    seeded.heavy_user = max(order_counts, key=order_counts.__getitem__)
    ordinary = [u for u in user_ids if u % 3 and order_counts.get(u, 0) >= 3]
    seeded.user_id = ordinary[len(ordinary) // 2]
    seeded.username = next(r["username"] for r in rows[User] if r["id"] == seeded.user_id)
    seeded.name_part = "ivan"
    month_end = (now - timedelta(days=60)).date()
    seeded.month_since = (month_end - timedelta(days=29)).isoformat()
    seeded.month_until = month_end.isoformat()
    seeded.counts = {model.__tablename__: len(table) for model, table in rows.items()}
    return rows, seeded


async def seed(database: Database, rows: dict[type, list[dict]]) -> None:
    order = [User, Balance, RateQuote, Order, Invoice, Refund, LedgerEntry, AuditEntry]
    order.append(ProcessedUpdate)
    for model in order:
        table = rows[model]
        for first in range(0, len(table), CHUNK):
            async with database.write_transaction() as session:
                await session.execute(insert(model), table[first : first + CHUNK])


# -- the databases and the app ------------------------------------------------------------


@asynccontextmanager
async def database_url(kind: str, workdir: Path) -> AsyncIterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'admin.db'}"
        return
    cluster = PostgresCluster().start()
    try:
        yield cluster.url
    finally:
        cluster.stop()


def settings_for(url: str, workdir: Path):
    return load_settings(
        _env_file=None,
        bot_token=TOKEN,
        webhook_secret=SECRET,
        webhook_base_url="http://testserver",
        telegram_api_url="http://127.0.0.1:9",  # nothing listens: refused at once
        database_url=url,
        payment_provider="sandbox",
        carrier_provider="sandbox",
        sandbox_merchant_key=SANDBOX_KEY,
        labels_dir=str(workdir / "labels"),
        # The background jobs run once at start-up (on the empty database), then not again
        # within the measurement.
        invoice_poll_seconds=3600,
        log_level="WARNING",
    )


@asynccontextmanager
async def running_app(settings) -> AsyncIterator:
    app = create_app(settings, register_webhook=False)
    try:
        async with app.router.lifespan_context(app):
            yield app
    finally:
        runtime = getattr(app.state, "runtime", None)
        if runtime is not None:  # the bot's routers may join one dispatcher per process
            for router in runtime.dispatcher.sub_routers:
                router._parent_router = None


async def logged_in_browser(app) -> httpx.AsyncClient:
    # A page that fails is recorded with its status (500), not raised: the others go on.
    transport = httpx.ASGITransport(
        app=app, client=("192.0.2.10", 40000), raise_app_exceptions=False
    )
    client = httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=120)
    form = await client.get("/admin/login")
    name, token = _CSRF_INPUT.search(form.text).groups()
    answer = await client.post(
        "/admin/login", data={"username": OWNER, "password": PASSWORD, name: token}
    )
    assert answer.status_code == 303, answer.text[:500]
    return client


class StatementLog:
    """Each SQL statement's own time while `recording`: the slowest of a page is explained."""

    def __init__(self, database: Database) -> None:
        self.recording = False
        self.statements: list[tuple[float, str, object]] = []
        engine = database.engine.sync_engine
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.recording:
            took = time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())
            self.statements.append((took, statement, parameters))


async def vacuum_analyze(database: Database) -> None:
    """What autovacuum soon does to new rows on PostgreSQL: planner statistics, and the
    visibility map that index-only scans need."""
    async with database.engine.connect() as connection:
        conn = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE"))


# -- the pages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    area: str
    path: str
    runs: int | None = None  # None: --runs
    before_rollup: bool = False  # measured before the dashboard's roll-up ran


def pages(seeded: Seeded, older_orders: str) -> list[Page]:
    since, until = seeded.month_since, seeded.month_until
    year_ago = (utcnow() - timedelta(days=364)).date().isoformat()
    today = utcnow().date().isoformat()
    return [
        Page("dashboard", "/admin"),
        Page("dashboard", "/admin/dashboard?period=today"),
        Page("dashboard", "/admin/dashboard?period=7d&bucket=week"),
        Page("dashboard", "/admin/dashboard?period=30d"),
        Page("dashboard", f"/admin/dashboard?period=custom&since={since}&until={until}"),
        Page(
            "dashboard",
            f"/admin/dashboard?period=custom&since={year_ago}&until={today}&bucket=week",
        ),
        Page("monitoring", "/admin/monitoring"),
        Page("users", "/admin/users"),
        Page("users", "/admin/users?offset=10000"),
        Page("users", f"/admin/users?q={seeded.name_part}"),
        Page("users", f"/admin/users?q=%40{seeded.username}"),
        Page("users", f"/admin/users?q={seeded.user_id}"),
        Page("users", "/admin/users?q=nobody-by-this-name"),
        Page("users", f"/admin/users/{seeded.user_id}"),
        Page("users", f"/admin/users/{seeded.heavy_user}"),
        Page("orders", "/admin/orders"),
        Page("orders", older_orders),
        Page("orders", f"/admin/orders?q={seeded.order_id}"),
        Page("orders", f"/admin/orders?q={seeded.tracking}"),
        Page("orders", f"/admin/orders?q={seeded.user_id}"),
        Page("orders", f"/admin/orders?q=%40{seeded.username}"),
        Page("orders", f"/admin/orders?q={seeded.heavy_user}"),
        Page("orders", "/admin/orders?status=failed"),
        Page("orders", "/admin/orders?status=purchasing"),
        Page("orders", "/admin/orders?carrier=fedex"),
        Page("orders", "/admin/orders?service=ups_next_day_air"),
        Page("orders", f"/admin/orders?since={since}&until={until}"),
        Page(
            "orders",
            f"/admin/orders?status=refunded&carrier=ups&since={since}&until={until}",
        ),
        Page("orders", f"/admin/orders/{seeded.order_id}"),
        Page("orders", f"/admin/orders.csv?since={since}&until={until}"),
        Page("orders", "/admin/orders.csv", runs=-1),  # --csv-runs
        Page("topups", "/admin/topups"),
        Page("topups", "/admin/topups?status=waiting"),
        Page("topups", "/admin/topups?held=yes"),
        Page("topups", f"/admin/topups?user={seeded.user_id}"),
        Page("topups", f"/admin/topups?since={since}&until={until}"),
        Page("refunds", "/admin/refunds"),
        Page("refunds", "/admin/refunds?state=refused"),
        Page("refunds", "/admin/refunds?state=goodwill"),
        Page("refunds", f"/admin/refunds?user={seeded.refund_user}"),
        Page("audit", "/admin/audit"),
        Page("audit", "/admin/audit?action=block"),
        Page("audit", f"/admin/audit?admin=sam&since={since}&until={until}"),
    ]


@dataclass
class Measured:
    page: Page
    status: int
    seconds: list[float]
    slowest_sql_ms: float = 0.0
    plan: str = ""  # for a page over the target: its slowest statement and plan


@dataclass
class DatabaseRun:
    kind: str
    seed_seconds: float
    counts: dict[str, int]
    measured: list[Measured]
    rolled_up_days: int
    rollup_seconds: float


async def explain(database: Database, statement: str, parameters) -> str:
    prefix = "EXPLAIN QUERY PLAN " if database.is_sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    try:
        async with database.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            if database.is_sqlite:
                cursor = await driver.execute(prefix + statement, parameters or ())
                lines = [" " * 2 * 0 + str(row[-1]) for row in await cursor.fetchall()]
            else:
                lines = [row[0] for row in await driver.fetch(prefix + statement, *parameters)]
    except Exception as error:  # a plan is a hint; its failure must not lose the figures
        return f"(no plan: {error!r})"
    return "\n".join(lines)


async def measure_page(client, log: StatementLog, database, page: Page, runs: int) -> Measured:
    first = await client.get(page.path)  # warm-up
    seconds, slowest = [], []
    for _ in range(runs):
        log.statements = []
        log.recording = True
        started = time.perf_counter()
        answer = await client.get(page.path)
        _ = answer.content
        seconds.append(time.perf_counter() - started)
        log.recording = False
        slowest.append(max(log.statements, default=(0.0, "", None), key=lambda s: s[0]))
    measured = Measured(page, first.status_code, seconds)
    worst = max(slowest, key=lambda s: s[0])
    measured.slowest_sql_ms = round(1000 * worst[0], 1)
    if percentile_ms(seconds, 0.95) > TARGET_MS and worst[1]:
        plan = await explain(database, worst[1], worst[2])
        measured.plan = f"{worst[1].strip()}\n-- parameters: {worst[2]!r}\n{plan}"
    return measured


async def run_database(kind: str, args) -> DatabaseRun:
    workdir = Path(tempfile.mkdtemp(prefix="shipbot-admin-bench-"))
    try:
        async with (
            database_url(kind, workdir) as url,
            running_app(settings_for(url, workdir)) as app,
        ):
            database: Database = app.state.runtime.database
            await asyncio.sleep(1)  # the background jobs' first round, on the empty db
            started = time.perf_counter()
            rows, seeded = make_rows(args.users, args.orders)
            await seed(database, rows)
            del rows
            if not database.is_sqlite:
                await vacuum_analyze(database)
            seed_seconds = time.perf_counter() - started
            await create_account(database, OWNER, PASSWORD, Role.OWNER, COMMAND_LINE)
            client = await logged_in_browser(app)
            try:
                first_page = (await client.get("/admin/orders")).text
                found = _OLDER.search(first_page)
                older = found.group(1).replace("&amp;", "&") if found else "/admin/orders"
                chosen = [p for p in pages(seeded, older) if not args.area or p.area in args.area]
                log = StatementLog(database)
                measured = []

                async def measure(page: Page) -> None:
                    runs = args.csv_runs if page.runs == -1 else args.runs
                    one = await measure_page(client, log, database, page, runs)
                    print(
                        f"{kind:8} {page.path[:90]:90} {one.status} "
                        f"p50 {percentile_ms(one.seconds, 0.5):7.1f} "
                        f"p95 {percentile_ms(one.seconds, 0.95):7.1f} ms"
                        + (" (before the roll-up)" if page.before_rollup else ""),
                        flush=True,
                    )
                    measured.append(one)

                if args.before_rollup:
                    for page in chosen:
                        if page.area == "dashboard":
                            await measure(replace(page, before_rollup=True))
                started = time.perf_counter()
                rolled_up_days = 0
                while True:  # as the job's rounds do, without their pause
                    done = await roll_up_closed_days(database)
                    rolled_up_days += len(done.rolled_up)
                    if not done.left:
                        break
                rollup_seconds = time.perf_counter() - started
                if not database.is_sqlite:  # the roll-up's tables were empty at the last one
                    await vacuum_analyze(database)
                print(f"{kind:8} rolled up {rolled_up_days} days in {rollup_seconds:.1f} s")
                for page in chosen:
                    await measure(page)
            finally:
                await client.aclose()
        return DatabaseRun(
            kind, seed_seconds, seeded.counts, measured, rolled_up_days, rollup_seconds
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def benchmark(args) -> list[DatabaseRun]:
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    return [await run_database(kind, args) for kind in kinds]


def report(results: list[DatabaseRun], args) -> str:
    lines = report_header("benchmarks.admin_pages", args)
    for run in results:
        lines.append(
            f"{run.kind}: seeded in {run.seed_seconds:.0f} s: "
            + ", ".join(f"{name} {count:,}" for name, count in run.counts.items())
            + f"; {run.rolled_up_days} days rolled up in {run.rollup_seconds:.1f} s"
        )
    lines.append("")
    by_page: dict[tuple[str, bool], dict[str, Measured]] = defaultdict(dict)
    for run in results:
        for one in run.measured:
            by_page[one.page.path, one.page.before_rollup][run.kind] = one
    kinds = [run.kind for run in results]
    columns = ["area", "page"]
    columns += [f"{kind} p50 / p95 / p99 / max ms (slowest SQL)" for kind in kinds]
    rows = []
    for (path, before_rollup), per_kind in by_page.items():
        cells = []
        for kind in kinds:
            one = per_kind.get(kind)
            if one is None:
                cells.append("")
                continue
            p95 = percentile_ms(one.seconds, 0.95)
            miss = " **miss**" if p95 > TARGET_MS else ""
            status = "" if one.status == 200 else f" [{one.status}]"
            p50, p99, top = (percentile_ms(one.seconds, f) for f in (0.5, 0.99, 1.0))
            cells.append(f"{p50} / {p95} / {p99} / {top} ({one.slowest_sql_ms}){miss}{status}")
        area = next(iter(per_kind.values())).page.area
        rows.append([area, f"`{path}`" + (" before the roll-up" if before_rollup else ""), *cells])
    lines += markdown_table(columns, rows)
    lines.append("")
    lines.append(
        f"Runs per page: {args.runs} after one warm-up (the full CSV export: "
        f"{args.csv_runs}). Target: p95 under {TARGET_MS:g} ms."
    )
    for run in results:
        for one in run.measured:
            if one.plan:
                when = " (before the roll-up)" if one.page.before_rollup else ""
                heading = f"#### {run.kind}: `{one.page.path}`{when}"
                lines += ["", heading, "", "```", one.plan, "```"]
    return "\n".join(lines)


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30, help="measured requests per page")
    parser.add_argument("--csv-runs", type=int, default=3, help="for the full CSV export")
    parser.add_argument(
        "--area",
        action="append",
        choices=["dashboard", "monitoring", "users", "orders", "topups", "refunds", "audit"],
        help="measure only this area's pages (repeatable; default: every page)",
    )
    parser.add_argument(
        "--before-rollup",
        action="store_true",
        help="also measure the dashboard pages before the roll-up runs (computed live)",
    )
    run_from_command_line(parser, benchmark, report)


if __name__ == "__main__":
    main()
