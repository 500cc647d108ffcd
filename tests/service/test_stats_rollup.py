"""The dashboard's daily roll-up (services/stats_rollup.py): on a random history of users,
quotes, orders, label charges, refunds, top-ups and invoices (tests/service/test_stats.py's
generator, with carriers renamed on some orders), every figure of `dashboard()` over random
periods (whole days and partial ones, per day and per week) equals the live-only computation
before anything is rolled up, with random days rolled up (periods partly rolled up, with
holes), with a whole month rolled up (read from the monthly roll-up) beside days of the next,
after every closed day is rolled up, and after days are rolled up again; and at each step the
monthly rows are what the daily rows add up to and each week's count is its daily rows'
distinct users (whole weeks read from it, partial ones counted). Also: which
days are closed, bounded rounds newest first, a day's rows replaced when recomputed, two runs
of the same day at once, and the job recorded in job_runs. The equality and the concurrent
runs also on PostgreSQL (marked `postgres`)."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import suppress
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from shipbot.bot.runtime import housekeeping
from shipbot.db import migrate
from shipbot.db.database import Database
from shipbot.db.models import (
    DailyActiveUser,
    DailyCarrierStats,
    DailyStats,
    DailyUserSales,
    LedgerEntry,
    MonthlyActiveUser,
    MonthlyRollup,
    MonthlyUserSales,
    Order,
    User,
    WeeklyActiveCount,
)
from shipbot.domain.ledger import EntryKind
from shipbot.services import job_runs, stats_rollup
from shipbot.services.stats import Bucket, Dashboard, Period, dashboard
from shipbot.services.stats_rollup import last_closed_day, missing_days, roll_up_closed_days
from tests.service.test_stats import WINDOW_DAYS, WINDOW_START, make_history, store
from tests.support.postgres import PostgresCluster

ROLLUP_TABLES = (
    DailyStats,
    DailyCarrierStats,
    DailyActiveUser,
    DailyUserSales,
    MonthlyRollup,
    MonthlyActiveUser,
    MonthlyUserSales,
    WeeklyActiveCount,
)
WINDOW_END = WINDOW_START + timedelta(days=WINDOW_DAYS)
AFTER_WINDOW = WINDOW_END + timedelta(days=3)  # every day of the history is closed
NOVEMBER = [date(2026, 11, 1) + timedelta(days=n) for n in range(30)]  # the window's first month


async def live_only(database: Database, period: Period, bucket: Bucket) -> Dashboard:
    """The dashboard as if nothing were rolled up: the roll-up is emptied in a transaction
    that is rolled back."""
    async with database.sessions() as session:
        try:
            for model in ROLLUP_TABLES:
                await session.execute(delete(model))
            return await dashboard(session, period, bucket)
        finally:
            await session.rollback()


async def with_rollup(database: Database, period: Period, bucket: Bucket) -> Dashboard:
    async with database.sessions() as session:
        return await dashboard(session, period, bucket)


def random_periods(rng: random.Random, count: int) -> list[tuple[Period, Bucket]]:
    """Whole-day ranges from before the history to after it, some with bounds within days."""
    first = (WINDOW_START - timedelta(days=3)).date()
    periods = [
        (Period.custom(WINDOW_START.date(), WINDOW_END.date()), Bucket.WEEK),
        (Period.custom(WINDOW_START.date(), WINDOW_END.date()), Bucket.DAY),
        # November whole, with or without days of December.
        (Period.custom(NOVEMBER[0], WINDOW_END.date()), Bucket.WEEK),
        (Period.custom(NOVEMBER[0], NOVEMBER[-1]), Bucket.DAY),
        (
            Period(datetime(2026, 10, 31, 13, tzinfo=UTC), datetime(2026, 12, 4, 5, tzinfo=UTC)),
            Bucket.WEEK,
        ),
    ]
    while len(periods) < count:
        start = first + timedelta(days=rng.randrange(WINDOW_DAYS + 4))
        days = rng.randint(1, 40)
        bucket = rng.choice(list(Bucket))
        if rng.random() < 0.25:
            begin = datetime.combine(start, datetime.min.time(), UTC) + timedelta(
                minutes=rng.randrange(24 * 60)
            )
            end = begin + timedelta(days=days - 1, minutes=rng.randrange(1, 48 * 60))
            periods.append((Period(begin, end), bucket))
        else:
            periods.append((Period.custom(start, start + timedelta(days=days - 1)), bucket))
    return periods


def renamed_carriers(history, rng: random.Random):
    """Some UPS orders carry another carrier name: a carrier's name is the greatest one seen
    over the period, whether its days are read live or rolled up."""
    for row in history.rows:
        if isinstance(row, Order) and row.rate["carrier_code"] == "ups" and rng.random() < 0.3:
            row.rate = {**row.rate, "carrier_name": "UPS (United Parcel Service)"}
    return history


async def assert_same_as_live(database: Database, periods, when: str) -> None:
    for period, bucket in periods:
        expected = await live_only(database, period, bucket)
        assert await with_rollup(database, period, bucket) == expected, (when, period, bucket)
    await assert_months_add_up_the_days(database, when)
    await assert_weeks_count_the_days(database, when)


async def assert_weeks_count_the_days(database: Database, when: str) -> None:
    """Each week with a rolled-up day has a row: its rolled-up days' distinct active users."""
    async with database.sessions() as session:
        users: dict[date, set[int]] = {}
        for day in await session.scalars(select(DailyStats.day)):
            users.setdefault(Bucket.WEEK.floor(day), set())
        for day, user in await session.execute(
            select(DailyActiveUser.day, DailyActiveUser.user_id)
        ):
            users[Bucket.WEEK.floor(day)].add(user)
        rows = await session.execute(select(WeeklyActiveCount.week, WeeklyActiveCount.users))
        assert dict(tuple(row) for row in rows) == {
            week: len(of_week) for week, of_week in users.items()
        }, when


async def assert_months_add_up_the_days(database: Database, when: str) -> None:
    """Each month's rows are its daily rows' users, once, and their labels and spend summed."""
    async with database.sessions() as session:
        active, sales = set(), Counter()
        for day, user in await session.execute(
            select(DailyActiveUser.day, DailyActiveUser.user_id)
        ):
            active.add((day.replace(day=1), user))
        for day, user, labels, spend in await session.execute(
            select(
                DailyUserSales.day,
                DailyUserSales.user_id,
                DailyUserSales.labels,
                DailyUserSales.spend_cents,
            )
        ):
            sales[day.replace(day=1), user, "labels"] += labels
            sales[day.replace(day=1), user, "spend"] += spend
        monthly = MonthlyUserSales
        monthly_sales = Counter()
        for month, user, labels, spend in await session.execute(
            select(monthly.month, monthly.user_id, monthly.labels, monthly.spend_cents)
        ):
            monthly_sales[month, user, "labels"] += labels
            monthly_sales[month, user, "spend"] += spend
        rows = await session.execute(select(MonthlyActiveUser.month, MonthlyActiveUser.user_id))
        assert {tuple(row) for row in rows} == active, when
        assert monthly_sales == sales, when
        users_with_sales = await session.scalar(select(func.count()).select_from(monthly))
        assert users_with_sales == len({(month, user) for month, user, _ in sales}), when


async def rollup_matches_live(database: Database, seed: int) -> None:
    rng = random.Random(seed)
    history = renamed_carriers(make_history(seed, users=60), rng)
    await store(database, history)
    periods = random_periods(rng, 14)
    # Before anything is rolled up, the dashboard is the live computation (and not empty).
    before = {key: await live_only(database, *key) for key in periods}
    assert any(result.totals.labels_sold for result in before.values())
    await assert_same_as_live(database, periods, "nothing rolled up")

    # Random days rolled up, with holes: periods partly rolled up, partly live.
    days = [WINDOW_START.date() + timedelta(days=n) for n in range(WINDOW_DAYS)]
    for day in rng.sample(days, len(days) // 3):
        await stats_rollup.roll_up_day(database, day)
    await assert_same_as_live(database, periods, "some days rolled up")

    # The whole of November (read from the monthly roll-up), beside those days of December.
    for day in NOVEMBER:
        await stats_rollup.roll_up_day(database, day)
    await assert_same_as_live(database, periods, "November rolled up")

    # Every closed day, in bounded rounds, then some again (a day replaces its rows).
    while (await roll_up_closed_days(database, now=AFTER_WINDOW, limit=10)).left:
        pass
    for day in rng.sample(days, 5):
        await stats_rollup.roll_up_day(database, day)
    await assert_same_as_live(database, periods, "every day rolled up")
    for key, result in before.items():
        assert await with_rollup(database, *key) == result, key
    async with database.sessions() as session:
        for model in (DailyActiveUser, DailyUserSales, MonthlyActiveUser, MonthlyUserSales):
            assert await session.scalar(select(func.count()).select_from(model)), model


@pytest.fixture
async def database(migrated_url) -> AsyncIterator[Database]:
    database = Database(migrated_url)
    yield database
    await database.dispose()


@pytest.mark.parametrize("seed", [11, 12, 15])
async def test_the_dashboard_with_the_rollup_equals_the_live_computation(database, seed):
    await rollup_matches_live(database, seed)


def test_a_day_is_closed_an_hour_after_it_ends():
    assert last_closed_day(datetime(2026, 12, 2, 0, 59, tzinfo=UTC)) == date(2026, 11, 30)
    assert last_closed_day(datetime(2026, 12, 2, 1, 0, tzinfo=UTC)) == date(2026, 12, 1)
    assert last_closed_day(datetime(2026, 12, 2, 23, 59, tzinfo=UTC)) == date(2026, 12, 1)


async def test_rounds_are_bounded_newest_first_from_the_first_user(database):
    await store(database, make_history(5, users=10))
    async with database.sessions() as session:
        first = (await session.scalar(select(func.min(User.created_at)))).date()
    now = datetime(2026, 12, 20, 0, 30, tzinfo=UTC)  # Dec 19 is not closed yet
    newest = date(2026, 12, 18)
    first_round = await roll_up_closed_days(database, now=now, limit=7)
    assert first_round.rolled_up == tuple(newest - timedelta(days=n) for n in range(7))
    total = (newest - first).days + 1
    assert first_round.left == total - 7
    while (await roll_up_closed_days(database, now=now, limit=7)).left:
        pass
    async with database.sessions() as session:
        assert await missing_days(session, now) == []
        days = sorted(await session.scalars(select(DailyStats.day)))
    assert days == [first + timedelta(days=n) for n in range(total)]
    assert (await roll_up_closed_days(database, now=now)).rolled_up == ()
    later = await roll_up_closed_days(database, now=now + timedelta(hours=1))
    assert later.rolled_up == (date(2026, 12, 19),)


async def test_an_empty_shop_has_nothing_to_roll_up(database):
    assert await roll_up_closed_days(database, now=AFTER_WINDOW) == stats_rollup.Round((), 0)


async def test_a_day_rolled_up_again_is_replaced_by_its_new_figures(database):
    history = make_history(7, users=30)
    await store(database, history)
    await roll_up_closed_days(database, now=AFTER_WINDOW, limit=100)
    user, at, _, _, _, _ = history.charges[0]
    day = at.date()
    period = Period.custom(day, day)
    async with database.transaction() as session:  # a charge that committed late
        order = await session.scalar(select(Order).where(Order.user_id == user).limit(1))
        session.add(
            LedgerEntry(
                user_id=user,
                kind=EntryKind.LABEL_CHARGE.value,
                amount_cents=-3_00,
                reference=order.id,
                idempotency_key="late-charge",
                created_at=at,
            )
        )
        # And a user who wrote that day, late: the day's week counts one more active user.
        session.add(User(id=999_999, first_name="Late", created_at=at, last_seen_at=at))
    monday = Bucket.WEEK.floor(day)
    week = Period.custom(monday, monday + timedelta(days=6))
    stale = await with_rollup(database, period, Bucket.DAY)
    live = await live_only(database, period, Bucket.DAY)
    assert live.totals.labels_sold == stale.totals.labels_sold + 1
    stale_week = await with_rollup(database, week, Bucket.WEEK)
    live_week = await live_only(database, week, Bucket.WEEK)
    assert live_week.buckets[0].figures.active_users == (
        stale_week.buckets[0].figures.active_users + 1
    )
    await stats_rollup.roll_up_day(database, day)
    assert await with_rollup(database, period, Bucket.DAY) == live
    assert await with_rollup(database, week, Bucket.WEEK) == live_week
    await assert_weeks_count_the_days(database, "a day rolled up again")


async def two_runs_of_a_day_at_once(first: Database, second: Database) -> None:
    history = make_history(8, users=30)
    await store(first, history)
    day = history.charges[0][1].date()
    await asyncio.gather(*(stats_rollup.roll_up_day(db, day) for db in (first, second, first)))
    period = Period.custom(day, day)
    assert await with_rollup(first, period, Bucket.DAY) == await live_only(
        first, period, Bucket.DAY
    )
    async with first.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DailyStats)) == 1


async def test_two_runs_of_the_same_day_at_once_leave_one_copy(database, tmp_path):
    other = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        await two_runs_of_a_day_at_once(database, other)
    finally:
        await other.dispose()


async def test_the_job_rolls_up_and_is_recorded_in_job_runs(database):
    await store(database, make_history(3, users=10))
    job = asyncio.create_task(housekeeping.run_stats_rollup(database))
    try:
        for _ in range(200):
            async with database.sessions() as session:
                run = (await job_runs.last_runs(session)).get(job_runs.STATS_ROLLUP)
                done = await session.scalar(select(func.count()).select_from(DailyStats))
            if run is not None and run.last_finished_at and not run.last_error and done:
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the roll-up job did not finish a round")
    finally:
        job.cancel()
        with suppress(asyncio.CancelledError):
            await job
    assert job_runs.STATS_ROLLUP in job_runs.JOBS


@pytest.mark.postgres
def test_the_rollup_equals_the_live_computation_on_postgresql():
    cluster = PostgresCluster().start()
    url = cluster.url.replace("postgresql://", "postgresql+asyncpg://")

    async def scenario(check) -> None:
        cluster.reset_database()
        first, second = Database(url), Database(url)
        try:
            await migrate.upgrade(first)
            await check(first, second)
        finally:
            await first.dispose()
            await second.dispose()

    try:
        asyncio.run(scenario(lambda database, _: rollup_matches_live(database, seed=16)))
        asyncio.run(scenario(two_runs_of_a_day_at_once))
    finally:
        cluster.stop()
