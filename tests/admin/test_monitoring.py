"""The monitoring page and GET /api/admin/monitoring on the real app with the sandbox carrier
and payments: each item shown from seeded rows (updates of the last hour, open invoices,
purchases in `purchasing`, failed updates linking to their user, the jobs' last runs), the
sandbox's carrier accounts with the low-balance warning at the owner's threshold, and a clean
answer when Telegram (unreachable in these tests), the carrier or the payment provider fail
or hang."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from aiogram.types import Update, WebhookInfo

from shipbot.bot.runtime.chats import ChatTurns
from shipbot.bot.runtime.processor import UpdateProcessor
from shipbot.db.database import Database
from shipbot.db.models import Invoice, Order, ProcessedUpdate, User, utcnow
from shipbot.providers.carriers.base import CarrierUnavailable
from shipbot.providers.payments.base import PaymentUnavailable
from shipbot.services import job_runs, monitoring, shop_settings
from shipbot.services.audit import COMMAND_LINE
from shipbot.services.job_runs import HOUSEKEEPING, INVOICE_POLLER, PURCHASE_RECONCILER
from tests.admin.conftest import SUPPORT, browser, logged_in
from tests.support.sandbox_client import ADMIN_TOKEN

API = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def text_of(html: str, element_id: str) -> str:
    found = re.search(rf'<(\w+)[^>]* id="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert found, f"no #{element_id} on the page"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(2))).split())


async def page_and_api(app, username: str | None = None) -> tuple[str, dict]:
    async with browser(app) as admin:
        await logged_in(admin, *(username,) if username else ())
        page = await admin.get("/admin/monitoring")
        api = await admin.get("/api/admin/monitoring", headers=API)
    assert page.status_code == 200, page.text
    assert api.status_code == 200, api.text
    return page.text, api.json()


async def seed_activity(database: Database) -> None:
    now = utcnow()
    async with database.transaction() as session:
        session.add(User(id=555, first_name="Eve", username="eve"))
        await session.flush()
        rows = [
            (1, 555, "handled", now - timedelta(minutes=5)),
            (2, 555, "handled", now - timedelta(minutes=30)),
            (3, 777, "handled", now - timedelta(minutes=59)),
            (4, 555, "handled", now - timedelta(hours=2)),  # before the last hour
            (5, 555, "failed", now - timedelta(minutes=10)),
            (6, -100123, "failed", now - timedelta(hours=3)),  # a group: no user to link
            (7, -100500, "ignored", now - timedelta(minutes=1)),
        ]
        # Redeliveries dropped by any replica: 2 + 1 in the last hour, 5 of an older update.
        repeated = {1: 2, 5: 1, 4: 5}
        session.add_all(
            ProcessedUpdate(
                update_id=update_id,
                chat_id=chat,
                outcome=outcome,
                processed_at=at,
                duplicates=repeated.get(update_id, 0),
            )
            for update_id, chat, outcome, at in rows
        )
        for number, status in enumerate(["waiting", "paying", "paid", "expired"]):
            session.add(
                Invoice(
                    id=f"I{number}",
                    user_id=555,
                    chat_id=555,
                    track_id=f"track-{number}",
                    amount_cents=20_00,
                    status=status,
                    payment_url="http://pay",
                    expires_at=now + timedelta(hours=1),
                )
            )
        orders = (
            ("STUCK1", "purchasing", now),
            ("QUOTED1", "quoted", now),
            # Before the failure of update 5: the newest of these is the one it links to.
            ("BEFORE1", "purchased", now - timedelta(minutes=20)),
            ("BEFORE0", "purchased", now - timedelta(hours=5)),
        )
        for order_id, status, created_at in orders:
            session.add(
                Order(
                    id=order_id,
                    user_id=555,
                    status=status,
                    shipment={},
                    rate={},
                    price_cents=9_00,
                    quote_id="q",
                    quote_expires_at=now,
                    created_at=created_at,
                    updated_at=now - timedelta(minutes=10, seconds=5),
                )
            )


async def test_the_page_and_the_api_show_what_the_database_holds(app, database, accounts):
    # After the app's first reconciliation, which would otherwise try the stuck order.
    await wait_for_runs(database, PURCHASE_RECONCILER)
    await seed_activity(database)

    page, body = await page_and_api(app)

    assert text_of(page, "updates-handled") == "3"
    assert text_of(page, "updates-failed") == "1"
    assert text_of(page, "updates-ignored") == "1"
    assert text_of(page, "open-invoices") == "2"
    assert text_of(page, "purchasing-count") == "1"
    waiting = text_of(page, "purchasing")
    assert "STUCK1" in waiting and "(10 min ago)" in waiting and "QUOTED1" not in page
    failures = text_of(page, "failed-updates")
    assert failures.index("Eve (@eve)") < failures.index("chat -100123")  # newest first
    assert '<a href="/admin/users/555">Eve (@eve)</a>' in page
    assert '<a href="/admin/orders/BEFORE1">BEFORE1</a>' in page and "BEFORE0" not in page
    assert 'href="/admin/users/-100123"' not in page

    assert body["updates"] == {
        "since": body["updates"]["since"],
        "handled": 3,
        "failed": 1,
        "ignored": 1,
        "duplicates": 3,
    }
    assert body["open_invoices"] == 2
    (stuck,) = body["purchasing"]
    assert (stuck["order_id"], stuck["user_id"]) == ("STUCK1", 555)
    assert 600 <= stuck["age_seconds"] < 700
    assert [
        (f["update_id"], f["user_id"], f["user_name"], f["order_id"])
        for f in body["recent_failed_updates"]
    ] == [
        (5, 555, "Eve (@eve)", "BEFORE1"),
        (6, None, None, None),
    ]


async def test_duplicates_dropped_by_any_replica_are_counted(app, accounts):
    # A channel post has no person behind it: ignored, recorded, and dropped when redelivered.
    post = Update.model_validate(
        {
            "update_id": 9001,
            "channel_post": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": -100500, "type": "channel", "title": "News"},
                "text": "hello",
            },
        }
    )
    runtime = app.state.runtime
    # Another replica: its own processor and chat turns over the same database.
    turns = ChatTurns(runtime.database, runtime.bot, runtime.i18n)
    other = UpdateProcessor(runtime.dispatcher, turns)
    for processor in (runtime.processor, runtime.processor, other, other):
        await processor.process(post)

    page, body = await page_and_api(app)

    assert (body["updates"]["ignored"], body["updates"]["duplicates"]) == (1, 3)
    assert text_of(page, "updates-duplicate").startswith("3 ")


async def wait_for_runs(database: Database, *jobs: str) -> None:
    """The app's own jobs run their first round as it starts."""
    async with asyncio.timeout(10):
        while True:
            async with database.sessions() as session:
                runs = await job_runs.last_runs(session)
            if all(job in runs and runs[job].last_finished_at for job in jobs):
                return
            await asyncio.sleep(0.05)


async def test_each_jobs_last_run_is_shown_with_its_error(app, database, accounts):
    await wait_for_runs(database, PURCHASE_RECONCILER, HOUSEKEEPING)
    with pytest.raises(RuntimeError):
        async with job_runs.recording(database, INVOICE_POLLER):
            raise RuntimeError("the provider is down")

    page, body = await page_and_api(app)

    poller = text_of(page, f"job-{INVOICE_POLLER}")
    assert "failed: RuntimeError: the provider is down" in poller
    assert "ago" in poller and "never" not in poller
    for job in (PURCHASE_RECONCILER, HOUSEKEEPING):
        assert text_of(page, f"job-{job}").endswith("succeeded"), job
    jobs = {job["job"]: job for job in body["jobs"]}
    assert list(jobs) == list(job_runs.JOBS)
    assert jobs[INVOICE_POLLER]["last_error"] == "RuntimeError: the provider is down"
    assert jobs[INVOICE_POLLER]["running"] is False
    assert jobs[HOUSEKEEPING]["last_error"] is None
    assert jobs[HOUSEKEEPING]["last_started_at"] <= jobs[HOUSEKEEPING]["last_finished_at"]


async def test_a_job_never_run_says_so(app, database, accounts):
    page, body = await page_and_api(app)
    assert "never" in text_of(page, f"job-{INVOICE_POLLER}")  # its first round is a minute off
    poller = next(job for job in body["jobs"] if job["job"] == INVOICE_POLLER)
    assert poller["last_started_at"] is None and poller["running"] is False


async def test_the_carrier_accounts_with_a_warning_below_the_owners_threshold(
    app, database, accounts
):
    page, body = await page_and_api(app)

    accounts_table = text_of(page, "carrier-accounts")
    assert "a warning below $100.00" in accounts_table
    assert (
        "USPS (sandbox) usps sandbox-usps $18.40 Low balance: fund this account" in accounts_table
    )
    assert "UPS (sandbox) ups sandbox-ups not reported (billed by the carrier)" in accounts_table
    assert "FedEx (sandbox) fedex sandbox-fedex $1,250.00 FedEx" not in accounts_table
    assert page.count("Low balance") == 1
    assert text_of(page, "carrier-status") == "answers"
    carrier = body["carrier"]
    assert carrier["probe"]["answered"] is True
    assert carrier["probe"]["detail"] == "3 carrier accounts connected"
    assert carrier["warning_below_cents"] == 100_00
    assert [(a["carrier_id"], a["balance_cents"], a["low"]) for a in carrier["accounts"]] == [
        ("sandbox-usps", 18_40, True),
        ("sandbox-ups", None, False),
        ("sandbox-fedex", 1_250_00, False),
    ]

    defaults = shop_settings.initial_settings(app.state.runtime.settings)
    await shop_settings.change(
        database, defaults, COMMAND_LINE, carrier_balance_warning_cents=2_000_00
    )
    page, body = await page_and_api(app)
    assert page.count("Low balance") == 2  # FedEx too: the owner's change applies at once
    assert [a["low"] for a in body["carrier"]["accounts"]] == [True, False, True]


async def test_when_telegram_does_not_answer_the_page_says_so(app, accounts):
    # These tests' Bot API address has nothing listening.
    page, body = await page_and_api(app)

    assert "The Bot API did not answer" in text_of(page, "webhook-unanswered")
    webhook = body["webhook"]
    assert webhook["probe"]["answered"] is False and webhook["probe"]["detail"]
    assert (webhook["url"], webhook["matches"], webhook["pending_updates"]) == (None, False, None)
    assert webhook["expected_url"] == app.state.runtime.settings.webhook_url
    assert text_of(page, "payments-status") == "answers"  # the rest still shown


async def test_telegrams_webhook_info_is_shown(app, accounts, monkeypatch):
    settings = app.state.runtime.settings
    failed_at = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)

    async def webhook_info() -> WebhookInfo:
        return WebhookInfo(
            url=settings.webhook_url,
            has_custom_certificate=False,
            pending_update_count=7,
            last_error_date=failed_at,
            last_error_message="Wrong response from the webhook: 502 Bad Gateway",
        )

    monkeypatch.setattr(app.state.runtime.bot, "get_webhook_info", webhook_info)
    page, body = await page_and_api(app)

    assert text_of(page, "webhook-url") == f"{settings.webhook_url} (as configured)"
    assert text_of(page, "webhook-pending") == "7"
    error = text_of(page, "webhook-error")
    assert error.startswith("2026-12-01 22:30:00")
    assert error.endswith("Wrong response from the webhook: 502 Bad Gateway")
    webhook = body["webhook"]
    assert webhook["probe"]["answered"] is True
    assert (webhook["url"], webhook["matches"], webhook["pending_updates"]) == (
        settings.webhook_url,
        True,
        7,
    )
    assert webhook["last_error_message"] == "Wrong response from the webhook: 502 Bad Gateway"
    assert datetime.fromisoformat(webhook["last_error_at"]) == failed_at


async def test_a_webhook_set_elsewhere_is_flagged(app, accounts, monkeypatch):
    async def webhook_info() -> WebhookInfo:
        return WebhookInfo(
            url="https://old.example.com/hook", has_custom_certificate=False, pending_update_count=0
        )

    monkeypatch.setattr(app.state.runtime.bot, "get_webhook_info", webhook_info)
    page, body = await page_and_api(app)

    assert "not the configured" in text_of(page, "webhook-mismatch")
    assert text_of(page, "webhook-error") == "none reported"
    assert body["webhook"]["matches"] is False


async def test_failing_providers_are_findings_not_errors(app, accounts, monkeypatch):
    runtime = app.state.runtime

    async def carrier_down() -> list:
        raise CarrierUnavailable("ShipStation could not be reached.")

    async def payments_down() -> list:
        raise PaymentUnavailable("Oxapay is unavailable (502).")

    monkeypatch.setattr(runtime.quoter.carrier, "list_carrier_accounts", carrier_down)
    monkeypatch.setattr(runtime.payments.provider, "accepted_currencies", payments_down)
    page, body = await page_and_api(app)

    assert text_of(page, "carrier-status") == "does not answer"
    assert "CarrierUnavailable: ShipStation could not be reached." in page
    assert "PaymentUnavailable: Oxapay is unavailable (502)." in page
    assert 'id="carrier-accounts"' not in page
    assert body["carrier"]["probe"]["answered"] is False
    assert body["carrier"]["accounts"] == []
    assert body["payments"] == {
        "answered": False,
        "latency_ms": body["payments"]["latency_ms"],
        "detail": "PaymentUnavailable: Oxapay is unavailable (502).",
    }


async def test_a_call_that_hangs_is_cut_off_at_the_timeout(app, accounts, monkeypatch):
    runtime = app.state.runtime
    monkeypatch.setattr(monitoring, "PROBE_TIMEOUT_SECONDS", 0.2)

    async def hang(*args, **kwargs):
        await asyncio.sleep(30)

    monkeypatch.setattr(runtime.bot, "get_webhook_info", hang)
    monkeypatch.setattr(runtime.quoter.carrier, "list_carrier_accounts", hang)
    monkeypatch.setattr(runtime.payments.provider, "accepted_currencies", hang)
    async with browser(app) as owner:
        await logged_in(owner)
        started = asyncio.get_running_loop().time()
        page = await owner.get("/admin/monitoring")
        took = asyncio.get_running_loop().time() - started

    assert page.status_code == 200
    assert took < 2  # the three calls wait side by side, each cut off
    assert page.text.count("no answer within 0.2 s") == 3


async def test_a_support_account_sees_the_monitoring_page(app, accounts):
    page, _ = await page_and_api(app, SUPPORT)
    assert "<h1>Monitoring</h1>" in page
    assert 'href="/admin/monitoring"' in page
