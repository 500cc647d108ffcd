"""What the monitoring page shows (SPEC §4): how the updates of the last hour went, what waits
(open invoices, purchases in `purchasing`), the recent failed updates, when each background job
last ran, and whether Telegram, the carrier and the payment provider answer right now.

Each outside call is bounded by a timeout, and its failure is a finding rather than an error:
the page is most needed when something does not answer. The calls run concurrently, so the
page waits for the slowest of them, never for their sum.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.database import Database
from shipbot.db.models import Invoice, JobRun, Order, ProcessedUpdate, User, utcnow
from shipbot.domain.orders import OrderStatus
from shipbot.providers.carriers.base import CarrierAccount, CarrierProvider
from shipbot.providers.payments.base import PaymentProvider
from shipbot.services import job_runs, shop_settings
from shipbot.services.shop_settings import ShopSettings
from shipbot.services.topups import FINAL_STATUSES

UPDATES_WINDOW = timedelta(hours=1)
RECENT_FAILURES = 20
PROBE_TIMEOUT_SECONDS = 5.0
FAILED = "failed"  # the processor's Outcome.FAILED (bot/runtime/processor.py), as recorded

T = TypeVar("T")


class WebhookInfo(Protocol):
    """What the Bot API's getWebhookInfo answers (aiogram's WebhookInfo)."""

    url: str
    pending_update_count: int
    last_error_date: datetime | None
    last_error_message: str | None


@dataclass(frozen=True)
class Probe:
    """One call to the outside: whether it answered in time, how long it took, and what it
    said or why it did not answer."""

    answered: bool
    latency_ms: int
    detail: str


@dataclass(frozen=True)
class Webhook:
    probe: Probe
    expected_url: str | None  # None where this process takes no webhook (`shipbot poll`)
    info: WebhookInfo | None  # None when Telegram did not answer

    @property
    def matches(self) -> bool:
        return self.info is not None and self.info.url == self.expected_url


@dataclass(frozen=True)
class AccountBalance:
    account: CarrierAccount
    low: bool  # a balance below the owner's warning threshold


@dataclass(frozen=True)
class CarrierCheck:
    probe: Probe
    accounts: tuple[AccountBalance, ...]
    warning_below_cents: int


@dataclass(frozen=True)
class WaitingPurchase:
    order_id: str
    user_id: int
    since: datetime  # when it went into `purchasing`


@dataclass(frozen=True)
class FailedUpdate:
    update_id: int
    chat_id: int | None
    at: datetime
    user_name: str | None  # of the chat's user, when the bot knows them
    # The user's newest order at the time: an update records no order, and this is the one
    # their conversation was about, unless they failed before ordering anything new.
    order_id: str | None

    @property
    def user_id(self) -> int | None:
        """A private chat's id is its user's (groups' and channels' are negative)."""
        return self.chat_id if self.chat_id is not None and self.chat_id > 0 else None


@dataclass(frozen=True)
class JobStatus:
    job: str
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_error: str | None

    @property
    def running(self) -> bool:
        started, finished = self.last_started_at, self.last_finished_at
        return started is not None and (finished is None or finished < started)


@dataclass(frozen=True)
class Activity:
    """What the database says, for all replicas alike."""

    since: datetime  # the start of the updates' window
    updates: dict[str, int]  # outcome → updates recorded in the window
    # Deliveries repeating an update of the window, on any replica; each was dropped.
    duplicates: int
    open_invoices: int
    purchasing: tuple[WaitingPurchase, ...]  # oldest first
    recent_failures: tuple[FailedUpdate, ...]  # newest first
    jobs: tuple[JobStatus, ...]


@dataclass(frozen=True)
class Report:
    at: datetime
    activity: Activity
    webhook: Webhook
    carrier: CarrierCheck
    payments: Probe


async def report(
    database: Database,
    defaults: ShopSettings,
    carrier: CarrierProvider,
    payments: PaymentProvider,
    webhook_info: Callable[[], Awaitable[WebhookInfo]],
    expected_webhook_url: str | None,
) -> Report:
    """Everything the page shows; `defaults` are the shop settings from the environment."""
    now = utcnow()
    async with database.sessions() as session:
        activity = await _activity(session, now)
        settings = await shop_settings.current(session, defaults)
    webhook, accounts, currencies = await asyncio.gather(
        probe(webhook_info, PROBE_TIMEOUT_SECONDS),
        probe(carrier.list_carrier_accounts, PROBE_TIMEOUT_SECONDS),
        probe(payments.accepted_currencies, PROBE_TIMEOUT_SECONDS),
    )
    return Report(
        at=now,
        activity=activity,
        webhook=Webhook(webhook[0], expected_webhook_url, webhook[1]),
        carrier=_carrier_check(*accounts, settings.carrier_balance_warning_cents),
        payments=_payments_probe(*currencies),
    )


async def probe(call: Callable[[], Awaitable[T]], timeout: float) -> tuple[Probe, T | None]:
    """Call once within `timeout`; whatever it raises is what the probe found."""
    started = time.perf_counter()

    def took() -> int:
        return round((time.perf_counter() - started) * 1000)

    try:
        async with asyncio.timeout(timeout):
            result = await call()
    except TimeoutError:
        return Probe(False, took(), f"no answer within {timeout:g} s"), None
    except Exception as error:
        return Probe(False, took(), job_runs.describe(error)), None
    return Probe(True, took(), "answered"), result


def _carrier_check(
    found: Probe, accounts: list[CarrierAccount] | None, warning_below_cents: int
) -> CarrierCheck:
    listed = tuple(
        AccountBalance(
            account,
            low=account.balance_cents is not None and account.balance_cents < warning_below_cents,
        )
        for account in accounts or ()
    )
    if found.answered:
        found = Probe(True, found.latency_ms, f"{len(listed)} carrier accounts connected")
    return CarrierCheck(found, listed, warning_below_cents)


def _payments_probe(found: Probe, currencies: list[str] | None) -> Probe:
    if not found.answered:
        return found
    shown = ", ".join((currencies or [])[:8]) + (" …" if len(currencies or []) > 8 else "")
    return Probe(True, found.latency_ms, f"payers may use {shown or 'nothing'}")


async def _activity(session: AsyncSession, now: datetime) -> Activity:
    since = now - UPDATES_WINDOW
    counts = await session.execute(
        select(ProcessedUpdate.outcome, func.count(), func.sum(ProcessedUpdate.duplicates))
        .where(ProcessedUpdate.processed_at >= since)
        .group_by(ProcessedUpdate.outcome)
    )
    updates: dict[str, int] = {}
    duplicates = 0
    for outcome, count, repeated in counts:
        updates[outcome] = count
        duplicates += repeated or 0
    open_invoices = await session.scalar(
        select(func.count())
        .select_from(Invoice)
        .where(Invoice.status.not_in([status.value for status in FINAL_STATUSES]))
    )
    purchasing = await session.execute(
        select(Order.id, Order.user_id, Order.updated_at)
        .where(Order.status == OrderStatus.PURCHASING.value)
        .order_by(Order.updated_at)
    )
    runs = await job_runs.last_runs(session)
    return Activity(
        since=since,
        updates=updates,
        duplicates=duplicates,
        open_invoices=open_invoices or 0,
        purchasing=tuple(WaitingPurchase(*row) for row in purchasing),
        recent_failures=await _recent_failures(session),
        jobs=tuple(_job_status(name, runs.get(name)) for name in job_runs.JOBS),
    )


async def _recent_failures(session: AsyncSession) -> tuple[FailedUpdate, ...]:
    # In a private chat the chat id is the user's id; a group's finds no user row.
    order_then = (
        select(Order.id)
        .where(Order.user_id == ProcessedUpdate.chat_id)
        .where(Order.created_at <= ProcessedUpdate.processed_at)
        .order_by(Order.created_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            ProcessedUpdate.update_id,
            ProcessedUpdate.chat_id,
            ProcessedUpdate.processed_at,
            User.first_name,
            User.username,
            order_then,
        )
        .outerjoin(User, User.id == ProcessedUpdate.chat_id)
        .where(ProcessedUpdate.outcome == FAILED)
        .order_by(ProcessedUpdate.processed_at.desc(), ProcessedUpdate.update_id.desc())
        .limit(RECENT_FAILURES)
    )
    return tuple(
        FailedUpdate(update_id, chat_id, at, _name(first_name, username), order_id)
        for update_id, chat_id, at, first_name, username, order_id in rows
    )


def _name(first_name: str | None, username: str | None) -> str | None:
    if first_name is None:
        return None
    return f"{first_name} (@{username})" if username else first_name


def _job_status(name: str, run: JobRun | None) -> JobStatus:
    if run is None:
        return JobStatus(name, None, None, None)
    return JobStatus(name, run.last_started_at, run.last_finished_at, run.last_error)
