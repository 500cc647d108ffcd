"""The dashboard in the panel (also the panel's home, /admin) and in the API (SPEC §4): the
figures of shipbot/services/stats.py for a chosen period, per day or week, with the charts of
charts.py drawn inline as SVG. The page and the API read the same query parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from pydantic import BaseModel

from shipbot.services import stats
from shipbot.services.admin_accounts import Role
from shipbot.services.admin_sessions import AdminIdentity
from shipbot.services.stats import Bucket, Dashboard, Figures, Period, TopUser
from shipbot.web.admin.api import ERRORS, AdminApiError
from shipbot.web.admin.auth import current_admin, database_of
from shipbot.web.admin.charts import carrier_chart, revenue_chart
from shipbot.web.admin.rendering import render

pages = APIRouter()
api = APIRouter()

# The period choices, by the value of `period`, with the number of days they cover.
LAST_DAYS = {"today": 1, "7d": 7, "30d": 30}
CUSTOM = "custom"
PERIOD_NAMES = {"today": "Today", "7d": "7 days", "30d": "30 days", CUSTOM: "Custom range"}
DEFAULT_PERIOD = "7d"


class BadRange(ValueError):
    """The period asked for cannot be shown; the message says why, for a person."""


@dataclass(frozen=True)
class DashboardQuery:
    """The query parameters as typed: checked by `choice`, so a bad one gets a clear answer
    beside the form instead of a generic validation error."""

    period: str = DEFAULT_PERIOD
    bucket: str = Bucket.DAY.value
    since: str = ""
    until: str = ""

    def choice(self) -> tuple[Period, Bucket]:
        try:
            bucket = Bucket(self.bucket)
        except ValueError:
            raise BadRange(f"Show per day or per week, not {self.bucket!r}.") from None
        if self.period in LAST_DAYS:
            return Period.last_days(LAST_DAYS[self.period]), bucket
        if self.period != CUSTOM:
            choices = ", ".join(PERIOD_NAMES)
            raise BadRange(f"There is no period {self.period!r}; choose one of {choices}.")
        first, last = _day(self.since, "first"), _day(self.until, "last")
        try:
            return Period.custom(first, last), bucket
        except ValueError as error:
            raise BadRange(f"This range cannot be shown: {error}.") from None


def _day(text: str, which: str) -> date:
    if not text.strip():
        raise BadRange(f"A custom range needs its {which} day.")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadRange(f"The {which} day, {text!r}, is not a date such as 2026-11-30.") from None


def dashboard_query(
    period: str = Query(DEFAULT_PERIOD, description="today, 7d, 30d or custom"),
    bucket: str = Query(Bucket.DAY.value, description="day or week"),
    since: str = Query("", description="custom: the first day, YYYY-MM-DD (UTC)"),
    until: str = Query("", description="custom: the last day, included, YYYY-MM-DD (UTC)"),
) -> DashboardQuery:
    return DashboardQuery(period, bucket, since, until)


async def _dashboard(request: Request, period: Period, bucket: Bucket) -> Dashboard:
    async with database_of(request).sessions() as session:
        return await stats.dashboard(session, period, bucket)


async def dashboard_page(
    request: Request, identity: AdminIdentity, query: DashboardQuery
) -> Response:
    """The page, for /admin as for /admin/dashboard."""
    context: dict[str, object] = {
        "identity": identity,
        "owner": identity.role is Role.OWNER,
        "query": query,
        "periods": PERIOD_NAMES,
        "buckets": [bucket.value for bucket in Bucket],
    }
    try:
        period, bucket = query.choice()
    except BadRange as error:
        return render(request, "dashboard.html", 400, error=str(error), **context)
    dashboard = await _dashboard(request, period, bucket)
    return render(
        request,
        "dashboard.html",
        dashboard=dashboard,
        last_day=(period.end - stats.ONE_DAY).date(),  # every choice ends at a midnight
        # Built by charts.py from data it escapes, with no script: safe to embed as it is.
        revenue_svg=Markup(revenue_chart(dashboard)),
        carrier_svg=Markup(carrier_chart(dashboard)),
        **context,
    )


@pages.get("/dashboard")
async def dashboard(
    request: Request,
    identity: AdminIdentity = Depends(current_admin),
    query: DashboardQuery = Depends(dashboard_query),
) -> Response:
    return await dashboard_page(request, identity, query)


class FiguresOut(BaseModel):
    revenue_cents: int  # label charges less refunds
    label_charges_cents: int
    refunds_cents: int
    carrier_cost_cents: int
    gross_profit_cents: int
    top_ups_cents: int
    labels_sold: int
    labels_refunded: int
    new_users: int
    active_users: int

    @classmethod
    def of(cls, figures: Figures) -> FiguresOut:
        return cls(
            revenue_cents=figures.revenue_cents,
            label_charges_cents=figures.label_charges_cents,
            refunds_cents=figures.refunds_cents,
            carrier_cost_cents=figures.carrier_cost_cents,
            gross_profit_cents=figures.gross_profit_cents,
            top_ups_cents=figures.top_ups_cents,
            labels_sold=figures.labels_sold,
            labels_refunded=figures.labels_refunded,
            new_users=figures.new_users,
            active_users=figures.active_users,
        )


class BucketOut(BaseModel):
    start: date  # the bucket's first day (a Monday for weeks)
    figures: FiguresOut


class CarrierLabelsOut(BaseModel):
    carrier_code: str
    carrier_name: str
    total: int
    per_bucket: list[int]  # aligned with `buckets`


class TopUserOut(BaseModel):
    user_id: int
    first_name: str
    last_name: str | None
    username: str | None
    labels: int
    spend_cents: int

    @classmethod
    def of(cls, user: TopUser) -> TopUserOut:
        return cls.model_validate(user, from_attributes=True)


class DashboardOut(BaseModel):
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive
    bucket: Bucket
    totals: FiguresOut  # active_users: distinct over the period, not the buckets' sum
    buckets: list[BucketOut]
    labels_by_carrier: list[CarrierLabelsOut]
    balances_owed_cents: int  # every balance now, whatever the period
    users_with_balance: int
    top_by_labels: list[TopUserOut]
    top_by_spend: list[TopUserOut]

    @classmethod
    def of(cls, dashboard: Dashboard) -> DashboardOut:
        return cls(
            start=dashboard.period.start,
            end=dashboard.period.end,
            bucket=dashboard.bucket,
            totals=FiguresOut.of(dashboard.totals),
            buckets=[
                BucketOut(start=one.start, figures=FiguresOut.of(one.figures))
                for one in dashboard.buckets
            ],
            labels_by_carrier=[
                CarrierLabelsOut(
                    carrier_code=c.carrier_code,
                    carrier_name=c.carrier_name,
                    total=c.total,
                    per_bucket=list(c.per_bucket),
                )
                for c in dashboard.labels_by_carrier
            ],
            balances_owed_cents=dashboard.balances_owed_cents,
            users_with_balance=dashboard.users_with_balance,
            top_by_labels=[TopUserOut.of(user) for user in dashboard.top_by_labels],
            top_by_spend=[TopUserOut.of(user) for user in dashboard.top_by_spend],
        )


@api.get("/dashboard", response_model=DashboardOut, responses=ERRORS)
async def dashboard_figures(
    request: Request, query: DashboardQuery = Depends(dashboard_query)
) -> DashboardOut:
    """The dashboard's figures for a period (default: the last 7 days), money in cents."""
    try:
        period, bucket = query.choice()
    except BadRange as error:
        raise AdminApiError(422, "invalid_request", str(error)) from None
    return DashboardOut.of(await _dashboard(request, period, bucket))
