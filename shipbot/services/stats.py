"""The admin dashboard's figures (SPEC §4): money, labels and users over a period, per day or
per week, each figure aggregated by the database (GROUP BY) rather than row by row here.

Money comes from the ledger, the one record of what was charged and credited (G5): revenue
is label charges minus approved refunds, each counted when its entry was written. The carrier
cost is not in the ledger; it is `carrier_total_cents` inside the order's `rate` JSON, read
with SQLAlchemy's JSON accessors (`JSON_EXTRACT` on SQLite, `->>` on PostgreSQL) on the order
the entry names, so an event's price and cost fall in the same bucket. A voided label's cost
comes back from the carrier, so an approved refund subtracts it at the refund's time.

Nothing records every visit of a user, so "active" is derived from what is recorded with a
time: a user is active in a bucket if they first wrote, were last seen, asked for rates,
ordered, opened a top-up or asked for a refund in it. `processed_updates` is left out: it is
pruned after a few days, which would make recent periods look busier than older ones.

Buckets are whole UTC days, or weeks starting on Monday; a period that starts mid-week has a
first bucket holding only its own days.

Closed days are also rolled up (services/stats_rollup.py): each figure of one day, computed by
the same queries as here with that day as the period, is kept in the `daily_*` tables. A
period's whole days found there are read from them and the rest (today, a day not rolled up
yet, a partial first or last day) live; both are added per bucket. Distinct active users and
the top users cannot be added from daily figures, so the roll-up keeps each day's active users
and each user's labels and spend, and the union of those with the live rows is counted. For
these figures over the period, a calendar month whose every day is rolled up is read from the
monthly roll-up instead (its users once, their labels and spend added up), so a year reads a
row per user and month rather than per user and day; and a week bucket whose seven days are
rolled up reads the week's stored count of distinct active users.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import (
    CTE,
    BigInteger,
    CompoundSelect,
    Date,
    Select,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from shipbot.db.models import (
    Balance,
    DailyActiveUser,
    DailyCarrierStats,
    DailyStats,
    DailyUserSales,
    Invoice,
    LedgerEntry,
    MonthlyActiveUser,
    MonthlyUserSales,
    Order,
    RateQuote,
    Refund,
    User,
    WeeklyActiveCount,
    utcnow,
)
from shipbot.domain.ledger import EntryKind

MAX_PERIOD_DAYS = 366
TOP_USERS = 10
ONE_DAY = timedelta(days=1)

BucketOf = Callable[[ColumnElement[datetime]], ColumnElement[date]]


class Bucket(StrEnum):
    DAY = "day"
    WEEK = "week"

    def floor(self, day: date) -> date:
        """The first day of the bucket holding `day`."""
        return day - timedelta(days=day.weekday()) if self is Bucket.WEEK else day

    @property
    def length(self) -> timedelta:
        return timedelta(weeks=1) if self is Bucket.WEEK else ONE_DAY


def _sum(numbers: ColumnElement) -> ColumnElement:
    # PostgreSQL sums BIGINT as NUMERIC (a Decimal here); cents stay integers on both databases.
    return cast(func.sum(numbers), BigInteger)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, at most MAX_PERIOD_DAYS long."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a period's start and end must carry a time zone")
        if self.start >= self.end:
            raise ValueError(f"a period must start before it ends ({self.start} ≥ {self.end})")
        if self.end - self.start > timedelta(days=MAX_PERIOD_DAYS):
            raise ValueError(
                f"a period is at most {MAX_PERIOD_DAYS} days "
                f"(this one is {(self.end - self.start).days})"
            )
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))

    @classmethod
    def last_days(cls, days: int, now: datetime | None = None) -> Period:
        """The last `days` whole UTC days, today included."""
        if not 1 <= days <= MAX_PERIOD_DAYS:
            raise ValueError(f"the number of days must be between 1 and {MAX_PERIOD_DAYS}")
        today = (now or utcnow()).astimezone(UTC).date()
        return cls(_midnight(today - timedelta(days=days - 1)), _midnight(today + ONE_DAY))

    @classmethod
    def today(cls, now: datetime | None = None) -> Period:
        return cls.last_days(1, now)

    @classmethod
    def custom(cls, first_day: date, last_day: date) -> Period:
        """From the start of `first_day` to the end of `last_day` (both included), in UTC."""
        if last_day < first_day:
            raise ValueError(f"the last day ({last_day}) is before the first day ({first_day})")
        return cls(_midnight(first_day), _midnight(last_day + ONE_DAY))

    def bucket_starts(self, bucket: Bucket) -> tuple[date, ...]:
        """Every bucket overlapping the period, in order, whether or not anything happened."""
        starts = []
        day = bucket.floor(self.start.date())
        while _midnight(day) < self.end:
            starts.append(day)
            day += bucket.length
        return tuple(starts)


@dataclass(frozen=True)
class Figures:
    """What happened in a bucket, or in the whole period. Money in cents."""

    label_charges_cents: int = 0
    refunds_cents: int = 0
    carrier_cost_cents: int = 0  # of labels bought, less that of labels voided
    top_ups_cents: int = 0
    labels_sold: int = 0
    labels_refunded: int = 0
    new_users: int = 0
    active_users: int = 0  # distinct users; a period's count is not the sum of its buckets'

    @property
    def revenue_cents(self) -> int:
        return self.label_charges_cents - self.refunds_cents

    @property
    def gross_profit_cents(self) -> int:
        return self.revenue_cents - self.carrier_cost_cents


@dataclass(frozen=True)
class BucketFigures:
    start: date  # the bucket's first day (a Monday for weeks)
    figures: Figures


@dataclass(frozen=True)
class CarrierLabels:
    """Labels sold through one carrier, per bucket (aligned with `Dashboard.buckets`)."""

    carrier_code: str
    carrier_name: str
    per_bucket: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.per_bucket)


@dataclass(frozen=True)
class TopUser:
    user_id: int
    first_name: str
    last_name: str | None
    username: str | None
    labels: int  # labels bought in the period
    spend_cents: int  # label charges less refunds in the period


@dataclass(frozen=True)
class Dashboard:
    period: Period
    bucket: Bucket
    buckets: tuple[BucketFigures, ...]
    totals: Figures
    labels_by_carrier: tuple[CarrierLabels, ...]  # most labels first
    balances_owed_cents: int  # all balances now, whatever the period
    users_with_balance: int
    top_by_labels: tuple[TopUser, ...]
    top_by_spend: tuple[TopUser, ...]


Runs = tuple[tuple[date, date], ...]  # each [first, end), in order


@dataclass(frozen=True)
class Sources:
    """Where a period's figures come from: runs of rolled-up days and the spans of the period
    read live, in order. The rolled-up days are also split for the figures per user: the whole
    calendar months among them (`months`, as runs of days from a month's first day) and the
    other days (`days`); and for the active users per week: the whole weeks among them
    (`weeks`, as runs of days from a Monday) and the other days (`week_days`)."""

    rolled: Runs
    live: tuple[Period, ...]
    months: Runs
    days: Runs
    weeks: Runs
    week_days: Runs

    @classmethod
    def of(cls, period: Period, rolled_days: Iterable[date]) -> Sources:
        """The period's whole days that are rolled up from the roll-up, the rest live."""
        rolled: list[tuple[date, date]] = []
        live: list[Period] = []
        at = period.start
        for day in sorted(rolled_days):
            start, end = _midnight(day), _midnight(day + ONE_DAY)
            if start < period.start or end > period.end:
                continue
            if at < start:
                live.append(Period(at, start))
            if rolled and rolled[-1][1] == day:
                rolled[-1] = (rolled[-1][0], day + ONE_DAY)
            else:
                rolled.append((day, day + ONE_DAY))
            at = end
        if at < period.end:
            live.append(Period(at, period.end))
        runs = tuple(rolled)

        def next_week(day: date) -> date:
            return Bucket.WEEK.floor(day) + Bucket.WEEK.length

        months, days = _whole(runs, lambda day: day.replace(day=1), next_month)
        weeks, week_days = _whole(runs, Bucket.WEEK.floor, next_week)
        return cls(runs, tuple(live), months, days, weeks, week_days)


def _whole(
    runs: Runs, first_of: Callable[[date], date], next_of: Callable[[date], date]
) -> tuple[Runs, Runs]:
    """`runs` split into the whole units (months or weeks) among them, as runs of days from a
    unit's first day (`first_of` a day), and the other days; `next_of` a day is the first day
    of the unit after its own."""
    whole: list[tuple[date, date]] = []
    other: list[tuple[date, date]] = []
    for first, end in runs:
        whole_from = first if first_of(first) == first else next_of(first)
        whole_end = first_of(end)
        if whole_from >= whole_end:
            other.append((first, end))
            continue
        whole.append((whole_from, whole_end))
        other += [run for run in ((first, whole_from), (whole_end, end)) if run[0] < run[1]]
    return tuple(whole), tuple(other)


class _Tally:
    """The figures per bucket and the labels per carrier, as rows of either source add to
    them (Counter.update adds)."""

    def __init__(self, starts: tuple[date, ...]) -> None:
        self.per_bucket: dict[date, Counter[str]] = {start: Counter() for start in starts}
        self.carrier_names: dict[str, str] = {}
        self.carrier_labels: dict[str, Counter[date]] = defaultdict(Counter)

    def add(self, key: date, **figures: int) -> None:
        self.per_bucket[key].update(figures)

    def sales(self, key: date, code: str, name: str, labels: int, charges: int, cost: int) -> None:
        self.add(key, labels_sold=labels, label_charges_cents=charges, carrier_cost_cents=cost)
        # The greatest name seen, as each row's name is the greatest of its own (max()).
        self.carrier_names[code] = max(self.carrier_names.get(code, name), name)
        self.carrier_labels[code][key] += labels

    def refunds(self, key: date, refunds: int, amount: int, cost: int) -> None:
        self.add(key, labels_refunded=refunds, refunds_cents=amount, carrier_cost_cents=-cost)


async def dashboard(session: AsyncSession, period: Period, bucket: Bucket) -> Dashboard:
    """Every figure of the dashboard for `period`, per `bucket`: the rolled-up days from the
    roll-up, the rest live (seven queries per live span), added per bucket."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # Its queries are small: starting parallel workers costs more than they save.
        await session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    starts = period.bucket_starts(bucket)

    def bucket_of(column: ColumnElement) -> ColumnElement[date]:
        return _bucket_expression(column, bucket, dialect)

    sources = Sources.of(period, await session.scalars(_rolled_days(period)))
    tally = _Tally(starts)
    for live in sources.live:
        for row in await session.execute(_label_sales(live, bucket_of)):
            tally.sales(*row)
        for row in await session.execute(_refunds(live, bucket_of)):
            tally.refunds(*row)
        for key, amount in await session.execute(_top_ups(live, bucket_of)):
            tally.add(key, top_ups_cents=amount)
        for key, count in await session.execute(_new_users(live, bucket_of)):
            tally.add(key, new_users=count)
    if sources.rolled:
        for day, *sales in await session.execute(_rolled_sales(sources.rolled)):
            tally.sales(bucket.floor(day), *sales)
        for day, refunds, amount, cost, top_ups, new_users in await session.execute(
            _rolled_figures(sources.rolled)
        ):
            tally.refunds(bucket.floor(day), refunds, amount, cost)
            tally.add(bucket.floor(day), top_ups_cents=top_ups, new_users=new_users)
    active_in_period = 0
    for key, count in await session.execute(_active_users(sources, bucket, bucket_of)):
        if key is None:
            active_in_period += count
        else:
            tally.add(key, active_users=count)
    owed, with_balance = (await session.execute(_balances())).one()
    top_by_labels, top_by_spend = await _top_users(session, sources)

    per_bucket = tally.per_bucket
    buckets = tuple(BucketFigures(start, Figures(**per_bucket[start])) for start in starts)
    totals: Counter[str] = Counter()
    for one in buckets:
        totals.update(asdict(one.figures))  # update, not +, which would drop negative sums
    totals["active_users"] = active_in_period
    by_carrier = sorted(
        (
            CarrierLabels(code, tally.carrier_names[code], tuple(counts[s] for s in starts))
            for code, counts in tally.carrier_labels.items()
        ),
        key=lambda carrier: (-carrier.total, carrier.carrier_name),
    )
    return Dashboard(
        period=period,
        bucket=bucket,
        buckets=buckets,
        totals=Figures(**totals),
        labels_by_carrier=tuple(by_carrier),
        balances_owed_cents=owed,
        users_with_balance=with_balance,
        top_by_labels=top_by_labels,
        top_by_spend=top_by_spend,
    )


@dataclass(frozen=True)
class DayFigures:
    """One UTC day as the roll-up keeps it: what the live queries answer for that day alone."""

    day: date
    sales: tuple[tuple[str, str, int, int, int], ...]  # carrier code, name, labels, charges, cost
    labels_refunded: int
    refunds_cents: int
    refunds_carrier_cost_cents: int
    top_ups_cents: int
    new_users: int
    active_users: tuple[int, ...]
    user_sales: tuple[tuple[int, int, int], ...]  # user, labels, spend


async def day_figures(session: AsyncSession, day: date) -> DayFigures:
    """The figures of `day` for the roll-up, from the same queries as a live period's."""
    dialect = session.get_bind().dialect.name
    whole_day = Period.custom(day, day)

    def bucket_of(column: ColumnElement) -> ColumnElement[date]:
        return _bucket_expression(column, Bucket.DAY, dialect)

    async def one(query: Select, nothing: tuple) -> tuple:
        """A day is one bucket: each query has one row for it, or none if nothing happened."""
        row = (await session.execute(query)).one_or_none()
        return tuple(row[1:]) if row else nothing

    sales = await session.execute(_label_sales(whole_day, bucket_of))
    labels_refunded, refunds_cents, refunds_cost = await one(
        _refunds(whole_day, bucket_of), (0, 0, 0)
    )
    (top_ups_cents,) = await one(_top_ups(whole_day, bucket_of), (0,))
    (new_users,) = await one(_new_users(whole_day, bucket_of), (0,))
    pairs = _live_pairs((whole_day,), bucket_of)
    active_users = await session.scalars(select(pairs.c.user_id))
    user_sales = await session.execute(_user_sales(whole_day))
    return DayFigures(
        day=day,
        sales=tuple(tuple(row[1:]) for row in sales),
        labels_refunded=labels_refunded,
        refunds_cents=refunds_cents,
        refunds_carrier_cost_cents=refunds_cost,
        top_ups_cents=top_ups_cents,
        new_users=new_users,
        active_users=tuple(active_users),
        user_sales=tuple(tuple(row) for row in user_sales),
    )


def _bucket_expression(
    column: ColumnElement[datetime], bucket: Bucket, dialect: str
) -> ColumnElement[date]:
    # Constants are written inline, not bound: PostgreSQL matches a GROUP BY expression to the
    # selected one only if they are textually equal, and two bound parameters never are.
    if dialect == "postgresql":
        utc = func.timezone(literal_column("'UTC'"), column)
        return cast(func.date_trunc(literal_column(f"'{bucket.value}'"), utc), Date)
    if dialect == "sqlite":
        # Stored as UTC text. date() alone reads the day as written; a modifier would first
        # round the time to the millisecond (23:59:59.9995 becomes the next day), so the week
        # is taken from the day: "weekday 0" moves to its Sunday (or stays), six days back is
        # that week's Monday.
        day = func.date(column, type_=Date)
        if bucket is Bucket.WEEK:
            return func.date(
                day, literal_column("'weekday 0'"), literal_column("'-6 days'"), type_=Date
            )
        return day
    raise ValueError(f"no bucket expression for the {dialect} database")


def _within(column: ColumnElement[datetime], period: Period) -> ColumnElement[bool]:
    return (column >= period.start) & (column < period.end)


def _label_sales(period: Period, bucket_of: BucketOf) -> Select:
    """Per bucket and carrier: labels charged, what they were charged, what they cost us."""
    key = bucket_of(LedgerEntry.created_at)
    code = Order.rate["carrier_code"].as_string()
    return (
        select(
            key,
            code,
            func.max(Order.rate["carrier_name"].as_string()),
            func.count(),
            _sum(-LedgerEntry.amount_cents),
            _sum(Order.rate["carrier_total_cents"].as_integer()),
        )
        .join(Order, Order.id == LedgerEntry.reference)
        .where(LedgerEntry.kind == EntryKind.LABEL_CHARGE.value)
        .where(_within(LedgerEntry.created_at, period))
        .group_by(key, code)
    )


def _refunds(period: Period, bucket_of: BucketOf) -> Select:
    """Per bucket: approved refunds, the money credited back, the carrier cost recovered."""
    key = bucket_of(LedgerEntry.created_at)
    return (
        select(
            key,
            func.count(),
            _sum(LedgerEntry.amount_cents),
            _sum(Order.rate["carrier_total_cents"].as_integer()),
        )
        .join(Refund, Refund.id == LedgerEntry.reference)
        .join(Order, Order.id == Refund.order_id)
        .where(LedgerEntry.kind == EntryKind.REFUND.value)
        .where(_within(LedgerEntry.created_at, period))
        .group_by(key)
    )


def _top_ups(period: Period, bucket_of: BucketOf) -> Select:
    key = bucket_of(LedgerEntry.created_at)
    return (
        select(key, _sum(LedgerEntry.amount_cents))
        .where(LedgerEntry.kind == EntryKind.TOP_UP.value)
        .where(_within(LedgerEntry.created_at, period))
        .group_by(key)
    )


def _new_users(period: Period, bucket_of: BucketOf) -> Select:
    key = bucket_of(User.created_at)
    return select(key, func.count()).where(_within(User.created_at, period)).group_by(key)


def _live_pairs(periods: tuple[Period, ...], bucket_of: BucketOf) -> CTE:
    """Each (user, bucket) with activity in `periods`: a user is active in a bucket if they
    first wrote, were last seen, asked for rates, ordered, opened a top-up or asked for a
    refund in it."""
    moments = [
        (User.id, User.created_at),
        (User.id, User.last_seen_at),
        (RateQuote.user_id, RateQuote.created_at),
        (Order.user_id, Order.created_at),
        (Invoice.user_id, Invoice.created_at),
        (Refund.user_id, Refund.created_at),
    ]
    activity = union_all(
        *(
            select(user_id.label("user_id"), at.label("at")).where(_within(at, period))
            for period in periods
            for user_id, at in moments
        )
    ).subquery("activity")
    return (
        select(activity.c.user_id, bucket_of(activity.c.at).label("bucket"))
        .distinct()
        .cte("active_pairs")
    )


def _active_users(sources: Sources, bucket: Bucket, bucket_of: BucketOf) -> CompoundSelect:
    """Distinct active users per bucket, and in the whole period in the rows whose bucket is
    NULL, as rows to add up: those of the rolled-up days (for a whole week, its stored count;
    for the period, its whole months from the monthly roll-up), then those active live who are
    not among them in the same bucket (or the period)."""
    active = DailyActiveUser
    rolled_bucket = active.week if bucket is Bucket.WEEK else active.day
    on_rolled_days = _on_days(active.day, sources.rolled)
    parts: list[Select] = []
    if sources.rolled:
        counted_days = sources.rolled
        if bucket is Bucket.WEEK:
            counted_days = sources.week_days
            if sources.weeks:
                weekly = WeeklyActiveCount
                parts.append(
                    select(weekly.week, weekly.users).where(_on_days(weekly.week, sources.weeks))
                )
        per_bucket = select(rolled_bucket, func.count(func.distinct(active.user_id)))
        if bucket is Bucket.WEEK and counted_days:
            # The weeks' range, redundant with the days', lets the planner read the week index
            # in its order, with no sort.
            first, end = counted_days[0][0], counted_days[-1][1]
            per_bucket = per_bucket.where(active.week.between(bucket.floor(first), end))
        rolled_users = union_all(
            *_rolled_per_user(
                sources,
                select(active.user_id.label("user_id")),
                active.day,
                select(MonthlyActiveUser.user_id.label("user_id")),
                MonthlyActiveUser.month,
            )
        ).subquery("rolled_users")
        if counted_days:
            parts.append(
                per_bucket.where(_on_days(active.day, counted_days)).group_by(rolled_bucket)
            )
        parts.append(select(null().cast(Date), func.count(func.distinct(rolled_users.c.user_id))))
    if sources.live:
        pairs = _live_pairs(sources.live, bucket_of)
        new_in_bucket = new_in_period = true()
        if sources.rolled:
            rolled = select(1).where(active.user_id == pairs.c.user_id, on_rolled_days)
            new_in_bucket = ~rolled.where(rolled_bucket == pairs.c.bucket).exists()
            new_in_period = ~rolled.exists()
        parts += [
            select(pairs.c.bucket, func.count()).where(new_in_bucket).group_by(pairs.c.bucket),
            select(null().cast(Date), func.count(func.distinct(pairs.c.user_id))).where(
                new_in_period
            ),
        ]
    return union_all(*parts)


def _on_days(day: ColumnElement[date], runs: Runs) -> ColumnElement:
    return or_(false(), *((day >= first) & (day < end) for first, end in runs))


def _rolled_per_user(
    sources: Sources,
    daily: Select,
    day: ColumnElement[date],
    monthly: Select,
    month: ColumnElement[date],
) -> list[Select]:
    """A figure per user over the rolled-up days, as selects to unite: `daily`, a select from
    the daily roll-up (whose days are `day`), on the days outside whole months, and `monthly`,
    the same from the monthly roll-up, on those months."""
    parts = [daily.where(_on_days(day, sources.days))] if sources.days else []
    if sources.months:
        parts.append(monthly.where(_on_days(month, sources.months)))
    return parts


def _rolled_days(period: Period) -> Select:
    """The rolled-up days that may lie within the period (Sources keeps the whole ones)."""
    day = DailyStats.day
    return select(day).where(day >= period.start.date(), day < period.end.date())


def _rolled_sales(runs: tuple[tuple[date, date], ...]) -> Select:
    """The rows of _label_sales kept per day, with the day for the key."""
    return select(
        DailyCarrierStats.day,
        DailyCarrierStats.carrier_code,
        DailyCarrierStats.carrier_name,
        DailyCarrierStats.labels_sold,
        DailyCarrierStats.label_charges_cents,
        DailyCarrierStats.carrier_cost_cents,
    ).where(_on_days(DailyCarrierStats.day, runs))


def _rolled_figures(runs: tuple[tuple[date, date], ...]) -> Select:
    """_refunds, _top_ups and _new_users kept per day, with the day for the key."""
    return select(
        DailyStats.day,
        DailyStats.labels_refunded,
        DailyStats.refunds_cents,
        DailyStats.refunds_carrier_cost_cents,
        DailyStats.top_ups_cents,
        DailyStats.new_users,
    ).where(_on_days(DailyStats.day, runs))


def _balances() -> Select:
    return select(
        func.coalesce(_sum(Balance.cents), 0),
        func.count(case((Balance.cents > 0, 1))),
    )


def _user_sales(period: Period) -> Select:
    """Per user: labels bought in the period and spend, charges less refunds."""
    kind = LedgerEntry.kind
    return (
        select(
            LedgerEntry.user_id.label("user_id"),
            func.count(case((kind == EntryKind.LABEL_CHARGE.value, 1))).label("labels"),
            # Charges are debits and refunds credits: spend is what was paid, net.
            _sum(-LedgerEntry.amount_cents).label("spend"),
        )
        .where(kind.in_([EntryKind.LABEL_CHARGE.value, EntryKind.REFUND.value]))
        .where(_within(LedgerEntry.created_at, period))
        .group_by(LedgerEntry.user_id)
    )


def _leaders(columns, measure: str) -> tuple[ColumnElement, ...]:
    """A leaderboard's order: most `measure` first ("labels" or "spend"), then most of the
    other, then by user id."""
    other = "spend" if measure == "labels" else "labels"
    return (columns[measure].desc(), columns[other].desc(), columns.user_id)


async def _top_users(
    session: AsyncSession, sources: Sources
) -> tuple[tuple[TopUser, ...], tuple[TopUser, ...]]:
    """Both leaderboards from one aggregate of the period's label charges and refunds (live,
    and per day or month where rolled up): the first TOP_USERS users by labels, and by spend,
    among those with some."""
    parts = [_user_sales(live) for live in sources.live]
    if sources.rolled:
        daily, monthly = DailyUserSales, MonthlyUserSales
        # Their rows as they are: the one GROUP BY below adds them up with the live ones.
        parts += _rolled_per_user(
            sources,
            select(daily.user_id, daily.labels, daily.spend_cents.label("spend")),
            daily.day,
            select(monthly.user_id, monthly.labels, monthly.spend_cents.label("spend")),
            monthly.month,
        )
    sales = union_all(*parts).subquery("sales")
    # A CTE, as both leaderboards read it: aggregated once.
    per_user = (
        select(
            sales.c.user_id,
            _sum(sales.c.labels).label("labels"),
            _sum(sales.c.spend).label("spend"),
        )
        .group_by(sales.c.user_id)
        .cte("per_user")
    )
    boards = []
    for measure in ("labels", "spend"):
        # ORDER BY … LIMIT: the database keeps the first few, it does not rank every user.
        first = (
            select(per_user)
            .where(per_user.c[measure] > 0)
            .order_by(*_leaders(per_user.c, measure))
            .limit(TOP_USERS)
            .subquery()
        )
        rank = func.row_number().over(order_by=_leaders(first.c, measure))
        boards.append(select(literal(measure).label("board"), first, rank.label("rank")))
    leaders = union_all(*boards).subquery("leaders")
    rows = await session.execute(
        select(
            leaders.c.board,
            User.id,
            User.first_name,
            User.last_name,
            User.username,
            leaders.c.labels,
            leaders.c.spend,
        )
        .join(leaders, leaders.c.user_id == User.id)
        .order_by(leaders.c.board, leaders.c.rank)
    )
    boards_of: dict[str, list[TopUser]] = {"labels": [], "spend": []}
    for board, *user in rows:
        boards_of[board].append(TopUser(*user))
    return tuple(boards_of["labels"]), tuple(boards_of["spend"])
