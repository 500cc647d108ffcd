"""Broadcasts in the admin API (SPEC §3.7): owners count an audience, start a broadcast, read
its progress and report, and pause, resume or cancel it, each audited; bad content is refused
with the engine's reason and stores nothing; support tokens cannot touch broadcasts."""

from __future__ import annotations

from sqlalchemy import func, select

from shipbot.db.models import AuditEntry, Broadcast, User
from tests.admin.conftest import SUPPORT, browser, personal_token
from tests.support.sandbox_client import ADMIN_TOKEN

API = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
URL = "/api/admin/broadcasts"
EVERYONE = {"kind": "all"}


async def add_users(database, *languages: str) -> None:
    async with database.transaction() as session:
        session.add_all(
            User(id=1000 + n, first_name="U", language=language)
            for n, language in enumerate(languages)
        )


async def stored(database) -> int:
    async with database.transaction() as session:
        return await session.scalar(select(func.count()).select_from(Broadcast))


async def audited(database) -> list[tuple]:
    async with database.transaction() as session:
        entries = await session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("broadcast%")).order_by(AuditEntry.id)
        )
        return [(e.action, e.admin_username, e.after.get("state")) for e in entries]


async def test_the_api_counts_an_audience(app, database):
    await add_users(database, "en", "ru", "ru")
    async with browser(app) as client:
        everyone = await client.post(f"{URL}/count", json=EVERYONE, headers=API)
        assert everyone.status_code == 200 and everyone.json() == {"count": 3}
        russian = await client.post(
            f"{URL}/count", json={"kind": "language", "language": "RU"}, headers=API
        )
        assert russian.json() == {"count": 2}
        bad = await client.post(f"{URL}/count", json={"kind": "active", "days": 0}, headers=API)
        assert bad.status_code == 400 and "between 1 and" in bad.json()["error"]["message"]


async def test_the_api_starts_a_broadcast_and_reports_it(app, database):
    await add_users(database, "en", "ru")
    async with browser(app) as client:
        body = {
            "text": "<b>New</b> rates",
            "buttons": [{"text": "Open", "url": "https://example.com"}],
            "audience": EVERYONE,
        }
        started = await client.post(URL, json=body, headers=API)
        assert started.status_code == 201, started.text
        progress = started.json()
        assert progress["state"] == "sending" and progress["total"] == 2
        listed = await client.get(URL, headers=API)
        assert [b["id"] for b in listed.json()] == [progress["id"]]
        detail = await client.get(f"{URL}/{progress['id']}", headers=API)
        assert detail.status_code == 200
        assert detail.json()["total"] == 2 and detail.json()["failures"] == []
        missing = await client.get(f"{URL}/999", headers=API)
        assert missing.status_code == 404


async def test_bad_content_is_refused_with_the_reason_and_stores_nothing(app, database):
    await add_users(database, "en")
    async with browser(app) as client:
        broken = await client.post(URL, json={"text": "<b>open", "audience": EVERYONE}, headers=API)
        assert broken.status_code == 400
        assert "not valid Telegram HTML" in broken.json()["error"]["message"]
        link = {"text": "Hi", "buttons": [{"text": "Go", "url": "ftp://x"}], "audience": EVERYONE}
        refused = await client.post(URL, json=link, headers=API)
        assert refused.status_code == 400 and "https://" in refused.json()["error"]["message"]
        nobody = {"text": "Hi", "audience": {"kind": "language", "language": "de"}}
        empty = await client.post(URL, json=nobody, headers=API)
        assert empty.status_code == 400 and "nobody" in empty.json()["error"]["message"]
    assert await stored(database) == 0 and await audited(database) == []


async def test_the_api_pauses_resumes_and_cancels_audited(app, database):
    await add_users(database, "en")
    async with browser(app) as client:
        started = await client.post(URL, json={"text": "Hi", "audience": EVERYONE}, headers=API)
        number = started.json()["id"]
        paused = await client.post(f"{URL}/{number}/pause", headers=API)
        assert paused.status_code == 200 and paused.json()["state"] == "paused"
        again = await client.post(f"{URL}/{number}/pause", headers=API)
        assert again.status_code == 409 and "cannot pause" in again.json()["error"]["message"]
        resumed = await client.post(f"{URL}/{number}/resume", headers=API)
        assert resumed.json()["state"] == "sending"
        cancelled = await client.post(f"{URL}/{number}/cancel", headers=API)
        assert cancelled.json()["state"] == "cancelled"
        unknown = await client.post(f"{URL}/{number}/restart", headers=API)
        assert unknown.status_code == 422
    assert await audited(database) == [
        ("broadcast.send", "api", None),
        ("broadcast.pause", "api", "paused"),
        ("broadcast.resume", "api", "sending"),
        ("broadcast.cancel", "api", "cancelled"),
    ]


async def test_support_tokens_cannot_touch_broadcasts(app, database, accounts):
    await add_users(database, "en")
    support = {"Authorization": f"Bearer {await personal_token(database, SUPPORT)}"}
    async with browser(app) as client:
        count = await client.post(f"{URL}/count", json=EVERYONE, headers=support)
        assert count.status_code == 403
        start = await client.post(URL, json={"text": "Hi", "audience": EVERYONE}, headers=support)
        assert start.status_code == 403
        assert (await client.get(URL, headers=support)).status_code == 403
        assert (
            await client.post(URL, json={"text": "Hi", "audience": EVERYONE})
        ).status_code == 401
    assert await stored(database) == 0
