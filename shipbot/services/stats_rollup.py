"""The dashboard's daily roll-up (services/stats.py reads it): each closed UTC day's figures,
computed once by `stats.day_figures` (the dashboard's own queries, with that day for the
period) and kept in the `daily_*` tables, so a long period reads a row per day instead of
aggregating its whole history.

With each day, its calendar month's rows are brought up to date from the month's daily rows:
its active users once each, and their labels and spend added up, which the dashboard reads for
a month whose every day is rolled up (a year is then a row per user and month, not per user
and day). Only the rows of the day's users, before and after, are rewritten: rewriting the
whole month with each of its days would leave PostgreSQL's tables many times their size. Its
week's distinct active users are counted again from the week's daily rows, which the dashboard
reads for a week whose every day is rolled up (a year by week is then 52 rows, not a row per
user and day).

A day is closed once it ended more than CLOSED_AFTER ago: a transaction that commits just
after midnight with an earlier timestamp is still counted. Until then, and for any day not
rolled up yet, the dashboard reads the day live; the two give the same figures.

Rolling up a day is one transaction that replaces whatever the day and its month held, so it
can be redone, and two runs at once (two replicas while leadership changes hands) are safe:
the month's `monthly_rollups` row is written first, as an upsert, which makes a second run of
any day of that month wait for the first to commit (PostgreSQL's row lock), and then replace
the day's rows and rebuild the month from what the first committed; the week's
`weekly_active_counts` row is upserted next, likewise, for a week spanning two months.
Backfill is bounded: DAYS_PER_ROUND days per round, newest first, as the recent days are what
the default periods (7 and 30 days) show; older days follow in the next rounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Date, Select, delete, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.database import Database
from shipbot.db.models import (
    DailyActiveUser,
    DailyCarrierStats,
    DailyStats,
    DailyUserSales,
    MonthlyActiveUser,
    MonthlyRollup,
    MonthlyUserSales,
    User,
    WeeklyActiveCount,
    utcnow,
)
from shipbot.services.stats import ONE_DAY, Bucket, day_figures, next_month

CLOSED_AFTER = timedelta(hours=1)
DAYS_PER_ROUND = 31


@dataclass(frozen=True)
class Round:
    rolled_up: tuple[date, ...]  # newest first
    left: int  # closed days still to roll up


def last_closed_day(now: datetime) -> date:
    """The newest day that ended at least CLOSED_AFTER before `now`."""
    return (now.astimezone(UTC) - CLOSED_AFTER).date() - ONE_DAY


async def missing_days(session: AsyncSession, now: datetime) -> list[date]:
    """Closed days not rolled up, newest first, from the day the first user wrote: nothing
    the dashboard counts happens before (a day before it would stay live, and be right)."""
    first = await session.scalar(select(func.min(User.created_at)))
    if first is None:
        return []
    first_day, day = first.astimezone(UTC).date(), last_closed_day(now)
    rolled = set(await session.scalars(select(DailyStats.day).where(DailyStats.day >= first_day)))
    missing = []
    while day >= first_day:
        if day not in rolled:
            missing.append(day)
        day -= ONE_DAY
    return missing


async def roll_up_day(database: Database, day: date) -> None:
    """Compute `day` and replace what the roll-up held for it, then rebuild its month, in one
    transaction."""
    insert_of = sqlite_insert if database.is_sqlite else postgres_insert
    now = utcnow()
    month, week = day.replace(day=1), Bucket.WEEK.floor(day)
    # Inside the write gate: on SQLite the statements write as they go (see write_transaction).
    async with database.write_transaction() as session:
        # First, so that a concurrent run of any day of the month waits here (PostgreSQL's row
        # lock) until this one commits, and then computes its day and the month whole.
        await session.execute(
            insert_of(MonthlyRollup)
            .values(month=month, rolled_up_at=now)
            .on_conflict_do_update(index_elements=["month"], set_={"rolled_up_at": now})
        )
        # Likewise for a day of the same week in another month (its count is redone below).
        await session.execute(
            insert_of(WeeklyActiveCount)
            .values(week=week, users=0)
            .on_conflict_do_update(index_elements=["week"], set_={"users": 0})
        )
        await session.execute(
            insert_of(DailyStats)
            .values(day=day, rolled_up_at=now)
            .on_conflict_do_update(index_elements=["day"], set_={"rolled_up_at": now})
        )
        await _forget_users_of_day(session, month, day)  # as the day stood
        for model in (DailyCarrierStats, DailyActiveUser, DailyUserSales):
            await session.execute(delete(model).where(model.day == day))
        figures = await day_figures(session, day)
        await session.execute(
            update(DailyStats)
            .where(DailyStats.day == day)
            .values(
                labels_refunded=figures.labels_refunded,
                refunds_cents=figures.refunds_cents,
                refunds_carrier_cost_cents=figures.refunds_carrier_cost_cents,
                top_ups_cents=figures.top_ups_cents,
                new_users=figures.new_users,
            )
        )
        rows = {
            DailyCarrierStats: [
                {
                    "day": day,
                    "carrier_code": code,
                    "carrier_name": name,
                    "labels_sold": labels,
                    "label_charges_cents": charges,
                    "carrier_cost_cents": cost,
                }
                for code, name, labels, charges, cost in figures.sales
            ],
            DailyActiveUser: [
                {"day": day, "user_id": user, "week": week} for user in figures.active_users
            ],
            DailyUserSales: [
                {"day": day, "user_id": user, "labels": labels, "spend_cents": spend}
                for user, labels, spend in figures.user_sales
            ],
        }
        for model, values in rows.items():
            if values:
                await session.execute(insert(model), values)
        await _forget_users_of_day(session, month, day)  # as it stands now
        await _fill_month(session, month)
        active = DailyActiveUser
        await session.execute(
            update(WeeklyActiveCount)
            .where(WeeklyActiveCount.week == week)
            .values(
                users=select(func.count(func.distinct(active.user_id)))
                .where(active.week == week)
                .scalar_subquery()
            )
        )


async def _forget_users_of_day(session: AsyncSession, month: date, day: date) -> None:
    """Delete the month's rows of the users with a row on `day`."""
    for monthly, daily in (
        (MonthlyActiveUser, DailyActiveUser),
        (MonthlyUserSales, DailyUserSales),
    ):
        users_of_day = select(daily.user_id).where(daily.day == day)
        await session.execute(
            delete(monthly).where(monthly.month == month, monthly.user_id.in_(users_of_day))
        )


async def _fill_month(session: AsyncSession, month: date) -> None:
    """Add the month's row of each user who has daily rows in the month and no monthly row:
    those just forgotten, whose other rows are as they were."""
    first, end = literal(month, Date), next_month(month)
    active, sales = DailyActiveUser, DailyUserSales
    await session.execute(
        insert(MonthlyActiveUser).from_select(
            ["month", "user_id"],
            select(first, active.user_id)
            .where(active.day >= month, active.day < end)
            .where(active.user_id.not_in(_users_of_month(MonthlyActiveUser, month)))
            .group_by(active.user_id),
        )
    )
    await session.execute(
        insert(MonthlyUserSales).from_select(
            ["month", "user_id", "labels", "spend_cents"],
            select(first, sales.user_id, func.sum(sales.labels), func.sum(sales.spend_cents))
            .where(sales.day >= month, sales.day < end)
            .where(sales.user_id.not_in(_users_of_month(MonthlyUserSales, month)))
            .group_by(sales.user_id),
        )
    )


def _users_of_month(model, month: date) -> Select:
    return select(model.user_id).where(model.month == month)


async def roll_up_closed_days(
    database: Database, now: datetime | None = None, limit: int = DAYS_PER_ROUND
) -> Round:
    """One round: up to `limit` closed days not rolled up yet, newest first."""
    async with database.sessions() as session:
        missing = await missing_days(session, now or utcnow())
    for day in missing[:limit]:
        await roll_up_day(database, day)
    return Round(tuple(missing[:limit]), max(0, len(missing) - limit))
