"""Oxapay callbacks on PostgreSQL with two server processes (G5, G6): one callback delivered to
both replicas at once credits once, and the user hears about it once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.conftest import postgres_rows
from tests.integration.test_top_ups import open_invoice, post_callback
from tests.support.dialogue import Dialogue
from tests.support.payments import callback_body, signature

pytestmark = pytest.mark.postgres
WEBHOOK = "/api/telegram/webhook"
LEDGER = "SELECT kind, amount_cents, idempotency_key FROM ledger_entries ORDER BY id"


def test_one_callback_sent_to_two_replicas_ten_times_credits_once(
    emulator, start_bot, postgres_url
):
    replicas = [start_bot(database_url=postgres_url) for _ in range(2)]
    emulator.set_targets([replica.url + WEBHOOK for replica in replicas])
    talk = Dialogue(emulator, emulator.create_user("Ann"))
    open_invoice(talk, "$50.00")
    ((track_id,),) = postgres_rows(postgres_url, "SELECT track_id FROM invoices")
    body = callback_body(track_id, "Paid", 5000, 5000)

    with ThreadPoolExecutor(10) as pool:
        answers = list(
            pool.map(lambda n: post_callback(replicas[n % 2].url, body, signature(body)), range(10))
        )

    assert [(a.status_code, a.text) for a in answers] == [(200, "ok")] * 10
    emulator.wait_idle()
    assert postgres_rows(postgres_url, LEDGER) == [("top_up", 5000, f"top_up:{track_id}")]
    assert postgres_rows(postgres_url, "SELECT cents FROM balances") == [(5000,)]
    news = [m for m in talk.chat.bot_messages() if "added to your balance" in (m["text"] or "")]
    assert len(news) == 1
    assert "Balance: $50.00" in talk.say("/balance")["text"]
