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
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Date,
    Select,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from shipbot.db.models import (
    Balance,
    Invoice,
    LedgerEntry,
    Order,
    RateQuote,
    Refund,
    User,
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


def _cents_sum(cents: ColumnElement) -> ColumnElement:
    # PostgreSQL sums BIGINT as NUMERIC (a Decimal here); cents stay integers on both databases.
    return cast(func.sum(cents), BigInteger)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


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


async def dashboard(session: AsyncSession, period: Period, bucket: Bucket) -> Dashboard:
    """Every figure of the dashboard for `period`, per `bucket`, in seven queries."""
    dialect = session.get_bind().dialect.name
    starts = period.bucket_starts(bucket)

    def bucket_of(column: ColumnElement[datetime]) -> ColumnElement[date]:
        return _bucket_expression(column, bucket, dialect)

    # Counter.update adds: each query adds its figures to the buckets it found activity in.
    per_bucket: dict[date, Counter[str]] = {start: Counter() for start in starts}
    carrier_names: dict[str, str] = {}
    carrier_labels: dict[str, Counter[date]] = defaultdict(Counter)
    sales = await session.execute(_label_sales(period, bucket_of))
    for key, code, name, labels, charges, cost in sales:
        per_bucket[key].update(
            labels_sold=labels, label_charges_cents=charges, carrier_cost_cents=cost
        )
        carrier_names[code] = name
        carrier_labels[code][key] += labels
    for key, refunds, amount, cost in await session.execute(_refunds(period, bucket_of)):
        per_bucket[key].update(
            labels_refunded=refunds, refunds_cents=amount, carrier_cost_cents=-cost
        )
    for key, amount in await session.execute(_top_ups(period, bucket_of)):
        per_bucket[key].update(top_ups_cents=amount)
    for key, count in await session.execute(_new_users(period, bucket_of)):
        per_bucket[key].update(new_users=count)
    active_in_period = 0
    for key, count in await session.execute(_active_users(period, bucket_of)):
        if key is None:
            active_in_period = count
        else:
            per_bucket[key].update(active_users=count)
    owed, with_balance = (await session.execute(_balances())).one()
    top_by_labels, top_by_spend = await _top_users(session, period)

    buckets = tuple(BucketFigures(start, Figures(**per_bucket[start])) for start in starts)
    totals: Counter[str] = Counter()
    for one in buckets:
        totals.update(asdict(one.figures))  # update, not +, which would drop negative sums
    totals["active_users"] = active_in_period
    by_carrier = sorted(
        (
            CarrierLabels(code, carrier_names[code], tuple(counts[start] for start in starts))
            for code, counts in carrier_labels.items()
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
            _cents_sum(-LedgerEntry.amount_cents),
            _cents_sum(Order.rate["carrier_total_cents"].as_integer()),
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
            _cents_sum(LedgerEntry.amount_cents),
            _cents_sum(Order.rate["carrier_total_cents"].as_integer()),
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
        select(key, _cents_sum(LedgerEntry.amount_cents))
        .where(LedgerEntry.kind == EntryKind.TOP_UP.value)
        .where(_within(LedgerEntry.created_at, period))
        .group_by(key)
    )


def _new_users(period: Period, bucket_of: BucketOf) -> Select:
    key = bucket_of(User.created_at)
    return select(key, func.count()).where(_within(User.created_at, period)).group_by(key)


def _active_users(period: Period, bucket_of: BucketOf) -> Select:
    """Distinct active users per bucket, and in the whole period in the row whose bucket is
    NULL: both counted from one pass over the activity."""
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
            for user_id, at in moments
        )
    ).subquery("activity")
    pairs = (
        select(activity.c.user_id, bucket_of(activity.c.at).label("bucket"))
        .distinct()
        .cte("active_pairs")
    )
    return union_all(
        select(pairs.c.bucket, func.count()).group_by(pairs.c.bucket),
        select(null().cast(Date), func.count(func.distinct(pairs.c.user_id))),
    )


def _balances() -> Select:
    return select(
        func.coalesce(_cents_sum(Balance.cents), 0),
        func.count(case((Balance.cents > 0, 1))),
    )


async def _top_users(
    session: AsyncSession, period: Period
) -> tuple[tuple[TopUser, ...], tuple[TopUser, ...]]:
    """Both leaderboards from one aggregate of the period's label charges and refunds, each
    user ranked by labels and by spend."""
    kind = LedgerEntry.kind
    per_user = (
        select(
            LedgerEntry.user_id,
            func.count(case((kind == EntryKind.LABEL_CHARGE.value, 1))).label("labels"),
            # Charges are debits and refunds credits: spend is what was paid, net.
            _cents_sum(-LedgerEntry.amount_cents).label("spend"),
        )
        .where(kind.in_([EntryKind.LABEL_CHARGE.value, EntryKind.REFUND.value]))
        .where(_within(LedgerEntry.created_at, period))
        .group_by(LedgerEntry.user_id)
        .subquery("per_user")
    )
    labels, spend, user_id = per_user.c.labels, per_user.c.spend, per_user.c.user_id
    ranked = select(
        per_user,
        func.row_number().over(order_by=(labels.desc(), spend.desc(), user_id)).label("by_labels"),
        func.row_number().over(order_by=(spend.desc(), labels.desc(), user_id)).label("by_spend"),
    ).subquery("ranked")
    rows = await session.execute(
        select(
            User.id,
            User.first_name,
            User.last_name,
            User.username,
            ranked.c.labels,
            ranked.c.spend,
            ranked.c.by_labels,
            ranked.c.by_spend,
        )
        .join(ranked, ranked.c.user_id == User.id)
        .where(
            ((ranked.c.by_labels <= TOP_USERS) & (ranked.c.labels > 0))
            | ((ranked.c.by_spend <= TOP_USERS) & (ranked.c.spend > 0))
        )
    )
    by_labels, by_spend = [], []
    for *user, labels_rank, spend_rank in rows:
        top_user = TopUser(*user)
        if labels_rank <= TOP_USERS and top_user.labels > 0:
            by_labels.append((labels_rank, top_user))
        if spend_rank <= TOP_USERS and top_user.spend_cents > 0:
            by_spend.append((spend_rank, top_user))
    return (
        tuple(user for _, user in sorted(by_labels)),
        tuple(user for _, user in sorted(by_spend)),
    )
