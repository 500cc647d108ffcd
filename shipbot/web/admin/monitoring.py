"""The monitoring page and its API (SPEC §4): the report of shipbot/services/monitoring.py on
this replica's runtime — Telegram's webhook, the carrier, the payment provider — and on the
database every replica shares."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel

from shipbot.bot.runtime.processor import Outcome
from shipbot.services import monitoring, shop_settings
from shipbot.services.admin_accounts import Role
from shipbot.services.admin_sessions import AdminIdentity
from shipbot.services.monitoring import Probe, Report
from shipbot.web.admin.api import ERRORS
from shipbot.web.admin.auth import current_admin
from shipbot.web.admin.rendering import render

pages = APIRouter()
api = APIRouter()


async def _report(request: Request) -> Report:
    runtime = request.app.state.runtime
    settings = runtime.settings
    return await monitoring.report(
        runtime.database,
        shop_settings.initial_settings(settings),
        runtime.quoter.carrier,
        runtime.payments.provider,
        runtime.bot.get_webhook_info,
        settings.webhook_url if settings.webhook_base_url else None,
    )


def age(since: datetime, now: datetime) -> str:
    """How long ago, for a person: "42 s", "3 min", "2 h 5 min", "3 days"."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours < 48 else f"{hours // 24} days"


@pages.get("/monitoring")
async def monitoring_page(
    request: Request, identity: AdminIdentity = Depends(current_admin)
) -> Response:
    return render(
        request,
        "monitoring.html",
        identity=identity,
        owner=identity.role is Role.OWNER,
        report=await _report(request),
        outcomes=[Outcome.HANDLED, Outcome.FAILED, Outcome.IGNORED],
        age=age,
    )


class ProbeOut(BaseModel):
    answered: bool
    latency_ms: int
    detail: str  # what it answered, or why it did not

    @classmethod
    def of(cls, probe: Probe) -> ProbeOut:
        return cls.model_validate(probe, from_attributes=True)


class WebhookOut(BaseModel):
    probe: ProbeOut
    expected_url: str | None
    url: str | None  # null when Telegram did not answer
    matches: bool
    pending_updates: int | None
    last_error_at: datetime | None
    last_error_message: str | None


class CarrierAccountOut(BaseModel):
    carrier_id: str
    carrier_code: str
    name: str
    balance_cents: int | None  # null: the carrier keeps no balance for this account
    low: bool


class CarrierOut(BaseModel):
    probe: ProbeOut
    warning_below_cents: int
    accounts: list[CarrierAccountOut]


class UpdatesOut(BaseModel):
    since: datetime
    handled: int
    failed: int
    ignored: int
    duplicates: int  # deliveries repeating an update of the window, dropped, on any replica


class WaitingPurchaseOut(BaseModel):
    order_id: str
    user_id: int
    since: datetime
    age_seconds: int


class FailedUpdateOut(BaseModel):
    update_id: int
    chat_id: int | None
    user_id: int | None
    user_name: str | None
    order_id: str | None  # the user's newest order at the time
    at: datetime


class JobOut(BaseModel):
    job: str
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_error: str | None  # of the last finished run; null when it succeeded
    running: bool


class MonitoringOut(BaseModel):
    at: datetime
    webhook: WebhookOut
    carrier: CarrierOut
    payments: ProbeOut
    updates: UpdatesOut
    open_invoices: int
    purchasing: list[WaitingPurchaseOut]
    recent_failed_updates: list[FailedUpdateOut]
    jobs: list[JobOut]

    @classmethod
    def of(cls, report: Report) -> MonitoringOut:
        activity, webhook, info = report.activity, report.webhook, report.webhook.info
        return cls(
            at=report.at,
            webhook=WebhookOut(
                probe=ProbeOut.of(webhook.probe),
                expected_url=webhook.expected_url,
                url=info.url if info else None,
                matches=webhook.matches,
                pending_updates=info.pending_update_count if info else None,
                last_error_at=info.last_error_date if info else None,
                last_error_message=info.last_error_message if info else None,
            ),
            carrier=CarrierOut(
                probe=ProbeOut.of(report.carrier.probe),
                warning_below_cents=report.carrier.warning_below_cents,
                accounts=[
                    CarrierAccountOut(
                        carrier_id=one.account.carrier_id,
                        carrier_code=one.account.carrier_code,
                        name=one.account.name,
                        balance_cents=one.account.balance_cents,
                        low=one.low,
                    )
                    for one in report.carrier.accounts
                ],
            ),
            payments=ProbeOut.of(report.payments),
            updates=UpdatesOut(
                since=activity.since,
                handled=activity.updates.get(Outcome.HANDLED, 0),
                failed=activity.updates.get(Outcome.FAILED, 0),
                ignored=activity.updates.get(Outcome.IGNORED, 0),
                duplicates=activity.duplicates,
            ),
            open_invoices=activity.open_invoices,
            purchasing=[
                WaitingPurchaseOut(
                    order_id=waiting.order_id,
                    user_id=waiting.user_id,
                    since=waiting.since,
                    age_seconds=max(0, int((report.at - waiting.since).total_seconds())),
                )
                for waiting in activity.purchasing
            ],
            recent_failed_updates=[
                FailedUpdateOut(
                    update_id=failed.update_id,
                    chat_id=failed.chat_id,
                    user_id=failed.user_id,
                    user_name=failed.user_name,
                    order_id=failed.order_id,
                    at=failed.at,
                )
                for failed in activity.recent_failures
            ],
            jobs=[
                JobOut(
                    job=job.job,
                    last_started_at=job.last_started_at,
                    last_finished_at=job.last_finished_at,
                    last_error=job.last_error,
                    running=job.running,
                )
                for job in activity.jobs
            ],
        )


@api.get("/monitoring", response_model=MonitoringOut, responses=ERRORS)
async def monitoring_report(request: Request) -> MonitoringOut:
    """What the monitoring page shows. Telegram, the carrier and the payment provider are
    asked now, each within a few seconds; one that does not answer is reported, not raised."""
    return MonitoringOut.of(await _report(request))
