"""The dashboard's figures on a real database (SPEC §4): a seeded random history of users,
top-ups, quotes, purchases, failed purchases, refunds (approved and refused) and adjustments
is written as the services write it, and every figure, per day and per week, is checked
against a plain Python computation over the same history. Also: the money path run through
the real services, bucket boundaries at midnight and on Mondays, empty periods, and the
period's validation. The same comparison runs on PostgreSQL (marked `postgres`)."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from shipbot.db import migrate
from shipbot.db.database import Database
from shipbot.db.models import (
    Balance,
    Invoice,
    LedgerEntry,
    Order,
    RateQuote,
    Refund,
    User,
)
from shipbot.domain import ledger as keys
from shipbot.domain.ledger import EntryKind
from shipbot.services import ledger
from shipbot.services.ledger import Movement
from shipbot.services.quoting import PricedRate
from shipbot.services.refunds import request_refund
from shipbot.services.stats import Bucket, Dashboard, Figures, Period, TopUser, dashboard
from shipbot.web.admin.charts import carrier_chart, revenue_chart
from tests.service.test_refunds import Voiding, bought
from tests.support.postgres import PostgresCluster

WINDOW_START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
WINDOW_DAYS = 42
CARRIERS = [("stamps_com", "USPS"), ("ups", "UPS"), ("fedex", "<script>alert(1)</script>")]


@dataclass
class History:
    """What the random history holds, as plain Python, and the rows that record it."""

    rows: list = field(default_factory=list)
    users: dict[int, tuple[datetime, datetime]] = field(default_factory=dict)  # created, seen
    # (user, at, cents, carrier code, carrier name, carrier cost): a label charge
    charges: list[tuple[int, datetime, int, str, str, int]] = field(default_factory=list)
    # (user, at, cents, carrier cost): an approved refund
    refunds: list[tuple[int, datetime, int, int]] = field(default_factory=list)
    top_ups: list[tuple[int, datetime, int]] = field(default_factory=list)
    moments: list[tuple[int, datetime]] = field(default_factory=list)  # activity
    balances: dict[int, int] = field(default_factory=lambda: defaultdict(int))


def random_moment(rng: random.Random, after: datetime | None = None) -> datetime:
    """Anywhere in the window from `after` (a moment in it) on, exactly at a midnight one time
    in eight if one is left after `after`: always before the window's end."""
    start = after or WINDOW_START
    end = WINDOW_START + timedelta(days=WINDOW_DAYS)
    assert WINDOW_START <= start < end, start
    next_midnight = datetime.combine(start.date() + timedelta(days=1), time(), UTC)
    midnights_left = (end - next_midnight).days  # the window ends at a midnight
    if midnights_left > 0 and rng.random() < 0.125:
        return next_midnight + timedelta(days=rng.randrange(midnights_left))
    span = int((end - start).total_seconds() * 1_000_000)
    return start + timedelta(microseconds=rng.randrange(span))


def make_history(seed: int, users: int = 40) -> History:
    """A random history of `users` users in the window. Whatever the seed, it has a label
    charge, an approved refund and a moment at midnight: the first user joined at a midnight
    and bought a label that was refunded."""
    rng = random.Random(seed)
    history = History()
    ids = iter(range(1, 1_000_000))

    def entry(user_id: int, kind: EntryKind, cents: int, reference: str, at: datetime) -> None:
        history.rows.append(
            LedgerEntry(
                user_id=user_id,
                kind=kind.value,
                amount_cents=cents,
                reference=reference,
                idempotency_key=f"{kind.value}:{next(ids)}",
                created_at=at,
            )
        )
        history.balances[user_id] += cents

    def top_up(user_id: int, cents: int, at: datetime) -> None:
        invoice_id = f"T{next(ids)}"
        opened = at - timedelta(minutes=rng.randint(1, 90))
        history.rows.append(
            Invoice(
                id=invoice_id,
                user_id=user_id,
                chat_id=user_id,
                track_id=f"track-{invoice_id}",
                amount_cents=cents,
                received_cents=cents,
                credited_cents=cents,
                status="paid",
                payment_url="http://pay",
                expires_at=opened + timedelta(hours=1),
                created_at=opened,
            )
        )
        entry(user_id, EntryKind.TOP_UP, cents, invoice_id, at)
        history.top_ups.append((user_id, at, cents))
        history.moments.append((user_id, opened))

    for user_id in range(100, 100 + users):
        first_user = user_id == 100
        if first_user:  # at a midnight
            created = WINDOW_START + timedelta(days=rng.randrange(WINDOW_DAYS - 7))
        else:
            created = random_moment(rng)
        seen = random_moment(rng, after=created)
        history.rows.append(
            User(
                id=user_id,
                first_name=f"User {user_id}",
                username=f"user{user_id}" if user_id % 3 else None,
                is_blocked=False,
                created_at=created,
                last_seen_at=seen,
            )
        )
        history.users[user_id] = (created, seen)
        history.moments += [(user_id, created), (user_id, seen)]
        top_up(user_id, 500_00, created + timedelta(minutes=2))  # enough for every label
        for _ in range(rng.randint(0, 2)):
            top_up(user_id, rng.randint(10_00, 200_00), random_moment(rng, after=created))
        if rng.random() < 0.2:
            at = random_moment(rng, after=created)
            entry(user_id, EntryKind.ADJUSTMENT, rng.randint(1, 20_00), f"A{next(ids)}", at)
        if first_user:
            add_order(history, rng, entry, ids, user_id, created, refunded=True)
        for _ in range(rng.choice([0, 0, 1, 3, 8])):
            add_order(history, rng, entry, ids, user_id, created)
    return history


def add_order(
    history: History, rng: random.Random, entry, ids, user_id, created, refunded: bool = False
) -> None:
    """A quote, and perhaps an order and its outcome; `refunded`: bought early enough for its
    refund to fall within the window too, and refunded."""
    asked = random_moment(rng, after=created)
    if refunded:
        asked = min(asked, WINDOW_START + timedelta(days=WINDOW_DAYS - 6))
    quote_id = f"{next(ids):032d}"
    history.rows.append(
        RateQuote(
            id=quote_id,
            user_id=user_id,
            shipment_key="k",
            shipment={},
            rates=[],
            created_at=asked,
            expires_at=asked + timedelta(minutes=15),
        )
    )
    history.moments.append((user_id, asked))
    if rng.random() < 0.2 and not refunded:
        return  # rates seen, nothing ordered
    code, name = rng.choice(CARRIERS)
    cost = rng.randint(3_00, 40_00)
    price = cost + rng.randint(0, 8_00)
    rate = PricedRate("r", "c", code, name, "svc", "Service", cost, price, None, None)
    ordered = asked + timedelta(seconds=rng.randint(5, 600))
    order = Order(
        id=f"O{next(ids)}",
        user_id=user_id,
        status="quoted",
        shipment={},
        rate=rate.to_dict(),
        price_cents=price,
        quote_id=quote_id,
        quote_expires_at=asked + timedelta(minutes=15),
        created_at=ordered,
    )
    history.rows.append(order)
    history.moments.append((user_id, ordered))
    outcome = rng.choice(["quoted", "failed", "purchased", "purchased", "purchased"])
    if refunded:
        outcome = "purchased"
    if outcome == "quoted":
        return
    paid = ordered + timedelta(seconds=rng.randint(1, 7200))  # may cross midnight
    entry(user_id, EntryKind.HOLD, -price, order.id, paid)
    settled = paid + timedelta(seconds=rng.randint(1, 30))
    entry(user_id, EntryKind.HOLD_RELEASE, price, order.id, settled)
    if outcome == "failed":
        order.status = "failed"
        return
    entry(user_id, EntryKind.LABEL_CHARGE, -price, order.id, settled)
    order.status, order.purchased_at, order.label_id = "purchased", settled, f"L{order.id}"
    history.charges.append((user_id, settled, price, code, name, cost))
    if rng.random() < 0.3 or refunded:
        asked_refund = settled + timedelta(seconds=rng.randint(60, 5 * 86400))
        approved = rng.random() < 0.7 or refunded
        refund = Refund(
            id=f"R{next(ids)}",
            order_id=order.id,
            user_id=user_id,
            status="approved" if approved else "refused",
            amount_cents=price if approved else 0,
            created_at=asked_refund,
        )
        history.rows.append(refund)
        history.moments.append((user_id, asked_refund))
        if approved:
            entry(user_id, EntryKind.REFUND, price, refund.id, asked_refund)
            order.status = "refunded"
            history.refunds.append((user_id, asked_refund, price, cost))


async def store(database: Database, history: History) -> None:
    async with database.transaction() as session:
        # Users first: the other rows refer to them.
        session.add_all(row for row in history.rows if isinstance(row, User))
        await session.flush()
        session.add_all(row for row in history.rows if isinstance(row, RateQuote | Order))
        await session.flush()
        session.add_all(
            row for row in history.rows if not isinstance(row, User | RateQuote | Order)
        )
        session.add_all(
            Balance(user_id=user, cents=cents) for user, cents in history.balances.items()
        )


@pytest.mark.parametrize("users", [1, 9, 30, 40, 60])
def test_every_seed_makes_a_history_that_exercises_the_figures(users):
    """Seeds 13 and 9 (with 30 users) once drew a moment past the window's end, after which
    the next one had nothing left to draw from."""
    end = WINDOW_START + timedelta(days=WINDOW_DAYS)
    for seed in range(60):
        history = make_history(seed, users)
        assert history.charges and history.refunds
        assert any(at.time() == time() for _, at in history.moments)
        assert all(WINDOW_START <= created < end for created, _ in history.users.values())
        assert any(WINDOW_START <= at < end for _, at, _, _ in history.refunds)


def expected(history: History, period: Period, bucket: Bucket) -> tuple:
    """The dashboard computed the plain way, event by event."""
    starts = period.bucket_starts(bucket)

    def within(at: datetime) -> bool:
        return period.start <= at < period.end

    def key(at: datetime) -> date:
        day = at.date()
        return day - timedelta(days=day.weekday()) if bucket is Bucket.WEEK else day

    sums: dict[date, Counter] = {start: Counter() for start in starts}
    by_carrier: dict[tuple[str, str], Counter] = defaultdict(Counter)
    labels, spend = Counter(), Counter()
    for user, at, cents, code, name, cost in history.charges:
        if within(at):
            sums[key(at)].update(label_charges_cents=cents, carrier_cost_cents=cost, labels_sold=1)
            by_carrier[code, name][key(at)] += 1
            labels[user] += 1
            spend[user] += cents
    for user, at, cents, cost in history.refunds:
        if within(at):
            sums[key(at)].update(refunds_cents=cents, labels_refunded=1)
            sums[key(at)]["carrier_cost_cents"] -= cost
            spend[user] -= cents
    for _, at, cents in history.top_ups:
        if within(at):
            sums[key(at)]["top_ups_cents"] += cents
    for created, _ in history.users.values():
        if within(created):
            sums[key(created)]["new_users"] += 1
    active = {(user, key(at)) for user, at in history.moments if within(at)}
    for _, start in active:
        sums[start]["active_users"] += 1

    buckets = tuple((start, Figures(**sums[start])) for start in starts)
    totals = Counter()
    for _, figures in buckets:
        totals.update({name: getattr(figures, name) for name in Figures.__dataclass_fields__})
    totals["active_users"] = len({user for user, _ in active})

    def top(ranking, measure) -> tuple[TopUser, ...]:
        people = sorted(
            (user for user in set(labels) | set(spend) if measure(user) > 0), key=ranking
        )
        return tuple(
            TopUser(
                user,
                f"User {user}",
                None,
                f"user{user}" if user % 3 else None,
                labels[user],
                spend[user],
            )
            for user in people[:10]
        )

    carriers = sorted(
        (
            (code, name, tuple(counts[start] for start in starts))
            for (code, name), counts in by_carrier.items()
        ),
        key=lambda item: (-sum(item[2]), item[1]),
    )
    return (
        buckets,
        Figures(**totals),
        carriers,
        top(lambda user: (-labels[user], -spend[user], user), labels.__getitem__),
        top(lambda user: (-spend[user], -labels[user], user), spend.__getitem__),
        sum(history.balances.values()),
        sum(1 for cents in history.balances.values() if cents > 0),
    )


def observed(result: Dashboard) -> tuple:
    return (
        tuple((bucket.start, bucket.figures) for bucket in result.buckets),
        result.totals,
        [(c.carrier_code, c.carrier_name, c.per_bucket) for c in result.labels_by_carrier],
        result.top_by_labels,
        result.top_by_spend,
        result.balances_owed_cents,
        result.users_with_balance,
    )


PERIODS = [
    (Period.custom(date(2026, 11, 2), date(2026, 12, 13)), Bucket.DAY),  # the whole window
    (Period.custom(date(2026, 11, 2), date(2026, 12, 13)), Bucket.WEEK),
    (Period.custom(date(2026, 11, 11), date(2026, 11, 26)), Bucket.WEEK),  # from a Wednesday
    (Period.custom(date(2026, 11, 20), date(2026, 11, 20)), Bucket.DAY),
    (Period.last_days(7, now=datetime(2026, 12, 1, 8, tzinfo=UTC)), Bucket.DAY),
    (
        Period(datetime(2026, 11, 5, 13, 30, tzinfo=UTC), datetime(2026, 11, 9, 2, tzinfo=UTC)),
        Bucket.DAY,
    ),  # bounds within days
]


async def compare_every_figure(database: Database, seed: int) -> None:
    history = make_history(seed)
    await store(database, history)
    # The history exercises what is checked, midnight included.
    assert history.charges and history.refunds
    assert any(at.time() == time() for _, at in history.moments)
    for period, bucket in PERIODS:
        async with database.transaction() as session:
            result = await dashboard(session, period, bucket)
        assert observed(result) == expected(history, period, bucket), (period, bucket)
        assert_whole_cents(result)
        revenue_chart(result), carrier_chart(result)  # as the page draws them


def assert_whole_cents(result) -> None:
    """Integers, not Decimals (PostgreSQL sums BIGINT as NUMERIC): the page formats them."""
    figures = [result.totals, *(bucket.figures for bucket in result.buckets)]
    values = [getattr(f, field.name) for f in figures for field in dataclasses.fields(f)]
    values += [result.balances_owed_cents, *(u.spend_cents for u in result.top_by_spend)]
    values += [n for carrier in result.labels_by_carrier for n in carrier.per_bucket]
    assert all(type(value) is int for value in values), values


@pytest.fixture
async def database(migrated_url) -> AsyncIterator[Database]:
    database = Database(migrated_url)
    yield database
    await database.dispose()


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_every_figure_matches_a_plain_computation_of_the_history(database, seed):
    await compare_every_figure(database, seed)


async def test_the_money_path_through_the_real_services(tmp_path):
    """A top-up, a label bought and refunded by the services themselves, as the dashboard
    of the day sees them: the refund cancels the revenue and the carrier cost."""
    carrier = Voiding(approved=True)
    database, order_id, price = await bought(tmp_path, carrier)
    try:
        async with database.transaction() as session:
            rate = PricedRate.from_dict((await session.get(Order, order_id)).rate)
            before = await dashboard(session, Period.today(), Bucket.DAY)
        figures = before.totals
        assert (figures.label_charges_cents, figures.carrier_cost_cents) == (
            price,
            rate.carrier_total_cents,
        )
        assert figures.gross_profit_cents == price - rate.carrier_total_cents
        assert (figures.top_ups_cents, figures.labels_sold, figures.new_users) == (100_00, 1, 1)
        assert figures.active_users == 1
        assert [(c.carrier_code, c.total) for c in before.labels_by_carrier] == [
            (rate.carrier_code, 1)
        ]
        assert before.balances_owed_cents == 100_00 - price
        assert [(u.user_id, u.labels, u.spend_cents) for u in before.top_by_spend] == [
            (1, 1, price)
        ]

        assert (await request_refund(database, carrier, 1, order_id)).status == "approved"
        async with database.transaction() as session:
            after = await dashboard(session, Period.today(), Bucket.DAY)
        figures = after.totals
        assert (figures.refunds_cents, figures.labels_refunded) == (price, 1)
        assert (figures.revenue_cents, figures.carrier_cost_cents) == (0, 0)
        assert after.balances_owed_cents == 100_00
        assert [(u.labels, u.spend_cents) for u in after.top_by_labels] == [(1, 0)]
        assert after.top_by_spend == ()  # nothing spent, net
    finally:
        await database.dispose()


async def check_midnight_buckets(database: Database) -> None:
    """A moment at midnight UTC opens its day, and on a Monday its week; a microsecond
    earlier belongs to the Sunday and the week before (SQLite would round it to the next
    millisecond, that is into Monday, if the week were computed from the full timestamp)."""
    monday = datetime(2026, 11, 30, tzinfo=UTC)
    just_before = monday - timedelta(microseconds=1)
    rate = PricedRate("r", "c", "ups", "UPS", "svc", "Service", 6_00, 9_00, None, None)
    async with database.transaction() as session:
        session.add(User(id=1, first_name="A", created_at=monday, last_seen_at=monday))
        session.add(User(id=2, first_name="B", created_at=just_before, last_seen_at=just_before))
        await session.flush()
        # Ordered on the Sunday, charged at Monday's midnight.
        session.add(
            Order(
                id="MIDNIGHT",
                user_id=2,
                status="purchased",
                shipment={},
                rate=rate.to_dict(),
                price_cents=9_00,
                quote_id="q",
                quote_expires_at=monday,
                purchased_at=monday,
                created_at=just_before,
            )
        )
        await session.flush()
        for user_id, kind, at, cents, reference in [
            (1, EntryKind.TOP_UP, monday, 7_00, "T1"),
            (2, EntryKind.TOP_UP, just_before, 30_00, "T2"),
            (2, EntryKind.LABEL_CHARGE, monday, -9_00, "MIDNIGHT"),
        ]:
            session.add(
                LedgerEntry(
                    user_id=user_id,
                    kind=kind.value,
                    amount_cents=cents,
                    reference=reference,
                    idempotency_key=f"{kind.value}:{reference}",
                    created_at=at,
                )
            )
    async with database.transaction() as session:
        days = await dashboard(
            session, Period.custom(date(2026, 11, 29), date(2026, 11, 30)), Bucket.DAY
        )
        weeks = await dashboard(
            session, Period.custom(date(2026, 11, 23), date(2026, 12, 6)), Bucket.WEEK
        )
        monday_only = await dashboard(
            session, Period.custom(date(2026, 11, 30), date(2026, 11, 30)), Bucket.WEEK
        )

    def seen(result: Dashboard) -> list[tuple]:
        return [
            (
                b.start,
                b.figures.top_ups_cents,
                b.figures.labels_sold,
                b.figures.new_users,
                b.figures.active_users,
            )
            for b in result.buckets
        ]

    assert seen(days) == [(date(2026, 11, 29), 30_00, 0, 1, 1), (date(2026, 11, 30), 7_00, 1, 1, 1)]
    assert seen(weeks) == [
        (date(2026, 11, 23), 30_00, 0, 1, 1),
        (date(2026, 11, 30), 7_00, 1, 1, 1),
    ]
    assert seen(monday_only) == [(date(2026, 11, 30), 7_00, 1, 1, 1)]
    assert (monday_only.totals.revenue_cents, monday_only.totals.gross_profit_cents) == (9_00, 3_00)


async def test_midnight_belongs_to_the_day_and_the_week_it_starts(database):
    await check_midnight_buckets(database)


async def test_an_empty_period_has_every_bucket_at_zero(database):
    async with database.write_transaction() as session:
        session.add(User(id=1, first_name="A"))
        await session.flush()
        await ledger.apply(session, 1, Movement(EntryKind.TOP_UP, 12_00, "T", keys.top_up_key("t")))
    period = Period.last_days(30, now=datetime(2026, 1, 15, tzinfo=UTC))  # before any of it
    async with database.transaction() as session:
        result = await dashboard(session, period, Bucket.DAY)
    assert [b.start for b in result.buckets] == [
        date(2025, 12, 17) + timedelta(days=n) for n in range(30)
    ]
    assert all(b.figures == Figures() for b in result.buckets)
    assert result.totals == Figures()
    assert (result.labels_by_carrier, result.top_by_labels, result.top_by_spend) == ((), (), ())
    assert (result.balances_owed_cents, result.users_with_balance) == (12_00, 1)  # owed now


def test_the_named_periods_are_whole_utc_days_ending_today():
    now = datetime(2026, 12, 2, 0, 50, tzinfo=UTC)
    assert Period.today(now) == Period(
        datetime(2026, 12, 2, tzinfo=UTC), datetime(2026, 12, 3, tzinfo=UTC)
    )
    week = Period.last_days(7, now)
    assert (week.start, week.end) == (
        datetime(2026, 11, 26, tzinfo=UTC),
        datetime(2026, 12, 3, tzinfo=UTC),
    )
    assert len(week.bucket_starts(Bucket.DAY)) == 7
    assert Period.last_days(30, now).start == datetime(2026, 11, 3, tzinfo=UTC)
    # 20:00 on Dec 1 in New York is already Dec 2 in UTC.
    new_york = datetime(2026, 12, 1, 20, tzinfo=ZoneInfo("America/New_York"))
    assert Period.today(new_york).start == datetime(2026, 12, 2, tzinfo=UTC)


def test_week_buckets_start_on_monday():
    period = Period.custom(date(2026, 11, 11), date(2026, 11, 30))  # Wednesday to Monday
    assert period.bucket_starts(Bucket.WEEK) == (
        date(2026, 11, 9),
        date(2026, 11, 16),
        date(2026, 11, 23),
        date(2026, 11, 30),
    )
    assert all(start.weekday() == 0 for start in period.bucket_starts(Bucket.WEEK))


def test_a_custom_range_is_validated():
    one_day = Period.custom(date(2026, 3, 1), date(2026, 3, 1))
    assert one_day.end - one_day.start == timedelta(days=1)
    assert Period.custom(date(2024, 1, 1), date(2024, 12, 31)).end == datetime(
        2025, 1, 1, tzinfo=UTC
    )
    with pytest.raises(ValueError, match=r"the last day \(2026-02-28\) is before the first day"):
        Period.custom(date(2026, 3, 1), date(2026, 2, 28))
    assert Period.custom(date(2025, 1, 1), date(2026, 1, 1)).start == datetime(
        2025, 1, 1, tzinfo=UTC
    )
    with pytest.raises(ValueError, match=r"at most 366 days \(this one is 367\)"):
        Period.custom(date(2025, 1, 1), date(2026, 1, 2))
    with pytest.raises(ValueError, match="must start before it ends"):
        Period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="time zone"):
        Period(datetime(2026, 3, 1), datetime(2026, 3, 2))
    with pytest.raises(ValueError, match="between 1 and 366"):
        Period.last_days(0)


@pytest.mark.postgres
def test_every_figure_and_the_midnight_buckets_match_on_postgresql():
    cluster = PostgresCluster().start()

    async def scenario(check) -> None:
        cluster.reset_database()
        database = Database(cluster.url.replace("postgresql://", "postgresql+asyncpg://"))
        try:
            await migrate.upgrade(database)
            await check(database)
        finally:
            await database.dispose()

    try:
        asyncio.run(scenario(lambda database: compare_every_figure(database, seed=4)))
        asyncio.run(scenario(check_midnight_buckets))
    finally:
        cluster.stop()
